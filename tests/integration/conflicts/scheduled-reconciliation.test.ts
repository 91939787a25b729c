import { describe, expect, it } from "vitest";
import { reconcileInventoryWhenDue } from "../../../src/core/conflicts/index.ts";
import type { TikTokShopClient } from "../../../src/core/tiktok/api-client.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { linkShop, uniqueShop } from "./harness.ts";

const sql = connectTestDatabase();

describe("scheduled inventory reconciliation", () => {
  it("runs once per period however many callers ask, and records each run", async () => {
    const jobName = `reconciliation-test-${crypto.randomUUID().slice(0, 8)}`;
    const creatorId = await linkShop(sql, uniqueShop(), newCreatorId());
    // The shop has no SKUs yet, so the run reads nothing from TikTok; a client that fails would say so.
    const clientForShop = () => ({ searchInventory: async () => { throw new Error("TikTok unreachable"); } }) as unknown as TikTokShopClient;
    const run = () => reconcileInventoryWhenDue({ sql, clientForShop, now: () => new Date(), creatorIds: [creatorId], jobName, everyMs: 60_000, maxAttempts: 1, sleep: async () => {} });

    const results = await Promise.all([run(), run(), run()]);
    const reports = results.filter((report) => report !== null);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ shops: 1, failures: [] });
    expect(await run()).toBeNull();

    const [job] = await sql<{ last_finished_at: Date | null; last_report: { shops: number } }[]>`select last_finished_at, last_report from scheduled_jobs where name = ${jobName}`;
    expect(job.last_finished_at).not.toBeNull();
    expect(job.last_report.shops).toBe(1);

    // A period later it runs again.
    await sql`update scheduled_jobs set last_started_at = now() - interval '2 minutes' where name = ${jobName}`;
    expect(await run()).toMatchObject({ shops: 1 });
  });
});
