// Keeps the dashboard live: joins the creator's channel, applies deltas in sequence order,
// and refetches the snapshot whenever it cannot be sure it has seen everything (a gap in
// the sequence, a (re)join, a message it does not fully understand). Between those, a
// quiet refresh now and then picks up what deltas do not carry (the chart's hours, the
// median time to ship, the alert list, SKU versions).
// Offline first: every state it shows is kept on the device (src/lib/offline/device-storage.ts),
// so a reload without a connection shows the last figures; a stock adjustment made offline is
// queued (src/lib/offline/adjustment-queue.ts) and sent, as it was made, when the connection
// returns: by the service worker's background sync, or by this page while it is open.
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import type { AdjustmentResponse, FetchSnapshot, PostAdjustment } from "./dashboard-api.ts";
import { dashboardReducer, initialDashboardState, type DashboardState } from "./dashboard-state.ts";
import type { DashboardSnapshot } from "./dashboard-types.ts";
import { isFullyUnderstood, REALTIME_DELTA_EVENT, realtimeDeltaSchema, type RealtimeDelta } from "./realtime-delta.ts";
import type { ChannelStatus, RealtimeConnector } from "./realtime-connection.ts";
import { ADJUSTMENTS_SENT_MESSAGE, queueAdjustment, queuedAdjustments, sendQueuedAdjustments, takeSentAdjustments } from "../offline/adjustment-queue.ts";
import { keepThisPageForOffline, loadSnapshot, moveLegacyQueuedAdjustments, requestBackgroundSend, saveSnapshot } from "../offline/device-storage.ts";

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
const isOffline = () => typeof navigator !== "undefined" && navigator.onLine === false;
/** How often at most the shown state is written to the device (deltas can come many a second). */
const SAVE_INTERVAL_MS = 1_000;

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
        void sendQueuedRef.current();
      } else if (status === "error") {
        setConnection(typeof navigator !== "undefined" && navigator.onLine === false ? "offline" : "reconnecting");
      } else {
        setConnection("offline");
      }
    };
    const leave = connect(initial.creatorId, { onMessage: handleMessage, onStatus: handleStatus });
    const goneOffline = () => setConnection("offline");
    const backOnline = () => {
      setConnection((current) => (current === "offline" ? "reconnecting" : current));
      // The channel's own reconnect refetches once it has joined; the figures need not wait for it.
      void refetch();
      void sendQueuedRef.current();
    };
    if (isOffline()) setConnection("offline");
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

  const creatorId = initial.creatorId;
  const applyAnswer = useCallback((skuId: string, commandId: string, response: AdjustmentResponse) => {
    if (response.ok) {
      dispatch({ type: "adjustment_confirmed", skuId, commandId, total: response.total, reserved: response.reserved, available: response.available, version: response.version });
    } else {
      dispatch({ type: "adjustment_rejected", skuId, commandId, message: response.message, current: response.current });
    }
  }, []);

  const queue = useCallback(
    async (skuId: string, newTotal: number, expectedVersion: number, commandId: string) => {
      dispatch({ type: "adjustment_queued", skuId, commandId, newTotal });
      try {
        await queueAdjustment({ creatorId, skuId, newTotal, expectedVersion, commandId, queuedAt: now() });
      } catch {
        // Storage refused (private mode, quota): say so rather than show a change that is kept nowhere.
        dispatch({ type: "adjustment_rejected", skuId, commandId, message: `This browser could not keep your change to ${skuId} until you are back online; it was not saved. Try again when you are online.` });
        return;
      }
      await requestBackgroundSend().catch(() => false);
    },
    [creatorId],
  );

  const adjustStock = useCallback(
    async (skuId: string, newTotal: number) => {
      const row = stateRef.current.data.inventory.find((candidate) => candidate.skuId === skuId);
      if (!row) return;
      const commandId = newCommandId.current();
      if (isOffline()) {
        await queue(skuId, newTotal, row.version, commandId);
        return;
      }
      dispatch({ type: "adjustment_started", skuId, commandId, newTotal });
      const response: AdjustmentResponse = await postAdjustment(skuId, { newTotal, expectedVersion: row.version, commandId });
      // The request never reached the server: keep it and send it when the connection is back.
      if (!response.ok && response.status === 0) await queue(skuId, newTotal, row.version, commandId);
      else applyAnswer(skuId, commandId, response);
    },
    [postAdjustment, queue, applyAnswer],
  );

  // Answers to queued adjustments, this page's or the service worker's: shown once, here.
  const showAnswers = useCallback(async () => {
    const sent = await takeSentAdjustments(creatorId);
    if (!unmounted.current) dispatch({ type: "queued_adjustments_answered", sent });
  }, [creatorId]);

  // Sends what was queued offline (adjustment-queue.ts says how); the service worker may be
  // doing the same on a sync event, one of them at a time.
  const sending = useRef(false);
  const sendAgain = useRef(false);
  const sendQueued = useCallback(async (): Promise<void> => {
    // A page being left sends nothing more: the next one, or the service worker, will.
    if (unmounted.current || isOffline()) return;
    if (sending.current) {
      // What triggered this (back online, a rejoin) may have come after the queue was read.
      sendAgain.current = true;
      return;
    }
    sending.current = true;
    try {
      const { kept } = await sendQueuedAdjustments({
        creatorId,
        post: ({ skuId, newTotal, expectedVersion, commandId }) => postAdjustment(skuId, { newTotal, expectedVersion, commandId }),
        onSending: ({ skuId, commandId, newTotal }) => dispatch({ type: "adjustment_started", skuId, commandId, newTotal }),
      });
      for (const { skuId, commandId, newTotal } of kept) dispatch({ type: "adjustment_queued", skuId, commandId, newTotal });
      await showAnswers();
    } catch {
      // The device's storage failed: what is queued stays queued for the next try.
    } finally {
      sending.current = false;
    }
    if (sendAgain.current && !unmounted.current) {
      sendAgain.current = false;
      await sendQueuedRef.current();
    }
  }, [creatorId, postAdjustment, showAnswers]);
  const sendQueuedRef = useRef(sendQueued);
  sendQueuedRef.current = sendQueued;

  // Opened (perhaps offline, from the service worker's copy of the page): the device's own
  // copy may be newer than the page's, adjustments may be waiting from last time, and the
  // service worker may have sent some while no page was open.
  useEffect(() => {
    const stored = loadSnapshot(creatorId);
    if (stored && stored.sequence > sequence.current) {
      sequence.current = stored.sequence;
      dispatch({ type: "snapshot_loaded", snapshot: stored, replay: [], at: stored.readAt });
    }
    const resume = async () => {
      await moveLegacyQueuedAdjustments(creatorId);
      for (const { skuId, commandId, newTotal } of await queuedAdjustments(creatorId)) dispatch({ type: "adjustment_queued", skuId, commandId, newTotal });
      await showAnswers();
      await sendQueuedRef.current();
    };
    void resume().catch(() => undefined);
    void keepThisPageForOffline().catch(() => undefined);
    const fromWorker = (event: MessageEvent) => {
      if ((event.data as { type?: unknown } | null)?.type === ADJUSTMENTS_SENT_MESSAGE) void showAnswers().catch(() => undefined);
    };
    const worker = typeof navigator !== "undefined" && "serviceWorker" in navigator ? navigator.serviceWorker : null;
    worker?.addEventListener("message", fromWorker);
    return () => worker?.removeEventListener("message", fromWorker);
  }, [creatorId, showAnswers]);

  // Keeps what is shown on the device, at most once a second.
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const dataRef = useRef(state.data);
  dataRef.current = state.data;
  useEffect(() => {
    if (saveTimer.current) return;
    saveTimer.current = setTimeout(() => {
      saveTimer.current = null;
      saveSnapshot(dataRef.current);
    }, SAVE_INTERVAL_MS);
  }, [state.data]);
  useEffect(() => {
    const saveNow = () => saveSnapshot(dataRef.current);
    window.addEventListener("pagehide", saveNow);
    return () => {
      window.removeEventListener("pagehide", saveNow);
      if (saveTimer.current) clearTimeout(saveTimer.current);
      saveTimer.current = null;
    };
  }, []);

  const dismissNotice = useCallback(() => dispatch({ type: "notice_dismissed" }), []);

  return { state, connection, stale, adjustStock, dismissNotice };
}
