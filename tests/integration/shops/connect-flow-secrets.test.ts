// A connect flow with everything that can happen to its tokens (stored, used, refreshed,
// rotated, refused), capturing every log line, every answer of the app's handlers and
// every error message, then looking for the tokens in them: none may be there.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SignedInCreator } from "../../../src/server/auth/with-creator-navigation.ts";
import { callbackResponse, connectResponse } from "../../../src/server/tiktok/shop-connection.ts";
import { appKey, appSecret, consentAtTikTok, DAY_MS, lifetimes, newCreator, shopClientsFor, shopsHarness, storedCredentials } from "./harness.ts";
import { createTikTokAuthApi } from "../../../src/core/channels/tiktok-shop/auth-api.ts";

const harness = shopsHarness({ seed: 44, firstSeller: 451 });
const { sql } = harness;
const captured: string[] = [];

beforeEach(() => {
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void captured.push(args.map((arg) => (arg instanceof Error ? `${arg.stack} ${JSON.stringify(arg)}` : typeof arg === "string" ? arg : JSON.stringify(arg))).join(" ")));
  }
  const write = (stream: NodeJS.WriteStream) =>
    vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
      captured.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
      return true;
    });
  write(process.stdout);
  write(process.stderr);
});
afterEach(() => vi.restoreAllMocks());

async function answerText(response: Response): Promise<string> {
  return `${response.status} ${JSON.stringify([...response.headers])} ${await response.clone().text()}`;
}

const signedIn = (creator: ReturnType<typeof newCreator>): SignedInCreator => ({ ...creator, email: "new@example.com", role: "creator" });

describe("a connect flow never shows a token", () => {
  it("keeps every token out of logs, answers, errors and events", async () => {
    const creator = newCreator();
    const user = signedIn(creator);
    const context = { sql, settings: harness.settings(), fetch: harness.fetch, now: harness.clock.now };
    const answers: string[] = [];
    const secrets = new Set<string>();

    // GET /api/tiktok/connect, the consent at TikTok, GET /api/tiktok/callback.
    const connect = await connectResponse(new Request("http://app.test/api/tiktok/connect"), user, context);
    answers.push(await answerText(connect));
    const callbackUrl = await consentAtTikTok(connect.headers.get("location")!);
    secrets.add(callbackUrl.searchParams.get("code")!);
    const callback = await callbackResponse(new Request(callbackUrl), user, context);
    answers.push(await answerText(callback));
    expect(callback.headers.get("location")).toBe("/onboarding");
    // The same callback again: a refusal, logged.
    const replay = await callbackResponse(new Request(callbackUrl), user, context);
    answers.push(await answerText(replay));
    expect(replay.headers.get("location")).toBe("/connect-tiktok/failed?reason=invalid_state");

    const [shop] = await sql<{ shop_id: string; seller_open_id: string }[]>`select shop_id, seller_open_id from public.tiktok_shops where creator_id = ${creator.creatorId}::uuid`;
    const first = await storedCredentials(harness, shop!.seller_open_id);
    secrets.add(first.accessToken).add(first.refreshToken);

    // Calls, a refresh before expiry (rotation), a refresh TikTok refuses, and the errors that follow.
    const clients = shopClientsFor(harness);
    const target = { creatorId: creator.creatorId, shopId: shop!.shop_id };
    answers.push(JSON.stringify(await clients.clientFor(target).searchOrders({}, { pageSize: 2 })));
    harness.clock.advance(lifetimes.accessTokenSeconds * 1000 - DAY_MS / 2);
    answers.push(JSON.stringify(await clients.clientFor(target).searchProducts({ pageSize: 2 })));
    const second = await storedCredentials(harness, shop!.seller_open_id);
    secrets.add(second.accessToken).add(second.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    const rotatedAway = await createTikTokAuthApi({ authBaseUrl: harness.simulator().url, appKey, appSecret }).refresh(second.refreshToken);
    secrets.add(rotatedAway.accessToken).add(rotatedAway.refreshToken);
    harness.clock.advance(lifetimes.accessTokenSeconds * 1000);
    for (const call of [() => clients.clientFor(target).searchOrders({}, {}), () => clients.clientFor(target).getOrderDetails(["1"])]) {
      const error = await call().then(() => new Error("expected a refusal"), (caught: unknown) => caught as Error);
      answers.push(`${error.name} ${error.message} ${JSON.stringify(error)} ${error.stack ?? ""}`);
    }
    // A refused refresh quotes TikTok's answer in its reason: it must not quote the token.
    const reasons = await sql<{ text: string }[]>`
      select event_data::text || metadata::text as text from public.event_store where aggregate_id = ${`shop-${shop!.shop_id}`}`;
    answers.push(...reasons.map((row) => row.text));
    expect(reasons.length).toBeGreaterThanOrEqual(2);

    const seen = [...captured, ...answers];
    expect(seen.join("\n")).toContain("TikTok Shop connection refused");
    expect(secrets.size).toBe(7);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(10);
      for (const text of seen) expect(text.includes(secret), `a token or code appeared in: ${text.slice(0, 200)}`).toBe(false);
    }
  });
});
