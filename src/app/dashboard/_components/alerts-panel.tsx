"use client";

import { useState } from "react";
import type { AlertAction, PostAlertAction } from "@/lib/dashboard/dashboard-api.ts";
import type { AlertCounts, AlertRow, Severity } from "@/lib/dashboard/dashboard-types.ts";

/** How many alerts the panel shows before "show more": the most severe few, so the page stays a dashboard. */
export const ALERTS_SHOWN = 3;
const SNOOZE_HOURS = 4;

const severityRank: Record<Severity, number> = { emergency: 0, critical: 1, warning: 2 };

export interface AlertsPanelProps {
  alerts: AlertRow[];
  counts: AlertCounts;
  locale: string;
  onAction?: PostAlertAction;
}

export function AlertsPanel({ alerts, counts, locale, onAction }: AlertsPanelProps) {
  const [expanded, setExpanded] = useState(false);
  const { dismissed, acknowledged, failure, act } = useAlertActions(onAction);
  const visible = alerts.filter((alert) => !dismissed.has(alert.id)).sort(byUrgency);
  const open = Math.max(0, counts.open - dismissed.size);
  const shown = expanded ? visible : visible.slice(0, ALERTS_SHOWN);
  const more = open - shown.length;

  return (
    <section aria-labelledby="alerts-heading" className="panel dashboard-section alerts-panel">
      <h2 id="alerts-heading">
        Alerts <span className="count-pill" data-testid="alerts-open-count">{open}</span>
      </h2>
      <p className="section-note">
        {counts.emergency} emergency · {counts.critical} critical · {counts.warning} warning
        {counts.snoozed ? ` · ${counts.snoozed} snoozed` : ""}
      </p>
      {failure ? (
        <p className="notice" role="alert" data-testid="alert-action-failure">
          {failure}
        </p>
      ) : null}
      {visible.length === 0 ? (
        <NoAlertsShown open={open} />
      ) : (
        <ul className="alert-list">
          {shown.map((alert) => (
            <AlertItem key={alert.id} alert={alert} acknowledged={alert.acknowledgedAt !== null || acknowledged.has(alert.id)} locale={locale} onAct={onAction ? (action) => void act(alert, action) : undefined} />
          ))}
        </ul>
      )}
      {more > 0 || expanded ? (
        <button type="button" className="link-button" aria-expanded={expanded} onClick={() => setExpanded(!expanded)} data-testid="alerts-more">
          {expanded ? "Show fewer" : `${more} more ${more === 1 ? "alert" : "alerts"}`}
        </button>
      ) : null}
    </section>
  );
}

/** The most severe first; within a severity the unacknowledged first, then the latest. */
function byUrgency(a: AlertRow, b: AlertRow): number {
  return severityRank[a.severity] - severityRank[b.severity] || Number(a.acknowledgedAt !== null) - Number(b.acknowledgedAt !== null) || b.lastOccurredAt.localeCompare(a.lastOccurredAt);
}

/** What the creator just did to an alert, shown at once; the next refresh brings the alerts as folded. */
function useAlertActions(onAction: PostAlertAction | undefined) {
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const [acknowledged, setAcknowledged] = useState<ReadonlySet<string>>(new Set());
  const [failure, setFailure] = useState<string | null>(null);

  async function act(alert: AlertRow, action: AlertAction) {
    if (!onAction) return;
    setFailure(null);
    const problem = await onAction(alert.id, action);
    if (problem) {
      setFailure(problem);
      return;
    }
    if (action.action === "acknowledge") setAcknowledged((ids) => new Set([...ids, alert.id]));
    else setDismissed((ids) => new Set([...ids, alert.id]));
  }
  return { dismissed, acknowledged, failure, act };
}

function NoAlertsShown({ open }: { open: number }) {
  // A live delta brings the counts at once and the list with the next refresh: never "none" meanwhile.
  if (open > 0) {
    return (
      <p className="empty-state" role="status">
        {open === 1 ? "1 new alert" : `${open} new alerts`}: loading the details…
      </p>
    );
  }
  return <p className="empty-state">No open alerts. Stock running out, orders that cannot be fulfilled and sync problems show up here.</p>;
}

function AlertItem({ alert, acknowledged, locale, onAct }: { alert: AlertRow; acknowledged: boolean; locale: string; onAct?: (action: AlertAction) => void }) {
  const latest = new Date(alert.lastOccurredAt).toLocaleString(locale, { dateStyle: "short", timeStyle: "short" });
  return (
    <li className="alert-item" data-severity={alert.severity} data-alert-id={alert.id} data-acknowledged={acknowledged ? "true" : undefined}>
      <p className="alert-title">
        <span className="severity-tag" data-severity={alert.severity}>
          {alert.severity}
        </span>{" "}
        <strong>{alert.title}</strong>
      </p>
      <p className="alert-message">{alert.message}</p>
      <p className="alert-action">
        <a href={alert.actionHref} data-testid={`alert-action-${alert.id}`}>
          {alert.action}
        </a>
      </p>
      <p className="alert-meta">
        {alert.occurrences > 1 ? <span data-testid="alert-occurrences">{alert.occurrences} times · </span> : null}
        latest <time dateTime={alert.lastOccurredAt} suppressHydrationWarning>{latest}</time>
        {acknowledged ? " · acknowledged" : ""}
      </p>
      {onAct ? (
        <div className="alert-buttons">
          {acknowledged ? null : (
            <button type="button" onClick={() => onAct({ action: "acknowledge" })}>
              Acknowledge
            </button>
          )}
          <button type="button" onClick={() => onAct({ action: "snooze", hours: SNOOZE_HOURS })}>
            Snooze {SNOOZE_HOURS} h
          </button>
          <button type="button" onClick={() => onAct({ action: "resolve" })}>
            Resolve
          </button>
        </div>
      ) : null}
      <details className="alert-detail">
        <summary>Technical detail</summary>
        <p>{alert.detail}</p>
      </details>
    </li>
  );
}
