// Steps of the admin panel spec: a sync conflict that needs a person, raised straight in
// the e2e database (the e2e events worker runs the projections, not the detection
// consumer, so the spec records the detection itself), and reading what the store holds.
import postgres, { type Sql } from "postgres";
import { createEventStore } from "../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../src/core/inventory/events.ts";
import { evolveInventory, initialInventoryState } from "../../src/core/inventory/inventory.ts";
import { e2eEnv } from "./dashboard-helpers.ts";

export function e2eDatabase(): Sql {
  return postgres(e2eEnv("E2E_DATABASE_URL"), { max: 2, onnotice: () => {} });
}

/** The creator's first SKU as the dashboard lists them (by SKU id), once the projection has it. */
export async function firstDashboardSku(sql: Sql, creatorId: string): Promise<string | null> {
  const [row] = await sql<{ sku_id: string }[]>`select sku_id from public.inventory_levels where creator_id = ${creatorId}::uuid order by sku_id limit 1`;
  return row?.sku_id ?? null;
}

/** Appends an open quantity_mismatch (TikTok reports `externalDelta` more than the local count) to the SKU's stream. */
export async function raiseOpenConflict(sql: Sql, creatorId: string, skuId: string, externalDelta: number): Promise<{ conflictId: string; localTotal: number }> {
  const store = createEventStore({ sql });
  const aggregateId = inventoryAggregateId(skuId);
  const { state, version } = await store.aggregateStream({ aggregateId, initialState: initialInventoryState, evolve: evolveInventory });
  const conflictId = crypto.randomUUID();
  await store.appendToStream({
    creatorId,
    aggregateId,
    aggregateType: "inventory",
    expectedVersion: version,
    events: [
      {
        type: "inventory.sync_conflict_detected",
        data: {
          conflict_id: conflictId,
          sku_id: skuId,
          conflict_type: "quantity_mismatch",
          local_value: state.total,
          external_value: state.total + externalDelta,
          source: "tiktok",
          ...(state.productId ? { product_id: state.productId } : {}),
        },
      },
    ],
  });
  return { conflictId, localTotal: state.total };
}

export async function resolutionEventOf(sql: Sql, conflictId: string) {
  const [row] = await sql<{ event_data: Record<string, unknown>; user_id: string | null; occurred_at: Date }[]>`
    select event_data, user_id, occurred_at from public.event_store
     where event_type = 'inventory.sync_conflict_resolved' and event_data ->> 'conflict_id' = ${conflictId}`;
  return row ?? null;
}

/** A number as the dashboard shows it (locale-formatted), parsed back. */
export function parseShownNumber(text: string | null): number {
  return Number((text ?? "").replace(/[^\d.-]/g, ""));
}
