import { describe, expect, it } from "vitest";
import { AUTOMATIC_RESOLVER, listSyncConflicts, type SyncConflictRow } from "../../../src/core/conflicts/index.ts";
import { createShopWorld } from "../../../src/simulator/shop-world.ts";
import { createWebhookTraffic } from "../../../src/simulator/webhook-traffic.ts";
import { connectTestDatabase } from "../database.ts";
import { conflictRunner, linkShop, uniqueShop, webhookIngestion } from "./harness.ts";

const sql = connectTestDatabase();

// `npm run simulate`'s defaults (3 creators, 5% duplicates, 10% held back), run ten times
// as long as its 60 s at 5 webhooks/s: the default minute carries only a handful of
// inventory webhooks, too few to measure a share on.
const standardRun = { creators: 3, deliveries: 10 * 5 * 60, duplicateRate: 0.05, reorderRate: 0.1 };
// The scheduler runs process-events every few seconds; here every 25 deliveries.
const deliveriesPerProcessingPass = 25;

async function allConflicts(creatorIds: string[]): Promise<SyncConflictRow[]> {
  const rows: SyncConflictRow[] = [];
  for (const creatorId of creatorIds) {
    let cursor: string | null = null;
    do {
      const page: { conflicts: SyncConflictRow[]; nextCursor: string | null } = await listSyncConflicts(sql, { creatorId, limit: 500, cursor });
      rows.push(...page.conflicts);
      cursor = page.nextCursor;
    } while (cursor);
  }
  return rows;
}

describe("the simulator's standard run", () => {
  it("leaves at most 1% of sync conflicts for a person, the rest settled in the append that detects them", async () => {
    const shops = Array.from({ length: standardRun.creators }, (_, index) => uniqueShop(index + 1));
    const creatorIds = await Promise.all(shops.map((shop) => linkShop(sql, shop)));
    const traffic = createWebhookTraffic({
      seed: 20261122,
      creators: standardRun.creators,
      startTime: Math.floor(Date.now() / 1000),
      duplicateRate: standardRun.duplicateRate,
      reorderRate: standardRun.reorderRate,
      world: createShopWorld(shops),
    });
    const ingest = webhookIngestion(sql);
    const runner = await conflictRunner(sql, creatorIds);

    for (let delivered = 1; delivered <= standardRun.deliveries; delivered++) {
      await ingest(traffic.next().body);
      if (delivered % deliveriesPerProcessingPass === 0) await runner.drain({ budgetMs: 60_000 });
    }
    await runner.drain({ budgetMs: 60_000 });

    const conflicts = await allConflicts(creatorIds);
    const leftForAPerson = conflicts.filter((conflict) => conflict.status === "open");
    const automatic = conflicts.filter((conflict) => conflict.resolvedBy === AUTOMATIC_RESOLVER);
    const share = conflicts.length === 0 ? 0 : leftForAPerson.length / conflicts.length;
    const byType = new Map<string, number>();
    for (const conflict of conflicts) {
      const key = `${conflict.type}/${conflict.method ?? "open"}`;
      byType.set(key, (byType.get(key) ?? 0) + 1);
    }
    console.info(
      `standard run: ${traffic.stats.inventory.alerts} inventory webhooks (${traffic.stats.inventory.disagreements} seller-side disagreements), ` +
        `${conflicts.length} conflicts, ${leftForAPerson.length} left for a person (${(share * 100).toFixed(2)}%); ` +
        [...byType].map(([key, count]) => `${key}: ${count}`).join(", "),
    );

    expect(traffic.stats.inventory.alerts).toBeGreaterThan(0);
    expect(conflicts.length).toBeGreaterThan(0);
    expect(share).toBeLessThanOrEqual(0.01);
    expect(automatic.length + leftForAPerson.length).toBe(conflicts.length);
    // Settled by the same append that recorded them: same commit, same timestamp.
    for (const conflict of automatic) expect(conflict.resolvedAt?.getTime()).toBe(conflict.detectedAt.getTime());
  });
});
