// Structured logs: JSON lines with level and ids, filtered by LOG_LEVEL, and nothing secret in them.
import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel } from "../../../src/core/logging.ts";

function capture(level?: string) {
  const lines: { level: LogLevel; entry: Record<string, unknown> }[] = [];
  const logger = createLogger({ level, write: (line, at) => lines.push({ level: at, entry: JSON.parse(line) as Record<string, unknown> }) });
  return { logger, lines };
}

describe("createLogger", () => {
  it("writes one JSON line with time, level, message and the fields of the logger and the call", () => {
    const { logger, lines } = capture();
    logger.child({ request_id: "req-1" }).warn("delivery not stored", { correlation_id: "c-9", attempt: 2 });

    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe("warn");
    expect(lines[0].entry).toMatchObject({ level: "warn", message: "delivery not stored", request_id: "req-1", correlation_id: "c-9", attempt: 2 });
    expect(Number.isNaN(Date.parse(String(lines[0].entry.time)))).toBe(false);
  });

  it("drops lines below LOG_LEVEL, and treats an unknown level as info", () => {
    const quiet = capture("warn");
    quiet.logger.info("routine");
    quiet.logger.error("broken");
    expect(quiet.lines.map((line) => line.entry.message)).toEqual(["broken"]);

    const unknown = capture("verbose");
    unknown.logger.debug("detail");
    unknown.logger.info("routine");
    expect(unknown.lines.map((line) => line.entry.message)).toEqual(["routine"]);
  });

  it("never writes a token, key, password, cookie or raw body, however it is passed", () => {
    const { logger, lines } = capture("debug");
    const jwt = "eyJhbGciOiJFUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlLXZhbHVl";
    logger.error(`call failed with Bearer ${jwt}`, {
      access_token: "tok-123456",
      headers: { Authorization: "Bearer abc.def", cookie: "sb=1" },
      raw_body: '{"order_id":"1"}',
      nested: { seller: { refreshToken: "r-987654" } },
      error: new Error(`upstream said ${jwt}`),
    });

    const text = JSON.stringify(lines);
    for (const secret of [jwt, "tok-123456", "abc.def", "sb=1", "order_id", "r-987654"]) expect(text).not.toContain(secret);
    expect(lines[0].entry).toMatchObject({
      message: "call failed with [redacted]",
      access_token: "[redacted]",
      headers: { Authorization: "[redacted]", cookie: "[redacted]" },
      raw_body: "[redacted]",
      nested: { seller: { refreshToken: "[redacted]" } },
      error: { name: "Error", message: "upstream said [redacted]" },
    });
  });
});
