// What backfill and reconciliation need from TikTok Shop: the paged order and product
// searches (POST /order/202309/orders/search, POST /product/202309/products/search).
// The signed TikTokShopClient provides both.
import type { TikTokShopClient } from "../channels/tiktok-shop/api-client.ts";

export type ShopHistoryReader = Pick<TikTokShopClient, "searchOrders" | "searchProducts">;
export type { OrderSearchFilter, PageRequest, TikTokProduct } from "../channels/tiktok-shop/api-client.ts";
