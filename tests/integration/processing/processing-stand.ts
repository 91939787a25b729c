// What the processing tests run against: a database of the file's own (projections there
// start from an empty stream) and the stand-in serving the Edge Functions on it, woken by its
// database workers as production is. The saga is off: these files are about processing, and
// every order's saga would call a TikTok that is not there.
import { ownTestDatabase } from "../database.ts";
import { startFunctionsStandIn } from "../stand-in/stand-in-harness.ts";

export async function ownProcessingStand(name: string, portOffset: number) {
  const { url: databaseUrl, sql } = await ownTestDatabase(name, portOffset, { max: 12 });
  const standIn = await startFunctionsStandIn({ databaseUrl, databaseWorkers: true, tiktok: { appKey: "k", appSecret: "s" }, env: { FULFILMENT_SAGA: "off" } });
  return { sql, standIn };
}
