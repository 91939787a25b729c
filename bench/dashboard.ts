// `npm run bench -- dashboard`: the live dashboard end to end.
//
//   webhook_to_dom   a signed TikTok order webhook accepted (HTTP 200 from the Edge Function)
//                    -> the order in the open /dashboard page's DOM in Chromium; one order at
//                    a time, 200 orders; target p95 <= 500 ms
//   dashboard_render GET /dashboard (server render from the read models, signed in) with one
//                    million events stored; 200 requests one after another; target p95 <= 150 ms
//
// It starts everything itself: an embedded PostgreSQL on port 54354 (database recreated),
// the Supabase stand-in with the Edge Functions on port 54361 (its keys kept in the OS temp
// dir, as the e2e does, so one build serves both), the events worker, the production build
// (skip with BENCH_SKIP_BUILD=1) and `next start` on port 3200 (bench/lib/bench-stack.ts).
// Chromium is Debian's.
import type { Sql } from "postgres";
import type { Page } from "playwright-core";
import { signWebhook } from "../src/core/channels/tiktok-shop/webhook-signature.ts";
import { demoCreatorId } from "../supabase/local/demo-seed.ts";
import { BENCH_TIKTOK_APP, signInToDashboard, startBenchStack } from "./lib/bench-stack.ts";
import { emit, log, percentile, round } from "./lib/measure.ts";

const APP_PORT = 3200;
const SUPABASE_PORT = 54361;
const DB_PORT = 54354;
const CREATOR1_SHOP = "7494726673780148744";
const ORDERS = 200;
const RENDERS = 200;
const TARGET_EVENTS = 1_000_000;

function summary(values: number[]) {
  const sorted = Float64Array.from(values).sort();
  return { p50_ms: round(percentile(sorted, 50)), p95_ms: round(percentile(sorted, 95)), max_ms: round(sorted[sorted.length - 1] ?? Number.NaN) };
}

async function postOrder(webhookUrl: string, orderId: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const rawBody = new TextEncoder().encode(
    JSON.stringify({ type: 1, tts_notification_id: `bench-${orderId}`, shop_id: CREATOR1_SHOP, timestamp: now, data: { order_id: orderId, order_status: "AWAITING_SHIPMENT", is_on_hold_order: false, update_time: now } }),
  );
  const authorization = await signWebhook({ appKey: BENCH_TIKTOK_APP.key, appSecret: BENCH_TIKTOK_APP.secret, rawBody });
  const response = await fetch(webhookUrl, { method: "POST", headers: { "content-type": "application/json", authorization }, body: rawBody });
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
}

/** Records, inside the page, the moment each order row enters the DOM. */
async function watchOrderRows(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { benchSeen: Record<string, number> }).benchSeen = seen;
    new MutationObserver((mutations) => {
      const at = performance.timeOrigin + performance.now();
      for (const mutation of mutations) {
        for (const node of mutation.addedNodes) {
          if (!(node instanceof HTMLElement)) continue;
          const rows = node.matches("[data-order-id]") ? [node] : [...node.querySelectorAll<HTMLElement>("[data-order-id]")];
          for (const row of rows) seen[row.dataset.orderId!] ??= at;
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
}

async function webhookToDom(page: Page, webhookUrl: string): Promise<number[]> {
  await watchOrderRows(page);
  const latencies: number[] = [];
  const base = `58${String(Date.now()).slice(-10)}`;
  for (let index = 0; index < ORDERS + 10; index += 1) {
    const orderId = `${base}${String(index).padStart(6, "0")}`;
    await postOrder(webhookUrl, orderId);
    const acceptedAt = performance.timeOrigin + performance.now();
    const handle = await page.waitForFunction((id) => (window as unknown as { benchSeen: Record<string, number> }).benchSeen[id], orderId, { timeout: 30_000, polling: "raf" });
    const seenAt = (await handle.jsonValue()) as number;
    // The first ten warm up the worker, the Edge Function isolate and the page.
    if (index >= 10) latencies.push(Math.max(0, seenAt - acceptedAt));
  }
  return latencies;
}

/**
 * Fills the store to a million events the fast way (one INSERT ... SELECT), as orders of
 * creator 1 over the last 30 days and of 49 other creators, and gives the read models the
 * rows those orders would have produced. The projections' checkpoints are moved past them:
 * projecting a million events is the process benchmark's business, not this one's.
 */
async function loadMillionEvents(sql: Sql, creatorId: string): Promise<number> {
  const [{ count: existing }] = await sql<{ count: number }[]>`select count(*)::int as count from event_store`;
  const toAdd = TARGET_EVENTS - existing;
  log(`inserting ${toAdd} events`);
  await sql`select public.maintain_event_store_partitions(3)`.catch(() => undefined);
  await sql`
    insert into event_store (creator_id, aggregate_id, aggregate_type, event_type, event_data, version, occurred_at)
    select case when g % 4 = 0 then ${creatorId}::uuid else ('00000000-0000-4000-9000-' || lpad((g % 49)::text, 12, '0'))::uuid end,
           'order-9' || lpad((g / 4)::text, 17, '0'), 'order',
           case g % 4 when 0 then 'order.received_from_tiktok' when 1 then 'order.validated' when 2 then 'order.shipped' else 'order.delivered' end,
           jsonb_build_object('order_id', '9' || lpad((g / 4)::text, 17, '0'), 'bench', true),
           (g % 4) + 1,
           now() - ((g % (30 * 24 * 60)) * interval '1 minute') - interval '1 hour'
      from generate_series(1, ${toAdd}) g`;
  await sql`
    update consumer_checkpoints c
       set transaction_id = e.transaction_id, position = e.position
      from (select transaction_id, position from event_store order by transaction_id desc, position desc limit 1) e
     where c.consumer like 'projection-%'`;
  // Creator 1's share: a quarter of the events, one order each, 30 days of them.
  const orders = Math.floor(toAdd / 4);
  await sql`
    insert into order_summaries (creator_id, order_id, aggregate_id, shop_id, status, tiktok_status, total_minor, currency, received_at, shipped_at, last_version, last_event_at)
    select ${creatorId}, '9' || lpad(g::text, 17, '0'), 'order-9' || lpad(g::text, 17, '0'), ${CREATOR1_SHOP},
           case when g % 10 = 0 then 'received' else 'delivered' end, 'DELIVERED', 1000 + g % 9000, 'USD',
           now() - ((g * 4 % (30 * 24 * 60)) * interval '1 minute') - interval '1 hour',
           now() - ((g * 4 % (30 * 24 * 60)) * interval '1 minute'), 4, now()
      from generate_series(1, ${orders}) g
    on conflict do nothing`;
  await sql`
    insert into dashboard_order_facts (creator_id, order_id, received_at, status, currency, amount_minor, shipped_at, last_version)
    select creator_id, order_id, received_at, status, currency, total_minor, case when status = 'received' then null else shipped_at end, 4
      from order_summaries where creator_id = ${creatorId} and order_id like '9%'
    on conflict do nothing`;
  for (const [table, unit] of [["dashboard_metrics_daily", "day"], ["dashboard_metrics_hourly", "hour"]] as const) {
    await sql`
      insert into ${sql(table)} as m (creator_id, bucket_start, currency, orders_received, orders_valued, orders_pending, orders_delivered, gross_minor, net_minor, ship_seconds_sum, ship_count)
      select ${creatorId}, date_trunc(${unit}, received_at, 'UTC'), 'USD', count(*), count(*), count(*) filter (where status = 'received'),
             count(*) filter (where status <> 'received'), sum(amount_minor), sum(amount_minor), 3600 * count(shipped_at), count(shipped_at)
        from dashboard_order_facts where creator_id = ${creatorId} and order_id like '9%'
       group by 2
      on conflict (creator_id, bucket_start) do update set
        orders_received = m.orders_received + excluded.orders_received, orders_valued = m.orders_valued + excluded.orders_valued,
        orders_pending = m.orders_pending + excluded.orders_pending, orders_delivered = m.orders_delivered + excluded.orders_delivered,
        gross_minor = m.gross_minor + excluded.gross_minor, net_minor = m.net_minor + excluded.net_minor,
        ship_seconds_sum = m.ship_seconds_sum + excluded.ship_seconds_sum, ship_count = m.ship_count + excluded.ship_count`;
  }
  await sql`vacuum analyze`;
  const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from event_store`;
  return count;
}

async function measureRenders(url: string, cookie: string, mustContain: string): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < RENDERS + 20; index += 1) {
    const started = performance.now();
    const response = await fetch(url, { headers: { cookie, "accept-language": "en-US" }, redirect: "manual" });
    const body = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200 || !body.includes(mustContain)) throw new Error(`GET ${url} answered ${response.status}`);
    if (index >= 20) latencies.push(elapsed);
  }
  return latencies;
}

export async function run(): Promise<void> {
  const stack = await startBenchStack({ name: "dashboard", dbPort: DB_PORT, supabasePort: SUPABASE_PORT, appPort: APP_PORT, sqlMax: 4 });
  const { sql, standIn, browser, appUrl } = stack;
  try {
    await stack.startApp();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
    const page = await context.newPage();
    await signInToDashboard(page, appUrl);

    log(`webhook -> DOM over ${ORDERS} orders`);
    const domLatencies = await webhookToDom(page, `${standIn.url}/functions/v1/tiktok-webhook`);
    const dom = summary(domLatencies);
    emit({ benchmark: "dashboard", scenario: "webhook_to_dom", orders: domLatencies.length, ...dom, target_p95_ms: 500, met: dom.p95_ms <= 500 });

    const cookie = (await context.cookies(appUrl)).map((entry) => `${entry.name}=${entry.value}`).join("; ");
    await page.close();
    const events = await loadMillionEvents(sql, demoCreatorId(1));
    log(`GET /dashboard x ${RENDERS} with ${events} events stored`);
    const renders = summary(await measureRenders(`${appUrl}/dashboard`, cookie, "Net revenue today"));
    emit({ benchmark: "dashboard", scenario: "dashboard_render", events_stored: events, requests: RENDERS, ...renders, target_p95_ms: 150, met: renders.p95_ms <= 150 });
    const api = summary(await measureRenders(`${appUrl}/api/dashboard`, cookie, "\"sequence\""));
    emit({ benchmark: "dashboard", scenario: "dashboard_snapshot_api", events_stored: events, requests: RENDERS, ...api });
  } finally {
    await stack.stop();
  }
}
