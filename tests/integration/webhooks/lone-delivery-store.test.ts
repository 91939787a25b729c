// A batch of one delivery takes store_lone_webhook_delivery (fewer statements than the
// batch function). Its specification: for every shape of delivery and every state of its
// stream, the outcome and what is written are exactly what store_webhook_deliveries gives
// the same delivery in a batch; and concurrent lone copies still store one event set.
import { describe, expect, it } from "vitest";
import { toAppendRows } from "../../../src/core/event-store/index.ts";
import { storeWebhookDeliveries, type DeliveryToStore, type StreamAppend } from "../../../src/core/webhooks/webhook-delivery-store.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { uniqueId, uniqueNumericId } from "../../test-data.ts";

const sql = connectTestDatabase();
const SHOP_ID = "9100000000000000002";

function events(orderId: string, creatorId: string, count = 1) {
  const data = (index: number) => ({ order_id: orderId, shop_id: SHOP_ID, tiktok_status: "AWAITING_SHIPMENT" as const, is_on_hold: false, tiktok_update_time: 1764000000 + index });
  return toAppendRows(
    { creatorId, metadata: { source: "tiktok_webhook" } },
    Array.from({ length: count }, (_, index) => ({ type: "order.received_from_tiktok" as const, data: data(index) })),
  );
}

function delivery(creatorId: string, appends: StreamAppend[], status: DeliveryToStore["status"] = "processed"): DeliveryToStore {
  const key = `lone-${uniqueId()}`;
  return { dedupeKey: key, notificationType: 1, shopId: SHOP_ID, creatorId, rawBody: new TextEncoder().encode(`{"k":"${key}"}`), status, reason: null, appends };
}

/** A stream's state before the delivery: none, ours at a version, or another creator's. */
type StreamState = { kind: "none" } | { kind: "ours" | "theirs"; version: number };

interface Scenario {
  name: string;
  stream: StreamState;
  /** The delivery's appends to the order's stream `aggregateId`, made for `creatorId`. */
  appends: (aggregateId: string, orderId: string, creatorId: string) => StreamAppend[];
  status?: DeliveryToStore["status"];
  alreadyStored?: boolean;
}

const order = (aggregateId: string, expected: string, rows: ReturnType<typeof events>): StreamAppend[] => [{ aggregate_id: aggregateId, aggregate_type: "order", expected, events: rows }];

const scenarios: Scenario[] = [
  { name: "a new order's first status", stream: { kind: "none" }, appends: (id, orderId, c) => order(id, "no_stream", events(orderId, c)) },
  { name: "two events at once on a new order", stream: { kind: "none" }, appends: (id, orderId, c) => order(id, "no_stream", events(orderId, c, 2)) },
  { name: "a follow-up at the version it expects", stream: { kind: "ours", version: 2 }, appends: (id, orderId, c) => order(id, "2", events(orderId, c)) },
  { name: "a first status for an order that exists", stream: { kind: "ours", version: 3 }, appends: (id, orderId, c) => order(id, "no_stream", events(orderId, c)) },
  { name: "a follow-up made at an older version", stream: { kind: "ours", version: 3 }, appends: (id, orderId, c) => order(id, "2", events(orderId, c)) },
  { name: "a follow-up for an order that does not exist", stream: { kind: "none" }, appends: (id, orderId, c) => order(id, "4", events(orderId, c)) },
  { name: "an order on another creator's stream", stream: { kind: "theirs", version: 1 }, appends: (id, orderId, c) => order(id, "1", events(orderId, c)) },
  { name: "a new order on another creator's stream", stream: { kind: "theirs", version: 2 }, appends: (id, orderId, c) => order(id, "no_stream", events(orderId, c)) },
  { name: "a stale status (a version check alone)", stream: { kind: "ours", version: 3 }, appends: (id) => order(id, "3", []), status: "stale" },
  { name: "a stale status made at an older version", stream: { kind: "ours", version: 3 }, appends: (id) => order(id, "1", []), status: "stale" },
  { name: "an append at any version", stream: { kind: "ours", version: 1 }, appends: (id, orderId, c) => order(id, "any", events(orderId, c)) },
  { name: "a delivery with no events", stream: { kind: "none" }, appends: () => [], status: "ignored" },
  { name: "a copy of a stored delivery", stream: { kind: "ours", version: 1 }, appends: (id, orderId, c) => order(id, "1", events(orderId, c)), alreadyStored: true },
];

/** Sets the stream up, stores the delivery (alone, or in a batch with a neighbour that appends nothing), and reads back what it left. */
async function play(scenario: Scenario, alone: boolean) {
  const creatorId = newCreatorId();
  const orderId = uniqueNumericId();
  const aggregateId = `order-${orderId}`;
  if (scenario.stream.kind !== "none") {
    const owner = scenario.stream.kind === "ours" ? creatorId : newCreatorId();
    await sql`insert into streams (aggregate_id, aggregate_type, creator_id, version) values (${aggregateId}, 'order', ${owner}, ${scenario.stream.version})`;
  }
  const subject = delivery(creatorId, scenario.appends(aggregateId, orderId, creatorId), scenario.status);
  if (scenario.alreadyStored) await sql`insert into webhook_inbox (dedupe_key, raw_body, status) values (${subject.dedupeKey}, '\\x00', 'ignored')`;
  const neighbour = delivery(creatorId, [], "ignored");
  const outcomes = await storeWebhookDeliveries(sql, alone ? [subject] : [subject, neighbour]);
  const [inbox] = await sql<{ status: string; reason: string | null; event_count: number }[]>`
    select status, reason, cardinality(event_ids) as event_count from webhook_inbox where dedupe_key = ${subject.dedupeKey}`;
  const stored = await sql<{ version: string; event_type: string; same_creator: boolean }[]>`
    select version, event_type, creator_id = ${creatorId} as same_creator from event_store where aggregate_id = ${aggregateId} order by version`;
  const [stream] = await sql<{ version: string; ours: boolean; moved: boolean }[]>`
    select version, creator_id = ${creatorId} as ours, updated_at > created_at as moved from streams where aggregate_id = ${aggregateId}`;
  const outcome = outcomes[0];
  return {
    outcome: outcome.outcome,
    actualVersion: outcome.outcome === "conflict" ? outcome.actualVersion : undefined,
    answeredWithInboxRow: "inboxId" in outcome,
    inbox: inbox ?? null,
    events: stored.map((row) => `${row.version}:${row.event_type}:${row.same_creator}`),
    stream: stream ?? null,
    placeholders: (await sql`select 1 from streams where aggregate_id = ${aggregateId} and version = 0`).length,
  };
}

describe("a lone webhook delivery", () => {
  it.each(scenarios)("is stored as store_webhook_deliveries would store it: $name", async (scenario) => {
    const alone = await play(scenario, true);
    const batched = await play(scenario, false);
    expect(alone).toEqual(batched);
  });

  it("stores a new order's first status with its events, its inbox row and its stream", async () => {
    const result = await play(scenarios[0], true);
    expect(result).toEqual({
      outcome: "stored",
      actualVersion: undefined,
      answeredWithInboxRow: true,
      inbox: { status: "processed", reason: null, event_count: 1 },
      events: ["1:order.received_from_tiktok:true"],
      stream: { version: "1", ours: true, moved: false },
      placeholders: 0,
    });
  });

  it("writes nothing for a copy of a stored delivery, and leaves its stream where it was", async () => {
    const result = await play(scenarios[12], true);
    expect(result).toMatchObject({ outcome: "duplicate", inbox: { status: "ignored" }, events: [], stream: { version: "1" } });
  });

  it("stores one event set when many copies of one delivery arrive at once", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueNumericId();
    const subject = delivery(creatorId, order(`order-${orderId}`, "no_stream", events(orderId, creatorId)));
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => storeWebhookDeliveries(sql, [{ ...subject }])));
    const kinds = outcomes.map(([outcome]) => outcome.outcome).sort();
    expect(kinds).toEqual([...Array.from({ length: 19 }, () => "duplicate"), "stored"]);
    const [row] = await sql<{ count: string }[]>`select count(*) from event_store where aggregate_id = ${`order-${orderId}`}`;
    expect(Number(row.count)).toBe(1);
  });

  it("lets one of several different first statuses for one new order win, and answers the others with a conflict", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueNumericId();
    const racing = Array.from({ length: 8 }, () => delivery(creatorId, order(`order-${orderId}`, "no_stream", events(orderId, creatorId))));
    const outcomes = await Promise.all(racing.map((subject) => storeWebhookDeliveries(sql, [subject])));
    const kinds = outcomes.map(([outcome]) => outcome.outcome).sort();
    expect(kinds).toEqual([...Array.from({ length: 7 }, () => "conflict"), "stored"]);
    const inboxRows = await sql`select 1 from webhook_inbox where dedupe_key in ${sql(racing.map((subject) => subject.dedupeKey))}`;
    expect(inboxRows).toHaveLength(1);
    const [stream] = await sql<{ version: string }[]>`select version from streams where aggregate_id = ${`order-${orderId}`}`;
    expect(stream.version).toBe("1");
  });
});
