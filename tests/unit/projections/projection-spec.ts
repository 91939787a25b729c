// A projection's specification, as Emmett writes them: given events, then this read model;
// and replayed, the same events leave it as it was. Pure: the fold runs on a read model
// kept in memory, no database.
import type { StoredEvent } from "../../../src/core/event-store/index.ts";
import type { FoldContext, Folded, ProjectionDefinition } from "../../../src/core/projections/index.ts";

export const projectedAt = new Date("2026-11-20T12:00:00Z");
const live: FoldContext = { replay: false, rebuilding: false, now: () => projectedAt };

/** The events folded live into an empty read model, then replayed into the result. */
export function projectTwice<State, Writes>(
  projection: Pick<ProjectionDefinition<State, Writes>, "initialState" | "fold">,
  events: StoredEvent[],
): { once: Folded<State, Writes>; replayed: Folded<State, Writes> } {
  const once = projection.fold(projection.initialState(), events, live);
  const replayed = projection.fold(once.state, events, { ...live, replay: true });
  return { once, replayed };
}

/** Folds batches one after another, live, as the consumer would deliver them. */
export function project<State, Writes>(projection: Pick<ProjectionDefinition<State, Writes>, "initialState" | "fold">, ...batches: StoredEvent[][]): State {
  return batches.reduce((state, batch) => projection.fold(state, batch, live).state, projection.initialState());
}
