// The realtime message the publisher (src/core/realtime/realtime-publisher.ts) sends on
// `creator:<id>`, event "delta", as the browser validates it. Its rows carry the snapshot's
// field names (dashboard-types.ts), so one shape runs from the server to the screen. Objects are loose (a new field
// is harmless) but every field the page uses is checked: a message that does not parse, or
// names a read model the page does not know, makes the page refetch instead of guessing.
// zod's tree-shakable build: this schema runs in the browser, where every kilobyte counts on a phone.
import { z } from "zod/mini";

export const REALTIME_DELTA_EVENT = "delta";
export const KNOWN_READ_MODELS = ["metrics", "orders", "inventory", "alerts"] as const;

const count = z.int().check(z.nonnegative());
const minor = z.int();
const isoTime = z.string().check(z.minLength(1));
const severity = z.enum(["warning", "critical", "emergency"]);
const salesChannel = z.enum(["tiktok_shop", "shopify"]);
const maybe = <Schema extends z.ZodMiniType>(schema: Schema) => z.optional(z.nullable(schema));

/** A list of rows: loose objects (a new field is harmless), absent when the model did not change. */
const rows = <Shape extends z.core.$ZodLooseShape>(shape: Shape) => z.optional(z.array(z.looseObject(shape)));

export const realtimeDeltaSchema = z.looseObject({
  seq: z.int().check(z.positive()),
  sentAt: z.optional(isoTime),
  changed: z.array(z.string()),
  refetch: z.optional(z.boolean()),
  metrics: z.optional(
    z.looseObject({
      day: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
      currency: maybe(z.string()),
      grossMinor: minor,
      netMinor: minor,
      cancelledMinor: minor,
      refundedMinor: minor,
      ordersReceived: count,
      ordersValued: count,
      averageOrderMinor: maybe(z.number()),
      ordersPending: count,
      ordersShipped: count,
      ordersDelivered: count,
      ordersCancelled: count,
      ordersRefunded: count,
      shipSecondsAvg: maybe(z.number()),
      changedDays: maybe(z.array(z.string())),
      // Today's orders by channel; absent from a publisher older than channels: the page keeps what it had.
      byChannel: z.optional(z.array(z.looseObject({ channel: salesChannel, ordersReceived: count, ordersCancelled: count, grossMinor: minor, netMinor: minor }))),
    }),
  ),
  orders: rows({
    orderId: z.string().check(z.minLength(1)),
    status: z.string().check(z.minLength(1)),
    tiktokStatus: maybe(z.string()),
    onHold: z.optional(z.boolean()),
    totalMinor: maybe(minor),
    currency: maybe(z.string()),
    receivedAt: maybe(isoTime),
    shippedAt: maybe(isoTime),
    // Only when a TikTok webhook changed the order since the last message: ms from our
    // endpoint accepting it to the message being sent, by the database clock.
    sinceWebhookMs: z.optional(z.int().check(z.nonnegative())),
  }),
  inventory: rows({
    skuId: z.string().check(z.minLength(1)),
    available: z.int(),
    reserved: count,
    total: count,
    reorderPoint: count,
    velocityPerHour: z.number().check(z.nonnegative()),
    hoursToStockout: maybe(z.number()),
    severity: maybe(severity),
    hasOpenConflict: z.optional(z.boolean()),
    channelAvailable: z.optional(z.partialRecord(salesChannel, z.int())),
    // The SKU stream's version, so a stock adjustment made right after a live change is not a false conflict.
    version: z.optional(z.int().check(z.nonnegative())),
  }),
  alerts: z.optional(z.looseObject({ open: count, warning: count, critical: count, emergency: count })),
});

export type RealtimeDelta = z.infer<typeof realtimeDeltaSchema>;

/** True when the page can apply the delta completely; otherwise it must refetch. */
export function isFullyUnderstood(delta: RealtimeDelta): boolean {
  if (delta.refetch) return false;
  for (const model of delta.changed) {
    if (!(KNOWN_READ_MODELS as readonly string[]).includes(model)) return false;
    // "changed" without the matching data: the publisher left it out, so it must be read.
    if (delta[model as (typeof KNOWN_READ_MODELS)[number]] === undefined) return false;
  }
  return true;
}
