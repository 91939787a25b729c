// Every event says where it came from (the seed specification's EventMetadata): what a writer
// must give, what the store stamps, what it refuses, and how old events read back.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { automatedOrigin, eventMetadataSchema, reactionTo } from "../../../src/core/event-catalogue.ts";
import { EventValidationError, upcastMetadata, validateEvent, type AppendContext } from "../../../src/core/event-store/index.ts";
import { SERVICE_VERSION } from "../../../src/core/service-identity.ts";

const CREATOR = "00000000-0000-4000-8000-000000000001";
const OTHER_CREATOR = "00000000-0000-4000-8000-000000000002";
const started = { type: "order.validation_started", data: { order_id: "576684019603311365" } } as const;
const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

function refusal(run: () => unknown): EventValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof EventValidationError) return error;
    throw error;
  }
  throw new Error("expected the event to be refused");
}

describe("metadata on append", () => {
  it("stamps the creator, the type's priority, the service version and the environment onto what the writer said", () => {
    const valid = validateEvent({ type: "order.payment_processed", data: { order_id: "1", amount_minor: 100, currency: "USD", payment_reference: "p" } }, {
      creatorId: CREATOR,
      metadata: { source: "api_call", request_id: "req-12345678", source_ip: "203.0.113.7", user_agent: "Mozilla/5.0" },
    });
    expect(valid.metadata).toEqual({
      source: "api_call",
      creator_id: CREATOR,
      priority: "critical",
      service_version: SERVICE_VERSION,
      environment: "unspecified",
      request_id: "req-12345678",
      source_ip: "203.0.113.7",
      user_agent: "Mozilla/5.0",
    });
  });

  it("refuses an event whose writer did not say where it came from, naming the field", () => {
    const error = refusal(() => validateEvent(started, { creatorId: CREATOR } as AppendContext));
    expect(error.fields).toEqual(["metadata.source"]);
    expect(error.message).toMatch(/^Invalid order\.validation_started: metadata\.source: /);
  });

  it("refuses a source outside the specification's four", () => {
    const error = refusal(() => validateEvent(started, { creatorId: CREATOR, metadata: { source: "fulfilment_saga" as never } }));
    expect(error.fields).toEqual(["metadata.source"]);
  });

  it("refuses metadata naming another creator than the stream's", () => {
    const error = refusal(() => validateEvent({ ...started, metadata: { creator_id: OTHER_CREATOR } }, { creatorId: CREATOR, metadata: { source: "automated_system" } }));
    expect(error.fields).toEqual(["metadata.creator_id"]);
  });

  it("never lets a writer set the service version or environment", () => {
    const valid = validateEvent({ ...started, metadata: { service_version: "9.9.9", environment: "production" } }, { creatorId: CREATOR, metadata: { source: "automated_system" } });
    expect(valid.metadata).toMatchObject({ service_version: SERVICE_VERSION, environment: "unspecified" });
  });

  it("lays an event's own metadata over the append's, and records the append's idempotency key", () => {
    const valid = validateEvent(
      { ...started, metadata: { causation_id: "00000000-0000-4000-8000-0000000000c1" } },
      { creatorId: CREATOR, metadata: automatedOrigin("fulfilment_saga", { causation_id: "00000000-0000-4000-8000-0000000000c0" }), idempotencyKey: "command:abc" },
    );
    expect(valid.metadata).toMatchObject({ source: "automated_system", component: "fulfilment_saga", causation_id: "00000000-0000-4000-8000-0000000000c1", idempotency_key: "command:abc" });
  });

  it("takes a W3C traceparent and refuses anything else there", () => {
    const append = (value: string) => () => validateEvent({ ...started, metadata: { traceparent: value } }, { creatorId: CREATOR, metadata: { source: "tiktok_webhook" } });
    expect(append(traceparent)().metadata.traceparent).toBe(traceparent);
    for (const bad of ["00-00000000000000000000000000000000-00f067aa0ba902b7-01", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "trace-me", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"]) {
      expect(refusal(append(bad)).fields).toEqual(["metadata.traceparent"]);
    }
  });

  it("refuses a source address that is not an IP address and a negative processing time", () => {
    const error = refusal(() => validateEvent(started, { creatorId: CREATOR, metadata: { source: "api_call", source_ip: "localhost", processing_time_ms: -1 } }));
    expect(error.fields).toEqual(["metadata.source_ip", "metadata.processing_time_ms"]);
  });
});

describe("an event appended in reaction to another", () => {
  it("names it as its cause and carries its correlation and trace context", () => {
    const cause = { id: "00000000-0000-4000-8000-0000000000e1", metadata: { source: "tiktok_webhook", creator_id: CREATOR, priority: "high", service_version: "0.1.0", environment: "test", correlation_id: "00000000-0000-4000-8000-0000000000f1", traceparent } as const };
    expect(reactionTo(cause)).toEqual({ causation_id: cause.id, correlation_id: "00000000-0000-4000-8000-0000000000f1", traceparent });
    const { correlation_id: _none, traceparent: _neither, ...uncorrelated } = cause.metadata;
    expect(reactionTo({ ...cause, metadata: uncorrelated })).toEqual({ causation_id: cause.id, correlation_id: cause.id });
  });
});

describe("metadata of events stored before it was required, on read", () => {
  const row = (event_type: string, metadata: Record<string, unknown> | null, event_data: Record<string, unknown> = {}) => ({ event_type, creator_id: CREATOR, event_data, metadata });

  it("moves a part of the engine's former source to component, under automated_system", () => {
    expect(upcastMetadata(row("order.validated", { source: "fulfilment_saga", correlation_id: "00000000-0000-4000-8000-0000000000f1" }))).toEqual({
      source: "automated_system",
      component: "fulfilment_saga",
      correlation_id: "00000000-0000-4000-8000-0000000000f1",
      creator_id: CREATOR,
      priority: "normal",
      service_version: "unrecorded",
      environment: "unrecorded",
    });
    expect(upcastMetadata(row("inventory.stock_updated", { source: "sync-conflicts" }))).toMatchObject({ source: "automated_system", component: "sync-conflicts" });
  });

  it("tells a conflict a person resolved from one the engine did", () => {
    expect(upcastMetadata(row("inventory.sync_conflict_resolved", { source: "sync-conflicts", user_id: "00000000-0000-4000-8000-0000000000a1" }))).toMatchObject({ source: "admin_panel", component: "sync-conflicts" });
  });

  it("keeps a source that was already one of the four", () => {
    expect(upcastMetadata(row("order.received_from_tiktok", { source: "tiktok_webhook", request_id: "7327112393057191727" }))).toMatchObject({ source: "tiktok_webhook", request_id: "7327112393057191727", priority: "high" });
  });

  it("infers the source from the event where nothing else tells", () => {
    expect(upcastMetadata(row("system.sync_failure_detected", {}, { source: "tiktok_webhook" })).source).toBe("tiktok_webhook");
    expect(upcastMetadata(row("system.sync_failure_detected", {}, { source: "saga:order_fulfilment" })).source).toBe("automated_system");
    expect(upcastMetadata(row("system.health_check_completed", null)).source).toBe("automated_system");
    expect(upcastMetadata(row("order.label_created", {})).source).toBe("automated_system");
  });

  it("says unknown where nothing tells", () => {
    expect(upcastMetadata(row("order.cancelled", {}))).toEqual({ source: "unknown", creator_id: CREATOR, priority: "high", service_version: "unrecorded", environment: "unrecorded" });
    expect(upcastMetadata(row("inventory.stock_updated", { source: "a-tool-long-gone" }))).toMatchObject({ source: "unknown" });
  });

  it("leaves current metadata as it is", () => {
    const current = { source: "api_call", creator_id: CREATOR, priority: "normal", service_version: "0.1.0", environment: "production", request_id: "r-12345678" };
    expect(upcastMetadata(row("inventory.stock_updated", current))).toBe(current);
    expect(eventMetadataSchema.safeParse(current).success).toBe(true);
  });
});

describe("the service version", () => {
  it("is package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(SERVICE_VERSION).toBe(pkg.version);
  });
});
