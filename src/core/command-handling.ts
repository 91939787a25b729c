// Command handling for any aggregate: load (snapshot + tail), decide, append at the
// version that was read. A concurrent writer makes the append fail; then reload and
// decide again, a bounded number of times. A command id makes the whole thing idempotent;
// without one, nothing is deduplicated.
import type { EventOrigin } from "./event-catalogue.ts";
import { ConcurrencyError, type EventStore, type NewEvent, type StoredEvent } from "./event-store/index.ts";

export const SNAPSHOT_EVERY = 100;

export interface CommandHandlingOptions<State> {
  store: EventStore;
  creatorId: string;
  aggregateId: string;
  aggregateType: string;
  initialState: () => State;
  evolve: (state: State, event: StoredEvent) => State;
  decide: (state: State) => NewEvent[];
  /** Where the command comes from: the metadata of every event it appends. */
  metadata: EventOrigin;
  /**
   * Same command id, same outcome: a retried request appends nothing new. Without one the
   * command is not deduplicated (each call decides afresh), so a caller that may retry
   * must name its command.
   */
  commandId?: string;
  /**
   * The version the caller decided from (a person looking at a number): the append must
   * land exactly there, and a moved stream is a conflict for the caller, never retried
   * away. A repeated command id still returns its first outcome.
   */
  expectedVersion?: number;
  /** Shape version of the state, for snapshots; snapshots are written every SNAPSHOT_EVERY events. */
  snapshotSchemaVersion?: number;
  maxAttempts?: number;
}

export interface CommandResult<State> {
  state: State;
  version: number;
  appended: { id: string; position: number; version: number }[];
  duplicate: boolean;
}

export async function handleCommand<State>(options: CommandHandlingOptions<State>): Promise<CommandResult<State>> {
  const maxAttempts = options.maxAttempts ?? 25;
  for (let attempt = 1; ; attempt += 1) {
    const loaded = await options.store.aggregateStream({
      aggregateId: options.aggregateId,
      initialState: options.initialState,
      evolve: options.evolve,
      snapshotSchemaVersion: options.snapshotSchemaVersion,
    });
    const events = options.decide(loaded.state);
    if (events.length === 0) return { state: loaded.state, version: loaded.version, appended: [], duplicate: false };
    try {
      const result = await options.store.appendToStream({
        creatorId: options.creatorId,
        aggregateId: options.aggregateId,
        aggregateType: options.aggregateType,
        expectedVersion: (options.expectedVersion ?? loaded.version) === 0 ? "no_stream" : (options.expectedVersion ?? loaded.version),
        events,
        metadata: options.metadata,
        ...(options.commandId === undefined ? {} : { idempotencyKey: `command:${options.commandId}` }),
      });
      if (result.duplicate) {
        const current = await options.store.aggregateStream({
          aggregateId: options.aggregateId,
          initialState: options.initialState,
          evolve: options.evolve,
          snapshotSchemaVersion: options.snapshotSchemaVersion,
        });
        return { ...current, appended: result.events, duplicate: true };
      }
      const version = result.nextExpectedVersion;
      // State from the stored events (with the database's timestamps), so a snapshot equals a replay.
      const appendedEvents = await options.store.readStream(options.aggregateId, { fromVersion: loaded.version + 1, toVersion: version });
      const state = appendedEvents.reduce(options.evolve, loaded.state);
      if (options.snapshotSchemaVersion !== undefined && Math.floor(version / SNAPSHOT_EVERY) > Math.floor(loaded.version / SNAPSHOT_EVERY)) {
        await options.store.saveSnapshot({
          aggregateId: options.aggregateId,
          aggregateType: options.aggregateType,
          creatorId: options.creatorId,
          version,
          state,
          schemaVersion: options.snapshotSchemaVersion,
        });
      }
      return { state, version, appended: result.events, duplicate: false };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= maxAttempts || options.expectedVersion !== undefined) throw error;
      // Spreads contenders out so the same ones do not collide again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 5)));
    }
  }
}
