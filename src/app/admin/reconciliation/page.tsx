import type { Metadata } from "next";
import { DriftSummary, DriftTable } from "@/components/shop-history/drift-table.tsx";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { databaseClient } from "@/server/database.ts";
import { readDriftReport, readReconciliationRuns } from "@/server/shop-history/drift-report.ts";
import { ReconcileNow } from "./_components/reconcile-now.tsx";
import styles from "@/app/admin/admin.module.css";
import { formatUtcTime } from "@/lib/utc-time.ts";
import { AdminPanel, AdminTablePanel } from "@/app/admin/_components/admin-panel.tsx";

export const metadata: Metadata = { title: "Reconciliation" };

export default async function ReconciliationPage() {
  await readAdminForPage("/admin/reconciliation");
  const sql = databaseClient();
  const [runs, drift] = await Promise.all([readReconciliationRuns(sql), readDriftReport(sql, { creatorId: null, now: new Date() })]);
  return (
    <main id="main">
      <h1>Reconciliation</h1>
      <p className="page-intro">Every five minutes the engine asks TikTok for the orders updated since each shop was last checked, and for every SKU&apos;s count, and appends what the webhooks missed. Below: the runs, and what they found.</p>
      <ReconcileNow />
      <AdminPanel panelId="drift" title="Drift, every creator">
        <DriftSummary report={drift} />
        <DriftTable report={drift} showCreator />
      </AdminPanel>
      <AdminTablePanel
        panelId="runs"
        title="Runs"
        tableTestId="reconciliation-runs"
        columns={[{ label: "Started" }, { label: "Trigger" }, { label: "Status" }, { label: "Orders checked", numeric: true }, { label: "SKUs checked", numeric: true }, { label: "Drift", numeric: true }]}
      >
        {runs.map((run) => (
          <tr key={run.id}>
            <td>
              <time dateTime={run.startedAt}>{formatUtcTime(run.startedAt)}</time>
            </td>
            <td>{run.trigger}</td>
            <td>
              <span className={styles.badge} data-tone={run.status === "failed" ? "fail" : run.status === "succeeded" ? "pass" : "warn"}>
                {run.status}
              </span>
              {run.error ? <span className="section-note"> {run.error}</span> : null}
            </td>
            <td className="numeric">{run.ordersChecked ?? "–"}</td>
            <td className="numeric">{run.skusChecked ?? "–"}</td>
            <td className="numeric">{run.drift ?? "–"}</td>
          </tr>
        ))}
      </AdminTablePanel>
    </main>
  );
}
