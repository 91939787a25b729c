import { describe, expect, it } from "vitest";
import { demoShop } from "../../../src/simulator/demo-catalogue.ts";
import { runSimulation } from "../../../src/simulator/run-simulation.ts";
import { planSalesHistory } from "../../../src/simulator/sales-history.ts";
import { parseSimulatorOptions, type SimulatorOptions } from "../../../src/simulator/simulator-options.ts";

const parse = (argv: string[]) => parseSimulatorOptions(argv, {}, 1800000000, 7) as SimulatorOptions;
const HOUR_MS = 3_600_000;

describe("simulator options for past sales", () => {
  it("reads --history-days and --anomalies, and defaults to no history", () => {
    expect(parse(["--history-days", "28", "--anomalies"])).toMatchObject({ historyDays: 28, anomalies: true });
    expect(parse([])).toMatchObject({ historyDays: 0, anomalies: false });
  });

  it.each([
    [["--history-days", "0"], /--history-days must be a whole number of days, 1-90/],
    [["--history-days", "91"], /--history-days/],
    [["--history-days", "2.5"], /--history-days/],
    [["--anomalies"], /--anomalies needs --history-days/],
  ])("refuses %j", (argv, message) => {
    expect(() => parse(argv)).toThrow(message);
  });
});

describe("planned sales history", () => {
  const shops = [demoShop(2), demoShop(3)];
  const now = new Date("2026-05-20T15:42:00Z");

  it("covers the days before the hour it ends at, for every SKU of every shop, the same for the same seed", () => {
    const plan = planSalesHistory(shops, { days: 14, anomalies: false, seed: 5, now });
    expect(plan.end.toISOString()).toBe("2026-05-20T15:00:00.000Z");
    expect(plan.start.getTime()).toBe(plan.end.getTime() - 14 * 24 * HOUR_MS);
    expect(plan.sales.every((sale) => sale.at >= plan.start && sale.at < plan.end)).toBe(true);
    const skus = new Set(plan.sales.map((sale) => sale.sku.skuId));
    expect(skus).toEqual(new Set(shops.flatMap((shop) => shop.skus.map((sku) => sku.skuId))));
    expect(new Set(plan.sales.map((sale) => sale.orderId)).size).toBe(plan.sales.length);
    expect(plan.anomalies).toEqual([]);
    expect(planSalesHistory(shops, { days: 14, anomalies: false, seed: 5, now }).sales.map((sale) => sale.orderId)).toEqual(plan.sales.map((sale) => sale.orderId));
    expect(planSalesHistory(shops, { days: 14, anomalies: false, seed: 6, now }).sales.length).not.toBe(plan.sales.length);
  });

  it("sells more in the evening peak than at night (the daily shape the forecast should learn)", () => {
    const plan = planSalesHistory(shops, { days: 28, anomalies: false, seed: 5, now });
    const unitsAt = (hours: number[]) => plan.sales.filter((sale) => hours.includes(sale.at.getUTCHours())).reduce((sum, sale) => sum + sale.quantity, 0);
    expect(unitsAt([19, 20])).toBeGreaterThan(5 * unitsAt([3, 4]));
  });

  it("injects labelled spikes and drops into the history, and the sales show them", () => {
    const plan = planSalesHistory(shops, { days: 21, anomalies: true, seed: 5, now });
    const skuCount = shops.reduce((sum, shop) => sum + shop.skus.length, 0);
    expect(plan.anomalies).toHaveLength(skuCount * 3);
    expect(new Set(plan.anomalies.map((anomaly) => anomaly.kind))).toEqual(new Set(["spike", "drop"]));
    for (const anomaly of plan.anomalies) {
      expect(anomaly.start >= plan.start && anomaly.end <= plan.end).toBe(true);
      const during = plan.sales.filter((sale) => sale.sku.skuId === anomaly.skuId && sale.at >= anomaly.start && sale.at < anomaly.end);
      if (anomaly.kind === "drop") expect(during).toEqual([]);
    }
    const spikeUnits = plan.anomalies
      .filter((anomaly) => anomaly.kind === "spike")
      .map((anomaly) => {
        const units = (from: number, to: number) => plan.sales.filter((sale) => sale.sku.skuId === anomaly.skuId && sale.at.getTime() >= from && sale.at.getTime() < to).reduce((sum, sale) => sum + sale.quantity, 0);
        const length = anomaly.end.getTime() - anomaly.start.getTime();
        // The same hours a week before, when nothing unusual happened.
        return { during: units(anomaly.start.getTime(), anomaly.end.getTime()), weekBefore: units(anomaly.start.getTime() - 7 * 24 * HOUR_MS, anomaly.start.getTime() - 7 * 24 * HOUR_MS + length) };
      });
    const during = spikeUnits.reduce((sum, spike) => sum + spike.during, 0);
    const weekBefore = spikeUnits.reduce((sum, spike) => sum + spike.weekBefore, 0);
    expect(during).toBeGreaterThan(3 * weekBefore);
  });
});

describe("a dry run with past sales", () => {
  it("plans the history and lists its labelled anomalies without writing anything", async () => {
    const summary = await runSimulation(parse(["--dry-run", "--seed", "3", "--rate", "10", "--duration", "1", "--creators", "2", "--history-days", "14", "--anomalies"]), { log: () => {}, printDelivery: () => {} });
    expect(summary.history).toMatchObject({ days: 14, ordersWritten: 0, end: new Date(1764000000_000 - (1764000000_000 % HOUR_MS)).toISOString() });
    expect(summary.history!.ordersPlanned).toBeGreaterThan(1_000);
    expect(summary.history!.anomalies.length).toBe(2 * demoShop(1).skus.length * 2);
  });

  it("refuses to write history without a database", async () => {
    await expect(runSimulation(parse(["--no-api", "--seed", "3", "--history-days", "2", "--duration", "1"]), { log: () => {}, printDelivery: () => {} })).rejects.toThrow(/no database was given/);
  });
});
