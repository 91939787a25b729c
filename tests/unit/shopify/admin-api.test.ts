// The Admin GraphQL stock API through Shopify's own client, against the simulated store over
// real HTTP: compare-and-set writes, stale compares, idempotent retries, outages, bad tokens.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShopifyAdminApi, ShopifyApiError } from "../../../src/core/channels/shopify/admin-api.ts";
import { startShopifySimulator, type ShopifySimulator } from "../../../src/simulator/shopify/shopify-simulator.ts";

const shopDomain = "cas-spec.myshopify.com";
let store: ShopifySimulator;
let accessToken = "";

beforeAll(async () => {
  store = await startShopifySimulator({ shopDomain, clientId: "client-id", clientSecret: "client-secret" });
  // A token the way the app gets one: consent, then the code exchange.
  const consent = await fetch(`${store.url}/admin/oauth/authorize?client_id=client-id&scope=write_inventory&redirect_uri=${encodeURIComponent("http://app.test/callback")}&state=s1`, { redirect: "manual" });
  const code = new URL(consent.headers.get("location")!).searchParams.get("code");
  const exchange = await fetch(`${store.url}/admin/oauth/access_token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: "client-id", client_secret: "client-secret", code }) });
  accessToken = ((await exchange.json()) as { access_token: string }).access_token;
});
afterAll(() => store.close());

const api = () => createShopifyAdminApi({ shopDomain, accessToken, apiBaseUrl: store.url });
const gid = (itemId: string) => `gid://shopify/InventoryItem/${itemId}`;

describe("Shopify Admin API stock writes", () => {
  it("sets available when Shopify still holds the compared quantity, and reads it back", async () => {
    const item = store.list("SKU-CAS-1", 12);
    const outcome = await api().setAvailable({ inventoryItemId: gid(item), locationId: store.locationId, quantity: 9, changeFrom: 12, idempotencyKey: crypto.randomUUID() });
    expect(outcome.outcome).toBe("written");
    expect(await api().readAvailable([gid(item)], store.locationId)).toEqual([{ inventoryItemId: gid(item), locationId: store.locationId, available: 9 }]);
  });

  it("answers stale, and changes nothing, when Shopify's count moved since (a sale on Shopify)", async () => {
    const item = store.list("SKU-CAS-2", 12);
    store.setAvailableByHand("SKU-CAS-2", 11);
    const outcome = await api().setAvailable({ inventoryItemId: gid(item), locationId: store.locationId, quantity: 9, changeFrom: 12, idempotencyKey: crypto.randomUUID() });
    expect(outcome).toEqual({ outcome: "stale" });
    expect(store.available("SKU-CAS-2")).toBe(11);
  });

  it("applies a retried write (same idempotency key) once", async () => {
    const item = store.list("SKU-CAS-3", 5);
    const write = { inventoryItemId: gid(item), locationId: store.locationId, quantity: 4, changeFrom: 5, idempotencyKey: crypto.randomUUID() };
    expect((await api().setAvailable(write)).outcome).toBe("written");
    expect((await api().setAvailable(write)).outcome).toBe("written");
    expect(store.writes.filter((entry) => entry.sku === "SKU-CAS-3")).toEqual([{ sku: "SKU-CAS-3", quantity: 4, changeFrom: 5 }]);
  });

  it("reports an outage as a retryable failure, and a wrong token as one no retry mends", async () => {
    const item = store.list("SKU-CAS-4", 5);
    store.setOutage(true);
    const down = await api().setAvailable({ inventoryItemId: gid(item), locationId: store.locationId, quantity: 4, changeFrom: 5, idempotencyKey: crypto.randomUUID() }).catch((error: unknown) => error);
    store.setOutage(false);
    expect(down).toBeInstanceOf(ShopifyApiError);
    expect((down as ShopifyApiError).kind).toBe("server");
    expect((down as ShopifyApiError).retryable).toBe(true);
    const wrongToken = createShopifyAdminApi({ shopDomain, accessToken: "shpat_wrong", apiBaseUrl: store.url });
    const refused = await wrongToken.readAvailable([gid(item)], store.locationId).catch((error: unknown) => error);
    expect((refused as ShopifyApiError).kind).toBe("unauthorized");
    expect((refused as ShopifyApiError).retryable).toBe(false);
    expect(String((refused as Error).message)).not.toContain("shpat_wrong");
  });
});

describe("Shopify Admin API order cancellation", () => {
  it("cancels an order for want of stock: refunded to the original payment methods, not restocked, the buyer notified, our reason as the staff note", async () => {
    store.list("SKU-CANCEL-1", 5);
    store.recordOrder("5550001", [{ sku: "SKU-CANCEL-1", quantity: 2 }]);
    const outcome = await api().cancelOrder({ orderId: "5550001", staffNote: "not enough stock in the pool" });
    expect(outcome).toMatchObject({ outcome: "cancelled", jobId: expect.stringMatching(/^gid:\/\/shopify\/Job\//) });
    expect(store.order("5550001")?.cancel).toEqual({ reason: "INVENTORY", restock: false, notifyCustomer: true, staffNote: "not enough stock in the pool", refundMethod: { originalPaymentMethodsRefund: true } });
    // Not restocked: the store still shows the 3 left after the order took 2.
    expect(store.available("SKU-CANCEL-1")).toBe(3);
  });

  it("counts an order already cancelled as cancelled (a retry after a lost answer), and refuses an order Shopify does not know", async () => {
    store.list("SKU-CANCEL-2", 5);
    store.recordOrder("5550002", [{ sku: "SKU-CANCEL-2", quantity: 1 }]);
    await api().cancelOrder({ orderId: "5550002", staffNote: "first" });
    expect(await api().cancelOrder({ orderId: "5550002", staffNote: "again" })).toEqual({ outcome: "already_cancelled" });
    expect(store.order("5550002")?.cancel?.staffNote).toBe("first");
    await expect(api().cancelOrder({ orderId: "5559999", staffNote: "unknown" })).rejects.toMatchObject({ name: "ShopifyApiError", kind: "invalid_request", message: expect.stringContaining("NOT_FOUND") });
  });
});
