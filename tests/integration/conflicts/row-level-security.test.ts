import type { Sql } from "postgres";
import { describe, expect, it } from "vitest";
import { saveSyncRules } from "../../../src/core/conflicts/index.ts";
import { connectTestDatabase } from "../database.ts";
import { conflictRunner, inventoryWebhook, linkShop, nowSeconds, uniqueShop, webhookIngestion } from "./harness.ts";

const sql = connectTestDatabase();

/** Runs queries as Supabase runs a signed-in user's: role authenticated, the JWT's claims in request.jwt.claims. */
async function asUser<T>(appMetadata: Record<string, string>, query: (tx: Sql) => Promise<T>): Promise<T> {
  const claims = { sub: crypto.randomUUID(), role: "authenticated", app_metadata: appMetadata };
  let result: T | undefined;
  await sql
    .begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
      result = await query(tx as unknown as Sql);
      throw new RollBack();
    })
    .catch((error) => {
      if (!(error instanceof RollBack)) throw error;
    });
  return result as T;
}
class RollBack extends Error {}

async function creatorWithOpenConflict(): Promise<string> {
  const shop = uniqueShop();
  const creatorId = await linkShop(sql, shop);
  await saveSyncRules(sql, creatorId, { autoResolve: false }, "test");
  const ingest = webhookIngestion(sql);
  const runner = await conflictRunner(sql, [creatorId]);
  await ingest(inventoryWebhook(shop, 0, { total: 30, updateTime: nowSeconds() }));
  await runner.drain({ budgetMs: 30_000 });
  await ingest(inventoryWebhook(shop, 0, { total: 21, updateTime: nowSeconds() + 5 }));
  await runner.drain({ budgetMs: 30_000 });
  return creatorId;
}

describe("row level security on sync conflicts", () => {
  it("shows a creator its own conflicts and rules only, an admin everyone's, and lets neither write", async () => {
    const mine = await creatorWithOpenConflict();
    const theirs = await creatorWithOpenConflict();
    const creators = [mine, theirs];

    const asMine = await asUser({ role: "creator", creator_id: mine }, async (tx) => ({
      conflicts: await tx<{ creator_id: string }[]>`select creator_id from sync_conflicts where creator_id = any(${creators}::uuid[])`,
      rules: await tx<{ creator_id: string }[]>`select creator_id from inventory_sync_rules where creator_id = any(${creators}::uuid[])`,
    }));
    expect(asMine.conflicts.map((row) => row.creator_id)).toEqual([mine]);
    expect(asMine.rules.map((row) => row.creator_id)).toEqual([mine]);

    const asAdmin = await asUser({ role: "admin" }, (tx) => tx<{ creator_id: string }[]>`select creator_id from sync_conflicts where creator_id = any(${creators}::uuid[])`);
    expect(asAdmin.map((row) => row.creator_id).sort()).toEqual([...creators].sort());

    await expect(asUser({ role: "creator", creator_id: mine }, (tx) => tx`update sync_conflicts set status = 'resolved' where creator_id = ${mine}::uuid`)).rejects.toThrow(/permission denied/);
    await expect(asUser({ role: "admin" }, (tx) => tx`delete from sync_conflicts where creator_id = ${theirs}::uuid`)).rejects.toThrow(/permission denied/);
    await expect(asUser({ role: "creator", creator_id: mine }, (tx) => tx`update inventory_sync_rules set auto_resolve = true where creator_id = ${mine}::uuid`)).rejects.toThrow(/permission denied/);
  });
});
