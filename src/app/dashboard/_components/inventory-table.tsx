"use client";

import { useId, useMemo, useState, type FormEvent } from "react";
import { displayedInventoryRow, type AdjustmentNotice, type PendingAdjustment } from "@/lib/dashboard/dashboard-state.ts";
import type { InventoryRow, Severity } from "@/lib/dashboard/dashboard-types.ts";
import { formatHours, formatNumber } from "@/lib/dashboard/formatting.ts";

type SortKey = "severity" | "sku" | "available" | "reserved" | "velocity" | "stockout";
type Direction = "ascending" | "descending";

/** The id of a SKU's row, so an alert about the SKU can link to it (`#sku-<id>`). */
export const inventoryRowAnchor = (skuId: string) => `sku-${skuId}`;

const severityRank = (severity: Severity | null) => (severity === "emergency" ? 0 : severity === "critical" ? 1 : severity === "warning" ? 2 : 3);
const severityLabels: Record<Severity, string> = { emergency: "Emergency", critical: "Critical", warning: "Low" };

const compare: Record<SortKey, (a: InventoryRow, b: InventoryRow) => number> = {
  severity: (a, b) => severityRank(a.severity) - severityRank(b.severity) || (a.hoursToStockout ?? Infinity) - (b.hoursToStockout ?? Infinity),
  sku: (a, b) => a.skuId.localeCompare(b.skuId),
  available: (a, b) => a.available - b.available,
  reserved: (a, b) => a.reserved - b.reserved,
  velocity: (a, b) => a.velocityPerHour - b.velocityPerHour,
  stockout: (a, b) => (a.hoursToStockout ?? Infinity) - (b.hoursToStockout ?? Infinity),
};

const columns: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: "sku", label: "SKU" },
  { key: "available", label: "Available", numeric: true },
  { key: "reserved", label: "Reserved", numeric: true },
  { key: "velocity", label: "Sold per hour", numeric: true },
  { key: "stockout", label: "Stock-out in", numeric: true },
  { key: "severity", label: "Status" },
];

interface InventoryTableProps {
  rows: InventoryRow[];
  pending: Record<string, PendingAdjustment>;
  notice: AdjustmentNotice | null;
  locale: string;
  onAdjust(skuId: string, newTotal: number): void;
  onDismissNotice(): void;
  /** Opens the SKU's demand forecast chart. */
  onOpenForecast?(skuId: string): void;
}

export function InventoryTable({ rows, pending, notice, locale, onAdjust, onDismissNotice, onOpenForecast }: InventoryTableProps) {
  const [sort, setSort] = useState<{ key: SortKey; direction: Direction }>({ key: "severity", direction: "ascending" });
  const sorted = useMemo(() => {
    const sign = sort.direction === "ascending" ? 1 : -1;
    return rows.map((row) => displayedInventoryRow(row, pending[row.skuId])).sort((a, b) => sign * compare[sort.key](a, b) || a.skuId.localeCompare(b.skuId));
  }, [rows, pending, sort]);

  const toggle = (key: SortKey) =>
    setSort((current) => ({ key, direction: current.key === key && current.direction === "ascending" ? "descending" : "ascending" }));

  return (
    <section aria-labelledby="inventory-heading" className="panel dashboard-section dashboard-wide">
      <h2 id="inventory-heading">Inventory</h2>
      {notice ? (
        <div className={`adjust-notice`} data-kind={notice.kind} role={notice.kind === "rejected" ? "alert" : "status"} data-testid="adjust-notice">
          <p>{notice.message}</p>
          <button type="button" className="link-button" onClick={onDismissNotice}>
            Dismiss
          </button>
        </div>
      ) : null}
      {rows.length === 0 ? (
        <p className="empty-state">
          No products yet. Stock levels appear here once TikTok Shop reports your catalogue or you add opening stock.
        </p>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Inventory, scrollable">
          <table className="inventory-table">
            <caption className="visually-hidden">Stock per SKU; column headers sort the table</caption>
            <thead>
              <tr>
                {columns.map((column) => (
                  <th key={column.key} scope="col" aria-sort={sort.key === column.key ? sort.direction : "none"} className={column.numeric ? "numeric" : undefined}>
                    <button type="button" className="sort-button" onClick={() => toggle(column.key)}>
                      {column.label}
                      <span aria-hidden="true">{sort.key === column.key ? (sort.direction === "ascending" ? " ▲" : " ▼") : ""}</span>
                    </button>
                  </th>
                ))}
                <th scope="col">Stock</th>
                <th scope="col">Adjust</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((row) => (
                <InventoryTableRow key={row.skuId} row={row} pending={pending[row.skuId]} locale={locale} onAdjust={onAdjust} onOpenForecast={onOpenForecast} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

interface InventoryTableRowProps {
  row: InventoryRow;
  pending: PendingAdjustment | undefined;
  locale: string;
  onAdjust(skuId: string, newTotal: number): void;
  onOpenForecast?(skuId: string): void;
}

function InventoryTableRow({ row, pending, locale, onAdjust, onOpenForecast }: InventoryTableRowProps) {
  const saving = pending !== undefined;
  return (
    <tr id={inventoryRowAnchor(row.skuId)} data-severity={row.severity ?? "ok"} data-sku={row.skuId} data-saving={saving ? "true" : undefined} data-queued={pending?.queued ? "true" : undefined}>
      <SkuHeaderCell skuId={row.skuId} hasOpenConflict={row.hasOpenConflict} onOpenForecast={onOpenForecast} />
      <td className="numeric" data-testid={`available-${row.skuId}`}>
        {formatNumber(row.available, locale)}
        {pending?.queued ? <span className="saving"> (pending: sends when online)</span> : saving ? <span className="saving"> (saving…)</span> : null}
      </td>
      <td className="numeric">{formatNumber(row.reserved, locale)}</td>
      <td className="numeric">{formatNumber(row.velocityPerHour, locale, 1)}</td>
      <td className="numeric">{formatHours(row.hoursToStockout, locale)}</td>
      <td>
        <span className="severity-tag" data-severity={row.severity ?? "ok"}>
          {row.severity ? severityLabels[row.severity] : "OK"}
        </span>
      </td>
      <td>
        <StockBar row={row} locale={locale} />
      </td>
      <td>
        <AdjustStockForm row={row} saving={saving} onAdjust={onAdjust} />
      </td>
    </tr>
  );
}

function SkuHeaderCell({ skuId, hasOpenConflict, onOpenForecast }: { skuId: string; hasOpenConflict: boolean; onOpenForecast?(skuId: string): void }) {
  return (
    <th scope="row">
      <code>{skuId}</code>
      {hasOpenConflict ? <span className="badge">Conflict</span> : null}
      {onOpenForecast ? (
        <>
          {" "}
          <button type="button" className="link-button" onClick={() => onOpenForecast(skuId)}>
            Forecast<span className="visually-hidden"> for {skuId}</span>
          </button>
        </>
      ) : null}
    </th>
  );
}

function StockBar({ row, locale }: { row: InventoryRow; locale: string }) {
  const availableShare = row.total > 0 ? Math.max(0, row.available) / row.total : 0;
  const reservedShare = row.total > 0 ? row.reserved / row.total : 0;
  return (
    <span
      className="stock-bar"
      role="img"
      aria-label={`${formatNumber(row.available, locale)} available and ${formatNumber(row.reserved, locale)} reserved of ${formatNumber(row.total, locale)} in stock; reorder at ${formatNumber(row.reorderPoint, locale)}`}
    >
      <span className="stock-bar-available" style={{ width: `${availableShare * 100}%` }} />
      <span className="stock-bar-reserved" style={{ width: `${reservedShare * 100}%` }} />
    </span>
  );
}

/** A new stock count as typed: a whole number of at least 0, or null (nothing is sent). */
export function newStockCount(typed: string): number | null {
  const newTotal = Number(typed);
  return typed.trim() === "" || !Number.isInteger(newTotal) || newTotal < 0 ? null : newTotal;
}

function AdjustStockForm({ row, saving, onAdjust }: { row: InventoryRow; saving: boolean; onAdjust(skuId: string, newTotal: number): void }) {
  const inputId = useId();
  const [value, setValue] = useState("");
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const newTotal = newStockCount(value);
    if (newTotal === null) return;
    onAdjust(row.skuId, newTotal);
    setValue("");
  };
  return (
    <form className="adjust-form" onSubmit={submit}>
      <label htmlFor={inputId} className="visually-hidden">
        New stock count for {row.skuId}
      </label>
      <input
        id={inputId}
        type="number"
        inputMode="numeric"
        min={row.reserved}
        step={1}
        placeholder={String(row.total)}
        value={value}
        onChange={(event) => setValue(event.target.value)}
        disabled={saving}
      />
      <button type="submit" disabled={saving || value.trim() === ""}>
        Set<span className="visually-hidden"> stock of {row.skuId}</span>
      </button>
    </form>
  );
}
