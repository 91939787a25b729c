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

/** A seller who authorized the app through the consent page, and the shops that came with it. */
export interface SimulatedSeller {
  openId: string;
  sellerName: string;
  baseRegion: string;
  shops: DemoShop[];
}

export interface ShopWorld {
  shops: DemoShop[];
  shopByCipher: Map<string, DemoShop>;
  orders: Map<string, SimulatedOrder>;
  stockBySku: Map<string, SimulatedStock>;
  /** By open id. The demo shops belong to none of them: they predate seller authorization (see api-server.ts). */
  sellers: Map<string, SimulatedSeller>;
}

export function createShopWorld(shops: DemoShop[]): ShopWorld {
  const world: ShopWorld = { shops: [], shopByCipher: new Map(), orders: new Map(), stockBySku: new Map(), sellers: new Map() };
  for (const shop of shops) addShop(world, shop);
  return world;
}

/** Opens a shop in the world with its catalogue's initial stock. */
export function addShop(world: ShopWorld, shop: DemoShop): void {
  if (world.shopByCipher.has(shop.shopCipher)) throw new Error(`a shop with cipher ${shop.shopCipher} already exists`);
  world.shops.push(shop);
  world.shopByCipher.set(shop.shopCipher, shop);
  for (const sku of shop.skus) {
    world.stockBySku.set(sku.skuId, { shop, sku, total: sku.initialStock, committed: 0, creatorReserved: 0, campaignReserved: 0, lastReportedStatus: "IN_STOCK" });
  }
}

export function sellerOfShop(world: ShopWorld, shop: DemoShop): SimulatedSeller | undefined {
  for (const seller of world.sellers.values()) if (seller.shops.includes(shop)) return seller;
  return undefined;
}

/** Units TikTok holds for orders, creators and campaigns: the total never drops below them. */
export function heldOf(stock: SimulatedStock): number {
  return stock.committed + stock.creatorReserved + stock.campaignReserved;
}

/** Honest books: nothing negative, nothing held that is not there. */
export function stockBalances(stock: SimulatedStock): boolean {
  return stock.committed >= 0 && stock.creatorReserved >= 0 && stock.campaignReserved >= 0 && stock.total >= heldOf(stock);
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
