// Events of the order fulfilment saga that the seed specification does not name: the
// shipping label's life, and how a saga that could not finish ended. They live on the
// order's stream, next to the seed's order events the saga also records.
import { z } from "zod";
import { tiktokId } from "../shared-schemas.ts";

export const fulfilmentStep = z.enum(["validate", "allocate", "pay", "label", "ship"]);
export type FulfilmentStep = z.infer<typeof fulfilmentStep>;

/** What a compensation did, in the order it was done (the reverse of the steps). */
const compensationRecord = z.strictObject({
  step: fulfilmentStep,
  action: z.enum(["label_cancelled", "payment_voided", "payment_refunded", "inventory_released", "nothing_to_undo"]),
  reference: z.string().max(200).optional(),
});

export const fulfilmentEvents = {
  "order.label_created": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      carrier: z.string().min(1).max(100),
      label_id: z.string().min(1).max(200),
      tracking_number: z.string().min(1).max(100),
    }),
  },
  "order.label_cancelled": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      carrier: z.string().min(1).max(100),
      label_id: z.string().min(1).max(200),
      reason: z.string().max(500),
    }),
  },
  // A step failed for good (or a cancellation stopped the saga): compensation follows.
  "order.fulfilment_failed": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      step: fulfilmentStep,
      reason: z.string().min(1).max(1000),
      cause: z.enum(["permanent_error", "retries_exhausted", "cancelled"]),
    }),
  },
  "order.compensation_completed": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      cause: z.enum(["permanent_error", "retries_exhausted", "cancelled"]),
      compensations: z.array(compensationRecord),
    }),
  },
} as const;

export type FulfilmentFailureCause = "permanent_error" | "retries_exhausted" | "cancelled";
export type CompensationRecord = z.infer<typeof compensationRecord>;
