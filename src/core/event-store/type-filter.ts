// Event type filters: exact names ("order.shipped") or wildcards ("order.*", "*").
import type { Sql } from "postgres";

export interface TypeFilter {
  exact: string[];
  /** SQL LIKE patterns, with LIKE's own wildcards in type names escaped. */
  likePatterns: string[];
  matchesAll: boolean;
}

export function compileTypeFilter(patterns: readonly string[]): TypeFilter {
  const exact: string[] = [];
  const likePatterns: string[] = [];
  let matchesAll = false;
  for (const pattern of patterns) {
    if (pattern === "*") matchesAll = true;
    else if (pattern.includes("*")) likePatterns.push(escapeLike(pattern).replaceAll("*", "%"));
    else exact.push(pattern);
  }
  return { exact, likePatterns, matchesAll };
}

/**
 * The filter as an `and ...` clause on event_type (nothing when it matches all). Exact names
 * alone stay one `event_type = any(...)`, which event_store_type_time_idx serves: an `or` with
 * an empty `like any` would leave the planner no leading column to search by, and it would
 * read a whole index instead (tests/integration/event-store/indexes.test.ts).
 */
export function andEventTypeIn(sql: Sql, filter: TypeFilter | undefined) {
  if (!filter || filter.matchesAll) return sql``;
  if (filter.likePatterns.length === 0) return sql`and event_type = any(${filter.exact})`;
  if (filter.exact.length === 0) return sql`and event_type like any(${filter.likePatterns})`;
  return sql`and (event_type = any(${filter.exact}) or event_type like any(${filter.likePatterns}))`;
}

export function typeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => {
    if (pattern === "*") return true;
    if (!pattern.includes("*")) return pattern === type;
    const [prefix, suffix] = [pattern.slice(0, pattern.indexOf("*")), pattern.slice(pattern.lastIndexOf("*") + 1)];
    return type.startsWith(prefix) && type.endsWith(suffix) && type.length >= prefix.length + suffix.length;
  });
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
