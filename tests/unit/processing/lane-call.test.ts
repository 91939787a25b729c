// The lane call's stop protocol, against a small in-memory world of transactions and a
// manual clock: it never stops while an append that skipped its wake-up could still be
// unseen, it serves a burst in one call, and it hands the lane on when it cannot vouch.
import { describe, expect, it } from "vitest";
import { nextLaneStep, runLaneCall, watchPause, type LaneCallPorts, type LaneCallTiming } from "../../../src/core/processing/lane-call.ts";

const timing: LaneCallTiming = { budgetMs: 1_000, lingerMs: 100, pollMs: 5, heldPollMs: 20, stopGraceMs: 200 };

/** Appending transactions with xids; an event is visible to a drain once its transaction committed. */
function world() {
  let now = 0;
  let nextXid = 100n;
  let head = 0;
  const open = new Map<bigint, number[]>();
  const committed: number[] = [];
  const seen = new Set<number>();
  const scheduled: { at: number; run: () => void }[] = [];
  const log: string[] = [];
  let leaseHeldUntil = -1;

  const begin = () => {
    const xid = nextXid++;
    open.set(xid, []);
    return {
      append: () => open.get(xid)!.push(++head),
      commit: () => {
        committed.push(...open.get(xid)!);
        open.delete(xid);
      },
    };
  };
  const advance = (ms: number) => {
    now += ms;
    for (const task of scheduled.filter((entry) => entry.at <= now)) {
      scheduled.splice(scheduled.indexOf(task), 1);
      task.run();
    }
  };
  const ports: LaneCallPorts = {
    probe: async () => ({ head: String(head), xmin: open.size ? [...open.keys()].reduce((a, b) => (a < b ? a : b)) : nextXid, xmax: nextXid }),
    drain: async () => {
      if (now < leaseHeldUntil) return { processed: 0, skipped: true };
      const fresh = committed.filter((position) => !seen.has(position));
      fresh.forEach((position) => seen.add(position));
      advance(1);
      return { processed: fresh.length, skipped: false };
    },
    releaseFlag: async () => {
      log.push(`release@${now}`);
    },
    handOff: async () => {
      log.push(`handOff@${now}`);
    },
    clock: () => now,
    sleep: async (ms) => advance(ms),
  };
  const at = (time: number, run: () => void) => scheduled.push({ at: time, run });
  /** One transaction that appends one event and commits at once. */
  const appendCommitted = () => {
    const tx = begin();
    tx.append();
    tx.commit();
  };
  return {
    ports,
    begin,
    at,
    appendCommitted,
    /** An appendCommitted every `intervalMs` from time 0 until (not including) `untilMs`. */
    appendEvery: (intervalMs: number, untilMs: number) => {
      for (let time = 0; time < untilMs; time += intervalMs) at(time, appendCommitted);
    },
    holdLeaseUntil: (time: number) => (leaseHeldUntil = time),
    seen,
    log,
    now: () => now,
  };
}

describe("a lane call", () => {
  it("does not stop until an append that saw the flag still set has committed and been drained", async () => {
    const w = world();
    // An appender that read the flag before the call released it, and commits long after.
    const late = w.begin();
    late.append();
    w.at(400, () => late.commit());

    const result = await runLaneCall(w.ports, timing);

    expect(w.log[0]).toMatch(/^release@/);
    expect(w.seen.has(1)).toBe(true);
    expect(result.processed).toBe(1);
    expect(result.handedOff).toBe(false);
    expect(w.now()).toBeGreaterThanOrEqual(400);
  });

  it("serves appends that keep coming within the linger in one call, then stops once caught up", async () => {
    const w = world();
    w.appendEvery(50, 600);
    const result = await runLaneCall(w.ports, timing);
    expect(result.processed).toBe(12);
    // Released only after the last append plus a full linger, not at the first lull of a poll.
    expect(Number(w.log[0].split("@")[1])).toBeGreaterThanOrEqual(550 + timing.lingerMs);
    expect(result.handedOff).toBe(false);
  });

  it("hands the lane on when another call holds a lease past its budget", async () => {
    const w = world();
    w.appendCommitted();
    w.holdLeaseUntil(10_000);
    const result = await runLaneCall(w.ports, timing);
    expect(result.handedOff).toBe(true);
    expect(w.log).toEqual([`release@${timing.budgetMs}`, expect.stringMatching(/^handOff@/)]);
    expect(w.seen.size).toBe(0);
  });

  it("stops at its budget while appends keep coming: releases the flag, drains what came before, and goes", async () => {
    const w = world();
    w.appendEvery(10, 5_000);
    const result = await runLaneCall(w.ports, timing);
    const releasedAt = Number(w.log[0].replace("release@", ""));
    expect(releasedAt).toBeGreaterThanOrEqual(timing.budgetMs);
    expect(releasedAt).toBeLessThan(timing.budgetMs + timing.pollMs);
    // Appends after the release wake a new call themselves: this one only vouches for those
    // before its probe, drains them, and goes, without a hand-off.
    expect(w.log).toHaveLength(1);
    expect(result.handedOff).toBe(false);
    expect(w.now()).toBeLessThan(releasedAt + timing.pollMs * 2);
    expect(result.processed).toBe(Math.floor(releasedAt / 10) + 1);
  });
});

describe("the stop protocol's decisions", () => {
  const look = { flagReleased: false, caughtUp: false, idleSince: null, now: 300, deadline: timing.budgetMs };

  it("keeps taking wake-ups until it has lingered caught up for lingerMs, or reaches its deadline", () => {
    expect(nextLaneStep(look, timing)).toBe("watch");
    expect(nextLaneStep({ ...look, caughtUp: true, idleSince: 300 - timing.lingerMs + 1 }, timing)).toBe("watch");
    expect(nextLaneStep({ ...look, caughtUp: true, idleSince: 300 - timing.lingerMs }, timing)).toBe("release-flag");
    expect(nextLaneStep({ ...look, now: timing.budgetMs }, timing)).toBe("release-flag");
  });

  it("once the flag is released, stops when caught up and hands the lane on only past the grace", () => {
    const released = { ...look, flagReleased: true, now: timing.budgetMs + timing.stopGraceMs - 1 };
    expect(nextLaneStep({ ...released, caughtUp: true }, timing)).toBe("finish");
    expect(nextLaneStep(released, timing)).toBe("watch");
    expect(nextLaneStep({ ...released, now: timing.budgetMs + timing.stopGraceMs }, timing)).toBe("hand-off");
  });
});

describe("the pause between looks", () => {
  const settled = { settled: true, held: false, lastProcessed: 0, nextPublishAt: null, unsettledPause: 20, now: 100 };

  it("polls at pollMs when settled, and starts the back-off over", () => {
    expect(watchPause(settled, timing)).toEqual({ pause: timing.pollMs, unsettledPause: timing.pollMs });
  });

  it("backs off while a writer is open, doubling up to heldPollMs, and waits heldPollMs on a held lease", () => {
    const open = { ...settled, settled: false, unsettledPause: timing.pollMs };
    expect(watchPause(open, timing)).toEqual({ pause: timing.pollMs, unsettledPause: timing.pollMs * 2 });
    expect(watchPause({ ...open, unsettledPause: 16 }, timing)).toEqual({ pause: 16, unsettledPause: timing.heldPollMs });
    expect(watchPause({ ...open, held: true }, timing).pause).toBe(timing.heldPollMs);
  });

  it("looks again at once after draining events, and never sleeps past due deltas", () => {
    expect(watchPause({ ...settled, settled: false, held: true, lastProcessed: 3 }, timing).pause).toBe(0);
    expect(watchPause({ ...settled, nextPublishAt: 102 }, timing).pause).toBe(2);
    expect(watchPause({ ...settled, nextPublishAt: 90 }, timing).pause).toBe(0);
  });
});
