// Delivery of the rows realtime.send() inserts into realtime.messages: the bootstrap's
// NOTIFY trigger names each new row on the realtime_messages channel, and we LISTEN there
// (hosted Realtime reads the same rows by logical replication).
import type { Sql } from "postgres";
import type { ChannelRegistry } from "./channel-registry.ts";

const MESSAGE_ID = /^[0-9a-f-]{36}$/i;

/** Starts listening; resolves to the function that stops it. */
export async function listenForDatabaseBroadcasts(sql: Sql, registry: ChannelRegistry, log: (line: string) => void): Promise<() => Promise<void>> {
  const subscription = await sql.listen("realtime_messages", (id) => {
    deliverStoredMessage(sql, registry, id).catch((error: unknown) => log(`[stand-in realtime] delivery of message ${id} failed: ${String(error)}`));
  });
  return () => subscription.unlisten();
}

async function deliverStoredMessage(sql: Sql, registry: ChannelRegistry, id: string): Promise<void> {
  if (!MESSAGE_ID.test(id)) return;
  const [row] = await sql<{ topic: string; event: string | null; payload: unknown; private: boolean | null; extension: string }[]>`
    select topic, event, payload, private, extension from realtime.messages where id = ${id}`;
  if (!row || row.extension !== "broadcast") return;
  registry.deliverBroadcast(row.private !== false, row.topic, { userEvent: row.event ?? "", id, json: row.payload ?? {}, binary: false });
}
