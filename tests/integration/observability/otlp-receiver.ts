// A small OTLP/HTTP trace receiver for tests: POST /v1/traces in protobuf (the exporters'
// default, decoded with protobufjs) or JSON, on a free port, keeping every span it is sent.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { buffer } from "node:stream/consumers";
import protobuf from "protobufjs";

// The part of opentelemetry-proto's trace and common messages a test reads (field numbers
// as in opentelemetry/proto/collector/trace/v1 and trace/v1); protobufjs skips the rest.
const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; repeated Link links = 13; Status status = 15;
}
message Link { bytes trace_id = 1; bytes span_id = 2; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; }
}
message ArrayValue { repeated AnyValue values = 1; }
`;
const exportRequest = protobuf.parse(OTLP_TRACE_PROTO).root.lookupType("otlp.ExportTraceServiceRequest");

/** Span kinds as OTLP numbers them (the API's SpanKind counts from INTERNAL = 0). */
export const OTLP_SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

export interface ReceivedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  /** 2 is an error. */
  statusCode: number;
}

type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: number | string; doubleValue?: number; arrayValue?: { values?: AnyValue[] } };
type KeyValue = { key: string; value?: AnyValue };
type Id = string | Uint8Array | undefined;
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: { traceId?: Id; spanId?: Id; parentSpanId?: Id; name?: string; kind?: number; attributes?: KeyValue[]; links?: { traceId?: Id; spanId?: Id }[]; status?: { code?: number } }[];
    }[];
  }[];
}

function valueOf(value: AnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}

function attributesOf(keyValues: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((keyValues ?? []).map(({ key, value }) => [key, valueOf(value)]));
}

// Protobuf ids are bytes; OTLP/JSON writes them as hex.
const hex = (id: Id) => (id === undefined ? "" : typeof id === "string" ? id.toLowerCase() : Buffer.from(id).toString("hex"));

function spansOf(request: ExportRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = String(attributesOf(resourceSpans.resource?.attributes)["service.name"] ?? "");
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        service,
        scope: scopeSpans.scope?.name ?? "",
        traceId: hex(span.traceId),
        spanId: hex(span.spanId),
        parentSpanId: hex(span.parentSpanId),
        name: span.name ?? "",
        kind: span.kind ?? 0,
        attributes: attributesOf(span.attributes),
        links: (span.links ?? []).map((link) => ({ traceId: hex(link.traceId), spanId: hex(link.spanId) })),
        statusCode: span.status?.code ?? 0,
      })),
    );
  });
}

function decode(body: Buffer, contentType: string | undefined): ExportRequest {
  if (contentType?.startsWith("application/json")) return JSON.parse(body.toString("utf8")) as ExportRequest;
  return exportRequest.toObject(exportRequest.decode(body), { longs: String, enums: Number, bytes: Array }) as ExportRequest;
}

export interface OtlpReceiver {
  /** The base URL to set as OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Polls until `done` holds of the spans received, or throws what was received when `withinMs` passes. */
  waitFor(done: (spans: ReceivedSpan[]) => boolean, withinMs?: number): Promise<ReceivedSpan[]>;
  stop(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = http.createServer(async (request, response) => {
    const body = await buffer(request);
    // Logs and metrics are accepted and dropped: the tests read traces.
    if (request.method === "POST" && request.url === "/v1/traces") spans.push(...spansOf(decode(body, request.headers["content-type"])));
    response.writeHead(200, { "content-type": request.headers["content-type"] ?? "application/x-protobuf" });
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    async waitFor(done, withinMs = 30_000) {
      const deadline = Date.now() + withinMs;
      while (!done(spans)) {
        if (Date.now() > deadline) throw new Error(`spans not received in ${withinMs} ms; got: ${spans.map((span) => `${span.service}/${span.name}`).join(", ")}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return spans;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
