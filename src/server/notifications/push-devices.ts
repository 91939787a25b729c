// A creator's devices for push notifications. Writes are the server's, scoped here to the
// signed-in creator (the API roles may only read, and RLS shows a creator only their own).
import type { Sql } from "postgres";
import { minutesOf, type SavePushDeviceBody } from "@/core/notifications/push-device.ts";

export async function savePushDevice(sql: Sql, creatorId: string, body: SavePushDeviceBody): Promise<void> {
  const { endpoint, keys } = body.subscription;
  const quietStart = body.quietHours ? minutesOf(body.quietHours.start) : null;
  const quietEnd = body.quietHours ? minutesOf(body.quietHours.end) : null;
  await sql.begin(async (tx) => {
    // A browser has one subscription whoever is signed in: once this creator has it, another
    // creator who held it before (signed in on the same browser) must get no more pushes on it.
    // Only the device itself knows its endpoint (a capability URL), so presenting it is proof enough.
    await tx`delete from public.push_subscriptions where endpoint = ${endpoint} and creator_id <> ${creatorId}`;
    await tx`
      insert into public.push_subscriptions (creator_id, endpoint, p256dh, auth, kinds, quiet_start_minute, quiet_end_minute, time_zone)
      values (${creatorId}, ${endpoint}, ${keys.p256dh}, ${keys.auth}, ${body.kinds}, ${quietStart}, ${quietEnd}, ${body.timeZone})
      on conflict (endpoint) do update set p256dh = excluded.p256dh, auth = excluded.auth, kinds = excluded.kinds,
        quiet_start_minute = excluded.quiet_start_minute, quiet_end_minute = excluded.quiet_end_minute,
        time_zone = excluded.time_zone, updated_at = now()`;
  });
}

/** Removes this creator's device; whether there was one. */
export async function removePushDevice(sql: Sql, creatorId: string, endpoint: string): Promise<boolean> {
  const removed = await sql`delete from public.push_subscriptions where endpoint = ${endpoint} and creator_id = ${creatorId}`;
  return removed.count > 0;
}
