"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

/** Re-renders the server page on an interval while switched on (figures that move on their own). */
export function AutoRefresh({ intervalMs }: { intervalMs: number }) {
  const router = useRouter();
  const [on, setOn] = useState(true);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => router.refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [on, intervalMs, router]);
  return (
    <label style={{ display: "inline-flex", gap: "0.375rem", alignItems: "center" }}>
      <input type="checkbox" checked={on} onChange={(event) => setOn(event.target.checked)} style={{ minHeight: "auto" }} />
      Refresh every {Math.round(intervalMs / 1000)} s
    </label>
  );
}
