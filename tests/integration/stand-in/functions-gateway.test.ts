// The functions gateway in front of a real Deno process running the echo fixture.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../../supabase/local/postgres.ts";
import { restartDelayMs } from "../../../supabase/local/stand-in/function-processes.ts";
import { eventually, newClient, startTestStandIn } from "./stand-in-harness.ts";

const logLines: string[] = [];
const standIn = await startTestStandIn({
  functions: { dir: path.join(repoRoot, "tests/fixtures/functions"), env: { ECHO_FIXTURE_SETTING: "from-test" }, requestIdleTimeoutMs: 3_000 },
  log: (line) => logLines.push(line),
});

interface EchoReport {
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  bodyLength: number;
  bodySha256: string;
  env: { supabaseUrl: string | null; hasServiceRoleKey: boolean; databaseUrl: boolean; fixtureSetting: string | null };
}

const authorized = () => ({ apikey: standIn.anonKey, authorization: `Bearer ${standIn.anonKey}` });

describe("functions gateway", () => {
  it("finds the function folders and skips _shared", () => {
    expect(Object.keys(standIn.functions.status())).toEqual(["echo"]);
  });

  it("invokes a function through supabase-js", async () => {
    const { data, error } = await newClient(standIn).functions.invoke<EchoReport>("echo", { body: { hello: "deno" } });

    expect(error).toBeNull();
    expect(data).toMatchObject({
      method: "POST",
      path: "/echo",
      env: { supabaseUrl: standIn.url, hasServiceRoleKey: true, databaseUrl: true, fixtureSetting: "from-test" },
    });
  });

  it("passes raw body bytes, headers, path, query and status through untouched", async () => {
    const body = randomBytes(70_000);
    const response = await fetch(`${standIn.url}/functions/v1/echo/nested/path?status=207&x=1`, {
      method: "PUT",
      headers: { ...authorized(), "content-type": "application/octet-stream", "x-tts-signature": "abc123" },
      body,
    });

    expect(response.status).toBe(207);
    expect(response.headers.get("x-echo")).toBe("yes");
    const report = (await response.json()) as EchoReport;
    expect(report).toMatchObject({ method: "PUT", path: "/echo/nested/path", search: "?status=207&x=1", bodyLength: body.length });
    expect(report.bodySha256).toBe(createHash("sha256").update(body).digest("hex"));
    expect(report.headers["x-tts-signature"]).toBe("abc123");
    expect(report.headers.authorization).toBe(`Bearer ${standIn.anonKey}`);
  });

  it("after a function answers without reading a large body, the caller's connection still serves the next request", async () => {
    // One connection, kept alive: the next request waits for the first's body to be taken.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const call = (method: string, pathname: string, body?: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const request = http.request(`${standIn.url}/functions/v1/echo${pathname}`, { method, agent, headers: authorized() }, (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
        });
        request.on("error", reject);
        request.end(body);
      });
    try {
      expect(await call("POST", "/refuse-unread", randomBytes(8 * 1024 * 1024))).toBe(413);
      // Before the gateway drained what the function left unread, this waited forever.
      expect(await call("GET", "")).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it("streams a streamed response", async () => {
    const response = await fetch(`${standIn.url}/functions/v1/echo/stream`, { headers: authorized() });
    expect(await response.text()).toBe("one\ntwo\nthree\n");
  });

  it("answers 404 for a function that does not exist", async () => {
    const unknown = await fetch(`${standIn.url}/functions/v1/no-such-function`, { method: "POST", headers: authorized() });
    const shared = await fetch(`${standIn.url}/functions/v1/_shared`, { headers: authorized() });

    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "NOT_FOUND" });
    expect(shared.status).toBe(404);
  });

  it("answers 401 without a valid JWT, as functions verify JWTs unless config.toml says otherwise", async () => {
    const missing = await fetch(`${standIn.url}/functions/v1/echo`, { method: "POST" });
    const forged = await fetch(`${standIn.url}/functions/v1/echo`, { method: "POST", headers: { authorization: "Bearer a.b.c" } });

    expect(missing.status).toBe(401);
    expect(forged.status).toBe(401);
  });

  it("answers 503 while the function's process is down, and serves again after a restart", async () => {
    await standIn.functions.stopFunction("echo");
    const down = await fetch(`${standIn.url}/functions/v1/echo`, { method: "POST", headers: authorized() });
    expect(down.status).toBe(503);

    await standIn.functions.restartFunction("echo");
    const up = await fetch(`${standIn.url}/functions/v1/echo`, { method: "POST", headers: authorized() });
    expect(up.status).toBe(200);
  });

  it("restarts a function whose process was killed, and says so in the log", async () => {
    const killedPid = standIn.functions.status().echo.pid;
    expect(killedPid).toBeDefined();
    process.kill(killedPid!, "SIGKILL");

    const restarted = await eventually(() => {
      const echo = standIn.functions.status().echo;
      return echo.up && echo.pid !== killedPid ? echo : undefined;
    });
    const answer = await fetch(`${standIn.url}/functions/v1/echo`, { method: "POST", headers: authorized() });

    expect(answer.status).toBe(200);
    expect(restarted.pid).not.toBe(killedPid);
    expect(logLines).toContainEqual(expect.stringMatching(/\[fn echo\] exited \(SIGKILL\); .* restarts it in 250 ms \(crash 1 in a row\)/));
    expect(logLines).toContain("[fn echo] restarted after a crash");
  });

  it("backs off from a crash loop: 250 ms, doubling, at most 10 s", () => {
    expect([1, 2, 3, 4, 6, 7, 20].map(restartDelayMs)).toEqual([250, 500, 1000, 2000, 8000, 10_000, 10_000]);
  });

  it("answers 504 when a function sends no response within the request idle timeout, as hosted does", async () => {
    const answer = await fetch(`${standIn.url}/functions/v1/echo/silent`, { method: "POST", headers: authorized() });

    expect(answer.status).toBe(504);
    expect(await answer.json()).toEqual({ code: "IDLE_TIMEOUT", message: "The function did not respond before the request idle timeout" });
    expect((await fetch(`${standIn.url}/functions/v1/echo`, { method: "POST", headers: authorized() })).status).toBe(200);
  });
});
