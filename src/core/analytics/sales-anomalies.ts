// Sales far from what the forecast expects, scored by how surprising the count is if sales
// arrive at the expected rate (a Poisson count): the score is -log10 of the tail
// probability, so 3 means "one chance in a thousand". A count-based score stays honest for
// SKUs that sell a few a day, where a ratio alone would cry wolf at the second sale.
// Spikes (a video going viral) are judged on a short window so they are caught within
// minutes; drops (a listing suppressed, a sync that stopped) need a longer one.
import { poissonDistribution } from "simple-statistics";

/** The table stops where 99.99% of the mass is covered: a tail beyond it scores 4 (capped). */
const MAX_SCORE = 4;
export const ANOMALY_SCORE_THRESHOLD = 3;
export const SPIKE_WINDOW_MINUTES = 10;
export const DROP_WINDOW_MINUTES = 180;
const MIN_SPIKE_UNITS = 4;
const SPIKE_RATIO = 3;
const MIN_EXPECTED_FOR_DROP = 5;

const score = (probability: number) => Math.min(MAX_SCORE, -Math.log10(Math.max(probability, 10 ** -MAX_SCORE)));

/** How surprising at least `observed` is when `expected` were due. */
export function spikeScore(observed: number, expected: number): number {
  if (observed <= 0) return 0;
  if (expected <= 0) return MAX_SCORE;
  const cells = poissonDistribution(expected);
  if (!cells) return 0;
  const below = cells.slice(0, observed).reduce((sum, cell) => sum + cell, 0);
  return score(1 - below);
}

/** How surprising at most `observed` is when `expected` were due. */
export function dropScore(observed: number, expected: number): number {
  if (expected <= 0) return 0;
  const cells = poissonDistribution(expected);
  if (!cells) return 0;
  return score(cells.slice(0, observed + 1).reduce((sum, cell) => sum + cell, 0));
}

export type SalesAnomaly = { kind: "spike" | "drop"; score: number; observedPerHour: number; expectedPerHour: number };

/** A spike or a drop in `observed` units over `windowMinutes`, against `expectedPerHour`; null when sales look ordinary. */
export function judgeSales(observed: number, expectedPerHour: number, windowMinutes: number): SalesAnomaly | null {
  const expected = (expectedPerHour * windowMinutes) / 60;
  const observedPerHour = (observed * 60) / windowMinutes;
  const spike = spikeScore(observed, expected);
  if (observed >= MIN_SPIKE_UNITS && observed >= SPIKE_RATIO * expected && spike >= ANOMALY_SCORE_THRESHOLD) {
    return { kind: "spike", score: spike, observedPerHour, expectedPerHour };
  }
  const drop = dropScore(observed, expected);
  if (expected >= MIN_EXPECTED_FOR_DROP && observed * 4 <= expected && drop >= ANOMALY_SCORE_THRESHOLD) {
    return { kind: "drop", score: drop, observedPerHour, expectedPerHour };
  }
  return null;
}
