// Each TikTok seller's tokens, sealed at rest (token-encryption.ts), handed out per shop
// call and refreshed before they expire. A seller's refreshes are serialised by a row lock,
// so two calls that find the token due (or rejected) rotate it once and both get the new
// one; a rotated refresh token replaces the old, which TikTok no longer accepts.
//
// When TikTok refuses the refresh for good, the seller's shops stop: the credentials and
// the shops are marked "needs reconnecting" and each shop's stream records
// shop.reconnection_required, in one transaction. Nothing is deleted; calls for those shops
// fail with ShopNotAuthorizedError until the creator connects again.
//
// Tokens never leave this module except as the return value a call needs; they are never
// logged and no error message carries one.
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import { automatedOrigin } from "../event-catalogue.ts";
import { createEventStore } from "../event-store/index.ts";
import { TikTokShopApiError } from "../channels/tiktok-shop/api-errors.ts";
import type { TikTokTokens } from "../channels/tiktok-shop/auth-api.ts";
import { SHOP_AGGREGATE_TYPE, shopAggregateId } from "./events.ts";
import { decideShop, evolveShop, initialShopState } from "./shop.ts";
import { ShopNotAuthorizedError } from "./shop-not-authorized-error.ts";
import { openToken, sealToken } from "./token-encryption.ts";

/** Refresh an access token when it has less than this left (TikTok's last about a week). */
export const DEFAULT_REFRESH_WITHIN_MS = 24 * 60 * 60 * 1000;

export interface TokenRefresher {
  refresh(refreshToken: string): Promise<TikTokTokens>;
}

export interface SellerCredentialStoreOptions {
  sql: Sql;
  encryptionKey: CryptoKey | Promise<CryptoKey>;
  tokens: TokenRefresher;
  now: () => Date;
  refreshWithinMs?: number;
}

export interface ShopAccess {
  shopId: string;
  shopCipher: string;
  sellerOpenId: string;
  accessToken: string;
}

export type RenewalOutcome =
  | { outcome: "renewed"; accessTokenExpiresAt: Date; refreshTokenExpiresAt: Date }
  | { outcome: "needs_reconnecting"; reason: string };

interface CredentialRow {
  seller_open_id: string;
  creator_id: string;
  access_token_sealed: string;
  access_token_expires_at: Date;
  refresh_token_sealed: string;
  refresh_token_expires_at: Date;
  status: "active" | "needs_reconnecting";
}

interface ShopAccessRow {
  shop_id: string;
  creator_id: string;
  shop_cipher: string | null;
  connection_status: "connected" | "needs_reconnecting" | "deauthorized";
  seller_open_id: string | null;
  credential: CredentialRow | null;
}

type LockedRefresh =
  | { result: "current"; row: CredentialRow }
  | { result: "refreshed"; row: CredentialRow }
  | { result: "needs_reconnecting"; reason: string };

/** Whether the seller's stored credentials still need the refresh, asked again under the row lock. */
type RefreshStillNeeded = (row: CredentialRow) => boolean | Promise<boolean>;

const credentialColumns = ["seller_open_id", "creator_id", "access_token_sealed", "access_token_expires_at", "refresh_token_sealed", "refresh_token_expires_at", "status"];

/** A shop with its seller's stored credentials, if any. */
async function loadShop(sql: Sql, shopId: string): Promise<ShopAccessRow | undefined> {
  const [row] = await sql<ShopAccessRow[]>`
    select s.shop_id, s.creator_id, s.shop_cipher, s.connection_status, s.seller_open_id,
           case when c.seller_open_id is null then null else jsonb_build_object(
             'seller_open_id', c.seller_open_id, 'creator_id', c.creator_id,
             'access_token_sealed', c.access_token_sealed, 'access_token_expires_at', c.access_token_expires_at,
             'refresh_token_sealed', c.refresh_token_sealed, 'refresh_token_expires_at', c.refresh_token_expires_at,
             'status', c.status) end as credential
      from public.tiktok_shops s
      left join public.tiktok_seller_credentials c on c.seller_open_id = s.seller_open_id
     where s.shop_id = ${shopId}`;
  if (row?.credential) {
    row.credential.access_token_expires_at = new Date(row.credential.access_token_expires_at);
    row.credential.refresh_token_expires_at = new Date(row.credential.refresh_token_expires_at);
  }
  return row;
}

/** The shop and its active credentials, when calls for it may go ahead for this creator; else why not. */
function connectedShop(shop: ShopAccessRow | undefined, target: { creatorId: string; shopId: string }): { shop: ShopAccessRow; credential: CredentialRow } {
  // Another creator's shop is "not linked" to this one: its existence is nobody else's business.
  if (!shop || shop.creator_id !== target.creatorId) throw new ShopNotAuthorizedError(target.shopId, "not_linked");
  if (shop.connection_status === "deauthorized") throw new ShopNotAuthorizedError(shop.shop_id, "deauthorized");
  if (shop.connection_status === "needs_reconnecting") throw new ShopNotAuthorizedError(shop.shop_id, "needs_reconnecting");
  const credential = shop.credential;
  if (!credential || credential.creator_id !== target.creatorId) throw new ShopNotAuthorizedError(shop.shop_id, "not_connected");
  if (credential.status !== "active") throw new ShopNotAuthorizedError(shop.shop_id, "needs_reconnecting");
  return { shop, credential };
}

/** The rotated tokens, sealed, in place of the old (TikTok no longer accepts the old refresh token). */
async function storeRotatedTokens(tx: Sql, encryptionKey: CryptoKey, sellerOpenId: string, tokens: TikTokTokens, at: Date): Promise<CredentialRow> {
  const [updated] = await tx<CredentialRow[]>`
    update public.tiktok_seller_credentials set
      access_token_sealed = ${await sealToken(encryptionKey, tokens.accessToken, sellerOpenId)},
      access_token_expires_at = ${tokens.accessTokenExpiresAt},
      refresh_token_sealed = ${await sealToken(encryptionKey, tokens.refreshToken, sellerOpenId)},
      refresh_token_expires_at = ${tokens.refreshTokenExpiresAt},
      granted_scopes = ${tokens.grantedScopes}::text[],
      refreshed_at = ${at}, updated_at = ${at}
     where seller_open_id = ${sellerOpenId}
    returning ${tx(credentialColumns)}`;
  return updated;
}

/** The seller's shops stop until the creator connects again: status and an event per shop, with the credentials kept. */
async function stopSeller(tx: Sql, row: CredentialRow, reason: string, at: Date): Promise<LockedRefresh> {
  await tx`update public.tiktok_seller_credentials set status = 'needs_reconnecting', status_reason = ${reason}, updated_at = ${at}
            where seller_open_id = ${row.seller_open_id}`;
  const shops = await tx<{ shop_id: string; creator_id: string }[]>`
    select shop_id, creator_id from public.tiktok_shops where seller_open_id = ${row.seller_open_id} order by shop_id for update`;
  const store = createEventStore({ sql: tx });
  for (const shop of shops) {
    const result = await handleCommand({
      store,
      creatorId: shop.creator_id,
      aggregateId: shopAggregateId(shop.shop_id),
      aggregateType: SHOP_AGGREGATE_TYPE,
      initialState: initialShopState,
      evolve: evolveShop,
      decide: (state) => (state.status === "unlinked" ? [] : decideShop({ type: "RequireReconnection", shopId: shop.shop_id, sellerOpenId: row.seller_open_id, reason }, state)),
      commandId: crypto.randomUUID(),
      metadata: automatedOrigin("seller-credentials"),
      // Inside a transaction a failed append cannot be retried: the whole refresh is, by its caller.
      maxAttempts: 1,
    });
    await tx`update public.tiktok_shops set connection_status = 'needs_reconnecting', connection_status_reason = ${reason},
                    connection_status_version = greatest(connection_status_version, ${result.version}), connection_status_changed_at = ${at}
              where shop_id = ${shop.shop_id} and connection_status = 'connected'`;
  }
  return { result: "needs_reconnecting", reason };
}

/**
 * Under the seller's row lock: decide again whether a refresh is still needed (another
 * call may have done it while this one waited), refresh, store the rotated tokens. A
 * definite refusal marks the seller's shops in the same transaction; a transient failure
 * (network, TikTok's 5xx, rate limit) changes nothing and is thrown for a retry.
 */
async function refreshUnderLock(
  tx: Sql,
  refresh: { sellerOpenId: string; stillNeeded: RefreshStillNeeded; encryptionKey: CryptoKey; tokens: TokenRefresher; now: () => Date },
): Promise<LockedRefresh> {
  const { encryptionKey, now } = refresh;
  const [row] = await tx<CredentialRow[]>`
    select ${tx(credentialColumns)} from public.tiktok_seller_credentials where seller_open_id = ${refresh.sellerOpenId} for update`;
  if (!row) return { result: "needs_reconnecting", reason: "no stored authorisation" };
  if (row.status !== "active") return { result: "needs_reconnecting", reason: "already waiting for the seller to reconnect" };
  if (!(await refresh.stillNeeded(row))) return { result: "current", row };

  if (row.refresh_token_expires_at.getTime() <= now().getTime()) {
    return stopSeller(tx, row, "TikTok's refresh token has expired", now());
  }
  let tokens: TikTokTokens;
  try {
    tokens = await refresh.tokens.refresh(await openToken(encryptionKey, row.refresh_token_sealed, row.seller_open_id));
  } catch (error) {
    if (error instanceof TikTokShopApiError && !error.retryable) {
      return stopSeller(tx, row, `TikTok refused to refresh the authorisation (${error.kind}${error.details.code === undefined ? "" : ` ${error.details.code}`})`, now());
    }
    throw error;
  }
  if (tokens.openId !== row.seller_open_id) {
    return stopSeller(tx, row, "TikTok's refresh answered for another seller", now());
  }
  return { result: "refreshed", row: await storeRotatedTokens(tx, encryptionKey, row.seller_open_id, tokens, now()) };
}

/** A shop's credentials as the connect flow, TikTok's calls and its authorisation webhooks use them. */
export interface SellerCredentialStore {
  /** Seals and stores a seller's tokens (a new authorisation, or one given again); call inside the connecting transaction. */
  saveAuthorization(tx: Sql, creatorId: string, tokens: TikTokTokens): Promise<{ saved: boolean }>;
  /**
   * The token and cipher for one call about a shop of this creator, refreshed first when it
   * is due. Throws ShopNotAuthorizedError when calls for the shop have stopped.
   */
  shopAccess(target: { creatorId: string; shopId: string }): Promise<ShopAccess>;
  /**
   * TikTok answered "access token expired" to this token: refresh, unless another call has
   * already rotated it meanwhile (then its new token is the answer). Returns the token to retry with.
   */
  refreshAfterRejection(access: ShopAccess): Promise<string>;
  /** A refresh whatever the expiry says (TikTok announced the authorisation's end, webhook type 7). */
  renewSeller(sellerOpenId: string): Promise<RenewalOutcome>;
}

/** What the store's operations share: the database, the sealing key, TikTok's token endpoint, the clock and how early a token is renewed. */
interface CredentialContext {
  sql: Sql;
  encryptionKey: CryptoKey | Promise<CryptoKey>;
  tokens: TokenRefresher;
  now: () => Date;
  refreshWithinMs: number;
}

export function createSellerCredentialStore(options: SellerCredentialStoreOptions): SellerCredentialStore {
  const { sql, encryptionKey, tokens, now } = options;
  const context: CredentialContext = { sql, encryptionKey, tokens, now, refreshWithinMs: options.refreshWithinMs ?? DEFAULT_REFRESH_WITHIN_MS };
  return {
    saveAuthorization: (tx, creatorId, sellerTokens) => saveAuthorization(context, tx, creatorId, sellerTokens),
    shopAccess: (target) => shopAccess(context, target),
    refreshAfterRejection: (access) => refreshAfterRejection(context, access),
    renewSeller: (sellerOpenId) => renewSeller(context, sellerOpenId),
  };
}

async function saveAuthorization(context: CredentialContext, tx: Sql, creatorId: string, tokens: TikTokTokens): Promise<{ saved: boolean }> {
  return saveSellerAuthorization(tx, { encryptionKey: await context.encryptionKey, creatorId, tokens, at: context.now() });
}

const isDue = (context: CredentialContext, row: CredentialRow) => row.access_token_expires_at.getTime() - context.now().getTime() <= context.refreshWithinMs;

/** The row's access token, opened: it was sealed for the row's seller, so a token copied to another seller's row does not open. */
function openAccessToken(encryptionKey: CryptoKey, row: CredentialRow): Promise<string> {
  return openToken(encryptionKey, row.access_token_sealed, row.seller_open_id);
}

async function shopAccess(context: CredentialContext, target: { creatorId: string; shopId: string }): Promise<ShopAccess> {
  const { shop, credential } = connectedShop(await loadShop(context.sql, target.shopId), target);
  let row = credential;
  if (isDue(context, row)) {
    try {
      row = await refreshOrStop(context, row.seller_open_id, (current) => isDue(context, current), shop.shop_id);
    } catch (error) {
      // TikTok unreachable for a moment: a token that has not expired yet still serves; the next call refreshes.
      const stillValid = row.access_token_expires_at.getTime() > context.now().getTime();
      if (!(error instanceof TikTokShopApiError && error.retryable && stillValid)) throw error;
    }
  }
  return {
    shopId: shop.shop_id,
    shopCipher: shop.shop_cipher ?? "",
    sellerOpenId: row.seller_open_id,
    accessToken: await openAccessToken(await context.encryptionKey, row),
  };
}

async function refreshAfterRejection(context: CredentialContext, access: ShopAccess): Promise<string> {
  const encryptionKey = await context.encryptionKey;
  const row = await refreshOrStop(
    context,
    access.sellerOpenId,
    async (current) => (await openAccessToken(encryptionKey, current)) === access.accessToken,
    access.shopId,
  );
  return openAccessToken(encryptionKey, row);
}

async function renewSeller(context: CredentialContext, sellerOpenId: string): Promise<RenewalOutcome> {
  const outcome = await refreshLocked(context, sellerOpenId, () => true);
  if (outcome.result === "needs_reconnecting") return { outcome: "needs_reconnecting", reason: outcome.reason };
  return { outcome: "renewed", accessTokenExpiresAt: outcome.row.access_token_expires_at, refreshTokenExpiresAt: outcome.row.refresh_token_expires_at };
}

/** The refreshed (or still current) credentials; a seller waiting to reconnect stops the call about this shop. */
async function refreshOrStop(context: CredentialContext, sellerOpenId: string, stillNeeded: RefreshStillNeeded, shopId: string): Promise<CredentialRow> {
  const outcome = await refreshLocked(context, sellerOpenId, stillNeeded);
  if (outcome.result === "needs_reconnecting") throw new ShopNotAuthorizedError(shopId, "needs_reconnecting");
  return outcome.row;
}

async function refreshLocked(context: CredentialContext, sellerOpenId: string, stillNeeded: RefreshStillNeeded): Promise<LockedRefresh> {
  const { sql, tokens, now } = context;
  const encryptionKey = await context.encryptionKey;
  return sql.begin((tx) => refreshUnderLock(tx as unknown as Sql, { sellerOpenId, stillNeeded, encryptionKey, tokens, now }));
}

/**
 * Seals a seller's tokens and stores them, active: the one way credentials are written,
 * by the connect flow, the demo seed and tests that link a shop as the connect flow would.
 * A seller belongs to one creator: another creator's seller is not saved.
 */
export async function saveSellerAuthorization(
  tx: Sql,
  options: { encryptionKey: CryptoKey; creatorId: string; tokens: TikTokTokens; at: Date },
): Promise<{ saved: boolean }> {
  const { encryptionKey, creatorId, tokens, at } = options;
  const access = await sealToken(encryptionKey, tokens.accessToken, tokens.openId);
  const refresh = await sealToken(encryptionKey, tokens.refreshToken, tokens.openId);
  const saved = await tx`
    insert into public.tiktok_seller_credentials as c (
      seller_open_id, creator_id, seller_name, seller_base_region, granted_scopes,
      access_token_sealed, access_token_expires_at, refresh_token_sealed, refresh_token_expires_at,
      status, status_reason, authorized_at, refreshed_at, updated_at)
    values (${tokens.openId}, ${creatorId}::uuid, ${tokens.sellerName}, ${tokens.sellerBaseRegion ?? null}, ${tokens.grantedScopes}::text[],
            ${access}, ${tokens.accessTokenExpiresAt}, ${refresh}, ${tokens.refreshTokenExpiresAt},
            'active', null, ${at}, null, ${at})
    on conflict (seller_open_id) do update set
      seller_name = excluded.seller_name, seller_base_region = excluded.seller_base_region, granted_scopes = excluded.granted_scopes,
      access_token_sealed = excluded.access_token_sealed, access_token_expires_at = excluded.access_token_expires_at,
      refresh_token_sealed = excluded.refresh_token_sealed, refresh_token_expires_at = excluded.refresh_token_expires_at,
      status = 'active', status_reason = null, authorized_at = excluded.authorized_at, updated_at = excluded.updated_at
    -- A seller belongs to one creator; the caller checks first, this keeps a race honest.
    where c.creator_id = excluded.creator_id
    returning seller_open_id`;
  return { saved: saved.length === 1 };
}
