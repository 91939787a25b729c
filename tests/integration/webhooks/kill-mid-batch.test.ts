// A kill -9 of the tiktok-webhook function in the middle of a burst: every delivery it
// answered 200 is in the inbox with its events (no 200 before the commit), a delivery it
// never answered is stored whole or not at all, and TikTok's retries after the restart
// leave every delivery stored exactly once. Real Deno behind the local gateway, real Postgres.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { startTestStandIn } from "../stand-in/stand-in-harness.ts";
import type { SupabaseStandIn } from "../../../supabase/local/stand-in/index.ts";
import { uniqueId, uniqueNumericId } from "../../test-data.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const credentials = { appKey: "kill_mid_batch_key", appSecret: "kill_mid_batch_secret" };
const BURST = 600;
const SENDERS = 64;
const KILL_AFTER_ANSWERS = 150;

const sql = connectTestDatabase();
const shopId = uniqueNumericId("93", 19);
const runId = uniqueId();
let standIn: SupabaseStandIn;

beforeAll(async () => {
  await sql`insert into tiktok_shops (shop_id, creator_id) values (${shopId}, ${newCreatorId()})`;
  standIn = await startTestStandIn({
    functions: { dir: path.join(repoRoot, "supabase/functions"), env: { TIKTOK_APP_KEY: credentials.appKey, TIKTOK_APP_SECRET: credentials.appSecret } },
  });
}, 120_000);

interface Delivery {
  key: string;
  orderId: string;
  body: string;
  authorization: string;
}

async function burstOfNewOrders(): Promise<Delivery[]> {
  return Promise.all(
    Array.from({ length: BURST }, async (_, index) => {
      const orderId = `9${String(Date.now()).slice(-8)}${String(index).padStart(9, "0")}`;
      const key = `kill-${runId}-${index}`;
      const body = JSON.stringify({ type: 1, tts_notification_id: key, shop_id: shopId, timestamp: 1764000000, data: { order_id: orderId, order_status: "AWAITING_SHIPMENT", is_on_hold_order: false, update_time: 1764000000 } });
      return { key, orderId, body, authorization: await signWebhook({ ...credentials, rawBody: new TextEncoder().encode(body) }) };
    }),
  );
}

/** Status per delivery: the HTTP status, or 0 when the connection broke before an answer. */
async function send(deliveries: Delivery[], onAnswer: (answered: number) => void = () => {}): Promise<number[]> {
  const url = `${standIn.url}/functions/v1/tiktok-webhook`;
  const statuses = new Array<number>(deliveries.length).fill(-1);
  let next = 0;
  let answered = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < deliveries.length) {
        const index = next++;
        const delivery = deliveries[index];
        statuses[index] = await fetch(url, { method: "POST", headers: { authorization: delivery.authorization }, body: delivery.body }).then(
          (response) => response.status,
          () => 0,
        );
        if (statuses[index] === 200) onAnswer(++answered);
      }
    }),
  );
  return statuses;
}

async function storedState(deliveries: Delivery[]) {
  const rows = await sql<{ dedupe_key: string; event_ids: string[]; events: string }[]>`
    select w.dedupe_key, w.event_ids,
           (select count(*) from event_store e where e.aggregate_id = 'order-' || (convert_from(w.raw_body, 'UTF8')::jsonb -> 'data' ->> 'order_id') and e.id = any(w.event_ids)) as events
      from webhook_inbox w where w.dedupe_key = any(${deliveries.map((delivery) => delivery.key)})`;
  return new Map(rows.map((row) => [row.dedupe_key, { eventIds: row.event_ids.length, events: Number(row.events) }]));
}

describe("tiktok-webhook killed with SIGKILL mid-burst", () => {
  it("answers 200 only for committed deliveries, and the retries store the rest exactly once", async () => {
    const deliveries = await burstOfNewOrders();
    const functionPid = standIn.functions.status()["tiktok-webhook"].pid!;
    let killed = false;
    const statuses = await send(deliveries, (answered) => {
      if (answered === KILL_AFTER_ANSWERS && !killed) {
        killed = true;
        process.kill(functionPid, "SIGKILL");
      }
    });
    expect(killed).toBe(true);
    const accepted = deliveries.filter((_, index) => statuses[index] === 200);
    const notAccepted = deliveries.filter((_, index) => statuses[index] !== 200);
    // The kill landed mid-burst: some deliveries were answered, others were in flight or still to be sent.
    expect(accepted.length).toBeGreaterThanOrEqual(KILL_AFTER_ANSWERS);
    expect(notAccepted.length).toBeGreaterThan(0);

    const afterKill = await storedState(deliveries);
    for (const delivery of accepted) expect(afterKill.get(delivery.key), delivery.key).toEqual({ eventIds: 1, events: 1 });
    // What was never answered is stored whole (committed before the kill) or not at all.
    for (const delivery of notAccepted) {
      const stored = afterKill.get(delivery.key);
      if (stored) expect(stored, delivery.key).toEqual({ eventIds: 1, events: 1 });
      else expect(await sql`select 1 from streams where aggregate_id = ${`order-${delivery.orderId}`}`, delivery.key).toHaveLength(0);
    }

    // TikTok retries what it did not see answered; the function is started again meanwhile.
    await standIn.functions.restartFunction("tiktok-webhook");
    const retried = await send(notAccepted);
    expect(retried.every((status) => status === 200)).toBe(true);
    const final = await storedState(deliveries);
    expect([...final.values()].filter((stored) => stored.eventIds === 1 && stored.events === 1)).toHaveLength(BURST);
  });
});
