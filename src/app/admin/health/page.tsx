import type { Metadata } from "next";
import Link from "next/link";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { readSystemHealth, type SystemHealthView } from "@/server/admin/system-health.ts";
import { databaseClient } from "@/server/database.ts";
import { AutoRefresh } from "./_components/auto-refresh.tsx";
import styles from "@/app/admin/admin.module.css";
import { formatUtcTime } from "@/lib/utc-time.ts";
import { AdminPanel, AdminTablePanel } from "@/app/admin/_components/admin-panel.tsx";

export const metadata: Metadata = { title: "System health" };

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const formatTime = (iso: string | null) => (iso ? formatUtcTime(iso) : "never");

function ChecksPanel({ health }: { health: SystemHealthView }) {
  return (
    <AdminPanel panelId="checks" title="Checks">
      <ul className={styles.list}>
        {Object.entries(health.report.checks).map(([name, check]) => (
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
    </AdminPanel>
  );
}

function IntakePanel({ health }: { health: SystemHealthView }) {
  const { webhooks } = health;
  return (
    <AdminPanel panelId="intake" title="Webhooks and dead letters">
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
    </AdminPanel>
  );
}

function FulfilmentConfigurationPanel({ stopped }: { stopped: SystemHealthView["fulfilmentNeedingConfiguration"] }) {
  return (
    <AdminPanel panelId="fulfilment-configuration" title="Fulfilment needing configuration" testId="fulfilment-needs-configuration">
      {stopped.total === 0 ? (
        <p className="section-note">No order&apos;s fulfilment is stopped for lack of configuration.</p>
      ) : (
        <>
          <p className="section-note">
            {stopped.total} order(s) stopped before a step that cannot run here: no label was bought and nothing was sent to TikTok
            for them. Ship them in TikTok Seller Center (the saga then completes), or configure a carrier (see the README&apos;s Production section).
          </p>
          <ul className={styles.list}>
            {stopped.sagas.map((saga) => (
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
    </AdminPanel>
  );
}

function ConsumersPanel({ consumers }: { consumers: SystemHealthView["consumers"] }) {
  return (
    <AdminTablePanel
      panelId="consumers"
      title="Consumers"
      columns={[{ label: "Consumer" }, { label: "Lag", numeric: true }, { label: "Last run" }, { label: "Error rate", numeric: true }, { label: "Retry rate", numeric: true }, { label: "Last error" }]}
    >
      {consumers.map((consumer) => (
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
    </AdminTablePanel>
  );
}

function SystemEventsPanel({ events }: { events: SystemHealthView["recentSystemEvents"] }) {
  return (
    <AdminPanel panelId="system-events" title="Recent system events">
      {events.length === 0 ? (
        <p className="section-note">No health check recorded yet.</p>
      ) : (
        <ol>
          {events.map((event) => (
            <li key={event.id}>
              <span className={styles.mono}>{event.type}</span> <time dateTime={event.occurredAt}>{formatTime(event.occurredAt)}</time>{" "}
              {event.type === "system.health_check_completed" ? String(event.data.status) : `${String(event.data.metric)} = ${String(event.data.value)} (threshold ${String(event.data.threshold)})`}
            </li>
          ))}
        </ol>
      )}
    </AdminPanel>
  );
}

export default async function HealthPage() {
  await readAdminForPage("/admin/health");
  const health = await readSystemHealth(databaseClient(), { now: new Date() });
  return (
    <main id="main">
      <h1>System health</h1>
      <p className="page-intro">
        Figures over the last {health.windowMinutes} minutes, measured {formatTime(health.measuredAt)}. Overall:{" "}
        <span className={styles.badge} data-tone={health.report.status} data-testid="health-status">
          {health.report.status}
        </span>
      </p>
      <AutoRefresh intervalMs={15_000} />
      <ChecksPanel health={health} />
      <IntakePanel health={health} />
      <FulfilmentConfigurationPanel stopped={health.fulfilmentNeedingConfiguration} />
      <ConsumersPanel consumers={health.consumers} />
      <SystemEventsPanel events={health.recentSystemEvents} />
    </main>
  );
}
