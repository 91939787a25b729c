// The TikTok Shop webhook envelope and the data of the topics the engine acts on.
// Parsing never throws: a body either parses into a typed envelope (unknown type codes
// included, as topic "unknown") or comes back as unprocessable with a reason, and both
// carry the key the inbox deduplicates on.
import { z } from "zod";
import { findUnstorableString, isStorableText } from "../../storable-text.ts";
import { quantity, tiktokId, unixSeconds } from "../../shared-schemas.ts";
import { sha256Hex } from "./hmac-sha256.ts";
import { normalizeOrderStatus } from "./order-status.ts";

/** TikTok's names for its webhook type codes, for logs and the inbox; not all are acted on. */
export const webhookTopicNames: Readonly<Record<number, string>> = {
  1: "ORDER_STATUS_CHANGE",
  2: "REVERSE_STATUS_UPDATE",
  3: "RECIPIENT_ADDRESS_UPDATE",
  4: "PACKAGE_UPDATE",
  5: "PRODUCT_STATUS_CHANGE",
  6: "SELLER_DEAUTHORIZATION",
  7: "UPCOMING_AUTHORIZATION_EXPIRATION",
  11: "CANCELLATION_STATUS_CHANGE",
  12: "RETURN_STATUS_CHANGE",
  15: "PRODUCT_INFORMATION_CHANGE",
  16: "PRODUCT_CREATION",
  24: "FBT_INVENTORY_UPDATE",
  27: "INVENTORY_STATUS_CHANGE",
  67: "REFUND_SUCCESS",
};

export function webhookTopicName(type: number): string {
  return webhookTopicNames[type] ?? `UNKNOWN_${type}`;
}

// Data objects are loose: TikTok adds fields without notice, and an extra field must
// never turn a good delivery into an unprocessable one.
const webhookOrderStatus = z.string().transform((raw, context) => {
  const status = normalizeOrderStatus(raw);
  if (status === undefined) {
    context.addIssue({ code: "custom", message: `unknown order status ${JSON.stringify(raw).slice(0, 60)}` });
    return z.NEVER;
  }
  return status;
});

export const orderStatusChangeDataSchema = z.looseObject({
  order_id: tiktokId,
  order_status: webhookOrderStatus,
  is_on_hold_order: z.boolean().optional(),
  update_time: unixSeconds,
});

export const recipientAddressUpdateDataSchema = z.looseObject({
  order_id: tiktokId,
  update_time: unixSeconds,
});

export const packageUpdateDataSchema = z.looseObject({
  sc_type: z.string().max(50).optional(),
  role_type: z.string().max(50).optional(),
  package_list: z.array(z.looseObject({ package_id: tiktokId, order_id_list: z.array(tiktokId) })),
  update_time: unixSeconds,
});

export const productStatusChangeDataSchema = z.looseObject({
  product_id: tiktokId,
  status: z.string().max(100),
  update_time: unixSeconds,
});

export const cancellationStatusChangeDataSchema = z.looseObject({
  order_id: tiktokId,
  cancellations_role: z.string().max(50),
  cancel_status: z.string().max(100),
  cancel_id: tiktokId.optional(),
  create_time: unixSeconds.optional(),
  update_time: unixSeconds.optional(),
});

export const returnStatusChangeDataSchema = z.looseObject({
  order_id: tiktokId,
  return_role: z.string().max(50),
  return_type: z.string().max(50),
  return_status: z.string().max(100),
  return_id: tiktokId,
  create_time: unixSeconds.optional(),
  update_time: unixSeconds,
});

export const inventoryStatusChangeDataSchema = z.looseObject({
  product_id: tiktokId,
  sku_id: tiktokId,
  trigger_reason: z
    .looseObject({
      alert_type: z.string().max(50),
      lead_days: z.number().int().nonnegative().optional(),
      low_stock_threshold: quantity.optional(),
    })
    .optional(),
  current_inventory_status: z.string().max(50),
  inventory_distribution: z.looseObject({
    total: quantity,
    available: quantity,
    creator_reserved: quantity,
    campaign_reserved: quantity,
    committed: quantity,
  }),
  update_time: unixSeconds,
});

// Types 6 and 7 are about the seller's authorisation of the app; what matters is the
// envelope's shop_id and timestamp, whatever the data holds.
export const sellerDeauthorizationDataSchema = z.looseObject({});
export const upcomingAuthorizationExpirationDataSchema = z.looseObject({});

const dataSchemaByTopic = {
  order_status_change: orderStatusChangeDataSchema,
  recipient_address_update: recipientAddressUpdateDataSchema,
  package_update: packageUpdateDataSchema,
  product_status_change: productStatusChangeDataSchema,
  cancellation_status_change: cancellationStatusChangeDataSchema,
  return_status_change: returnStatusChangeDataSchema,
  inventory_status_change: inventoryStatusChangeDataSchema,
  seller_deauthorization: sellerDeauthorizationDataSchema,
  upcoming_authorization_expiration: upcomingAuthorizationExpirationDataSchema,
} as const;

type KnownTopic = keyof typeof dataSchemaByTopic;

const topicByType: Readonly<Record<number, KnownTopic>> = {
  1: "order_status_change",
  3: "recipient_address_update",
  4: "package_update",
  5: "product_status_change",
  6: "seller_deauthorization",
  7: "upcoming_authorization_expiration",
  11: "cancellation_status_change",
  12: "return_status_change",
  27: "inventory_status_change",
};

export const webhookEnvelopeSchema = z
  .looseObject({
    // An int4 column keeps it; TikTok's type codes are small numbers.
    type: z.number().int().nonnegative().max(2_147_483_647),
    tts_notification_id: z.string().min(1).max(128).optional(),
    shop_id: tiktokId.optional(),
    // Type 24 (FBT inventory) names the seller instead of the shop.
    seller_open_id: z.string().min(1).max(256).optional(),
    timestamp: unixSeconds,
    data: z.record(z.string(), z.unknown()),
  })
  .refine((envelope) => envelope.shop_id !== undefined || envelope.seller_open_id !== undefined, {
    message: "needs shop_id or seller_open_id",
  });

interface EnvelopeHeader {
  type: number;
  tts_notification_id?: string;
  shop_id?: string;
  seller_open_id?: string;
  /** When TikTok sent the notification, seconds since the epoch. */
  timestamp: number;
}

type KnownWebhook = {
  [T in KnownTopic]: EnvelopeHeader & { topic: T; data: z.infer<(typeof dataSchemaByTopic)[T]> };
}[KnownTopic];

/** Any type code the engine does not act on: stored and skipped, never an error. */
export type UnknownWebhook = EnvelopeHeader & { topic: "unknown"; data: Record<string, unknown> };

export type WebhookEnvelope = KnownWebhook | UnknownWebhook;
export type WebhookTopic = WebhookEnvelope["topic"];
export type WebhookOf<T extends WebhookTopic> = Extract<WebhookEnvelope, { topic: T }>;

export type ParsedWebhook =
  | { kind: "valid"; envelope: WebhookEnvelope; dedupeKey: string }
  | { kind: "unprocessable"; reason: string; dedupeKey: string };

const maxReasonLength = 500;

function describeIssues(error: z.ZodError): string {
  return z.prettifyError(error).replace(/\s+/g, " ").trim().slice(0, maxReasonLength);
}

/**
 * The inbox key: TikTok's notification id when the body has one, otherwise the sha256
 * of the raw bytes, so an exact replay is still recognised.
 */
async function dedupeKeyFor(rawBody: Uint8Array<ArrayBuffer>, json: unknown): Promise<string> {
  if (typeof json === "object" && json !== null && !Array.isArray(json)) {
    const id = (json as Record<string, unknown>).tts_notification_id;
    if (typeof id === "string" && id.length > 0 && id.length <= 128 && isStorableText(id)) return id;
  }
  return `sha256:${await sha256Hex(rawBody)}`;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function decodeJson(rawBody: Uint8Array): { ok: true; json: unknown } | { ok: false; reason: string } {
  let text: string;
  try {
    text = strictUtf8.decode(rawBody);
  } catch {
    return { ok: false, reason: "body is not valid UTF-8" };
  }
  try {
    return { ok: true, json: JSON.parse(text) };
  } catch {
    return { ok: false, reason: "body is not valid JSON" };
  }
}

export async function parseWebhook(rawBody: Uint8Array): Promise<ParsedWebhook> {
  // A private copy: the hash must be of the bytes as they were, whatever the caller does next.
  const bytes = new Uint8Array(rawBody);
  const decoded = decodeJson(bytes);
  const dedupeKey = await dedupeKeyFor(bytes, decoded.ok ? decoded.json : undefined);
  if (!decoded.ok) return { kind: "unprocessable", reason: decoded.reason, dedupeKey };
  // Signed as it is, so kept as it is; but no value of it may reach a text or jsonb column.
  const unstorable = findUnstorableString(decoded.json, []);
  if (unstorable) return { kind: "unprocessable", reason: `field ${unstorable.field} ${unstorable.problem}, which Postgres cannot store`, dedupeKey };

  const header = webhookEnvelopeSchema.safeParse(decoded.json);
  if (!header.success) return { kind: "unprocessable", reason: `invalid envelope: ${describeIssues(header.error)}`, dedupeKey };
  const { type, tts_notification_id, shop_id, seller_open_id, timestamp, data } = header.data;
  const base: EnvelopeHeader = { type, timestamp };
  if (tts_notification_id !== undefined) base.tts_notification_id = tts_notification_id;
  if (shop_id !== undefined) base.shop_id = shop_id;
  if (seller_open_id !== undefined) base.seller_open_id = seller_open_id;

  const topic = topicByType[type];
  if (topic === undefined) return { kind: "valid", envelope: { ...base, topic: "unknown", data }, dedupeKey };

  const parsedData = dataSchemaByTopic[topic].safeParse(data);
  if (!parsedData.success) {
    return { kind: "unprocessable", reason: `invalid ${webhookTopicName(type)} data: ${describeIssues(parsedData.error)}`, dedupeKey };
  }
  return { kind: "valid", envelope: { ...base, topic, data: parsedData.data } as KnownWebhook, dedupeKey };
}
