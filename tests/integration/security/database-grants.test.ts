// The database's own walls, as the anon and authenticated roles see them: which objects they
// may touch at all, and what a signed-in creator can see of realtime.messages.
import { describe, expect, it } from "vitest";
import { asSignedInUser, connectTestDatabase, newCreatorId } from "../database.ts";

const sql = connectTestDatabase();
class ProbeRolledBack extends Error {}
const API_ROLES = ["anon", "authenticated"];
// Functions RLS policies call as the signed-in user; nothing else in public is theirs to run.
const FUNCTIONS_API_ROLES_MAY_RUN = ["requesting_creator_id()"];

describe("grants to the API roles", () => {
  it("gives anon and authenticated nothing on any sequence, so event positions cannot be rewritten", async () => {
    const granted = await sql<{ sequence: string; role: string }[]>`
      select c.relname as sequence, r.rolname as role
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      cross join lateral aclexplode(coalesce(c.relacl, acldefault('S', c.relowner))) privilege
      join pg_roles r on r.oid = privilege.grantee
      where n.nspname = 'public' and c.relkind = 'S' and r.rolname in ${sql(API_ROLES)}`;
    expect(granted).toEqual([]);

    const setval = asSignedInUser(sql, { creator_id: newCreatorId() }, (tx) => tx`select setval('public.event_store_position_seq', 1)`);
    await expect(setval).rejects.toThrow(/permission denied for sequence event_store_position_seq/);
  });

  it("gives anon nothing at all in public and authenticated at most SELECT on tables", async () => {
    const granted = await sql<{ object: string; role: string; privilege: string }[]>`
      select c.relname as object, r.rolname as role, privilege.privilege_type as privilege
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      cross join lateral aclexplode(c.relacl) privilege
      join pg_roles r on r.oid = privilege.grantee
      where n.nspname = 'public' and r.rolname in ${sql(API_ROLES)}
        and (r.rolname = 'anon' or privilege.privilege_type <> 'SELECT')`;
    expect(granted).toEqual([]);
  });

  it("lets the API roles run only the functions RLS policies call", async () => {
    const runnable = await sql<{ fn: string }[]>`
      select distinct p.oid::regprocedure::text as fn
      from pg_proc p
      join pg_namespace n on n.oid = p.pronamespace
      cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) privilege
      where n.nspname = 'public'
        and (privilege.grantee = 0 or privilege.grantee in (select oid from pg_roles where rolname in ${sql(API_ROLES)}))
      order by 1`;
    expect(runnable.map((row) => row.fn)).toEqual(FUNCTIONS_API_ROLES_MAY_RUN);
  });

  it("grants nothing to the API roles on a table or sequence a later migration creates", async () => {
    let granted: { object: string; role: string }[] = [];
    // Created and inspected in a transaction that always rolls back, so the schema stays as migrated.
    await sql
      .begin(async (tx) => {
        await tx`create table public.grants_probe (id bigserial primary key)`;
        granted = await tx<{ object: string; role: string }[]>`
          select c.relname as object, r.rolname as role
          from pg_class c
          cross join lateral aclexplode(c.relacl) privilege
          join pg_roles r on r.oid = privilege.grantee
          where c.relname in ('grants_probe', 'grants_probe_id_seq') and r.rolname in ${tx(API_ROLES)}`;
        throw new ProbeRolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof ProbeRolledBack)) throw error;
      });
    expect(granted).toEqual([]);
  });
});

describe("realtime.messages as a signed-in creator", () => {
  async function sendAsOwner(topic: string, event: string): Promise<void> {
    await sql`select realtime.send(${sql.json({ probe: event })}, ${event}, ${topic}, true)`;
  }

  it("shows a creator only rows of its own topic, even with its own topic set", async () => {
    const creatorId = newCreatorId();
    const otherCreatorId = newCreatorId();
    const marker = `grants-${crypto.randomUUID()}`;
    await sendAsOwner(`creator:${creatorId}`, `${marker}-own`);
    await sendAsOwner(`creator:${otherCreatorId}`, `${marker}-other`);

    const visible = await asSignedInUser(sql, { creator_id: creatorId }, async (tx) => {
      await tx`select set_config('realtime.topic', ${`creator:${creatorId}`}, true)`;
      return tx<{ event: string }[]>`select event from realtime.messages where event like ${`${marker}%`} order by event`;
    });

    expect(visible.map((row) => row.event)).toEqual([`${marker}-own`]);
  });

  it("lets no creator insert into realtime.messages, not even into its own topic", async () => {
    const creatorId = newCreatorId();
    const attempt = asSignedInUser(sql, { creator_id: creatorId }, async (tx) => {
      await tx`select set_config('realtime.topic', ${`creator:${creatorId}`}, true)`;
      await tx`insert into realtime.messages (topic, extension, payload, event, private)
               values (${`creator:${creatorId}`}, 'broadcast', '{"revenue": 1}'::jsonb, 'dashboard_delta', true)`;
    });
    await expect(attempt).rejects.toThrow(/row-level security/);
  });
});

describe("the local Realtime stand-in's trigger", () => {
  it("runs as definer with its search_path pinned", async () => {
    const [fn] = await sql<{ definer: boolean; config: string[] | null }[]>`
      select prosecdef as definer, proconfig as config
      from pg_proc where oid = 'realtime.notify_message_inserted()'::regprocedure`;
    expect(fn).toEqual({ definer: true, config: ['search_path=""'] });
  });
});
