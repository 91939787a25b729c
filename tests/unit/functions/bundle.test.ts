// `npm run functions:bundle` writes each Edge Function as a folder that
// `supabase functions deploy --use-api` can upload whole: nothing in it may point outside it.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleFunctions, isLocalModule, moduleGraph, type BundledFunction } from "../../../scripts/bundle-functions.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const deno = path.join(root, "node_modules/.bin/deno");

interface Dependency {
  specifier: string;
  code?: { specifier?: string };
  type?: { specifier?: string };
}
interface GraphModule {
  specifier: string;
  error?: string;
  dependencies?: Dependency[];
}

/** The bundled function's graph as Deno resolves it with the folder's own deno.json, and nothing downloaded. */
function bundledGraph(fn: BundledFunction): GraphModule[] {
  const output = execFileSync(deno, ["info", "--json", "--node-modules-dir=manual", "--config", path.join(fn.dir, "deno.json"), fn.entrypoint], {
    cwd: fn.dir,
    encoding: "utf8",
  });
  return (JSON.parse(output) as { modules: GraphModule[] }).modules;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
}

const isInside = (dir: string, file: string) => file.startsWith(dir + path.sep);

/** Relative paths written in `text` ("../x", './y') that lead out of `dir` from `file`. */
function pathsLeaving(dir: string, file: string, text: string): string[] {
  const written = [...text.matchAll(/["'`]((?:\.\.?\/)+[\w@.-][\w@./-]*)["'`]/g)].map((match) => match[1]!);
  return written.filter((relative) => !isInside(dir, path.resolve(path.dirname(path.join(dir, file)), relative)));
}

let outDir: string;
let bundled: BundledFunction[];

beforeAll(() => {
  outDir = mkdtempSync(path.join(os.tmpdir(), "edge-functions-"));
  bundled = bundleFunctions({ outDir });
});

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("functions:bundle", () => {
  it("bundles every function of supabase/functions, and neither _shared nor tests", () => {
    const names = bundled.map((fn) => fn.name);
    expect(names).toContain("tiktok-webhook");
    expect(names).toContain("process-events");
    expect(names).not.toContain("_shared");
    expect(names).not.toContain("tests");
    for (const fn of bundled) expect(fn.dir).toBe(path.join(outDir, "supabase/functions", fn.name));
  });

  it("resolves every local import of every bundled file inside the function's folder", () => {
    for (const fn of bundled) {
      const local = bundledGraph(fn).filter((module) => module.specifier.startsWith("file:"));
      expect(local.map((module) => module.error).filter(Boolean), fn.name).toEqual([]);
      const outside = local.flatMap((module) =>
        (module.dependencies ?? [])
          .flatMap((dependency) => [dependency.code?.specifier, dependency.type?.specifier])
          .filter((target): target is string => target?.startsWith("file:") === true)
          .filter((target) => !isInside(fn.dir, fileURLToPath(target)))
          .map((target) => `${module.specifier} → ${target}`),
      );
      expect(outside, fn.name).toEqual([]);
      expect(local.every((module) => isInside(fn.dir, fileURLToPath(module.specifier))), fn.name).toBe(true);
    }
  });

  it("maps each bare import to a pinned npm: specifier in the folder's deno.json", () => {
    for (const fn of bundled) {
      const { imports } = JSON.parse(readFileSync(path.join(fn.dir, "deno.json"), "utf8")) as { imports: Record<string, string> };
      const bare = bundledGraph(fn)
        .flatMap((module) => module.dependencies ?? [])
        .map((dependency) => dependency.specifier)
        .filter((specifier) => !/^(\.{0,2}\/|[a-z][a-z0-9+.-]*:)/.test(specifier));
      expect(bare.length, fn.name).toBeGreaterThan(0);
      for (const specifier of bare) expect(imports[specifier], `${fn.name}: ${specifier}`).toMatch(/^npm:(@[\w.-]+\/)?[\w.-]+@\d+\.\d+\.\d+/);
    }
  });

  it("writes no path that leads out of the folder, and no absolute path of this checkout", () => {
    for (const fn of bundled) {
      for (const file of filesUnder(fn.dir)) {
        const text = readFileSync(path.join(fn.dir, file), "utf8");
        expect(pathsLeaving(fn.dir, file, text), `${fn.name}/${file}`).toEqual([]);
        expect(text.includes(root) || text.includes(pathToFileURL(root).href), `${fn.name}/${file}`).toBe(false);
      }
    }
  });

  it("carries exactly the local modules Deno finds from the source entrypoint, src/core files unchanged", () => {
    for (const fn of bundled) {
      const source = path.join(root, "supabase/functions", fn.name, "index.ts");
      const needed = moduleGraph(source)
        .filter(isLocalModule)
        .map((module) => path.relative(root, fileURLToPath(module.specifier)).split(path.sep).join("/"))
        .filter((file) => file !== path.relative(root, source).split(path.sep).join("/"));
      expect(needed.some((file) => file.startsWith("src/core/")), fn.name).toBe(true);
      expect(filesUnder(fn.dir).sort(), fn.name).toEqual(["deno.json", "index.ts", ...needed].sort());
      for (const file of needed.filter((file) => file.startsWith("src/core/"))) {
        expect(readFileSync(path.join(fn.dir, file), "utf8"), file).toBe(readFileSync(path.join(root, file), "utf8"));
      }
    }
  });

  it("copies supabase/config.toml beside the functions, so each keeps its verify_jwt", () => {
    expect(readFileSync(path.join(outDir, "supabase/config.toml"), "utf8")).toBe(readFileSync(path.join(root, "supabase/config.toml"), "utf8"));
  });

  it("rewrites an import that follows non-ASCII text on its line", () => {
    const fixtureOut = mkdtempSync(path.join(os.tmpdir(), "edge-functions-fixture-"));
    try {
      const [fn] = bundleFunctions({ functionsDir: path.join(root, "tests/fixtures/bundlable-functions"), outDir: fixtureOut });
      expect(readFileSync(fn!.entrypoint, "utf8")).toContain('/* café ✓ 😀 */ import { greeting } from "./tests/fixtures/bundlable-functions/_shared/greeting.ts";');
      expect(bundledGraph(fn!).map((module) => module.error).filter(Boolean)).toEqual([]);
    } finally {
      rmSync(fixtureOut, { recursive: true, force: true });
    }
  });

  it("refuses a function that imports a missing file, naming the file and its importer", () => {
    const brokenOut = mkdtempSync(path.join(os.tmpdir(), "edge-functions-broken-"));
    try {
      expect(() => bundleFunctions({ functionsDir: path.join(root, "tests/fixtures/unbundlable-functions"), outDir: brokenOut })).toThrow(
        /cannot bundle missing-import:\n.*Module not found.*greeting\.ts.*imported by tests\/fixtures\/unbundlable-functions\/missing-import\/index\.ts/,
      );
      expect(existsSync(path.join(brokenOut, "supabase/functions/missing-import/index.ts"))).toBe(false);
    } finally {
      rmSync(brokenOut, { recursive: true, force: true });
    }
  });
});
