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

/** What the call carries from one look to the next. */
interface CallState {
  watermark: Watermark | null;
  /** Since when the call has been caught up (null: it is not). */
  idleSince: number | null;
  flagReleased: boolean;
  /** The last drain found a consumer's lease held by another call. */
  held: boolean;
  /** When the realtime deltas are next due (null: none wait). */
  nextPublishAt: number | null;
  /** Events the last look drained (0 when it did not drain). */
  lastProcessed: number;
  /** The next pause while waiting on an open transaction: doubles up to heldPollMs. */
  unsettledPause: number;
}

/** What the call does after a look: stop taking wake-ups (release the flag), stop, hand the lane on, or keep watching. */
export type LaneStep = "release-flag" | "finish" | "hand-off" | "watch";

export async function runLaneCall(ports: LaneCallPorts, timing: LaneCallTiming): Promise<LaneCallResult> {
  const deadline = ports.clock() + timing.budgetMs;
  const result: LaneCallResult = { processed: 0, published: 0, drains: 0, handedOff: false };
  const state: CallState = { watermark: null, idleSince: null, flagReleased: false, held: false, nextPublishAt: null, lastProcessed: 0, unsettledPause: timing.pollMs };

  for (;;) {
    const watermark = await lookAndDrain(ports, state, result);
    await publishIfDue(ports, state, result);

    const now = ports.clock();
    const caughtUp = watermark.settled && state.nextPublishAt === null;
    state.idleSince = caughtUp ? (state.idleSince ?? now) : null;

    const step = nextLaneStep({ flagReleased: state.flagReleased, caughtUp, idleSince: state.idleSince, now, deadline }, timing);
    if (step === "release-flag") {
      await ports.releaseFlag();
      state.flagReleased = true;
      state.watermark = null; // the stop protocol's probe starts a fresh watermark
      continue;
    }
    if (step === "finish") return result;
    if (step === "hand-off") {
      await ports.handOff();
      result.handedOff = true;
      return result;
    }

    const wait = watchPause({ ...state, settled: watermark.settled, now }, timing);
    state.unsettledPause = wait.unsettledPause;
    if (wait.pause > 0) await ports.sleep(wait.pause);
  }
}

/** Probes the lane and drains one round unless the watermark is settled; returns the watermark the look ends with. */
async function lookAndDrain(ports: LaneCallPorts, state: CallState, result: LaneCallResult): Promise<Watermark> {
  const probe = await ports.probe();
  if (state.watermark === null || probe.head !== state.watermark.head) state.watermark = { head: probe.head, horizon: probe.xmax, settled: false };
  const watermark = state.watermark;
  if (watermark.settled) {
    state.lastProcessed = 0;
    return watermark;
  }
  const writersEnded = probe.xmin >= watermark.horizon;
  const drained = await ports.drain();
  result.drains += 1;
  result.processed += drained.processed;
  state.held = drained.skipped;
  state.lastProcessed = drained.processed;
  // Settled: a round that began after every writer below the horizon had ended found nothing.
  if (writersEnded && !drained.skipped && drained.processed === 0) watermark.settled = true;
  if (drained.processed > 0 && ports.publish) state.nextPublishAt = ports.clock();
  state.idleSince = null;
  return watermark;
}

async function publishIfDue(ports: LaneCallPorts, state: CallState, result: LaneCallResult): Promise<void> {
  if (!ports.publish || state.nextPublishAt === null || ports.clock() < state.nextPublishAt) return;
  const publication = await ports.publish();
  result.published += publication.sent;
  state.nextPublishAt = publication.waitingMs === null ? null : ports.clock() + publication.waitingMs;
}

/**
 * The stop protocol's decision after a look. Before the flag is released, the call stops
 * taking wake-ups once it has lingered caught up, or at its deadline; after, it stops
 * once caught up, and hands the lane on if that takes past the grace.
 */
export function nextLaneStep(
  look: { flagReleased: boolean; caughtUp: boolean; idleSince: number | null; now: number; deadline: number },
  timing: Pick<LaneCallTiming, "lingerMs" | "stopGraceMs">,
): LaneStep {
  if (!look.flagReleased) {
    const lingered = look.idleSince !== null && look.now - look.idleSince >= timing.lingerMs;
    return lingered || look.now >= look.deadline ? "release-flag" : "watch";
  }
  if (look.caughtUp) return "finish";
  return look.now >= look.deadline + timing.stopGraceMs ? "hand-off" : "watch";
}

/**
 * How long to wait before the next look. Watching costs one probe per poll; a lane waiting
 * on an open transaction or a held lease backs off, so a long transaction elsewhere does
 * not turn into a busy loop. A look that drained events looks again at once, and due
 * deltas are never kept waiting.
 */
export function watchPause(
  look: { settled: boolean; held: boolean; lastProcessed: number; nextPublishAt: number | null; unsettledPause: number; now: number },
  timing: Pick<LaneCallTiming, "pollMs" | "heldPollMs">,
): { pause: number; unsettledPause: number } {
  let pause = timing.pollMs;
  let unsettledPause = timing.pollMs;
  if (!look.settled) {
    pause = look.held ? timing.heldPollMs : look.unsettledPause;
    unsettledPause = Math.min(look.unsettledPause * 2, timing.heldPollMs);
  }
  if (look.lastProcessed > 0) pause = 0;
  if (look.nextPublishAt !== null) pause = Math.min(pause, Math.max(0, look.nextPublishAt - look.now));
  return { pause, unsettledPause };
}
