// The wrapper for route handlers a browser navigates to (links, redirects from another
// site) rather than fetches: it answers with redirects, never JSON. A visitor who is not
// signed in goes to sign-in; an account that is not a creator, or any error, goes to the
// failure page the route names. Unknown errors are logged by name and message only (a
// postgres error object also carries its query's parameters) and never shown.
import { readSignedInUser, type SignedInUser } from "./session.ts";
import { log } from "@/server/log.ts";

export interface SignedInCreator extends SignedInUser {
  role: "creator";
  creatorId: string;
}

export type NavigationFailure = "not_a_creator" | "unexpected";

/** A redirect for a GET navigation; relative, so it stays on whatever host the browser used. */
export function seeOther(location: string): Response {
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" } });
}

export function withCreatorNavigation(
  failurePage: (reason: NavigationFailure) => string,
  handler: (context: { request: Request; user: SignedInCreator }) => Promise<Response>,
) {
  return async (request: Request): Promise<Response> => {
    try {
      const user = await readSignedInUser();
      if (!user) return seeOther("/sign-in?next=/onboarding");
      if (user.role !== "creator" || !user.creatorId) return seeOther(failurePage("not_a_creator"));
      return await handler({ request, user: { ...user, role: "creator", creatorId: user.creatorId } });
    } catch (error) {
      const description = error instanceof Error ? `${error.name}: ${error.message}` : "non-error thrown";
      log.error("request failed", { route: `${request.method} ${new URL(request.url).pathname}`, error: description });
      return seeOther(failurePage("unexpected"));
    }
  };
}
