// Events of the order fulfilment saga that the seed specification does not name: the
// shipping label's life, and how a saga that could not finish ended. They live on the
// order's stream, next to the seed's order events the saga also records.
import { z } from "zod";
import { tiktokId } from "../shared-schemas.ts";

export const fulfilmentStep = z.enum(["validate", "allocate", "pay", "label", "ship"]);
export type FulfilmentStep = z.infer<typeof fulfilmentStep>;

/** What a step lacks: a carrier for an order the seller ships, or a carrier TikTok accepts for the order's delivery option. */
export const fulfilmentConfigurationGap = z.enum(["carrier", "shipping_provider"]);
export type FulfilmentConfigurationGap = z.infer<typeof fulfilmentConfigurationGap>;

/** What a compensation did, in the order it was done (the reverse of the steps). */
const compensationRecord = z.strictObject({
  step: fulfilmentStep,
  // "…_with_tiktok": TikTok holds the buyer's money (or the package's TikTok shipping); it
  // gives them back when the order is cancelled on TikTok, which the saga cannot do for it.
  action: z.enum(["label_cancelled", "payment_voided", "payment_refunded", "inventory_released", "nothing_to_undo", "payment_held_by_tiktok", "shipment_left_with_tiktok"]),
  reference: z.string().max(200).optional(),
});

/** Which label an event is about: the order's, from its carrier. */
const labelOfOrder = {
  order_id: tiktokId,
  carrier: z.string().min(1).max(100),
  label_id: z.string().min(1).max(200),
};

const fulfilmentFailureCause = z.enum(["permanent_error", "retries_exhausted", "cancelled"]);

export const fulfilmentEvents = {
  "order.label_created": {
    version: 1,
    schema: z.strictObject({ ...labelOfOrder, tracking_number: z.string().min(1).max(100) }),
  },
  "order.label_cancelled": {
    version: 1,
    schema: z.strictObject({ ...labelOfOrder, reason: z.string().max(500) }),
  },
  // A step failed for good (or a cancellation stopped the saga): compensation follows.
  "order.fulfilment_failed": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      step: fulfilmentStep,
      reason: z.string().min(1).max(1000),
      cause: fulfilmentFailureCause,
    }),
  },
  // A step cannot run where the saga runs (no carrier for an order the seller ships, or one
  // TikTok does not accept): the saga stops in needs_configuration instead of inventing a
  // label, and an admin sees it. Nothing was bought or sent to TikTok for the step.
  "order.fulfilment_paused": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      step: fulfilmentStep,
      reason: z.enum(["configuration_required"]),
      missing: fulfilmentConfigurationGap,
      detail: z.string().min(1).max(1000),
    }),
  },
  "order.compensation_completed": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      cause: fulfilmentFailureCause,
      compensations: z.array(compensationRecord),
    }),
  },
} as const;

export type FulfilmentFailureCause = z.infer<typeof fulfilmentFailureCause>;
export type CompensationRecord = z.infer<typeof compensationRecord>;
