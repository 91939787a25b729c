// Resolving sync conflicts by hand (the admin panel's API): keep the local count, accept
// TikTok's, or set a custom count, always with who and why; one or many at a time. Every
// function takes the creator the conflict must belong to, so a caller cannot reach another
// creator's conflict by guessing its id.
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import { DomainError } from "../domain-error.ts";
import type { EventOrigin } from "../event-catalogue.ts";
import { createEventStore } from "../event-store/index.ts";
import { decideManualResolution, type ManualResolutionCommand } from "./resolution.ts";
import { evolveSkuSync, initialSkuSyncState, type ResolutionMethod, type Winner } from "./sku-sync-state.ts";
import { findSyncConflict } from "./sync-conflict-queries.ts";

export interface ResolveSyncConflictRequest extends ManualResolutionCommand {
  /** A retried request with the same id appends nothing new (e.g. an HTTP Idempotency-Key). */
  requestId?: string;
}

/** What a resolution runs with: the database, the clock, and where the request came from (the metadata of its events). */
export interface ResolutionContext {
  sql: Sql;
  now: () => Date;
  origin: EventOrigin;
}

export interface ResolvedSyncConflict {
  conflictId: string;
  skuId: string;
  method: ResolutionMethod;
  winner: Winner | undefined;
  winningValue: number;
  losingValue: number;
  resolvedBy: string;
  resolvedAt: string;
  /** The stock count after the resolution. */
  total: number;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The SKU a creator's conflict is about: the read model first, the event store when the projection has not caught up. */
async function skuOfConflict(sql: Sql, creatorId: string, conflictId: string): Promise<string> {
  if (!uuidPattern.test(creatorId) || !uuidPattern.test(conflictId)) throw new DomainError("not_found", `No sync conflict ${conflictId} for this creator`);
  const row = await findSyncConflict(sql, creatorId, conflictId);
  if (row) return row.skuId;
  const [event] = await sql<{ sku_id: string }[]>`
    select event_data ->> 'sku_id' as sku_id from public.event_store
     where creator_id = ${creatorId}::uuid and event_type = 'inventory.sync_conflict_detected'
       and event_data ->> 'conflict_id' = ${conflictId}
     limit 1`;
  if (!event) throw new DomainError("not_found", `No sync conflict ${conflictId} for this creator`);
  return event.sku_id;
}

/** Resolves one open conflict; DomainError not_found (unknown or another creator's), illegal_state (already resolved, or stock below reservations), validation. */
export async function resolveSyncConflict(options: ResolutionContext, request: ResolveSyncConflictRequest): Promise<ResolvedSyncConflict> {
  const skuId = await skuOfConflict(options.sql, request.creatorId, request.conflictId);
  const result = await handleCommand({
    store: createEventStore({ sql: options.sql }),
    creatorId: request.creatorId,
    aggregateId: `inventory-${skuId}`,
    aggregateType: "inventory",
    initialState: initialSkuSyncState,
    evolve: evolveSkuSync,
    metadata: options.origin,
    commandId: `resolve-sync-conflict:${request.conflictId}:${request.requestId ?? crypto.randomUUID()}`,
    decide: (state) => decideManualResolution(state, request, options.now()),
  });
  const resolution = result.state.conflicts[request.conflictId]?.resolution;
  if (!resolution) throw new DomainError("not_found", `No sync conflict ${request.conflictId} for this creator`);
  return {
    conflictId: request.conflictId,
    skuId,
    method: resolution.method,
    winner: resolution.winner,
    winningValue: resolution.winningValue,
    losingValue: resolution.losingValue,
    resolvedBy: resolution.resolvedBy,
    resolvedAt: resolution.resolvedAt,
    total: result.state.inventory.total,
  };
}

export type BulkResolutionOutcome =
  | ({ ok: true } & ResolvedSyncConflict)
  | { ok: false; conflictId: string; code: DomainError["code"]; message: string };

/** Resolves many conflicts of one creator the same way; each succeeds or fails on its own (a resolved one is reported, not retried). */
export async function resolveSyncConflicts(
  options: ResolutionContext,
  request: Omit<ResolveSyncConflictRequest, "conflictId" | "requestId"> & { conflictIds: readonly string[] },
): Promise<BulkResolutionOutcome[]> {
  const outcomes: BulkResolutionOutcome[] = [];
  for (const conflictId of new Set(request.conflictIds)) {
    try {
      outcomes.push({ ok: true, ...(await resolveSyncConflict(options, { ...request, conflictId })) });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      outcomes.push({ ok: false, conflictId, code: error.code, message: error.message });
    }
  }
  return outcomes;
}
