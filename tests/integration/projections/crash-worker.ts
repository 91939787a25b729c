// The crash test's projection worker: every projection as a consumer of the shared
// runner, on read models in a schema of the test's own, in a polling loop, in a process
// the test can SIGKILL. Not a processing driver: the app's one driver is the
// process-events Edge Function (src/core/process-events.ts), woken through pg_net.
//
//   tsx crash-worker.ts [--schema public] [--consumer-prefix ""] [--lease-ms 30000]
//                       [--tick-ms 100] [--no-publish] [--until-idle]
//
// --until-idle exits once every consumer has caught up (no lease held elsewhere, nothing
// left to read) and nothing waits to be published. Needs DATABASE_URL.
import os from "node:os";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { usesTransactionPooler } from "../../../src/core/database-url.ts";
import { createConsumerRunner, type BatchOutcome } from "../../../src/core/processing/index.ts";
import { allProjections, projectionConsumer } from "../../../src/core/projections/index.ts";
import { createRealtimePublisher } from "../../../src/core/realtime/realtime-publisher.ts";

const { values: args } = parseArgs({
  options: {
    schema: { type: "string", default: "public" },
    "consumer-prefix": { type: "string", default: "" },
    "lease-ms": { type: "string", default: "30000" },
    "tick-ms": { type: "string", default: "100" },
    "no-publish": { type: "boolean", default: false },
    "until-idle": { type: "boolean", default: false },
  },
});

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write("crash-worker: DATABASE_URL is not set\n");
  process.exit(1);
}

const schema = args.schema;
const publish = !args["no-publish"];
const tickMs = Number(args["tick-ms"]);
const sql = postgres(databaseUrl, { max: 4, onnotice: () => {}, prepare: !usesTransactionPooler(databaseUrl) });
const runner = createConsumerRunner({
  sql,
  consumers: allProjections.map((projection) =>
    projectionConsumer(projection, { schema, name: `${args["consumer-prefix"]}${projection.name}`, publish }),
  ),
  owner: `crash-worker-${os.hostname()}-${process.pid}-${crypto.randomUUID().slice(0, 8)}`,
  leaseMs: Number(args["lease-ms"]),
});
const publisher = publish ? createRealtimePublisher({ sql, schema }) : null;

let stopping = false;
let wake: (() => void) | null = null;
const wakeUp = () => wake?.();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopping = true;
    wakeUp();
  });
}

/** Ticks until no consumer makes progress; says whether some consumer was held by another instance. */
async function catchUp(): Promise<{ processed: number; blocked: boolean }> {
  let processed = 0;
  for (;;) {
    const outcomes: BatchOutcome[] = await runner.tick();
    const progressed = outcomes.reduce((sum, outcome) => sum + outcome.processed, 0);
    processed += progressed;
    const blocked = outcomes.some((outcome) => outcome.skipped || outcome.waiting);
    if (progressed === 0 && !outcomes.some((outcome) => outcome.failed)) return { processed, blocked };
    if (stopping) return { processed, blocked };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wake = null;
      resolve();
    }
    wake = done;
  });
}

async function main(): Promise<void> {
  process.stdout.write(`ready ${process.pid}\n`);
  while (!stopping) {
    const { processed, blocked } = await catchUp();
    const published = publisher ? await publisher.publishDue() : null;
    if (args["until-idle"] && processed === 0 && !blocked && !published?.waiting) break;
    const dueIn = published?.nextDueInMs ?? null;
    await sleep(dueIn === null ? tickMs : Math.min(tickMs, Math.max(5, dueIn)));
  }
  await runner.releaseLeases();
}

main()
  .then(() => sql.end({ timeout: 5 }))
  .catch(async (error: unknown) => {
    process.stderr.write(`crash-worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await sql.end({ timeout: 1 });
    process.exitCode = 1;
  });
