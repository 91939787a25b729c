// How long an order took from TikTok's webhook to this screen, for the line under it in the
// feed: "2.1 s ago · arrived in 140 ms". It adds two parts, each measured by one clock, and
// never subtracts one machine's clock from another's:
// - the server part, from our webhook endpoint accepting the delivery to the realtime
//   message being sent, by the database's clock, carried in the delta (`sinceWebhookMs`);
// - the browser part, from the message reaching the page to the update being on screen, by
//   the page's monotonic clock (performance.now(), which wall-clock corrections do not move).
// The hop between them, Realtime carrying the message from the database to this browser,
// cannot be timed without a clock both ends share, so it is left out and the figure is low
// by that much (usually tens of ms); the line's tooltip says so. An order the page read by
// loading or refetching has no figure: nothing says when TikTok sent what it shows.
import { formatNumber } from "./formatting.ts";

export interface OrderArrival {
  /** From our endpoint accepting TikTok's webhook to the delta being sent, by the database clock. */
  serverMs: number;
  /** When the page received the delta, by its monotonic clock. */
  receivedAt: number;
  /** When the update was on screen, by the same clock; null until the page has rendered it. */
  shownAt: number | null;
}

/** The browser's part: delta received to update on screen; null until it is on screen. */
export function browserMs(arrival: OrderArrival): number | null {
  return arrival.shownAt === null ? null : Math.max(0, arrival.shownAt - arrival.receivedAt);
}

/** Webhook accepted to on screen, less the untimed hop from the database to the browser. */
export function arrivalMs(arrival: OrderArrival): number | null {
  const browser = browserMs(arrival);
  return browser === null ? null : arrival.serverMs + browser;
}

function fixed(value: number, locale: string | undefined, digits: number): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** "140 ms", "2.1 s", "45 s", "3 min", "2 h", "3 d": short enough for a line under an order. */
export function formatShortDuration(ms: number, locale?: string): string {
  const rounded = Math.round(Math.max(0, ms));
  if (rounded < 1_000) return `${formatNumber(rounded, locale)} ms`;
  if (rounded < 9_950) return `${fixed(rounded / 1_000, locale, 1)} s`;
  if (rounded < 59_500) return `${formatNumber(Math.round(rounded / 1_000), locale)} s`;
  const minutes = Math.round(rounded / 60_000);
  if (minutes < 60) return `${formatNumber(minutes, locale)} min`;
  const hours = Math.round(rounded / 3_600_000);
  if (hours < 48) return `${formatNumber(hours, locale)} h`;
  return `${formatNumber(Math.round(rounded / 86_400_000), locale)} d`;
}

/** "just now" under a second (a millisecond count would flicker), then "2.1 s ago", "3 min ago". */
export function formatAge(ms: number, locale?: string): string {
  return ms < 1_000 ? "just now" : `${formatShortDuration(ms, locale)} ago`;
}

/** The line under an order: how long ago it reached the screen, and how long it took; null while not yet on screen. */
export function arrivalLine(arrival: OrderArrival, now: number, locale?: string): string | null {
  const total = arrivalMs(arrival);
  if (total === null || arrival.shownAt === null) return null;
  return `${formatAge(now - arrival.shownAt, locale)} · arrived in ${formatShortDuration(total, locale)}`;
}

/** What the figure is made of, for the line's tooltip. */
export function arrivalBreakdown(arrival: OrderArrival, locale?: string): string {
  const browser = browserMs(arrival) ?? 0;
  return (
    `${formatShortDuration(arrival.serverMs, locale)} from TikTok's webhook reaching CreatorFlow to the update being sent, ` +
    `+ ${formatShortDuration(browser, locale)} in this browser to show it; ` +
    "the trip from our servers to this browser is not included."
  );
}
