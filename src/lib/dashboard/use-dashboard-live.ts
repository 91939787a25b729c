// Keeps the dashboard live: joins the creator's channel, applies deltas in sequence order,
// and refetches the snapshot whenever it cannot be sure it has seen everything (a gap in
// the sequence, a (re)join, a message it does not fully understand). Between those, a
// quiet refresh now and then picks up what deltas do not carry (the chart's hours, the
// median time to ship, the alert list, SKU versions).
// Offline first: every state it shows is kept on the device (src/lib/offline/device-storage.ts),
// so a reload without a connection shows the last figures; a stock adjustment made offline is
// queued (src/lib/offline/adjustment-queue.ts) and sent, as it was made, when the connection
// returns: by the service worker's background sync, or by this page while it is open.
import { useCallback, useEffect, useReducer, useRef, useState, type Dispatch, type RefObject } from "react";
import { reachServer, type FetchSnapshot, type PostAdjustment, type ReachServer } from "./dashboard-api.ts";
import { dashboardReducer, initialDashboardState, type DashboardAction, type DashboardState } from "./dashboard-state.ts";
import type { DashboardSnapshot } from "./dashboard-types.ts";
import type { ChannelStatus, RealtimeConnector } from "./realtime-connection.ts";
import { useSnapshotSync } from "./use-snapshot-sync.ts";
import { isOffline, useStockAdjustments } from "./use-stock-adjustments.ts";
import { ADJUSTMENTS_SENT_MESSAGE, queuedAdjustments } from "../offline/adjustment-queue.ts";
import { keepThisPageForOffline, loadSnapshot, moveLegacyQueuedAdjustments, saveSnapshot } from "../offline/device-storage.ts";

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
  /** Asked when the channel fails while the browser says it is online; /api/ping unless a test answers. */
  reachServer?: ReachServer;
}

export interface DashboardLive {
  state: DashboardState;
  connection: ConnectionState;
  /** A refetch failed: the numbers shown may be behind. */
  stale: boolean;
  adjustStock(skuId: string, newTotal: number): Promise<void>;
  dismissNotice(): void;
}

const pageClock = () => performance.now();
/** How often at most the shown state is written to the device (deltas can come many a second). */
const SAVE_INTERVAL_MS = 1_000;

export function useDashboardLive(options: DashboardLiveOptions): DashboardLive {
  const { initial, connect, fetchSnapshot, postAdjustment } = options;
  const creatorId = initial.creatorId;
  const [state, dispatch] = useReducer(dashboardReducer, initial, initialDashboardState);
  const unmounted = useRef(false);
  const clock = useRef(options.clock ?? pageClock);
  const sync = useSnapshotSync({ initialSequence: initial.sequence, fetchSnapshot, refreshDelayMs: options.refreshDelayMs ?? 1_500, clock, dispatch, unmounted });
  const adjustments = useStockAdjustments({ creatorId, state, postAdjustment, newCommandId: options.newCommandId, dispatch, unmounted });
  const connection = useChannelConnection({ connect, creatorId, sync, sendQueuedRef: adjustments.sendQueuedRef, unmounted, reach: options.reachServer ?? reachServer });

  // React runs effects of a render that no input event caused (a socket message) after the
  // browser has painted it, generally: this is when a live order is on screen.
  useEffect(() => {
    if (Object.values(state.arrivals).some((arrival) => arrival.shownAt === null)) dispatch({ type: "arrivals_shown", at: clock.current() });
  }, [state.arrivals]);

  useResumeOnOpen({ creatorId, sequence: sync.sequence, dispatch, showAnswers: adjustments.showAnswers, sendQueuedRef: adjustments.sendQueuedRef });
  useKeptOnDevice(state.data);

  const dismissNotice = useCallback(() => dispatch({ type: "notice_dismissed" }), []);

  return { state, connection, stale: sync.stale, adjustStock: adjustments.adjustStock, dismissNotice };
}

/**
 * Joins the creator's channel and follows the connection: a (re)join or coming back online
 * refetches the figures and sends what was queued; leaving the page leaves the channel.
 */
function useChannelConnection({ connect, creatorId, sync, sendQueuedRef, unmounted, reach }: {
  connect: RealtimeConnector;
  reach: ReachServer;
  creatorId: string;
  sync: ReturnType<typeof useSnapshotSync>;
  sendQueuedRef: RefObject<() => Promise<void>>;
  unmounted: RefObject<boolean>;
}): ConnectionState {
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const { handleMessage, refetch, cancelQuietRefresh } = sync;
  useEffect(() => {
    unmounted.current = false;
    const handleStatus = (status: ChannelStatus) => {
      if (status === "subscribed") {
        setConnection("live");
        // A (re)join may have missed messages sent while away: read the current state.
        void refetch();
        void sendQueuedRef.current();
      } else if (status === "error") {
        setConnection(isOffline() ? "offline" : "reconnecting");
        // navigator.onLine can say online while nothing can be reached (Chromium offline
        // emulation, a captive network): if the server does not answer either, this is offline.
        if (!isOffline()) void reach().then((reachable) => !reachable && !unmounted.current && setConnection((current) => (current === "live" ? current : "offline")));
      } else {
        setConnection("offline");
      }
    };
    const leave = connect(creatorId, { onMessage: handleMessage, onStatus: handleStatus });
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
      cancelQuietRefresh();
    };
  }, [connect, creatorId, handleMessage, refetch, cancelQuietRefresh, sendQueuedRef, unmounted, reach]);
  return connection;
}

/**
 * Opened (perhaps offline, from the service worker's copy of the page): the device's own
 * copy may be newer than the page's, adjustments may be waiting from last time, and the
 * service worker may have sent some while no page was open.
 */
function useResumeOnOpen({ creatorId, sequence, dispatch, showAnswers, sendQueuedRef }: {
  creatorId: string;
  sequence: RefObject<number>;
  dispatch: Dispatch<DashboardAction>;
  showAnswers: () => Promise<void>;
  sendQueuedRef: RefObject<() => Promise<void>>;
}): void {
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
  }, [creatorId, sequence, dispatch, showAnswers, sendQueuedRef]);
}

/** Keeps what is shown on the device, at most once a second, and at once when the page is hidden for good. */
function useKeptOnDevice(data: DashboardSnapshot): void {
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const dataRef = useRef(data);
  dataRef.current = data;
  useEffect(() => {
    if (saveTimer.current) return;
    saveTimer.current = setTimeout(() => {
      saveTimer.current = null;
      saveSnapshot(dataRef.current);
    }, SAVE_INTERVAL_MS);
  }, [data]);
  useEffect(() => {
    const saveNow = () => saveSnapshot(dataRef.current);
    window.addEventListener("pagehide", saveNow);
    return () => {
      window.removeEventListener("pagehide", saveNow);
      if (saveTimer.current) clearTimeout(saveTimer.current);
      saveTimer.current = null;
    };
  }, []);
}
