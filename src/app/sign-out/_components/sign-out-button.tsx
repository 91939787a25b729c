"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { turnOffPush } from "@/lib/notifications/push-device-client.ts";
import { clearDeviceData } from "@/lib/offline/device-storage.ts";
import { createClient } from "@/lib/supabase/client.ts";

export function SignOutButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  async function signOut() {
    setBusy(true);
    // This device stops receiving the creator's pushes and forgets the creator's figures,
    // so whoever uses the browser next sees nothing of them (offline or not).
    await turnOffPush(null).catch(() => undefined);
    await clearDeviceData();
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
