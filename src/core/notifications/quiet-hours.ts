// A device's quiet hours: no push between start and end (minutes after midnight in the
// device's time zone); a window past midnight (22:00–07:00) wraps. Pure.

export interface QuietHours {
  startMinute: number;
  endMinute: number;
  timeZone: string;
}

/** Minutes after midnight at `now` in `timeZone`; UTC when the zone is unknown. */
export function minuteOfDay(now: Date, timeZone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(now);
  } catch {
    return now.getUTCHours() * 60 + now.getUTCMinutes();
  }
  const part = (type: "hour" | "minute") => Number(parts.find((candidate) => candidate.type === type)?.value ?? 0);
  return part("hour") * 60 + part("minute");
}

export function isWithinQuietHours(now: Date, quiet: QuietHours | null): boolean {
  if (!quiet || quiet.startMinute === quiet.endMinute) return false;
  const minute = minuteOfDay(now, quiet.timeZone);
  return quiet.startMinute < quiet.endMinute
    ? minute >= quiet.startMinute && minute < quiet.endMinute
    : minute >= quiet.startMinute || minute < quiet.endMinute;
}

/** Whether a time zone name is one this runtime knows (checked before it is stored). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone });
    return true;
  } catch {
    return false;
  }
}
