// Given events / when a command / then events or an error: deciders read as specifications.
import type { NewEvent, StoredEvent } from "../../../src/core/event-store/index.ts";
import { SPEC_CREATOR_ID, storedEvent } from "../../test-data.ts";

export const specCreatorId = SPEC_CREATOR_ID;

/** New events as the store keeps them on one stream: versions (and positions) from 1, each at its own time or `at`. */
export function storedStream(
  aggregateId: string,
  events: NewEvent[],
  options: { creatorId?: string; aggregateType?: string; at?: Date } = {},
): StoredEvent[] {
  return events.map((event, index) =>
    storedEvent({
      id: event.id ?? crypto.randomUUID(),
      position: index + 1,
      creatorId: options.creatorId ?? SPEC_CREATOR_ID,
      aggregateId,
      aggregateType: options.aggregateType ?? aggregateId.split("-")[0]!,
      type: event.type,
      data: event.data,
      metadata: event.metadata,
      version: index + 1,
      occurredAt: event.occurredAt ?? options.at ?? new Date("2026-11-20T12:00:00Z"),
    }),
  );
}

export function fold<State>(initial: () => State, evolve: (state: State, event: StoredEvent) => State, events: NewEvent[], at = new Date("2026-11-20T12:00:00Z")): State {
  return storedStream("spec", events, { aggregateType: "spec", at }).reduce(evolve, initial());
}
