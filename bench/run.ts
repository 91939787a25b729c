// `npm run bench -- <name>` runs the exported run() of bench/<name>.ts.
// Benchmarks print one JSON line per scenario on stdout and nothing else, so their
// output can be piped straight into jq or a file; everything human goes to stderr.
import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const benchDir = import.meta.dirname;

function availableBenchmarks(): string[] {
  // Every top-level .ts file but this dispatcher is a benchmark; shared code lives in bench/lib/.
  return readdirSync(benchDir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && entry.name !== "run.ts")
    .map((entry) => entry.name.slice(0, -".ts".length))
    .sort();
}

async function main(): Promise<number> {
  const name = process.argv[2];
  const available = availableBenchmarks();
  if (!name || !available.includes(name)) {
    process.stderr.write(
      `${name ? `Unknown benchmark "${name}". ` : ""}Usage: npm run bench -- <name>\nAvailable: ${available.join(", ") || "(none)"}\n`,
    );
    return 1;
  }

  // Libraries that log with console.log (schema migrations, drivers) must not pollute
  // the JSON lines on stdout: send console output to stderr for the whole run.
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;

  const module = (await import(pathToFileURL(path.join(benchDir, `${name}.ts`)).href)) as { run?: () => Promise<void> };
  if (typeof module.run !== "function") {
    process.stderr.write(`bench/${name}.ts does not export run()\n`);
    return 1;
  }
  await module.run();
  return 0;
}

// Explicit exits, so servers and pools a benchmark left open never keep it alive.
// (Pipes are written synchronously on Linux.) A LocalPostgresError's stack is its one line.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
