// Event type filters: exact names ("order.shipped") or wildcards ("order.*", "*").

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
