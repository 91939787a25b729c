// A creator's stock adjustments from the dashboard: sent at once when online, queued on the
// device when not (or when the request never reached the server) and sent, as made, when the
// connection returns: by the service worker's background sync, or by this page while it is open.
import { useCallback, useRef, type Dispatch, type RefObject } from "react";
import type { AdjustmentResponse, PostAdjustment } from "./dashboard-api.ts";
import type { DashboardAction, DashboardState } from "./dashboard-state.ts";
import { queueAdjustment, sendQueuedAdjustments, takeSentAdjustments } from "../offline/adjustment-queue.ts";
import { requestBackgroundSend } from "../offline/device-storage.ts";

const now = () => new Date().toISOString();
export const isOffline = () => typeof navigator !== "undefined" && navigator.onLine === false;

export interface StockAdjustmentsOptions {
  creatorId: string;
  state: DashboardState;
  postAdjustment: PostAdjustment;
  newCommandId?: () => string;
  dispatch: Dispatch<DashboardAction>;
  /** Set once the page is left: a page being left sends nothing more. */
  unmounted: RefObject<boolean>;
}

export function useStockAdjustments({ creatorId, state, postAdjustment, dispatch, unmounted, ...options }: StockAdjustmentsOptions) {
  const newCommandId = useRef(options.newCommandId ?? (() => crypto.randomUUID()));
  const stateRef = useRef(state);
  stateRef.current = state;

  const applyAnswer = useCallback((skuId: string, commandId: string, response: AdjustmentResponse) => {
    if (response.ok) {
      dispatch({ type: "adjustment_confirmed", skuId, commandId, total: response.total, reserved: response.reserved, available: response.available, version: response.version });
    } else {
      dispatch({ type: "adjustment_rejected", skuId, commandId, message: response.message, current: response.current });
    }
  }, [dispatch]);

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
    [creatorId, dispatch],
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
    [dispatch, postAdjustment, queue, applyAnswer],
  );

  // Answers to queued adjustments, this page's or the service worker's: shown once, here.
  const showAnswers = useCallback(async () => {
    const sent = await takeSentAdjustments(creatorId);
    if (!unmounted.current) dispatch({ type: "queued_adjustments_answered", sent });
  }, [creatorId, dispatch, unmounted]);

  const sendQueuedRef = useSendQueued({ creatorId, postAdjustment, dispatch, unmounted, showAnswers });
  return { adjustStock, showAnswers, sendQueuedRef };
}

/**
 * Sends what was queued offline (adjustment-queue.ts says how); the service worker may be
 * doing the same on a sync event, one of them at a time. A ref, so that what calls it
 * (a rejoin, back online) always calls the latest.
 */
function useSendQueued({ creatorId, postAdjustment, dispatch, unmounted, showAnswers }: Omit<StockAdjustmentsOptions, "state" | "newCommandId"> & { showAnswers: () => Promise<void> }) {
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
  }, [creatorId, dispatch, postAdjustment, showAnswers, unmounted]);
  const sendQueuedRef = useRef(sendQueued);
  sendQueuedRef.current = sendQueued;
  return sendQueuedRef;
}
