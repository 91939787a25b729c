// The one place tests make ids and stored events, so every suite builds them alike.
import type { StoredEventMetadata } from "../src/core/event-catalogue.ts";
import type { StoredEvent } from "../src/core/event-store/index.ts";

let sequence = 0;
/** `count` random decimal digits (Math.random carries only about 15, too few for an 18-digit id). */
const randomDigits = (count: number) => Array.from(crypto.getRandomValues(new Uint8Array(count)), (byte) => String(byte % 10)).join("");
const issuedNumericIds = new Set<string>();

/**
 * A numeric id as TikTok writes them (order, SKU, product, shop), `length` digits starting
 * with `prefix`, unique across runs and calls: every digit after the prefix is random (suites
 * run in parallel processes, so a counter or the clock would make short ids collide across
 * them), never starting with 0, and a repeat within this process is drawn again.
 */
export function uniqueNumericId(prefix = "7", length = 18): string {
  for (;;) {
    const tail = randomDigits(length - prefix.length);
    const id = `${prefix}${prefix === "" && tail.startsWith("0") ? `1${tail.slice(1)}` : tail}`;
    if (!issuedNumericIds.has(id)) {
      issuedNumericIds.add(id);
      return id;
    }
  }
}

/** A short unique text id for what has no TikTok shape (stream names, consumer names). */
export function uniqueId(prefix = ""): string {
  sequence += 1;
  return `${prefix}${Date.now().toString(36)}${randomDigits(4)}${sequence}`;
}

export const SPEC_CREATOR_ID = "00000000-0000-0000-0000-000000000001";

/** An event as the store hands it out, for pure folds: the type and data given, the rest plain defaults. */
export function storedEvent(
  event: { type: string; data: unknown; metadata?: Partial<StoredEventMetadata> } & Partial<Omit<StoredEvent, "type" | "data" | "metadata">>,
): StoredEvent {
  // Tests build events loosely (a builder's payload, a fold spec): the one cast is here, not in every test.
  const { metadata, ...rest } = event;
  const creatorId = event.creatorId ?? SPEC_CREATOR_ID;
  return {
    id: crypto.randomUUID(),
    position: event.version ?? 1,
    transactionId: "1",
    creatorId: SPEC_CREATOR_ID,
    aggregateId: "spec",
    aggregateType: "spec",
    schemaVersion: 1,
    version: 1,
    occurredAt: new Date("2026-11-20T12:00:00Z"),
    processedAt: null,
    correlationId: null,
    causationId: null,
    userId: null,
    ...rest,
    metadata: { source: "automated_system", creator_id: creatorId, priority: "normal", service_version: "test", environment: "test", ...metadata },
  } as StoredEvent;
}

/** Metadata as the store stamps it, for the few tests that write rows with SQL of their own (the database refuses rows without). */
export function storedMetadata(creatorId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { source: "automated_system", creator_id: creatorId, priority: "normal", service_version: "test", environment: "test", ...extra };
}
