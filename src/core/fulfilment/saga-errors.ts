// How the fulfilment saga judges what went wrong in a step: a failure it retries, one it
// compensates at once, a step that cannot run where the saga runs, or another runner
// moving the saga. Anything it cannot judge propagates to the consumer runner.
import { DomainError } from "../domain-error.ts";
import { TikTokShopApiError } from "../channels/tiktok-shop/api-client.ts";
import type { FulfilmentConfigurationGap, FulfilmentFailureCause } from "./events.ts";
import { ExternalServiceError } from "./ports.ts";

/** The longest error text the saga keeps (last_error, event reasons). */
export const MAX_ERROR_LENGTH = 1_000;

/** A step that cannot go on: `permanent` ones compensate at once, the others are retried. */
export class StepFailure extends Error {
  constructor(
    readonly permanent: boolean,
    message: string,
    readonly failureCause: FulfilmentFailureCause = "permanent_error",
    readonly skuId?: string,
  ) {
    super(message);
    this.name = "StepFailure";
  }
}

/** Another runner changed the saga since it was read: reload and decide again. */
export class SagaMoved extends Error {}

/** The step cannot run where the saga runs; nothing was bought or sent for it. */
export class ConfigurationRequired extends Error {
  constructor(
    readonly missing: FulfilmentConfigurationGap,
    message: string,
  ) {
    super(message);
    this.name = "ConfigurationRequired";
  }
}

/**
 * Errors the saga knows how to judge become StepFailures; anything else (the database
 * gone, a bug, a crash) gives null and should propagate, so the consumer runner retries
 * the event and the persisted state is resumed from.
 */
export function classify(error: unknown): StepFailure | null {
  if (error instanceof StepFailure) return error;
  if (error instanceof ExternalServiceError) return new StepFailure(error.permanent, `${error.service}: ${error.message}`);
  if (error instanceof TikTokShopApiError) return new StepFailure(!error.retryable, `TikTok: ${error.message}`);
  // Out of stock, amounts that do not add up, an order closed under our feet: retrying cannot help.
  if (error instanceof DomainError) return new StepFailure(true, error.message);
  return null;
}

export function errorMessage(error: unknown): string {
  return clipError(error instanceof Error ? error.message : String(error));
}

export function clipError(message: string): string {
  return message.slice(0, MAX_ERROR_LENGTH);
}
