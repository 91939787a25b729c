// Numbers, money and durations formatted for the viewer's locale and the shop's currency.
// Money arrives in minor units; the currency's own number of decimals converts it.

export function currencyDigits(currency: string, locale?: string): number {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function formatMoney(minor: number | null, currency: string | null, locale?: string): string {
  if (minor === null) return "—";
  if (!currency) return formatNumber(minor / 100, locale, 2);
  const digits = currencyDigits(currency, locale);
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(minor / 10 ** digits);
}

export function formatNumber(value: number, locale?: string, maximumFractionDigits = 0): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits }).format(value);
}

/** "2 h 05 min", "45 min", "3 d 4 h": short enough for a card. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "—";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatHours(hours: number | null, locale?: string): string {
  if (hours === null) return "—";
  if (hours < 1) return "< 1 h";
  if (hours >= 24 * 14) return `${formatNumber(Math.round(hours / 24), locale)} d`;
  return `${formatNumber(hours, locale, hours < 10 ? 1 : 0)} h`;
}

/** Percentage change, or null when there is nothing to compare with. */
export function percentChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return ((current - previous) / Math.abs(previous)) * 100;
}
