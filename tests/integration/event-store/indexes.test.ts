// Every index of event_store earns its keep: each is named here with a query the code
// runs, and EXPLAIN shows that query reading through it. An index added without a query
// that needs it fails the first test; a query that stops using its index fails the second.
// Sequential scans are switched off for the EXPLAINs: the test tables are small enough
// that the planner would rather read them whole, which says nothing about production sizes.
import { describe, expect, it } from "vitest";
import { connectTestDatabase } from "../database.ts";

const sql = connectTestDatabase();

const someUuid = "0190f5a0-0000-7000-8000-000000000001";

/** Index of the partitioned table → the query that needs it (as its caller runs it) and who runs it. */
const queryOfIndex: Record<string, { usedBy: string; query: string }> = {
  event_store_pkey: {
    usedBy: "src/server/admin/entity-history.ts readEventLinks: the event and its cause, by id",
    query: `select id, position, version from public.event_store where id = '${someUuid}'::uuid order by position limit 100`,
  },
  event_store_aggregate_version_idx: {
    usedBy: "src/core/event-store readStream / aggregateStream; conflict queue and system health histories; shop-history loadAppliedOrders",
    query: `select * from public.event_store where aggregate_id = 'order-1' and version >= 1 and version <= 9007199254740991 order by version`,
  },
  event_store_type_time_idx: {
    usedBy: "src/core/health/health-checks.ts countEventsInWindow; readByType with a time range",
    query: `select count(*) from public.event_store where occurred_at > now() - interval '5 minutes' and occurred_at <= now()
              and event_type = any('{order.received_from_tiktok}'::text[])`,
  },
  event_store_global_order_idx: {
    usedBy: "src/core/event-store readAllAfter (every consumer); consumer_lag()",
    query: `select * from public.event_store where (transaction_id, position) > ('0'::xid8, 0)
              and transaction_id < pg_snapshot_xmin(pg_current_snapshot()) order by transaction_id, position limit 500`,
  },
  event_store_position_idx: {
    usedBy: "src/server/dashboard/dashboard-snapshot.ts head; src/server/event-store-overview.ts latest events; readByType's cursor",
    query: `select position from public.event_store order by position desc limit 1`,
  },
  event_store_correlation_idx: {
    usedBy: "src/server/admin/entity-history.ts readEventLinks: the events sharing a correlation id",
    query: `select id, position from public.event_store where correlation_id = '${someUuid}'::uuid order by position limit 100`,
  },
};

/** The indexes of the partitioned table's partitions that a query's plan reads, named by their parent index. */
async function indexesUsedBy(query: string): Promise<Set<string>> {
  return sql.begin(async (tx) => {
    await tx`set local enable_seqscan = off`;
    const [row] = await tx.unsafe<{ "QUERY PLAN": unknown }[]>(`explain (format json) ${query}`);
    const used = new Set<string>();
    const children = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (typeof node !== "object" || node === null) return;
      const indexName = (node as Record<string, unknown>)["Index Name"];
      if (typeof indexName === "string") children.add(indexName);
      Object.values(node).forEach(walk);
    };
    walk(row["QUERY PLAN"]);
    const parents = await tx<{ child: string; parent: string }[]>`
      select c.relname as child, p.relname as parent
        from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
       where c.relname = any(${[...children]})`;
    for (const child of children) used.add(parents.find((row) => row.child === child)?.parent ?? child);
    return used;
  });
}

describe("event_store indexes", () => {
  it("names a query for every index of event_store, and no index that is gone", async () => {
    const rows = await sql<{ indexname: string }[]>`select indexname from pg_indexes where schemaname = 'public' and tablename = 'event_store' order by 1`;
    expect(rows.map((row) => row.indexname)).toEqual(Object.keys(queryOfIndex).sort());
  });

  for (const [index, { usedBy, query }] of Object.entries(queryOfIndex)) {
    it(`${index} serves ${usedBy}`, async () => {
      expect([...(await indexesUsedBy(query))]).toContain(index);
    });
  }

  it("serves a creator's replay and the conflict fallback without a creator index", async () => {
    const replayByCreator = await indexesUsedBy(
      `select * from public.event_store where position > 0 and creator_id = '${someUuid}'::uuid order by position limit 101`,
    );
    expect([...replayByCreator]).toContain("event_store_position_idx");
    const conflictFallback = await indexesUsedBy(
      `select event_data ->> 'sku_id' from public.event_store where creator_id = '${someUuid}'::uuid
          and event_type = 'inventory.sync_conflict_detected' and event_data ->> 'conflict_id' = 'c1' limit 1`,
    );
    expect([...conflictFallback]).toContain("event_store_type_time_idx");
  });
});
