// One `deno serve` process per Edge Function, supervised as the hosted platform keeps its
// isolates: started on a free port and ready once the port answers; a crashed one comes back
// after a backoff that doubles while it keeps crashing (so a crash loop cannot spin the CPU);
// a stop on purpose stays stopped.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { freePort } from "../free-port.ts";
import { portAnswers } from "../postgres.ts";

export interface FunctionProcess {
  name: string;
  entrypoint: string;
  port: number;
  child: ChildProcess | undefined;
  up: boolean;
  /** False once stopped on purpose: only an unexpected exit is restarted. */
  wanted: boolean;
  /** Unexpected exits in a row without staying up RESTART_RESET_MS; sets the backoff. */
  crashes: number;
  restartTimer: NodeJS.Timeout | undefined;
  stableTimer: NodeJS.Timeout | undefined;
}

export interface FunctionSupervisor {
  /** The environment every function gets over the few inherited variables. */
  env: Record<string, string>;
  /** How long to wait for a function to answer on its port after spawning. */
  bootTimeoutMs: number;
  log: (line: string) => void;
  /** Set once the whole gateway stops: nothing restarts after that. */
  stopping: boolean;
}

const BOOT_POLL_MS = 100;
const RESTART_FIRST_DELAY_MS = 250;
const RESTART_MAX_DELAY_MS = 10_000;
const RESTART_RESET_MS = 10_000;

export function restartDelayMs(crashes: number): number {
  return Math.min(RESTART_MAX_DELAY_MS, RESTART_FIRST_DELAY_MS * 2 ** Math.max(0, crashes - 1));
}

export function denoBinaryPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("deno/package.json")), "deno");
}

export function newFunctionProcess(name: string, entrypoint: string): FunctionProcess {
  return { name, entrypoint, port: 0, child: undefined, up: false, wanted: false, crashes: 0, restartTimer: undefined, stableTimer: undefined };
}

const INHERITED_ENV = new Set(["PATH", "HOME", "TMPDIR", "DENO_DIR", "XDG_CACHE_HOME", "LANG"]);

/**
 * Deno's built-in OpenTelemetry for a function: on, exporting to OTEL_EXPORTER_OTLP_ENDPOINT,
 * when that is set, and named after the function unless OTEL_SERVICE_NAME says otherwise;
 * nothing when it is not set, so the functions run with the no-op API. An explicit OTEL_DENO wins.
 */
export function functionTelemetryEnv(env: Record<string, string | undefined>, functionName: string): Record<string, string> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return {};
  return { OTEL_DENO: env.OTEL_DENO ?? "true", OTEL_SERVICE_NAME: env.OTEL_SERVICE_NAME ?? functionName };
}

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && (INHERITED_ENV.has(name) || name.startsWith("OTEL_"))) env[name] = value;
  }
  return env;
}

function cancelTimers(fn: FunctionProcess): void {
  clearTimeout(fn.restartTimer);
  clearTimeout(fn.stableTimer);
  fn.restartTimer = undefined;
  fn.stableTimer = undefined;
}

function scheduleRestart(supervisor: FunctionSupervisor, fn: FunctionProcess, exitedChild: ChildProcess, reason: string): void {
  const { log } = supervisor;
  fn.crashes += 1;
  const delay = restartDelayMs(fn.crashes);
  log(`[fn ${fn.name}] exited (${reason}); the gateway answers 503 for it and restarts it in ${delay} ms (crash ${fn.crashes} in a row)`);
  fn.restartTimer = setTimeout(() => {
    fn.restartTimer = undefined;
    // A deliberate stop or restart since the crash owns the process now.
    if (supervisor.stopping || !fn.wanted || fn.child !== exitedChild) return;
    startFunctionProcess(supervisor, fn)
      .then(() => {
        if (fn.up) log(`[fn ${fn.name}] restarted after a crash`);
      })
      .catch((error: unknown) => log(`[fn ${fn.name}] restart failed: ${String(error)}`));
  }, delay);
}

const SETPRIV = "/usr/bin/setpriv";

/**
 * The command that runs `command args` and ends with the process that started it. Linux's
 * parent-death signal (set by util-linux's setpriv, which then execs the command in place)
 * sends SIGTERM when the starter dies, even by SIGKILL, so a test worker or `npm run dev`
 * killed hard leaves no Deno server behind on its port. Elsewhere the command runs as is and
 * only a stop on purpose ends it.
 */
export function endingWithParent(command: string, args: string[]): [string, string[]] {
  if (process.platform !== "linux" || !existsSync(SETPRIV)) return [command, args];
  return [SETPRIV, ["--pdeathsig", "TERM", command, ...args]];
}

/** Spawns the function's Deno process, its output forwarded to the log line by line; an unexpected exit schedules a restart. */
function spawnDeno(supervisor: FunctionSupervisor, fn: FunctionProcess): { child: ChildProcess; exited: () => boolean } {
  const env: Record<string, string> = { ...inheritedEnv(), NO_COLOR: "1", ...supervisor.env };
  const [command, args] = endingWithParent(denoBinaryPath(), [
    "serve", "--quiet", "--no-prompt", "--host", "127.0.0.1", "--port", String(fn.port), "--allow-net", "--allow-env", "--allow-read", "--allow-sys", fn.entrypoint,
  ]);
  const child = spawn(
    command,
    args,
    { env: { NODE_ENV: "development", ...env, ...functionTelemetryEnv(env, fn.name) }, stdio: ["ignore", "pipe", "pipe"] },
  );
  fn.child = child;
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim().length > 0) supervisor.log(`[fn ${fn.name}] ${line}`);
  };
  child.stdout?.on("data", forward);
  child.stderr?.on("data", forward);
  let exited = false;
  child.once("exit", (code, signal) => {
    exited = true;
    if (fn.child !== child) return;
    fn.up = false;
    clearTimeout(fn.stableTimer);
    if (!supervisor.stopping && fn.wanted) scheduleRestart(supervisor, fn, child, signal ?? `code ${code}`);
  });
  return { child, exited: () => exited };
}

/** Starts the function and waits until its port answers; one that does not start in time is killed (the gateway answers 503). */
export async function startFunctionProcess(supervisor: FunctionSupervisor, fn: FunctionProcess): Promise<void> {
  cancelTimers(fn);
  fn.wanted = true;
  fn.port = await freePort();
  const { child, exited } = spawnDeno(supervisor, fn);
  const deadline = Date.now() + supervisor.bootTimeoutMs;
  while (!exited() && Date.now() < deadline) {
    if (await portAnswers(fn.port)) {
      fn.up = true;
      fn.stableTimer = setTimeout(() => (fn.crashes = 0), RESTART_RESET_MS);
      fn.stableTimer.unref();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, BOOT_POLL_MS));
  }
  if (!exited()) child.kill("SIGKILL");
  supervisor.log(`[fn ${fn.name}] did not start; the gateway answers 503 for it`);
}

export async function stopFunctionProcess(fn: FunctionProcess): Promise<void> {
  const child = fn.child;
  fn.up = false;
  fn.wanted = false;
  cancelTimers(fn);
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}
