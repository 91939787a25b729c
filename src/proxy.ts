// Next.js 16's proxy (formerly middleware): keeps the Supabase session fresh on every request.
import type { NextRequest } from "next/server";
import { updateSession } from "@/lib/supabase/proxy.ts";

export async function proxy(request: NextRequest) {
  return updateSession(request);
}

export const config = {
  // Everything but static assets, the service worker and the manifest (fetched by the browser
  // itself, public), the health check and the metrics scrape (load balancers and scrapers carry no session).
  matcher: ["/((?!_next/static|_next/image|favicon.ico|sw.js|manifest.webmanifest|offline.html|api/health|api/ping|api/metrics|.*\\.(?:svg|png|jpg|jpeg|gif|webp|ico)$).*)"],
};
