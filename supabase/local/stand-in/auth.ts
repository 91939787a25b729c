// GoTrue-compatible Auth for the local stand-in: password sign-in, rotating refresh
// tokens kept in Postgres, current user, logout scopes, optional sign-up and the JWKS.
// Shapes and error codes follow supabase/auth (internal/api) so auth-js behaves as it
// does against hosted Supabase. This file routes and answers errors; the grants are in
// auth-grants.ts, users and sessions in auth-users.ts.
import type { IncomingMessage, ServerResponse } from "node:http";
import { passwordGrant, refreshTokenGrant, signUp, type GrantOptions } from "./auth-grants.ts";
import { AuthApiError, userById, userJson } from "./auth-users.ts";
import { apiKeyOf, bearerToken, BodyTooLargeError, parseJson, readBody, sendEmpty, sendJson } from "./http-io.ts";
import { createIpRateLimiter } from "./sign-in-guard.ts";
import { JwtRejectedError, type SigningKeys, type VerifiedClaims } from "./signing-keys.ts";

const API_VERSION_HEADER = "x-supabase-api-version";
const MAX_AUTH_BODY_BYTES = 64 * 1024;

export type AuthOptions = GrantOptions;

async function claimsOfUserToken(keys: SigningKeys, request: IncomingMessage): Promise<VerifiedClaims & { sub: string }> {
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

async function currentUser({ sql, keys }: AuthOptions, request: IncomingMessage) {
  const claims = await claimsOfUserToken(keys, request);
  if (typeof claims.session_id === "string") {
    const [session] = await sql`select 1 from auth.sessions where id = ${claims.session_id}`;
    if (!session) throw new AuthApiError(403, "session_not_found", "Session from session_id claim in JWT does not exist");
  }
  const user = await userById(sql, claims.sub);
  if (!user) throw new AuthApiError(403, "user_not_found", "User from sub claim in JWT does not exist");
  return userJson(user);
}

async function logout({ sql, keys }: AuthOptions, request: IncomingMessage, scope: string) {
  const claims = await claimsOfUserToken(keys, request);
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

function requireApiKey(keys: SigningKeys, request: IncomingMessage, url: URL): void {
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

/** Answers one Auth route, or throws an AuthApiError. */
async function routeAuthRequest(
  options: AuthOptions,
  admitSignIn: (request: IncomingMessage) => void,
  exchange: { request: IncomingMessage; response: ServerResponse; url: URL; subPath: string; headers: Record<string, string> },
): Promise<void> {
  const { request, response, url, subPath, headers } = exchange;
  const { keys } = options;
  const method = request.method ?? "GET";
  if (method === "GET" && subPath === "/.well-known/jwks.json") {
    sendJson(response, 200, keys.jwks, { ...headers, "cache-control": "public, max-age=600" });
    return;
  }
  if (method === "GET" && subPath === "/health") {
    sendJson(response, 200, { version: "local-stand-in", name: "GoTrue", description: "GoTrue-compatible local stand-in" }, headers);
    return;
  }
  requireApiKey(keys, request, url);
  if (method === "GET" && subPath === "/settings") {
    sendJson(
      response,
      200,
      { external: { email: true, phone: false }, disable_signup: !options.signUpEnabled, mailer_autoconfirm: true, phone_autoconfirm: false, sms_provider: "" },
      headers,
    );
    return;
  }
  if (method === "POST" && subPath === "/token") {
    const grantType = url.searchParams.get("grant_type");
    if (grantType === "password") admitSignIn(request);
    const body = await readJsonObject(request);
    if (grantType === "password") return sendJson(response, 200, await passwordGrant(options, body), headers);
    if (grantType === "refresh_token") return sendJson(response, 200, await refreshTokenGrant(options, body), headers);
    throw new AuthApiError(400, "unsupported_grant_type", "unsupported_grant_type");
  }
  if (method === "POST" && subPath === "/signup") {
    admitSignIn(request);
    return sendJson(response, 200, await signUp(options, await readJsonObject(request)), headers);
  }
  if (method === "GET" && subPath === "/user") {
    return sendJson(response, 200, await currentUser(options, request), headers);
  }
  if (method === "POST" && subPath === "/logout") {
    await logout(options, request, url.searchParams.get("scope") ?? "global");
    return sendEmpty(response, 204, headers);
  }
  throw new AuthApiError(404, "not_found", "Not Found");
}

/** An error as GoTrue answers it: the versioned shape or the older one; an unexpected error says nothing of itself. */
function sendAuthError(response: ServerResponse, error: unknown, versioned: boolean, headers: Record<string, string>): void {
  const apiError =
    error instanceof AuthApiError
      ? error
      : error instanceof BodyTooLargeError
        ? new AuthApiError(413, "request_too_large", "Request body too large")
        : undefined;
  if (!apiError) {
    console.error("[stand-in auth] unexpected error", error);
    sendJson(response, 500, versioned ? { code: "unexpected_failure", message: "Unexpected failure" } : { code: 500, msg: "Unexpected failure" }, headers);
    return;
  }
  // API-key failures come from the API gateway in front of GoTrue, which has its own shape.
  const fromGateway = apiError.code === "no_api_key" || apiError.code === "invalid_api_key";
  const body = fromGateway
    ? { message: apiError.message, ...apiError.extra }
    : versioned
    ? { code: apiError.code, message: apiError.message, ...apiError.extra }
    : { code: apiError.status, error_code: apiError.code, msg: apiError.message, ...apiError.extra };
  sendJson(response, apiError.status, body, headers);
}

export function createAuthHandler(options: AuthOptions) {
  const signInsPerIp = createIpRateLimiter(options.signInGuard.signInsPerIpPer5Minutes);
  const admitSignIn = (request: IncomingMessage): void => {
    if (!signInsPerIp.admit(request.socket.remoteAddress ?? "unknown")) {
      throw new AuthApiError(429, "over_request_rate_limit", "Request rate limit reached");
    }
  };

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
    try {
      await routeAuthRequest(options, admitSignIn, { request, response, url, subPath, headers: responseHeaders });
    } catch (error) {
      sendAuthError(response, error, versioned, responseHeaders);
    }
  };
}
