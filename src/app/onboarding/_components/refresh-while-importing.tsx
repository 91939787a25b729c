"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** Re-reads the onboarding page while an import runs, so its progress moves on its own. */
export function RefreshWhileImporting({ intervalMs }: { intervalMs: number }) {
  const router = useRouter();
  useEffect(() => {
    const timer = setInterval(() => router.refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, router]);
  return null;
}
