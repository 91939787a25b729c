"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState, useTransition, type FormEvent } from "react";
import type { ConflictQueueItem } from "@/server/admin/conflict-queue.ts";
import styles from "@/app/admin/admin.module.css";

type ResolutionKind = "keep_local" | "accept_external" | "custom";
type Resolution = { kind: "keep_local" } | { kind: "accept_external" } | { kind: "custom"; value: number };

const typeLabels: Record<string, string> = {
  quantity_mismatch: "Quantity mismatch",
  concurrent_update: "Concurrent update",
  stale_data: "Stale data",
};

interface Outcome {
  tone: "ok" | "error";
  message: string;
}

async function errorMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `The server answered ${response.status}`;
}

function formatTime(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

/** Radios for the three ways to resolve, plus the custom count; shared by the single and the bulk form. */
function ResolutionChoice({ idPrefix, kind, onKind, custom, onCustom }: { idPrefix: string; kind: ResolutionKind; onKind: (kind: ResolutionKind) => void; custom: string; onCustom: (value: string) => void }) {
  return (
    <fieldset>
      <legend>Resolution</legend>
      <label className={styles.choice}>
        <input type="radio" name={`${idPrefix}-kind`} value="keep_local" checked={kind === "keep_local"} onChange={() => onKind("keep_local")} />
        Keep local count
      </label>
      <label className={styles.choice}>
        <input type="radio" name={`${idPrefix}-kind`} value="accept_external" checked={kind === "accept_external"} onChange={() => onKind("accept_external")} />
        Accept TikTok&apos;s count
      </label>
      <label className={styles.choice}>
        <input type="radio" name={`${idPrefix}-kind`} value="custom" checked={kind === "custom"} onChange={() => onKind("custom")} />
        Custom count
      </label>
      {kind === "custom" ? (
        <label className={styles.choice}>
          Custom count value
          <input className={styles.customValue} type="number" min={0} step={1} required inputMode="numeric" value={custom} onChange={(event) => onCustom(event.target.value)} />
        </label>
      ) : null}
    </fieldset>
  );
}

function toResolution(kind: ResolutionKind, custom: string): Resolution | null {
  if (kind !== "custom") return { kind };
  const value = Number(custom);
  return custom.trim() !== "" && Number.isInteger(value) && value >= 0 ? { kind, value } : null;
}

function ConflictCard({
  conflict,
  selected,
  onSelect,
  onResolved,
}: {
  conflict: ConflictQueueItem;
  selected: boolean;
  onSelect: (selected: boolean) => void;
  onResolved: () => void;
}) {
  const router = useRouter();
  const formId = useId();
  const [kind, setKind] = useState<ResolutionKind>("keep_local");
  const [custom, setCustom] = useState("");
  const [reason, setReason] = useState("");
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  // Resolved from this card: its answer stays, even once the refreshed queue has moved on.
  const [resolvedHere, setResolvedHere] = useState(false);
  const [pending, startTransition] = useTransition();
  // One id per attempt at this conflict: a retried click appends nothing twice.
  const [requestId] = useState(() => crypto.randomUUID());
  const headingId = `${formId}-heading`;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const resolution = toResolution(kind, custom);
    if (!resolution) {
      setOutcome({ tone: "error", message: "A custom count is a whole number of units, 0 or more." });
      return;
    }
    startTransition(async () => {
      const response = await fetch(`/api/admin/conflicts/${conflict.conflictId}/resolve`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ creatorId: conflict.creatorId, resolution, reason, requestId }),
      });
      if (!response.ok) {
        setOutcome({ tone: "error", message: await errorMessage(response) });
        return;
      }
      const resolved = (await response.json()) as { winningValue: number; total: number };
      setOutcome({ tone: "ok", message: `Resolved: stock is now ${resolved.total}.` });
      setResolvedHere(true);
      onResolved();
      router.refresh();
    });
  };

  const open = conflict.status === "open" && !resolvedHere;
  return (
    <li className={styles.card} data-conflict-id={conflict.conflictId} aria-labelledby={headingId}>
      <h2 id={headingId}>
        SKU <span className={styles.mono}>{conflict.skuId}</span> · {typeLabels[conflict.type] ?? conflict.type}
      </h2>
      <ul className={styles.meta}>
        <li>
          Creator <span className={styles.mono}>{conflict.creatorId}</span>
        </li>
        {conflict.productId ? (
          <li>
            Product <span className={styles.mono}>{conflict.productId}</span>
          </li>
        ) : null}
        <li>
          Detected <time dateTime={conflict.detectedAt}>{formatTime(conflict.detectedAt)}</time>
        </li>
        <li>Source: {conflict.source}</li>
      </ul>
      <dl className={styles.values}>
        <div>
          <dt>Local count</dt>
          <dd data-testid="local-value">{conflict.localValue}</dd>
        </div>
        <div>
          <dt>TikTok&apos;s count</dt>
          <dd data-testid="external-value">{conflict.externalValue}</dd>
        </div>
      </dl>
      <details className={styles.history}>
        <summary>Recent history of this product ({conflict.recentHistory.length} events)</summary>
        <ol reversed>
          {conflict.recentHistory.map((entry) => (
            <li key={entry.id}>
              <Link href={`/admin/history?event=${entry.id}`} className={styles.mono}>
                v{entry.version} {entry.type}
              </Link>{" "}
              <time dateTime={entry.occurredAt}>{formatTime(entry.occurredAt)}</time>
              {typeof entry.data.new_total === "number" ? ` → ${entry.data.new_total}` : ""}
              {typeof entry.data.total === "number" ? ` (TikTok ${entry.data.total})` : ""}
              {entry.source ? ` · ${entry.source}` : ""}
            </li>
          ))}
        </ol>
        <Link href={`/admin/history?kind=product&id=${encodeURIComponent(conflict.skuId)}`}>Full history</Link>
      </details>
      {open ? (
        <form className={styles.resolveForm} onSubmit={submit} aria-label={`Resolve conflict on SKU ${conflict.skuId}`}>
          <label className={styles.choice}>
            <input type="checkbox" checked={selected} onChange={(event) => onSelect(event.target.checked)} />
            Select for bulk resolution
          </label>
          <ResolutionChoice idPrefix={formId} kind={kind} onKind={setKind} custom={custom} onCustom={setCustom} />
          <label className={styles.field}>
            Reason
            <textarea required maxLength={500} rows={2} value={reason} onChange={(event) => setReason(event.target.value)} />
          </label>
          <div className={styles.actions}>
            <button type="submit" disabled={pending}>
              {pending ? "Resolving…" : "Resolve"}
            </button>
          </div>
        </form>
      ) : resolvedHere ? null : (
        <p className={styles.status}>
          Resolved ({conflict.method}) to {conflict.winningValue} by {conflict.resolvedBy}
          {conflict.resolvedAt ? ` at ${formatTime(conflict.resolvedAt)}` : ""}: {conflict.reason}
        </p>
      )}
      {open || resolvedHere ? (
        <p className={styles.status} role="status" data-tone={outcome?.tone}>
          {outcome?.message ?? ""}
        </p>
      ) : null}
    </li>
  );
}

function BulkResolve({ selected, onDone }: { selected: ConflictQueueItem[]; onDone: () => void }) {
  const router = useRouter();
  const [kind, setKind] = useState<ResolutionKind>("keep_local");
  const [custom, setCustom] = useState("");
  const [reason, setReason] = useState("");
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  // Resolved from this card: its answer stays, even once the refreshed queue has moved on.
  const [resolvedHere, setResolvedHere] = useState(false);
  const [pending, startTransition] = useTransition();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const resolution = toResolution(kind, custom);
    if (!resolution) {
      setOutcome({ tone: "error", message: "A custom count is a whole number of units, 0 or more." });
      return;
    }
    startTransition(async () => {
      const response = await fetch("/api/admin/conflicts/bulk-resolve", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ conflicts: selected.map(({ creatorId, conflictId }) => ({ creatorId, conflictId })), resolution, reason }),
      });
      if (!response.ok) {
        setOutcome({ tone: "error", message: await errorMessage(response) });
        return;
      }
      const { outcomes } = (await response.json()) as { outcomes: { ok: boolean; conflictId: string; message?: string }[] };
      const failed = outcomes.filter((item) => !item.ok);
      setOutcome(
        failed.length === 0
          ? { tone: "ok", message: `Resolved ${outcomes.length} conflicts.` }
          : { tone: "error", message: `Resolved ${outcomes.length - failed.length}; ${failed.length} failed: ${failed.map((item) => item.message).join("; ")}` },
      );
      onDone();
      router.refresh();
    });
  };

  return (
    <form className={`panel ${styles.resolveForm}`} onSubmit={submit} aria-label="Bulk resolution">
      <h2>Bulk resolution</h2>
      <p className={styles.status}>{selected.length === 0 ? "Select conflicts below to resolve them together." : `${selected.length} selected.`}</p>
      <ResolutionChoice idPrefix="bulk" kind={kind} onKind={setKind} custom={custom} onCustom={setCustom} />
      <label className={styles.field}>
        Reason for all selected
        <textarea required maxLength={500} rows={2} value={reason} onChange={(event) => setReason(event.target.value)} />
      </label>
      <div className={styles.actions}>
        <button type="submit" disabled={pending || selected.length === 0}>
          {pending ? "Resolving…" : `Resolve ${selected.length} selected`}
        </button>
      </div>
      <p className={styles.status} role="status" data-tone={outcome?.tone}>
        {outcome?.message ?? ""}
      </p>
    </form>
  );
}

export function ConflictQueue({ conflicts, status }: { conflicts: ConflictQueueItem[]; status: "open" | "resolved" }) {
  const [selectedIds, setSelectedIds] = useState<ReadonlySet<string>>(new Set());
  // Conflicts resolved on this page stay on it (with their answer) after the refresh drops them from the open queue.
  const [resolvedHere, setResolvedHere] = useState<ReadonlyMap<string, ConflictQueueItem>>(new Map());
  const listed = new Set(conflicts.map((conflict) => conflict.conflictId));
  const shown = [...conflicts, ...[...resolvedHere.values()].filter((conflict) => !listed.has(conflict.conflictId))];
  const selected = conflicts.filter((conflict) => selectedIds.has(conflict.conflictId));
  const select = (conflictId: string, on: boolean) =>
    setSelectedIds((current) => {
      const next = new Set(current);
      if (on) next.add(conflictId);
      else next.delete(conflictId);
      return next;
    });

  if (shown.length === 0) {
    return (
      <p className="panel empty-state" role="status">
        {status === "open" ? "No open conflicts match these filters." : "No resolved conflicts match these filters."}
      </p>
    );
  }
  return (
    <>
      {status === "open" ? <BulkResolve selected={selected} onDone={() => setSelectedIds(new Set())} /> : null}
      <h2 className="visually-hidden">Conflicts</h2>
      <ul className={`${styles.list} panel-list`} aria-label={`${conflicts.length} ${status} conflicts`} style={{ marginTop: "1rem" }}>
        {shown.map((conflict) => (
          <ConflictCard
            key={conflict.conflictId}
            conflict={conflict}
            selected={selectedIds.has(conflict.conflictId)}
            onSelect={(on) => select(conflict.conflictId, on)}
            onResolved={() => setResolvedHere((current) => new Map(current).set(conflict.conflictId, conflict))}
          />
        ))}
      </ul>
    </>
  );
}
