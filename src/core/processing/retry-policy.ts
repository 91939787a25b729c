// When to try a failing event again: 1 s, then doubling, at most 60 s, 5 attempts in all.

export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, initialDelayMs: 1_000, multiplier: 2, maxDelayMs: 60_000 };

/** Delay before the attempt after `failedAttempts` failures (1-based). */
export function retryDelayMs(policy: RetryPolicy, failedAttempts: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (failedAttempts - 1));
}
