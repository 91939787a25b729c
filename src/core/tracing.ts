// Traces across the whole path: a W3C `traceparent` starts with the webhook (or a route
// handler), travels in each event's metadata, and makes every consumer's work on the event
// and every realtime delta it causes a child span of the delivery. Only the OpenTelemetry
// API is used here; the runtime at the edge registers an SDK (Deno's built-in OpenTelemetry
// in the Edge Functions, src/instrumentation.ts in Next.js) when OTEL_EXPORTER_OTLP_ENDPOINT
// is set. Without one, the API is a no-op: no span records, no context is active, so no
// event gets a traceparent and every helper below falls through to the work itself.
import { context, isSpanContextValid, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Link, type Span, type SpanContext } from "@opentelemetry/api";

const tracer = trace.getTracer("creatorflow-sync");

// The W3C Trace Context header, version 00. Written by hand because the core takes only the
// API; the propagator that does this lives in the SDK, and a process without one must still
// carry the field along unchanged.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function formatTraceparent(spanContext: SpanContext): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-${(spanContext.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/** The span context a `traceparent` names; undefined for anything that is not a valid one. */
export function parseTraceparent(value: unknown): SpanContext | undefined {
  const match = typeof value === "string" ? TRACEPARENT.exec(value) : null;
  if (!match) return undefined;
  const spanContext: SpanContext = { traceId: match[1], spanId: match[2], traceFlags: Number.parseInt(match[3], 16), isRemote: true };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The active span as a `traceparent`; undefined when none is active (always, with tracing off). */
export function currentTraceparent(): string | undefined {
  const spanContext = activeSpanContext();
  return spanContext ? formatTraceparent(spanContext) : undefined;
}

/** Event metadata with the current trace context, so the event's consumers join the trace; a traceparent already there is kept. */
export function withTraceContext<M extends Readonly<Record<string, unknown>>>(metadata: M): M {
  if (metadata.traceparent !== undefined) return metadata;
  const traceparent = currentTraceparent();
  return traceparent === undefined ? metadata : { ...metadata, traceparent };
}

/** The ids a log line carries to find its trace; empty when no span is active. */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const spanContext = activeSpanContext();
  return spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {};
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Runs `work` in a new span, active while it runs (so events appended in it carry it), ended when it settles. */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

interface TracedEvent {
  id: string;
  type: string;
  metadata?: Readonly<Record<string, unknown>> | null;
}

/** The events of a batch by the trace context they carry, in stream order; untraced events are left out. */
function byTraceparent<E extends TracedEvent>(events: readonly E[]): Map<string, { parent: SpanContext; events: E[] }> {
  const groups = new Map<string, { parent: SpanContext; events: E[] }>();
  for (const event of events) {
    const traceparent = event.metadata?.traceparent;
    if (typeof traceparent !== "string") continue;
    const group = groups.get(traceparent);
    if (group) {
      group.events.push(event);
      continue;
    }
    const parent = parseTraceparent(traceparent);
    if (parent) groups.set(traceparent, { parent, events: [event] });
  }
  return groups;
}

/** Links to the span that is running the work (the process-events call), so a trace leads to the call that served it. */
function linksToCaller(): Link[] {
  const caller = activeSpanContext();
  return caller ? [{ context: caller }] : [];
}

/**
 * A consumer's work on a batch, as a span in the trace of each delivery among its events
 * (a batch mixes deliveries; each one's trace shows the batch that carried it). When the
 * batch belongs to one trace its span is active while the work runs, so what the consumer
 * appends or calls joins that trace; a mixed batch's work runs in the caller's context.
 */
export async function traceConsumerWork<T, E extends TracedEvent>(consumer: string, events: readonly E[], work: () => Promise<T>): Promise<T> {
  const groups = byTraceparent(events);
  if (groups.size === 0) return work();
  const links = linksToCaller();
  const spans = [...groups.values()].map(({ parent, events: traced }) =>
    tracer.startSpan(
      `process ${consumer}`,
      {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          "messaging.operation.type": "process",
          "messaging.consumer.group.name": consumer,
          "messaging.batch.message_count": events.length,
          "creatorflow.event.ids": traced.map((event) => event.id),
          "creatorflow.event.types": [...new Set(traced.map((event) => event.type))],
        },
      },
      trace.setSpanContext(ROOT_CONTEXT, parent),
    ),
  );
  try {
    return spans.length === 1 ? await context.with(trace.setSpan(context.active(), spans[0]), work) : await work();
  } catch (error) {
    for (const span of spans) failed(span, error);
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}

export interface SentDelta {
  topic: string;
  sequence: number;
  /** The trace contexts of the deliveries whose changes the delta carries. */
  traceparents: readonly string[];
}

/** Each realtime delta sent, as a span in the trace of every delivery it carries changes of. */
export function traceRealtimeDeltas(deltas: readonly SentDelta[], startedAt: Date, endedAt: Date): void {
  if (deltas.length === 0) return;
  const links = linksToCaller();
  for (const delta of deltas) {
    for (const traceparent of new Set(delta.traceparents)) {
      const parent = parseTraceparent(traceparent);
      if (!parent) continue;
      const span = tracer.startSpan(
        "send realtime delta",
        {
          kind: SpanKind.PRODUCER,
          startTime: startedAt,
          links,
          attributes: {
            "messaging.system": "supabase_realtime",
            "messaging.operation.type": "send",
            "messaging.destination.name": delta.topic,
            "creatorflow.realtime.sequence": delta.sequence,
            "creatorflow.realtime.deliveries": delta.traceparents.length,
          },
        },
        trace.setSpanContext(ROOT_CONTEXT, parent),
      );
      span.end(endedAt);
    }
  }
}
