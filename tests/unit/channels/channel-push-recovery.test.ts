import { describe, expect, it } from "vitest";
import { recoveryDelayMs } from "../../../src/core/channels/channel-push-recovery.ts";

describe("recovering channel pushes after an outage", () => {
  it("tries a dead-lettered push 30 s after the consumer gave up, then doubles the wait up to 15 minutes, and never gives up", () => {
    expect(recoveryDelayMs(5)).toBe(30_000);
    expect(recoveryDelayMs(6)).toBe(60_000);
    expect(recoveryDelayMs(8)).toBe(240_000);
    expect(recoveryDelayMs(40)).toBe(900_000);
  });
});
