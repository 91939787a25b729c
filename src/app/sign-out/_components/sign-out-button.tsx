"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { createClient } from "@/lib/supabase/client.ts";

export function SignOutButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  async function signOut() {
    setBusy(true);
    // Ends this browser's session only; other devices stay signed in.
    await createClient().auth.signOut({ scope: "local" });
    router.replace("/sign-in");
    router.refresh();
  }
  return (
    <button type="button" onClick={signOut} disabled={busy}>
      {busy ? "Signing out…" : "Sign out"}
    </button>
  );
}
