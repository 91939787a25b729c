// Tells event processors that events were appended (NOTIFY event_store_appended), so a
// waiting scheduler wakes at once instead of on its next tick. Sent after the append has
// committed and at most once per interval: a NOTIFY inside every append transaction
// would serialise all commits on Postgres' notification queue lock.

export const APPENDED_CHANNEL = "event_store_appended";

export function createAppendAnnouncer(sql: { unsafe: (query: string) => Promise<unknown> }, minIntervalMs = 20) {
  let lastSentAt = -Infinity;
  let pending: ReturnType<typeof setTimeout> | null = null;
  const send = () => {
    pending = null;
    lastSentAt = performance.now();
    // A lost wake-up only delays processing until the scheduler's fallback tick.
    sql.unsafe(`notify ${APPENDED_CHANNEL}`).catch(() => {});
  };
  return function announceAppend(): void {
    if (pending) return;
    const wait = lastSentAt + minIntervalMs - performance.now();
    if (wait <= 0) send();
    else pending = setTimeout(send, wait);
  };
}
