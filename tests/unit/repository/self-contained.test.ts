// A clone of the project has nothing beside it: no tracked file may reach a path outside
// the checkout (as the tests once read the signed samples from a folder beside it), or a fresh clone fails.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");

/** Relative paths written in a file: "../x", '../../y/z', `../w` and bare ../a/b tokens. */
const relativePathPattern = /(?:^|[\s"'`(=:,])((?:\.\.\/)+[\w@.-][\w@./-]*)/g;

export function pathsLeavingCheckout(file: string, text: string, checkout: string): string[] {
  const directory = path.dirname(path.join(checkout, file));
  const leaving: string[] = [];
  for (const match of text.matchAll(relativePathPattern)) {
    const target = path.resolve(directory, match[1]!);
    if (target !== checkout && !target.startsWith(checkout + path.sep)) leaving.push(match[1]!);
  }
  return leaving;
}

function trackedTextFiles(): string[] {
  return execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" })
    .split("\0")
    .filter((file) => file !== "" && file !== "package-lock.json" && !/\.(png|ico|jpg|woff2?)$/.test(file));
}

describe("the checkout is self-contained", () => {
  it("finds a path that climbs out of the checkout, and accepts one that stays inside", () => {
    // Built at run time, so this file itself holds no such path.
    const climbing = `${"../".repeat(4)}shared/fixtures/x.json`;
    expect(pathsLeavingCheckout("tests/unit/a.ts", `new URL("${climbing}")`, root)).toEqual([climbing]);
    expect(pathsLeavingCheckout("supabase/functions/x/index.ts", 'import "../../../src/core/a.ts"', root)).toEqual([]);
  });

  it("has no tracked file that refers to a path outside the repository", () => {
    const files = trackedTextFiles();
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((file) =>
      pathsLeavingCheckout(file, readFileSync(path.join(root, file), "utf8"), root).map((target) => `${file}: ${target}`),
    );
    expect(offenders).toEqual([]);
  });
});
