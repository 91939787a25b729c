"use client";

import type { PipelineCounts } from "@/lib/dashboard/dashboard-types.ts";
import { PIPELINE_DAYS } from "@/lib/dashboard/dashboard-types.ts";
import { formatNumber } from "@/lib/dashboard/formatting.ts";

const stages: { key: keyof PipelineCounts; label: string }[] = [
  { key: "received", label: "Received" },
  { key: "pending", label: "Awaiting shipment" },
  { key: "shipped", label: "Shipped" },
  { key: "delivered", label: "Delivered" },
  { key: "cancelled", label: "Cancelled" },
  { key: "refunded", label: "Refunded" },
];

export function OrderPipeline({ counts, locale }: { counts: PipelineCounts; locale: string }) {
  return (
    <section aria-labelledby="pipeline-heading" className="panel dashboard-section">
      <h2 id="pipeline-heading">Order pipeline</h2>
      <p className="section-note">Orders received in the last {PIPELINE_DAYS} days, by where they are now.</p>
      <ol className="pipeline">
        {stages.map((stage) => (
          <li key={stage.key} className="pipeline-stage" data-stage={stage.key} data-testid={`pipeline-${stage.key}`}>
            <span className="pipeline-count">{formatNumber(counts[stage.key], locale)}</span>
            <span className="pipeline-label">{stage.label}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
