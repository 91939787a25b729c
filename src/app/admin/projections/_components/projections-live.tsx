"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import type { ProjectionStatus } from "@/server/admin/projection-status.ts";
import styles from "@/app/admin/admin.module.css";
import { formatUtcTime } from "@/lib/utc-time.ts";
import { AdminTablePanel } from "@/app/admin/_components/admin-panel.tsx";

const FAST_POLL_MS = 1_000;
const SLOW_POLL_MS = 5_000;

const rebuilding = (status: ProjectionStatus) => status.rebuild?.phase === "building" || status.rebuild?.phase === "swapping";

function formatTime(iso: string | null): string {
  return iso ? formatUtcTime(iso) : "never";
}

/** Projection statuses, polled: every second while a rebuild runs, every five otherwise. */
export function ProjectionsLive({ initial }: { initial: ProjectionStatus[] }) {
  const [projections, setProjections] = useState(initial);
  const [message, setMessage] = useState<{ tone: "ok" | "error"; text: string } | null>(null);
  const [starting, setStarting] = useState<string | null>(null);
  const anyRebuilding = projections.some(rebuilding) || starting !== null;

  const refresh = useCallback(async () => {
    const response = await fetch("/api/admin/projections", { cache: "no-store" }).catch(() => null);
    if (!response?.ok) return;
    setProjections(((await response.json()) as { projections: ProjectionStatus[] }).projections);
  }, []);

  useEffect(() => {
    const timer = setInterval(refresh, anyRebuilding ? FAST_POLL_MS : SLOW_POLL_MS);
    return () => clearInterval(timer);
  }, [anyRebuilding, refresh]);

  const rebuild = async (name: string) => {
    setStarting(name);
    try {
      const response = await fetch(`/api/admin/projections/${name}/rebuild`, { method: "POST" });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        setMessage({ tone: "error", text: body?.error?.message ?? `The server answered ${response.status}` });
      } else {
        setMessage({ tone: "ok", text: `Rebuild of ${name} started.` });
      }
      await refresh();
    } finally {
      setStarting(null);
    }
  };

  return (
    <AdminTablePanel
      panelId="projections"
      title="Projections"
      before={
        <p className={styles.status} role="status" data-tone={message?.tone}>
          {message?.text ?? ""}
        </p>
      }
      columns={[{ label: "Projection" }, { label: "Lag (events)", numeric: true }, { label: "Processed", numeric: true }, { label: "Last run" }, { label: "Last error" }, { label: "Rebuild" }]}
    >
      {projections.map((projection) => (
        <ProjectionRow key={projection.name} projection={projection} anyStarting={starting !== null} onRebuild={rebuild} />
      ))}
    </AdminTablePanel>
  );
}

/** One projection: its tables, lag, progress, last run and error, and its rebuild button. */
function ProjectionRow({ projection, anyStarting, onRebuild }: { projection: ProjectionStatus; anyStarting: boolean; onRebuild: (name: string) => void }) {
  const running = rebuilding(projection);
  return (
    <tr data-projection={projection.name}>
      <th scope="row">
        <span className={styles.mono}>{projection.name}</span>
        <br />
        <span className="section-note">{projection.tables.join(", ")}</span>
      </th>
      <td className="numeric" data-testid={`lag-${projection.name}`}>
        {projection.lag}
      </td>
      <td className="numeric">{projection.eventsProcessed}</td>
      <td>{formatTime(projection.lastRunAt)}</td>
      <td>{projection.lastError ? <span title={projection.lastError}>{projection.lastError.slice(0, 80)}</span> : "—"}</td>
      <td>
        {projection.rebuild ? <RebuildProgress name={projection.name} progress={projection.rebuild} /> : null}
        <button type="button" className={styles.secondary} onClick={() => onRebuild(projection.name)} disabled={running || anyStarting}>
          {running ? "Rebuilding…" : `Rebuild ${projection.name.replace(/^projection-/, "")}`}
        </button>
      </td>
    </tr>
  );
}

/** A rebuild's phase and progress, and the events it could not fold, with a link to them as dead letters. */
function RebuildProgress({ name, progress }: { name: string; progress: NonNullable<ProjectionStatus["rebuild"]> }) {
  return (
    <div data-testid={`rebuild-${name}`}>
      <progress
        className={styles.progress}
        max={Math.max(1, progress.total)}
        value={progress.phase === "done" ? Math.max(1, progress.total) : progress.processed}
        aria-label={`Rebuild of ${name}`}
      />
      <div className="section-note">
        {progress.phase} · {progress.processed}/{progress.total} events
        {progress.eventsPerSecond ? ` · ${progress.eventsPerSecond}/s` : ""}
        {progress.error ? ` · ${progress.error}` : ""}
      </div>
      {progress.deadLettered ? (
        <div className="section-note" data-testid={`rebuild-dead-letters-${name}`}>
          <Link href="/admin/dead-letters?status=pending">
            {progress.deadLettered} {progress.deadLettered === 1 ? "event" : "events"} could not be folded: recorded as dead letters
          </Link>
        </div>
      ) : null}
    </div>
  );
}
