// Brute-force protection of password sign-in, as hosted Auth arranges it: a per-IP limit, the
// project's Password Verification Attempt hook (a Postgres function from the migrations) and a
// check that costs the same for an email with no account. Driven by the real supabase-js client.
import path from "node:path";
import bcrypt from "bcryptjs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { repoRoot } from "../../../supabase/local/postgres.ts";
import { signInGuardSettingsFrom } from "../../../supabase/local/stand-in/sign-in-guard.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { newClient, seedUser, startTestStandIn } from "./stand-in-harness.ts";

const sql = connectTestDatabase();
const standIn = await startTestStandIn();
const limitedStandIn = await startTestStandIn({ signInGuard: { signInsPerIpPer5Minutes: 3 } });

afterEach(() => vi.restoreAllMocks());

async function signIn(email: string, password: string, target = standIn) {
  const { data, error } = await newClient(target).auth.signInWithPassword({ email, password });
  return { signedIn: data.session !== null, status: error?.status, code: error?.code, message: error?.message };
}

describe("settings from supabase/config.toml", () => {
  it("reads hosted Auth's per-IP limit and the enabled hook", () => {
    expect(signInGuardSettingsFrom(path.join(repoRoot, "supabase", "config.toml"))).toEqual({
      signInsPerIpPer5Minutes: 30,
      passwordVerificationHook: { schema: "public", name: "hook_password_verification_attempt" },
    });
  });
});

describe("per-IP limit", () => {
  it("answers 429 over_request_rate_limit once an address has spent its sign-ins", async () => {
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    const attempts = [];
    for (let attempt = 0; attempt < 4; attempt++) attempts.push(await signIn(user.email, user.password, limitedStandIn));

    expect(attempts.slice(0, 3).map((outcome) => outcome.signedIn)).toEqual([true, true, true]);
    expect(attempts[3]).toEqual({ signedIn: false, status: 429, code: "over_request_rate_limit", message: "Request rate limit reached" });
  });
});

describe("per-account lockout (the password verification hook)", () => {
  it("refuses even the right password after five failures, leaves other accounts alone, and lifts after 15 minutes", async () => {
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    const neighbour = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(await signIn(user.email, `wrong-${attempt}`)).toMatchObject({ status: 400, code: "invalid_credentials", message: "Invalid login credentials" });
    }

    expect(await signIn(user.email, user.password)).toEqual({
      signedIn: false,
      status: 400,
      code: "invalid_credentials",
      message: "Too many failed sign-ins. Wait 15 minutes, then try again.",
    });
    expect((await signIn(neighbour.email, neighbour.password)).signedIn).toBe(true);

    await sql`update public.password_sign_in_failures set first_failed_at = now() - interval '16 minutes' where user_id = ${user.id}`;
    expect((await signIn(user.email, user.password)).signedIn).toBe(true);
    expect(await sql`select 1 from public.password_sign_in_failures where user_id = ${user.id}`).toHaveLength(0);
  });

  it("forgets earlier failures after a successful sign-in", async () => {
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    for (let attempt = 0; attempt < 4; attempt++) await signIn(user.email, "wrong");
    expect((await signIn(user.email, user.password)).signedIn).toBe(true);
    for (let attempt = 0; attempt < 4; attempt++) await signIn(user.email, "wrong");

    expect((await signIn(user.email, user.password)).signedIn).toBe(true);
  });
});

describe("an email without an account", () => {
  it("gets the same answer after the same bcrypt work as a wrong password", async () => {
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    const compare = vi.spyOn(bcrypt, "compare");

    const existing = await signIn(user.email, "wrong");
    const comparesForExisting = compare.mock.calls.length;
    const absent = await signIn(`nobody-${newCreatorId()}@example.com`, "wrong");

    expect(absent).toEqual(existing);
    expect(comparesForExisting).toBe(1);
    expect(compare.mock.calls.length - comparesForExisting).toBe(1);
  });
});
