// GET /api/metrics, the route handler itself against a database of its own, so every figure
// is known: Prometheus text (parsed back with prom-client's own registry format), behind
// METRICS_TOKEN.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../../supabase/local/postgres.ts";
import { GET } from "../../../src/app/api/metrics/route.ts";
import { newCreatorId, ownTestDatabase } from "../database.ts";
import { storedMetadata } from "../../test-data.ts";

const { url, sql } = await ownTestDatabase("prometheus-metrics", 15);
const TOKEN = "metrics-test-token-0123456789";
const previous = { url: process.env.DATABASE_URL, token: process.env.METRICS_TOKEN };

beforeAll(async () => {
  process.env.DATABASE_URL = url;
  process.env.METRICS_TOKEN = TOKEN;
  const creatorId = newCreatorId();
  await sql`insert into public.streams (aggregate_id, aggregate_type, creator_id, version) values ('order-m1', 'order', ${creatorId}, 3)`;
  for (const version of [1, 2, 3]) {
    await sql`insert into public.event_store (creator_id, aggregate_id, aggregate_type, event_type, event_data, metadata, version)
              values (${creatorId}, 'order-m1', 'order', 'order.status_changed', '{}'::jsonb, ${sql.json(storedMetadata(creatorId))}, ${version})`;
  }
  // projection-a has handled the first event only; projection-b all of them.
  await sql`insert into public.consumer_checkpoints (consumer, transaction_id, position, events_processed)
            select 'projection-a', transaction_id, position, 1 from public.event_store order by position limit 1`;
  await sql`insert into public.consumer_checkpoints (consumer, transaction_id, position, events_processed)
            select 'projection-b', transaction_id, position, 3 from public.event_store order by position desc limit 1`;
  await sql`insert into public.dead_letters (consumer, event_id, event_position, event_type, creator_id, event, error, attempts)
            select 'projection-a', id, position, event_type, creator_id, '{}'::jsonb, 'boom', 5 from public.event_store order by position desc limit 1`;
  await sql`insert into public.webhook_inbox (dedupe_key, raw_body, status, request_received_at, stored_at) values
            ('m-1', '\\x7b7d', 'processed', now() - interval '20 ms', now()), ('m-2', '\\x7b7d', 'processed', now() - interval '40 ms', now()),
            ('m-3', '\\x7b7d', 'unprocessable', now() - interval '60 ms', now())`;
  await sql`insert into public.webhook_inbox (dedupe_key, raw_body, status, received_at) values ('m-old', '\\x7b7d', 'processed', now() - interval '2 hours')`;
  await sql`insert into public.event_metrics_hourly (creator_id, bucket_start, event_type, event_count, latency_count, latency_ms_sum, latency_ms_max)
            values (${creatorId}, date_trunc('hour', now()), 'order.status_changed', 3, 2, 300, 250),
                   (${creatorId}, date_trunc('hour', now()) - interval '5 hours', 'order.status_changed', 40, 40, 4000, 900)`;
  await sql`insert into public.realtime_outbox (creator_id, sequence) values (${creatorId}, 7), (${newCreatorId()}, 5)`;
  // Real sessions' LCP on the dashboard from phones: 1, 2, 3 and 4 s this hour (p75 3.25 s), and one from two hours ago.
  await sql`insert into public.web_vitals_samples (page, metric, value, form_factor, recorded_at) values
            ('dashboard', 'LCP', 1000, 'phone', now()), ('dashboard', 'LCP', 2000, 'phone', now()), ('dashboard', 'LCP', 3000, 'phone', now()),
            ('dashboard', 'LCP', 4000, 'phone', now()), ('dashboard', 'LCP', 90000, 'phone', now() - interval '2 hours'),
            ('dashboard', 'CLS', 0.02, 'phone', now())`;
});
afterAll(() => {
  process.env.DATABASE_URL = previous.url;
  process.env.METRICS_TOKEN = previous.token;
  if (previous.url === undefined) delete process.env.DATABASE_URL;
  if (previous.token === undefined) delete process.env.METRICS_TOKEN;
});

const scrape = (authorization?: string) => GET(new Request("http://127.0.0.1/api/metrics", { headers: authorization ? { authorization } : {} }));

/** `name{labels} value` lines of the exposition, without comments. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

/** The samples `expected` names, as `values` has them: compared with `expected` in one assertion, whose diff names every wrong or missing one. */
const samplesNamedIn = (values: Map<string, number>, expected: Record<string, number>) =>
  Object.fromEntries(Object.keys(expected).map((name) => [name, values.get(name)]));

describe("GET /api/metrics", () => {
  it("answers 401 without the token, with a wrong one, and when METRICS_TOKEN is not set", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(401);
    delete process.env.METRICS_TOKEN;
    try {
      expect((await scrape(`Bearer ${TOKEN}`)).status).toBe(401);
    } finally {
      process.env.METRICS_TOKEN = TOKEN;
    }
  });

  it("exposes lag, progress, dead letters, webhooks, appends, latency and deltas in Prometheus text", async () => {
    const response = await scrape(`Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const values = samples(text);

    const exact = {
      'creatorflow_consumer_lag_events{consumer="projection-a"}': 2,
      'creatorflow_consumer_lag_events{consumer="projection-b"}': 0,
      'creatorflow_consumer_oldest_waiting_seconds{consumer="projection-b"}': 0,
      'creatorflow_consumer_events_processed_total{consumer="projection-b"}': 3,
      'creatorflow_dead_letters_pending{consumer="projection-a"}': 1,
      'creatorflow_webhooks_received_last_hour{outcome="processed"}': 2,
      'creatorflow_webhooks_received_last_hour{outcome="unprocessable"}': 1,
      'creatorflow_events_appended_recent{event_type="order.status_changed"}': 3,
      'creatorflow_event_projection_latency_ms_avg{event_type="order.status_changed"}': 150,
      creatorflow_realtime_deltas_sent_total: 12,
      'creatorflow_webhook_ingest_latency_ms{quantile="0.5"}': 40,
      'creatorflow_reconciliation_drift_last_hour{kind="stock_count"}': 0,
    };
    expect(samplesNamedIn(values, exact)).toEqual(exact);
    expect(values.get('creatorflow_consumer_oldest_waiting_seconds{consumer="projection-a"}')).toBeGreaterThan(0);
    expect(text).toContain("# TYPE creatorflow_consumer_events_processed_total counter");
  });

  it("exposes real sessions' Core Web Vitals as p75 per page, metric and form factor over the last hour", async () => {
    const values = samples(await (await scrape(`Bearer ${TOKEN}`)).text());
    const exact = {
      'creatorflow_web_vitals_p75{page="dashboard",metric="LCP",form_factor="phone"}': 3250,
      'creatorflow_web_vitals_samples_last_hour{page="dashboard",metric="LCP",form_factor="phone"}': 4,
      'creatorflow_web_vitals_p75{page="dashboard",metric="CLS",form_factor="phone"}': 0.02,
    };
    expect(samplesNamedIn(values, exact)).toEqual(exact);
  });

  it("serves every metric the alerting rules use, and each rule has its runbook", async () => {
    const exposed = new Set([...samples(await (await scrape(`Bearer ${TOKEN}`)).text()).keys()].map((sample) => sample.replace(/\{.*$/, "")));
    const rules = readFileSync(path.join(repoRoot, "ops/prometheus/alerts.yml"), "utf8");
    const runbooks = readFileSync(path.join(repoRoot, "docs/RUNBOOKS.md"), "utf8");
    const headings = new Set([...runbooks.matchAll(/^## (.+)$/gm)].map((match) => match[1].toLowerCase()));

    const used = new Set([...rules.matchAll(/creatorflow_[a-z_]+/g)].map((match) => match[0]));
    const anchors = [...rules.matchAll(/runbook_url: docs\/RUNBOOKS\.md#([a-z]+)/g)].map((match) => match[1]);
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((match) => match[1].toLowerCase());

    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
    expect(anchors).toEqual(alerts);
    expect(anchors.filter((anchor) => !headings.has(anchor))).toEqual([]);
  });
});
