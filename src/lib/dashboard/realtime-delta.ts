// The realtime message the publisher (src/core/realtime/realtime-publisher.ts) sends on
// `creator:<id>`, event "delta", as the browser validates it. Its rows carry the snapshot's
// field names (dashboard-types.ts), so one shape runs from the server to the screen. Objects are loose (a new field
// is harmless) but every field the page uses is checked: a message that does not parse, or
// names a read model the page does not know, makes the page refetch instead of guessing.
import { z } from "zod";

export const REALTIME_DELTA_EVENT = "delta";
export const KNOWN_READ_MODELS = ["metrics", "orders", "inventory", "alerts"] as const;

const count = z.number().int().nonnegative();
const minor = z.number().int();
const isoTime = z.string().min(1);
const severity = z.enum(["warning", "critical", "emergency"]);

/** A list of rows: loose objects (a new field is harmless), absent when the model did not change. */
const rows = <Shape extends z.ZodRawShape>(shape: Shape) => z.array(z.object(shape).loose()).optional();

export const realtimeDeltaSchema = z
  .object({
    seq: z.number().int().positive(),
    sentAt: isoTime.optional(),
    changed: z.array(z.string()),
    refetch: z.boolean().optional(),
    metrics: z
      .object({
        day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        currency: z.string().nullable().optional(),
        grossMinor: minor,
        netMinor: minor,
        cancelledMinor: minor,
        refundedMinor: minor,
        ordersReceived: count,
        ordersValued: count,
        averageOrderMinor: z.number().nullable().optional(),
        ordersPending: count,
        ordersShipped: count,
        ordersDelivered: count,
        ordersCancelled: count,
        ordersRefunded: count,
        shipSecondsAvg: z.number().nullable().optional(),
        changedDays: z.array(z.string()).nullable().optional(),
      })
      .loose()
      .optional(),
    orders: rows({
      orderId: z.string().min(1),
      status: z.string().min(1),
      tiktokStatus: z.string().nullable().optional(),
      onHold: z.boolean().optional(),
      totalMinor: minor.nullable().optional(),
      currency: z.string().nullable().optional(),
      receivedAt: isoTime.nullable().optional(),
      shippedAt: isoTime.nullable().optional(),
      // Only when a TikTok webhook changed the order since the last message: ms from our
      // endpoint accepting it to the message being sent, by the database clock.
      sinceWebhookMs: z.number().int().nonnegative().optional(),
    }),
    inventory: rows({
      skuId: z.string().min(1),
      available: z.number().int(),
      reserved: count,
      total: count,
      reorderPoint: count,
      velocityPerHour: z.number().nonnegative(),
      hoursToStockout: z.number().nullable().optional(),
      severity: severity.nullable().optional(),
      hasOpenConflict: z.boolean().optional(),
      // The SKU stream's version, so a stock adjustment made right after a live change is not a false conflict.
      version: z.number().int().nonnegative().optional(),
    }),
    alerts: z.object({ open: count, warning: count, critical: count, emergency: count }).loose().optional(),
  })
  .loose();

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
