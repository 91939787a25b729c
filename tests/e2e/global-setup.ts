// Playwright global setup: a throwaway embedded Postgres with every migration applied,
// a production build of the app (`next build`, skipped with E2E_SKIP_BUILD=1 when one
// is already there), and `next start` against that database. Returns the teardown.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
import { prepareDatabase } from "../../supabase/local/database.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const nextBin = path.join(repoRoot, "node_modules", ".bin", "next");
const serverLogFile = path.join(repoRoot, "test-results", "e2e-next-server.log");
const SERVER_START_TIMEOUT_MS = 60_000;

export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const baseURL = new URL(String(config.projects[0]?.use.baseURL));
  await assertPortFree(Number(baseURL.port));

  // The specs start from an empty store (the empty state is part of what they check),
  // so the e2e always gets a database of its own, even when DATABASE_URL names another.
  const sharedDatabaseUrl = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  const dbPort = Number(process.env.E2E_DB_PORT ?? 54343);
  const database = await prepareDatabase({
    port: dbPort,
    name: `postgres-e2e-${dbPort}`,
    ephemeral: true,
    database: "creatorflow_e2e",
    recreate: true,
  }).finally(() => {
    if (sharedDatabaseUrl !== undefined) process.env.DATABASE_URL = sharedDatabaseUrl;
  });
  // Read by the specs, which run in worker processes that inherit this environment.
  process.env.E2E_DATABASE_URL = database.url;

  let server: ChildProcess | undefined;
  try {
    if (process.env.E2E_SKIP_BUILD !== "1") await runToCompletion(nextBin, ["build"]);
    server = startNextServer(baseURL, database.url);
    await waitUntilServing(new URL("/api/health", baseURL), server);
  } catch (error) {
    if (server) await stopProcessGroup(server);
    await database.stop();
    throw error;
  }

  return async () => {
    if (server) await stopProcessGroup(server);
    await database.stop();
  };
}

function startNextServer(baseURL: URL, databaseUrl: string): ChildProcess {
  mkdirSync(path.dirname(serverLogFile), { recursive: true });
  const log = createWriteStream(serverLogFile);
  const server = spawn(nextBin, ["start", "--port", baseURL.port, "--hostname", baseURL.hostname], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, NEXT_TELEMETRY_DISABLED: "1" },
    // Its own process group, so teardown stops next and every worker it forked.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);
  return server;
}

async function runToCompletion(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: "inherit",
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`${path.basename(command)} ${args.join(" ")} exited with ${code}`);
}

async function waitUntilServing(url: URL, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(`next start exited with ${server.exitCode}; see ${serverLogFile}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`next start did not answer ${url} within ${SERVER_START_TIMEOUT_MS / 1000} s; see ${serverLogFile}`);
}

async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const groupId = -child.pid;
  signalGroup(groupId, "SIGTERM");
  const forced = setTimeout(() => signalGroup(groupId, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(forced);
}

function signalGroup(groupId: number, signal: NodeJS.Signals): void {
  try {
    process.kill(groupId, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", () =>
      reject(new Error(`Port ${port} is in use; stop what listens there or set E2E_PORT to another port`)),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}
