// CPU time spent by this process and by the PostgreSQL server during a scenario.
// On a shared, noisy 2-core machine, CPU per event moves much less than events per
// second does, so it is the steadier figure for comparing two stores.
import { readdirSync, readFileSync } from "node:fs";
import type { Sql } from "postgres";

const ticksPerSecond = 100; // USER_HZ on Linux

function procStat(pid: number): { ppid: number; cpuMs: number; reapedChildrenCpuMs: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces: parse after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    const reapedTicks = Number(fields[13]) + Number(fields[14]); // cutime + cstime: children that exited
    return { ppid, cpuMs: (ticks * 1000) / ticksPerSecond, reapedChildrenCpuMs: (reapedTicks * 1000) / ticksPerSecond };
  } catch {
    return undefined;
  }
}

/** CPU milliseconds (user + system) one process has used so far; undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  return procStat(pid)?.cpuMs;
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
  } catch {
    return false;
  }
}

export interface CpuProbe {
  /** Client and server CPU milliseconds since the previous call. */
  lap(): { clientCpuMs: number; serverCpuMs: number | null };
}

/**
 * Finds the postmaster through one of our backends (its parent) and sums the CPU of
 * all its children, which holds while pools keep their connections open. When the
 * server is not on this host (/proc has no such backend), server CPU is reported as null.
 */
export async function cpuProbe(sql: Sql): Promise<CpuProbe> {
  const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  // A remote server's backend pid may match an unrelated local process: require postgres.
  const postmaster = isPostgres(row.pid) ? procStat(row.pid)?.ppid : undefined;
  const serverCpuMs = (): number | null => {
    if (postmaster === undefined) return null;
    const master = procStat(postmaster);
    if (master === undefined) return null;
    // Backends that closed since the last lap are counted through the postmaster's reaped-children time.
    let total = master.cpuMs + master.reapedChildrenCpuMs;
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = procStat(Number(entry));
      if (stat?.ppid === postmaster) total += stat.cpuMs;
    }
    return total;
  };
  let lastClient = process.cpuUsage();
  let lastServer = serverCpuMs();
  return {
    lap() {
      const client = process.cpuUsage(lastClient);
      lastClient = process.cpuUsage();
      const server = serverCpuMs();
      const serverDelta = server === null || lastServer === null ? null : server - lastServer;
      lastServer = server;
      return { clientCpuMs: (client.user + client.system) / 1000, serverCpuMs: serverDelta };
    },
  };
}
