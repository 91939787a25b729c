// What the simulated Shopify store holds (its listings at one location, its orders, the
// stock writes it accepted and the idempotency keys it has seen) and what a test or the
// demo does to it directly: list a SKU, record or sell an order, edit stock by hand.
import { inventoryLevelBody, orderBody, postShopifyDelivery, signedShopifyDelivery } from "./shopify-webhooks.ts";

export const LOCATION_NUMERIC_ID = "70000000001";

export interface Listing {
  sku: string;
  inventoryItemId: string;
  available: number;
}

/** An order as the store keeps it: what it took, and its cancellation when there was one. */
export interface SimulatedStoreOrder {
  id: string;
  lines: { sku: string; quantity: number }[];
  cancelledAt: string | null;
  cancel: { reason: string; restock: boolean; notifyCustomer: boolean; staffNote: string | null; refundMethod: unknown } | null;
}

export interface ShopifyStoreState {
  listings: Map<string, Listing>;
  byItemGid: Map<string, Listing>;
  orders: Map<string, SimulatedStoreOrder>;
  /** Each @idempotent key with the parameters it came with and the answer it got. */
  idempotency: Map<string, { params: string; answer: unknown }>;
  /** Writes Shopify accepted, in order. */
  writes: { sku: string; quantity: number; changeFrom: number | null }[];
  staleWrites: number;
  locationGid: string;
  /** Told of every write Shopify accepted, as it is applied. */
  onWrite?: (write: { sku: string; quantity: number }) => void;
  listingOf(sku: string): Listing;
}

export function createShopifyStoreState(onWrite?: ShopifyStoreState["onWrite"]): ShopifyStoreState {
  const listings = new Map<string, Listing>();
  return {
    listings,
    byItemGid: new Map(),
    orders: new Map(),
    idempotency: new Map(),
    writes: [],
    staleWrites: 0,
    locationGid: `gid://shopify/Location/${LOCATION_NUMERIC_ID}`,
    onWrite,
    listingOf(sku) {
      const listing = listings.get(sku);
      if (!listing) throw new Error(`the simulated store does not list ${sku}`);
      return listing;
    },
  };
}

/** Where a sale on the storefront tells the app, signed with the app's secret. */
export interface StorefrontWebhooks {
  shopDomain: string;
  clientSecret: string;
  webhookUrl?: string;
}

/** The store's own controls, as ShopifySimulator offers them. */
export function storeControls(state: ShopifyStoreState, webhooks: StorefrontWebhooks) {
  let nextItemId = 40_000_000_001;
  const { listingOf } = state;
  return {
    list(sku: string, available: number): string {
      const inventoryItemId = String((nextItemId += 1));
      const listing = { sku, inventoryItemId, available };
      state.listings.set(sku, listing);
      state.byItemGid.set(`gid://shopify/InventoryItem/${inventoryItemId}`, listing);
      return inventoryItemId;
    },
    available: (sku: string) => listingOf(sku).available,
    inventoryItemOf: (sku: string) => listingOf(sku).inventoryItemId,
    recordOrder(orderId: string, lines: { sku: string; quantity: number }[]): void {
      for (const line of lines) listingOf(line.sku).available = Math.max(0, listingOf(line.sku).available - line.quantity);
      state.orders.set(orderId, { id: orderId, lines, cancelledAt: null, cancel: null });
    },
    order: (orderId: string) => state.orders.get(orderId),
    setAvailableByHand(sku: string, available: number): void {
      listingOf(sku).available = available;
    },
    sell: (sku: string, quantity: number, orderId: string) => sell(state, webhooks, sku, quantity, orderId),
  };
}

/** A buyer orders on the storefront: the store takes the units (refusing when too few) and posts orders/create and inventory_levels/update. */
async function sell(state: ShopifyStoreState, webhooks: StorefrontWebhooks, sku: string, quantity: number, orderId: string): Promise<{ sold: boolean; webhookStatuses: number[] }> {
  const listing = state.listingOf(sku);
  if (listing.available < quantity) return { sold: false, webhookStatuses: [] };
  listing.available -= quantity;
  state.orders.set(orderId, { id: orderId, lines: [{ sku, quantity }], cancelledAt: null, cancel: null });
  if (!webhooks.webhookUrl) return { sold: true, webhookStatuses: [] };
  const now = new Date().toISOString();
  const { clientSecret, shopDomain } = webhooks;
  const deliveries = await Promise.all([
    signedShopifyDelivery({ clientSecret, shopDomain, topic: "orders/create", body: orderBody({ id: orderId, createdAt: now, lineItems: [{ sku, quantity, price: "10.00" }] }) }),
    signedShopifyDelivery({ clientSecret, shopDomain, topic: "inventory_levels/update", body: inventoryLevelBody({ inventoryItemId: listing.inventoryItemId, locationId: LOCATION_NUMERIC_ID, available: listing.available, updatedAt: now }) }),
  ]);
  const statuses = [];
  for (const delivery of deliveries) statuses.push((await postShopifyDelivery(webhooks.webhookUrl, delivery)).status);
  return { sold: true, webhookStatuses: statuses };
}
