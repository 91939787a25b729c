// The dashboard's calls to its own route handlers, from the browser.
import type { DashboardSnapshot } from "./dashboard-types.ts";

export type FetchSnapshot = () => Promise<DashboardSnapshot>;

/** Whether the app's server answers at all (any status); false when the request cannot be made. */
export type ReachServer = () => Promise<boolean>;

export const reachServer: ReachServer = () =>
  fetch("/api/ping", { method: "HEAD", cache: "no-store" }).then(
    () => true,
    () => false,
  );

export interface AdjustmentRequest {
  newTotal: number;
  expectedVersion: number;
  commandId: string;
}

export type AdjustmentResponse =
  | { ok: true; total: number; reserved: number; available: number; version: number }
  | { ok: false; status: number; code: string; message: string; current?: { total: number; reserved: number; available: number; version: number } };

export type PostAdjustment = (skuId: string, request: AdjustmentRequest) => Promise<AdjustmentResponse>;

export function snapshotFetcher(creatorQuery: string | null): FetchSnapshot {
  return async () => {
    const query = creatorQuery ? `?creator=${encodeURIComponent(creatorQuery)}` : "";
    const response = await fetch(`/api/dashboard${query}`, { cache: "no-store", headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`GET /api/dashboard answered ${response.status}`);
    return (await response.json()) as DashboardSnapshot;
  };
}

export function adjustmentPoster(creatorQuery: string | null): PostAdjustment {
  return async (skuId, request) => {
    const query = creatorQuery ? `?creator=${encodeURIComponent(creatorQuery)}` : "";
    let response: Response;
    try {
      response = await fetch(`/api/inventory/${encodeURIComponent(skuId)}/adjust${query}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
      });
    } catch {
      return { ok: false, status: 0, code: "network", message: "Could not reach the server; your change was not saved. Check your connection and try again." };
    }
    const body = (await response.json().catch(() => null)) as
      | { total: number; reserved: number; available: number; version: number }
      | { error?: { code?: string; message?: string; details?: { total: number; reserved: number; available: number; version: number } } }
      | null;
    if (response.ok && body && "total" in body) return { ok: true, total: body.total, reserved: body.reserved, available: body.available, version: body.version };
    const error = body && "error" in body ? body.error : undefined;
    return {
      ok: false,
      status: response.status,
      code: error?.code ?? "unknown",
      message: error?.message ?? `The server answered ${response.status}; your change was not saved.`,
      current: error?.details,
    };
  };
}

export type AlertAction = { action: "acknowledge" } | { action: "snooze"; hours: number } | { action: "resolve" };

/** Acting on an alert: null when done, else what went wrong, in words for the creator. */
export type PostAlertAction = (alertId: string, action: AlertAction) => Promise<string | null>;

export function alertActionPoster(creatorQuery: string | null): PostAlertAction {
  return async (alertId, action) => {
    const query = creatorQuery ? `?creator=${encodeURIComponent(creatorQuery)}` : "";
    try {
      const response = await fetch(`/api/alerts/${encodeURIComponent(alertId)}${query}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...action, commandId: crypto.randomUUID() }),
      });
      if (response.ok) return null;
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      return body?.error?.message ?? `The server answered ${response.status}.`;
    } catch {
      return "Could not reach the server. Check your connection and try again.";
    }
  };
}
