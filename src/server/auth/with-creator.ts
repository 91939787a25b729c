// The one wrapper every authenticated route handler goes through: it resolves the caller
// from verified claims, decides which creator the request acts for, and turns any error
// into the shared JSON error shape.
import { ApiError, errorResponse } from "./api-error.ts";
import { readSignedInUser, type SignedInUser } from "./session.ts";
import { guardWrite } from "./write-guard.ts";
import { z } from "zod";

export interface CreatorContext<Params> {
  request: Request;
  params: Params;
  user: SignedInUser;
  /** The creator whose data this request reads or changes; never taken from the body. */
  creatorId: string;
}

type RouteContext<Params> = { params: Promise<Params> };

const creatorQuerySchema = z.uuid();

/**
 * Creators act for their own creator id. Admins may act for any creator named by the
 * `creator` query parameter (support, investigating a report); RLS stays the second wall.
 */
export function withCreator<Params = Record<string, never>>(
  handler: (context: CreatorContext<Params>) => Promise<Response>,
) {
  return async (request: Request, context: RouteContext<Params>): Promise<Response> => {
    const label = `${request.method} ${new URL(request.url).pathname}`;
    try {
      guardWrite(request);
      const user = await readSignedInUser();
      if (!user) throw new ApiError("unauthorized", "Sign in to continue");
      const creatorId = resolveCreatorId(user, new URL(request.url).searchParams.get("creator"));
      return await handler({ request, params: await context.params, user, creatorId });
    } catch (error) {
      return errorResponse(error, label);
    }
  };
}

/** For admin-only handlers (the event store overview): creators get a 403. */
export function withAdmin<Params = Record<string, never>>(
  handler: (context: { request: Request; params: Params; user: SignedInUser }) => Promise<Response>,
) {
  return async (request: Request, context: RouteContext<Params>): Promise<Response> => {
    const label = `${request.method} ${new URL(request.url).pathname}`;
    try {
      guardWrite(request);
      const user = await readSignedInUser();
      if (!user) throw new ApiError("unauthorized", "Sign in to continue");
      if (user.role !== "admin") throw new ApiError("forbidden", "Only admins can see this");
      return await handler({ request, params: await context.params, user });
    } catch (error) {
      return errorResponse(error, label);
    }
  };
}

export function resolveCreatorId(user: SignedInUser, requested: string | null): string {
  if (user.role === "admin") {
    const parsed = creatorQuerySchema.safeParse(requested);
    if (!parsed.success) throw new ApiError("bad_request", "Admins must name a creator: ?creator=<creator id>");
    return parsed.data;
  }
  if (!user.creatorId) throw new ApiError("forbidden", "This account is not linked to a creator");
  if (requested !== null && requested !== user.creatorId) throw new ApiError("forbidden", "You can only see your own shop");
  return user.creatorId;
}
