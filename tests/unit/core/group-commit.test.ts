// The group commit's scheduling, with a controlled clock and commits the test resolves by
// hand: when a batch closes, what each item gets back, and what a failed commit does.
import { describe, expect, it } from "vitest";
import { createGroupCommit } from "../../../src/core/group-commit.ts";

interface PendingCommit {
  items: readonly string[];
  finish: (outcomes?: readonly string[]) => void;
  fail: (error: unknown) => void;
}

/** A group commit whose commits wait for the test, and whose timers fire only when the test says. */
function harness(settings: { maxBatchSize?: number; maxWaitMs?: number; maxConcurrentCommits?: number } = {}) {
  const commits: PendingCommit[] = [];
  const timers: { run: () => void; ms: number; cancelled: boolean }[] = [];
  const group = createGroupCommit<string, string>({
    maxBatchSize: settings.maxBatchSize ?? 4,
    maxWaitMs: settings.maxWaitMs ?? 5,
    maxConcurrentCommits: settings.maxConcurrentCommits ?? 1,
    commit: (items) =>
      new Promise((resolve, reject) => {
        commits.push({ items, finish: (outcomes) => resolve(outcomes ?? items.map((item) => `stored ${item}`)), fail: reject });
      }),
    schedule: (run, ms) => {
      const timer = { run, ms, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
  });
  const fireTimers = () => timers.filter((timer) => !timer.cancelled).forEach((timer) => ((timer.cancelled = true), timer.run()));
  return { group, commits, timers, fireTimers };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("group commit", () => {
  it("commits a lone item at once, without waiting for a timer", async () => {
    const { group, commits, timers } = harness();
    const answer = group.submit("a");
    await settle();
    expect(commits.map((commit) => commit.items)).toEqual([["a"]]);
    expect(timers).toHaveLength(0);
    commits[0].finish();
    expect(await answer).toBe("stored a");
  });

  it("puts items submitted in the same turn into one batch", async () => {
    const { group, commits } = harness();
    const answers = ["a", "b", "c"].map((item) => group.submit(item));
    await settle();
    expect(commits.map((commit) => commit.items)).toEqual([["a", "b", "c"]]);
    commits[0].finish();
    expect(await Promise.all(answers)).toEqual(["stored a", "stored b", "stored c"]);
  });

  it("gathers items that arrive while every commit slot is busy and commits them when a slot frees", async () => {
    const { group, commits } = harness();
    const first = group.submit("a");
    await settle();
    const later = [group.submit("b"), group.submit("c")];
    await settle();
    const more = group.submit("d");
    await settle();
    expect(commits).toHaveLength(1);
    commits[0].finish();
    await settle();
    expect(commits.map((commit) => commit.items)).toEqual([["a"], ["b", "c", "d"]]);
    commits[1].finish();
    expect(await Promise.all([first, ...later, more])).toEqual(["stored a", "stored b", "stored c", "stored d"]);
  });

  it("closes a batch at its size even while the slots are busy", async () => {
    const { group, commits } = harness({ maxBatchSize: 2 });
    void group.submit("a");
    await settle();
    void group.submit("b");
    void group.submit("c");
    await settle();
    expect(commits.map((commit) => commit.items)).toEqual([["a"], ["b", "c"]]);
  });

  it("closes a batch after the longest wait even while the slots are busy", async () => {
    const { group, commits, timers, fireTimers } = harness({ maxWaitMs: 3 });
    void group.submit("a");
    await settle();
    void group.submit("b");
    await settle();
    expect(commits).toHaveLength(1);
    expect(timers.map((timer) => timer.ms)).toEqual([3]);
    fireTimers();
    expect(commits.map((commit) => commit.items)).toEqual([["a"], ["b"]]);
  });

  it("gives each item its own outcome", async () => {
    const { group, commits } = harness();
    const answers = [group.submit("ok"), group.submit("stale"), group.submit("conflict")];
    await settle();
    commits[0].finish(["stored", "stale", "conflict"]);
    expect(await Promise.all(answers)).toEqual(["stored", "stale", "conflict"]);
  });

  it("rejects every item of a batch whose commit fails, and only those", async () => {
    const { group, commits } = harness();
    const failing = [group.submit("a"), group.submit("b")];
    await settle();
    const next = group.submit("c");
    commits[0].fail(new Error("connection refused"));
    for (const answer of failing) await expect(answer).rejects.toThrow("connection refused");
    await settle();
    commits[1].finish();
    expect(await next).toBe("stored c");
    expect(group.state()).toEqual({ running: 0, waiting: 0 });
  });

  it("rejects the batch when the commit returns the wrong number of outcomes", async () => {
    const { group, commits } = harness();
    const answers = [group.submit("a"), group.submit("b")];
    await settle();
    commits[0].finish(["stored a"]);
    for (const answer of answers) await expect(answer).rejects.toThrow("1 outcomes for 2 items");
  });

  it("runs up to the allowed number of commits at once", async () => {
    const { group, commits } = harness({ maxConcurrentCommits: 2 });
    void group.submit("a");
    await settle();
    void group.submit("b");
    await settle();
    void group.submit("c");
    await settle();
    expect(commits.map((commit) => commit.items)).toEqual([["a"], ["b"]]);
    expect(group.state()).toEqual({ running: 2, waiting: 1 });
  });
});
