// The dashboard's figures kept in step with the server: deltas applied in sequence order, and
// the snapshot refetched whenever the page cannot be sure it has seen everything (a gap in
// the sequence, a message it does not fully understand, a (re)join). Between those, a quiet
// refresh a while after a delta picks up what deltas do not carry.
import { useCallback, useRef, useState, type Dispatch, type RefObject } from "react";
import type { FetchSnapshot } from "./dashboard-api.ts";
import type { DashboardAction } from "./dashboard-state.ts";
import { isFullyUnderstood, REALTIME_DELTA_EVENT, realtimeDeltaSchema, type RealtimeDelta } from "./realtime-delta.ts";

const now = () => new Date().toISOString();

export interface SnapshotSyncOptions {
  initialSequence: number;
  fetchSnapshot: FetchSnapshot;
  refreshDelayMs: number;
  /** The page's monotonic clock in ms, for how long a live order took to show. */
  clock: RefObject<() => number>;
  dispatch: Dispatch<DashboardAction>;
  /** Set once the page is left: nothing is dispatched or refetched after. */
  unmounted: RefObject<boolean>;
}

export function useSnapshotSync({ initialSequence, fetchSnapshot, refreshDelayMs, clock, dispatch, unmounted }: SnapshotSyncOptions) {
  const [stale, setStale] = useState(false);
  // Refs, not state: messages arrive faster than renders, and the gap check must see the latest value.
  const sequence = useRef(initialSequence);
  const fetching = useRef(false);
  const fetchAgain = useRef(false);
  const receivedWhileFetching = useRef<RealtimeDelta[]>([]);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const fetchSnapshotRef = useRef(fetchSnapshot);
  fetchSnapshotRef.current = fetchSnapshot;

  const cancelQuietRefresh = useCallback(() => {
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
    refreshTimer.current = null;
  }, []);

  const refetch = useCallback(async (): Promise<void> => {
    if (fetching.current) {
      fetchAgain.current = true;
      return;
    }
    fetching.current = true;
    receivedWhileFetching.current = [];
    cancelQuietRefresh();
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
  }, [cancelQuietRefresh, dispatch, unmounted]);

  const scheduleQuietRefresh = useCallback(() => {
    if (refreshTimer.current || fetching.current) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = null;
      void refetch();
    }, refreshDelayMs);
  }, [refetch, refreshDelayMs]);

  const handleMessage = useDeltaMessages({ clock, dispatch, sequence, fetching, receivedWhileFetching, refetch, scheduleQuietRefresh });
  return { sequence, stale, refetch, handleMessage, cancelQuietRefresh };
}

/**
 * A message on the channel: a delta next in sequence is applied (and a quiet refresh
 * scheduled); one already seen is dropped; a gap, or anything not fully understood, refetches.
 */
function useDeltaMessages({ clock, dispatch, sequence, fetching, receivedWhileFetching, refetch, scheduleQuietRefresh }: {
  clock: RefObject<() => number>;
  dispatch: Dispatch<DashboardAction>;
  sequence: RefObject<number>;
  fetching: RefObject<boolean>;
  /** Deltas that arrived while a refetch ran, to re-apply over its snapshot. */
  receivedWhileFetching: RefObject<RealtimeDelta[]>;
  refetch: () => Promise<void>;
  scheduleQuietRefresh: () => void;
}) {
  return useCallback(
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
    [clock, dispatch, sequence, fetching, receivedWhileFetching, refetch, scheduleQuietRefresh],
  );
}
