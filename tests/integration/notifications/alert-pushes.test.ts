// Push notifications on the real processing path: an alert opened by the alerts projection
// (the process-events Edge Function's live lane, in real Deno) is queued in the same
// transaction and sent by the fulfilment lane as Web Push (VAPID, aes128gcm, the web-push
// library) to a local push service that checks the JWT and decrypts the body as a device
// would. On a database of its own: the lanes would first work through every other file's events.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { savePushDevice } from "../../../src/server/notifications/push-devices.ts";
import { asSignedInUser, newCreatorId, ownTestDatabase } from "../database.ts";
import { startTestStandIn } from "../stand-in/stand-in-harness.ts";
import { startLocalPushService, type LocalDevice } from "./local-push-service.ts";

const vapid = webpush.generateVAPIDKeys();
const { url: databaseUrl, sql } = await ownTestDatabase("push-notifications", 19, { max: 4 });
const pushService = await startLocalPushService();
afterAll(() => pushService.close());
const standIn = await startTestStandIn({
  databaseUrl,
  functions: {
    dir: path.resolve(import.meta.dirname, "../../../supabase/functions"),
    env: {
      TIKTOK_APP_KEY: "push_test_app_key",
      TIKTOK_APP_SECRET: "push_test_app_secret",
      FULFILMENT_SAGA: "off",
      WEB_PUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
      WEB_PUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
      WEB_PUSH_SUBJECT: "mailto:push-test@creatorflow.test",
    },
  },
});
const store = createEventStore({ sql });

async function processLane(lane: "live" | "fulfilment"): Promise<void> {
  const response = await fetch(`${standIn.url}/functions/v1/process-events?lane=${lane}&budget_ms=10000`, { method: "POST", headers: { authorization: `Bearer ${standIn.serviceRoleKey}` } });
  expect(response.status).toBe(200);
}

async function openStockOut(creatorId: string, skuId: string, severity: "warning" | "emergency"): Promise<string> {
  const { events: [event] } = await store.appendToStream({
    creatorId,
    aggregateId: inventoryAggregateId(skuId),
    aggregateType: "inventory",
    expectedVersion: "any",
    events: [{ type: "inventory.low_stock_detected", data: { sku_id: skuId, available: 1, reorder_point: 10, severity, hours_to_stockout: 0.5 } }],
    metadata: { source: "automated_system", component: "test" },
  });
  return event!.id;
}

async function subscribe(creatorId: string, device: LocalDevice, options: { kinds?: ("stock_out" | "unfulfillable_order" | "shop_reconnect" | "sales_spike")[]; quietHours?: { start: string; end: string } | null } = {}) {
  await savePushDevice(sql, creatorId, { subscription: device.subscription, kinds: options.kinds ?? ["stock_out", "unfulfillable_order", "shop_reconnect", "sales_spike"], quietHours: options.quietHours ?? null, timeZone: "UTC" });
}

const hhmm = (date: Date) => `${String(date.getUTCHours()).padStart(2, "0")}:${String(date.getUTCMinutes()).padStart(2, "0")}`;

describe("alert pushes", () => {
  const creatorA = newCreatorId();
  const creatorB = newCreatorId();
  const phoneA = pushService.newDevice("creator-a-phone");
  const goneA = pushService.newDevice("creator-a-old-tablet", { gone: true });
  const quietA = pushService.newDevice("creator-a-bedside", {});
  const ordersOnlyA = pushService.newDevice("creator-a-orders-only");
  const phoneB = pushService.newDevice("creator-b-phone");
  let alertId: string;

  beforeAll(async () => {
    await subscribe(creatorA, phoneA);
    await subscribe(creatorA, goneA);
    const now = new Date();
    // Quiet from a minute ago to an hour from now, in UTC.
    await subscribe(creatorA, quietA, { quietHours: { start: hhmm(new Date(now.getTime() - 60_000)), end: hhmm(new Date(now.getTime() + 3_600_000)) } });
    await subscribe(creatorA, ordersOnlyA, { kinds: ["unfulfillable_order"] });
    await subscribe(creatorB, phoneB);
    alertId = await openStockOut(creatorA, "PUSH-SKU-1", "emergency");
    await processLane("live");
    await processLane("fulfilment");
  });

  it("sends the alert, encrypted with VAPID, to the creator's device that wants its kind, and tapping it opens the product", () => {
    expect(pushService.refused).toEqual([]);
    const toPhone = pushService.received.filter((push) => push.device === phoneA.name);
    expect(toPhone).toHaveLength(1);
    expect(toPhone[0]!.vapidPublicKey).toBe(vapid.publicKey);
    expect(toPhone[0]!.payload).toMatchObject({ alertId, kind: "stock_out", title: "Running low: SKU PUSH-SKU-1", url: "/dashboard#sku-PUSH-SKU-1" });
    expect((toPhone[0]!.payload as { body: string }).body).toMatch(/left, at or below your reorder point/);
  });

  it("sends nothing to another creator's device, to a device in its quiet hours, or to one that did not choose the kind", () => {
    const devices = new Set(pushService.received.map((push) => push.device));
    expect(devices.has(phoneB.name)).toBe(false);
    expect(devices.has(quietA.name)).toBe(false);
    expect(devices.has(ordersOnlyA.name)).toBe(false);
  });

  it("removes a device the push service says is gone, and keeps the others", async () => {
    const endpoints = (await sql<{ endpoint: string }[]>`select endpoint from push_subscriptions where creator_id = ${creatorA}`).map((row) => row.endpoint);
    expect(endpoints).not.toContain(goneA.subscription.endpoint);
    expect(endpoints).toContain(phoneA.subscription.endpoint);
    const [outbox] = await sql<{ delivered: number; removed: number; failed: number }[]>`select delivered, removed, failed from alert_push_outbox where alert_id = ${alertId}`;
    expect(outbox).toEqual({ delivered: 1, removed: 1, failed: 0 });
  });

  it("pushes an alert at most once, however often the lanes run", async () => {
    await processLane("live");
    await processLane("fulfilment");
    expect(pushService.received.filter((push) => (push.payload as { alertId: string }).alertId === alertId)).toHaveLength(1);
  });

  it("does not push a low-stock warning (only an emergency stock-out needs the creator now)", async () => {
    const before = pushService.received.length;
    const warningId = await openStockOut(creatorA, "PUSH-SKU-2", "warning");
    await processLane("live");
    await processLane("fulfilment");
    expect(pushService.received.length).toBe(before);
    expect(await sql`select 1 from alerts where id = ${warningId}`).toHaveLength(1);
    expect(await sql`select 1 from alert_push_outbox where alert_id = ${warningId}`).toHaveLength(0);
  });

  it("shows a creator only their own devices (RLS), and lets the API roles change none", async () => {
    const seenByB = await asSignedInUser(sql, { role: "creator", creator_id: creatorB }, (tx) => tx<{ endpoint: string }[]>`select endpoint from push_subscriptions`);
    expect(seenByB.map((row) => row.endpoint)).toEqual([phoneB.subscription.endpoint]);
    const removedByB = asSignedInUser(sql, { role: "creator", creator_id: creatorB }, (tx) => tx`delete from push_subscriptions where endpoint = ${phoneA.subscription.endpoint}`);
    await expect(removedByB).rejects.toThrow(/permission denied/);
    const insertedForA = asSignedInUser(sql, { role: "creator", creator_id: creatorB }, (tx) =>
      tx`insert into push_subscriptions (creator_id, endpoint, p256dh, auth, kinds) values (${creatorA}, ${`${pushService.url}/push/forged`}, ${phoneB.subscription.keys.p256dh}, ${phoneB.subscription.keys.auth}, ${["stock_out"]})`,
    );
    await expect(insertedForA).rejects.toThrow(/permission denied/);
  });

  it("moves a browser's subscription to the creator who signs in on it last: the first creator's pushes stop reaching it", async () => {
    const shared = pushService.newDevice("shared-browser");
    await subscribe(creatorA, shared);
    await subscribe(creatorB, shared);
    const owners = await sql<{ creator_id: string }[]>`select creator_id from push_subscriptions where endpoint = ${shared.subscription.endpoint}`;
    expect(owners).toEqual([{ creator_id: creatorB }]);
    await openStockOut(creatorA, "PUSH-SKU-3", "emergency");
    await processLane("live");
    await processLane("fulfilment");
    expect(pushService.received.filter((push) => push.device === shared.name)).toEqual([]);
  });
});
