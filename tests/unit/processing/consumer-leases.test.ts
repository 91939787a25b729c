// What a call makes of public.acquire_consumer_shard's answer, without a database: no
// shard for it, a shard another instance holds, or its lease with checkpoint and barrier.
import { describe, expect, it } from "vitest";
import { consumerShardName, shardLeaseFrom, type Consumer, type ShardRow } from "../../../src/core/processing/index.ts";

const consumer: Consumer = { name: "order-summaries", handles: ["order.*"], transactional: true, handleBatch: async () => {} };

/** Shard 1 of 4, leased, some way into the stream, no resharding under way. */
const leasedRow: ShardRow = {
  shard_name: consumerShardName("order-summaries", 1, 4),
  shard_count: 4,
  leased: true,
  transaction_id: "812",
  position: "4051",
  barrier_transaction_id: null,
  barrier_position: null,
};

describe("a shard lease from the database's answer", () => {
  it("is none when the consumer runs fewer shards than the call's index", () => {
    expect(shardLeaseFrom(undefined, consumer, 5)).toBeNull();
  });

  it("is held when another instance has the row", () => {
    expect(shardLeaseFrom({ ...leasedRow, leased: false }, consumer, 1)).toBe("held");
  });

  it("runs the consumer under the shard's row name, from the shard's checkpoint", () => {
    const lease = shardLeaseFrom(leasedRow, consumer, 1);
    expect(lease).toEqual({
      consumer: { ...consumer, name: "order-summaries-shard-1-of-4" },
      shard: { index: 1, count: 4 },
      checkpoint: { transactionId: "812", position: 4051 },
      barrier: null,
    });
  });

  it("starts a shard that has read nothing at the start of the stream", () => {
    const lease = shardLeaseFrom({ ...leasedRow, transaction_id: null, position: null }, consumer, 1);
    expect(lease).toMatchObject({ checkpoint: { transactionId: "0", position: 0 } });
  });

  it("carries the resharding barrier while the consumer moves to another shard count", () => {
    const lease = shardLeaseFrom({ ...leasedRow, barrier_transaction_id: "900", barrier_position: "5000" }, consumer, 1);
    expect(lease).toMatchObject({ barrier: { transactionId: "900", position: 5000 } });
  });
});
