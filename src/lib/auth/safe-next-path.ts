// Where to send a creator after signing in: only a path of this app. Browsers read `\` as `/`
// and ignore tabs and newlines in URLs, so `/\evil.example` or `/\t/evil.example` would leave
// the site; resolving against a placeholder origin and comparing origins catches every form.
const PLACEHOLDER_ORIGIN = "https://app.invalid";

export function safeNextPath(next: string | null | undefined, fallback = "/dashboard"): string {
  if (!next || !next.startsWith("/")) return fallback;
  let resolved: URL;
  try {
    resolved = new URL(next, PLACEHOLDER_ORIGIN);
  } catch {
    return fallback;
  }
  if (resolved.origin !== PLACEHOLDER_ORIGIN) return fallback;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
