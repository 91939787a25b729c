// npm run functions:bundle — each Edge Function as a self-contained folder, for
// `supabase functions deploy --use-api`. That path uploads the function folder's deno.json
// and the files it finds by pattern-matching relative imports from the entrypoint, read
// through a file system rooted at the CLI's workdir (a path climbing above it fails:
// supabase/cli#3467). It sends no package.json nor node_modules, so the bare `postgres` and
// `zod` imports resolve only through the deno.json written here.
//
// The output is generated (gitignored), and is a Supabase workdir of its own:
//   dist/edge-functions/supabase/config.toml                a copy of supabase/config.toml (verify_jwt)
//   dist/edge-functions/supabase/functions/<name>/index.ts  the entrypoint
//   dist/edge-functions/supabase/functions/<name>/deno.json its npm packages, at node_modules' versions
//   dist/edge-functions/supabase/functions/<name>/<path>    every local module it reaches, at its path
//                                                           in this repository (src/core/...)
// Deploy with: supabase functions deploy --use-api --workdir dist/edge-functions --project-ref <ref>
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(import.meta.dirname, "..");
const deno = path.join(root, "node_modules/.bin/deno");
export const defaultOutDir = path.join(root, "dist/edge-functions");

// What `deno info --json` reports, as far as this script reads it.
interface Position {
  line: number;
  character: number;
}
interface Resolution {
  specifier?: string;
  error?: string;
  span: { start: Position; end: Position };
}
interface GraphModule {
  specifier: string;
  kind?: string;
  error?: string;
  dependencies?: { specifier: string; code?: Resolution; type?: Resolution }[];
}

export interface BundledFunction {
  name: string;
  /** The function's folder, which holds everything it loads but its npm packages. */
  dir: string;
  entrypoint: string;
  /** Paths inside `dir` of every module copied, the entrypoint first. */
  files: string[];
}

/** The module graph of `entrypoint` as Deno resolves it from the project root (root deno.json, node_modules). */
export function moduleGraph(entrypoint: string): GraphModule[] {
  const output = execFileSync(deno, ["info", "--json", entrypoint], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return (JSON.parse(output) as { modules: GraphModule[] }).modules;
}

/** Modules this project owns (not node_modules), which the bundle must carry. */
export function isLocalModule(module: GraphModule): boolean {
  return module.specifier.startsWith("file:") && module.kind !== "external" && !module.specifier.includes("/node_modules/");
}

function graphErrors(modules: GraphModule[]): string[] {
  const shown = (specifier: string) => (specifier.startsWith("file:") ? path.relative(root, fileURLToPath(specifier)) : specifier);
  const errors: string[] = [];
  for (const module of modules) {
    if (module.error) {
      const importers = modules.filter((other) => other.dependencies?.some((dep) => dep.code?.specifier === module.specifier || dep.type?.specifier === module.specifier));
      errors.push(`${module.error} (imported by ${importers.map((importer) => shown(importer.specifier)).join(", ") || "nothing"})`);
    }
    for (const dependency of module.dependencies ?? []) {
      const error = dependency.code?.error ?? dependency.type?.error;
      if (error) errors.push(`${shown(module.specifier)}: ${error}`);
    }
  }
  return errors;
}

/** "@scope/name/sub" → "@scope/name", "zod/v4" → "zod". */
function packageName(bareSpecifier: string): string {
  const parts = bareSpecifier.split("/");
  return bareSpecifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function installedVersion(resolvedFile: string, name: string): string {
  const marker = `/node_modules/${name}/`;
  const packageDir = resolvedFile.slice(0, resolvedFile.lastIndexOf(marker) + marker.length);
  return (JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string }).version;
}

function sameStart(a: Resolution, b: Resolution): boolean {
  return a.span.start.line === b.span.start.line && a.span.start.character === b.span.start.character;
}

/** `source` with each [start, end) range replaced, checking each range holds what it should. */
function replaceRanges(source: string, replacements: { start: Position; end: Position; expected: string; text: string }[], file: string): string {
  const lineStarts = [0];
  for (let index = source.indexOf("\n"); index !== -1; index = source.indexOf("\n", index + 1)) lineStarts.push(index + 1);
  // Deno counts `character` in code points; a JS string index counts UTF-16 units.
  const offset = ({ line, character }: Position) => lineStarts[line] + [...source.slice(lineStarts[line], lineStarts[line + 1])].slice(0, character).join("").length;
  const ranges = replacements.map((replacement) => ({ ...replacement, from: offset(replacement.start), to: offset(replacement.end) }));
  for (const range of ranges) {
    // The span includes the quotes; a mismatch would mean the positions are not what we think.
    if (source.slice(range.from + 1, range.to - 1) !== range.expected) {
      throw new Error(`${file}:${range.start.line + 1}: expected the import "${range.expected}" there, found ${source.slice(range.from, range.to)}`);
    }
  }
  let result = source;
  for (const range of ranges.sort((a, b) => b.from - a.from)) result = result.slice(0, range.from + 1) + range.text + result.slice(range.to - 1);
  return result;
}

/** Writes one function's folder under `functionsOutDir`; throws, naming each, when an import does not resolve. */
export function bundleFunction(entrypoint: string, functionsOutDir: string): BundledFunction {
  const name = path.basename(path.dirname(entrypoint));
  const modules = moduleGraph(entrypoint);
  const errors = graphErrors(modules);
  if (errors.length > 0) throw new Error(`cannot bundle ${name}:\n  ${errors.join("\n  ")}`);

  const entryUrl = pathToFileURL(path.resolve(entrypoint)).href;
  const local = modules.filter(isLocalModule);
  const placeOf = new Map<string, string>();
  for (const module of local) {
    const relative = path.relative(root, fileURLToPath(module.specifier)).split(path.sep).join("/");
    if (relative.startsWith("../")) throw new Error(`cannot bundle ${name}: ${fileURLToPath(module.specifier)} is outside the project`);
    placeOf.set(module.specifier, module.specifier === entryUrl ? "index.ts" : relative);
  }

  const dir = path.join(functionsOutDir, name);
  const npmImports: Record<string, string> = {};
  for (const module of local) {
    const place = placeOf.get(module.specifier)!;
    const replacements = [];
    for (const dependency of module.dependencies ?? []) {
      // The code and the type of an import usually share one span: rewrite it once.
      const resolutions = [dependency.code, dependency.type].filter((resolution) => resolution !== undefined);
      for (const [index, { specifier: target = "", span }] of resolutions.entries()) {
        if (index > 0 && sameStart(resolutions[0], resolutions[index])) continue;
        const targetPlace = placeOf.get(target);
        if (targetPlace !== undefined) {
          let rewritten = path.posix.relative(path.posix.dirname(place), targetPlace);
          if (!rewritten.startsWith("../")) rewritten = `./${rewritten}`;
          if (rewritten !== dependency.specifier) replacements.push({ ...span, expected: dependency.specifier, text: rewritten });
        } else if (target.startsWith("file:") && target.includes("/node_modules/")) {
          // A bare specifier Deno found in node_modules: pin it in the folder's deno.json.
          const npmPackage = packageName(dependency.specifier);
          const version = installedVersion(fileURLToPath(target), npmPackage);
          npmImports[dependency.specifier] = `npm:${npmPackage}@${version}${dependency.specifier.slice(npmPackage.length)}`;
        }
        // Anything else (npm:, jsr:, https:) resolves as it is wherever the function runs.
      }
    }
    const source = readFileSync(fileURLToPath(module.specifier), "utf8");
    mkdirSync(path.dirname(path.join(dir, place)), { recursive: true });
    writeFileSync(path.join(dir, place), replaceRanges(source, replacements, place));
  }
  const sortedImports = Object.fromEntries(Object.entries(npmImports).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(path.join(dir, "deno.json"), `${JSON.stringify({ imports: sortedImports }, null, 2)}\n`);

  const files = [...placeOf.values()].sort((a, b) => (a === "index.ts" ? -1 : b === "index.ts" ? 1 : a.localeCompare(b)));
  return { name, dir, entrypoint: path.join(dir, "index.ts"), files };
}

/**
 * Bundles every function under `functionsDir` into `<outDir>/supabase/functions/` and copies
 * the config.toml beside `functionsDir`. A function is what the Supabase CLI takes for one: a
 * folder with an index.ts whose name starts with a letter (so not `_shared`, nor `tests`).
 */
export function bundleFunctions(options: { functionsDir?: string; outDir?: string } = {}): BundledFunction[] {
  const functionsDir = options.functionsDir ?? path.join(root, "supabase/functions");
  const outDir = options.outDir ?? defaultOutDir;
  const names = readdirSync(functionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^[A-Za-z][A-Za-z0-9_-]*$/.test(entry.name) && existsSync(path.join(functionsDir, entry.name, "index.ts")))
    .map((entry) => entry.name)
    .sort();
  rmSync(path.join(outDir, "supabase"), { recursive: true, force: true });
  const bundled = names.map((name) => bundleFunction(path.join(functionsDir, name, "index.ts"), path.join(outDir, "supabase/functions")));
  const config = path.join(functionsDir, "..", "config.toml");
  if (existsSync(config)) copyFileSync(config, path.join(outDir, "supabase/config.toml"));
  return bundled;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const outDir = process.argv[2] ? path.resolve(process.argv[2]) : defaultOutDir;
    for (const fn of bundleFunctions({ outDir })) console.log(`${fn.name}: ${fn.files.length} modules → ${path.relative(process.cwd(), fn.dir)}`);
    console.log(`Deploy without Docker: supabase functions deploy --use-api --workdir ${path.relative(process.cwd(), outDir) || "."} --project-ref <project-ref>`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
