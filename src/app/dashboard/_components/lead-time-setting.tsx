"use client";

import { useState, type FormEvent } from "react";

type Saving = { state: "idle" } | { state: "saving" } | { state: "saved"; days: number } | { state: "failed"; message: string };

/**
 * How many days a reorder of one SKU takes to arrive, as the creator sets it (7 until set):
 * the reorder suggestion covers that many days of forecast demand plus safety stock.
 */
export function LeadTimeSetting({ skuId, creatorQuery, leadTimeDays }: { skuId: string; creatorQuery: string | null; leadTimeDays: number }) {
  const [days, setDays] = useState(String(leadTimeDays));
  const [saving, setSaving] = useState<Saving>({ state: "idle" });

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = Number(days);
    if (!Number.isInteger(value) || value < 1 || value > 365) {
      setSaving({ state: "failed", message: "Enter a whole number of days from 1 to 365." });
      return;
    }
    setSaving({ state: "saving" });
    const query = creatorQuery ? `?creator=${encodeURIComponent(creatorQuery)}` : "";
    try {
      const response = await fetch(`/api/inventory/${encodeURIComponent(skuId)}/lead-time${query}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ leadTimeDays: value }),
      });
      const body = (await response.json().catch(() => null)) as { leadTimeDays?: number; error?: { message?: string } } | null;
      if (response.ok && typeof body?.leadTimeDays === "number") setSaving({ state: "saved", days: body.leadTimeDays });
      else setSaving({ state: "failed", message: body?.error?.message ?? `The server answered ${response.status}; the lead time was not saved.` });
    } catch {
      setSaving({ state: "failed", message: "Could not reach the server; the lead time was not saved." });
    }
  }

  return (
    <form className="lead-time-setting" onSubmit={save} data-testid="lead-time-setting">
      <label htmlFor={`lead-time-${skuId}`}>Reorder lead time (days)</label>{" "}
      <input id={`lead-time-${skuId}`} type="number" inputMode="numeric" min={1} max={365} step={1} value={days} onChange={(event) => setDays(event.target.value)} required />{" "}
      <button type="submit" disabled={saving.state === "saving"}>
        {saving.state === "saving" ? "Saving…" : "Save"}
      </button>
      {saving.state === "saved" ? (
        <p className="section-note" role="status">
          Saved: reorder suggestions for this SKU now cover {saving.days} {saving.days === 1 ? "day" : "days"} of sales.
        </p>
      ) : null}
      {saving.state === "failed" ? (
        <p className="notice" role="alert">
          {saving.message}
        </p>
      ) : null}
    </form>
  );
}
