import { describe, expect, it } from "vitest";
import type { Sql } from "postgres";
import { createSagaStore } from "../../../src/core/fulfilment/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";

const sql = connectTestDatabase();
const sagas = createSagaStore(sql);
class RollBack extends Error {}

/** Runs a query as Supabase runs a signed-in user's: role authenticated, the JWT's claims in request.jwt.claims; then rolls back. */
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

describe("fulfilment_sagas row level security", () => {
  it("shows creators their own sagas, admins all, and lets neither write", async () => {
    const mine = newCreatorId();
    const theirs = newCreatorId();
    const orderIds = [`${Date.now()}01`, `${Date.now()}02`];
    for (const [creatorId, orderId] of [[mine, orderIds[0]!], [theirs, orderIds[1]!]] as const) {
      await sagas.start({ creatorId, orderId, correlationId: crypto.randomUUID(), causeEventId: crypto.randomUUID(), now: new Date() });
    }
    const selectSagas = (tx: Sql) => tx<{ order_id: string }[]>`select order_id from fulfilment_sagas where order_id in ${tx(orderIds)} order by order_id`;

    expect(await asUser({ role: "creator", creator_id: mine }, selectSagas)).toEqual([{ order_id: orderIds[0] }]);
    expect(await asUser({ role: "admin" }, selectSagas)).toEqual(orderIds.map((order_id) => ({ order_id })));
    const write = await asUser({ role: "creator", creator_id: mine }, (tx) => tx`update fulfilment_sagas set status = 'completed' where order_id = ${orderIds[0]!}`.catch((error: { code?: string }) => error.code));
    expect(write).toBe("42501");
  });
});
