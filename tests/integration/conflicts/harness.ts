// Shared set-up for the conflicts integration tests: a demo shop with ids no other test
// uses, linked to a fresh creator; signed type 27 deliveries through the real ingestion
// core; the sync-conflicts consumer and its projection run by the real consumer runner.
import type { Sql } from "postgres";
import { createSyncConflictsConsumer, saveSyncRules, syncConflictsProjection } from "../../../src/core/conflicts/index.ts";
import { createConsumerRunner, type Consumer } from "../../../src/core/processing/index.ts";
import { projectionConsumer } from "../../../src/core/projections/index.ts";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { createTikTokWebhookIngestion } from "../../../src/core/webhooks/tiktok-webhook-ingestion.ts";
import { demoShop, type DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { newCreatorId } from "../database.ts";
import { uniqueId, uniqueNumericId } from "../../test-data.ts";

export const appKey = "test_app_key";
export const appSecret = "test_app_secret";

/** Digits unique to this process and call, for TikTok-style ids. */
const uniqueDigits = (length: number) => uniqueNumericId("", length);

/** A demo shop (as the simulator builds it) with fresh shop, product and SKU ids. */
export function uniqueShop(creatorIndex = 1): DemoShop {
  const template = demoShop(creatorIndex);
  const prefix = uniqueDigits(13);
  const productIds = new Map<string, string>();
  return {
    ...template,
    shopId: `${prefix}900001`,
    shopCipher: `ROW_conflicts_${prefix}`,
    skus: template.skus.map((sku, index) => {
      if (!productIds.has(sku.productId)) productIds.set(sku.productId, `${prefix}5${String(productIds.size).padStart(5, "0")}`);
      return { ...sku, productId: productIds.get(sku.productId)!, skuId: `${prefix}6${String(index).padStart(5, "0")}` };
    }),
  };
}

export async function linkShop(sql: Sql, shop: DemoShop, creatorId = newCreatorId()): Promise<string> {
  await sql`insert into public.tiktok_shops (shop_id, creator_id, shop_name) values (${shop.shopId}, ${creatorId}::uuid, ${shop.creatorName})`;
  return creatorId;
}

export function webhookIngestion(sql: Sql) {
  const ingest = createTikTokWebhookIngestion({ sql, appKey, appSecret });
  return async (body: string) => {
    const raw = new TextEncoder().encode(body);
    const outcome = await ingest(raw, await signWebhook({ appKey, appSecret, rawBody: raw }));
    if (outcome.status !== 200) throw new Error(`webhook refused: ${outcome.result}`);
    return outcome;
  };
}

/** A type 27 body as TikTok sends it. */
export function inventoryWebhook(shop: DemoShop, skuIndex: number, counts: { total: number; committed?: number; campaign?: number; updateTime: number }): string {
  const sku = shop.skus[skuIndex]!;
  const committed = counts.committed ?? 0;
  const campaign = counts.campaign ?? 0;
  return JSON.stringify({
    type: 27,
    tts_notification_id: `7327${uniqueDigits(15)}`,
    shop_id: shop.shopId,
    timestamp: counts.updateTime + 1,
    data: {
      product_id: sku.productId,
      sku_id: sku.skuId,
      trigger_reason: { alert_type: "REALTIME", lead_days: 0, low_stock_threshold: 10 },
      current_inventory_status: "LOW_STOCK",
      inventory_distribution: { total: counts.total, available: Math.max(0, counts.total - committed - campaign), creator_reserved: 0, campaign_reserved: campaign, committed },
      update_time: counts.updateTime,
    },
  });
}

/**
 * The sync-conflicts consumer and the conflicts projection under private consumer names,
 * starting at the head of the shared stream and seeing only the given creators' events,
 * so tests sharing the database never act on each other's SKUs.
 */
export async function conflictRunner(sql: Sql, creatorIds: Iterable<string>) {
  const creators = new Set(creatorIds);
  const suffix = uniqueId();
  const onlyOurs = (consumer: Consumer, name: string): Consumer => ({
    ...consumer,
    name,
    handleBatch: (events, context) => consumer.handleBatch(events.filter((event) => creators.has(event.creatorId)), context),
  });
  const consumers = [
    onlyOurs(createSyncConflictsConsumer(), `sync-conflicts-test-${suffix}`),
    onlyOurs(projectionConsumer(syncConflictsProjection), `projection-sync-conflicts-test-${suffix}`),
  ];
  const [{ start }] = await sql<{ start: string }[]>`select pg_snapshot_xmin(pg_current_snapshot())::text as start`;
  for (const consumer of consumers) {
    await sql`insert into public.consumer_checkpoints (consumer, transaction_id, position) values (${consumer.name}, ${start}::xid8, 0)`;
  }
  const runner = createConsumerRunner({ sql, consumers, owner: `conflicts-test-${suffix}` });
  /** Moves the detection consumer back to where it started, as a crash before its checkpoint would. */
  const rewindDetection = () => sql`update public.consumer_checkpoints set transaction_id = ${start}::xid8, position = 0 where consumer = ${consumers[0]!.name}`;
  return Object.assign(runner, { rewindDetection });
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A fresh linked shop whose creator resolves conflicts by hand, with one open conflict on
 * SKU i for each `counts[i]`: our count is `local`, then TikTok reports `external`.
 */
export async function creatorWithOpenConflicts(sql: Sql, counts: { local: number; external: number }[]) {
  const shop = uniqueShop();
  const creatorId = await linkShop(sql, shop);
  await saveSyncRules(sql, creatorId, { autoResolve: false }, "test");
  const ingest = webhookIngestion(sql);
  const runner = await conflictRunner(sql, [creatorId]);
  const reported = nowSeconds();
  for (const [index, { local }] of counts.entries()) await ingest(inventoryWebhook(shop, index, { total: local, updateTime: reported }));
  await runner.drain({ budgetMs: 30_000 });
  for (const [index, { external }] of counts.entries()) await ingest(inventoryWebhook(shop, index, { total: external, updateTime: reported + 5 }));
  await runner.drain({ budgetMs: 30_000 });
  return { shop, creatorId, runner };
}
