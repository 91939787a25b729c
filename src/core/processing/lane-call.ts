// One process-events call for one lane: drain the lane's consumers, keep watching for
// new events while they come (a call that has just caught up stays a moment, so a burst
// is served by one call rather than one per append), then stop without losing a wake-up.
//
// The stop protocol, against the debounce flag in event_processing_lanes (see the wake-ups
// of section 3 of the baseline migration, 20261203001400_baseline.sql):
//   1. clear the lane's flag, so the next append posts a new call;
//   2. probe: the last position handed out and the transaction horizon (xmax);
//   3. drain again once every transaction below that horizon has ended (xmin >= it).
// An append that saw the flag still set did so before step 1, so its transaction is below
// the horizon of step 2, and step 3 reads its events after it committed. A call that finds
// a consumer's lease held by another call cannot vouch for it and hands the lane on.

export interface LaneProbe {
  /** The last event position handed out, committed or not. */
  head: string;
  /** Every transaction below this has ended. */
  xmin: bigint;
  /** Every transaction that has started is below this. */
  xmax: bigint;
}

export interface LaneDrainResult {
  processed: number;
  /** Some consumer's lease is held by another call: its events are not vouched for. */
  skipped: boolean;
}

export interface LaneCallPorts {
  probe(): Promise<LaneProbe>;
  /** One round: each of the lane's consumer groups takes at most one batch. */
  drain(): Promise<LaneDrainResult>;
  /** Sends the realtime deltas that are due; says whether some wait for their interval. */
  publish?(): Promise<{ sent: number; waitingMs: number | null }>;
  releaseFlag(): Promise<void>;
  /** Posts a new call for the lane (its flag is clear by then), to finish what this one could not. */
  handOff(): Promise<void>;
  clock(): number;
  sleep(ms: number): Promise<void>;
}

export interface LaneCallTiming {
  budgetMs: number;
  /** How long a caught-up call keeps watching before it stops. */
  lingerMs: number;
  /** How often it looks while watching. */
  pollMs: number;
  /** How often it retries a lease another call holds. */
  heldPollMs: number;
  /** Time allowed past the budget for the stop protocol's last drain. */
  stopGraceMs: number;
}

export const DEFAULT_LANE_TIMING: Omit<LaneCallTiming, "budgetMs"> = { lingerMs: 500, pollMs: 5, heldPollMs: 50, stopGraceMs: 1_000 };

export interface LaneCallResult {
  processed: number;
  published: number;
  drains: number;
  /** The call stopped before it could vouch for everything and posted a successor. */
  handedOff: boolean;
}

/** What the call knows about the events up to one head position. */
interface Watermark {
  head: string;
  horizon: bigint;
  /** A round that started after every writer below the horizon had ended found nothing left. */
  settled: boolean;
}

export async function runLaneCall(ports: LaneCallPorts, timing: LaneCallTiming): Promise<LaneCallResult> {
  const started = ports.clock();
  const deadline = started + timing.budgetMs;
  const result: LaneCallResult = { processed: 0, published: 0, drains: 0, handedOff: false };
  let watermark: Watermark | null = null;
  let idleSince: number | null = null;
  let flagReleased = false;
  let held = false;
  let nextPublishAt: number | null = null;
  let lastProcessed = 0;
  let unsettledPause = timing.pollMs;

  for (;;) {
    const probe = await ports.probe();
    if (watermark === null || probe.head !== watermark.head) watermark = { head: probe.head, horizon: probe.xmax, settled: false };
    if (!watermark.settled) {
      const writersEnded = probe.xmin >= watermark.horizon;
      const drained = await ports.drain();
      result.drains += 1;
      result.processed += drained.processed;
      held = drained.skipped;
      lastProcessed = drained.processed;
      // Settled: a round that began after every writer below the horizon had ended found nothing.
      if (writersEnded && !drained.skipped && drained.processed === 0) watermark.settled = true;
      if (drained.processed > 0 && ports.publish) nextPublishAt = ports.clock();
      idleSince = null;
    } else {
      lastProcessed = 0;
    }

    if (ports.publish && nextPublishAt !== null && ports.clock() >= nextPublishAt) {
      const publication = await ports.publish();
      result.published += publication.sent;
      nextPublishAt = publication.waitingMs === null ? null : ports.clock() + publication.waitingMs;
    }

    const now = ports.clock();
    const caughtUp = watermark.settled && nextPublishAt === null;
    if (caughtUp) idleSince ??= now;
    else idleSince = null;

    if (!flagReleased) {
      const lingered = idleSince !== null && now - idleSince >= timing.lingerMs;
      if (lingered || now >= deadline) {
        await ports.releaseFlag();
        flagReleased = true;
        watermark = null; // the stop protocol's probe starts a fresh watermark
        continue;
      }
    } else if (caughtUp) {
      return result;
    } else if (now >= deadline + timing.stopGraceMs) {
      await ports.handOff();
      result.handedOff = true;
      return result;
    }

    // Watching costs one probe per poll; a lane waiting on an open transaction or a held
    // lease backs off, so a long transaction elsewhere does not turn into a busy loop.
    let pause = timing.pollMs;
    if (!watermark.settled) {
      pause = held ? timing.heldPollMs : unsettledPause;
      unsettledPause = Math.min(unsettledPause * 2, timing.heldPollMs);
    } else {
      unsettledPause = timing.pollMs;
    }
    if (lastProcessed > 0) pause = 0;
    if (nextPublishAt !== null) pause = Math.min(pause, Math.max(0, nextPublishAt - now));
    if (pause > 0) await ports.sleep(pause);
  }
}
