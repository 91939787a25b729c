// Connecting a creator's TikTok Shops through TikTok's OAuth:
//   start:    a one-time state bound to the signed-in creator, and TikTok's consent URL;
//   complete: check the state, exchange the code for tokens, list the seller's authorized
//             shops (with their ciphers), then in ONE transaction seal the tokens, link
//             every shop and record shop.connected on each shop's stream.
// A shop (or seller) already linked to another creator refuses the whole connection:
// nothing is linked, no token is kept. Every failure is a reason the page can put in words;
// none carries a token, a code or TikTok's raw answer.
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import type { EventOrigin } from "../event-catalogue.ts";
import { createEventStore, WrongTenantError } from "../event-store/index.ts";
import { TikTokShopApiError } from "../channels/tiktok-shop/api-errors.ts";
import type { TikTokAuthorizedShop } from "../channels/tiktok-shop/api-schemas.ts";
import type { TikTokAuthApi, TikTokTokens } from "../channels/tiktok-shop/auth-api.ts";
import { consumeConnectState, createConnectState, type ConnectingUser } from "./connect-states.ts";
import { SHOP_AGGREGATE_TYPE, shopAggregateId } from "./events.ts";
import type { SellerCredentialStore } from "./seller-credentials.ts";
import { decideShop, evolveShop, initialShopState } from "./shop.ts";

export const connectFailureReasons = [
  "invalid_state",
  "state_expired",
  "denied",
  "code_rejected",
  "tiktok_unavailable",
  "tiktok_error",
  "no_shops",
  "shop_linked_elsewhere",
] as const;
export type ConnectFailureReason = (typeof connectFailureReasons)[number];

export interface ShopConnectionDependencies {
  sql: Sql;
  auth: Pick<TikTokAuthApi, "authorizationUrl" | "exchangeCode">;
  /** GET /authorization/202309/shops with the new access token. */
  listAuthorizedShops(accessToken: string): Promise<TikTokAuthorizedShop[]>;
  credentials: Pick<SellerCredentialStore, "saveAuthorization">;
  now: () => Date;
  /** The creator's request that completes the connection: the metadata of the shop events it records. */
  origin: EventOrigin;
}

export interface ConnectedShop {
  shopId: string;
  shopName: string;
  /** False when the shop was connected already and nothing new was recorded. */
  recorded: boolean;
}

export type ConnectionOutcome =
  | { outcome: "connected"; sellerOpenId: string; shops: ConnectedShop[] }
  /** `cause` is for the server's log: an error kind or code, never a credential. */
  | { outcome: "failed"; reason: ConnectFailureReason; cause?: string };

export interface CallbackQuery {
  code?: string | null;
  state?: string | null;
  /** Set by an authorization server when the seller declined. */
  error?: string | null;
}

/** The consent URL for this creator, with a fresh state bound to them. */
export async function startShopConnection(deps: Pick<ShopConnectionDependencies, "sql" | "auth" | "now">, user: ConnectingUser): Promise<string> {
  const state = await createConnectState(deps.sql, user, deps.now());
  return deps.auth.authorizationUrl(state);
}

class LinkedElsewhere extends Error {}

function failureOf(error: unknown, rejected: ConnectFailureReason): ConnectionOutcome {
  if (!(error instanceof TikTokShopApiError)) throw error;
  const cause = `${error.kind}${error.details.code === undefined ? "" : ` ${error.details.code}`}`;
  if (error.retryable) return { outcome: "failed", reason: "tiktok_unavailable", cause };
  if (error.kind === "unauthorized" || error.kind === "token_expired") return { outcome: "failed", reason: rejected, cause };
  return { outcome: "failed", reason: "tiktok_error", cause };
}

export async function completeShopConnection(deps: ShopConnectionDependencies, user: ConnectingUser, query: CallbackQuery): Promise<ConnectionOutcome> {
  const state = query.state ?? "";
  const checked = await consumeConnectState(deps.sql, state, user, deps.now());
  if (!checked.ok) return { outcome: "failed", reason: checked.reason };
  if (query.error || !query.code) return { outcome: "failed", reason: "denied", cause: query.error ? "declined at TikTok" : "no code" };

  let tokens: TikTokTokens;
  try {
    tokens = await deps.auth.exchangeCode(query.code);
  } catch (error) {
    return failureOf(error, "code_rejected");
  }
  let shops: TikTokAuthorizedShop[];
  try {
    shops = await deps.listAuthorizedShops(tokens.accessToken);
  } catch (error) {
    return failureOf(error, "tiktok_error");
  }
  if (shops.length === 0) return { outcome: "failed", reason: "no_shops" };

  try {
    const linked = await deps.sql.begin((tx) => linkShops(tx as unknown as Sql, deps, user.creatorId, tokens, shops));
    return { outcome: "connected", sellerOpenId: tokens.openId, shops: linked };
  } catch (error) {
    if (error instanceof LinkedElsewhere || error instanceof WrongTenantError) return { outcome: "failed", reason: "shop_linked_elsewhere" };
    throw error;
  }
}

async function linkShops(tx: Sql, deps: ShopConnectionDependencies, creatorId: string, tokens: TikTokTokens, shops: TikTokAuthorizedShop[]): Promise<ConnectedShop[]> {
  const shopIds = shops.map((shop) => shop.id);
  // Locks what exists, so a concurrent connection of the same shop waits for this one.
  const taken = await tx<{ shop_id: string }[]>`
    select shop_id from public.tiktok_shops where shop_id = any(${shopIds}::text[]) and creator_id <> ${creatorId}::uuid for update`;
  if (taken.length > 0) throw new LinkedElsewhere();
  const [seller] = await tx<{ creator_id: string }[]>`
    select creator_id from public.tiktok_seller_credentials where seller_open_id = ${tokens.openId} for update`;
  if (seller && seller.creator_id !== creatorId) throw new LinkedElsewhere();
  if (!(await deps.credentials.saveAuthorization(tx, creatorId, tokens)).saved) throw new LinkedElsewhere();

  const store = createEventStore({ sql: tx });
  const at = deps.now();
  const connected: ConnectedShop[] = [];
  for (const shop of [...shops].sort((a, b) => a.id.localeCompare(b.id))) {
    // A row inserted meanwhile by another creator's connection keeps its owner: nothing comes back, nothing is linked.
    const [row] = await tx`
      insert into public.tiktok_shops as s (shop_id, creator_id, shop_name, shop_cipher, seller_open_id, shop_code, region, connection_status, connection_status_changed_at)
      values (${shop.id}, ${creatorId}::uuid, ${shop.name}, ${shop.cipher}, ${tokens.openId}, ${shop.code}, ${shop.region}, 'connected', ${at})
      on conflict (shop_id) do update set
        shop_name = excluded.shop_name, shop_cipher = excluded.shop_cipher, seller_open_id = excluded.seller_open_id,
        shop_code = excluded.shop_code, region = excluded.region
      where s.creator_id = excluded.creator_id
      returning shop_id`;
    if (!row) throw new LinkedElsewhere();
    const result = await handleCommand({
      store,
      creatorId,
      aggregateId: shopAggregateId(shop.id),
      aggregateType: SHOP_AGGREGATE_TYPE,
      initialState: initialShopState,
      evolve: evolveShop,
      decide: (state) =>
        decideShop(
          { type: "ConnectShop", shopId: shop.id, shopName: shop.name, shopCode: shop.code, region: shop.region, sellerOpenId: tokens.openId, sellerName: tokens.sellerName || undefined },
          state,
        ),
      commandId: crypto.randomUUID(),
      metadata: deps.origin,
      // Inside the transaction a failed append cannot be retried; the creator can simply connect again.
      maxAttempts: 1,
    });
    await tx`
      update public.tiktok_shops
         set connection_status = 'connected', connection_status_reason = null, connection_status_changed_at = ${at},
             connection_status_version = greatest(connection_status_version, ${result.version})
       where shop_id = ${shop.id}`;
    connected.push({ shopId: shop.id, shopName: shop.name, recorded: result.appended.length > 0 });
  }
  return connected;
}
