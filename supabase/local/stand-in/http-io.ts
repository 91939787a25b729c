// Request reading and response writing shared by the Auth and Realtime REST endpoints.
import type { IncomingMessage, ServerResponse } from "node:http";

export { BodyTooLargeError, readBoundedBody as readBody } from "../../../src/simulator/node-http-body.ts";

/** Parses a JSON body; undefined when it is not JSON (callers answer their own validation error). */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * CORS as hosted Supabase answers the browser client: any origin, the request's headers
 * echoed back, and the API version header exposed so auth-js can read error codes.
 */
export function corsHeaders(request: IncomingMessage): Record<string, string> {
  const requestedHeaders = request.headers["access-control-request-headers"];
  return {
    "access-control-allow-origin": typeof request.headers.origin === "string" ? request.headers.origin : "*",
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS",
    "access-control-allow-headers":
      typeof requestedHeaders === "string" && requestedHeaders.length > 0
        ? requestedHeaders
        : "authorization, x-client-info, apikey, content-type, x-supabase-api-version, x-api-key",
    "access-control-expose-headers": "X-Total-Count, Link, X-Supabase-Api-Version",
    "access-control-max-age": "86400",
    vary: "Origin",
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

export function sendEmpty(response: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  response.writeHead(status, headers);
  response.end();
}

export function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== "string") return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1] : undefined;
}

export function apiKeyOf(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.apikey ?? request.headers["x-api-key"];
  if (typeof header === "string" && header.length > 0) return header;
  return url.searchParams.get("apikey") ?? undefined;
}

// Query parameters that carry credentials: supabase-js puts the anon key in the websocket URL
// (?apikey=), OAuth callbacks carry codes, TikTok signs requests with access tokens.
const CREDENTIAL_PARAMETER = /^(apikey|api_key|key|token|access_token|refresh_token|code|secret|app_secret|password|sign)$/i;

/** A request URL fit for a log line: path and query kept, credential values replaced. */
export function urlForLog(url: string | undefined): string {
  const parsed = new URL(url ?? "/", "http://log.invalid");
  for (const name of [...parsed.searchParams.keys()]) {
    if (CREDENTIAL_PARAMETER.test(name)) parsed.searchParams.set(name, "[redacted]");
  }
  return `${parsed.pathname}${parsed.search.replaceAll("%5Bredacted%5D", "[redacted]")}`;
}
