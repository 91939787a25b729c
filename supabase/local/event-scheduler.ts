// The local stand-in for pg_cron + pg_net: calls the process-events Edge Function again
// and again, at once when an append is announced (LISTEN), otherwise on a fallback tick.
import type postgres from "postgres";
import { APPENDED_CHANNEL } from "../../src/core/processing/append-announcer.ts";

// With nothing announced, process-events still runs this often (a lost NOTIFY, a retry falling due).
const FALLBACK_TICK_MS = 1000;
// Deltas wait out the publisher's coalescing interval; come back for them soon.
const MORE_WAITING_PAUSE_MS = 50;

export function startEventScheduler(options: {
  sql: postgres.Sql;
  functionsUrl: string;
  serviceRoleKey: string;
  budgetMs?: number;
  log?: (line: string) => void;
}): { stop(): Promise<void> } {
  const url = `${options.functionsUrl}/process-events?budget_ms=${options.budgetMs ?? 5000}`;
  const log = options.log ?? ((line: string) => console.error(line));
  let stopping = false;
  let announced = true;
  let wake: (() => void) | null = null;
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => resolve(), ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const listening = options.sql.listen(APPENDED_CHANNEL, () => {
    announced = true;
    wake?.();
  });
  let lastError = "";
  const loop = (async () => {
    while (!stopping) {
      announced = false;
      let moreWaiting = false;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${options.serviceRoleKey}`, apikey: options.serviceRoleKey },
        });
        const result = (await response.json()) as { moreWaiting?: boolean; error?: string };
        if (!response.ok) throw new Error(result.error ?? `HTTP ${response.status}`);
        moreWaiting = Boolean(result.moreWaiting);
        lastError = "";
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== lastError) log(`[scheduler] process-events: ${message}`);
        lastError = message;
      }
      if (stopping) break;
      if (moreWaiting) await nap(MORE_WAITING_PAUSE_MS);
      else if (!announced) await nap(FALLBACK_TICK_MS);
    }
  })();
  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      await (await listening).unlisten();
    },
  };
}
