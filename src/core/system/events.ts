// System events: the engine's own health, limits and failures, visible to creators and admins.
import { z } from "zod";

export const systemEvents = {
  "system.health_check_completed": {
    version: 1,
    schema: z.strictObject({
      status: z.enum(["healthy", "degraded", "unhealthy"]),
      checks: z.record(z.string(), z.strictObject({ status: z.enum(["pass", "warn", "fail"]), detail: z.string().max(500).optional() })),
    }),
  },
  "system.performance_threshold_exceeded": {
    version: 1,
    schema: z.strictObject({ metric: z.string().min(1).max(100), value: z.number(), threshold: z.number(), unit: z.string().max(20).optional() }),
  },
  "system.api_rate_limit_approached": {
    version: 1,
    schema: z.strictObject({
      api: z.string().min(1).max(100),
      remaining: z.number().int().nonnegative(),
      limit: z.number().int().positive(),
      reset_at: z.iso.datetime().optional(),
    }),
  },
  "system.sync_failure_detected": {
    version: 1,
    schema: z.strictObject({
      source: z.string().min(1).max(100),
      reason: z.string().min(1).max(1000),
      reference: z.string().max(200).optional(),
      /** The SKU the failure is about, when it is about one (an order its stock could not cover). */
      sku_id: z.string().min(1).max(200).optional(),
      /** That SKU's product name, as the order gave it: what the creator's alert calls it. */
      product_name: z.string().max(300).optional(),
      /**
       * What kind of problem it is, so every order hit by the same problem shares one alert:
       * a step that failed for good, an order waiting too long, an undo that could not finish.
       */
      problem: z.enum(["step_failed", "stuck", "compensation_failed"]).optional(),
      /** The step it happened at, for a saga's failure. */
      step: z.string().min(1).max(50).optional(),
    }),
  },
  "system.recovery_completed": {
    version: 1,
    schema: z.strictObject({ component: z.string().min(1).max(100), detail: z.string().max(1000).optional() }),
  },
} as const;
