// @vitest-environment jsdom
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ChannelSummary } from "../../../src/app/dashboard/_components/channel-summary.tsx";
import { applyDelta } from "../../../src/lib/dashboard/dashboard-state.ts";
import { day, sku, snapshot, TODAY } from "./dashboard-fixtures.ts";

afterEach(cleanup);

const row = (name: string) => within(screen.getByRole("row", { name: new RegExp(`^${name}`) }));
const figures = (name: string) => row(name).getAllByRole("cell").map((cell) => cell.textContent);

describe("the dashboard's channel section", () => {
  const twoChannels = snapshot({
    today: day({
      ordersReceived: 5,
      grossMinor: 9000,
      byChannel: [
        { channel: "shopify", ordersReceived: 2, ordersCancelled: 0, grossMinor: 3000, netMinor: 3000 },
        { channel: "tiktok_shop", ordersReceived: 3, ordersCancelled: 1, grossMinor: 6000, netMinor: 4000 },
      ],
    }),
    inventory: [
      sku({ skuId: "A", available: 12, channelAvailable: { tiktok_shop: 12, shopify: 10 } }),
      sku({ skuId: "B", available: 5, channelAvailable: { tiktok_shop: 5 } }),
    ],
  });

  it("shows today's orders, sales and the stock each channel shows, TikTok Shop first, then the totals with the pool's stock", () => {
    render(<ChannelSummary data={twoChannels} locale="en-US" />);
    expect(figures("TikTok Shop")).toEqual(["3", "$60.00", "17"]);
    expect(figures("Shopify")).toEqual(["2", "$30.00", "10"]);
    expect(figures("Total")).toEqual(["5", "$90.00", "17"]);
  });

  it("lists only TikTok Shop for a creator who sells nowhere else", () => {
    render(<ChannelSummary data={snapshot()} locale="en-US" />);
    expect(screen.queryByRole("row", { name: /^Shopify/ })).toBeNull();
    expect(figures("TikTok Shop")).toEqual(["0", "$0.00", "—"]);
    expect(figures("Total")).toEqual(["2", "$50.00", "40"]);
  });

  it("moves with a live delta: a Shopify sale and the count pushed to Shopify", () => {
    const live = applyDelta(twoChannels, {
      seq: twoChannels.sequence + 1,
      changed: ["metrics", "inventory"],
      metrics: {
        day: TODAY, grossMinor: 10000, netMinor: 8000, cancelledMinor: 2000, refundedMinor: 0, ordersReceived: 6, ordersValued: 6,
        ordersPending: 5, ordersShipped: 0, ordersDelivered: 0, ordersCancelled: 1, ordersRefunded: 0,
        byChannel: [
          { channel: "shopify", ordersReceived: 3, ordersCancelled: 0, grossMinor: 4000, netMinor: 4000 },
          { channel: "tiktok_shop", ordersReceived: 3, ordersCancelled: 1, grossMinor: 6000, netMinor: 4000 },
        ],
      },
      inventory: [{ skuId: "A", available: 11, reserved: 1, total: 12, reorderPoint: 10, velocityPerHour: 0, channelAvailable: { tiktok_shop: 11, shopify: 11 } }],
    });
    render(<ChannelSummary data={live} locale="en-US" />);
    expect(figures("Shopify")).toEqual(["3", "$40.00", "11"]);
    expect(figures("Total")).toEqual(["6", "$100.00", "16"]);
  });
});
