// Group commit: items that arrive while earlier commits are still running share the next
// commit, so a burst costs one transaction (one fsync) per batch instead of one per item.
// Pure scheduling, no I/O of its own: the caller supplies `commit`, which stores a batch
// and returns one outcome per item, in order. Web APIs only (timers and promises).
//
// When a batch closes, whichever comes first:
// - a commit slot is free (fewer than `maxConcurrentCommits` running): at once, so a lone
//   item waits for nothing;
// - it holds `maxBatchSize` items;
// - its first item has waited `maxWaitMs` (a bound under overload, when every slot is busy).
// A commit that throws rejects every item of its batch with that error (the caller answers
// each one as failed); items of other batches are not affected.

export interface GroupCommitOptions<Item, Outcome> {
  /** Stores the batch in one transaction; resolves with one outcome per item, in the same order. */
  commit: (items: readonly Item[]) => Promise<readonly Outcome[]>;
  maxBatchSize: number;
  maxWaitMs: number;
  maxConcurrentCommits: number;
  /** Runs `run` after `ms`; returns a cancel function. Defaults to setTimeout (tests pass their own clock). */
  schedule?: (run: () => void, ms: number) => () => void;
}

export interface GroupCommit<Item, Outcome> {
  /** Resolves with this item's own outcome once its batch has committed; rejects if the batch's commit failed. */
  submit(item: Item): Promise<Outcome>;
  /** Commits running and items waiting, for diagnostics and tests. */
  state(): { running: number; waiting: number };
}

interface Waiting<Item, Outcome> {
  item: Item;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

const defaultSchedule = (run: () => void, ms: number) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

export function createGroupCommit<Item, Outcome>(options: GroupCommitOptions<Item, Outcome>): GroupCommit<Item, Outcome> {
  if (options.maxBatchSize < 1 || options.maxConcurrentCommits < 1 || options.maxWaitMs < 0) {
    throw new RangeError("maxBatchSize and maxConcurrentCommits must be at least 1, maxWaitMs at least 0");
  }
  const schedule = options.schedule ?? defaultSchedule;
  let open: Waiting<Item, Outcome>[] = [];
  let cancelWait: (() => void) | undefined;
  let closeQueued = false;
  let running = 0;

  function close(): void {
    cancelWait?.();
    cancelWait = undefined;
    closeQueued = false;
    if (open.length === 0) return;
    const batch = open;
    open = [];
    running += 1;
    void commitBatch(batch);
  }

  async function commitBatch(batch: Waiting<Item, Outcome>[]): Promise<void> {
    try {
      const outcomes = await options.commit(batch.map((waiting) => waiting.item));
      if (outcomes.length !== batch.length) throw new Error(`commit returned ${outcomes.length} outcomes for ${batch.length} items`);
      batch.forEach((waiting, index) => waiting.resolve(outcomes[index]));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      running -= 1;
      // A slot is free: whatever gathered while every slot was busy goes now.
      if (open.length > 0) queueClose();
    }
  }

  /** Closes at the end of the current turn, so items that arrive in the same turn share the batch. */
  function queueClose(): void {
    if (closeQueued) return;
    closeQueued = true;
    queueMicrotask(() => {
      if (closeQueued) close();
    });
  }

  return {
    submit(item) {
      return new Promise<Outcome>((resolve, reject) => {
        open.push({ item, resolve, reject });
        if (open.length >= options.maxBatchSize) close();
        else if (running < options.maxConcurrentCommits) queueClose();
        else if (cancelWait === undefined) cancelWait = schedule(close, options.maxWaitMs);
      });
    },
    state: () => ({ running, waiting: open.length }),
  };
}
