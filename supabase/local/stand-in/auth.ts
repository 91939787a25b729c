// GoTrue-compatible Auth for the local stand-in: password sign-in, rotating refresh
// tokens kept in Postgres, current user, logout scopes, optional sign-up and the JWKS.
// Shapes and error codes follow supabase/auth (internal/api) so auth-js behaves as it
// does against hosted Supabase.
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import bcrypt from "bcryptjs";
import type postgres from "postgres";
import type { Sql, TransactionSql } from "postgres";
import { apiKeyOf, bearerToken, BodyTooLargeError, parseJson, readBody, sendEmpty, sendJson } from "./http-io.ts";
import { createIpRateLimiter, passwordMatches, runPasswordVerificationHook, type SignInGuardSettings } from "./sign-in-guard.ts";
import { JwtRejectedError, type SigningKeys, type VerifiedClaims } from "./signing-keys.ts";

const API_VERSION_HEADER = "x-supabase-api-version";
const BCRYPT_COST = 10;
const MAX_AUTH_BODY_BYTES = 64 * 1024;
const MIN_PASSWORD_LENGTH = 6;

export interface AuthOptions {
  sql: Sql;
  keys: SigningKeys;
  /** `iss` of access tokens: `<url>/auth/v1`, as GoTrue's API_EXTERNAL_URL. */
  issuer: string;
  signUpEnabled: boolean;
  accessTokenLifetimeSeconds: number;
  /** GoTrue's REFRESH_TOKEN_REUSE_INTERVAL: a just-rotated token still works this long (concurrent tabs). */
  refreshTokenReuseIntervalSeconds: number;
  signInGuard: SignInGuardSettings;
}

interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown>;
  raw_user_meta_data: Record<string, unknown>;
  is_anonymous: boolean;
  created_at: Date;
  updated_at: Date;
}

class AuthApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const invalidCredentials = () => new AuthApiError(400, "invalid_credentials", "Invalid login credentials");

export function createAuthHandler(options: AuthOptions) {
  const { sql, keys } = options;
  const signInsPerIp = createIpRateLimiter(options.signInGuard.signInsPerIpPer5Minutes);

  function userJson(user: UserRow) {
    const iso = (value: Date | null) => (value ? value.toISOString() : null);
    return {
      id: user.id,
      aud: user.aud ?? "authenticated",
      role: user.role ?? "authenticated",
      email: user.email,
      email_confirmed_at: iso(user.email_confirmed_at),
      phone: "",
      confirmed_at: iso(user.email_confirmed_at),
      last_sign_in_at: iso(user.last_sign_in_at),
      app_metadata: user.raw_app_meta_data,
      user_metadata: user.raw_user_meta_data,
      identities: [
        {
          identity_id: user.id,
          id: user.id,
          user_id: user.id,
          identity_data: { email: user.email, email_verified: user.email_confirmed_at !== null, sub: user.id },
          provider: "email",
          last_sign_in_at: iso(user.last_sign_in_at),
          created_at: iso(user.created_at),
          updated_at: iso(user.updated_at),
          email: user.email,
        },
      ],
      created_at: iso(user.created_at),
      updated_at: iso(user.updated_at),
      is_anonymous: user.is_anonymous,
    };
  }

  async function sessionJson(user: UserRow, sessionId: string, refreshToken: string) {
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await keys.sign(
      {
        iss: options.issuer,
        sub: user.id,
        aud: user.aud ?? "authenticated",
        email: user.email,
        phone: "",
        app_metadata: user.raw_app_meta_data,
        user_metadata: user.raw_user_meta_data,
        role: user.role ?? "authenticated",
        aal: "aal1",
        amr: [{ method: "password", timestamp: now }],
        session_id: sessionId,
        is_anonymous: user.is_anonymous,
      },
      options.accessTokenLifetimeSeconds,
    );
    return {
      access_token: accessToken,
      token_type: "bearer",
      expires_in: options.accessTokenLifetimeSeconds,
      expires_at: now + options.accessTokenLifetimeSeconds,
      refresh_token: refreshToken,
      user: userJson(user),
    };
  }

  async function startSession(tx: TransactionSql, user: UserRow): Promise<{ sessionId: string; refreshToken: string }> {
    const sessionId = randomUUID();
    const refreshToken = newRefreshToken();
    await tx`insert into auth.sessions (id, user_id) values (${sessionId}, ${user.id})`;
    await tx`insert into auth.refresh_tokens (token, user_id, session_id) values (${refreshToken}, ${user.id}, ${sessionId})`;
    await tx`update auth.users set last_sign_in_at = now() where id = ${user.id}`;
    return { sessionId, refreshToken };
  }

  async function userById(db: Sql | TransactionSql, id: string): Promise<UserRow | undefined> {
    const [user] = await db<UserRow[]>`select * from auth.users where id = ${id}`;
    return user;
  }

  function admitSignIn(request: IncomingMessage): void {
    if (!signInsPerIp.admit(request.socket.remoteAddress ?? "unknown")) {
      throw new AuthApiError(429, "over_request_rate_limit", "Request rate limit reached");
    }
  }

  async function passwordGrant(body: Record<string, unknown>) {
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
    return sessionJson(signedIn, sessionId, refreshToken);
  }

  async function refreshTokenGrant(body: Record<string, unknown>) {
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
    return sessionJson(outcome.user, outcome.sessionId, outcome.refreshToken);
  }

  async function signUp(body: Record<string, unknown>) {
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
    return sessionJson(result.user, result.sessionId, result.refreshToken);
  }

  async function claimsOfUserToken(request: IncomingMessage): Promise<VerifiedClaims & { sub: string }> {
    const token = bearerToken(request);
    if (!token) throw new AuthApiError(401, "no_authorization", "This endpoint requires a valid Bearer token");
    let claims: VerifiedClaims;
    try {
      claims = await keys.verify(token);
    } catch (error) {
      const reason = error instanceof JwtRejectedError && error.reason === "expired" ? "token is expired" : "unable to parse or verify signature";
      throw new AuthApiError(403, "bad_jwt", `invalid JWT: unable to parse or verify signature, ${reason}`);
    }
    if (typeof claims.sub !== "string" || claims.sub.length === 0) {
      throw new AuthApiError(403, "bad_jwt", "invalid claim: missing sub claim");
    }
    return claims as VerifiedClaims & { sub: string };
  }

  async function currentUser(request: IncomingMessage) {
    const claims = await claimsOfUserToken(request);
    if (typeof claims.session_id === "string") {
      const [session] = await sql`select 1 from auth.sessions where id = ${claims.session_id}`;
      if (!session) throw new AuthApiError(403, "session_not_found", "Session from session_id claim in JWT does not exist");
    }
    const user = await userById(sql, claims.sub);
    if (!user) throw new AuthApiError(403, "user_not_found", "User from sub claim in JWT does not exist");
    return userJson(user);
  }

  async function logout(request: IncomingMessage, scope: string) {
    const claims = await claimsOfUserToken(request);
    const sessionId = typeof claims.session_id === "string" ? claims.session_id : null;
    switch (scope) {
      case "global":
        await sql`delete from auth.sessions where user_id = ${claims.sub}`;
        return;
      case "local":
        if (sessionId) await sql`delete from auth.sessions where id = ${sessionId}`;
        return;
      case "others":
        await sql`delete from auth.sessions where user_id = ${claims.sub} and id is distinct from ${sessionId}`;
        return;
      default:
        throw new AuthApiError(400, "validation_failed", `Unsupported logout scope "${scope}"`);
    }
  }

  function requireApiKey(request: IncomingMessage, url: URL): void {
    const apiKey = apiKeyOf(request, url);
    if (!apiKey) {
      throw new AuthApiError(401, "no_api_key", "No API key found in request", {
        hint: "No `apikey` request header or url param was found.",
      });
    }
    if (apiKey !== keys.anonKey && apiKey !== keys.serviceRoleKey) {
      throw new AuthApiError(401, "invalid_api_key", "Invalid API key", {
        hint: "Double check your Supabase `anon` or `service_role` API key.",
      });
    }
  }

  async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
    const parsed = parseJson(await readBody(request, MAX_AUTH_BODY_BYTES));
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new AuthApiError(400, "bad_json", "Could not parse request body as JSON");
    }
    return parsed as Record<string, unknown>;
  }

  /** Handles `/auth/v1<subPath>`; `headers` already carry CORS. */
  return async function handleAuthRequest(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    subPath: string,
    headers: Record<string, string>,
  ): Promise<void> {
    const requestedVersion = request.headers[API_VERSION_HEADER];
    const versioned = typeof requestedVersion === "string" && /^\d{4}-\d{2}-\d{2}$/.test(requestedVersion);
    const responseHeaders = versioned ? { ...headers, "X-Supabase-Api-Version": "2024-01-01" } : headers;
    const method = request.method ?? "GET";
    try {
      if (method === "GET" && subPath === "/.well-known/jwks.json") {
        sendJson(response, 200, keys.jwks, { ...responseHeaders, "cache-control": "public, max-age=600" });
        return;
      }
      if (method === "GET" && subPath === "/health") {
        sendJson(response, 200, { version: "local-stand-in", name: "GoTrue", description: "GoTrue-compatible local stand-in" }, responseHeaders);
        return;
      }
      requireApiKey(request, url);
      if (method === "GET" && subPath === "/settings") {
        sendJson(
          response,
          200,
          { external: { email: true, phone: false }, disable_signup: !options.signUpEnabled, mailer_autoconfirm: true, phone_autoconfirm: false, sms_provider: "" },
          responseHeaders,
        );
        return;
      }
      if (method === "POST" && subPath === "/token") {
        const grantType = url.searchParams.get("grant_type");
        if (grantType === "password") admitSignIn(request);
        const body = await readJsonObject(request);
        if (grantType === "password") return sendJson(response, 200, await passwordGrant(body), responseHeaders);
        if (grantType === "refresh_token") return sendJson(response, 200, await refreshTokenGrant(body), responseHeaders);
        throw new AuthApiError(400, "unsupported_grant_type", "unsupported_grant_type");
      }
      if (method === "POST" && subPath === "/signup") {
        admitSignIn(request);
        return sendJson(response, 200, await signUp(await readJsonObject(request)), responseHeaders);
      }
      if (method === "GET" && subPath === "/user") {
        return sendJson(response, 200, await currentUser(request), responseHeaders);
      }
      if (method === "POST" && subPath === "/logout") {
        await logout(request, url.searchParams.get("scope") ?? "global");
        return sendEmpty(response, 204, responseHeaders);
      }
      throw new AuthApiError(404, "not_found", "Not Found");
    } catch (error) {
      const apiError =
        error instanceof AuthApiError
          ? error
          : error instanceof BodyTooLargeError
            ? new AuthApiError(413, "request_too_large", "Request body too large")
            : undefined;
      if (!apiError) {
        console.error("[stand-in auth] unexpected error", error);
        sendJson(response, 500, versioned ? { code: "unexpected_failure", message: "Unexpected failure" } : { code: 500, msg: "Unexpected failure" }, responseHeaders);
        return;
      }
      // API-key failures come from the API gateway in front of GoTrue, which has its own shape.
      const fromGateway = apiError.code === "no_api_key" || apiError.code === "invalid_api_key";
      const body = fromGateway
        ? { message: apiError.message, ...apiError.extra }
        : versioned
        ? { code: apiError.code, message: apiError.message, ...apiError.extra }
        : { code: apiError.status, error_code: apiError.code, msg: apiError.message, ...apiError.extra };
      sendJson(response, apiError.status, body, responseHeaders);
    }
  };
}

function newRefreshToken(): string {
  return randomBytes(18).toString("base64url");
}
