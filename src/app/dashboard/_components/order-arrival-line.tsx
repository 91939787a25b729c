"use client";

import { useEffect, useState } from "react";
import { arrivalBreakdown, arrivalLine, type OrderArrival } from "@/lib/dashboard/order-arrival.ts";

const pageClock = () => performance.now();

/**
 * "2.1 s ago · arrived in 140 ms" under an order that arrived live. It ticks on its own,
 * once a second, so the age moves without re-rendering the feed or the rest of the page.
 */
export function OrderArrivalLine({ arrival, locale, clock = pageClock }: { arrival: OrderArrival; locale: string; clock?: () => number }) {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    const timer = setInterval(() => setNow(clock()), 1_000);
    return () => clearInterval(timer);
  }, [clock]);
  // A tick taken before the update was shown would make its age negative: it is "just now".
  const line = arrivalLine(arrival, Math.max(now, arrival.shownAt ?? now), locale);
  if (line === null) return null;
  return (
    <span className="order-arrival" data-testid="order-arrival" title={arrivalBreakdown(arrival, locale)}>
      {line}
    </span>
  );
}
