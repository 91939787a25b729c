// The fold of a read model kept as one value per entity (an order's summary, an order's
// dashboard facts, a SKU's level): a batch's events, grouped by entity, are folded into
// each entity in stream order, skipping those it has already folded, so a replayed or
// retried batch changes nothing. Pure, like the folds that use it.
import type { StoredEvent } from "../event-store/index.ts";

/** How one entity takes its events; `Group` is what the batch's grouping knows of it (its ids). */
export interface EntityFold<Entity, Group> {
  /** The entity before its first event. */
  start(group: Group, event: StoredEvent): Entity;
  /**
   * Applies the event to `entity`, this batch's own copy (the state passed in is never
   * changed). It may set the copy's fields, never change what they point to in place: the
   * copy shares them with the entity as it was before the batch.
   */
  apply(entity: Entity, event: StoredEvent): void;
  /** Whether the entity has folded the event already. */
  hasFolded(entity: Entity, event: StoredEvent): boolean;
}

/** An entity a batch moved: what it was (absent when new), what it is, and the events that moved it. */
export interface EntityMove<Entity> {
  before: Entity | undefined;
  after: Entity;
  events: StoredEvent[];
}

/** The entities with each group's events folded in (keyed as the groups are), and the moves. */
export function foldEntities<Entity extends object, Group extends { events: readonly StoredEvent[] }>(
  entities: ReadonlyMap<string, Entity>,
  groups: ReadonlyMap<string, Group>,
  fold: EntityFold<Entity, Group>,
): { state: Map<string, Entity>; moves: EntityMove<Entity>[] } {
  const state = new Map(entities);
  const moves: EntityMove<Entity>[] = [];
  for (const [key, group] of groups) {
    const before = state.get(key);
    // One copy per entity and batch, not per event: the batch's events then move it in place.
    let after: Entity | undefined;
    const folded: StoredEvent[] = [];
    for (const event of group.events) {
      const current = after ?? before;
      if (current && fold.hasFolded(current, event)) continue;
      after ??= before ? { ...before } : fold.start(group, event);
      fold.apply(after, event);
      folded.push(event);
    }
    if (after && folded.length > 0) {
      state.set(key, after);
      moves.push({ before, after, events: folded });
    }
  }
  return { state, moves };
}
