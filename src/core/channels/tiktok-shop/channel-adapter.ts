// TikTok Shop behind the channel boundary. Nothing here decides anything new: each job is
// the TikTok code that already did it (signature, envelope, mapping, OAuth, inventory API),
// so TikTok's behaviour is unchanged by being one channel among others.
import type { ChannelAdapter, ChannelStockLevel } from "../channel.ts";
import { createTikTokShopClient, TikTokShopApiError, type TikTokShopClient, type TikTokShopClientConfig } from "./api-client.ts";
import { createTikTokAuthApi, type TikTokAuthConfig, type TikTokTokens } from "./auth-api.ts";
import type { AppliedOrderStatus } from "./order-status.ts";
import { parseWebhook, type ParsedWebhook } from "./webhook-envelope.ts";
import { mapWebhookToEvents } from "./webhook-mapping.ts";
import { createWebhookVerifier } from "./webhook-signature.ts";

export interface TikTokShopChannelConfig {
  appKey: string;
  appSecret: string;
  auth: TikTokAuthConfig;
  /** The client of one connected shop (its tokens and cipher are looked up by the caller). */
  clientFor: (shop: { creatorId: string; shopId: string }) => Pick<TikTokShopClient, "searchInventory" | "updateInventory">;
}

export type TikTokShopChannel = ChannelAdapter<ParsedWebhook, AppliedOrderStatus | undefined, TikTokTokens, { creatorId: string; shopId: string }>;

export function createTikTokShopChannel(config: TikTokShopChannelConfig): TikTokShopChannel {
  const verifier = createWebhookVerifier({ appKey: config.appKey, appSecret: config.appSecret });
  const auth = createTikTokAuthApi(config.auth);
  return {
    channel: "tiktok_shop",
    connect: {
      authorizeUrl: ({ state }) => auth.authorizationUrl(state),
      exchangeCode: ({ query }) => auth.exchangeCode(query.get("code") ?? ""),
    },
    webhooks: {
      verify: ({ rawBody, headers }) => verifier(rawBody, headers.get("authorization")),
      parse: ({ rawBody }) => parseWebhook(rawBody),
      identify: (_webhook, parsed) => ({ dedupeKey: parsed.dedupeKey, shopKey: parsed.kind === "valid" ? parsed.envelope.shop_id : undefined }),
      map: (parsed, lastApplied) => (parsed.kind === "valid" ? mapWebhookToEvents(parsed.envelope, lastApplied) : []),
    },
    apiFor(shop) {
      const client = config.clientFor(shop);
      return {
        async readStock(skus) {
          const answer = await client.searchInventory({ skuIds: skus.map((sku) => sku.skuId) });
          return answer.data.inventory.flatMap((product) =>
            product.skus.map((sku): ChannelStockLevel => ({ skuId: sku.id, available: sku.total_available_quantity, handles: { productId: product.product_id } })),
          );
        },
        // TikTok's inventory update has no compare-and-set: it always writes, and the stock
        // outbox's per-SKU push lock (stock-push-lock.ts) is what keeps two writes apart.
        async writeStock(write) {
          const productId = write.handles.productId;
          if (!productId) throw new TikTokShopApiError("invalid_request", `no TikTok product id for SKU ${write.skuId}`);
          const answer = await client.updateInventory(productId, { skus: [{ id: write.skuId, inventory: [{ quantity: write.available }] }] });
          if (answer.data.failed_skus?.some((failed) => failed.id === write.skuId)) {
            throw new TikTokShopApiError("invalid_request", `TikTok listed SKU ${write.skuId} among the failed SKUs`);
          }
          return { outcome: "written", available: write.available, ...(answer.requestId ? { reference: answer.requestId } : {}) };
        },
      };
    },
  };
}

export type { TikTokShopClientConfig };
