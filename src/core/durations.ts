// Lengths of time in milliseconds, for code that does arithmetic on Date.getTime().
// Days are fixed 24-hour spans: the engine buckets by UTC, which has no daylight saving.
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
