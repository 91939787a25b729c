// What the simulated TikTok Shop knows: its shops, orders and stock. The webhook traffic
// writes it as orders move; the API server reads it (and takes inventory updates), so the
// order details the app fetches agree with the webhooks it received.
import type { TiktokOrderStatus } from "../core/orders/events.ts";
import type { DemoShop, DemoSku } from "./demo-catalogue.ts";

export interface SimulatedLineItem {
  lineItemId: string;
  sku: DemoSku;
}

export interface SimulatedOrder {
  orderId: string;
  shop: DemoShop;
  buyerUserId: string;
  /** Orders API spelling (CANCELLED, not CANCEL). */
  status: TiktokOrderStatus;
  isOnHold: boolean;
  createTime: number;
  updateTime: number;
  paidTime?: number;
  /** One per unit, as API version 202309 lists them. */
  lineItems: SimulatedLineItem[];
  subtotalMinor: number;
  shippingMinor: number;
  /** What the buyer paid in taxes on top (US orders); none when unset. */
  taxMinor?: number;
  packageId?: string;
  trackingNumber?: string;
  cancelReason?: string;
  /** Who carries the order (TikTok's `shipping_type`); the seller when unset. */
  shippingType?: "TIKTOK" | "SELLER";
  /** The provider the package shipped with, once it has. */
  shippingProvider?: { id: string; name: string };
}

export type InventoryStatus = "IN_STOCK" | "LOW_STOCK" | "OUT_OF_STOCK";

export interface SimulatedStock {
  shop: DemoShop;
  sku: DemoSku;
  /** TikTok's distribution: total = available + creator_reserved + campaign_reserved + committed. */
  total: number;
  committed: number;
  creatorReserved: number;
  campaignReserved: number;
  lastReportedStatus: InventoryStatus;
}

export interface ShopWorld {
  shops: DemoShop[];
  shopByCipher: Map<string, DemoShop>;
  orders: Map<string, SimulatedOrder>;
  stockBySku: Map<string, SimulatedStock>;
}

export function createShopWorld(shops: DemoShop[]): ShopWorld {
  const stockBySku = new Map<string, SimulatedStock>();
  for (const shop of shops) {
    for (const sku of shop.skus) {
      stockBySku.set(sku.skuId, { shop, sku, total: sku.initialStock, committed: 0, creatorReserved: 0, campaignReserved: 0, lastReportedStatus: "IN_STOCK" });
    }
  }
  return { shops, shopByCipher: new Map(shops.map((shop) => [shop.shopCipher, shop])), orders: new Map(), stockBySku };
}

export function availableOf(stock: SimulatedStock): number {
  return Math.max(0, stock.total - stock.committed - stock.creatorReserved - stock.campaignReserved);
}

export function inventoryStatusOf(stock: SimulatedStock): InventoryStatus {
  const available = availableOf(stock);
  if (available === 0) return "OUT_OF_STOCK";
  return available <= stock.sku.lowStockThreshold ? "LOW_STOCK" : "IN_STOCK";
}

export function formatMinor(amountMinor: number): string {
  return (amountMinor / 100).toFixed(2);
}
