// One TikTok webhook delivery, one trace: through the real path (tiktok-webhook and
// process-events in real Deno behind the functions gateway, with Deno's built-in
// OpenTelemetry; real Postgres; the pg_net wake-up production uses), the spans exported to a
// local OTLP/HTTP receiver run webhook → stored → each consumer → realtime delta, and what a
// consumer appends carries the trace on. On a database of its own, with the database workers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FULFILMENT_SAGA_NAME } from "../../../src/core/fulfilment/index.ts";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { parseTraceparent } from "../../../src/core/tracing.ts";
import { uniqueNumericId } from "../../test-data.ts";
import { newCreatorId, ownTestDatabase } from "../database.ts";
import { startFunctionsStandIn } from "../stand-in/stand-in-harness.ts";
import { OTLP_SPAN_KIND, startOtlpReceiver, type ReceivedSpan } from "./otlp-receiver.ts";

const APP_KEY = "trace-app-key";
const APP_SECRET = "trace-app-secret";
const receiver = await startOtlpReceiver();
afterAll(() => receiver.stop());
const { url: databaseUrl, sql } = await ownTestDatabase("webhook-trace", 18, { max: 4 });
const standIn = await startFunctionsStandIn({
  databaseUrl,
  databaseWorkers: true,
  // No TikTok here: the saga's calls fail at once (and are retried), after its first step.
  tiktok: { appKey: APP_KEY, appSecret: APP_SECRET, apiBaseUrl: "http://127.0.0.1:9" },
  env: {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    // Export within a fraction of a second rather than the default 5 s, so the test waits less.
    OTEL_BSP_SCHEDULE_DELAY: "200",
  },
});

const shopId = uniqueNumericId("7");
const creatorId = newCreatorId();

beforeAll(async () => {
  await sql`insert into tiktok_shops (shop_id, creator_id, shop_name) values (${shopId}, ${creatorId}, 'Traced shop')`;
});

async function postSignedDelivery(orderId: string): Promise<Response> {
  const body = JSON.stringify({
    type: 1,
    tts_notification_id: `n${orderId}`,
    shop_id: shopId,
    timestamp: Math.floor(Date.now() / 1000),
    data: { order_id: orderId, order_status: "AWAITING_SHIPMENT", is_on_hold_order: false, update_time: Math.floor(Date.now() / 1000) },
  });
  const authorization = await signWebhook({ appKey: APP_KEY, appSecret: APP_SECRET, rawBody: new TextEncoder().encode(body) });
  return fetch(`${standIn.url}/functions/v1/tiktok-webhook`, { method: "POST", headers: { "content-type": "application/json", authorization }, body });
}

/** Polls the database until `query` returns rows, or throws after `withinMs`. */
async function rowsOf<T>(query: () => Promise<T[]>, what: string, withinMs = 30_000): Promise<T[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const rows = await query();
    if (rows.length > 0) return rows;
    if (Date.now() > deadline) throw new Error(`${what}: nothing within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const inTrace = (traceId: string) => (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);

/** Spans whose parent has not been received: a span is exported when it ends, so a parent may still be on its way. */
const danglingIn = (spans: ReceivedSpan[]) => {
  const ids = new Set(spans.map((span) => span.spanId));
  return spans.filter((span) => span.parentSpanId !== "" && !ids.has(span.parentSpanId));
};

describe("tracing one webhook delivery", () => {
  it("exports webhook → stored → each consumer → realtime delta as one trace, and consumers' own events carry it on", async () => {
    const orderId = uniqueNumericId("5");
    expect((await postSignedDelivery(orderId)).status).toBe(200);

    const [received] = await sql<{ id: string; metadata: { traceparent?: string } }[]>`
      select id, metadata from event_store where aggregate_id = ${`order-${orderId}`} and event_type = 'order.received_from_tiktok'`;
    const stored = parseTraceparent(received.metadata.traceparent);
    expect(stored, "the event's metadata.traceparent").toBeDefined();
    const traceId = stored!.traceId;

    // The same wake-up production uses brings the delta and the saga's first step; then their spans are exported.
    const [delta] = await rowsOf(
      () => sql<{ seq: number }[]>`select (payload->>'seq')::int as seq from realtime.messages where topic = ${`creator:${creatorId}`} and event = 'delta'`,
      "realtime delta",
    );
    const [sagaEvent] = await rowsOf(
      () => sql<{ metadata: { traceparent?: string } }[]>`
        select metadata from event_store where aggregate_id = ${`order-${orderId}`} and event_type = 'order.validation_started'`,
      "the saga's first event",
    );
    const consumers = ["projection-order-summaries", "projection-dashboard-metrics", FULFILMENT_SAGA_NAME];
    const spans = inTrace(traceId)(
      await receiver.waitFor((all) => {
        const traced = inTrace(traceId)(all);
        const expected = [...consumers.map((name) => `process ${name}`), "send realtime delta", "store webhook delivery"];
        // The process-events calls the consumer spans link to end (and are exported) after them.
        const linked = traced.flatMap((span) => span.links.map((link) => link.spanId));
        return (
          expected.every((name) => traced.some((span) => span.name === name)) &&
          danglingIn(traced).length === 0 &&
          linked.every((spanId) => all.some((span) => span.spanId === spanId))
        );
      }),
    );

    // webhook: the function's server span is the one root; with no span left dangling (waited for above), the trace is one tree.
    const roots = spans.filter((span) => span.parentSpanId === "");
    expect(roots).toHaveLength(1);
    expect(roots[0]).toMatchObject({ service: "tiktok-webhook", kind: OTLP_SPAN_KIND.server });
    // stored: the span the delivery's events name, under the webhook's.
    const store = spans.find((span) => span.spanId === stored!.spanId);
    expect(store).toMatchObject({ name: "store webhook delivery", service: "tiktok-webhook", parentSpanId: roots[0].spanId });
    expect(store!.attributes).toMatchObject({ "creatorflow.webhook.topic": "order_status_change", "creatorflow.webhook.outcome": "processed" });

    // each consumer: a child of the stored span, in process-events, naming the event and linking to the call that ran it.
    const processCalls = receiver.spans.filter((span) => span.service === "process-events" && span.kind === OTLP_SPAN_KIND.server);
    for (const name of consumers) {
      const consumer = spans.find((span) => span.name === `process ${name}` && span.parentSpanId === store!.spanId);
      expect(consumer, name).toMatchObject({ service: "process-events", kind: OTLP_SPAN_KIND.consumer, statusCode: 0 });
      expect(consumer!.attributes["creatorflow.event.ids"]).toContain(received.id);
      expect(consumer!.links.some((link) => processCalls.some((call) => call.spanId === link.spanId)), `${name} links to its process-events call`).toBe(true);
    }

    // realtime delta: a child of the stored span, naming the creator's topic and the message's sequence number.
    const sent = spans.find((span) => span.name === "send realtime delta");
    expect(sent).toMatchObject({ service: "process-events", kind: OTLP_SPAN_KIND.producer, parentSpanId: store!.spanId });
    expect(sent!.attributes).toMatchObject({ "messaging.destination.name": `creator:${creatorId}`, "creatorflow.realtime.sequence": delta.seq });

    // What the saga appended in its span carries the trace on.
    const saga = spans.find((span) => span.name === `process ${FULFILMENT_SAGA_NAME}` && span.parentSpanId === store!.spanId);
    expect(parseTraceparent(sagaEvent.metadata.traceparent)).toMatchObject({ traceId, spanId: saga!.spanId });

  }, 120_000); // three polls of up to 30 s each on a shared machine: more than the default 60 s
});
