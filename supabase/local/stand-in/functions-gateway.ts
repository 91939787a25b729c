// The functions gateway: `/functions/v1/<name>` in front of Edge Functions running in
// real Deno (the binary from the `deno` npm package), one `deno serve` process per
// function. Bodies and headers pass through untouched and responses stream back, so a
// function sees the same raw bytes it would on hosted Supabase (webhook signatures
// are computed over them).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { readTomlSections } from "../config-toml.ts";
import { freePort } from "../free-port.ts";
import { portAnswers } from "../postgres.ts";
import { bearerToken, corsHeaders, sendJson } from "./http-io.ts";
import { JwtRejectedError, type SigningKeys } from "./signing-keys.ts";

export interface FunctionsOptions {
  /** Folder holding `<name>/index.ts` (e.g. supabase/functions). `_shared` and `tests` are not functions. */
  dir: string;
  /** Extra environment for every function (secrets such as TIKTOK_APP_SECRET). */
  env?: Record<string, string>;
  /**
   * Per-function JWT verification, as `[functions.<name>] verify_jwt` in config.toml (read from
   * `<dir>/../config.toml` when present). Functions not named verify, as the Supabase CLI does.
   */
  verifyJwt?: Record<string, boolean>;
  /** How long to wait for a function to answer on its port after spawning. */
  bootTimeoutMs?: number;
  /** Hosted Edge Functions answer 504 when a function sends no response within 150 s ("request idle timeout"). */
  requestIdleTimeoutMs?: number;
}

interface FunctionProcess {
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

const NOT_FUNCTIONS = new Set(["_shared", "tests"]);
const BOOT_POLL_MS = 100;
const REQUEST_IDLE_TIMEOUT_MS = 150_000;
// A crashed function comes back as the hosted platform's would (it starts a new isolate),
// after a backoff that doubles while it keeps crashing, so a crash loop cannot spin the CPU.
const RESTART_FIRST_DELAY_MS = 250;
const RESTART_MAX_DELAY_MS = 10_000;
const RESTART_RESET_MS = 10_000;

export function restartDelayMs(crashes: number): number {
  return Math.min(RESTART_MAX_DELAY_MS, RESTART_FIRST_DELAY_MS * 2 ** Math.max(0, crashes - 1));
}
// Headers that describe one hop, not the message (RFC 9110 section 7.6.1).
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"]);

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

export function denoBinaryPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("deno/package.json")), "deno");
}

export function discoverFunctions(dir: string): { name: string; entrypoint: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => !NOT_FUNCTIONS.has(name) && !name.startsWith(".") && !name.startsWith("_"))
    .map((name) => ({ name, entrypoint: path.join(dir, name, "index.ts") }))
    .filter((fn) => statSync(path.dirname(fn.entrypoint)).isDirectory() && existsSync(fn.entrypoint))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Reads `[functions.<name>] verify_jwt = true|false` from a Supabase CLI config.toml. */
export function readVerifyJwtSettings(configToml: string): Record<string, boolean> {
  const settings: Record<string, boolean> = {};
  for (const [section, values] of Object.entries(readTomlSections(configToml))) {
    const name = /^functions\.([\w-]+)$/.exec(section)?.[1];
    if (name && typeof values.verify_jwt === "boolean") settings[name] = values.verify_jwt;
  }
  return settings;
}

export function createFunctionsGateway(
  options: FunctionsOptions & { keys: SigningKeys; baseEnv: Record<string, string>; log: (line: string) => void },
) {
  const { keys, log } = options;
  const verifyJwt = { ...readVerifyJwtSettings(path.resolve(options.dir, "..", "config.toml")), ...options.verifyJwt };
  const processes = new Map<string, FunctionProcess>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  let stopping = false;
  // Deno children must not outlive a dev server that exits without calling stop().
  const killChildrenOnExit = () => {
    for (const fn of processes.values()) if (fn.child && fn.child.exitCode === null) fn.child.kill("SIGKILL");
  };

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

  function scheduleRestart(fn: FunctionProcess, exitedChild: ChildProcess, reason: string): void {
    fn.crashes += 1;
    const delay = restartDelayMs(fn.crashes);
    log(`[fn ${fn.name}] exited (${reason}); the gateway answers 503 for it and restarts it in ${delay} ms (crash ${fn.crashes} in a row)`);
    fn.restartTimer = setTimeout(() => {
      fn.restartTimer = undefined;
      // A deliberate stop or restart since the crash owns the process now.
      if (stopping || !fn.wanted || fn.child !== exitedChild) return;
      startProcess(fn)
        .then(() => {
          if (fn.up) log(`[fn ${fn.name}] restarted after a crash`);
        })
        .catch((error: unknown) => log(`[fn ${fn.name}] restart failed: ${String(error)}`));
    }, delay);
  }

  async function startProcess(fn: FunctionProcess): Promise<void> {
    cancelTimers(fn);
    fn.wanted = true;
    fn.port = await freePort();
    const env: Record<string, string> = { ...inheritedEnv(), NO_COLOR: "1", ...options.baseEnv, ...options.env };
    const child = spawn(
      denoBinaryPath(),
      ["serve", "--quiet", "--no-prompt", "--host", "127.0.0.1", "--port", String(fn.port), "--allow-net", "--allow-env", "--allow-read", "--allow-sys", fn.entrypoint],
      { env: { NODE_ENV: "development", ...env, ...functionTelemetryEnv(env, fn.name) }, stdio: ["ignore", "pipe", "pipe"] },
    );
    fn.child = child;
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim().length > 0) log(`[fn ${fn.name}] ${line}`);
    };
    child.stdout?.on("data", forward);
    child.stderr?.on("data", forward);
    let exited = false;
    child.once("exit", (code, signal) => {
      exited = true;
      if (fn.child !== child) return;
      fn.up = false;
      clearTimeout(fn.stableTimer);
      if (!stopping && fn.wanted) scheduleRestart(fn, child, signal ?? `code ${code}`);
    });
    const deadline = Date.now() + (options.bootTimeoutMs ?? 60_000);
    while (!exited && Date.now() < deadline) {
      if (await portAnswers(fn.port)) {
        fn.up = true;
        fn.stableTimer = setTimeout(() => (fn.crashes = 0), RESTART_RESET_MS);
        fn.stableTimer.unref();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, BOOT_POLL_MS));
    }
    if (!exited) child.kill("SIGKILL");
    log(`[fn ${fn.name}] did not start; the gateway answers 503 for it`);
  }

  async function stopProcess(fn: FunctionProcess): Promise<void> {
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

  async function authorize(request: IncomingMessage, response: ServerResponse, name: string): Promise<boolean> {
    // Browsers send CORS preflights without credentials; functions answer them themselves.
    if (request.method === "OPTIONS" || verifyJwt[name] === false) return true;
    const token = bearerToken(request);
    if (!token) {
      sendJson(response, 401, { code: "UNAUTHORIZED_NO_AUTH_HEADER", message: "Missing authorization header" }, corsHeaders(request));
      return false;
    }
    try {
      await keys.verify(token);
      return true;
    } catch (error) {
      if (!(error instanceof JwtRejectedError)) throw error;
      sendJson(response, 401, { code: "UNAUTHORIZED_INVALID_JWT_FORMAT", message: `Invalid JWT: ${error.message}` }, corsHeaders(request));
      return false;
    }
  }

  /** Proxies `/functions/v1/<name><rest>`; the function sees the path `/<name><rest>`, as on hosted Supabase. */
  async function handleFunctionRequest(request: IncomingMessage, response: ServerResponse, subPath: string, search: string): Promise<void> {
    const name = /^\/([^/]+)/.exec(subPath)?.[1];
    const fn = name ? processes.get(name) : undefined;
    // Errors the gateway itself answers carry CORS headers so the browser can read them.
    if (!name || !fn) {
      sendJson(response, 404, { code: "NOT_FOUND", message: "Requested function was not found" }, corsHeaders(request));
      return;
    }
    if (!(await authorize(request, response, name))) return;
    if (!fn.up) {
      sendJson(response, 503, { code: "BOOT_ERROR", message: "Function failed to start (please check logs)" }, corsHeaders(request));
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [header, value] of Object.entries(request.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(header)) headers[header] = value;
    }
    headers["x-forwarded-host"] = request.headers.host ?? "";
    headers["x-forwarded-proto"] = "http";
    const upstream = http.request(
      { host: "127.0.0.1", port: fn.port, method: request.method, path: `${subPath}${search}`, headers, agent },
      (upstreamResponse) => {
        const responseHeaders: Record<string, string | string[]> = {};
        for (const [header, value] of Object.entries(upstreamResponse.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(header)) responseHeaders[header] = value;
        }
        response.writeHead(upstreamResponse.statusCode ?? 502, responseHeaders);
        upstreamResponse.pipe(response);
        upstreamResponse.on("error", () => response.destroy());
      },
    );
    let timedOut = false;
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (timedOut) return;
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const refused = error.code === "ECONNREFUSED" || error.code === "ECONNRESET";
      sendJson(
        response,
        refused ? 503 : 502,
        refused ? { code: "BOOT_ERROR", message: "Function failed to start (please check logs)" } : { code: "BAD_GATEWAY", message: error.message },
        corsHeaders(request),
      );
    });
    // As hosted: no answer within the request idle timeout is a 504, and the call is dropped.
    const idle = setTimeout(() => {
      timedOut = true;
      sendJson(response, 504, { code: "IDLE_TIMEOUT", message: "The function did not respond before the request idle timeout" }, corsHeaders(request));
      upstream.destroy();
    }, options.requestIdleTimeoutMs ?? REQUEST_IDLE_TIMEOUT_MS);
    upstream.once("response", () => clearTimeout(idle));
    upstream.once("close", () => clearTimeout(idle));
    request.on("aborted", () => upstream.destroy());
    request.pipe(upstream);
  }

  return {
    handleFunctionRequest,
    async start(): Promise<void> {
      process.once("exit", killChildrenOnExit);
      const found = discoverFunctions(options.dir);
      for (const { name, entrypoint } of found) processes.set(name, { name, entrypoint, port: 0, child: undefined, up: false, wanted: false, crashes: 0, restartTimer: undefined, stableTimer: undefined });
      await Promise.all([...processes.values()].map((fn) => startProcess(fn)));
    },
    async stop(): Promise<void> {
      stopping = true;
      process.off("exit", killChildrenOnExit);
      await Promise.all([...processes.values()].map((fn) => stopProcess(fn)));
      agent.destroy();
    },
    /** Names of the functions found, and whether each process answers. */
    /** Each function's process; `port` lets a benchmark reach it without the gateway. */
    status(): Record<string, { up: boolean; pid: number | undefined; port: number }> {
      return Object.fromEntries([...processes.values()].map((fn) => [fn.name, { up: fn.up, pid: fn.child?.pid, port: fn.port }]));
    },
    /** Stops one function's Deno process on purpose (the gateway then answers 503 for it, and does not restart it). */
    async stopFunction(name: string): Promise<void> {
      const fn = processes.get(name);
      if (fn) await stopProcess(fn);
    },
    async restartFunction(name: string): Promise<void> {
      const fn = processes.get(name);
      if (!fn) throw new Error(`No function named ${name}`);
      await stopProcess(fn);
      await startProcess(fn);
    },
  };
}

export type FunctionsGateway = ReturnType<typeof createFunctionsGateway>;
