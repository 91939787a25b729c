// Given events / when a command / then events or an error: deciders read as specifications.
import type { NewEvent, StoredEvent } from "../../../src/core/event-store/index.ts";

export function fold<State>(initial: () => State, evolve: (state: State, event: StoredEvent) => State, events: NewEvent[], at = new Date("2026-11-20T12:00:00Z")): State {
  return events.reduce(
    (state, event, index) =>
      evolve(state, {
        ...event,
        id: crypto.randomUUID(),
        position: index + 1,
        transactionId: "1",
        creatorId: "00000000-0000-0000-0000-000000000001",
        aggregateId: "spec",
        aggregateType: "spec",
        metadata: {},
        schemaVersion: 1,
        version: index + 1,
        occurredAt: event.occurredAt ?? at,
        processedAt: null,
        correlationId: null,
        causationId: null,
        userId: null,
      }),
    initial(),
  );
}
