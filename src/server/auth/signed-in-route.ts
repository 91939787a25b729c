// What every authenticated route handler starts with: a write that comes from this app's own
// pages (write-guard.ts), the caller from verified claims (401 when there is none), and any
// error turned into the shared JSON error answer. withCreator and withAdmin add who may act on what.
import type { EventOrigin } from "@/core/event-catalogue.ts";
import { ApiError, errorResponse } from "./api-error.ts";
import { requestOrigin } from "./request-origin.ts";
import { readSignedInUser, type SignedInUser } from "./session.ts";
import { guardWrite } from "./write-guard.ts";

export type RouteContext<Params> = { params: Promise<Params> };

export interface SignedInRequest<Params> {
  request: Request;
  params: Params;
  user: SignedInUser;
  /** Where events this request appends come from: the caller, its request id, address and browser. */
  origin: EventOrigin;
}

// A proxy in front may already have named the request; its id is kept so both logs agree.
const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** The request's id: the one a proxy in front gave it, or a new one. Answered in `x-request-id` and logged with any failure. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id");
  return given !== null && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

function withRequestId(response: Response, requestId: string): Response {
  try {
    response.headers.set("x-request-id", requestId);
    return response;
  } catch {
    // A response passed through from fetch() has immutable headers: answer a copy.
    const copy = new Response(response.body, response);
    copy.headers.set("x-request-id", requestId);
    return copy;
  }
}

export function withSignedInUser<Params>(handler: (context: SignedInRequest<Params>) => Promise<Response>) {
  return async (request: Request, context: RouteContext<Params>): Promise<Response> => {
    const label = `${request.method} ${new URL(request.url).pathname}`;
    const requestId = requestIdOf(request);
    let response: Response;
    try {
      guardWrite(request);
      const user = await readSignedInUser();
      if (!user) throw new ApiError("unauthorized", "Sign in to continue");
      response = await handler({ request, params: await context.params, user, origin: requestOrigin(request, requestId, user) });
    } catch (error) {
      response = errorResponse(error, label, requestId);
    }
    return withRequestId(response, requestId);
  };
}
