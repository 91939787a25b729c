// With the database down the webhook answers 503, so TikTok retries; once it is back,
// the retried delivery is accepted and nothing is lost. Runs on its own Postgres, since
// stopping the shared test database would break every other test file.
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { prepareDatabase, type PreparedDatabase } from "../../../supabase/local/database.ts";
import { startTestStandIn } from "../stand-in/stand-in-harness.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const OUTAGE_DB_PORT = Number(process.env.TEST_DB_PORT ?? 24332) + 7;
const credentials = { appKey: "test_app_key", appSecret: "test_app_secret" };

async function startDatabase(recreate: boolean): Promise<PreparedDatabase> {
  const previous = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  try {
    return await prepareDatabase({ port: OUTAGE_DB_PORT, name: `postgres-outage-${OUTAGE_DB_PORT}`, ephemeral: true, database: "creatorflow_outage", recreate });
  } finally {
    if (previous !== undefined) process.env.DATABASE_URL = previous;
  }
}

let database = await startDatabase(true);
afterAll(() => database.stop());
const standIn = await startTestStandIn({
  databaseUrl: database.url,
  functions: { dir: path.join(repoRoot, "supabase/functions"), env: { TIKTOK_APP_KEY: credentials.appKey, TIKTOK_APP_SECRET: credentials.appSecret } },
});

describe("tiktok-webhook during a database outage", () => {
  it("answers 503 while the database is down and accepts the retried delivery after", async () => {
    const setup = postgres(database.url, { max: 1, onnotice: () => {} });
    const creatorId = crypto.randomUUID();
    await setup`insert into tiktok_shops (shop_id, creator_id) values ('7000000000000000001', ${creatorId})`;
    await setup.end();

    const body = JSON.stringify({ type: 1, tts_notification_id: "outage-1", shop_id: "7000000000000000001", timestamp: 1764000000, data: { order_id: "800000000000000001", order_status: "AWAITING_SHIPMENT", is_on_hold_order: false, update_time: 1764000000 } });
    const deliver = async () =>
      fetch(`${standIn.url}/functions/v1/tiktok-webhook`, {
        method: "POST",
        headers: { authorization: await signWebhook({ ...credentials, rawBody: new TextEncoder().encode(body) }) },
        body,
      });

    await database.stop();
    const duringOutage = await deliver();
    expect(duringOutage.status).toBe(503);
    // A burst shares group commits: every delivery of a batch that cannot be stored is answered 503.
    const burst = await Promise.all(Array.from({ length: 20 }, () => deliver()));
    expect(burst.map((response) => response.status)).toEqual(Array(20).fill(503));

    database = await startDatabase(false);
    let retried = await deliver();
    // The function's pool notices the restarted server on the next connection attempt.
    for (let attempt = 0; retried.status === 503 && attempt < 20; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      retried = await deliver();
    }
    expect(retried.status).toBe(200);

    const check = postgres(database.url, { max: 1, onnotice: () => {} });
    const inbox = await check`select status from webhook_inbox where dedupe_key = 'outage-1'`;
    const events = await check`select event_type from event_store where aggregate_id = 'order-800000000000000001'`;
    await check.end();
    expect(inbox).toEqual([{ status: "processed" }]);
    expect(events).toEqual([{ event_type: "order.received_from_tiktok" }]);
  });
});
