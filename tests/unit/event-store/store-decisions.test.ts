// What the event store decides without its database: which appends it refuses before the
// round trip, how the database's answers and errors become the store's, how a row becomes
// an event (upcast where asked), how a page and a checkpoint move, and the aggregate fold.
import { describe, expect, it } from "vitest";
import {
  checkAppendRequest,
  ConcurrencyError,
  EventStoreError,
  EventValidationError,
  toAppendResult,
  translateAppendError,
  WrongTenantError,
  type StoredEvent,
} from "../../../src/core/event-store/index.ts";
import { checkpointAfter, decodeCursor, encodeCursor, pageOf, toStoredEvent, type EventRow } from "../../../src/core/event-store/reads.ts";
import { foldEvents } from "../../../src/core/event-store/snapshots.ts";
import { storedEvent, storedMetadata } from "../../test-data.ts";

const CREATOR = "00000000-0000-4000-8000-000000000001";
const started = { type: "order.validation_started", data: { order_id: "576684019603311365" } } as const;

/** A row as public.event_store holds it: order.validation_started at schema version 1. */
const storedRow: EventRow = {
  id: "0192f1c4-0000-7000-8000-000000000001",
  position: "42",
  transaction_id: "9001",
  creator_id: CREATOR,
  aggregate_id: "order-1",
  aggregate_type: "order",
  event_type: "order.validation_started",
  event_data: { order_id: "576684019603311365" },
  metadata: storedMetadata(CREATOR),
  schema_version: 1,
  version: "3",
  occurred_at: new Date("2026-11-20T12:00:00Z"),
  processed_at: null,
  correlation_id: "corr-1",
  causation_id: null,
  user_id: null,
};
const row = (overrides: Partial<EventRow> = {}): EventRow => ({ ...storedRow, ...overrides });

describe("appends refused before the round trip", () => {
  it("refuses a creator id that is not a uuid, naming the field", () => {
    expect(() => checkAppendRequest({ creatorId: "creator-1", events: [started] })).toThrowError(
      expect.objectContaining({ name: "EventValidationError", fields: ["creator_id"] }),
    );
  });

  it("refuses an append of nothing, and lets a well-formed one through", () => {
    expect(() => checkAppendRequest({ creatorId: CREATOR, events: [] })).toThrowError(EventValidationError);
    expect(() => checkAppendRequest({ creatorId: CREATOR, events: [] })).toThrowError("Nothing to append: events is empty");
    expect(() => checkAppendRequest({ creatorId: CREATOR.toUpperCase(), events: [started] })).not.toThrow();
  });
});

describe("append_to_stream's answer", () => {
  it("gives each event its place and the stream the last event's version", () => {
    const result = toAppendResult([
      { event_id: "a", event_position: "101", event_version: "4", duplicate: false },
      { event_id: "b", event_position: "102", event_version: "5", duplicate: false },
    ]);
    expect(result).toEqual({
      events: [
        { id: "a", position: 101, version: 4 },
        { id: "b", position: 102, version: 5 },
      ],
      nextExpectedVersion: 5,
      duplicate: false,
    });
  });

  it("says duplicate when the idempotency key had been used, and version 0 when nothing came back", () => {
    expect(toAppendResult([{ event_id: "a", event_position: "7", event_version: "1", duplicate: true }]).duplicate).toBe(true);
    expect(toAppendResult([])).toEqual({ events: [], nextExpectedVersion: 0, duplicate: false });
  });
});

describe("the database's refusals as typed errors", () => {
  const databaseError = (code: string, extra: Record<string, string> = {}) => Object.assign(new Error(`refused ${code}`), { code, ...extra });

  it("turns CF409 into a concurrency error with the stream's actual version", () => {
    const error = translateAppendError(databaseError("CF409", { detail: JSON.stringify({ actual: "7" }) }), "order-1", 5);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ aggregateId: "order-1", expected: 5, actual: 7 });
    expect(translateAppendError(databaseError("CF409", { detail: JSON.stringify({ actual: "no_stream" }) }), "order-1", "stream_exists")).toMatchObject({ actual: "no_stream" });
    expect(translateAppendError(databaseError("CF409"), "order-1", 1)).toMatchObject({ actual: "no_stream" });
  });

  it("turns CF403 into a wrong-tenant error and bad input into a validation error", () => {
    expect(translateAppendError(databaseError("CF403"), "order-1", "any")).toBeInstanceOf(WrongTenantError);
    for (const code of ["22023", "22P02", "23514"]) {
      const error = translateAppendError(databaseError(code), "order-1", "any");
      expect(error).toBeInstanceOf(EventStoreError);
      expect(error).toMatchObject({ code: "validation", message: `refused ${code}` });
    }
  });

  it("passes any other error on as it came", () => {
    const lost = databaseError("57P01");
    expect(translateAppendError(lost, "order-1", "any")).toBe(lost);
  });
});

describe("a row read back", () => {
  it("becomes an event with numbers for positions and versions, its metadata and its envelope", () => {
    const event = toStoredEvent({}, row());
    expect(event).toMatchObject({
      id: "0192f1c4-0000-7000-8000-000000000001",
      position: 42,
      transactionId: "9001",
      aggregateId: "order-1",
      type: "order.validation_started",
      data: { order_id: "576684019603311365" },
      schemaVersion: 1,
      version: 3,
      correlationId: "corr-1",
    });
    expect(event.metadata).toMatchObject({ creator_id: CREATOR, source: "automated_system" });
  });

  it("is upcast to the type's current schema and parsed with it, and refused when the upcast does not fit", () => {
    const upcasters = { "order.validation_started": { 1: ({ id }: Record<string, unknown>) => ({ order_id: id }) } };
    const event = toStoredEvent(upcasters, row({ event_data: { id: "576684019603311999" } as never }));
    expect(event).toMatchObject({ type: "order.validation_started", data: { order_id: "576684019603311999" }, schemaVersion: 2 });
    expect(() => toStoredEvent(upcasters, row({ event_data: { order: "576684019603311999" } as never }))).toThrow();
  });
});

describe("pages and checkpoints", () => {
  const events = [1, 2, 3].map((position) => storedEvent({ ...started, position, transactionId: String(100 + position) }));

  it("pages by cursor: a cursor after the page's last event only when more rows came back", () => {
    const full = pageOf(events, 2, (event) => event);
    expect(full.events.map((event) => event.position)).toEqual([1, 2]);
    expect(full.nextCursor).toBe(encodeCursor(2));
    expect(decodeCursor(full.nextCursor!)).toBe(2);
    expect(pageOf(events, 3, (event) => event).nextCursor).toBeNull();
  });

  it("turns only the rows of the page into events", () => {
    const turned: number[] = [];
    pageOf(events, 2, (event) => (turned.push(event.position), event));
    expect(turned).toEqual([1, 2]);
  });

  it("refuses a cursor it did not write", () => {
    for (const cursor of ["42", "p", "p-1", "q1"]) expect(() => decodeCursor(cursor)).toThrowError(EventStoreError);
    expect(decodeCursor(encodeCursor(123_456_789))).toBe(123_456_789);
  });

  it("moves the global checkpoint to the last event read, or leaves it where it was", () => {
    const from = { transactionId: "50", position: 9 };
    expect(checkpointAfter(events, from)).toEqual({ transactionId: "103", position: 3 });
    expect(checkpointAfter([], from)).toBe(from);
  });
});

describe("loading an aggregate", () => {
  it("evolves the state through the events in order and ends at the last one's version", () => {
    const tail: StoredEvent[] = [4, 5].map((version) => storedEvent({ ...started, version }));
    const result = foldEvents({ state: [3], version: 3 }, tail, (state, event) => [...state, event.version]);
    expect(result).toEqual({ state: [3, 4, 5], version: 5 });
    expect(foldEvents({ state: [3], version: 3 }, [], (state) => state)).toEqual({ state: [3], version: 3 });
  });
});
