// Sales far from what the forecast expects, scored by how surprising the count is if sales
// arrive at the expected rate (a Poisson count): the score is -log10 of the tail
// probability, so 4 means "one chance in 10,000" (simple-statistics' log-gamma gives the
// Poisson mass; its table of the distribution stops at 99.99%, too short for such tails). A count-based score stays honest for
// SKUs that sell a few a day, where a ratio alone would cry wolf at the second sale.
// Spikes (a video going viral) are judged on a short window so they are caught within
// minutes; drops (a listing suppressed, a sync that stopped) need a longer one.
import { gammaln } from "simple-statistics";

/** Scores are capped here: p below one in ten billion is all the same to a creator. */
const MAX_SCORE = 10;
/** One in 10,000 after the dispersion scaling (chosen on simulated histories, bench/analytics.ts): the check runs at every sale. */
export const ANOMALY_SCORE_THRESHOLD = 4;
export const SPIKE_WINDOW_MINUTES = 10;
export const DROP_WINDOW_MINUTES = 120;
const MIN_SPIKE_UNITS = 4;
const SPIKE_RATIO = 3;
const MIN_EXPECTED_FOR_DROP = 5;

const score = (probability: number) => Math.min(MAX_SCORE, -Math.log10(Math.max(probability, 10 ** -MAX_SCORE)));
const poissonMass = (count: number, mean: number) => Math.exp(count * Math.log(mean) - mean - gammaln(count + 1));

/** How surprising at least `observed` is when `expected` were due: -log10 P(X >= observed). */
export function spikeScore(observed: number, expected: number): number {
  if (observed <= 0) return 0;
  if (expected <= 0) return MAX_SCORE;
  // The upper tail summed from `observed` up, until its terms no longer count.
  let tail = 0;
  for (let count = observed; count < observed + 1_000; count += 1) {
    const mass = poissonMass(count, expected);
    tail += mass;
    if (count > expected && mass < tail * 1e-12) break;
  }
  return score(tail);
}

/** How surprising at most `observed` is when `expected` were due: -log10 P(X <= observed). */
export function dropScore(observed: number, expected: number): number {
  if (expected <= 0) return 0;
  let tail = 0;
  for (let count = 0; count <= observed; count += 1) tail += poissonMass(count, expected);
  return score(tail);
}

export type SalesAnomaly = { kind: "spike" | "drop"; score: number; observedPerHour: number; expectedPerHour: number };

/**
 * A spike or a drop in `observed` units over `windowMinutes`, against `expected` units due
 * over that window (from the forecast, hour by hour); null when sales look ordinary.
 * `dispersion` (at least 1) is how much more the SKU's sales scatter than a Poisson count
 * would (its forecast errors' variance over its mean): counts are scaled down by it, so a
 * SKU whose forecast is still unsure, or that sells in bursts, needs a stronger signal.
 */
export function judgeSales(observed: number, expected: number, windowMinutes: number, dispersion = 1): SalesAnomaly | null {
  const expectedPerHour = (expected * 60) / windowMinutes;
  const observedPerHour = (observed * 60) / windowMinutes;
  const scale = Math.max(1, dispersion);
  const spike = spikeScore(Math.floor(observed / scale), expected / scale);
  if (observed >= MIN_SPIKE_UNITS && observed >= SPIKE_RATIO * expected && spike >= ANOMALY_SCORE_THRESHOLD) {
    return { kind: "spike", score: spike, observedPerHour, expectedPerHour };
  }
  const drop = dropScore(Math.ceil(observed / scale), expected / scale);
  if (expected >= MIN_EXPECTED_FOR_DROP && observed * 4 <= expected && drop >= ANOMALY_SCORE_THRESHOLD) {
    return { kind: "drop", score: drop, observedPerHour, expectedPerHour };
  }
  return null;
}
