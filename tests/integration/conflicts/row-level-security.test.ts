import { describe, expect, it } from "vitest";
import { asSignedInUser, connectTestDatabase } from "../database.ts";
import { creatorWithOpenConflicts } from "./harness.ts";

const sql = connectTestDatabase();

async function creatorWithOpenConflict(): Promise<string> {
  const { creatorId } = await creatorWithOpenConflicts(sql, [{ local: 30, external: 21 }]);
  return creatorId;
}

describe("row level security on sync conflicts", () => {
  it("shows a creator its own conflicts and rules only, an admin everyone's, and lets neither write", async () => {
    const mine = await creatorWithOpenConflict();
    const theirs = await creatorWithOpenConflict();
    const creators = [mine, theirs];

    const asMine = await asSignedInUser(sql, { role: "creator", creator_id: mine }, async (tx) => ({
      conflicts: await tx<{ creator_id: string }[]>`select creator_id from sync_conflicts where creator_id = any(${creators}::uuid[])`,
      rules: await tx<{ creator_id: string }[]>`select creator_id from inventory_sync_rules where creator_id = any(${creators}::uuid[])`,
    }));
    expect(asMine.conflicts.map((row) => row.creator_id)).toEqual([mine]);
    expect(asMine.rules.map((row) => row.creator_id)).toEqual([mine]);

    const asAdmin = await asSignedInUser(sql, { role: "admin" }, (tx) => tx<{ creator_id: string }[]>`select creator_id from sync_conflicts where creator_id = any(${creators}::uuid[])`);
    expect(asAdmin.map((row) => row.creator_id).sort()).toEqual([...creators].sort());

    await expect(asSignedInUser(sql, { role: "creator", creator_id: mine }, (tx) => tx`update sync_conflicts set status = 'resolved' where creator_id = ${mine}::uuid`)).rejects.toThrow(/permission denied/);
    await expect(asSignedInUser(sql, { role: "admin" }, (tx) => tx`delete from sync_conflicts where creator_id = ${theirs}::uuid`)).rejects.toThrow(/permission denied/);
    await expect(asSignedInUser(sql, { role: "creator", creator_id: mine }, (tx) => tx`update inventory_sync_rules set auto_resolve = true where creator_id = ${mine}::uuid`)).rejects.toThrow(/permission denied/);
  });
});
