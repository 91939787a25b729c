// The stand-in Auth's ways to a session, as GoTrue's token and signup endpoints: the
// password grant (with the sign-in guard's verification hook), the rotating refresh-token
// grant (reuse inside the interval hands out the current token; outside it revokes the
// family), and sign-up.
import { randomUUID } from "node:crypto";
import bcrypt from "bcryptjs";
import type postgres from "postgres";
import type { Sql } from "postgres";
import { AuthApiError, invalidCredentials, newRefreshToken, sessionJson, startSession, userById, type SessionTokenOptions, type UserRow } from "./auth-users.ts";
import { passwordMatches, runPasswordVerificationHook, type SignInGuardSettings } from "./sign-in-guard.ts";

const BCRYPT_COST = 10;
const MIN_PASSWORD_LENGTH = 6;

export interface GrantOptions extends SessionTokenOptions {
  sql: Sql;
  signUpEnabled: boolean;
  /** GoTrue's REFRESH_TOKEN_REUSE_INTERVAL: a just-rotated token still works this long (concurrent tabs). */
  refreshTokenReuseIntervalSeconds: number;
  signInGuard: SignInGuardSettings;
}

export async function passwordGrant(options: GrantOptions, body: Record<string, unknown>) {
  const { sql } = options;
  const { email, password } = body;
  if (typeof email !== "string" || typeof password !== "string" || email.length === 0) {
    throw new AuthApiError(400, "validation_failed", "missing email or phone");
  }
  const [user] = await sql<UserRow[]>`select * from auth.users where email = ${email.trim().toLowerCase()}`;
  const valid = await passwordMatches(password, user?.encrypted_password);
  if (!user) throw invalidCredentials();
  const hook = options.signInGuard.passwordVerificationHook;
  const rejection = hook ? await runPasswordVerificationHook(sql, hook, user.id, valid) : undefined;
  if (rejection) throw new AuthApiError(400, "invalid_credentials", rejection);
  if (!valid) throw invalidCredentials();
  if (!user.email_confirmed_at) throw new AuthApiError(400, "email_not_confirmed", "Email not confirmed");
  const { sessionId, refreshToken } = await sql.begin((tx) => startSession(tx, user));
  const signedIn = (await userById(sql, user.id)) ?? user;
  return sessionJson(options, signedIn, sessionId, refreshToken);
}

export async function refreshTokenGrant(options: GrantOptions, body: Record<string, unknown>) {
  const { sql } = options;
  const presented = body.refresh_token;
  if (typeof presented !== "string" || presented.length === 0) {
    throw new AuthApiError(400, "validation_failed", "refresh_token required");
  }
  const outcome = await sql.begin(async (tx) => {
    const [token] = await tx<{ user_id: string; session_id: string; revoked: boolean; revoked_seconds_ago: number }[]>`
      select user_id, session_id, revoked, extract(epoch from now() - updated_at)::float8 as revoked_seconds_ago
      from auth.refresh_tokens where token = ${presented} for update`;
    if (!token) throw new AuthApiError(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
    const user = await userById(tx, token.user_id);
    if (!user) throw new AuthApiError(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");

    if (token.revoked) {
      if (token.revoked_seconds_ago <= options.refreshTokenReuseIntervalSeconds) {
        // A second tab refreshed with the same token moments ago: hand out the session's current token.
        const [active] = await tx<{ token: string }[]>`
          select token from auth.refresh_tokens
          where session_id = ${token.session_id} and revoked = false order by id desc limit 1`;
        if (active) return { user, sessionId: token.session_id, refreshToken: active.token };
      }
      // Reuse of a rotated token outside the window looks like theft: revoke the whole family.
      await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = ${token.session_id}`;
      return { reused: true as const };
    }

    const refreshToken = newRefreshToken();
    await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where token = ${presented}`;
    await tx`insert into auth.refresh_tokens (token, user_id, session_id, parent)
             values (${refreshToken}, ${user.id}, ${token.session_id}, ${presented})`;
    await tx`update auth.sessions set refreshed_at = now() at time zone 'utc', updated_at = now() where id = ${token.session_id}`;
    return { user, sessionId: token.session_id, refreshToken };
  });
  if ("reused" in outcome) throw new AuthApiError(400, "refresh_token_already_used", "Invalid Refresh Token: Already Used");
  return sessionJson(options, outcome.user, outcome.sessionId, outcome.refreshToken);
}

export async function signUp(options: GrantOptions, body: Record<string, unknown>) {
  const { sql } = options;
  if (!options.signUpEnabled) throw new AuthApiError(422, "signup_disabled", "Signups not allowed for this instance");
  const { email, password, data } = body;
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new AuthApiError(400, "email_address_invalid", "Unable to validate email address: invalid format");
  }
  if (typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH) {
    throw new AuthApiError(422, "weak_password", `Password should be at least ${MIN_PASSWORD_LENGTH} characters.`, {
      weak_password: { reasons: ["length"] },
    });
  }
  const userMetadata = data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  const hash = await bcrypt.hash(password, BCRYPT_COST);
  // As GoTrue: only `data` is taken (as user_metadata); app_metadata is never read from the
  // body. The insert trigger of auth.users assigns the creator, and RETURNING gives the row
  // as the trigger left it, so the first token already carries the creator id.
  const result = await sql.begin(async (tx) => {
    const [user] = await tx<UserRow[]>`
      insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                              raw_app_meta_data, raw_user_meta_data)
      values ('00000000-0000-0000-0000-000000000000', ${randomUUID()}, 'authenticated', 'authenticated',
              ${email.trim().toLowerCase()}, ${hash}, now(),
              ${tx.json({ provider: "email", providers: ["email"] })}, ${tx.json(userMetadata as postgres.JSONValue)})
      on conflict (email) do nothing
      returning *`;
    if (!user) throw new AuthApiError(422, "user_already_exists", "User already registered");
    return { user, ...(await startSession(tx, user)) };
  });
  return sessionJson(options, result.user, result.sessionId, result.refreshToken);
}
