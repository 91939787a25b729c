// Keeps the dashboard live: joins the creator's channel, applies deltas in sequence order,
// and refetches the snapshot whenever it cannot be sure it has seen everything (a gap in
// the sequence, a (re)join, a message it does not fully understand). Between those, a
// quiet refresh now and then picks up what deltas do not carry (the chart's hours, the
// median time to ship, the alert list, SKU versions).
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import type { AdjustmentResponse, FetchSnapshot, PostAdjustment } from "./dashboard-api.ts";
import { dashboardReducer, initialDashboardState, type DashboardState } from "./dashboard-state.ts";
import type { DashboardSnapshot } from "./dashboard-types.ts";
import { isFullyUnderstood, REALTIME_DELTA_EVENT, realtimeDeltaSchema, type RealtimeDelta } from "./realtime-delta.ts";
import type { ChannelStatus, RealtimeConnector } from "./realtime-connection.ts";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

export interface DashboardLiveOptions {
  initial: DashboardSnapshot;
  connect: RealtimeConnector;
  fetchSnapshot: FetchSnapshot;
  postAdjustment: PostAdjustment;
  /** Delay of the quiet refresh after a delta; a gap or a rejoin refetches at once. */
  refreshDelayMs?: number;
  newCommandId?: () => string;
  /** The page's monotonic clock in ms, for how long a live order took to show; performance.now() unless a test drives it. */
  clock?: () => number;
}

export interface DashboardLive {
  state: DashboardState;
  connection: ConnectionState;
  /** A refetch failed: the numbers shown may be behind. */
  stale: boolean;
  adjustStock(skuId: string, newTotal: number): Promise<void>;
  dismissNotice(): void;
}

const now = () => new Date().toISOString();
const pageClock = () => performance.now();

export function useDashboardLive(options: DashboardLiveOptions): DashboardLive {
  const { initial, connect, fetchSnapshot, postAdjustment } = options;
  const refreshDelayMs = options.refreshDelayMs ?? 1_500;
  const [state, dispatch] = useReducer(dashboardReducer, initial, initialDashboardState);
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const [stale, setStale] = useState(false);

  // Refs, not state: messages arrive faster than renders, and the gap check must see the latest value.
  const sequence = useRef(initial.sequence);
  const fetching = useRef(false);
  const fetchAgain = useRef(false);
  const receivedWhileFetching = useRef<RealtimeDelta[]>([]);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const unmounted = useRef(false);
  const fetchSnapshotRef = useRef(fetchSnapshot);
  fetchSnapshotRef.current = fetchSnapshot;
  const clock = useRef(options.clock ?? pageClock);

  const refetch = useCallback(async (): Promise<void> => {
    if (fetching.current) {
      fetchAgain.current = true;
      return;
    }
    fetching.current = true;
    receivedWhileFetching.current = [];
    if (refreshTimer.current) {
      clearTimeout(refreshTimer.current);
      refreshTimer.current = null;
    }
    try {
      const snapshot = await fetchSnapshotRef.current();
      if (unmounted.current) return;
      // Deltas that arrived during the request may be newer than the snapshot: re-apply them.
      const replay = receivedWhileFetching.current.filter((delta) => delta.seq > snapshot.sequence);
      sequence.current = Math.max(sequence.current, snapshot.sequence);
      dispatch({ type: "snapshot_loaded", snapshot, replay, at: now() });
      setStale(false);
    } catch {
      if (!unmounted.current) setStale(true);
    } finally {
      fetching.current = false;
      receivedWhileFetching.current = [];
      if (fetchAgain.current && !unmounted.current) {
        fetchAgain.current = false;
        void refetch();
      }
    }
  }, []);

  const scheduleQuietRefresh = useCallback(() => {
    if (refreshTimer.current || fetching.current) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = null;
      void refetch();
    }, refreshDelayMs);
  }, [refetch, refreshDelayMs]);

  const handleMessage = useCallback(
    (event: string, payload: unknown) => {
      const receivedAt = clock.current();
      const parsed = event === REALTIME_DELTA_EVENT ? realtimeDeltaSchema.safeParse(payload) : null;
      if (!parsed?.success) {
        void refetch();
        return;
      }
      const delta = parsed.data;
      // Already covered by the snapshot or an earlier delta (at-least-once delivery).
      if (delta.seq <= sequence.current) return;
      const gap = delta.seq > sequence.current + 1;
      sequence.current = delta.seq;
      if (fetching.current) receivedWhileFetching.current.push(delta);
      dispatch({ type: "delta_received", delta, at: now(), receivedAt });
      if (gap || !isFullyUnderstood(delta)) void refetch();
      else scheduleQuietRefresh();
    },
    [refetch, scheduleQuietRefresh],
  );

  useEffect(() => {
    unmounted.current = false;
    const handleStatus = (status: ChannelStatus) => {
      if (status === "subscribed") {
        setConnection("live");
        // A (re)join may have missed messages sent while away: read the current state.
        void refetch();
      } else if (status === "error") {
        setConnection(typeof navigator !== "undefined" && navigator.onLine === false ? "offline" : "reconnecting");
      } else {
        setConnection("offline");
      }
    };
    const leave = connect(initial.creatorId, { onMessage: handleMessage, onStatus: handleStatus });
    const goneOffline = () => setConnection("offline");
    const backOnline = () => setConnection((current) => (current === "offline" ? "reconnecting" : current));
    window.addEventListener("offline", goneOffline);
    window.addEventListener("online", backOnline);
    return () => {
      unmounted.current = true;
      leave();
      window.removeEventListener("offline", goneOffline);
      window.removeEventListener("online", backOnline);
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
      refreshTimer.current = null;
    };
  }, [connect, initial.creatorId, handleMessage, refetch]);

  // React runs effects of a render that no input event caused (a socket message) after the
  // browser has painted it, generally: this is when a live order is on screen.
  useEffect(() => {
    if (Object.values(state.arrivals).some((arrival) => arrival.shownAt === null)) dispatch({ type: "arrivals_shown", at: clock.current() });
  }, [state.arrivals]);

  const newCommandId = useRef(options.newCommandId ?? (() => crypto.randomUUID()));
  const stateRef = useRef(state);
  stateRef.current = state;

  const adjustStock = useCallback(
    async (skuId: string, newTotal: number) => {
      const row = stateRef.current.data.inventory.find((candidate) => candidate.skuId === skuId);
      if (!row) return;
      const commandId = newCommandId.current();
      dispatch({ type: "adjustment_started", skuId, commandId, newTotal });
      const response: AdjustmentResponse = await postAdjustment(skuId, { newTotal, expectedVersion: row.version, commandId });
      if (response.ok) {
        dispatch({ type: "adjustment_confirmed", skuId, commandId, total: response.total, reserved: response.reserved, available: response.available, version: response.version });
      } else {
        dispatch({ type: "adjustment_rejected", skuId, commandId, message: response.message, current: response.current });
      }
    },
    [postAdjustment],
  );

  const dismissNotice = useCallback(() => dispatch({ type: "notice_dismissed" }), []);

  return { state, connection, stale, adjustStock, dismissNotice };
}
