// The background workers of the hosted extensions, for the local stack: what pg_net's
// and pg_cron's workers do inside hosted Postgres, done from the stand-in against the
// tables and functions that supabase/local/bootstrap-extensions.sql creates.
//
// pg_net: sends the requests queued in net.http_request_queue once their transaction has
//   committed (net.wake() NOTIFYs pg_net_wake at commit, as pg_net sets its worker's latch
//   from a commit callback), also every second as pg_net does, and keeps the responses in
//   net._http_response for six hours.
// pg_cron: runs each active job of cron.job when its schedule falls due ('N seconds' or
//   five cron fields, UTC), one run of a job at a time, recorded in cron.job_run_details.
// Vault: the stand-in stores the project URL and the service-role key as the secrets a
//   hosted project is told to create.
import { Cron } from "croner";
import type postgres from "postgres";

const NET_WAKE_CHANNEL = "pg_net_wake";
const NET_POLL_MS = 1_000;
const NET_BATCH_SIZE = 200;
const NET_RESPONSE_TTL = "6 hours";
const CRON_TICK_MS = 1_000;

export interface DatabaseWorkers {
  /** Stops sending queued requests (they stay queued): what a dead pg_net worker looks like. */
  stopNet(): Promise<void>;
  startNet(): Promise<void>;
  /** Requests sent so far, by URL path. */
  netRequestCount(path: string): number;
  stop(): Promise<void>;
}

interface QueuedRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string> | null;
  body: Buffer | null;
  timeout_milliseconds: number;
}

export async function storeVaultSecrets(sql: postgres.Sql, secrets: Record<string, string>): Promise<void> {
  for (const [name, secret] of Object.entries(secrets)) {
    await sql`insert into vault.secrets (name, secret) values (${name}, ${secret})
              on conflict (name) do update set secret = excluded.secret, updated_at = now()`;
  }
}

/** Sends one queued request as pg_net does and records its response (or its error or timeout) in net._http_response. */
async function sendQueuedRequest(
  sql: postgres.Sql,
  request: QueuedRequest,
  worker: { aborts: Set<AbortController>; sentByPath: Map<string, number> },
): Promise<void> {
  const { aborts, sentByPath } = worker;
  const abort = new AbortController();
  aborts.add(abort);
  const timer = setTimeout(() => abort.abort(), request.timeout_milliseconds);
  try {
    const path = new URL(request.url).pathname;
    sentByPath.set(path, (sentByPath.get(path) ?? 0) + 1);
    const response = await fetch(request.url, { method: request.method, headers: request.headers ?? {}, body: request.body?.toString("utf8"), signal: abort.signal });
    const content = await response.text();
    await sql`insert into net._http_response (id, status_code, content_type, headers, content, timed_out)
              values (${request.id}, ${response.status}, ${response.headers.get("content-type")},
                      ${sql.json(Object.fromEntries(response.headers))}, ${content}, false)`;
  } catch (error) {
    const timedOut = abort.signal.aborted;
    const message = timedOut ? `Timeout of ${request.timeout_milliseconds} ms reached` : error instanceof Error ? error.message : String(error);
    await sql`insert into net._http_response (id, timed_out, error_msg) values (${request.id}, ${timedOut}, ${message})`.catch(() => {});
  } finally {
    clearTimeout(timer);
    aborts.delete(abort);
  }
}

function startNetWorker(sql: postgres.Sql, log: (line: string) => void) {
  let running = false;
  let again = false;
  let listening: { unlisten(): Promise<void> } | null = null;
  let poll: ReturnType<typeof setInterval> | null = null;
  const inFlight = new Set<Promise<void>>();
  const aborts = new Set<AbortController>();
  const sentByPath = new Map<string, number>();

  async function sendQueued(): Promise<void> {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const batch = await sql<QueuedRequest[]>`
          delete from net.http_request_queue
           where id in (select id from net.http_request_queue order by id limit ${NET_BATCH_SIZE} for update skip locked)
          returning id::text, method, url, headers, body, timeout_milliseconds`;
        for (const request of batch) {
          const sending = sendQueuedRequest(sql, request, { aborts, sentByPath }).finally(() => inFlight.delete(sending));
          inFlight.add(sending);
        }
        if (batch.length === NET_BATCH_SIZE) again = true;
      } while (again && poll !== null);
    } catch (error) {
      log(`[pg_net] ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      running = false;
    }
  }

  return {
    async start() {
      if (poll) return;
      listening = await sql.listen(NET_WAKE_CHANNEL, () => void sendQueued());
      poll = setInterval(() => {
        void sendQueued();
        void sql`delete from net._http_response where created < now() - ${NET_RESPONSE_TTL}::interval`.catch(() => {});
      }, NET_POLL_MS);
      await sendQueued();
    },
    async stop() {
      if (poll) clearInterval(poll);
      poll = null;
      await listening?.unlisten();
      listening = null;
      for (const abort of aborts) abort.abort();
      await Promise.all(inFlight);
    },
    sentTo: (path: string) => sentByPath.get(path) ?? 0,
  };
}

interface CronJob {
  jobid: string;
  jobname: string | null;
  schedule: string;
  command: string;
}

/** When a job next falls due after `from`; null for a schedule the stand-in does not know. */
export function nextCronRun(schedule: string, from: Date): Date | null {
  const seconds = /^\s*(\d+)\s+seconds?\s*$/i.exec(schedule);
  if (seconds) {
    const interval = Number(seconds[1]) * 1000;
    return new Date(Math.floor(from.getTime() / interval) * interval + interval);
  }
  try {
    return new Cron(schedule, { timezone: "UTC", paused: true }).nextRun(from);
  } catch {
    return null;
  }
}

function startCronWorker(sql: postgres.Sql, log: (line: string) => void) {
  const dueAt = new Map<string, { schedule: string; at: Date | null }>();
  const runningJobs = new Set<string>();
  const runs = new Set<Promise<void>>();
  let timer: ReturnType<typeof setInterval> | null = null;

  async function run(job: CronJob): Promise<void> {
    runningJobs.add(job.jobid);
    const [{ runid }] = await sql<{ runid: string }[]>`
      insert into cron.job_run_details (jobid, database, username, command, status, start_time)
      values (${job.jobid}, current_database(), current_user, ${job.command}, 'running', now()) returning runid::text`;
    try {
      await sql.unsafe(job.command);
      await sql`update cron.job_run_details set status = 'succeeded', return_message = 'ok', end_time = now() where runid = ${runid}`;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`[pg_cron] job ${job.jobname ?? job.jobid} failed: ${message}`);
      await sql`update cron.job_run_details set status = 'failed', return_message = ${message}, end_time = now() where runid = ${runid}`;
    } finally {
      runningJobs.delete(job.jobid);
    }
  }

  async function tick(): Promise<void> {
    const now = new Date();
    const jobs = await sql<CronJob[]>`select jobid::text, jobname, schedule, command from cron.job where active and database = current_database()`;
    for (const job of jobs) {
      const known = dueAt.get(job.jobid);
      if (!known || known.schedule !== job.schedule) {
        dueAt.set(job.jobid, { schedule: job.schedule, at: nextCronRun(job.schedule, now) });
        continue;
      }
      if (known.at === null || known.at > now) continue;
      known.at = nextCronRun(job.schedule, now);
      if (runningJobs.has(job.jobid)) continue;
      const running = run(job).finally(() => runs.delete(running));
      runs.add(running);
    }
  }

  return {
    start() {
      timer = setInterval(() => void tick().catch((error: unknown) => log(`[pg_cron] ${error instanceof Error ? error.message : String(error)}`)), CRON_TICK_MS);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await Promise.all(runs);
    },
  };
}

export async function startDatabaseWorkers(options: {
  sql: postgres.Sql;
  vaultSecrets: Record<string, string>;
  log: (line: string) => void;
}): Promise<DatabaseWorkers> {
  await storeVaultSecrets(options.sql, options.vaultSecrets);
  const net = startNetWorker(options.sql, options.log);
  const cron = startCronWorker(options.sql, options.log);
  await net.start();
  cron.start();
  return {
    stopNet: () => net.stop(),
    startNet: () => net.start(),
    netRequestCount: (path) => net.sentTo(path),
    async stop() {
      await cron.stop();
      await net.stop();
    },
  };
}
