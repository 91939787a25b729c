// A process that starts the echo fixture's Deno server and stays, for the test that kills
// it with SIGKILL: prints "deno <pid>" once the function answers on its port.
import path from "node:path";
import { repoRoot } from "../../../supabase/local/postgres.ts";
import { newFunctionProcess, startFunctionProcess } from "../../../supabase/local/stand-in/function-processes.ts";

const echo = newFunctionProcess("echo", path.join(repoRoot, "tests/fixtures/functions/echo/index.ts"));
await startFunctionProcess({ env: {}, bootTimeoutMs: 60_000, log: (line) => process.stderr.write(`${line}\n`), stopping: false }, echo);
if (!echo.up || echo.child?.pid === undefined) throw new Error("the echo function did not start");
process.stdout.write(`deno ${echo.child.pid}\n`);
setInterval(() => {}, 60_000);
