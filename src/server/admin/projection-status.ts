// Projections in the admin panel: where each one stands (checkpoint, lag behind the head
// of the stream, last run, last error, lease) and its rebuild, started from the panel and
// followed through consumer_checkpoints.rebuild_progress.
import type { Sql } from "postgres";
import { DomainError } from "../../core/domain-error.ts";
import { allProjections, findProjection, rebuildProjection, type RebuildProgress } from "../../core/projections/index.ts";
import { log } from "../log.ts";

export interface ProjectionStatus {
  name: string;
  /** Read models it writes. */
  tables: string[];
  position: number;
  /** Events in the global stream after its checkpoint. */
  lag: number;
  eventsProcessed: number;
  lastRunAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** Someone holds its lease now (the worker processing it, or a rebuild). */
  leased: boolean;
  rebuildStartedAt: string | null;
  rebuild: RebuildProgress | null;
}

interface CheckpointRow {
  consumer: string;
  position: string;
  lag: string;
  events_processed: string;
  last_run_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  rebuild_started_at: Date | null;
  rebuild_progress: RebuildProgress | null;
}

export async function readProjectionStatuses(sql: Sql, now: Date): Promise<ProjectionStatus[]> {
  const names = allProjections.map((projection) => projection.name);
  const rows = await sql<CheckpointRow[]>`
    select c.consumer, c.position, c.events_processed, c.last_run_at, c.last_error, c.last_error_at, c.lease_owner, c.lease_expires_at,
           c.rebuild_started_at, c.rebuild_progress,
           public.consumer_lag(c.transaction_id, c.position) as lag
      from public.consumer_checkpoints c
     where c.consumer = any(${names})`;
  const byName = new Map(rows.map((row) => [row.consumer, row]));
  // A projection that never ran has no checkpoint yet: it is behind by the whole stream.
  const [head] = await sql<{ count: string }[]>`select count(*) from public.event_store`;
  return allProjections.map((projection) => {
    const row = byName.get(projection.name);
    return {
      name: projection.name,
      tables: projection.tables.map((table) => table.name),
      position: Number(row?.position ?? 0),
      lag: row ? Number(row.lag) : Number(head?.count ?? 0),
      eventsProcessed: Number(row?.events_processed ?? 0),
      lastRunAt: row?.last_run_at?.toISOString() ?? null,
      lastError: row?.last_error ?? null,
      lastErrorAt: row?.last_error_at?.toISOString() ?? null,
      leased: Boolean(row?.lease_owner && row.lease_expires_at && row.lease_expires_at > now),
      rebuildStartedAt: row?.rebuild_started_at?.toISOString() ?? null,
      rebuild: row?.rebuild_progress ?? null,
    };
  });
}

export function isRebuildRunning(status: ProjectionStatus): boolean {
  return status.leased && (status.rebuild?.phase === "building" || status.rebuild?.phase === "swapping");
}

/**
 * Checks a rebuild may start and returns the work that runs it. The caller runs the work
 * after answering (a rebuild can outlast an HTTP request); progress lands in the
 * checkpoint row as it goes, and a failure is recorded there too (phase "failed").
 */
export async function prepareProjectionRebuild(
  sql: Sql,
  request: { projection: string; requestedBy: string },
  now: Date,
): Promise<{ projection: string; run: () => Promise<void> }> {
  const projection = findProjection(request.projection);
  if (!projection) throw new DomainError("not_found", `No projection ${request.projection}`);
  const status = (await readProjectionStatuses(sql, now)).find((candidate) => candidate.name === projection.name);
  if (status && isRebuildRunning(status)) throw new DomainError("illegal_state", `${projection.name} is already being rebuilt`);
  // Shown at once as queued: the rebuild's own first report follows when it has the lease.
  await sql`insert into public.consumer_checkpoints (consumer) values (${projection.name}) on conflict do nothing`;
  await sql`
    update public.consumer_checkpoints
       set rebuild_started_at = now(),
           rebuild_progress = ${sql.json({ projection: projection.name, phase: "building", processed: 0, total: 0, eventsPerSecond: 0, requestedBy: request.requestedBy } as never)}
     where consumer = ${projection.name}`;
  return {
    projection: projection.name,
    run: async () => {
      try {
        await rebuildProjection({ sql, projection });
      } catch (error) {
        // rebuildProjection records its own failures once it holds the lease; this covers not getting it.
        const message = error instanceof Error ? error.message : String(error);
        await sql`
          update public.consumer_checkpoints
             set rebuild_progress = coalesce(rebuild_progress, '{}'::jsonb) || ${sql.json({ phase: "failed", error: message.slice(0, 500) } as never)}
           where consumer = ${projection.name} and (rebuild_progress ->> 'phase') in ('building', 'swapping')`;
        log.error("projection rebuild failed", { projection: projection.name, error });
      }
    },
  };
}
