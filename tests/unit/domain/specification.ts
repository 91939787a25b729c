// Given events / when a command / then events or an error: deciders read as specifications.
import type { NewEvent, StoredEvent } from "../../../src/core/event-store/index.ts";
import { storedEvent } from "../../test-data.ts";

export function fold<State>(initial: () => State, evolve: (state: State, event: StoredEvent) => State, events: NewEvent[], at = new Date("2026-11-20T12:00:00Z")): State {
  return events.reduce(
    (state, event, index) =>
      evolve(state, storedEvent({ type: event.type, data: event.data as Record<string, unknown>, position: index + 1, version: index + 1, occurredAt: event.occurredAt ?? at })),
    initial(),
  );
}
