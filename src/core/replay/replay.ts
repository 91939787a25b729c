// Replay: feeds past events, chosen by aggregate, time range and type filters (exact or
// wildcard), to a consumer (a projection or any handler) flagged as a replay, so side
// effects are skipped (TikTok calls, realtime sends). Checkpoints do not move: a replay
// is a look back, not processing. Projections skip what they already applied, so
// replaying into a live projection only fills in what is missing.
import type { Sql } from "postgres";
import { createEventStore, typeMatches, type StoredEvent } from "../event-store/index.ts";
import type { Consumer } from "../processing/index.ts";

export interface ReplayFilter {
  aggregateId?: string;
  creatorId?: string;
  /** occurred_at >= from */
  from?: Date;
  /** occurred_at < to */
  to?: Date;
  /** Exact types or wildcards ("order.*"); all when absent. */
  types?: string[];
}

export interface ReplayOptions {
  sql: Sql;
  filter: ReplayFilter;
  into: Consumer;
  batchSize?: number;
  now?: () => Date;
  onProgress?: (replayed: number) => void;
}

/** The events a filter selects, page by page, in stream order. */
export async function* selectEvents(sql: Sql, filter: ReplayFilter, pageSize = 500): AsyncGenerator<StoredEvent[]> {
  const store = createEventStore({ sql });
  const types = filter.types?.length ? filter.types : ["*"];
  if (filter.aggregateId) {
    const events = (await store.readStream(filter.aggregateId, { creatorId: filter.creatorId })).filter(
      (event) =>
        typeMatches(types, event.type) &&
        (!filter.from || event.occurredAt >= filter.from) &&
        (!filter.to || event.occurredAt < filter.to),
    );
    for (let start = 0; start < events.length; start += pageSize) yield events.slice(start, start + pageSize);
    return;
  }
  let after: string | undefined;
  for (;;) {
    const page = await store.readByType({ types, from: filter.from, to: filter.to, creatorId: filter.creatorId, after, limit: pageSize });
    if (page.events.length) yield page.events;
    if (!page.nextCursor) return;
    after = page.nextCursor;
  }
}

export async function replayEvents(options: ReplayOptions): Promise<{ replayed: number }> {
  const { sql, into } = options;
  const now = options.now ?? (() => new Date());
  let replayed = 0;
  for await (const page of selectEvents(sql, options.filter, options.batchSize ?? into.batchSize ?? 500)) {
    const events = page.filter((event) => typeMatches(into.handles, event.type));
    if (events.length === 0) continue;
    if (into.transactional) {
      await sql.begin((transaction) => into.handleBatch(events, { sql: transaction as unknown as Sql, replay: true, now }));
    } else {
      await into.handleBatch(events, { sql, replay: true, now });
    }
    replayed += events.length;
    options.onProgress?.(replayed);
  }
  return { replayed };
}
