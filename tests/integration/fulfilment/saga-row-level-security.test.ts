import { describe, expect, it } from "vitest";
import type { Sql } from "postgres";
import { createSagaStore } from "../../../src/core/fulfilment/index.ts";
import { asSignedInUser, connectTestDatabase, newCreatorId } from "../database.ts";
import { uniqueNumericId } from "../../test-data.ts";

const sql = connectTestDatabase();
const sagas = createSagaStore(sql);


describe("fulfilment_sagas row level security", () => {
  it("shows creators their own sagas, admins all, and lets neither write", async () => {
    const mine = newCreatorId();
    const theirs = newCreatorId();
    // In the order the query sorts them (ids of one length sort as text as they do as numbers).
    const orderIds = [uniqueNumericId(), uniqueNumericId()].sort();
    for (const [creatorId, orderId] of [[mine, orderIds[0]!], [theirs, orderIds[1]!]] as const) {
      await sagas.start({ creatorId, orderId, correlationId: crypto.randomUUID(), causeEventId: crypto.randomUUID(), now: new Date() });
    }
    const selectSagas = (tx: Sql) => tx<{ order_id: string }[]>`select order_id from fulfilment_sagas where order_id in ${tx(orderIds)} order by order_id`;

    expect(await asSignedInUser(sql, { role: "creator", creator_id: mine }, selectSagas)).toEqual([{ order_id: orderIds[0] }]);
    expect(await asSignedInUser(sql, { role: "admin" }, selectSagas)).toEqual(orderIds.map((order_id) => ({ order_id })));
    const write = await asSignedInUser(sql, { role: "creator", creator_id: mine }, (tx) => tx`update fulfilment_sagas set status = 'completed' where order_id = ${orderIds[0]!}`.catch((error: { code?: string }) => error.code));
    expect(write).toBe("42501");
  });
});
