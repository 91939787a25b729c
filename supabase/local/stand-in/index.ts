// The local Supabase stand-in: one HTTP + WebSocket server on the Supabase CLI's API
// port that the unmodified @supabase/supabase-js talks to as to hosted Supabase: Auth
// under /auth/v1, Realtime under /realtime/v1, Edge Functions under /functions/v1.
// A development and test harness, never a production component.
import { writeFileSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import path from "node:path";
import postgres, { type Sql } from "postgres";
import { localStateDir, repoRoot } from "../postgres.ts";
import { createAuthHandler } from "./auth.ts";
import { signInGuardSettingsFrom, type SignInGuardSettings } from "./sign-in-guard.ts";
import { startDatabaseWorkers, type DatabaseWorkers } from "./database-workers.ts";
import { createFunctionsGateway, type FunctionsGateway, type FunctionsOptions } from "./functions-gateway.ts";
import { corsHeaders, sendEmpty, sendJson, urlForLog } from "./http-io.ts";
import { createRealtimeServer, DEFAULT_REALTIME_LIMITS, type RealtimeLimits } from "./realtime/realtime-server.ts";
import { loadOrCreateSigningKeys, type SigningKeys } from "./signing-keys.ts";
import { createStorage } from "./storage.ts";

export { createLocalUser, type LocalUserInput, type LocalUserRole } from "./local-users.ts";
export type { FunctionsOptions } from "./functions-gateway.ts";
export type { RealtimeLimits } from "./realtime/realtime-server.ts";

export const STAND_IN_PORT = 54321;

export interface StandInOptions {
  databaseUrl: string;
  port?: number;
  host?: string;
  /** Where the ES256 key (and the anon / service-role keys signed with it) is kept; default: the local state dir. */
  keysDir?: string;
  functions?: FunctionsOptions;
  signUpEnabled?: boolean;
  /** Where Storage objects are kept (default: storage/ in the local state dir). */
  storageDir?: string;
  /** The Supabase CLI config the Auth settings come from (default supabase/config.toml). */
  configToml?: string;
  /** Overrides config.toml's sign-in limits (test suites sign in hundreds of times from one IP). */
  signInGuard?: Partial<SignInGuardSettings>;
  accessTokenLifetimeSeconds?: number;
  refreshTokenReuseIntervalSeconds?: number;
  realtimeLimits?: Partial<RealtimeLimits>;
  /**
   * Run the pg_net and pg_cron workers and fill Vault's `project_url` and `service_role_key`,
   * as a hosted project does: the appends then wake process-events and the safety net runs.
   * Off where several stand-ins share one database (tests of the stand-in itself).
   */
  databaseWorkers?: boolean;
  log?: (line: string) => void;
}

export interface SupabaseStandIn {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  jwks: { keys: Record<string, unknown>[] };
  /** Requests served so far for a method and path, e.g. `requestCount("GET", "/auth/v1/user")`. */
  requestCount(method: string, path: string): number;
  realtime: {
    /** Drops every Realtime connection and refuses new ones (Auth and functions keep running). */
    stop(): void;
    start(): void;
    connectionCount(): number;
  };
  functions: Pick<FunctionsGateway, "status" | "stopFunction" | "restartFunction">;
  /** The pg_net and pg_cron workers, when started with `databaseWorkers`. */
  databaseWorkers: DatabaseWorkers | undefined;
  stop(): Promise<void>;
}

type StandInServices = ReturnType<typeof createServices>;

/** Auth, Storage, Realtime and (when configured) the functions gateway, sharing the signing keys and the pool. */
function createServices(options: StandInOptions, url: string, keys: SigningKeys, sql: Sql, log: (line: string) => void) {
  const handleAuth = createAuthHandler({
    sql,
    keys,
    issuer: `${url}/auth/v1`,
    signUpEnabled: options.signUpEnabled ?? false,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3600,
    refreshTokenReuseIntervalSeconds: options.refreshTokenReuseIntervalSeconds ?? 10,
    signInGuard: { ...signInGuardSettingsFrom(options.configToml ?? path.join(repoRoot, "supabase", "config.toml")), ...options.signInGuard },
  });
  const storage = createStorage({ dir: options.storageDir ?? path.join(localStateDir(), "storage"), keys });
  const realtime = createRealtimeServer({ sql, keys, limits: { ...DEFAULT_REALTIME_LIMITS, ...options.realtimeLimits }, log });
  const functions = options.functions
    ? createFunctionsGateway({
        ...options.functions,
        keys,
        log,
        baseEnv: {
          SUPABASE_URL: url,
          SUPABASE_ANON_KEY: keys.anonKey,
          SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
          SUPABASE_DB_URL: options.databaseUrl,
          DATABASE_URL: options.databaseUrl,
        },
      })
    : undefined;
  return { handleAuth, storage, realtime, functions };
}

/** One HTTP server for every service, by path as on hosted Supabase, counting requests by method and path; WebSocket upgrades go to Realtime. */
function createStandInServer(url: string, services: StandInServices, requestCounts: Map<string, number>, log: (line: string) => void): http.Server {
  const { handleAuth, storage, realtime, functions } = services;
  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestUrl = new URL(request.url ?? "/", url);
    const pathname = requestUrl.pathname;
    const countKey = `${request.method ?? "GET"} ${pathname}`;
    requestCounts.set(countKey, (requestCounts.get(countKey) ?? 0) + 1);

    if (pathname.startsWith("/functions/v1/")) {
      if (!functions) return sendJson(response, 404, { code: "NOT_FOUND", message: "Requested function was not found" });
      return functions.handleFunctionRequest(request, response, pathname.slice("/functions/v1".length), requestUrl.search);
    }
    const headers = corsHeaders(request);
    if (request.method === "OPTIONS") return sendEmpty(response, 204, headers);
    if (pathname.startsWith("/auth/v1/")) return handleAuth(request, response, requestUrl, pathname.slice("/auth/v1".length), headers);
    if (pathname.startsWith("/storage/v1/")) return storage.handle(request, response, pathname.slice("/storage/v1".length), headers);
    if (pathname.startsWith("/realtime/v1/api/")) {
      return realtime.handleRestBroadcast(request, response, requestUrl, pathname.slice("/realtime/v1".length), headers);
    }
    sendJson(response, 404, { message: "no route matched with those values" }, headers);
  }

  const server = http.createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      log(`[stand-in] ${request.method} ${urlForLog(request.url)} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      if (!response.headersSent) sendJson(response, 500, { message: "An unexpected error occurred" });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const requestUrl = new URL(request.url ?? "/", url);
    if (requestUrl.pathname !== "/realtime/v1/websocket") {
      socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      return;
    }
    realtime.handleUpgrade(request, socket, head, requestUrl).catch((error: unknown) => {
      log(`[stand-in realtime] upgrade failed: ${String(error)}`);
      socket.destroy();
    });
  });
  return server;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

export async function startSupabaseStandIn(options: StandInOptions): Promise<SupabaseStandIn> {
  const port = options.port ?? STAND_IN_PORT;
  const host = options.host ?? "127.0.0.1";
  const url = `http://${host}:${port}`;
  const log = options.log ?? ((line: string) => console.log(line));
  const keys = await loadOrCreateSigningKeys(options.keysDir ?? localStateDir());
  const sql = postgres(options.databaseUrl, { max: 10, onnotice: () => {}, connection: { application_name: "supabase-stand-in" } });
  const services = createServices(options, url, keys, sql, log);
  const { realtime, functions } = services;
  const requestCounts = new Map<string, number>();
  const server = createStandInServer(url, services, requestCounts, log);

  let databaseWorkers: DatabaseWorkers | undefined;
  try {
    await realtime.listenForDatabaseBroadcasts();
    await functions?.start();
    await listen(server, port, host);
    if (options.databaseWorkers) {
      databaseWorkers = await startDatabaseWorkers({ sql, vaultSecrets: { project_url: url, service_role_key: keys.serviceRoleKey }, log });
    }
  } catch (error) {
    await databaseWorkers?.stop();
    server.close();
    await functions?.stop();
    await realtime.close();
    await sql.end({ timeout: 5 });
    throw error;
  }

  return {
    url,
    anonKey: keys.anonKey,
    serviceRoleKey: keys.serviceRoleKey,
    jwks: keys.jwks as { keys: Record<string, unknown>[] },
    requestCount: (method, path) => requestCounts.get(`${method} ${path}`) ?? 0,
    realtime: { stop: () => realtime.stop(), start: () => realtime.start(), connectionCount: () => realtime.connectionCount() },
    functions: {
      status: () => functions?.status() ?? {},
      stopFunction: async (name) => functions?.stopFunction(name),
      restartFunction: async (name) => {
        if (!functions) throw new Error("the stand-in was started without functions");
        await functions.restartFunction(name);
      },
    },
    databaseWorkers,
    async stop() {
      await databaseWorkers?.stop();
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await functions?.stop();
      await sql.end({ timeout: 5 });
    },
  };
}

/** Writes the env file Next.js reads (`.env.local`, git-ignored) with the stand-in's URL and keys. */
export function writeLocalEnvFile(filePath: string, values: { url: string; anonKey: string; serviceRoleKey: string }): void {
  const content = [
    "# Written by the local Supabase stand-in on every start; local keys only, never hosted ones.",
    `NEXT_PUBLIC_SUPABASE_URL=${values.url}`,
    `NEXT_PUBLIC_SUPABASE_ANON_KEY=${values.anonKey}`,
    `SUPABASE_SERVICE_ROLE_KEY=${values.serviceRoleKey}`,
    "",
  ].join("\n");
  writeFileSync(filePath, content, { mode: 0o600 });
}
