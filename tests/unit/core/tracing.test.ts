// Trace context in event metadata and the spans of consumers and realtime deltas
// (src/core/tracing.ts): nothing at all without an SDK, and with one (the Node SDK, spans
// kept in memory) each event's work lands in the trace of the delivery that caused it.
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/core/logging.ts";
import { currentTraceparent, formatTraceparent, inSpan, parseTraceparent, traceConsumerWork, traceRealtimeDeltas, withTraceContext } from "../../../src/core/tracing.ts";

const DELIVERY_A = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const DELIVERY_B = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const event = (id: string, traceparent?: string) => ({ id, type: "order.received_from_tiktok", metadata: traceparent ? { source: "tiktok_webhook", traceparent } : { source: "admin_panel" } });

function logLines(run: (log: ReturnType<typeof createLogger>) => void): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  run(createLogger({ write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }));
  return lines;
}

describe("traceparent", () => {
  it("reads a W3C traceparent and writes it back unchanged", () => {
    const parsed = parseTraceparent(DELIVERY_A);
    expect(parsed).toEqual({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1, isRemote: true });
    expect(formatTraceparent(parsed!)).toBe(DELIVERY_A);
  });

  it("refuses what is not a valid traceparent", () => {
    for (const bad of [
      undefined,
      42,
      "",
      "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "00-00000000000000000000000000000000-b7ad6b7169203331-01",
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
      "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
      `${DELIVERY_A}-extra`,
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
  });
});

// Before any SDK is registered: the API is the no-op one, as in production without OTEL_EXPORTER_OTLP_ENDPOINT.
describe("without an SDK", () => {
  it("adds nothing to metadata or logs and runs the work as it is", async () => {
    const metadata = { source: "tiktok_webhook" };
    const result = await inSpan("store webhook delivery", {}, async () => {
      expect(currentTraceparent()).toBeUndefined();
      expect(withTraceContext(metadata)).toBe(metadata);
      return traceConsumerWork("projection-order-summaries", [event("e1", DELIVERY_A)], async () => currentTraceparent() ?? "none");
    });
    expect(result).toBe("none");
    expect(logLines((log) => log.info("stored"))[0]).not.toHaveProperty("trace_id");
  });
});

describe("with an SDK", () => {
  const exporter = new InMemorySpanExporter();
  const sdk = new NodeSDK({ serviceName: "tracing-test", autoDetectResources: false, spanProcessors: [new SimpleSpanProcessor({ exporter })], metricReaders: [], logRecordProcessors: [] });
  beforeAll(() => sdk.start());
  afterAll(() => sdk.shutdown());
  beforeEach(() => exporter.reset());

  const finished = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it("stamps events appended inside a span with that span, keeping a traceparent already there", async () => {
    await inSpan("store webhook delivery", {}, async (span) => {
      expect(withTraceContext({ source: "tiktok_webhook" })).toEqual({ source: "tiktok_webhook", traceparent: formatTraceparent(span.spanContext()) });
      expect(withTraceContext({ traceparent: DELIVERY_B })).toEqual({ traceparent: DELIVERY_B });
    });
    expect(withTraceContext({ source: "admin_panel" })).toEqual({ source: "admin_panel" });
  });

  it("puts the trace id on every log line written inside a span", async () => {
    const lines = await inSpan("store webhook delivery", {}, async (span) => {
      const written = logLines((log) => log.child({ service: "tiktok-webhook" }).warn("delivery not stored"));
      return written.map((line) => ({ line, expected: span.spanContext() }));
    });
    expect(lines[0].line).toMatchObject({ trace_id: lines[0].expected.traceId, span_id: lines[0].expected.spanId, service: "tiktok-webhook" });
  });

  it("records a consumer's batch once in each delivery's trace, with the events of that delivery", async () => {
    await traceConsumerWork("projection-order-summaries", [event("e1", DELIVERY_A), event("e2", DELIVERY_B), event("e3", DELIVERY_A), event("e4")], async () => {
      // A mixed batch runs in the caller's context: neither delivery's span is made current for it.
      expect(currentTraceparent()).toBeUndefined();
    });
    const spans = finished("process projection-order-summaries");
    expect(spans.map((span) => [span.spanContext().traceId, parentOf(span), span.attributes["creatorflow.event.ids"]])).toEqual(
      expect.arrayContaining([
        ["0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", ["e1", "e3"]],
        ["4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", ["e2"]],
      ]),
    );
    expect(spans).toHaveLength(2);
  });

  it("makes a one-delivery batch's span current, so what the consumer appends carries it, and links it to the call running it", async () => {
    let appendedWith: string | undefined;
    await inSpan("POST /process-events", {}, async (call) => {
      await traceConsumerWork("fulfilment-saga", [event("e1", DELIVERY_A)], async () => {
        appendedWith = withTraceContext<Record<string, unknown>>({}).traceparent as string | undefined;
      });
      const [saga] = finished("process fulfilment-saga");
      expect(appendedWith).toBe(formatTraceparent(saga.spanContext()));
      expect(parentOf(saga)).toBe("b7ad6b7169203331");
      expect(saga.links.map((link) => link.context.spanId)).toEqual([call.spanContext().spanId]);
    });
  });

  it("marks the consumer's spans failed when its work throws, and throws on", async () => {
    await expect(
      traceConsumerWork("projection-alerts", [event("e1", DELIVERY_A), event("e2", DELIVERY_B)], async () => {
        throw new Error("read model refused the row");
      }),
    ).rejects.toThrow("read model refused the row");
    const spans = finished("process projection-alerts");
    expect(spans.map((span) => span.status)).toEqual([
      { code: SpanStatusCode.ERROR, message: "read model refused the row" },
      { code: SpanStatusCode.ERROR, message: "read model refused the row" },
    ]);
  });

  it("starts no span for a batch that carries no trace context", async () => {
    await traceConsumerWork("projection-alerts", [event("e1"), { id: "e2", type: "x", metadata: { traceparent: "not-a-traceparent" } }], async () => undefined);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("records a realtime delta in the trace of each delivery it carries, timed as the send", () => {
    const startedAt = new Date("2026-12-02T10:00:00.000Z");
    const endedAt = new Date("2026-12-02T10:00:00.004Z");
    traceRealtimeDeltas([{ topic: "creator:c1", sequence: 7, traceparents: [DELIVERY_A, DELIVERY_B, "garbage"] }, { topic: "creator:c2", sequence: 1, traceparents: [] }], startedAt, endedAt);
    const spans = finished("send realtime delta");
    expect(spans.map((span) => [span.spanContext().traceId, parentOf(span), span.attributes["messaging.destination.name"], span.attributes["creatorflow.realtime.sequence"]])).toEqual([
      ["0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "creator:c1", 7],
      ["4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "creator:c1", 7],
    ]);
    expect(spans[0].startTime).toEqual([Math.floor(startedAt.getTime() / 1000), 0]);
    expect(spans[0].endTime).toEqual([Math.floor(endedAt.getTime() / 1000), 4_000_000]);
  });

  it("keeps no span current once the work is done", async () => {
    await traceConsumerWork("fulfilment-saga", [event("e1", DELIVERY_A)], async () => undefined);
    expect(trace.getSpan(context.active())).toBeUndefined();
  });
});
