// Who is calling, from the verified JWT claims. getClaims() checks the token's signature
// against the project's published keys (ES256, cached); getSession() would only decode the
// cookie, which the caller controls, so server code never uses it.
import { cache } from "react";
import { z } from "zod";
import { createClient } from "@/lib/supabase/server.ts";

export type Role = "creator" | "admin";

export interface SignedInUser {
  userId: string;
  email: string | null;
  role: Role;
  /** The tenant this user acts for; null for an admin. */
  creatorId: string | null;
  /** The Auth session (the JWT's session_id), when the token names one: what a TikTok connect `state` is bound to. */
  sessionId: string | null;
}

const verifiedClaimsSchema = z.object({
  sub: z.string().min(1),
  email: z.string().optional(),
  session_id: z.string().max(200).optional(),
  app_metadata: z
    .object({
      role: z.enum(["creator", "admin"]).optional(),
      creator_id: z.uuid().nullish(),
    })
    .loose()
    .optional(),
});

/** Once per request: the layout and the page both ask, and each check verifies a signature. */
export const readSignedInUser = cache(async function readSignedInUser(): Promise<SignedInUser | null> {
  const supabase = await createClient();
  const { data, error } = await supabase.auth.getClaims();
  if (error || !data?.claims) return null;
  const parsed = verifiedClaimsSchema.safeParse(data.claims);
  if (!parsed.success) return null;
  const { sub, email, session_id: sessionId, app_metadata: appMetadata } = parsed.data;
  const role: Role = appMetadata?.role === "admin" ? "admin" : "creator";
  return { userId: sub, email: email ?? null, role, creatorId: appMetadata?.creator_id ?? null, sessionId: sessionId ?? null };
});
