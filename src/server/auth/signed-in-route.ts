// What every authenticated route handler starts with: a write that comes from this app's own
// pages (write-guard.ts), the caller from verified claims (401 when there is none), and any
// error turned into the shared JSON error answer. withCreator and withAdmin add who may act on what.
import { ApiError, errorResponse } from "./api-error.ts";
import { readSignedInUser, type SignedInUser } from "./session.ts";
import { guardWrite } from "./write-guard.ts";

export type RouteContext<Params> = { params: Promise<Params> };

export interface SignedInRequest<Params> {
  request: Request;
  params: Params;
  user: SignedInUser;
}

export function withSignedInUser<Params>(handler: (context: SignedInRequest<Params>) => Promise<Response>) {
  return async (request: Request, context: RouteContext<Params>): Promise<Response> => {
    const label = `${request.method} ${new URL(request.url).pathname}`;
    try {
      guardWrite(request);
      const user = await readSignedInUser();
      if (!user) throw new ApiError("unauthorized", "Sign in to continue");
      return await handler({ request, params: await context.params, user });
    } catch (error) {
      return errorResponse(error, label);
    }
  };
}
