// Bounded growth: the hourly retention job deletes what is past its period and keeps what
// correctness still needs (recent dedupe keys, deliveries that need attention, pending dead
// letters). Old rows are made by moving their timestamps back, on the shared test database.
import { describe, expect, it } from "vitest";
import { connectTestDatabase, newCreatorId } from "../database.ts";

const sql = connectTestDatabase();

async function inboxRow(ageDays: number, status: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into public.webhook_inbox (dedupe_key, raw_body, status, received_at)
    values (${`retention-${crypto.randomUUID()}`}, '\\x7b7d'::bytea, ${status}, now() - make_interval(days => ${ageDays}))
    returning id`;
  return row.id;
}

async function deadLetter(status: "pending" | "retried" | "discarded", resolvedDaysAgo: number | null): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into public.dead_letters (consumer, event_id, event_position, event_type, creator_id, event, error, attempts, status, resolved_at)
    values ('retention-test', gen_random_uuid(), 1, 'inventory.stock_updated', ${newCreatorId()}, '{}'::jsonb, 'boom', 5, ${status},
            case when ${resolvedDaysAgo}::int is null then null else now() - make_interval(days => ${resolvedDaysAgo}::int) end)
    returning id`;
  return row.id;
}

async function remaining(table: "webhook_inbox" | "dead_letters", ids: string[]): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`select id from ${sql(`public.${table}`)} where id in ${sql(ids)}`;
  return rows.map((row) => row.id).sort();
}

describe("prune_retained_data", () => {
  it("keeps a month of webhook deliveries (three for those needing attention) and drops older ones", async () => {
    const recent = await inboxRow(29, "processed");
    const old = await inboxRow(31, "processed");
    const attentionRecent = await inboxRow(60, "unprocessable");
    const attentionOld = await inboxRow(91, "unlinked_shop");

    await sql`select * from public.prune_retained_data()`;

    expect(await remaining("webhook_inbox", [recent, old, attentionRecent, attentionOld])).toEqual([recent, attentionRecent].sort());
  });

  it("drops idempotency keys after 30 days and attempt logs after 14", async () => {
    const creatorId = newCreatorId();
    await sql`insert into public.idempotency_keys (creator_id, key, aggregate_id, created_at) values
      (${creatorId}, 'recent', 'order-1', now() - interval '29 days'), (${creatorId}, 'old', 'order-1', now() - interval '31 days')`;
    const eventId = crypto.randomUUID();
    await sql`insert into public.consumer_attempt_log (consumer, event_id, attempt, outcome, recorded_at) values
      ('retention-test', ${eventId}, 1, 'failed', now() - interval '15 days'), ('retention-test', ${eventId}, 2, 'succeeded', now() - interval '13 days')`;

    await sql`select * from public.prune_retained_data()`;

    expect((await sql`select key from public.idempotency_keys where creator_id = ${creatorId}`).map((row) => row.key)).toEqual(["recent"]);
    expect((await sql`select attempt from public.consumer_attempt_log where event_id = ${eventId}`).map((row) => row.attempt)).toEqual([2]);
  });

  it("keeps pending dead letters whatever their age and drops resolved ones a month after resolution", async () => {
    const pending = await deadLetter("pending", null);
    const resolvedRecently = await deadLetter("retried", 10);
    const resolvedLongAgo = await deadLetter("discarded", 31);

    const report = await sql<{ table_name: string; deleted: string }[]>`select * from public.prune_retained_data()`;

    expect(await remaining("dead_letters", [pending, resolvedRecently, resolvedLongAgo])).toEqual([pending, resolvedRecently].sort());
    expect(report.map((row) => row.table_name)).toEqual(["webhook_inbox", "idempotency_keys", "consumer_attempt_log", "dead_letters", "password_sign_in_failures"]);
    expect(Number(report.find((row) => row.table_name === "dead_letters")!.deleted)).toBe(1);
  });

  it("deletes in batches until nothing old is left", async () => {
    const old = await Promise.all(Array.from({ length: 5 }, () => inboxRow(40, "ignored")));

    await sql`select * from public.prune_retained_data(2)`;

    expect(await remaining("webhook_inbox", old)).toEqual([]);
  });

  it("is scheduled hourly, and the local stand-ins' own housekeeping too", async () => {
    const jobs = await sql<{ jobname: string; schedule: string; command: string }[]>`
      select jobname, schedule, command from cron.job where jobname in ('prune-retained-data', 'prune-local-stand-in') order by jobname`;
    expect(jobs).toEqual([
      { jobname: "prune-local-stand-in", schedule: "41 * * * *", command: " select auth.prune_local_stand_in() " },
      { jobname: "prune-retained-data", schedule: "37 * * * *", command: " select public.prune_retained_data() " },
    ]);
  });

  it("prunes the local Realtime stand-in's delivered messages after a day", async () => {
    const topic = `retention:${crypto.randomUUID()}`;
    await sql`insert into realtime.messages (topic, extension, event, inserted_at) values
      (${topic}, 'broadcast', 'recent', now() at time zone 'utc' - interval '23 hours'),
      (${topic}, 'broadcast', 'old', now() at time zone 'utc' - interval '25 hours')`;

    await sql`select auth.prune_local_stand_in()`;

    expect((await sql`select event from realtime.messages where topic = ${topic}`).map((row) => row.event)).toEqual(["recent"]);
  });
});
