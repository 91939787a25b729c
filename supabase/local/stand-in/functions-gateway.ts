// The functions gateway: `/functions/v1/<name>` in front of Edge Functions running in
// real Deno (the binary from the `deno` npm package), one `deno serve` process per
// function (function-processes.ts). It finds the functions, checks the JWT as
// config.toml's verify_jwt says, and passes the request through (function-proxy.ts).
import { existsSync, readdirSync, statSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { readTomlSections } from "../config-toml.ts";
import {
  newFunctionProcess,
  startFunctionProcess,
  stopFunctionProcess,
  type FunctionProcess,
  type FunctionSupervisor,
} from "./function-processes.ts";
import { bootError, proxyToFunction } from "./function-proxy.ts";
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

const NOT_FUNCTIONS = new Set(["_shared", "tests"]);
const REQUEST_IDLE_TIMEOUT_MS = 150_000;

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

/** Lets the request through to function `name`, or answers 401 as the hosted gateway does. */
async function authorize(keys: SigningKeys, verifyJwt: Record<string, boolean>, request: IncomingMessage, response: ServerResponse, name: string): Promise<boolean> {
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

export function createFunctionsGateway(
  options: FunctionsOptions & { keys: SigningKeys; baseEnv: Record<string, string>; log: (line: string) => void },
) {
  const verifyJwt = { ...readVerifyJwtSettings(path.resolve(options.dir, "..", "config.toml")), ...options.verifyJwt };
  const processes = new Map<string, FunctionProcess>();
  const supervisor: FunctionSupervisor = { env: { ...options.baseEnv, ...options.env }, bootTimeoutMs: options.bootTimeoutMs ?? 60_000, log: options.log, stopping: false };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  // Deno children must not outlive a dev server that exits without calling stop().
  const killChildrenOnExit = () => {
    for (const fn of processes.values()) if (fn.child && fn.child.exitCode === null) fn.child.kill("SIGKILL");
  };

  return {
    /** Proxies `/functions/v1/<name><rest>`; the function sees the path `/<name><rest>`, as on hosted Supabase. */
    async handleFunctionRequest(request: IncomingMessage, response: ServerResponse, subPath: string, search: string): Promise<void> {
      const name = /^\/([^/]+)/.exec(subPath)?.[1];
      const fn = name ? processes.get(name) : undefined;
      // Errors the gateway itself answers carry CORS headers so the browser can read them.
      if (!name || !fn) {
        sendJson(response, 404, { code: "NOT_FOUND", message: "Requested function was not found" }, corsHeaders(request));
        return;
      }
      if (!(await authorize(options.keys, verifyJwt, request, response, name))) return;
      if (!fn.up) {
        sendJson(response, 503, bootError, corsHeaders(request));
        return;
      }
      proxyToFunction(request, response, { port: fn.port, path: `${subPath}${search}`, agent, idleTimeoutMs: options.requestIdleTimeoutMs ?? REQUEST_IDLE_TIMEOUT_MS });
    },
    async start(): Promise<void> {
      process.once("exit", killChildrenOnExit);
      for (const { name, entrypoint } of discoverFunctions(options.dir)) processes.set(name, newFunctionProcess(name, entrypoint));
      await Promise.all([...processes.values()].map((fn) => startFunctionProcess(supervisor, fn)));
    },
    async stop(): Promise<void> {
      supervisor.stopping = true;
      process.off("exit", killChildrenOnExit);
      await Promise.all([...processes.values()].map((fn) => stopFunctionProcess(fn)));
      agent.destroy();
    },
    /** Each function's process; `port` lets a benchmark reach it without the gateway. */
    status(): Record<string, { up: boolean; pid: number | undefined; port: number }> {
      return Object.fromEntries([...processes.values()].map((fn) => [fn.name, { up: fn.up, pid: fn.child?.pid, port: fn.port }]));
    },
    /** Stops one function's Deno process on purpose (the gateway then answers 503 for it, and does not restart it). */
    async stopFunction(name: string): Promise<void> {
      const fn = processes.get(name);
      if (fn) await stopFunctionProcess(fn);
    },
    async restartFunction(name: string): Promise<void> {
      const fn = processes.get(name);
      if (!fn) throw new Error(`No function named ${name}`);
      await stopFunctionProcess(fn);
      await startFunctionProcess(supervisor, fn);
    },
  };
}

export type FunctionsGateway = ReturnType<typeof createFunctionsGateway>;
