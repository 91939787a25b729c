// Dead letters of a real projection (inventory levels, its own fold and storage, in this
// file's schema): a retried event is applied in order or the letter says why not; a rebuild
// over a poison event records it and goes on; a rebuild settles the letters it folded.
import { beforeAll, describe, expect, it } from "vitest";
import { createConsumerRunner, createDeadLetters } from "../../../src/core/processing/index.ts";
import { defineProjection, inventoryLevelsProjection, projectionConsumer, rebuildProjection } from "../../../src/core/projections/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { at, reserved, stockUpdated, uniqueId } from "./events.ts";
import { readModelSchema } from "./read-model-harness.ts";

const sql = connectTestDatabase();
const models = readModelSchema(sql, "letters");
const consumerName = models.consumerName(inventoryLevelsProjection);
const letters = createDeadLetters({ sql });

/** The real projection, except that its fold throws on the events in `poisoned`. */
const poisoned = new Set<string>();
const poisonable = defineProjection({
  ...inventoryLevelsProjection,
  fold(state, events, context) {
    const poison = events.find((event) => poisoned.has(event.id));
    if (poison) throw new Error(`cannot fold ${poison.type} ${poison.id}`);
    return inventoryLevelsProjection.fold(state, events, context);
  },
});

const runner = createConsumerRunner({
  sql,
  consumers: [projectionConsumer(poisonable, { schema: models.schema, name: consumerName, publish: false })],
  owner: `test-${models.schema}`,
  retryPolicy: { maxAttempts: 1, initialDelayMs: 1, multiplier: 1, maxDelayMs: 1 },
});

async function level(creatorId: string, skuId: string) {
  const [row] = await sql`select total, reserved, last_version from ${models.table("inventory_levels")} where creator_id = ${creatorId} and sku_id = ${skuId}`;
  return row;
}

/** A SKU stocked with 10, then a reservation of 3 the projection cannot fold; its letter. */
async function skuWithPoisonedReservation() {
  const creatorId = newCreatorId();
  const sku = uniqueId("SKU");
  await models.append(creatorId, `inventory-${sku}`, [stockUpdated(sku, at("2026-05-01T08:00:00Z"), 0, 10)]);
  const appended = await models.append(creatorId, `inventory-${sku}`, [reserved(sku, at("2026-05-01T09:00:00Z"), "o1", 3)]);
  poisoned.add(appended.events[0]!.id);
  await runner.drain({ budgetMs: 30_000 });
  const [letter] = await letters.list({ consumer: consumerName, status: "pending" }).then((all) => all.filter((candidate) => candidate.eventId === appended.events[0]!.id));
  expect(letter).toMatchObject({ eventType: "inventory.reserved", status: "pending" });
  return { creatorId, sku, letter: letter!, eventId: appended.events[0]!.id };
}

describe("dead letters of a projection", () => {
  beforeAll(() => models.startAtEndOfStream([inventoryLevelsProjection]));

  it("applies a requested retry in order, under the runner's lease, when nothing later of the aggregate was folded", async () => {
    const { creatorId, sku, letter, eventId } = await skuWithPoisonedReservation();
    expect(await level(creatorId, sku)).toMatchObject({ total: 10, reserved: 0 });
    poisoned.delete(eventId);

    await letters.requestRetry(letter.id, "admin@example.com");
    await runner.drain({ budgetMs: 30_000 });

    expect(await level(creatorId, sku)).toMatchObject({ total: 10, reserved: 3, last_version: "2" });
    expect(await letters.get(letter.id)).toMatchObject({ status: "retried", resolvedBy: "admin@example.com", lastRetry: { outcome: "retried" } });
  });

  it("does not mark retried an event the projection would skip as seen: the letter stays pending and says to rebuild, and the rebuild applies and settles it", async () => {
    const { creatorId, sku, letter, eventId } = await skuWithPoisonedReservation();
    // The SKU moves on past the poisoned reservation.
    await models.append(creatorId, `inventory-${sku}`, [stockUpdated(sku, at("2026-05-01T10:00:00Z"), 10, 12)]);
    await runner.drain({ budgetMs: 30_000 });
    expect(await level(creatorId, sku)).toMatchObject({ total: 12, reserved: 0, last_version: "3" });
    poisoned.delete(eventId);

    await letters.requestRetry(letter.id, "admin@example.com");
    await runner.drain({ budgetMs: 30_000 });

    const refused = await letters.get(letter.id);
    expect(refused).toMatchObject({ status: "pending", attempts: letter.attempts, lastRetry: { outcome: "refused" } });
    expect(refused.lastRetry?.message).toContain(`already handled version 3 of inventory-${sku}`);
    expect(refused.lastRetry?.message).toContain("rebuild the projection");
    // Nothing claims the reservation was applied, because it was not.
    expect(await level(creatorId, sku)).toMatchObject({ total: 12, reserved: 0 });

    const result = await rebuildProjection({ sql, projection: poisonable, schema: models.schema, consumerName });
    expect(result).toMatchObject({ phase: "done", deadLettered: 0 });
    expect(await level(creatorId, sku)).toMatchObject({ total: 12, reserved: 3, last_version: "3" });
    expect(await letters.get(letter.id)).toMatchObject({ status: "retried", resolvedBy: `rebuild of ${inventoryLevelsProjection.name}`, lastRetry: { outcome: "retried" } });
  });

  it("rebuilds past a poison event: records it as a dead letter, folds the rest, reports it", async () => {
    const creatorId = newCreatorId();
    const sku = uniqueId("SKU");
    await models.append(creatorId, `inventory-${sku}`, [stockUpdated(sku, at("2026-05-01T08:00:00Z"), 0, 10)]);
    const poison = await models.append(creatorId, `inventory-${sku}`, [reserved(sku, at("2026-05-01T09:00:00Z"), "o1", 3)]);
    await models.append(creatorId, `inventory-${sku}`, [stockUpdated(sku, at("2026-05-01T10:00:00Z"), 10, 12)]);
    await runner.drain({ budgetMs: 30_000 });
    expect(await level(creatorId, sku)).toMatchObject({ total: 12, reserved: 3 });
    const poisonId = poison.events[0]!.id;
    poisoned.add(poisonId);

    const result = await rebuildProjection({ sql, projection: poisonable, schema: models.schema, consumerName, pageSize: 200 });

    expect(result).toMatchObject({ phase: "done", deadLettered: 1 });
    const [checkpoint] = await sql`select rebuild_progress from consumer_checkpoints where consumer = ${consumerName}`;
    expect(checkpoint!.rebuild_progress).toMatchObject({ phase: "done", deadLettered: 1 });
    const recorded = (await letters.list({ consumer: consumerName, status: "pending" })).filter((candidate) => candidate.eventId === poisonId);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.error).toContain(`cannot fold inventory.reserved ${poisonId}`);
    // Everything else was folded: the stock of this SKU is there, without the poisoned reservation.
    expect(await level(creatorId, sku)).toMatchObject({ total: 12, reserved: 0, last_version: "3" });
    poisoned.delete(poisonId);
  });
});
