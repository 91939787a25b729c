import { describeDriftKind, type DriftReport } from "@/server/shop-history/drift-report.ts";
import { formatUtcTime } from "@/lib/utc-time.ts";
import { ScrollingTable } from "@/components/scrolling-table.tsx";

/** The drift rows of a report: what reconciliation found, when, and what it did. */
export function DriftTable({ report, showCreator }: { report: DriftReport; showCreator: boolean }) {
  if (report.items.length === 0) return null;
  return (
    <ScrollingTable
      label="Drift found"
      testId="drift-table"
      columns={[
        { label: "Found" },
        showCreator ? { label: "Creator" } : null,
        { label: "Shop" },
        { label: "What" },
        { label: "Order or SKU" },
        { label: "We had" },
        { label: "TikTok had" },
        { label: "Done" },
      ]}
    >
      {report.items.map((item) => (
        <tr key={`${item.foundAt}-${item.kind}-${item.reference}`}>
          <td>
            <time dateTime={item.foundAt}>{formatUtcTime(item.foundAt)}</time>
          </td>
          {showCreator ? <td>{item.creatorId}</td> : null}
          <td>{item.shopId}</td>
          <td>{describeDriftKind(item.kind)}</td>
          <td>{item.reference}</td>
          <td>{item.applied ?? "nothing"}</td>
          <td>{item.observed}</td>
          <td>{item.action}</td>
        </tr>
      ))}
    </ScrollingTable>
  );
}

/** "0 drift in the last 24 h", or how much, and when the shops were last checked. */
export function DriftSummary({ report }: { report: DriftReport }) {
  const checked = report.lastCheckedAt ? `Last checked ${formatUtcTime(report.lastCheckedAt, "minutes")}.` : "Not checked against TikTok yet.";
  return (
    <p data-testid="drift-summary">
      <strong>{report.counts.total} drift in the last 24 h</strong>
      {report.counts.total > 0
        ? ` (${report.counts.order_missing} orders never delivered, ${report.counts.order_status} statuses behind, ${report.counts.stock_count} stock counts apart; all recovered from TikTok).`
        : "."}{" "}
      {checked}
    </p>
  );
}
