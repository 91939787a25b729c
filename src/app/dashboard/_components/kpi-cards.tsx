"use client";

import type { DayMetrics } from "@/lib/dashboard/dashboard-types.ts";
import { formatDuration, formatMoney, formatNumber, percentChange } from "@/lib/dashboard/formatting.ts";

interface KpiCardsProps {
  today: DayMetrics;
  yesterday: DayMetrics;
  awaitingShipment: number;
  currency: string | null;
  locale: string;
}

interface Card {
  id: string;
  label: string;
  value: string;
  change: string;
  /** Whether the change is good news, bad news, or neither; colour is never the only signal. */
  tone: "up" | "down" | "flat";
}

function moneyChange(current: number, previous: number, locale: string, lowerIsBetter = false): Pick<Card, "change" | "tone"> {
  const percent = percentChange(current, previous);
  if (percent === null) return { change: previous === 0 && current === 0 ? "Same as yesterday" : "Nothing yesterday to compare", tone: "flat" };
  return relative(percent, `${formatNumber(Math.abs(percent), locale, 1)}%`, lowerIsBetter);
}

function countChange(current: number, previous: number, locale: string, lowerIsBetter = false): Pick<Card, "change" | "tone"> {
  return relative(current - previous, formatNumber(Math.abs(current - previous), locale), lowerIsBetter);
}

function relative(difference: number, magnitude: string, lowerIsBetter: boolean): Pick<Card, "change" | "tone"> {
  if (Math.abs(difference) < 1e-9) return { change: "Same as yesterday", tone: "flat" };
  const rose = difference > 0;
  return { change: `${rose ? "Up" : "Down"} ${magnitude} vs yesterday`, tone: rose !== lowerIsBetter ? "up" : "down" };
}

export function KpiCards({ today, yesterday, awaitingShipment, currency, locale }: KpiCardsProps) {
  const money = (minor: number | null) => formatMoney(minor, currency, locale);
  const shipChange =
    today.medianShipSeconds === null || yesterday.medianShipSeconds === null
      ? { change: today.medianShipSeconds === null ? "No shipments yet today" : "No shipments yesterday to compare", tone: "flat" as const }
      : moneyChange(today.medianShipSeconds, yesterday.medianShipSeconds, locale, true);
  const aovChange =
    today.averageOrderMinor === null || yesterday.averageOrderMinor === null
      ? { change: today.averageOrderMinor === null ? "No priced orders yet today" : "Nothing yesterday to compare", tone: "flat" as const }
      : moneyChange(today.averageOrderMinor, yesterday.averageOrderMinor, locale);

  const cards: Card[] = [
    { id: "net-revenue", label: "Net revenue today", value: money(today.netMinor), ...moneyChange(today.netMinor, yesterday.netMinor, locale) },
    { id: "gross-gmv", label: "Gross GMV today", value: money(today.grossMinor), ...moneyChange(today.grossMinor, yesterday.grossMinor, locale) },
    { id: "orders", label: "Orders today", value: formatNumber(today.ordersReceived, locale), ...countChange(today.ordersReceived, yesterday.ordersReceived, locale) },
    { id: "average-order", label: "Average order value", value: money(today.averageOrderMinor), ...aovChange },
    {
      id: "awaiting-shipment",
      label: "Awaiting shipment",
      value: formatNumber(awaitingShipment, locale),
      // Of the orders received each day, how many still wait: fewer is better.
      ...countChange(today.ordersPending, yesterday.ordersPending, locale, true),
    },
    { id: "median-ship", label: "Median time to ship", value: formatDuration(today.medianShipSeconds), ...shipChange },
  ];

  return (
    <section aria-labelledby="kpi-heading" className="dashboard-section">
      <h2 id="kpi-heading" className="visually-hidden">
        Today at a glance
      </h2>
      <ul className="kpi-grid">
        {cards.map((card) => (
          // The group inside the item (not on it): a list may only hold list items.
          <li key={card.id} className="kpi-card" data-testid={`kpi-${card.id}`}>
            <div role="group" aria-labelledby={`kpi-${card.id}-label`}>
              <h3 id={`kpi-${card.id}-label`} className="kpi-label">
                {card.label}
              </h3>
              <p className="kpi-value" data-testid={`kpi-${card.id}-value`}>
                {card.value}
              </p>
              <p className="kpi-change" data-tone={card.tone}>
                {card.change}
              </p>
            </div>
          </li>
        ))}
      </ul>
      {today.mixedCurrency ? (
        <p className="notice" role="note">
          Today&apos;s orders came in more than one currency; the totals add them as they are and may be off.
        </p>
      ) : null}
    </section>
  );
}
