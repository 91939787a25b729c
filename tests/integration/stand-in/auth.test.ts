// Auth of the local stand-in, driven by the real supabase-js client.
import { AuthApiError } from "@supabase/supabase-js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect, inject, it } from "vitest";
import { startSupabaseStandIn, writeLocalEnvFile } from "../../../supabase/local/stand-in/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { freePort, newClient, seedUser, startTestStandIn } from "./stand-in-harness.ts";

const sql = connectTestDatabase();
const standIn = await startTestStandIn({ refreshTokenReuseIntervalSeconds: 0 });

describe("password sign-in", () => {
  it("returns a session whose ES256 access token carries the role and creator id in app_metadata", async () => {
    const creatorId = newCreatorId();
    const user = await seedUser(sql, { role: "creator", creator_id: creatorId });
    const client = newClient(standIn);

    const { data, error } = await client.auth.signInWithPassword({ email: user.email, password: user.password });

    expect(error).toBeNull();
    expect(data.user?.id).toBe(user.id);
    expect(data.user?.app_metadata).toMatchObject({ role: "creator", creator_id: creatorId, provider: "email" });
    const header = decodeProtectedHeader(data.session!.access_token);
    expect(header).toMatchObject({ alg: "ES256", kid: standIn.jwks.keys[0].kid });
    expect(decodeJwt(data.session!.access_token)).toMatchObject({
      sub: user.id,
      aud: "authenticated",
      role: "authenticated",
      email: user.email,
      iss: `${standIn.url}/auth/v1`,
      app_metadata: { role: "creator", creator_id: creatorId },
      is_anonymous: false,
    });
  });

  it("rejects a wrong password with GoTrue's invalid_credentials error and echoes the API version", async () => {
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    const { data, error } = await newClient(standIn).auth.signInWithPassword({ email: user.email, password: "not-the-password" });

    expect(data.session).toBeNull();
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).toMatchObject({ status: 400, code: "invalid_credentials", message: "Invalid login credentials" });

    const response = await fetch(`${standIn.url}/auth/v1/token?grant_type=password`, {
      method: "POST",
      headers: { apikey: standIn.anonKey, "content-type": "application/json", "X-Supabase-Api-Version": "2024-01-01" },
      body: JSON.stringify({ email: user.email, password: "nope" }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-supabase-api-version")).toBe("2024-01-01");
    expect(await response.json()).toEqual({ code: "invalid_credentials", message: "Invalid login credentials" });
  });

  it("refuses requests without a known API key", async () => {
    const missing = await fetch(`${standIn.url}/auth/v1/user`);
    expect(missing.status).toBe(401);
    const wrong = await fetch(`${standIn.url}/auth/v1/user`, { headers: { apikey: "not-a-key" } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ message: "Invalid API key" });
  });
});

describe("CORS", () => {
  it("answers the browser's preflight and exposes the API version header", async () => {
    const preflight = await fetch(`${standIn.url}/auth/v1/token?grant_type=password`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-method": "POST", "access-control-request-headers": "apikey, content-type, x-supabase-api-version, x-client-info" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("apikey, content-type, x-supabase-api-version, x-client-info");

    const jwks = await fetch(`${standIn.url}/auth/v1/.well-known/jwks.json`, { headers: { origin: "http://localhost:3000" } });
    expect(jwks.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(jwks.headers.get("access-control-expose-headers")).toContain("X-Supabase-Api-Version");
  });
});

describe("getClaims", () => {
  it("verifies the access token through the JWKS without calling /user", async () => {
    const user = await seedUser(sql, { role: "admin", creator_id: null });
    const client = newClient(standIn);
    await client.auth.signInWithPassword({ email: user.email, password: user.password });
    const userCallsBefore = standIn.requestCount("GET", "/auth/v1/user");

    const first = await client.auth.getClaims();
    const second = await client.auth.getClaims();

    expect(first.error).toBeNull();
    expect(first.data?.claims).toMatchObject({ sub: user.id, app_metadata: { role: "admin" } });
    expect(second.data?.claims.sub).toBe(user.id);
    expect(standIn.requestCount("GET", "/auth/v1/user")).toBe(userCallsBefore);
    expect(standIn.requestCount("GET", "/auth/v1/.well-known/jwks.json")).toBeGreaterThanOrEqual(1);
  });

  it("rejects a token whose signature does not match the published key", async () => {
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    const client = newClient(standIn);
    const { data } = await client.auth.signInWithPassword({ email: user.email, password: user.password });
    const [header, payload] = data.session!.access_token.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(data.session!.access_token), app_metadata: { role: "admin" } })).toString("base64url");
    const forged = `${header}.${forgedPayload}.${data.session!.access_token.split(".")[2]}`;

    const result = await client.auth.getClaims(forged);

    expect(payload).not.toBe(forgedPayload);
    expect(result.data).toBeNull();
    expect(result.error?.message).toMatch(/Invalid JWT signature/);
  });
});

describe("refresh", () => {
  it("rotates the refresh token and keeps the session", async () => {
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    const client = newClient(standIn);
    const { data: signIn } = await client.auth.signInWithPassword({ email: user.email, password: user.password });

    const { data, error } = await client.auth.refreshSession();

    expect(error).toBeNull();
    expect(data.session?.refresh_token).not.toBe(signIn.session!.refresh_token);
    expect(decodeJwt(data.session!.access_token).session_id).toBe(decodeJwt(signIn.session!.access_token).session_id);
    const [stored] = await sql<{ revoked: boolean }[]>`select revoked from auth.refresh_tokens where token = ${signIn.session!.refresh_token}`;
    expect(stored.revoked).toBe(true);
  });

  it("rejects a rotated refresh token reused after the reuse window and revokes the whole session", async () => {
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    const client = newClient(standIn);
    const { data: signIn } = await client.auth.signInWithPassword({ email: user.email, password: user.password });
    const { data: refreshed } = await client.auth.refreshSession();

    const reuse = await newClient(standIn).auth.refreshSession({ refresh_token: signIn.session!.refresh_token });
    expect(reuse.error).toMatchObject({ status: 400, code: "refresh_token_already_used" });

    const familyAfterTheft = await newClient(standIn).auth.refreshSession({ refresh_token: refreshed.session!.refresh_token });
    expect(familyAfterTheft.error).toMatchObject({ code: "refresh_token_already_used" });
  });

  it("hands out the session's current token when a rotated one is reused inside the reuse window", async () => {
    const lenient = await startTestStandIn({ refreshTokenReuseIntervalSeconds: 3600 });
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    const client = newClient(lenient);
    const { data: signIn } = await client.auth.signInWithPassword({ email: user.email, password: user.password });
    const { data: refreshed } = await client.auth.refreshSession();

    const secondTab = await newClient(lenient).auth.refreshSession({ refresh_token: signIn.session!.refresh_token });

    expect(secondTab.error).toBeNull();
    expect(secondTab.data.session?.refresh_token).toBe(refreshed.session!.refresh_token);
  });

  it("answers refresh_token_not_found for a token it never issued", async () => {
    const { error } = await newClient(standIn).auth.refreshSession({ refresh_token: "never-issued" });
    expect(error).toMatchObject({ status: 400, code: "refresh_token_not_found" });
  });
});

describe("current user and sign-out", () => {
  it("returns the current user for a valid access token", async () => {
    const creatorId = newCreatorId();
    const user = await seedUser(sql, { role: "creator", creator_id: creatorId });
    const client = newClient(standIn);
    await client.auth.signInWithPassword({ email: user.email, password: user.password });

    const { data, error } = await client.auth.getUser();

    expect(error).toBeNull();
    expect(data.user).toMatchObject({ id: user.id, email: user.email, role: "authenticated", app_metadata: { creator_id: creatorId } });
  });

  it("ends the session: the old access token no longer finds it and the refresh token is gone", async () => {
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    const client = newClient(standIn);
    const { data } = await client.auth.signInWithPassword({ email: user.email, password: user.password });

    const { error } = await client.auth.signOut();

    expect(error).toBeNull();
    const afterSignOut = await newClient(standIn).auth.getUser(data.session!.access_token);
    expect(afterSignOut.error?.name).toBe("AuthSessionMissingError");
    const refresh = await newClient(standIn).auth.refreshSession({ refresh_token: data.session!.refresh_token });
    expect(refresh.error).toMatchObject({ code: "refresh_token_not_found" });
  });

  it("signs out only the other sessions with scope others", async () => {
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    const laptop = newClient(standIn);
    const phone = newClient(standIn);
    await laptop.auth.signInWithPassword({ email: user.email, password: user.password });
    const { data: phoneSession } = await phone.auth.signInWithPassword({ email: user.email, password: user.password });

    await laptop.auth.signOut({ scope: "others" });

    expect((await laptop.auth.getUser()).error).toBeNull();
    expect((await newClient(standIn).auth.getUser(phoneSession.session!.access_token)).error?.name).toBe("AuthSessionMissingError");
  });
});

describe("sign-up", () => {
  it("is refused unless enabled", async () => {
    const { error } = await newClient(standIn).auth.signUp({ email: `new-${newCreatorId()}@creatorflow.test`, password: "long-enough" });
    expect(error).toMatchObject({ status: 422, code: "signup_disabled" });
  });

  it("creates a confirmed user with a session when enabled", async () => {
    const open = await startTestStandIn({ signUpEnabled: true });
    const email = `new-${newCreatorId()}@creatorflow.test`;
    const client = newClient(open);

    const { data, error } = await client.auth.signUp({ email, password: "long-enough", options: { data: { display_name: "New" } } });

    expect(error).toBeNull();
    expect(data.session?.access_token).toBeTruthy();
    expect(data.user).toMatchObject({ email, user_metadata: { display_name: "New" } });
    const again = await newClient(open).auth.signUp({ email, password: "long-enough" });
    expect(again.error).toMatchObject({ code: "user_already_exists" });
    const weak = await newClient(open).auth.signUp({ email: `weak-${newCreatorId()}@creatorflow.test`, password: "123" });
    expect(weak.error).toMatchObject({ code: "weak_password" });
  });
});

describe("keys", () => {
  it("keeps the ES256 key, the anon key and the service-role key across restarts", async () => {
    const keysDir = mkdtempSync(path.join(os.tmpdir(), "stand-in-keys-"));
    try {
      const first = await startSupabaseStandIn({ databaseUrl: inject("databaseUrl"), port: await freePort(), keysDir, log: () => {} });
      await first.stop();
      const second = await startSupabaseStandIn({ databaseUrl: inject("databaseUrl"), port: await freePort(), keysDir, log: () => {} });
      await second.stop();

      expect(second.jwks).toEqual(first.jwks);
      expect(second.anonKey).toBe(first.anonKey);
      expect(decodeJwt(first.anonKey).role).toBe("anon");
      expect(decodeJwt(first.serviceRoleKey).role).toBe("service_role");
      expect(first.jwks.keys[0]).not.toHaveProperty("d");

      const envFile = path.join(keysDir, ".env.local");
      writeLocalEnvFile(envFile, first);
      const env = readFileSync(envFile, "utf8");
      expect(env).toContain(`NEXT_PUBLIC_SUPABASE_URL=${first.url}\n`);
      expect(env).toContain(`NEXT_PUBLIC_SUPABASE_ANON_KEY=${first.anonKey}\n`);
      expect(env).toContain(`SUPABASE_SERVICE_ROLE_KEY=${first.serviceRoleKey}\n`);
    } finally {
      rmSync(keysDir, { recursive: true, force: true });
    }
  });
});
