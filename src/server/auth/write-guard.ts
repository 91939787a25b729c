// What every state-changing request must show before a handler runs: that it comes from a
// page of this app (not a form on another site riding the creator's cookie), that it is JSON
// (a cross-site form can only send text/plain or form encodings without a CORS preflight),
// and that its body is small. Reading the body goes through readJsonBody, which also refuses
// strings Postgres would reject later (NUL, lone surrogates), naming the field.
import { readLimitedBody } from "@/core/http/read-limited-body.ts";
import { findUnstorableString } from "@/core/storable-text.ts";
import { ApiError } from "./api-error.ts";

/** Every JSON body the app accepts is a few hundred bytes; 16 KiB leaves room and caps abuse. */
export const MAX_WRITE_BODY_BYTES = 16 * 1024;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// "none": typed in the address bar or a bookmark, which cannot carry a body or a method.
const ALLOWED_FETCH_SITES = new Set(["same-origin", "none"]);

export function guardWrite(request: Request): void {
  if (SAFE_METHODS.has(request.method)) return;
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite !== null && !ALLOWED_FETCH_SITES.has(fetchSite)) {
    throw new ApiError("forbidden", "Changes must come from this app's own pages");
  }
  const origin = request.headers.get("origin");
  if (origin !== null && originHost(origin) !== requestHost(request)) {
    throw new ApiError("forbidden", "Changes must come from this app's own pages");
  }
  const contentType = request.headers.get("content-type");
  const declaredLength = Number(request.headers.get("content-length") ?? "0");
  if (contentType === null) {
    // A body-less action (rebuild, retry): fetch sends no type; any body must say it is JSON.
    if (declaredLength > 0 || request.headers.has("transfer-encoding")) {
      throw new ApiError("unsupported_media_type", "Send the body as JSON (Content-Type: application/json)");
    }
  } else if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new ApiError("unsupported_media_type", "Send the body as JSON (Content-Type: application/json)");
  }
  if (declaredLength > MAX_WRITE_BODY_BYTES) {
    throw new ApiError("payload_too_large", `The body may be at most ${MAX_WRITE_BODY_BYTES} bytes`);
  }
}

/**
 * The host the browser addressed, as Next.js's own Server Action check reads it: a proxy in
 * front (the hosting platform) names it in X-Forwarded-Host. Not request.url, which Next
 * builds from the hostname the server was started with.
 */
function requestHost(request: Request): string | null {
  return request.headers.get("x-forwarded-host")?.split(",")[0].trim() ?? request.headers.get("host");
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/**
 * The request's JSON body, read up to MAX_WRITE_BODY_BYTES (a chunked body has no length to
 * check up front). Undefined when it is not JSON; handlers answer their own schema's error.
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  const body = await readLimitedBody(request, MAX_WRITE_BODY_BYTES);
  if (!body.ok) throw new ApiError("payload_too_large", `The body may be at most ${MAX_WRITE_BODY_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body.bytes));
  } catch {
    return undefined;
  }
  const unstorable = findUnstorableString(parsed, []);
  if (unstorable) throw new ApiError("bad_request", `Field ${unstorable.field} ${unstorable.problem}`);
  return parsed;
}
