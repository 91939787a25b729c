import type { Metadata } from "next";
import Link from "next/link";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { readSystemHealth } from "@/server/admin/system-health.ts";
import { databaseClient } from "@/server/database.ts";
import { AutoRefresh } from "./_components/auto-refresh.tsx";
import styles from "@/app/admin/admin.module.css";
import { formatUtcTime } from "@/lib/utc-time.ts";
import { ScrollingTable } from "@/components/scrolling-table.tsx";

export const metadata: Metadata = { title: "System health" };

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const formatTime = (iso: string | null) => (iso ? formatUtcTime(iso) : "never");

export default async function HealthPage() {
  const admin = await readAdminForPage("/admin/health");
  const health = await readSystemHealth(databaseClient(), { now: new Date() });
  const { report, webhooks } = health;
  return (
    <main id="main">
      <h1>System health</h1>
      <p className="page-intro">
        Figures over the last {health.windowMinutes} minutes, measured {formatTime(health.measuredAt)}. Overall:{" "}
        <span className={styles.badge} data-tone={report.status} data-testid="health-status">
          {report.status}
        </span>
      </p>
      <AutoRefresh intervalMs={15_000} />
      <section className="panel" aria-labelledby="checks-heading">
        <h2 id="checks-heading">Checks</h2>
        <ul className={styles.list}>
          {Object.entries(report.checks).map(([name, check]) => (
            <li key={name}>
              <span className={styles.badge} data-tone={check.status}>
                {check.status}
              </span>{" "}
              <strong>{name.replaceAll("_", " ")}</strong>: {check.detail}
            </li>
          ))}
        </ul>
        <p className="section-note">
          Thresholds (warn / fail):{" "}
          {health.thresholds.map((threshold) => `${threshold.metric} ${threshold.warn} / ${threshold.fail} ${threshold.unit}`).join("; ")}. Webhook latency is TikTok&apos;s send time
          to our receipt (whole seconds).
        </p>
      </section>
      <section className="panel" aria-labelledby="intake-heading">
        <h2 id="intake-heading">Webhooks and dead letters</h2>
        <dl className="summary">
          <div>
            <dt>Webhooks / minute</dt>
            <dd>{webhooks.perMinute.toFixed(1)}</dd>
          </div>
          <div>
            <dt>Received</dt>
            <dd>{webhooks.received}</dd>
          </div>
          <div>
            <dt>p95 receipt to stored</dt>
            <dd>{webhooks.p95LatencyMs === null ? "—" : `${webhooks.p95LatencyMs} ms`}</dd>
          </div>
          <div>
            <dt>p95 TikTok send to receipt (not judged)</dt>
            <dd>{webhooks.tiktokDelayP95Ms === null ? "—" : `${webhooks.tiktokDelayP95Ms} ms`}</dd>
          </div>
          <div>
            <dt>Dead letters pending</dt>
            <dd>{health.deadLettersPending}</dd>
          </div>
        </dl>
      </section>
      <section className="panel" aria-labelledby="fulfilment-configuration-heading" data-testid="fulfilment-needs-configuration">
        <h2 id="fulfilment-configuration-heading">Fulfilment needing configuration</h2>
        {health.fulfilmentNeedingConfiguration.total === 0 ? (
          <p className="section-note">No order&apos;s fulfilment is stopped for lack of configuration.</p>
        ) : (
          <>
            <p className="section-note">
              {health.fulfilmentNeedingConfiguration.total} order(s) stopped before a step that cannot run here: no label was bought and nothing was sent to TikTok
              for them. Ship them in TikTok Seller Center (the saga then completes), or configure a carrier (see the README&apos;s Production section).
            </p>
            <ul className={styles.list}>
              {health.fulfilmentNeedingConfiguration.sagas.map((saga) => (
                <li key={`${saga.creatorId}:${saga.orderId}`}>
                  <span className={styles.badge} data-tone="warn">
                    {saga.missing ?? "configuration"}
                  </span>{" "}
                  Order{" "}
                  <Link href={`/admin/history?kind=order&id=${encodeURIComponent(saga.orderId)}`} className={styles.mono}>
                    {saga.orderId}
                  </Link>{" "}
                  at step {saga.step}, since {formatTime(saga.since)}: {saga.detail ?? "—"}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <section className="panel" aria-labelledby="consumers-heading">
        <h2 id="consumers-heading">Consumers</h2>
        <ScrollingTable
          labelledBy="consumers-heading"
          tableClassName={styles.wideTable}
          columns={[{ label: "Consumer" }, { label: "Lag", numeric: true }, { label: "Last run" }, { label: "Error rate", numeric: true }, { label: "Retry rate", numeric: true }, { label: "Last error" }]}
        >
          {health.consumers.map((consumer) => (
            <tr key={consumer.consumer}>
              <th scope="row" className={styles.mono}>
                {consumer.consumer}
              </th>
              <td className="numeric">{consumer.lag}</td>
              <td>{formatTime(consumer.lastRunAt)}</td>
              <td className="numeric">{percent(consumer.errorRate)}</td>
              <td className="numeric">{percent(consumer.retryRate)}</td>
              <td>{consumer.lastError ? consumer.lastError.slice(0, 80) : "—"}</td>
            </tr>
          ))}
        </ScrollingTable>
      </section>
      <section className="panel" aria-labelledby="system-events-heading">
        <h2 id="system-events-heading">Recent system events</h2>
        {health.recentSystemEvents.length === 0 ? (
          <p className="section-note">No health check recorded yet.</p>
        ) : (
          <ol>
            {health.recentSystemEvents.map((event) => (
              <li key={event.id}>
                <span className={styles.mono}>{event.type}</span> <time dateTime={event.occurredAt}>{formatTime(event.occurredAt)}</time>{" "}
                {event.type === "system.health_check_completed" ? String(event.data.status) : `${String(event.data.metric)} = ${String(event.data.value)} (threshold ${String(event.data.threshold)})`}
              </li>
            ))}
          </ol>
        )}
      </section>
    </main>
  );
}
