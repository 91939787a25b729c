// The wrapper every /api/admin/* route handler goes through: admins only; a signed-in
// creator gets a 403 and the admin pages' RLS stays the second wall.
import { ApiError } from "./api-error.ts";
import { withSignedInUser, type SignedInRequest } from "./signed-in-route.ts";

export function withAdmin<Params = Record<string, never>>(handler: (context: SignedInRequest<Params>) => Promise<Response>) {
  return withSignedInUser<Params>((context) => {
    if (context.user.role !== "admin") throw new ApiError("forbidden", "Only admins can see this");
    return handler(context);
  });
}
