// Session refresh for every request (called from src/proxy.ts): exchanges an expired access
// token for a new one and writes the refreshed cookies on both the request (for the server
// code that runs next) and the response (for the browser).
import { createServerClient } from "@supabase/ssr";
import { NextResponse, type NextRequest } from "next/server";
import { supabasePublicKey, supabaseUrl } from "./env.ts";

/** Pages anyone may open (the landing page, and these with what lies below them); every other page sends a signed-out visitor to /sign-in. */
const PUBLIC_SECTIONS = ["/sign-in", "/sign-up", "/sign-out"];

function isPublicPage(pathname: string): boolean {
  return pathname === "/" || PUBLIC_SECTIONS.some((path) => pathname === path || pathname.startsWith(`${path}/`));
}

export async function updateSession(request: NextRequest): Promise<NextResponse> {
  let response = NextResponse.next({ request });

  const supabase = createServerClient(supabaseUrl(), supabasePublicKey(), {
    cookies: {
      getAll() {
        return request.cookies.getAll();
      },
      setAll(cookiesToSet, headers) {
        for (const { name, value } of cookiesToSet) request.cookies.set(name, value);
        response = NextResponse.next({ request });
        for (const { name, value, options } of cookiesToSet) response.cookies.set(name, value, options);
        // No CDN may cache a response that carries someone's session.
        for (const [key, value] of Object.entries(headers ?? {})) response.headers.set(key, value);
      },
    },
  });

  // Nothing may run between createServerClient and getClaims(): a slip here logs users out
  // at random. getClaims() verifies the JWT against the project's published keys.
  const { data } = await supabase.auth.getClaims();
  const signedIn = Boolean(data?.claims?.sub);

  const { pathname } = request.nextUrl;
  const isPage = !pathname.startsWith("/api/");
  if (isPage && !signedIn && !isPublicPage(pathname)) {
    const url = request.nextUrl.clone();
    url.pathname = "/sign-in";
    url.search = "";
    url.searchParams.set("next", pathname);
    const redirect = NextResponse.redirect(url);
    // Keep whatever refresh getClaims() did (e.g. clearing a dead session's cookies).
    for (const cookie of response.cookies.getAll()) redirect.cookies.set(cookie);
    return redirect;
  }
  return response;
}
