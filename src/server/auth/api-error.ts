// The one error type route handlers raise: a code from a fixed list, mapped to an HTTP
// status in one place. Anything else that escapes a handler answers a generic 500 and is
// logged, so internal messages (SQL, stack traces) never reach the browser.
import { ConcurrencyError, EventStoreError } from "@/core/event-store/index.ts";
import { DomainError } from "@/core/domain-error.ts";
import { log } from "@/server/log.ts";

export const apiErrorStatus = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  version_conflict: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  too_many_requests: 429,
  unavailable: 503,
  internal_error: 500,
} as const;

export type ApiErrorCode = keyof typeof apiErrorStatus;

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** Safe, structured facts for the client (e.g. the current value after a conflict). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get status(): number {
    return apiErrorStatus[this.code];
  }
}

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details?: Record<string, unknown> };
}

/** Errors the core raises carry codes too; they are translated, never passed through raw. */
export function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof ConcurrencyError) return new ApiError("version_conflict", "Someone else changed this first; reload and try again");
  if (error instanceof DomainError) {
    const code = error.code === "validation" ? "bad_request" : error.code === "not_found" ? "not_found" : "unprocessable";
    return new ApiError(code, error.message);
  }
  if (error instanceof EventStoreError) {
    if (error.code === "validation") return new ApiError("bad_request", error.message);
    if (error.code === "forbidden") return new ApiError("not_found", "Not found");
    if (error.code === "not_found") return new ApiError("not_found", error.message);
  }
  return null;
}

export function errorResponse(error: unknown, context: string, requestId?: string): Response {
  const known = toApiError(error);
  if (!known) log.error("request failed", { route: context, request_id: requestId, error });
  const apiError = known ?? new ApiError("internal_error", "Something went wrong on our side; please try again");
  const body: ApiErrorBody = {
    error: { code: apiError.code, message: apiError.message, ...(apiError.details ? { details: apiError.details } : {}) },
  };
  return Response.json(body, { status: apiError.status, headers: { "Cache-Control": "no-store" } });
}
