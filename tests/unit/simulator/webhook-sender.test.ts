import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSimulatorOptions, reproducibleStartTime } from "../../../src/simulator/simulator-options.ts";
import { createWebhookVerifier } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { sendWebhookTraffic } from "../../../src/simulator/webhook-sender.ts";
import { createWebhookTraffic } from "../../../src/simulator/webhook-traffic.ts";

// A stand-in for the webhook endpoint that checks signatures over the raw bytes it receives.
let receiver: Server;
let target: string;
const received: { verified: boolean; notificationId: string }[] = [];
const verify = createWebhookVerifier({ appKey: "test_app_key", appSecret: "test_app_secret" });

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const rawBody = new Uint8Array(Buffer.concat(chunks));
      void verify(rawBody, request.headers.authorization ?? null).then((verified) => {
        received.push({ verified, notificationId: (JSON.parse(Buffer.from(rawBody).toString("utf8")) as { tts_notification_id: string }).tts_notification_id });
        response.writeHead(verified ? 200 : 401).end();
      });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/functions/v1/tiktok-webhook`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe("webhook sender", () => {
  it("posts every planned webhook, signed so the receiver verifies it", async () => {
    const traffic = createWebhookTraffic({ seed: 5, creators: 2, startTime: 1764000000, duplicateRate: 0.1, reorderRate: 0.1 });
    const report = await sendWebhookTraffic({ target, rate: 400, durationSeconds: 0.2, appKey: "test_app_key", appSecret: "test_app_secret", traffic });
    expect(report).toMatchObject({ planned: 80, sent: 80, responses: { "200": 80 }, networkErrors: 0 });
    expect(received).toHaveLength(80);
    expect(received.every((delivery) => delivery.verified)).toBe(true);
  });

  it("counts answers other than 200, such as a 401 for a wrong secret", async () => {
    const traffic = createWebhookTraffic({ seed: 6, creators: 1, startTime: 1764000000, duplicateRate: 0, reorderRate: 0 });
    const report = await sendWebhookTraffic({ target, rate: 400, durationSeconds: 0.05, appKey: "test_app_key", appSecret: "wrong", traffic });
    expect(report.responses).toEqual({ "401": 20 });
  });
});

describe("simulator options", () => {
  it("makes a run with an explicit seed reproducible by fixing the start time", () => {
    const options = parseSimulatorOptions(["--seed", "42", "--rate", "20", "--duration", "5", "--creators", "4", "--duplicate-rate", "0.2", "--reorder-rate", "0"], {}, 1800000000, 7);
    expect(options).toMatchObject({ seed: 42, startTime: reproducibleStartTime, rate: 20, durationSeconds: 5, creators: 4, duplicateRate: 0.2, reorderRate: 0, appKey: "test_app_key", apiPort: 54330 });
  });

  it("takes credentials from the environment and a random seed when none is given", () => {
    const options = parseSimulatorOptions([], { TIKTOK_APP_KEY: "key", TIKTOK_APP_SECRET: "secret" }, 1800000000, 7);
    expect(options).toMatchObject({ seed: 7, startTime: 1800000000, appKey: "key", appSecret: "secret", target: "http://127.0.0.1:54321/functions/v1/tiktok-webhook" });
  });

  it("refuses out-of-range values with a message naming the flag", () => {
    expect(() => parseSimulatorOptions(["--duplicate-rate", "1.5"], {}, 1, 1)).toThrow(/--duplicate-rate/);
    expect(() => parseSimulatorOptions(["--creators", "0"], {}, 1, 1)).toThrow(/--creators/);
    expect(() => parseSimulatorOptions(["--bogus"], {}, 1, 1)).toThrow();
  });
});
