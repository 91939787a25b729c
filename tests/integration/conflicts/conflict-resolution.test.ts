import { describe, expect, it } from "vitest";
import {
  AUTOMATIC_RESOLVER,
  listSyncConflicts,
  reconcileInventory,
  resolveSyncConflict,
  resolveSyncConflicts,
  saveSyncRules,
} from "../../../src/core/conflicts/index.ts";
import { DomainError } from "../../../src/core/domain-error.ts";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { createTikTokShopClient } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { startTikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { createShopWorld } from "../../../src/simulator/shop-world.ts";
import { connectTestDatabase } from "../database.ts";
import { appKey, appSecret, conflictRunner, creatorWithOpenConflicts, inventoryWebhook, linkShop, nowSeconds, uniqueShop, webhookIngestion } from "./harness.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });
const now = () => new Date();

const eventTypes = async (skuId: string) => (await store.readStream(`inventory-${skuId}`)).map((event) => event.type);

describe("conflicts raised by TikTok's inventory webhooks", () => {
  it("detects a type 27 count that disagrees and resolves it by the creator's rules in the same pass", async () => {
    const shop = uniqueShop();
    const creatorId = await linkShop(sql, shop);
    const ingest = webhookIngestion(sql);
    const runner = await conflictRunner(sql, [creatorId]);
    const sku = shop.skus[0]!;

    await ingest(inventoryWebhook(shop, 0, { total: 40, updateTime: nowSeconds() }));
    await runner.drain({ budgetMs: 30_000 });
    await ingest(inventoryWebhook(shop, 0, { total: 37, committed: 1, updateTime: nowSeconds() + 5 }));
    await runner.drain({ budgetMs: 30_000 });

    expect(await eventTypes(sku.skuId)).toEqual([
      "inventory.external_count_reported",
      "inventory.stock_updated", // TikTok's first count adopted
      "inventory.external_count_reported",
      "inventory.sync_conflict_detected",
      "inventory.stock_updated",
      "inventory.sync_conflict_resolved",
    ]);
    const { conflicts } = await listSyncConflicts(sql, { creatorId });
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({
      skuId: sku.skuId,
      productId: sku.productId,
      type: "quantity_mismatch",
      status: "resolved",
      localValue: 40,
      externalValue: 37,
      source: "tiktok",
      method: "source_wins",
      winner: "external",
      winningValue: 37,
      losingValue: 40,
      resolvedBy: AUTOMATIC_RESOLVER,
    });
    // Detection and resolution are one append: they share the database's commit time.
    expect(conflicts[0]!.resolvedAt!.getTime()).toBe(conflicts[0]!.detectedAt.getTime());

    // A redelivered pass (the checkpoint rewound) raises nothing twice.
    await runner.rewindDetection();
    await runner.drain({ budgetMs: 30_000 });
    expect((await listSyncConflicts(sql, { creatorId })).conflicts).toHaveLength(1);
  });

  it("resolves a difference beyond tolerance with the local count winning, and reconciliation writes it back to TikTok", async () => {
    const shop = uniqueShop();
    const creatorId = await linkShop(sql, shop);
    await saveSyncRules(sql, creatorId, { sourceOfTruth: "local", toleranceUnits: 2 }, "test");
    const world = createShopWorld([shop]);
    const simulator = await startTikTokShopSimulator({ port: 0, world, appKey, appSecret, rateLimitPerSecond: 5 });
    try {
      const ingest = webhookIngestion(sql);
      const runner = await conflictRunner(sql, [creatorId]);
      const [first, second] = shop.skus;
      world.stockBySku.get(first!.skuId)!.total = 50;
      world.stockBySku.get(second!.skuId)!.total = 20;
      await ingest(inventoryWebhook(shop, 0, { total: 50, updateTime: nowSeconds() }));
      await ingest(inventoryWebhook(shop, 1, { total: 20, updateTime: nowSeconds() }));
      await runner.drain({ budgetMs: 30_000 });

      // TikTok's side drifts: beyond tolerance on the first SKU, within it on the second.
      world.stockBySku.get(first!.skuId)!.total = 44;
      world.stockBySku.get(first!.skuId)!.committed = 3;
      world.stockBySku.get(second!.skuId)!.total = 19;
      const reconcile = () =>
        reconcileInventory({
          sql,
          creatorIds: [creatorId],
          now,
          sleep: async () => undefined,
          clientForShop: () => createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "token", shopCipher: shop.shopCipher }),
        });
      const report = await reconcile();
      await runner.drain({ budgetMs: 30_000 });

      expect(report).toMatchObject({ shops: 1, skusChecked: 2, conflictsDetected: 2, autoResolved: 2, leftForPerson: 0, pushedToTikTok: 1, failures: [] });
      const stock = world.stockBySku.get(first!.skuId)!;
      expect(stock.total).toBe(50); // written back: 47 available + 3 committed
      expect(stock.committed).toBe(3);
      const { conflicts } = await listSyncConflicts(sql, { creatorId });
      const bySku = new Map(conflicts.map((conflict) => [conflict.skuId, conflict]));
      expect(bySku.get(first!.skuId)).toMatchObject({ source: "reconciliation", localValue: 50, externalValue: 44, method: "source_wins", winner: "local", winningValue: 50 });
      expect(bySku.get(second!.skuId)).toMatchObject({ method: "tolerance", winningValue: 20, losingValue: 19 });
      expect(await eventTypes(first!.skuId)).toContain("inventory.external_count_pushed");
      expect(await eventTypes(second!.skuId)).not.toContain("inventory.external_count_pushed");

      // The same difference within tolerance is seen again; the written-back SKU now agrees.
      const secondRun = await reconcile();
      expect(secondRun).toMatchObject({ agreed: 1, conflictsDetected: 1, pushedToTikTok: 0 });
    } finally {
      await simulator.close();
    }
  });

  it("records system.api_rate_limit_approached when TikTok's remaining budget runs low, and backs off on 429", async () => {
    const shop = uniqueShop();
    const creatorId = await linkShop(sql, shop);
    const world = createShopWorld([shop]);
    // One call per second: the first answer already says none remain.
    const simulator = await startTikTokShopSimulator({ port: 0, world, appKey, appSecret, rateLimitPerSecond: 1 });
    try {
      const ingest = webhookIngestion(sql);
      const runner = await conflictRunner(sql, [creatorId]);
      for (let index = 0; index < 3; index++) {
        await ingest(inventoryWebhook(shop, index, { total: world.stockBySku.get(shop.skus[index]!.skuId)!.total, updateTime: nowSeconds() }));
      }
      await runner.drain({ budgetMs: 30_000 });
      const client = createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "token", shopCipher: shop.shopCipher });
      // Spend this second's budget, so the job's first call is answered 429.
      await client.searchInventory({ skuIds: [shop.skus[0]!.skuId] });
      const waits: number[] = [];
      const report = await reconcileInventory({
        sql,
        creatorIds: [creatorId],
        now,
        skusPerRequest: 1,
        sleep: (ms) => {
          waits.push(ms);
          return new Promise((resolve) => setTimeout(resolve, Math.min(ms, 1_100)));
        },
        clientForShop: () => createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "token", shopCipher: shop.shopCipher }),
      });
      expect(report).toMatchObject({ skusChecked: 3, agreed: 3, rateLimitWarnings: 1, failures: [] });
      expect(report.rateLimitedRetries).toBeGreaterThanOrEqual(1);
      expect(waits.length).toBeGreaterThan(0);
      const warnings = await store.readStream(`system-${creatorId}`);
      expect(warnings.map((event) => [event.type, event.data])).toEqual([
        ["system.api_rate_limit_approached", expect.objectContaining({ api: "tiktok_shop.inventory", remaining: 0, limit: 1 })],
      ]);
    } finally {
      await simulator.close();
    }
  });
});

describe("manual resolution", () => {
  async function openConflict() {
    const { shop, creatorId, runner } = await creatorWithOpenConflicts(sql, [{ local: 30, external: 22 }, { local: 12, external: 9 }]);
    const { conflicts } = await listSyncConflicts(sql, { creatorId, status: "open" });
    return { shop, creatorId, conflicts, runner };
  }

  it("records who, when and why, changes the stock, and refuses to resolve the same conflict twice", async () => {
    const { shop, creatorId, conflicts, runner } = await openConflict();
    expect(conflicts.map((conflict) => [conflict.skuId, conflict.localValue, conflict.externalValue]).sort()).toEqual(
      [[shop.skus[0]!.skuId, 30, 22], [shop.skus[1]!.skuId, 12, 9]].sort(),
    );
    const conflict = conflicts.find((row) => row.skuId === shop.skus[0]!.skuId)!;
    const adminId = crypto.randomUUID();
    const resolved = await resolveSyncConflict(
      { sql, now, origin: { source: "admin_panel" } },
      { creatorId, conflictId: conflict.conflictId, resolution: { kind: "custom", value: 25 }, reason: "shelf count after the live show", resolvedBy: "ops@creatorflow.test", userId: adminId },
    );
    expect(resolved).toMatchObject({ method: "custom", winningValue: 25, losingValue: 30, resolvedBy: "ops@creatorflow.test", total: 25 });

    const events = await store.readStream(`inventory-${shop.skus[0]!.skuId}`);
    const resolution = events.find((event) => event.type === "inventory.sync_conflict_resolved")!;
    expect(resolution.data).toMatchObject({ conflict_id: conflict.conflictId, method: "custom", reason: "shelf count after the live show", resolved_by: "ops@creatorflow.test" });
    expect(resolution.userId).toBe(adminId);

    const again = resolveSyncConflict({ sql, now, origin: { source: "admin_panel" } }, { creatorId, conflictId: conflict.conflictId, resolution: { kind: "keep_local" }, reason: "second try", resolvedBy: "someone-else" });
    await expect(again).rejects.toThrow(/already resolved/);
    await expect(again).rejects.toBeInstanceOf(DomainError);

    await runner.drain({ budgetMs: 30_000 });
    const [row] = (await listSyncConflicts(sql, { creatorId, skuId: shop.skus[0]!.skuId })).conflicts;
    expect(row).toMatchObject({ status: "resolved", method: "custom", winner: "custom", winningValue: 25, resolvedBy: "ops@creatorflow.test", reason: "shelf count after the live show" });
    expect(row!.resolvedAt).toBeInstanceOf(Date);
  });

  it("resolves many at once, reporting each, and never reaches another creator's conflict", async () => {
    const mine = await openConflict();
    const theirs = await openConflict();
    const outcomes = await resolveSyncConflicts(
      { sql, now, origin: { source: "admin_panel" } },
      {
        creatorId: mine.creatorId,
        conflictIds: [...mine.conflicts.map((conflict) => conflict.conflictId), theirs.conflicts[0]!.conflictId],
        resolution: { kind: "accept_external" },
        reason: "TikTok's warehouse count is right",
        resolvedBy: "ops@creatorflow.test",
      },
    );
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(2);
    expect(outcomes.find((outcome) => !outcome.ok)).toMatchObject({ conflictId: theirs.conflicts[0]!.conflictId, code: "not_found" });
    const stillOpen = await listSyncConflicts(sql, { creatorId: theirs.creatorId, status: "open" });
    expect(stillOpen.conflicts).toHaveLength(2);
    await mine.runner.drain({ budgetMs: 30_000 });
    const resolvedRows = await listSyncConflicts(sql, { creatorId: mine.creatorId, status: "resolved", type: "quantity_mismatch" });
    expect(resolvedRows.conflicts.map((row) => row.method)).toEqual(["accept_external", "accept_external"]);
  });
});
