// npm run simulate: plays TikTok Shop for development and demos (see src/simulator/).
import postgres from "postgres";
import { localDatabaseUrl } from "../supabase/local/postgres.ts";
import { runSimulation } from "../src/simulator/run-simulation.ts";
import { parseSimulatorOptions, simulatorUsage } from "../src/simulator/simulator-options.ts";

async function main() {
  let options;
  try {
    options = parseSimulatorOptions(process.argv.slice(2), process.env, Math.floor(Date.now() / 1000), Math.floor(Math.random() * 0xffffffff));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${simulatorUsage}`);
    process.exitCode = 2;
    return;
  }
  if (options === "help") {
    console.log(simulatorUsage);
    return;
  }
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  // Only --history-days writes to the app's database (the local stack's unless DATABASE_URL says otherwise).
  const database = options.historyDays > 0 && !options.dryRun ? postgres(process.env.DATABASE_URL ?? localDatabaseUrl(), { max: 10, onnotice: () => {} }) : undefined;
  const summary = await runSimulation(options, {
    log: (line) => console.error(line),
    printDelivery: (line) => console.log(line),
    signal: stop.signal,
    ...(database ? { database } : {}),
  }).finally(() => database?.end({ timeout: 5 }));
  if (options.dryRun) console.error(JSON.stringify(summary, null, 2));
  else console.log(JSON.stringify(summary, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
