// The wrapper every creator route handler goes through: it decides which creator the
// request acts for (never from the body), on top of withSignedInUser's caller and errors.
import { ApiError } from "./api-error.ts";
import type { SignedInUser } from "./session.ts";
import { withSignedInUser, type SignedInRequest } from "./signed-in-route.ts";
import { z } from "zod";

export interface CreatorContext<Params> extends SignedInRequest<Params> {
  /** The creator whose data this request reads or changes; never taken from the body. */
  creatorId: string;
}

const creatorQuerySchema = z.uuid();

/**
 * Creators act for their own creator id. Admins may act for any creator named by the
 * `creator` query parameter (support, investigating a report); RLS stays the second wall.
 */
export function withCreator<Params = Record<string, never>>(handler: (context: CreatorContext<Params>) => Promise<Response>) {
  return withSignedInUser<Params>((context) => {
    const creatorId = resolveCreatorId(context.user, new URL(context.request.url).searchParams.get("creator"));
    return handler({ ...context, creatorId });
  });
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
