// Real Postgres, the TikTok Shop simulator as TikTok (consent page, token endpoints, shop
// API) and one injected clock both sides read, so expiries are reached by moving the clock,
// never by waiting. Every outgoing TikTok request goes through a counting fetch.
import type { Sql } from "postgres";
import { afterAll, beforeAll, expect } from "vitest";
import { createSellerCredentialStore } from "../../../src/core/shops/seller-credentials.ts";
import { completeShopConnection, startShopConnection, type ConnectionOutcome, type ShopConnectionDependencies } from "../../../src/core/shops/shop-connection.ts";
import { generateTokenEncryptionKey, importTokenEncryptionKey, openToken } from "../../../src/core/shops/token-encryption.ts";
import { createTikTokAuthApi } from "../../../src/core/channels/tiktok-shop/auth-api.ts";
import { createShopClients } from "../../../src/core/channels/tiktok-shop/shop-clients.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { newSellerShop } from "../../../src/simulator/demo-catalogue.ts";
import { shopConnectionDependencies } from "../../../src/server/tiktok/shop-connection.ts";
import type { TikTokSettings } from "../../../src/server/tiktok/tiktok-settings.ts";
import { connectTestDatabase } from "../database.ts";

export const appKey = "shops_test_app_key";
export const appSecret = "shops_test_app_secret";
export const redirectUri = "http://app.test/api/tiktok/callback";
export { DAY_MS } from "../../../src/core/durations.ts";
export const SELLERS_PER_FILE = 150;
/** Realistic lifetimes: a week for access tokens, a year for the authorization. */
export const lifetimes = { authCodeSeconds: 300, accessTokenSeconds: 7 * 24 * 3600, refreshTokenSeconds: 365 * 24 * 3600 };

export interface ShopsHarness {
  sql: Sql;
  simulator: () => TikTokShopSimulator;
  clock: { now(): Date; advance(ms: number): void };
  /** TikTok requests seen, by path (e.g. "/api/v2/token/refresh"). */
  requests: { count(path: string): number; reset(): void };
  /** The next TikTok answer for a path, instead of the simulator's (then the simulator again). */
  interceptNext(path: string, answer: () => Promise<Response>): void;
  fetch: typeof fetch;
  settings: () => TikTokSettings;
  encryptionKey: string;
}

/**
 * `firstSeller`: every simulator numbers the sellers who sign up on its consent page from 1,
 * and a seller's shop id follows from that number; files sharing the test database must not
 * hand out the same shops, so each starts its sellers at a number of its own (spaced by
 * `SELLERS_PER_FILE`) and clears what an earlier run against a kept DATABASE_URL left there.
 */
export function shopsHarness(options: { seed: number; firstSeller: number }): ShopsHarness {
  const sql = connectTestDatabase({ max: 16 });
  let clockMs = Date.parse("2026-12-01T09:00:00Z");
  const clock = { now: () => new Date(clockMs), advance: (ms: number) => void (clockMs += ms) };
  const counts = new Map<string, number>();
  const interceptions = new Map<string, (() => Promise<Response>)[]>();
  const countingFetch: typeof fetch = async (input, init) => {
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const intercepted = interceptions.get(path)?.shift();
    if (intercepted) return intercepted();
    return fetch(input, init);
  };
  let simulator: TikTokShopSimulator | undefined;
  const encryptionKey = generateTokenEncryptionKey();

  beforeAll(async () => {
    simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, creators: 1, now: () => clockMs, seed: options.seed, redirectUri, tokenLifetimes: lifetimes });
    const shopIds = Array.from({ length: SELLERS_PER_FILE }, (_, index) => newSellerShop(options.firstSeller + index).shopId);
    await sql`delete from public.tiktok_seller_credentials where seller_open_id in (select seller_open_id from public.tiktok_shops where shop_id = any(${shopIds}::text[]))`;
    await sql`delete from public.tiktok_shops where shop_id = any(${shopIds}::text[])`;
    const streams = shopIds.map((shopId) => `shop-${shopId}`);
    await sql`delete from public.event_store where aggregate_id = any(${streams}::text[])`;
    await sql`delete from public.streams where aggregate_id = any(${streams}::text[])`;
    // Each consent page opened reserves the next seller number.
    for (let skipped = 1; skipped < options.firstSeller; skipped += 1) {
      await (await fetch(`${simulator.url}/oauth/authorize?app_key=${appKey}&state=skip`)).text();
    }
  });
  afterAll(async () => {
    await simulator?.close();
  });

  const current = () => {
    if (!simulator) throw new Error("the simulator starts in beforeAll");
    return simulator;
  };
  return {
    sql,
    simulator: current,
    clock,
    requests: { count: (path) => counts.get(path) ?? 0, reset: () => counts.clear() },
    interceptNext(path, answer) {
      interceptions.set(path, [...(interceptions.get(path) ?? []), answer]);
    },
    fetch: countingFetch,
    settings: () => ({ appKey, appSecret, apiBaseUrl: current().url, authBaseUrl: current().url, tokenEncryptionKey: encryptionKey }),
    encryptionKey,
  };
}

/** A new creator signing in: a user id, their creator id, their session. */
export function newCreator() {
  return { userId: crypto.randomUUID(), creatorId: crypto.randomUUID(), sessionId: crypto.randomUUID() };
}
export type TestCreator = ReturnType<typeof newCreator>;

/**
 * The seller's side of TikTok's consent: opens the consent page the app's link names, picks
 * a seller ("new", or an existing seller's open id to authorize again) and presses
 * Authorize. Returns where TikTok sends the browser: the app's callback URL.
 */
export async function consentAtTikTok(authorizationUrl: string, seller = "new"): Promise<URL> {
  const page = await (await fetch(authorizationUrl)).text();
  const consentId = /name="consent_id" value="([^"]+)"/.exec(page)?.[1];
  if (consentId === undefined) throw new Error(`no consent form at ${new URL(authorizationUrl).pathname}`);
  const answer = await fetch(new URL("/oauth/authorize", authorizationUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ consent_id: consentId, seller }).toString(),
    redirect: "manual",
  });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get("location") ?? "");
}

export async function connectionDependencies(harness: ShopsHarness) {
  const dependencies = await shopConnectionDependencies({ sql: harness.sql, settings: harness.settings(), fetch: harness.fetch, now: harness.clock.now });
  // As the callback route hands it in: the creator's request.
  return { ...dependencies, origin: { source: "api_call", request_id: crypto.randomUUID() } } satisfies ShopConnectionDependencies;
}

/** The whole flow for one creator: start, consent as `seller`, callback. */
export async function connectShop(harness: ShopsHarness, creator: TestCreator, seller = "new"): Promise<{ outcome: ConnectionOutcome; callback: URL }> {
  const deps = await connectionDependencies(harness);
  const callback = await consentAtTikTok(await startShopConnection(deps, creator), seller);
  const outcome = await completeShopConnection(deps, creator, { code: callback.searchParams.get("code"), state: callback.searchParams.get("state") });
  return { outcome, callback };
}

export function shopClientsFor(harness: ShopsHarness) {
  return createShopClients(harness.sql, {
    baseUrl: harness.simulator().url,
    authBaseUrl: harness.simulator().url,
    appKey,
    appSecret,
    tokenEncryptionKey: harness.encryptionKey,
    fetch: harness.fetch,
    now: harness.clock.now,
  });
}

export function credentialStoreFor(harness: ShopsHarness) {
  return createSellerCredentialStore({
    sql: harness.sql,
    encryptionKey: importTokenEncryptionKey(harness.encryptionKey),
    tokens: createTikTokAuthApi({ authBaseUrl: harness.simulator().url, appKey, appSecret, fetch: harness.fetch }),
    now: harness.clock.now,
  });
}

export interface StoredCredentials {
  status: string;
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  refreshedAt: Date | null;
}

/** What the credentials table holds for a seller, opened with the test's key. */
export async function storedCredentials(harness: ShopsHarness, sellerOpenId: string): Promise<StoredCredentials> {
  const [row] = await harness.sql<{ status: string; access_token_sealed: string; refresh_token_sealed: string; access_token_expires_at: Date; refreshed_at: Date | null }[]>`
    select status, access_token_sealed, refresh_token_sealed, access_token_expires_at, refreshed_at
      from public.tiktok_seller_credentials where seller_open_id = ${sellerOpenId}`;
  if (!row) throw new Error(`no credentials for ${sellerOpenId}`);
  const key = await importTokenEncryptionKey(harness.encryptionKey);
  return {
    status: row.status,
    accessToken: await openToken(key, row.access_token_sealed, sellerOpenId),
    refreshToken: await openToken(key, row.refresh_token_sealed, sellerOpenId),
    accessTokenExpiresAt: row.access_token_expires_at,
    refreshedAt: row.refreshed_at,
  };
}

export async function shopsOf(sql: Sql, creatorId: string) {
  return sql<{ shop_id: string; shop_name: string; shop_cipher: string; seller_open_id: string; connection_status: string }[]>`
    select shop_id, shop_name, shop_cipher, seller_open_id, connection_status from public.tiktok_shops where creator_id = ${creatorId}::uuid order by shop_id`;
}

export async function shopEventsOf(sql: Sql, shopId: string) {
  return sql<{ event_type: string; creator_id: string; event_data: Record<string, unknown>; version: number }[]>`
    select event_type, creator_id, event_data, version::int as version from public.event_store where aggregate_id = ${`shop-${shopId}`} order by version`;
}

export function expectConnected(outcome: ConnectionOutcome): Extract<ConnectionOutcome, { outcome: "connected" }> {
  if (outcome.outcome !== "connected") throw new Error(`expected a connection, got ${outcome.reason} (${outcome.cause ?? "no cause"})`);
  return outcome;
}
