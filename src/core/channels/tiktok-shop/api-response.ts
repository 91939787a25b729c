// Reading one TikTok Shop answer, from the shop API or the token endpoints alike: the
// `{code, message, request_id, data}` envelope, rate-limit headers, and the typed error for
// whatever went wrong. `data` is checked with zod before anyone trusts it.
import { z } from "zod";
import { readLimitedBody, type LimitedBody } from "../../http/read-limited-body.ts";
import { errorKindFor, TikTokShopApiError, type RateLimitInfo, type TikTokShopErrorDetails } from "./api-errors.ts";

/**
 * How long one call may take, answer body included. TikTok answers in well under a second; a
 * hung connection must not hold a consumer's lease (or the lane behind it) for minutes.
 */
export const TIKTOK_CALL_TIMEOUT_MS = 10_000;
/** The largest answer read: a page of 100 orders is a few hundred KiB; anything past this is not TikTok. */
export const MAX_TIKTOK_ANSWER_BYTES = 5 * 1024 * 1024;

export interface TikTokShopResult<T> {
  data: T;
  requestId?: string;
  rateLimit?: RateLimitInfo;
}

const apiEnvelopeSchema = z.looseObject({
  code: z.number().int(),
  message: z.string().optional().default(""),
  request_id: z.string().optional(),
  data: z.unknown().optional(),
});

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || value.trim() === "") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function rateLimitFrom(headers: Headers): RateLimitInfo | undefined {
  const info: RateLimitInfo = {};
  const limit = numberHeader(headers, "x-ratelimit-limit");
  const remaining = numberHeader(headers, "x-ratelimit-remaining");
  const resetAfterSeconds = numberHeader(headers, "x-ratelimit-reset") ?? numberHeader(headers, "retry-after");
  if (limit !== undefined) info.limit = limit;
  if (remaining !== undefined) info.remaining = remaining;
  if (resetAfterSeconds !== undefined) info.resetAfterSeconds = resetAfterSeconds;
  return Object.keys(info).length > 0 ? info : undefined;
}

/**
 * The checked `data` of a successful answer, or a TikTokShopApiError. `label` names the call
 * in messages (never a URL: token endpoints carry secrets in the query); `redact` scrubs
 * credentials from anything the server wrote.
 */
export async function unwrapTikTokAnswer<T>(response: Response, dataSchema: z.ZodType<T>, label: string, redact: (text: string) => string): Promise<TikTokShopResult<T>> {
  const rateLimit = rateLimitFrom(response.headers);
  const text = await boundedText(response, label);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const envelope = apiEnvelopeSchema.safeParse(json);
  const details: TikTokShopErrorDetails = {
    httpStatus: response.status,
    ...(envelope.success ? { code: envelope.data.code, requestId: envelope.data.request_id } : {}),
    ...(rateLimit ? { rateLimit } : {}),
  };
  if (!response.ok) {
    const message = envelope.success ? envelope.data.message : `HTTP ${response.status}`;
    throw new TikTokShopApiError(errorKindFor(response.status, details.code), redact(`${label} failed: ${message}`), details);
  }
  if (!envelope.success) throw new TikTokShopApiError("invalid_response", `${label}: response is not a TikTok Shop API envelope`, details);
  // TikTok also reports failures with HTTP 200 and a non-zero code (the token endpoints always do).
  if (envelope.data.code !== 0) throw new TikTokShopApiError(errorKindFor(400, envelope.data.code), redact(`${label} failed: ${envelope.data.message}`), details);
  const data = dataSchema.safeParse(envelope.data.data);
  if (!data.success) throw new TikTokShopApiError("invalid_response", redact(`${label}: unexpected data: ${z.prettifyError(data.error).slice(0, 300)}`), details);
  const result: TikTokShopResult<T> = { data: data.data };
  if (envelope.data.request_id !== undefined) result.requestId = envelope.data.request_id;
  if (rateLimit !== undefined) result.rateLimit = rateLimit;
  return result;
}

/**
 * One request to TikTok with a deadline: the signal aborts the connection and the body read
 * alike, so `unwrapTikTokAnswer` on the result is covered too.
 */
export async function fetchTikTok(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  label: string,
  redact: (text: string) => string,
  timeoutMs = TIKTOK_CALL_TIMEOUT_MS,
): Promise<Response> {
  try {
    return await fetchImpl(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw networkError(label, error, redact, timeoutMs);
  }
}

/** A fetch that failed before any answer, as a retryable network error with the credentials scrubbed. */
export function networkError(label: string, error: unknown, redact: (text: string) => string, timeoutMs?: number): TikTokShopApiError {
  if (isTimeout(error)) return new TikTokShopApiError("network", `${label}: TikTok Shop did not answer within ${timeoutMs ?? TIKTOK_CALL_TIMEOUT_MS} ms`);
  const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}` : String(error);
  return new TikTokShopApiError("network", redact(`${label}: TikTok Shop unreachable: ${reason}`));
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || (error.name === "AbortError" && error.cause instanceof Error && error.cause.name === "TimeoutError"));
}

async function boundedText(response: Response, label: string): Promise<string> {
  let body: LimitedBody;
  try {
    body = await readLimitedBody(response, MAX_TIKTOK_ANSWER_BYTES);
  } catch (error) {
    if (isTimeout(error)) throw new TikTokShopApiError("network", `${label}: TikTok Shop's answer did not arrive in time`, { httpStatus: response.status });
    throw new TikTokShopApiError("network", `${label}: the answer broke off: ${error instanceof Error ? error.message : String(error)}`, { httpStatus: response.status });
  }
  if (!body.ok) {
    await response.body?.cancel().catch(() => {});
    throw new TikTokShopApiError("invalid_response", `${label}: answer larger than ${MAX_TIKTOK_ANSWER_BYTES} bytes`, { httpStatus: response.status });
  }
  return new TextDecoder().decode(body.bytes);
}
