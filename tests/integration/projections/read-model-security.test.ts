// RLS on the live read models in public: a creator reads only its own rows, an admin
// reads all, nobody signed in writes. Rows are inserted directly (as the owner, like
// server code), so no projection needs to run here.
import type { Sql } from "postgres";
import { describe, expect, it } from "vitest";
import { asSignedInUser, connectTestDatabase, newCreatorId } from "../database.ts";

const sql = connectTestDatabase();


const readModels = ["dashboard_metrics_hourly", "dashboard_metrics_daily", "order_summaries", "inventory_levels", "alerts", "product_names", "event_metrics_hourly", "realtime_outbox"];

describe("read model row level security", () => {
  const mine = newCreatorId();
  const theirs = newCreatorId();

  async function seed(): Promise<void> {
    for (const creatorId of [mine, theirs]) {
      await sql`insert into dashboard_metrics_hourly (creator_id, bucket_start) values (${creatorId}, '2026-01-01T00:00:00Z')`;
      await sql`insert into dashboard_metrics_daily (creator_id, bucket_start) values (${creatorId}, '2026-01-01T00:00:00Z')`;
      await sql`insert into order_summaries (creator_id, order_id, aggregate_id, status, last_version, last_event_at) values (${creatorId}, 'o1', 'order-o1', 'received', 1, now())`;
      await sql`insert into inventory_levels (creator_id, sku_id, aggregate_id, available, reserved, total, reorder_point, last_event_at, state)
                values (${creatorId}, 's1', 'inventory-s1', 1, 0, 1, 10, now(), '{}')`;
      await sql`insert into alerts (id, creator_id, kind, severity, subject, message, opened_at, last_occurred_at, source_event_id)
                values (gen_random_uuid(), ${creatorId}, 'low_stock', 'warning', 's1', 'low', now(), now(), gen_random_uuid())`;
      await sql`insert into product_names (creator_id, sku_id, product_name) values (${creatorId}, 's1', 'Glow Serum')`;
      await sql`insert into event_metrics_hourly (creator_id, bucket_start, event_type) values (${creatorId}, '2026-01-01T00:00:00Z', 'order.shipped')`;
      await sql`insert into realtime_outbox (creator_id) values (${creatorId})`;
    }
  }

  it("shows a creator its own rows only, an admin every row, and lets neither write", async () => {
    await seed();
    const countFor = (tx: Sql, table: string) => tx<{ count: number }[]>`select count(*)::int as count from ${tx(table)} where creator_id in (${mine}, ${theirs})`;
    for (const table of readModels) {
      const creatorSees = await asSignedInUser(sql, { role: "creator", creator_id: mine }, async (tx) => (await countFor(tx, table))[0].count);
      const adminSees = await asSignedInUser(sql, { role: "admin" }, async (tx) => (await countFor(tx, table))[0].count);
      expect({ table, creatorSees, adminSees }).toEqual({ table, creatorSees: 1, adminSees: 2 });
      const write = await asSignedInUser(sql, { role: "admin" }, (tx) => tx`delete from ${tx(table)} where creator_id = ${theirs}`.then(() => "deleted", (error: Error) => error.message));
      expect(write).toMatch(/permission denied/);
    }
  });
});
