// The browser's Supabase client. @supabase/ssr keeps the session in cookies, so the server
// (proxy.ts, server components, route handlers) sees the same session the browser signed in with.
import { createBrowserClient } from "@supabase/ssr";
import { supabasePublicKey, supabaseUrl } from "./env.ts";

export function createClient() {
  return createBrowserClient(supabaseUrl(), supabasePublicKey(), {
    realtime: {
      // A dashboard left open all day should come back soon after a network blip, not after
      // the default 10 s ceiling; capped so a long outage does not hammer the server.
      reconnectAfterMs: (tries: number) => Math.min(500 * 2 ** Math.max(0, tries - 1), 5_000),
    },
  });
}
