// The realtime message the publisher (src/core/realtime/realtime-publisher.ts) sends on
// `creator:<id>`, event "delta", as the browser validates it. Objects are loose (a new field
// is harmless) but every field the page uses is checked: a message that does not parse, or
// names a read model the page does not know, makes the page refetch instead of guessing.
import { z } from "zod";

export const REALTIME_DELTA_EVENT = "delta";
export const KNOWN_READ_MODELS = ["metrics", "orders", "inventory", "alerts"] as const;

const count = z.number().int().nonnegative();
const minor = z.number().int();
const isoTime = z.string().min(1);
const severity = z.enum(["warning", "critical", "emergency"]);

export const realtimeDeltaSchema = z
  .object({
    seq: z.number().int().positive(),
    sent_at: isoTime.optional(),
    changed: z.array(z.string()),
    refetch: z.boolean().optional(),
    metrics: z
      .object({
        day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        currency: z.string().nullable().optional(),
        gross_minor: minor,
        net_minor: minor,
        cancelled_minor: minor,
        refunded_minor: minor,
        orders_received: count,
        orders_valued: count,
        average_order_minor: z.number().nullable().optional(),
        orders_pending: count,
        orders_shipped: count,
        orders_delivered: count,
        orders_cancelled: count,
        orders_refunded: count,
        ship_seconds_avg: z.number().nullable().optional(),
        changed_days: z.array(z.string()).nullable().optional(),
      })
      .loose()
      .optional(),
    orders: z
      .array(
        z
          .object({
            order_id: z.string().min(1),
            status: z.string().min(1),
            tiktok_status: z.string().nullable().optional(),
            on_hold: z.boolean().optional(),
            total_minor: minor.nullable().optional(),
            currency: z.string().nullable().optional(),
            received_at: isoTime.nullable().optional(),
            shipped_at: isoTime.nullable().optional(),
            // Only when a TikTok webhook changed the order since the last message: ms from our
            // endpoint accepting it to the message being sent, by the database clock.
            since_webhook_ms: z.number().int().nonnegative().optional(),
          })
          .loose(),
      )
      .optional(),
    inventory: z
      .array(
        z
          .object({
            sku_id: z.string().min(1),
            available: z.number().int(),
            reserved: count,
            total: count,
            reorder_point: count,
            velocity_per_hour: z.number().nonnegative(),
            hours_to_stockout: z.number().nullable().optional(),
            low_stock_severity: severity.nullable().optional(),
            has_open_conflict: z.boolean().optional(),
            // The SKU stream's version, so a stock adjustment made right after a live change is not a false conflict.
            last_version: z.number().int().nonnegative().optional(),
          })
          .loose(),
      )
      .optional(),
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
