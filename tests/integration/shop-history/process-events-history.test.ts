// The process-events Edge Function in real Deno runs a newly linked shop's history: its
// fulfilment lane replays the shop's unlinked deliveries, imports its products, stock and
// orders from TikTok (the simulator, over HTTP, with the seller's sealed token), and runs the
// reconciliation. On a database of its own, so no other test file's shops are imported.
import { describe, expect, it } from "vitest";
import { loadAppliedOrders } from "../../../src/core/shop-history/applied-orders.ts";
import { createSellerCredentialStore } from "../../../src/core/shops/seller-credentials.ts";
import { importTokenEncryptionKey } from "../../../src/core/shops/token-encryption.ts";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { createTikTokWebhookIngestion } from "../../../src/core/webhooks/tiktok-webhook-ingestion.ts";
import { defaultTikTokCredentials, startTikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { createShopWorld } from "../../../src/simulator/shop-world.ts";
import { createWebhookTraffic } from "../../../src/simulator/webhook-traffic.ts";
import { uniqueShop } from "../conflicts/harness.ts";
import { newCreatorId, ownTestDatabase } from "../database.ts";
import { startFunctionsStandIn } from "../stand-in/stand-in-harness.ts";

const { url: databaseUrl, sql } = await ownTestDatabase("shop-history-function", 10, { max: 4 });
const shop = uniqueShop();
const world = createShopWorld([shop]);
const simulator = await startTikTokShopSimulator({ port: 0, world });
const encryptionKey = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");
const { appKey, appSecret } = defaultTikTokCredentials;
const standIn = await startFunctionsStandIn({
  databaseUrl,
  tiktok: { appKey, appSecret, apiBaseUrl: simulator.url, tokenEncryptionKey: encryptionKey },
  env: { FULFILMENT_SAGA: "off" },
});
const url = `${standIn.url}/functions/v1/process-events?lane=fulfilment&budget_ms=10000`;

describe("a newly linked shop's history, in the process-events fulfilment lane", () => {
  it("replays its unlinked deliveries, imports its orders once each and reconciles it", async () => {
    // Orders of the last few weeks; their webhooks came before the shop was linked, or never.
    const traffic = createWebhookTraffic({ seed: 42, creators: 1, startTime: Math.floor(Date.now() / 1000) - 25 * 86_400, duplicateRate: 0, reorderRate: 0, world });
    const bodies = Array.from({ length: 80 }, () => traffic.next().body);
    expect([...world.orders.values()].every((order) => order.updateTime < Date.now() / 1000)).toBe(true);
    const ingest = createTikTokWebhookIngestion({ sql, appKey, appSecret });
    for (const body of bodies.slice(0, 20)) {
      const raw = new TextEncoder().encode(body);
      expect(await ingest(raw, await signWebhook({ appKey, appSecret, rawBody: raw }))).toMatchObject({ status: 200 });
    }
    const [unlinked] = await sql<{ n: number }[]>`select count(*)::int as n from webhook_inbox where shop_id = ${shop.shopId} and status = 'unlinked_shop'`;
    expect(unlinked.n).toBeGreaterThan(0);

    // The shop is linked with its seller's sealed token, as the connect flow leaves it.
    const creatorId = newCreatorId();
    const sellerOpenId = `open-${crypto.randomUUID()}`;
    await sql`insert into tiktok_shops (shop_id, creator_id, shop_name, shop_cipher, seller_open_id) values (${shop.shopId}, ${creatorId}::uuid, 'Test shop', ${shop.shopCipher}, ${sellerOpenId})`;
    const credentials = createSellerCredentialStore({ sql, encryptionKey: await importTokenEncryptionKey(encryptionKey), tokens: {} as never, now: () => new Date() });
    const far = new Date(Date.now() + 30 * 86_400_000);
    await credentials.saveAuthorization(sql, creatorId, { accessToken: "seller-token", accessTokenExpiresAt: far, refreshToken: "refresh", refreshTokenExpiresAt: far, openId: sellerOpenId, sellerName: "Seller", grantedScopes: [] });

    let status = "";
    for (let call = 0; call < 20 && status !== "completed"; call += 1) {
      const response = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${standIn.serviceRoleKey}` } });
      expect(response.status).toBe(200);
      [{ status } = { status: "" }] = await sql<{ status: string }[]>`select status from shop_imports where shop_id = ${shop.shopId}`;
    }
    expect(status).toBe("completed");

    const [stillUnlinked] = await sql<{ n: number }[]>`select count(*)::int as n from webhook_inbox where shop_id = ${shop.shopId} and status = 'unlinked_shop'`;
    expect(stillUnlinked.n).toBe(0);
    const received = await sql<{ aggregate_id: string; n: number }[]>`
      select aggregate_id, count(*)::int as n from event_store where creator_id = ${creatorId}::uuid and event_type = 'order.received_from_tiktok' group by aggregate_id`;
    expect(received.length).toBe(world.orders.size);
    expect(received.every((row) => row.n === 1)).toBe(true);
    const applied = await loadAppliedOrders(sql, [...world.orders.keys()]);
    for (const order of world.orders.values()) expect(applied.get(`order-${order.orderId}`)?.status?.status, order.orderId).toBe(order.status);
    const [run] = await sql<{ status: string; trigger: string }[]>`select status, trigger from reconciliation_runs order by started_at limit 1`;
    expect(run).toEqual({ status: "succeeded", trigger: "scheduled" });
  });
});
