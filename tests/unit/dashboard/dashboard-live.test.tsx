// @vitest-environment jsdom
// The live page's contract with Realtime and its own route handlers, with the channel and
// the HTTP calls replaced by fakes the specification drives message by message.
import "fake-indexeddb/auto";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { IDBFactory } from "fake-indexeddb";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DashboardLive } from "../../../src/app/dashboard/_components/dashboard-live.tsx";
import type { AdjustmentResponse, FetchSnapshot, PostAdjustment } from "../../../src/lib/dashboard/dashboard-api.ts";
import type { DashboardSnapshot } from "../../../src/lib/dashboard/dashboard-types.ts";
import type { ChannelHandlers, ChannelStatus, RealtimeConnector } from "../../../src/lib/dashboard/realtime-connection.ts";
import { queueAdjustment, queuedAdjustments, sendQueuedAdjustments } from "../../../src/lib/offline/adjustment-queue.ts";
import { orderDelta, snapshot, sku } from "./dashboard-fixtures.ts";

afterEach(() => {
  cleanup();
  // The dashboard keeps its state on the device: each test starts with a device of its own.
  localStorage.clear();
  globalThis.indexedDB = new IDBFactory();
});

function fakeChannel() {
  let handlers: ChannelHandlers | null = null;
  const connect: RealtimeConnector = (_creatorId, given) => {
    handlers = given;
    return () => {
      handlers = null;
    };
  };
  return {
    connect,
    status: (status: ChannelStatus) => act(() => handlers!.onStatus(status)),
    /** The channel joins, and the refetch a join starts has landed. */
    join: async () => {
      await act(() => handlers!.onStatus("subscribed"));
      await settle();
    },
    send: (event: string, payload: unknown) => act(() => handlers!.onMessage(event, payload)),
    /** Delivers a message, then runs `meanwhile` before React renders what it changed. */
    sendThen: (event: string, payload: unknown, meanwhile: () => void) =>
      act(() => {
        handlers!.onMessage(event, payload);
        meanwhile();
      }),
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Lets the promise callbacks queued by the component run. */
const settle = () => act(async () => {});

function renderDashboard(options: { initial?: DashboardSnapshot; fetchSnapshot?: FetchSnapshot; postAdjustment?: PostAdjustment; clock?: () => number; reachServer?: () => Promise<boolean> } = {}) {
  const channel = fakeChannel();
  const initial = options.initial ?? snapshot();
  const fetchSnapshot = vi.fn(options.fetchSnapshot ?? (async () => initial));
  const postAdjustment = vi.fn<PostAdjustment>(options.postAdjustment ?? (async () => ({ ok: true, total: 0, reserved: 0, available: 0, version: 0 })));
  render(
    <DashboardLive
      initial={initial}
      locale="en-US"
      connect={channel.connect}
      fetchSnapshot={fetchSnapshot}
      postAdjustment={postAdjustment}
      // Long enough that only gaps, rejoins and unknown messages refetch during a test.
      refreshDelayMs={3_600_000}
      clock={options.clock}
      reachServer={options.reachServer ?? (async () => true)}
    />,
  );
  return { channel, fetchSnapshot, postAdjustment };
}

const connectionStatus = () => screen.getByTestId("connection-status").textContent;
const feed = () => within(screen.getByTestId("order-feed"));
const ordersKpi = () => screen.getByTestId("kpi-orders-value");

describe("live dashboard", () => {
  it("shows the connection going live, reconnecting, and live again, refetching after each join", async () => {
    const { channel, fetchSnapshot } = renderDashboard();
    expect(connectionStatus()).toContain("Connecting…");

    await channel.join();
    expect(connectionStatus()).toContain("Live");
    expect(fetchSnapshot).toHaveBeenCalledTimes(1);

    await channel.status("error");
    expect(connectionStatus()).toContain("Reconnecting…");

    await channel.join();
    expect(connectionStatus()).toContain("Live");
    expect(fetchSnapshot).toHaveBeenCalledTimes(2);

    await channel.status("closed");
    expect(connectionStatus()).toContain("Offline");
  });

  it("shows offline when the channel fails and the server does not answer, though the browser says it is online", async () => {
    const reachable = deferred<boolean>();
    const { channel } = renderDashboard({ reachServer: () => reachable.promise });
    await channel.join();
    await channel.status("error");
    expect(connectionStatus()).toContain("Reconnecting…");
    await act(async () => reachable.resolve(false));
    expect(screen.getByTestId("offline-since")).toBeTruthy();

    // The channel joins again: live, whatever the last answer was.
    await channel.join();
    expect(connectionStatus()).toContain("Live");
  });

  it("applies a delta in sequence at once and marks the new order, without refetching", async () => {
    const { channel, fetchSnapshot } = renderDashboard();
    await channel.join();
    fetchSnapshot.mockClear();

    await channel.send("delta", orderDelta(6, "100000000000000002", 3));

    const row = feed().getByText("100000000000000002").closest("li")!;
    expect(row.dataset.new).toBe("true");
    expect(within(row).getByText("New")).toBeTruthy();
    expect(ordersKpi().textContent).toBe("3");
    expect(fetchSnapshot).not.toHaveBeenCalled();
  });

  it("refetches on a gap in the sequence and shows what the refetch brought", async () => {
    const missed = snapshot({
      sequence: 8,
      today: { ...snapshot().today, ordersReceived: 7 },
      orders: [{ orderId: "100000000000000009", status: "shipped", tiktokStatus: "IN_TRANSIT", onHold: false, totalMinor: 990, currency: "USD", receivedAt: new Date().toISOString(), shippedAt: new Date().toISOString() }],
    });
    let answer = snapshot();
    const { channel, fetchSnapshot } = renderDashboard({ fetchSnapshot: async () => answer });
    await channel.join();
    fetchSnapshot.mockClear();

    await channel.send("delta", orderDelta(6, "100000000000000002", 3));
    expect(fetchSnapshot).not.toHaveBeenCalled();

    answer = missed;
    // Sequence 7 never arrived.
    await channel.send("delta", orderDelta(8, "100000000000000003", 7));
    await settle();

    expect(fetchSnapshot).toHaveBeenCalledTimes(1);
    expect(feed().getByText("100000000000000009")).toBeTruthy();
    expect(ordersKpi().textContent).toBe("7");

    // Back in step: the next delta in sequence applies without another refetch.
    await channel.send("delta", orderDelta(9, "100000000000000010", 8));
    expect(fetchSnapshot).toHaveBeenCalledTimes(1);
    expect(ordersKpi().textContent).toBe("8");
  });

  it("shows how long a live order took from TikTok's webhook to the screen, and nothing for orders a refetch brought", async () => {
    // Only the line's once-a-second tick is faked; the page's clock is the test's.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      let pageTime = 50_000;
      const live = "100000000000000002";
      const missed = "100000000000000009";
      let answer = snapshot();
      const { channel } = renderDashboard({ clock: () => pageTime, fetchSnapshot: async () => answer });
      await channel.join();

      const delta = orderDelta(6, live, 3);
      // 120 ms on the server side; the page renders it 18 ms after receiving it.
      await channel.sendThen("delta", { ...delta, orders: delta.orders!.map((order) => ({ ...order, sinceWebhookMs: 120 })) }, () => {
        pageTime += 18;
      });
      const liveRow = () => feed().getByText(live).closest("li")!;
      expect(within(liveRow()).getByTestId("order-arrival").textContent).toBe("just now · arrived in 138 ms");

      pageTime += 2_100;
      await act(() => vi.advanceTimersByTime(1_000));
      expect(within(liveRow()).getByTestId("order-arrival").textContent).toBe("2.1 s ago · arrived in 138 ms");

      // A rejoin refetches: an order that arrived meanwhile shows no figure, the live one keeps its own.
      answer = snapshot({
        sequence: 7,
        orders: [
          { orderId: missed, status: "received", tiktokStatus: "AWAITING_SHIPMENT", onHold: false, totalMinor: 990, currency: "USD", receivedAt: new Date().toISOString(), shippedAt: null },
          { orderId: live, status: "validated", tiktokStatus: "AWAITING_SHIPMENT", onHold: false, totalMinor: 2500, currency: "USD", receivedAt: delta.orders![0].receivedAt!, shippedAt: null },
          ...snapshot().orders,
        ],
      });
      await channel.status("error");
      await channel.join();
      const missedRow = feed().getByText(missed).closest("li")!;
      expect(within(missedRow).queryByTestId("order-arrival")).toBeNull();
      expect(within(feed().getByText("100000000000000001").closest("li")!).queryByTestId("order-arrival")).toBeNull();
      expect(within(liveRow()).getByText("Checked")).toBeTruthy();
      expect(within(liveRow()).getByTestId("order-arrival").textContent).toBe("2.1 s ago · arrived in 138 ms");
    } finally {
      vi.useRealTimers();
    }
  });

  it("ignores a delta it has already seen", async () => {
    const { channel, fetchSnapshot } = renderDashboard();
    await channel.join();
    fetchSnapshot.mockClear();
    await channel.send("delta", orderDelta(5, "100000000000000004", 99));
    expect(ordersKpi().textContent).toBe("2");
    expect(fetchSnapshot).not.toHaveBeenCalled();
  });

  it.each([
    ["an unknown event", "snapshot_ready", { seq: 6 }],
    ["a delta it cannot parse", "delta", { seq: "six", changed: "everything" }],
    ["a delta naming a read model it does not know", "delta", { seq: 6, changed: ["forecasts"] }],
    ["a delta asking for a refetch", "delta", { seq: 6, changed: ["orders"], refetch: true, orders: [] }],
  ])("refetches on %s instead of guessing", async (_case, event, payload) => {
    const { channel, fetchSnapshot } = renderDashboard();
    await channel.join();
    fetchSnapshot.mockClear();
    await channel.send(event, payload);
    await settle();
    expect(fetchSnapshot).toHaveBeenCalledTimes(1);
  });

  it("shows a stock adjustment at once and confirms it when the server accepts it", async () => {
    const answer = deferred<AdjustmentResponse>();
    const { postAdjustment } = renderDashboard({ postAdjustment: () => answer.promise });

    fireEvent.change(screen.getByLabelText("New stock count for 1001"), { target: { value: "60" } });
    fireEvent.click(screen.getByRole("button", { name: "Set stock of 1001" }));

    // 60 in stock, 2 reserved: 58 available, shown before the server has answered.
    expect(screen.getByTestId("available-1001").textContent).toBe("58 (saving…)");
    expect(postAdjustment).toHaveBeenCalledWith("1001", expect.objectContaining({ newTotal: 60, expectedVersion: 3 }));

    await act(async () => answer.resolve({ ok: true, total: 60, reserved: 2, available: 58, version: 4 }));
    expect(screen.getByTestId("available-1001").textContent).toBe("58");
    expect(screen.getByTestId("adjust-notice").textContent).toContain("Stock of 1001 saved: 60 in stock.");
  });

  it("rolls an adjustment back with a clear message when the stock moved meanwhile", async () => {
    const answer = deferred<AdjustmentResponse>();
    renderDashboard({
      initial: snapshot({ inventory: [sku({ skuId: "1001", available: 40, reserved: 2, total: 42, version: 3 })] }),
      postAdjustment: () => answer.promise,
    });

    fireEvent.change(screen.getByLabelText("New stock count for 1001"), { target: { value: "10" } });
    fireEvent.click(screen.getByRole("button", { name: "Set stock of 1001" }));
    expect(screen.getByTestId("available-1001").textContent).toBe("8 (saving…)");

    await act(async () =>
      answer.resolve({
        ok: false,
        status: 412,
        code: "version_conflict",
        message: "Stock of 1001 changed while you were editing (now 45 in stock, 5 reserved). Your change to 10 was not saved.",
        current: { total: 45, reserved: 5, available: 40, version: 5 },
      }),
    );

    expect(screen.getByTestId("available-1001").textContent).toBe("40");
    expect(screen.getByRole("alert").textContent).toContain("Your change to 10 was not saved.");
  });
});

describe("offline", () => {
  let online = true;
  beforeAll(() => {
    Object.defineProperty(navigator, "onLine", { configurable: true, get: () => online });
  });
  afterEach(() => {
    online = true;
  });
  const goOffline = () => act(() => {
    online = false;
    window.dispatchEvent(new Event("offline"));
  });
  const goOnline = () => act(async () => {
    online = true;
    window.dispatchEvent(new Event("online"));
  });

  it("queues a stock adjustment made offline, shows it pending, and sends it as it was made when back online", async () => {
    const answer = deferred<AdjustmentResponse>();
    const { postAdjustment } = renderDashboard({ postAdjustment: () => answer.promise });
    await goOffline();
    expect(connectionStatus()).toContain("Offline since");

    fireEvent.change(screen.getByLabelText("New stock count for 1001"), { target: { value: "60" } });
    fireEvent.click(screen.getByRole("button", { name: "Set stock of 1001" }));
    expect(postAdjustment).not.toHaveBeenCalled();
    expect(screen.getByTestId("available-1001").textContent).toBe("58 (pending: sends when online)");
    await waitFor(async () => expect(await queuedAdjustments(snapshot().creatorId)).toHaveLength(1));

    await goOnline();
    await waitFor(() => expect(postAdjustment).toHaveBeenCalledTimes(1));
    const [skuId, request] = postAdjustment.mock.calls[0]!;
    expect(skuId).toBe("1001");
    // The version the creator saw when making the change, not whatever is current now.
    expect(request).toMatchObject({ newTotal: 60, expectedVersion: 3 });
    await act(async () => answer.resolve({ ok: true, total: 60, reserved: 2, available: 58, version: 4 }));
    await waitFor(() => expect(screen.getByTestId("adjust-notice").textContent).toContain("Stock of 1001 saved: 60 in stock."));
    expect(screen.getByTestId("available-1001").textContent).toBe("58");
    expect(await queuedAdjustments(snapshot().creatorId)).toEqual([]);
  });

  it("shows the conflict and the current count when a queued adjustment meets a change made meanwhile (412)", async () => {
    renderDashboard({
      postAdjustment: async () => ({
        ok: false,
        status: 412,
        code: "version_conflict",
        message: "Stock of 1001 changed while you were editing (now 45 in stock, 5 reserved). Your change to 60 was not saved.",
        current: { total: 45, reserved: 5, available: 40, version: 5 },
      }),
    });
    await goOffline();
    fireEvent.change(screen.getByLabelText("New stock count for 1001"), { target: { value: "60" } });
    fireEvent.click(screen.getByRole("button", { name: "Set stock of 1001" }));
    await waitFor(async () => expect(await queuedAdjustments(snapshot().creatorId)).toHaveLength(1));
    await goOnline();
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("Your change to 60 was not saved."));
    expect(screen.getByTestId("available-1001").textContent).toBe("40");
  });

  it("keeps an adjustment whose request never reached the server, and sends it with the same command id later", async () => {
    let reachable = false;
    const { postAdjustment } = renderDashboard({
      postAdjustment: async () =>
        reachable ? { ok: true, total: 60, reserved: 2, available: 58, version: 4 } : { ok: false, status: 0, code: "network", message: "Could not reach the server" },
    });
    fireEvent.change(screen.getByLabelText("New stock count for 1001"), { target: { value: "60" } });
    fireEvent.click(screen.getByRole("button", { name: "Set stock of 1001" }));
    await settle();
    expect(screen.getByTestId("available-1001").textContent).toBe("58 (pending: sends when online)");

    await waitFor(async () => expect(await queuedAdjustments(snapshot().creatorId)).toHaveLength(1));

    reachable = true;
    await goOnline();
    await waitFor(() => expect(screen.getByTestId("available-1001").textContent).toBe("58"));
    // Tried once more at least (the page may have tried again on opening, still unreachable), always as the same command.
    expect(postAdjustment.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(postAdjustment.mock.calls.map(([, request]) => request.commandId)).size).toBe(1);
  });

  it("shows on opening what was sent while no page was open: a save, and a 412 with the current count", async () => {
    const creatorId = snapshot().creatorId;
    const queued = { creatorId, expectedVersion: 3, queuedAt: "2026-12-01T10:00:00.000Z" };
    await queueAdjustment({ ...queued, skuId: "1001", newTotal: 60, commandId: "5a0b4a3e-0000-4000-8000-000000000001" });
    await queueAdjustment({ ...queued, skuId: "1002", newTotal: 9, commandId: "5a0b4a3e-0000-4000-8000-000000000002", queuedAt: "2026-12-01T10:01:00.000Z" });
    // As the service worker does on a sync event.
    await sendQueuedAdjustments({
      post: async ({ skuId }) =>
        skuId === "1001"
          ? { ok: true, total: 60, reserved: 2, available: 58, version: 4 }
          : { ok: false, status: 412, code: "version_conflict", message: "Stock of 1002 changed while you were editing (now 15 in stock, 0 reserved). Your change to 9 was not saved.", current: { total: 15, reserved: 0, available: 15, version: 8 } },
    });

    const { postAdjustment } = renderDashboard({
      initial: snapshot({ inventory: [sku({ skuId: "1001", available: 40, reserved: 2, total: 42, version: 3 }), sku({ skuId: "1002", available: 20, total: 20, version: 3 })] }),
    });
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("Stock of 1001 saved: 60 in stock."));
    expect(screen.getByRole("alert").textContent).toContain("Stock of 1002 changed while you were editing (now 15 in stock, 0 reserved). Your change to 9 was not saved.");
    expect(screen.getByTestId("available-1001").textContent).toBe("58");
    expect(screen.getByTestId("available-1002").textContent).toBe("15");
    expect(postAdjustment).not.toHaveBeenCalled();
  });

  it("shows each answer once: the next opening of the dashboard has nothing to report", async () => {
    const creatorId = snapshot().creatorId;
    await queueAdjustment({ creatorId, skuId: "1001", newTotal: 60, expectedVersion: 3, commandId: "5a0b4a3e-0000-4000-8000-000000000003", queuedAt: "2026-12-01T10:00:00.000Z" });
    await sendQueuedAdjustments({ post: async () => ({ ok: true, total: 60, reserved: 2, available: 58, version: 4 }) });
    renderDashboard();
    await waitFor(() => expect(screen.getByTestId("adjust-notice").textContent).toContain("Stock of 1001 saved: 60 in stock."));
    cleanup();

    renderDashboard();
    await settle();
    await waitFor(async () => expect(await queuedAdjustments(creatorId)).toEqual([]));
    expect(screen.queryByTestId("adjust-notice")).toBeNull();
  });

  it("sends, on opening, an adjustment an earlier version of the app queued in localStorage", async () => {
    const commandId = "5a0b4a3e-0000-4000-8000-000000000004";
    localStorage.setItem(`creatorflow:queued-adjustments:${snapshot().creatorId}`, JSON.stringify([{ skuId: "1001", newTotal: 60, expectedVersion: 3, commandId, queuedAt: "2026-12-01T10:00:00.000Z" }]));
    const { postAdjustment } = renderDashboard({ postAdjustment: async () => ({ ok: true, total: 60, reserved: 2, available: 58, version: 4 }) });
    await waitFor(() => expect(screen.getByTestId("adjust-notice").textContent).toContain("Stock of 1001 saved: 60 in stock."));
    expect(postAdjustment).toHaveBeenCalledWith("1001", { newTotal: 60, expectedVersion: 3, commandId });
    expect(localStorage.getItem(`creatorflow:queued-adjustments:${snapshot().creatorId}`)).toBeNull();
  });

  it("opened again offline, shows the last figures this device saw rather than the page's older copy", async () => {
    const older = snapshot({ sequence: 4 });
    const newer = { ...snapshot({ sequence: 9 }), today: { ...older.today, ordersReceived: 77 } };
    localStorage.setItem(`creatorflow:snapshot:${older.creatorId}`, JSON.stringify(newer));
    online = false;
    renderDashboard({ initial: older });
    await settle();
    expect(ordersKpi().textContent).toBe("77");
    expect(connectionStatus()).toContain("Offline since");
  });
});
