import { describe, expect, it } from "vitest";
import { dashboardMetricsProjection, type BucketDelta } from "../../../src/core/projections/index.ts";
import { at, cancelled, received, receivedFromShopify, refunded, shipped, validated } from "../../integration/projections/events.ts";
import { specCreatorId, storedStream } from "../domain/specification.ts";
import { projectTwice } from "./projection-spec.ts";

/** The buckets' counters summed over the deltas of each bucket: what the tables hold after the upserts. */
function bucketTotals(deltas: BucketDelta[]) {
  const totals = new Map<string, Record<string, number>>();
  for (const delta of deltas) {
    const key = delta.bucketStart.toISOString();
    const total = totals.get(key) ?? {};
    for (const [counter, value] of Object.entries(delta.counters)) total[counter] = (total[counter] ?? 0) + value;
    totals.set(key, total);
  }
  return totals;
}

describe("dashboard metrics fold", () => {
  const events = [
    ...storedStream("order-a", [received("a", at("2026-03-02T10:05:00Z")), validated("a", at("2026-03-02T10:06:00Z"), 5000), shipped("a", at("2026-03-02T12:05:00Z"))]),
    ...storedStream("order-b", [received("b", at("2026-03-02T10:20:00Z")), validated("b", at("2026-03-02T10:21:00Z"), 3000), cancelled("b", at("2026-03-02T11:00:00Z"))]),
    ...storedStream("order-c", [received("c", at("2026-03-02T10:30:00Z"), { total_minor: 2000 }), refunded("c", at("2026-03-03T09:00:00Z"), 500)]),
  ];

  it("counts each order in the buckets of its received time, net of cancellations and refunds", () => {
    const { once } = projectTwice(dashboardMetricsProjection, events);
    expect(once.state.get(`${specCreatorId}|c`)).toMatchObject({ amountMinor: 2000, refundMinor: 500, lastVersion: 2 });
    expect(bucketTotals(once.writes.hourly).get("2026-03-02T10:00:00.000Z")).toMatchObject({
      orders_received: 3,
      orders_shipped: 1,
      orders_cancelled: 1,
      orders_refunded: 1,
      gross_minor: 10000,
      cancelled_minor: 3000,
      refunded_minor: 500,
      net_minor: 6500,
      ship_count: 1,
    });
    expect([...bucketTotals(once.writes.daily).keys()]).toEqual(["2026-03-02T00:00:00.000Z"]);
  });

  it("moves an order's contribution when a later batch changes it, taking out what it added before", () => {
    const [first, second] = [events.slice(0, 2), events.slice(2, 3)];
    const before = dashboardMetricsProjection.fold(new Map(), first, { replay: false, rebuilding: false, now: () => new Date() });
    const after = dashboardMetricsProjection.fold(before.state, second, { replay: false, rebuilding: false, now: () => new Date() });
    expect(bucketTotals(after.writes.hourly).get("2026-03-02T10:00:00.000Z")).toMatchObject({ orders_pending: -1, orders_shipped: 1, ship_count: 1, gross_minor: 0 });
  });

  it("gets the same read model when its events are replayed, and moves no bucket", () => {
    const { once, replayed } = projectTwice(dashboardMetricsProjection, events);
    expect(replayed.state).toEqual(once.state);
    expect(replayed.writes).toEqual({ facts: [], hourly: [], daily: [], channelDaily: [] });
  });

  it("splits each day by the channel its orders were placed on, and moves a cancelled Shopify order's money out of Shopify's day", () => {
    const withShopify = [
      ...events,
      ...storedStream("order-shopify-9", [receivedFromShopify("shopify-9", at("2026-03-02T10:40:00Z"), 1500), cancelled("shopify-9", at("2026-03-02T18:00:00Z"))]),
    ];
    const { once } = projectTwice(dashboardMetricsProjection, withShopify);
    const byChannel = new Map<string, Record<string, number>>();
    for (const delta of once.writes.channelDaily) {
      const total = byChannel.get(delta.channel) ?? {};
      for (const [counter, value] of Object.entries(delta.counters)) total[counter] = (total[counter] ?? 0) + value;
      byChannel.set(delta.channel, total);
    }
    expect(byChannel.get("shopify")).toEqual({ orders_received: 1, orders_valued: 1, orders_cancelled: 1, gross_minor: 1500, net_minor: 0 });
    expect(byChannel.get("tiktok_shop")).toEqual({ orders_received: 3, orders_valued: 3, orders_cancelled: 1, gross_minor: 10000, net_minor: 6500 });
    expect(once.state.get(`${specCreatorId}|shopify-9`)).toMatchObject({ channel: "shopify" });
  });
});
