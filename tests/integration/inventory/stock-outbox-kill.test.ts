// The stock outbox survives a kill -9 of the processing function mid-burst: a burst of
// manual adjustments (the command path of /api/inventory/<sku>/adjust) wakes the real
// process-events function, whose Deno process is SIGKILLed while it pushes, then started
// again; the wake-ups and the 5-second safety net drain what is left. TikTok (the
// simulator) must never be sent an older count after a newer one, must end with the last
// local count, and the recorded pushes must follow the stream's versions. On a database of
// its own, as stock-outbox-function.test.ts.
import { afterAll, describe, expect, it } from "vitest";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { generateTokenEncryptionKey } from "../../../src/core/shops/token-encryption.ts";
import { ApiError } from "../../../src/server/auth/api-error.ts";
import { adjustStock as adjustStockAsTheRouteDoes } from "../../../src/server/inventory/adjust-stock.ts";
import { startTikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { createShopWorld } from "../../../src/simulator/shop-world.ts";
import { uniqueShop } from "../conflicts/harness.ts";
import { linkShopAsConnected } from "../linked-shop.ts";
import { newCreatorId, ownTestDatabase } from "../database.ts";
import { startFunctionsStandIn } from "../stand-in/stand-in-harness.ts";
import { adjustStock } from "./harness.ts";

const appKey = "stock_outbox_kill_app_key";
const appSecret = "stock_outbox_kill_app_secret";
const shop = uniqueShop();
const sku = shop.skus[0]!;
const PROCESS_EVENTS = "process-events";
const BURST = 60;

const tokenEncryptionKey = generateTokenEncryptionKey();
const { url: databaseUrl, sql } = await ownTestDatabase("stock-outbox-kill", 13, { max: 6 });
const simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, world: createShopWorld([shop]), rateLimitPerSecond: 10_000 });
afterAll(() => simulator.close());
const standIn = await startFunctionsStandIn({
  databaseUrl,
  databaseWorkers: true,
  tiktok: { appKey, appSecret, apiBaseUrl: simulator.url, tokenEncryptionKey },
  env: { FULFILMENT_SAGA: "off" },
});
const store = createEventStore({ sql });
const updatePath = `/product/202309/products/${sku.productId}/inventory/update`;

const pushedQuantity = (body: string) => (JSON.parse(body) as { skus: { id: string; inventory: { quantity: number }[] }[] }).skus.find((entry) => entry.id === sku.skuId)!.inventory[0]!.quantity;
const acceptedUpdates = () => simulator.requests.filter((request) => request.path === updatePath && request.status === 200);

async function until<T>(what: string, check: () => Promise<T | undefined | false>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Sets the count as the dashboard does. The outbox records its pushes on the SKU's stream, so
 * the version the creator saw may have moved meanwhile: like the dashboard, take the version
 * from the conflict answer and send the count again.
 */
async function adjustAsTheDashboard(creatorId: string, newTotal: number, seenVersion: number): Promise<number> {
  let version = seenVersion;
  for (;;) {
    try {
      return (await adjustStockAsTheRouteDoes(sql, { creatorId, skuId: sku.skuId, newTotal, expectedVersion: version, commandId: crypto.randomUUID(), origin: { source: "api_call" } })).version;
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== "version_conflict") throw error;
      version = Number(error.details?.version);
    }
  }
}

function killProcessEvents(): number {
  const pid = standIn.functions.status()[PROCESS_EVENTS]?.pid;
  if (pid === undefined) throw new Error("process-events has no process to kill");
  // Not stopFunction: that sends SIGTERM first. A kill -9 gives the process no chance to finish anything.
  process.kill(pid, "SIGKILL");
  return pid;
}

describe("the stock outbox across a kill -9 of process-events mid-burst", () => {
  it("never pushes an older count after a newer one, loses nothing, and records its pushes in stream order", async () => {
    const creatorId = newCreatorId();
    const sellerOpenId = "stock-outbox-kill-seller";
    // TikTok shows 500 before the shop is linked, so the shop's import and the reconciliation
    // (both run by process-events) read 500 or a count pushed since. Under load either can
    // land mid-burst with a read taken before later pushes: that read must be set aside, not
    // taken for TikTok's count (tests/integration/inventory/stale-pushes.test.ts).
    simulator.world.stockBySku.get(sku.skuId)!.total = 500;
    await linkShopAsConnected(sql, { creatorId, shop, sellerOpenId, accessToken: "stock-outbox-kill-token", tokenEncryptionKey });
    // TikTok's count was known a while before: a creator's change right after a TikTok write
    // would be a concurrent update (within the sync rules' 10 s window), which TikTok wins.
    await adjustStock(sql, creatorId, sku.skuId, 500, "tiktok", sku.productId, new Date(Date.now() - 60_000));
    // The route adjusts only SKUs the creator's inventory read model shows.
    let version = await until("the SKU's inventory row", async () => {
      const [row] = await sql<{ last_version: string }[]>`select last_version from inventory_levels where creator_id = ${creatorId} and sku_id = ${sku.skuId}`;
      return row ? Number(row.last_version) : undefined;
    }, 15_000);
    const changes: { version: number; count: number }[] = [{ version, count: 500 }];
    /** The count of the latest adjustment at or before a stream version: what a push of that version must send. */
    const countAt = (streamVersion: number) => changes.filter((change) => change.version <= streamVersion).at(-1)?.count;

    // Distinct counts that go up and down, so each pushed quantity names the one change it came from.
    const counts = Array.from({ length: BURST }, (_, index) => 300 + (((index + 1) * 37) % 200));
    const versionOfCount = new Map<number, number>();
    const firstPid = standIn.functions.status()[PROCESS_EVENTS]?.pid;
    let killedAfter: number | null = null;
    let restartedAfter: number | null = null;
    let updatesAtKill = 0;
    let outboxLeasedAtKill = false;
    for (const [index, count] of counts.entries()) {
      version = await adjustAsTheDashboard(creatorId, count, version);
      versionOfCount.set(count, version);
      changes.push({ version, count });
      // Killed once the function is pushing this burst; started again twenty changes later.
      if (killedAfter === null && acceptedUpdates().length >= 2) {
        killProcessEvents();
        killedAfter = index;
        // A call in flight holds the outbox's lease: the kill caught it working, not idle.
        const [lease] = await sql<{ held: boolean }[]>`select lease_owner is not null and lease_expires_at > now() as held from consumer_checkpoints where consumer = 'stock-outbox'`;
        outboxLeasedAtKill = lease?.held === true;
        updatesAtKill = acceptedUpdates().length;
      } else if (killedAfter !== null && restartedAfter === null && index - killedAfter >= 20) {
        await standIn.functions.restartFunction(PROCESS_EVENTS);
        restartedAfter = index;
      }
      // Changes spread over a few seconds, so the outbox pushes several times during the burst.
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    if (restartedAfter === null) await standIn.functions.restartFunction(PROCESS_EVENTS);
    const lastCount = counts.at(-1)!;
    const lastVersion = version;
    const pushedVersionOf = (data: unknown) => (data as { stream_version?: number }).stream_version ?? -1;

    expect(killedAfter, "the function was killed before the burst ended").not.toBeNull();
    expect(killedAfter!).toBeLessThan(BURST - 1);
    expect(outboxLeasedAtKill, "the kill caught a call holding the stock outbox").toBe(true);
    expect(standIn.functions.status()[PROCESS_EVENTS]?.pid).not.toBe(firstPid);

    // The restarted function is woken by later appends or by the safety net; the dead call's lease runs out first.
    await until("TikTok showing the last count, recorded as pushed", async () => {
      if (simulator.world.stockBySku.get(sku.skuId)!.total !== lastCount) return false;
      const pushed = (await store.readStream(inventoryAggregateId(sku.skuId))).filter((event) => event.type === "inventory.external_count_pushed");
      return pushed.length > 0 && pushedVersionOf(pushed.at(-1)!.data) >= lastVersion;
    }, 90_000);

    const updates = acceptedUpdates();
    expect(updates.length).toBeGreaterThan(updatesAtKill);
    const pushedVersions = updates.map((request) => {
      const quantity = pushedQuantity(request.body);
      const pushedVersion = versionOfCount.get(quantity);
      expect(pushedVersion, `pushed count ${quantity} is one of the burst's`).toBeDefined();
      return pushedVersion!;
    });
    // Never backwards: each push reflects a stream version at least the previous one's (a push resent after the crash is the same count).
    for (let index = 1; index < pushedVersions.length; index += 1) expect(pushedVersions[index]!).toBeGreaterThanOrEqual(pushedVersions[index - 1]!);
    expect(pushedQuantity(updates.at(-1)!.body)).toBe(lastCount);
    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(lastCount);

    const recorded = (await store.readStream(inventoryAggregateId(sku.skuId)))
      .filter((event) => event.type === "inventory.external_count_pushed")
      .map((event) => event.data as { stream_version: number; available: number; pushed_by: string });
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.length).toBeLessThanOrEqual(updates.length);
    for (let index = 1; index < recorded.length; index += 1) expect(recorded[index]!.stream_version).toBeGreaterThan(recorded[index - 1]!.stream_version);
    for (const push of recorded) expect(push.available).toBe(countAt(push.stream_version));
    expect(recorded.at(-1)!.stream_version).toBeGreaterThanOrEqual(lastVersion);
    expect(recorded.at(-1)).toMatchObject({ available: lastCount, pushed_by: "stock_outbox" });
    const [{ parked }] = await sql<{ parked: number }[]>`select count(*)::int as parked from dead_letters where creator_id = ${creatorId}`;
    expect(parked).toBe(0);
  }, 180_000);
});
