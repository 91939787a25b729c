// Given-when-then helpers: a SKU's stream as stored events, folded into its sync state.
import { beforeEach } from "vitest";
import type { EventData, EventType, StoredEventMetadata } from "../../../src/core/event-catalogue.ts";
import type { StoredEvent } from "../../../src/core/event-store/index.ts";
import { storedEvent } from "../../test-data.ts";
import { evolveSkuSync, initialSkuSyncState, type SkuSyncState, type StockSource } from "../../../src/core/conflicts/index.ts";

export const creatorId = "11111111-1111-4111-8111-111111111111";
export const skuId = "1729582718312445659";
export const productId = "1729582718312380123";
const start = Date.parse("2026-03-01T10:00:00Z");

// Each test's stream starts at version 1, whatever ran before it.
let version = 0;
beforeEach(() => {
  version = 0;
});
/** An event of this SKU's stream; `data` is the payload without the SKU id, which every inventory event carries. */
export function stored<T extends EventType>(type: T, data: Omit<EventData<T>, "sku_id">, options: { atSeconds?: number; metadata?: Partial<StoredEventMetadata>; id?: string } = {}): StoredEvent<T> {
  version += 1;
  return storedEvent({
    id: options.id ?? crypto.randomUUID(),
    position: version,
    transactionId: String(version),
    creatorId,
    aggregateId: `inventory-${skuId}`,
    aggregateType: "inventory",
    type,
    data: { sku_id: skuId, ...data },
    metadata: options.metadata,
    version,
    occurredAt: new Date(start + (options.atSeconds ?? version) * 1000),
  }) as StoredEvent<T>;
}

export const at = (seconds: number) => Math.floor(start / 1000) + seconds;

export const stockSet = (newTotal: number, source: StockSource, atSeconds: number, metadata: Partial<StoredEventMetadata> = {}) =>
  stored("inventory.stock_updated", { product_id: productId, previous_total: 0, new_total: newTotal, source }, { atSeconds, metadata });

export const reserved = (orderId: string, quantity: number, atSeconds: number) => stored("inventory.reserved", { order_id: orderId, quantity }, { atSeconds });

export const reported = (total: number, updateTimeSeconds: number, extra: { committed?: number; campaign?: number; atSeconds?: number } = {}) =>
  stored(
    "inventory.external_count_reported",
    {
      product_id: productId,
      inventory_status: "LOW_STOCK",
      total,
      available: Math.max(0, total - (extra.committed ?? 0) - (extra.campaign ?? 0)),
      creator_reserved: 0,
      campaign_reserved: extra.campaign ?? 0,
      committed: extra.committed ?? 0,
      tiktok_update_time: at(updateTimeSeconds),
    },
    { atSeconds: extra.atSeconds ?? updateTimeSeconds },
  );

export function given(...events: StoredEvent[]): SkuSyncState {
  return events.reduce(evolveSkuSync, initialSkuSyncState());
}
