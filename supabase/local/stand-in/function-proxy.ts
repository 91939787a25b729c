// Passes one request to a function's Deno process and streams the answer back, untouched
// but for hop-by-hop headers, so a function sees the raw bytes it would on hosted Supabase
// (webhook signatures are computed over them). The gateway's own errors carry CORS headers.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { corsHeaders, sendJson } from "./http-io.ts";

// Headers that describe one hop, not the message (RFC 9110 section 7.6.1).
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"]);

function endToEndHeaders(headers: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [header, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(header)) kept[header] = value;
  }
  return kept;
}

export const bootError = { code: "BOOT_ERROR", message: "Function failed to start (please check logs)" };

export interface ProxyTarget {
  port: number;
  /** The path the function sees, with the query. */
  path: string;
  agent: http.Agent;
  /** No answer within this long is a 504, as hosted Edge Functions' request idle timeout. */
  idleTimeoutMs: number;
}

export function proxyToFunction(request: IncomingMessage, response: ServerResponse, target: ProxyTarget): void {
  const headers = endToEndHeaders(request.headers);
  headers["x-forwarded-host"] = request.headers.host ?? "";
  headers["x-forwarded-proto"] = "http";
  const upstream = http.request(
    { host: "127.0.0.1", port: target.port, method: request.method, path: target.path, headers, agent: target.agent },
    (upstreamResponse) => {
      response.writeHead(upstreamResponse.statusCode ?? 502, endToEndHeaders(upstreamResponse.headers));
      upstreamResponse.pipe(response);
      upstreamResponse.on("error", () => response.destroy());
    },
  );
  let timedOut = false;
  upstream.on("error", (error: NodeJS.ErrnoException) => {
    if (timedOut) return;
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const refused = error.code === "ECONNREFUSED" || error.code === "ECONNRESET";
    sendJson(response, refused ? 503 : 502, refused ? bootError : { code: "BAD_GATEWAY", message: error.message }, corsHeaders(request));
  });
  // As hosted: no answer within the request idle timeout is a 504, and the call is dropped.
  const idle = setTimeout(() => {
    timedOut = true;
    sendJson(response, 504, { code: "IDLE_TIMEOUT", message: "The function did not respond before the request idle timeout" }, corsHeaders(request));
    upstream.destroy();
  }, target.idleTimeoutMs);
  upstream.once("response", () => clearTimeout(idle));
  upstream.once("close", () => {
    clearTimeout(idle);
    // A function may answer without reading the whole body (a 413 for an oversized one) and
    // close its side: the rest of the caller's body is read and dropped here, or the caller's
    // kept-alive connection would stall with it and the next request on it never be answered.
    if (!request.complete) {
      request.unpipe(upstream);
      request.resume();
    }
  });
  request.on("aborted", () => upstream.destroy());
  request.pipe(upstream);
}
