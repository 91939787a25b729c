// A look at event processing from outside any transaction: the last position handed out,
// and the transaction horizon. Reads are gap-free (they stop below the snapshot's xmin),
// so "nothing left to read" only means "nothing left" once every transaction that could
// still commit events before it has ended: the lane call's stop protocol and a drain both
// decide that from this probe.
import type { Sql } from "postgres";
import type { LaneProbe } from "./lane-call.ts";

export async function probeEventProcessing(sql: Sql): Promise<LaneProbe> {
  const [row] = await sql<{ head: string; xmin: string; xmax: string }[]>`
    select head::text, xmin::text, xmax::text from public.event_processing_probe()`;
  return { head: row!.head, xmin: BigInt(row!.xmin), xmax: BigInt(row!.xmax) };
}
