// The one way the app writes a time for people in UTC ("2026-11-22 10:00:05 UTC"): the
// same text on the server and in the browser, so a hydrated page never disagrees with
// its first render, and admins comparing times across creators share one clock.

const lengths = { minutes: 16, seconds: 19, milliseconds: 23 } as const;

export type UtcPrecision = keyof typeof lengths;

/** An ISO time as "YYYY-MM-DD HH:MM[:SS[.mmm]] UTC"; seconds unless told otherwise. */
export function formatUtcTime(iso: string, precision: UtcPrecision = "seconds"): string {
  return `${new Date(iso).toISOString().replace("T", " ").slice(0, lengths[precision])} UTC`;
}
