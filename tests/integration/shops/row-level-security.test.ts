// Tokens and connect states are never readable through the API roles, whatever a later
// grant says: RLS on, no policy. Shops stay visible to their own creator only.
import { describe, expect, it } from "vitest";
import { asSignedInUser, connectTestDatabase } from "../database.ts";

const sql = connectTestDatabase({ max: 2 });
const secretTables = ["tiktok_seller_credentials", "tiktok_oauth_states"] as const;

async function asRole<T>(role: "anon" | "authenticated", query: (tx: typeof sql) => Promise<T>): Promise<T | { error: string }> {
  try {
    return await sql.begin(async (tx) => {
      await tx`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${JSON.stringify({ role, app_metadata: { role: "admin" } })}, true)`;
      return query(tx as unknown as typeof sql);
    }) as T;
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}

describe("row level security of shop connections", () => {
  it.each(secretTables)("keeps %s behind RLS with no policy at all", async (table) => {
    const [row] = await sql<{ rls: boolean; policies: number }[]>`
      select c.relrowsecurity as rls, (select count(*)::int from pg_policies p where p.schemaname = 'public' and p.tablename = ${table}) as policies
        from pg_class c where c.oid = ${`public.${table}`}::regclass`;
    expect(row).toEqual({ rls: true, policies: 0 });
  });

  it.each(secretTables)("refuses anon and authenticated (even an admin's token) any read of %s", async (table) => {
    await sql`insert into public.tiktok_oauth_states (state_hash, user_id, creator_id, created_at, expires_at)
              values (${crypto.randomUUID()}, ${crypto.randomUUID()}, ${crypto.randomUUID()}, now(), now() + interval '10 minutes')`;
    for (const role of ["anon", "authenticated"] as const) {
      expect(await asRole(role, (tx) => tx`select * from ${tx(`public.${table}`)}`)).toEqual({ error: "42501" });
    }
  });

  it("even with a grant, a signed-in user reads no row of them (RLS without policies)", async () => {
    const outcome = await sql
      .begin(async (tx) => {
        await tx`insert into public.tiktok_seller_credentials (seller_open_id, creator_id, access_token_sealed, access_token_expires_at, refresh_token_sealed, refresh_token_expires_at, authorized_at)
                 values ('rls-granted-seller', ${crypto.randomUUID()}, 'v1.x', now(), 'v1.y', now(), now())`;
        await tx`grant select on public.tiktok_seller_credentials to authenticated`;
        await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ role: "authenticated", app_metadata: { role: "admin" } })}, true)`;
        const seen = await tx`select seller_open_id from public.tiktok_seller_credentials where seller_open_id = 'rls-granted-seller'`;
        // Rolls back the row and the grant.
        throw Object.assign(new Error("rollback"), { seen });
      })
      .catch((error: { seen?: unknown[] }) => error.seen);
    expect(outcome).toEqual([]);
  });

  it("shows a creator its own shops and not another creator's", async () => {
    const mine = crypto.randomUUID();
    const theirs = crypto.randomUUID();
    await sql`insert into public.tiktok_shops (shop_id, creator_id, shop_name, seller_open_id) values
              (${`rls-${mine.slice(0, 8)}`}, ${mine}, 'Mine', 'rls-seller'), (${`rls-${theirs.slice(0, 8)}`}, ${theirs}, 'Theirs', 'rls-seller')`;
    const seen = await asSignedInUser(sql, { role: "creator", creator_id: mine }, (tx) => tx<{ shop_name: string }[]>`select shop_name from public.tiktok_shops where seller_open_id = 'rls-seller'`);
    expect(seen).toEqual([{ shop_name: "Mine" }]);
  });
});
