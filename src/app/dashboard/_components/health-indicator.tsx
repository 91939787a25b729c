"use client";

import type { SystemHealth } from "@/lib/dashboard/dashboard-types.ts";
import { formatNumber } from "@/lib/dashboard/formatting.ts";

export function HealthIndicator({ health, locale }: { health: SystemHealth; locale: string }) {
  const text =
    health.status === "ok"
      ? "All systems normal"
      : health.status === "delayed"
        ? `Processing delayed: ${formatNumber(health.projectionLagEvents, locale)} events waiting`
        : `${formatNumber(health.deadLetters, locale)} ${health.deadLetters === 1 ? "event" : "events"} could not be processed; support has been notified`;
  return (
    <p className="health-indicator" data-status={health.status} data-testid="system-health">
      <span className="visually-hidden">System health: </span>
      {text}
    </p>
  );
}
