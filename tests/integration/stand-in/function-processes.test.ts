// A function's Deno server ends with the process that started it, even when that process is
// killed with SIGKILL and runs no cleanup (a test worker timed out, `npm run dev` killed).
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eventually } from "./stand-in-harness.ts";

const ownerScript = path.resolve(import.meta.dirname, "function-owner.ts");

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.runIf(process.platform === "linux")("function processes", () => {
  it("a function's Deno server stops when the process that started it is killed with SIGKILL", async () => {
    const owner = spawn(process.execPath, ["--import", "tsx", ownerScript], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    owner.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const denoPid = Number(await eventually(() => /deno (\d+)/.exec(output)?.[1], 50));
    expect(isRunning(denoPid)).toBe(true);

    owner.kill("SIGKILL");
    await once(owner, "exit");

    // The test's timeout bounds a failing run: without the parent-death signal the server stays.
    await eventually(() => !isRunning(denoPid), 50);
    expect(isRunning(denoPid)).toBe(false);
  }, 60_000);
});
