// What backfill and reconciliation need from TikTok Shop: the paged order and product
// searches (POST /order/202309/orders/search, POST /product/202309/products/search).
// The signed TikTokShopClient provides both; tests may hand in anything of this shape.
import type { TikTokOrderDetail, TikTokShopResult } from "../tiktok/api-client.ts";

/** Unix seconds, as TikTok's search filters take them. */
export interface OrderSearchFilter {
  createTimeGe?: number;
  createTimeLt?: number;
  updateTimeGe?: number;
  updateTimeLt?: number;
  orderStatus?: string;
}

export interface PageRequest {
  pageSize?: number;
  pageToken?: string;
}

export interface SearchedSku {
  id: string;
  sellerSku?: string;
  price?: unknown;
  inventory: { quantity: number; warehouseId?: string }[];
}

export interface SearchedProduct {
  id: string;
  title: string;
  status?: string;
  skus: SearchedSku[];
}

export interface ShopHistoryReader {
  searchOrders(filter: OrderSearchFilter, page: PageRequest): Promise<TikTokShopResult<{ orders: TikTokOrderDetail[]; nextPageToken: string | null; totalCount: number }>>;
  searchProducts(page: PageRequest): Promise<TikTokShopResult<{ products: SearchedProduct[]; nextPageToken: string | null; totalCount: number }>>;
}
