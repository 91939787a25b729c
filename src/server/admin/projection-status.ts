// Projections in the admin panel: where each one stands (checkpoint, lag behind the head
// of the stream, last run, last error, lease) and its rebuild, started from the panel and
// followed through consumer_checkpoints.rebuild_progress.
import type { Sql } from "postgres";
import { DomainError } from "@/core/domain-error.ts";
import { readCheckpointStatuses } from "@/core/processing/checkpoint-status.ts";
import { allProjections, findProjection, rebuildProjection, type RebuildProgress } from "@/core/projections/index.ts";
import { log } from "@/server/log.ts";

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

export async function readProjectionStatuses(sql: Sql, now: Date): Promise<ProjectionStatus[]> {
  const checkpoints = await readCheckpointStatuses(sql, now, allProjections.map((projection) => projection.name));
  const byName = new Map(checkpoints.map((checkpoint) => [checkpoint.consumer, checkpoint]));
  // A projection that never ran has no checkpoint yet: it is behind by the whole stream.
  const [head] = await sql<{ count: string }[]>`select count(*) from public.event_store`;
  return allProjections.map((projection) => {
    const checkpoint = byName.get(projection.name);
    return {
      name: projection.name,
      tables: projection.tables.map((table) => table.name),
      position: checkpoint?.position ?? 0,
      lag: checkpoint ? checkpoint.lag : Number(head?.count ?? 0),
      eventsProcessed: checkpoint?.eventsProcessed ?? 0,
      lastRunAt: checkpoint?.lastRunAt?.toISOString() ?? null,
      lastError: checkpoint?.lastError ?? null,
      lastErrorAt: checkpoint?.lastErrorAt?.toISOString() ?? null,
      leased: checkpoint?.leaseOwner != null,
      rebuildStartedAt: checkpoint?.rebuildStartedAt?.toISOString() ?? null,
      rebuild: (checkpoint?.rebuildProgress ?? null) as RebuildProgress | null,
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
