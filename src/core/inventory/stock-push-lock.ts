// One pusher at a time per shop and SKU. The stock outbox and the reconciliation both send
// TikTok counts, from different calls of process-events (and two outbox runs overlap when a
// lease runs out under load). Each decides what to send from the SKU's stream, calls TikTok,
// then records the push; two of them interleaving could land an older count after a newer
// one. Under this lock a pusher reads the stream after the previous push was recorded, so it
// never sends a count older than one already pushed (the rule both apply under it).
import type { Sql } from "postgres";

/**
 * Runs `push` holding a transaction-scoped advisory lock on (shop, SKU). The transaction
 * writes nothing (so it holds back no consumer's view of the event store); `push` works
 * through the pool as usual, and the lock ends with the transaction, or with the connection
 * when the process dies.
 */
export async function withStockPushLock<T>(sql: Sql, shopId: string, skuId: string, push: () => Promise<T>): Promise<T> {
  const result = await sql.begin(async (lock) => {
    await lock`select pg_advisory_xact_lock(hashtextextended(${`stock-push:${shopId}:${skuId}`}, 0))`;
    return { value: await push() };
  });
  return (result as { value: T }).value;
}
