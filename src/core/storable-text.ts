// Text Postgres cannot store: a NUL character (text and jsonb refuse it) or a lone UTF-16
// surrogate (not Unicode; jsonb refuses its escape). Checked where input arrives (a route's
// JSON body, a TikTok webhook), so such a value is refused with its field named instead of
// failing a statement later.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && !LONE_SURROGATE.test(text);
}

/** The first string (value or key) Postgres text or jsonb cannot hold, with its path. */
export function findUnstorableString(value: unknown, path: string[]): { field: string; problem: string } | undefined {
  const check = (text: string, at: string[]) => {
    // JSON.stringify escapes the very characters being reported, so the message stays printable.
    const field = at.length === 0 ? "(body)" : JSON.stringify(at.join("."));
    if (text.includes("\u0000")) return { field, problem: "contains a NUL character" };
    if (LONE_SURROGATE.test(text)) return { field, problem: "contains an unpaired surrogate (not valid Unicode)" };
    return undefined;
  };
  if (typeof value === "string") return check(value, path);
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableString(item, [...path, String(index)]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const found = check(key, [...path, key]) ?? findUnstorableString(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
