"use client";

import Link from "next/link";
import { useId, useState } from "react";
import type { ConflictQueueItem } from "@/server/admin/conflict-queue.ts";
import styles from "@/app/admin/admin.module.css";
import { formatUtcTime } from "@/lib/utc-time.ts";
import { OutcomeStatus, postJson, ResolutionFields, useResolutionForm, type ResolutionFormState } from "./resolution-form.tsx";

const channelNames: Record<string, string> = { tiktok_shop: "TikTok", shopify: "Shopify" };

const typeLabels: Record<string, string> = {
  quantity_mismatch: "Quantity mismatch",
  concurrent_update: "Concurrent update",
  stale_data: "Stale data",
};

interface ConflictCardProps {
  conflict: ConflictQueueItem;
  selected: boolean;
  onSelect: (selected: boolean) => void;
  onResolved: () => void;
}

function ConflictCard({ conflict, selected, onSelect, onResolved }: ConflictCardProps) {
  const formId = useId();
  const headingId = `${formId}-heading`;
  const { form, resolvedHere } = useConflictResolution(conflict, onResolved);
  const open = conflict.status === "open" && !resolvedHere;
  const channelName = channelNames[conflict.channel] ?? conflict.channel;
  return (
    <li className={styles.card} data-conflict-id={conflict.conflictId} aria-labelledby={headingId}>
      <h2 id={headingId}>
        SKU <span className={styles.mono}>{conflict.skuId}</span> · {typeLabels[conflict.type] ?? conflict.type}
      </h2>
      <ConflictFacts conflict={conflict} channelName={channelName} />
      <ConflictCounts conflict={conflict} channelName={channelName} />
      <ConflictHistory conflict={conflict} />
      {open ? (
        <ResolveConflictForm skuId={conflict.skuId} formId={formId} form={form} channelName={channelName} selected={selected} onSelect={onSelect} />
      ) : resolvedHere ? null : (
        <ResolvedSummary conflict={conflict} />
      )}
      {open || resolvedHere ? <OutcomeStatus outcome={form.outcome} /> : null}
    </li>
  );
}

/** Resolving one conflict from its card; `resolvedHere` keeps the card's answer even once the refreshed queue has moved on. */
function useConflictResolution(conflict: ConflictQueueItem, onResolved: () => void): { form: ResolutionFormState; resolvedHere: boolean } {
  const [resolvedHere, setResolvedHere] = useState(false);
  // One id per attempt at this conflict: a retried click appends nothing twice.
  const [requestId] = useState(() => crypto.randomUUID());
  const form = useResolutionForm({
    send: (resolution, reason) => postJson(`/api/admin/conflicts/${conflict.conflictId}/resolve`, { creatorId: conflict.creatorId, resolution, reason, requestId }),
    resolved: async (response) => {
      const resolved = (await response.json()) as { winningValue: number; total: number };
      setResolvedHere(true);
      onResolved();
      return { tone: "ok", message: `Resolved: stock is now ${resolved.total}.` };
    },
  });
  return { form, resolvedHere };
}

function ConflictFacts({ conflict, channelName }: { conflict: ConflictQueueItem; channelName: string }) {
  return (
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
        Detected <time dateTime={conflict.detectedAt}>{formatUtcTime(conflict.detectedAt)}</time>
      </li>
      <li data-testid="conflict-channel">
        Channel: {channelName}
        {conflict.shopId ? (
          <>
            {" "}
            <span className={styles.mono}>{conflict.shopId}</span>
          </>
        ) : null}
      </li>
      <li>Source: {conflict.source}</li>
    </ul>
  );
}

function ConflictCounts({ conflict, channelName }: { conflict: ConflictQueueItem; channelName: string }) {
  // A store's conflict compares sellable counts: the store's, and what the pool shows it.
  const ofStore = conflict.channel !== "tiktok_shop";
  return (
    <dl className={styles.values}>
      <div>
        <dt>{ofStore ? "Pool's count for the store" : "Local count"}</dt>
        <dd data-testid="local-value">{conflict.localValue}</dd>
      </div>
      <div>
        <dt>{channelName}&apos;s count</dt>
        <dd data-testid="external-value">{conflict.externalValue}</dd>
      </div>
    </dl>
  );
}

function ConflictHistory({ conflict }: { conflict: ConflictQueueItem }) {
  return (
    <details className={styles.history}>
      <summary>Recent history of this product ({conflict.recentHistory.length} events)</summary>
      <ol reversed>
        {conflict.recentHistory.map((entry) => (
          <li key={entry.id}>
            <Link href={`/admin/history?event=${entry.id}`} className={styles.mono}>
              v{entry.version} {entry.type}
            </Link>{" "}
            <time dateTime={entry.occurredAt}>{formatUtcTime(entry.occurredAt)}</time>
            {typeof entry.data.new_total === "number" ? ` → ${entry.data.new_total}` : ""}
            {typeof entry.data.total === "number" ? ` (TikTok ${entry.data.total})` : ""}
            {entry.source ? ` · ${entry.source}` : ""}
          </li>
        ))}
      </ol>
      <Link href={`/admin/history?kind=product&id=${encodeURIComponent(conflict.skuId)}`}>Full history</Link>
    </details>
  );
}

interface ResolveConflictFormProps {
  skuId: string;
  formId: string;
  form: ResolutionFormState;
  channelName: string;
  selected: boolean;
  onSelect: (selected: boolean) => void;
}

function ResolveConflictForm({ skuId, formId, form, channelName, selected, onSelect }: ResolveConflictFormProps) {
  return (
    <form className={styles.resolveForm} onSubmit={form.submit} aria-label={`Resolve conflict on SKU ${skuId}`}>
      <label className={styles.choice}>
        <input type="checkbox" checked={selected} onChange={(event) => onSelect(event.target.checked)} />
        Select for bulk resolution
      </label>
      <ResolutionFields idPrefix={formId} reasonLabel="Reason" form={form} channelName={channelName} />
      <div className={styles.actions}>
        <button type="submit" disabled={form.pending}>
          {form.pending ? "Resolving…" : "Resolve"}
        </button>
      </div>
    </form>
  );
}

function ResolvedSummary({ conflict }: { conflict: ConflictQueueItem }) {
  return (
    <p className={styles.status}>
      Resolved ({conflict.method}) to {conflict.winningValue} by {conflict.resolvedBy}
      {conflict.resolvedAt ? ` at ${formatUtcTime(conflict.resolvedAt)}` : ""}: {conflict.reason}
    </p>
  );
}

function BulkResolve({ selected, onDone }: { selected: ConflictQueueItem[]; onDone: () => void }) {
  const form = useResolutionForm({
    send: (resolution, reason) => postJson("/api/admin/conflicts/bulk-resolve", { conflicts: selected.map(({ creatorId, conflictId }) => ({ creatorId, conflictId })), resolution, reason }),
    resolved: async (response) => {
      const { outcomes } = (await response.json()) as { outcomes: { ok: boolean; conflictId: string; message?: string }[] };
      const failed = outcomes.filter((item) => !item.ok);
      onDone();
      return failed.length === 0
        ? { tone: "ok", message: `Resolved ${outcomes.length} conflicts.` }
        : { tone: "error", message: `Resolved ${outcomes.length - failed.length}; ${failed.length} failed: ${failed.map((item) => item.message).join("; ")}` };
    },
  });

  return (
    <form className={`panel ${styles.resolveForm}`} onSubmit={form.submit} aria-label="Bulk resolution">
      <h2>Bulk resolution</h2>
      <p className={styles.status}>{selected.length === 0 ? "Select conflicts below to resolve them together." : `${selected.length} selected.`}</p>
      <ResolutionFields idPrefix="bulk" reasonLabel="Reason for all selected" form={form} />
      <div className={styles.actions}>
        <button type="submit" disabled={form.pending || selected.length === 0}>
          {form.pending ? "Resolving…" : `Resolve ${selected.length} selected`}
        </button>
      </div>
      <OutcomeStatus outcome={form.outcome} />
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
