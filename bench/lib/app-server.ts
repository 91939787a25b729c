// Running the production build for a browser benchmark: build (next build and the service
// worker), start `next start` in its own process group, wait for it, stop it.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

export async function runToEnd(command: string, args: string[], env: Record<string, string>): Promise<void> {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" }, stdio: ["ignore", process.stderr, process.stderr] });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}`);
}

/** `next build`, then the service worker (scripts/build-service-worker.ts), as `npm run build` does. */
export async function buildApp(env: Record<string, string>): Promise<void> {
  await runToEnd(path.join(root, "node_modules/.bin/next"), ["build"], env);
  await runToEnd(path.join(root, "node_modules/.bin/tsx"), ["scripts/build-service-worker.ts"], env);
}

export function startApp(port: number, env: Record<string, string>): ChildProcess {
  const child = spawn(path.join(root, "node_modules/.bin/next"), ["start", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: root,
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
  return child;
}

export function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return Promise.resolve();
  }
  return exited;
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`${url} did not answer`);
}
