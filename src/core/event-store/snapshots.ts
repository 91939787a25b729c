// Snapshots of aggregate state, and loading an aggregate from the latest usable snapshot
// plus the events after it. Which version to load up to and the fold itself are plain
// functions; the queries take the SQL client.
import type { Sql } from "postgres";
import type { StoredEvent } from "./event-store.ts";
import { readStream, type EventReads } from "./reads.ts";

export interface Snapshot<State> {
  aggregateId: string;
  aggregateType: string;
  creatorId: string;
  version: number;
  state: State;
  schemaVersion: number;
}

export const SNAPSHOTS_KEPT = 5;

export interface SnapshotQuery {
  atOrBeforeVersion?: number;
  schemaVersion?: number;
}

export interface AggregateStreamOptions<State> {
  aggregateId: string;
  initialState: () => State;
  evolve: (state: State, event: StoredEvent) => State;
  at?: { version: number } | { time: Date };
  /** Snapshots are used only when they were written with this state shape. */
  snapshotSchemaVersion?: number;
}

export async function saveSnapshot<State>(sql: Sql, snapshot: Snapshot<State>): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      insert into public.snapshots (aggregate_id, version, aggregate_type, creator_id, state, schema_version)
      values (${snapshot.aggregateId}, ${snapshot.version}, ${snapshot.aggregateType}, ${snapshot.creatorId}::uuid,
              ${tx.json(snapshot.state as never)}, ${snapshot.schemaVersion})
      on conflict (aggregate_id, version) do update set state = excluded.state, schema_version = excluded.schema_version`;
    await tx`
      delete from public.snapshots
       where aggregate_id = ${snapshot.aggregateId}
         and version not in (select version from public.snapshots where aggregate_id = ${snapshot.aggregateId}
                              order by version desc limit ${SNAPSHOTS_KEPT})`;
  });
}

export async function loadSnapshot<State>(sql: Sql, aggregateId: string, options: SnapshotQuery = {}): Promise<Snapshot<State> | null> {
  const [row] = await sql<{ aggregate_type: string; creator_id: string; version: string; state: State; schema_version: number }[]>`
    select aggregate_type, creator_id, version, state, schema_version from public.snapshots
     where aggregate_id = ${aggregateId}
       and version <= ${options.atOrBeforeVersion ?? Number.MAX_SAFE_INTEGER}
       ${options.schemaVersion ? sql`and schema_version = ${options.schemaVersion}` : sql``}
     order by version desc limit 1`;
  if (!row) return null;
  return {
    aggregateId,
    aggregateType: row.aggregate_type,
    creatorId: row.creator_id,
    version: Number(row.version),
    state: row.state,
    schemaVersion: row.schema_version,
  };
}

/**
 * An aggregate's state: the latest usable snapshot plus the events after it, up to
 * a version or a point in time when asked (time travel).
 */
export async function aggregateStream<State>(reads: EventReads, options: AggregateStreamOptions<State>): Promise<{ state: State; version: number }> {
  const targetVersion = await versionToLoad(reads.sql, options.aggregateId, options.at);
  const snapshot =
    options.snapshotSchemaVersion === undefined || targetVersion === 0
      ? null
      : await loadSnapshot<State>(reads.sql, options.aggregateId, { atOrBeforeVersion: targetVersion, schemaVersion: options.snapshotSchemaVersion });
  const start = snapshot ? { state: snapshot.state, version: snapshot.version } : { state: options.initialState(), version: 0 };
  if (targetVersion <= start.version) return start;
  const events = await readStream(reads, options.aggregateId, { fromVersion: start.version + 1, toVersion: targetVersion });
  return foldEvents(start, events, options.evolve);
}

/** The version an aggregate is loaded up to: the one asked for, the last at or before a time (0: none yet), or the latest. */
async function versionToLoad(sql: Sql, aggregateId: string, at: AggregateStreamOptions<unknown>["at"]): Promise<number> {
  if (at && "time" in at) {
    const [row] = await sql<{ version: string | null }[]>`
      select max(version) as version from public.event_store
       where aggregate_id = ${aggregateId} and occurred_at <= ${at.time}`;
    return row?.version === null || row === undefined ? 0 : Number(row.version);
  }
  return at && "version" in at ? at.version : Number.MAX_SAFE_INTEGER;
}

/** Evolves a state through events, in order; the version is the last event's. */
export function foldEvents<State>(
  start: { state: State; version: number },
  events: readonly StoredEvent[],
  evolve: (state: State, event: StoredEvent) => State,
): { state: State; version: number } {
  let { state, version } = start;
  for (const event of events) {
    state = evolve(state, event);
    version = event.version;
  }
  return { state, version };
}
