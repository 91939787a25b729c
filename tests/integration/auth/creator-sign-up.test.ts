// Self-service sign-up end to end: the real supabase-js client against the local stand-in,
// over the real migrations' insert trigger on auth.users. Every new account is a creator
// with a creator id of its own; nothing a sign-up sends makes it an admin.
import { decodeJwt } from "jose";
import type { Sql } from "postgres";
import { describe, expect, it } from "vitest";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { newClient, seedUser, signedInClient, startTestStandIn } from "../stand-in/stand-in-harness.ts";

const sql = connectTestDatabase();
const standIn = await startTestStandIn({ signUpEnabled: true });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const newEmail = (label: string) => `${label}-${newCreatorId()}@creatorflow.test`;
const PASSWORD = "a-long-enough-password";

class RollBack extends Error {}

/** Runs `work` in a transaction that is always rolled back; returns what it returned. */
async function rolledBack<T>(db: Sql, work: (tx: Sql) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await db
    .begin(async (tx) => {
      result = await work(tx as unknown as Sql);
      throw new RollBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RollBack)) throw error;
    });
  return result as T;
}

async function storedAppMetadata(email: string): Promise<Record<string, unknown>> {
  const [row] = await sql<{ raw_app_meta_data: Record<string, unknown> }[]>`
    select raw_app_meta_data from auth.users where email = ${email}`;
  return row.raw_app_meta_data;
}

describe("creator sign-up", () => {
  it("gives a new account the creator role and a fresh creator id, in the first token, the user and the stored row", async () => {
    const email = newEmail("new");

    const { data, error } = await newClient(standIn).auth.signUp({ email, password: PASSWORD });

    expect(error).toBeNull();
    const claims = decodeJwt(data.session!.access_token) as { app_metadata: { role: string; creator_id: string } };
    expect(claims.app_metadata).toMatchObject({ role: "creator", provider: "email" });
    expect(claims.app_metadata.creator_id).toMatch(UUID);
    expect(data.user?.app_metadata).toEqual(claims.app_metadata);
    expect(await storedAppMetadata(email)).toEqual(claims.app_metadata);

    const signedIn = await signedInClient(standIn, { email, password: PASSWORD });
    const { data: later } = await signedIn.auth.getClaims();
    expect(later?.claims.app_metadata).toMatchObject({ role: "creator", creator_id: claims.app_metadata.creator_id });
  });

  it("gives every account a creator id of its own", async () => {
    const first = await newClient(standIn).auth.signUp({ email: newEmail("first"), password: PASSWORD });
    const second = await newClient(standIn).auth.signUp({ email: newEmail("second"), password: PASSWORD });

    expect(first.data.user?.app_metadata.creator_id).toMatch(UUID);
    expect(second.data.user?.app_metadata.creator_id).toMatch(UUID);
    expect(first.data.user?.app_metadata.creator_id).not.toBe(second.data.user?.app_metadata.creator_id);
  });

  it("makes a creator of a sign-up that asks for admin in its user metadata, and RLS sees a creator", async () => {
    const othersShop = `signup-shop-${newCreatorId()}`;
    await sql`insert into public.tiktok_shops (shop_id, creator_id) values (${othersShop}, ${newCreatorId()})`;

    const { data, error } = await newClient(standIn).auth.signUp({
      email: newEmail("wants-admin"),
      password: PASSWORD,
      options: { data: { role: "admin", app_metadata: { role: "admin" } } },
    });

    expect(error).toBeNull();
    const claims = decodeJwt(data.session!.access_token) as Record<string, unknown>;
    expect(claims.app_metadata).toMatchObject({ role: "creator" });
    // What the person sent is kept where it is harmless: user_metadata, which nothing trusts.
    expect(claims.user_metadata).toMatchObject({ role: "admin" });
    const visible = await rolledBack(sql, async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
      return tx`select shop_id from public.tiktok_shops where shop_id = ${othersShop}`;
    });
    expect(visible).toHaveLength(0);
    const asAdmin = await rolledBack(sql, async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ ...claims, app_metadata: { role: "admin" } })}, true)`;
      return tx`select shop_id from public.tiktok_shops where shop_id = ${othersShop}`;
    });
    expect(asAdmin).toHaveLength(1);
  });

  it("ignores app_metadata in a crafted sign-up body, as GoTrue does", async () => {
    const email = newEmail("crafted");
    const someoneElse = newCreatorId();

    const response = await fetch(`${standIn.url}/auth/v1/signup`, {
      method: "POST",
      headers: { apikey: standIn.anonKey, "content-type": "application/json", "X-Supabase-Api-Version": "2024-01-01" },
      body: JSON.stringify({
        email,
        password: PASSWORD,
        data: {},
        app_metadata: { role: "admin", creator_id: someoneElse },
        raw_app_meta_data: { role: "admin", creator_id: someoneElse },
      }),
    });

    expect(response.status).toBe(200);
    const session = (await response.json()) as { access_token: string; user: { app_metadata: Record<string, unknown> } };
    expect(session.user.app_metadata).toMatchObject({ role: "creator" });
    expect(session.user.app_metadata.creator_id).not.toBe(someoneElse);
    expect(decodeJwt(session.access_token).app_metadata).toMatchObject({ role: "creator" });
    expect(await storedAppMetadata(email)).toMatchObject({ role: "creator", creator_id: session.user.app_metadata.creator_id });
  });

  it("refuses an email that already has an account, whatever its case, and leaves that account as it was", async () => {
    const email = newEmail("taken");
    const first = await newClient(standIn).auth.signUp({ email, password: PASSWORD });
    const before = await storedAppMetadata(email);

    const again = await newClient(standIn).auth.signUp({ email: email.toUpperCase(), password: "another-long-password" });

    expect(first.error).toBeNull();
    expect(again.error).toMatchObject({ status: 422, code: "user_already_exists" });
    expect(again.data.session).toBeNull();
    expect(await storedAppMetadata(email)).toEqual(before);
    const [{ accounts }] = await sql<{ accounts: number }[]>`select count(*)::int as accounts from auth.users where lower(email) = ${email}`;
    expect(accounts).toBe(1);
  });

  it("answers weak passwords and malformed emails with GoTrue's error codes", async () => {
    const weak = await newClient(standIn).auth.signUp({ email: newEmail("weak"), password: "12345" });
    expect(weak.error).toMatchObject({ status: 422, code: "weak_password" });
    const malformed = await newClient(standIn).auth.signUp({ email: "not-an-email", password: PASSWORD });
    expect(malformed.error).toMatchObject({ status: 400, code: "email_address_invalid" });
  });
});

describe("the auth.users insert trigger", () => {
  it("makes a creator with a fresh creator id of any plain insert, whatever app_metadata it carries", async () => {
    const someoneElse = newCreatorId();
    const stored = await rolledBack(sql, async (tx) => {
      const [row] = await tx<{ raw_app_meta_data: Record<string, unknown> }[]>`
        insert into auth.users (id, email, raw_app_meta_data)
        values (${crypto.randomUUID()}, ${newEmail("plain")},
                ${tx.json({ provider: "email", role: "admin", creator_id: someoneElse })})
        returning raw_app_meta_data`;
      return row.raw_app_meta_data;
    });

    expect(stored).toMatchObject({ provider: "email", role: "creator" });
    expect(stored.creator_id).toMatch(UUID);
    expect(stored.creator_id).not.toBe(someoneElse);
  });

  it("fires for an inserting role without EXECUTE on its function, as GoTrue's supabase_auth_admin inserts on hosted Supabase", async () => {
    const role = `auth_inserter_${newCreatorId().replaceAll("-", "")}`;
    const stored = await rolledBack(sql, async (tx) => {
      await tx.unsafe(`create role ${role} nologin`);
      await tx.unsafe(`grant usage on schema auth to ${role}; grant select, insert on auth.users to ${role}`);
      const [{ allowed }] = await tx<{ allowed: boolean }[]>`
        select has_function_privilege(${role}, 'public.assign_new_user_creator()', 'execute') as allowed`;
      expect(allowed).toBe(false);
      await tx.unsafe(`set local role ${role}`);
      const [row] = await tx<{ raw_app_meta_data: Record<string, unknown> }[]>`
        insert into auth.users (id, email, raw_app_meta_data)
        values (${crypto.randomUUID()}, ${newEmail("auth-admin")}, ${tx.json({ provider: "email", providers: ["email"] })})
        returning raw_app_meta_data`;
      return row.raw_app_meta_data;
    });

    expect(stored).toMatchObject({ provider: "email", role: "creator" });
    expect(stored.creator_id).toMatch(UUID);
  });

  it("leaves a later update of app_metadata alone: that is how an admin is made", async () => {
    const admin = await seedUser(sql, { role: "admin", creator_id: null });

    const client = await signedInClient(standIn, admin);
    const { data } = await client.auth.getClaims();

    expect(data?.claims.app_metadata).toMatchObject({ role: "admin", creator_id: null });
  });

  it("keeps the creator id seeding chose for a demo creator", async () => {
    const creatorId = newCreatorId();
    const creator = await seedUser(sql, { role: "creator", creator_id: creatorId });

    expect(await storedAppMetadata(creator.email)).toMatchObject({ role: "creator", creator_id: creatorId });
  });
});
