"use client";

import type { ConnectionState } from "@/lib/dashboard/use-dashboard-live.ts";

const labels: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

export function ConnectionBadge({ state, lastUpdateAt, stale, locale }: { state: ConnectionState; lastUpdateAt: string; stale: boolean; locale: string }) {
  const time = new Date(lastUpdateAt).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return (
    <p className="connection-badge" data-state={state} role="status" data-testid="connection-status">
      {state === "offline" ? (
        // The figures shown are the last ones this device received: say since when.
        <span className="connection-label" data-testid="offline-since">
          Offline since{" "}
          <time dateTime={lastUpdateAt} suppressHydrationWarning>
            {time}
          </time>
          <span className="connection-time"> · showing the last figures on this device</span>
        </span>
      ) : (
        <>
          <span className="connection-label">{labels[state]}</span>
          <span className="connection-time">
            {" · last update "}
            <time dateTime={lastUpdateAt} suppressHydrationWarning>
              {time}
            </time>
            {stale ? " · could not refresh, numbers may be behind" : ""}
          </span>
        </>
      )}
    </p>
  );
}
