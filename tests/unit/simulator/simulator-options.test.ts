import { describe, expect, it } from "vitest";
import { defaultRedirectUri } from "../../../src/simulator/api-server.ts";
import { runSimulation } from "../../../src/simulator/run-simulation.ts";
import { parseSimulatorOptions, type SimulatorOptions } from "../../../src/simulator/simulator-options.ts";

const parse = (argv: string[]) => parseSimulatorOptions(argv, {}, 1800000000, 7) as SimulatorOptions;

describe("simulator options for connecting and reading a shop", () => {
  it("reads the drop rate, the 429 rate, the redirect URL and the token lifetimes", () => {
    expect(
      parse(["--drop-rate", "0.2", "--rate-limit-error-rate", "0.1", "--redirect-uri", "http://localhost:3001/api/tiktok/callback", "--access-token-ttl", "120", "--refresh-token-ttl", "600"]),
    ).toMatchObject({ dropRate: 0.2, rateLimitErrorRate: 0.1, redirectUri: "http://localhost:3001/api/tiktok/callback", accessTokenTtlSeconds: 120, refreshTokenTtlSeconds: 600 });
  });

  it("defaults to no drops, no random 429s, the app's local callback and TikTok-like lifetimes", () => {
    expect(parse([])).toMatchObject({ dropRate: 0, rateLimitErrorRate: 0, redirectUri: defaultRedirectUri, accessTokenTtlSeconds: 604800, refreshTokenTtlSeconds: 31536000 });
    expect(defaultRedirectUri).toBe("http://localhost:3000/api/tiktok/callback");
  });

  it.each([
    [["--drop-rate", "1"], /--drop-rate/],
    [["--rate-limit-error-rate", "1.5"], /--rate-limit-error-rate/],
    [["--redirect-uri", "not a url"], /--redirect-uri/],
    [["--access-token-ttl", "0"], /--access-token-ttl/],
  ])("refuses %j", (argv, message) => {
    expect(() => parse(argv)).toThrow(message);
  });
});

describe("a dry run with dropped webhooks", () => {
  async function dryRun(seed: string) {
    const lines: string[] = [];
    const summary = await runSimulation(parse(["--dry-run", "--seed", seed, "--rate", "100", "--duration", "3", "--drop-rate", "0.3"]), { log: () => {}, printDelivery: (line) => lines.push(line) });
    return { lines, summary };
  }

  it("prints only the deliveries that were not dropped, the same ones for the same seed, and counts the drops", async () => {
    const first = await dryRun("12");
    const second = await dryRun("12");
    expect(first.lines).toHaveLength(300);
    expect(second.lines).toEqual(first.lines);
    expect(first.summary.dropped.notifications).toBeGreaterThan(0);
    expect(first.summary.dropped.orders).toBeGreaterThan(0);
  });
});
