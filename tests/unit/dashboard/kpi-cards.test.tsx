// @vitest-environment jsdom
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { KpiCards } from "../../../src/app/dashboard/_components/kpi-cards.tsx";
import { day } from "./dashboard-fixtures.ts";

afterEach(cleanup);

const card = (name: string) => within(screen.getByRole("group", { name }));

describe("KPI cards", () => {
  it("shows today's figures in the shop's currency with the change against yesterday", () => {
    render(
      <KpiCards
        today={day({ netMinor: 123450, grossMinor: 150000, ordersReceived: 12, ordersValued: 12, averageOrderMinor: 12500, ordersPending: 3, medianShipSeconds: 7200 })}
        yesterday={day({ netMinor: 82300, grossMinor: 200000, ordersReceived: 12, ordersValued: 10, averageOrderMinor: 20000, ordersPending: 5, medianShipSeconds: 3600 })}
        awaitingShipment={9}
        currency="USD"
        locale="en-US"
      />,
    );

    expect(card("Net revenue today").getByText("$1,234.50")).toBeTruthy();
    expect(card("Net revenue today").getByText("Up 50% vs yesterday")).toBeTruthy();
    expect(card("Gross GMV today").getByText("$1,500.00")).toBeTruthy();
    expect(card("Gross GMV today").getByText("Down 25% vs yesterday")).toBeTruthy();
    expect(card("Orders today").getByText("12")).toBeTruthy();
    expect(card("Orders today").getByText("Same as yesterday")).toBeTruthy();
    expect(card("Average order value").getByText("$125.00")).toBeTruthy();
    expect(card("Awaiting shipment").getByText("9")).toBeTruthy();
    expect(card("Awaiting shipment").getByText("Down 2 vs yesterday")).toBeTruthy();
    expect(card("Median time to ship").getByText("2 h 00 min")).toBeTruthy();
    expect(card("Median time to ship").getByText("Up 100% vs yesterday")).toBeTruthy();
  });

  it("marks a slower shipping time as bad news and a smaller backlog as good news", () => {
    render(
      <KpiCards today={day({ ordersPending: 1, medianShipSeconds: 7200 })} yesterday={day({ ordersPending: 4, medianShipSeconds: 3600 })} awaitingShipment={1} currency="USD" locale="en-US" />,
    );
    expect(card("Median time to ship").getByText("Up 100% vs yesterday").dataset.tone).toBe("down");
    expect(card("Awaiting shipment").getByText("Down 3 vs yesterday").dataset.tone).toBe("up");
  });

  it("formats money for the viewer's locale and the shop's currency", () => {
    render(<KpiCards today={day({ netMinor: 123450, currency: "EUR" })} yesterday={day()} awaitingShipment={0} currency="EUR" locale="de-DE" />);
    expect(card("Net revenue today").getByText("1.234,50 €")).toBeTruthy();
  });

  it("says there is nothing to compare instead of inventing a change", () => {
    render(<KpiCards today={day({ netMinor: 5000 })} yesterday={day()} awaitingShipment={0} currency="USD" locale="en-US" />);
    expect(card("Net revenue today").getByText("Nothing yesterday to compare")).toBeTruthy();
    expect(card("Average order value").getByText("—")).toBeTruthy();
    expect(card("Median time to ship").getByText("No shipments yet today")).toBeTruthy();
  });
});
