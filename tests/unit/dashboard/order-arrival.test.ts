// How long a live order took from TikTok's webhook to the screen: the server's part from
// the delta plus the browser's own, each by one clock, and how the line reads.
import { describe, expect, it } from "vitest";
import { dashboardReducer, initialDashboardState, type DashboardState } from "../../../src/lib/dashboard/dashboard-state.ts";
import { arrivalLine, arrivalMs, formatAge, formatShortDuration, type OrderArrival } from "../../../src/lib/dashboard/order-arrival.ts";
import type { RealtimeDelta } from "../../../src/lib/dashboard/realtime-delta.ts";
import { orderDelta, snapshot } from "./dashboard-fixtures.ts";

const LIVE = "100000000000000002";

function liveDelta(seq: number, orderId: string, sinceWebhookMs?: number): RealtimeDelta {
  const delta = orderDelta(seq, orderId, 3);
  return { ...delta, orders: delta.orders!.map((order) => ({ ...order, ...(sinceWebhookMs === undefined ? {} : { sinceWebhookMs: sinceWebhookMs }) })) };
}

const receive = (state: DashboardState, delta: RealtimeDelta, receivedAt: number) =>
  dashboardReducer(state, { type: "delta_received", delta, at: new Date().toISOString(), receivedAt });

describe("an order's arrival figure", () => {
  it("adds the browser's part, from receiving the delta to showing it, to the server's part the delta carries", () => {
    const arrival: OrderArrival = { serverMs: 120, receivedAt: 5_000, shownAt: 5_018 };
    expect(arrivalMs(arrival)).toBe(138);
    expect(arrivalLine(arrival, 7_118, "en-US")).toBe("2.1 s ago · arrived in 138 ms");
  });

  it("is unknown until the update is on screen", () => {
    const arrival: OrderArrival = { serverMs: 120, receivedAt: 5_000, shownAt: null };
    expect(arrivalMs(arrival)).toBeNull();
    expect(arrivalLine(arrival, 6_000, "en-US")).toBeNull();
  });

  it.each([
    [140, "140 ms"],
    [999.6, "1.0 s"],
    [2_149, "2.1 s"],
    [45_200, "45 s"],
    [59_600, "1 min"],
    [185_000, "3 min"],
    [7_300_000, "2 h"],
    [3 * 86_400_000, "3 d"],
  ])("reads %d ms as %s", (ms, text) => {
    expect(formatShortDuration(ms, "en-US")).toBe(text);
  });

  it("follows the viewer's locale and says 'just now' under a second", () => {
    expect(formatShortDuration(2_149, "de-DE")).toBe("2,1 s");
    expect(formatAge(400, "en-US")).toBe("just now");
    expect(formatAge(2_100, "en-US")).toBe("2.1 s ago");
  });
});

describe("the dashboard's arrival figures", () => {
  it("times an order a live delta brought with a webhook's figure, from receipt to the render after it", () => {
    const received = receive(initialDashboardState(snapshot()), liveDelta(6, LIVE, 120), 1_000);
    expect(received.arrivals[LIVE]).toEqual({ serverMs: 120, receivedAt: 1_000, shownAt: null });
    const shown = dashboardReducer(received, { type: "arrivals_shown", at: 1_030 });
    expect(arrivalMs(shown.arrivals[LIVE])).toBe(150);
    // Nothing left to time: the same state, so the effect that reports renders stops there.
    expect(dashboardReducer(shown, { type: "arrivals_shown", at: 1_060 })).toBe(shown);
  });

  it("gives none to orders a page load or refetch brought, and keeps a live order's across a refetch", () => {
    const initial = initialDashboardState(snapshot());
    expect(initial.arrivals).toEqual({});
    const live = dashboardReducer(receive(initial, liveDelta(6, LIVE, 120), 1_000), { type: "arrivals_shown", at: 1_030 });
    const refetched = snapshot({
      sequence: 7,
      orders: [
        { orderId: "100000000000000009", status: "received", tiktokStatus: "AWAITING_SHIPMENT", onHold: false, totalMinor: 990, currency: "USD", receivedAt: new Date().toISOString(), shippedAt: null },
        ...live.data.orders,
      ],
    });
    const after = dashboardReducer(live, { type: "snapshot_loaded", snapshot: refetched, replay: [], at: new Date().toISOString() });
    expect(Object.keys(after.arrivals)).toEqual([LIVE]);
    expect(after.arrivals[LIVE]).toBe(live.arrivals[LIVE]);
  });

  it("keeps the figure when a later change came without a webhook, and replaces it with a later webhook's", () => {
    const first = dashboardReducer(receive(initialDashboardState(snapshot()), liveDelta(6, LIVE, 120), 1_000), { type: "arrivals_shown", at: 1_030 });
    const sagaChange = receive(first, liveDelta(7, LIVE), 2_000);
    expect(sagaChange.arrivals[LIVE]).toBe(first.arrivals[LIVE]);
    const cancelled = receive(sagaChange, liveDelta(8, LIVE, 80), 3_000);
    expect(cancelled.arrivals[LIVE]).toEqual({ serverMs: 80, receivedAt: 3_000, shownAt: null });
  });

  it("forgets the figure of an order once the feed no longer shows it", () => {
    const live = receive(initialDashboardState(snapshot()), liveDelta(6, LIVE, 120), 1_000);
    const without = dashboardReducer(live, { type: "snapshot_loaded", snapshot: snapshot({ sequence: 6 }), replay: [], at: new Date().toISOString() });
    expect(without.arrivals).toEqual({});
  });
});
