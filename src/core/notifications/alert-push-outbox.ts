// Pushes for alerts, through an outbox: the alerts projection queues one row per alert
// worth a push in the transaction that opens it (queueAlertPushes), and the process-events
// function's fulfilment lane, the one that calls out, sends them (deliverQueuedPushes).
// At most once: a row is claimed (committed) before any send, so a crash mid-send loses
// that push rather than repeating it; the alert id is the row's key, so no replay queues
// an alert twice. The push itself goes through the SendPush port (Web Push with VAPID,
// supabase/functions/_shared/web-push.ts).
import type { Sql } from "postgres";
import type { Alert } from "../projections/alerts.ts";
import { pushedAlertFor, type PushedAlert, type PushKind } from "./pushed-alert.ts";
import { isWithinQuietHours } from "./quiet-hours.ts";

/** An alert older than this when its event is processed needs nobody now (a backlog, a rebuild). */
export const PUSH_FRESHNESS_MS = 60 * 60 * 1000;

/** A device's push subscription, as the push service gave it to the browser. */
export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** Sends one encrypted push; answers the push service's HTTP status, throws when it cannot be reached. */
export type SendPush = (target: PushTarget, payload: string) => Promise<{ status: number }>;

/** Queues the newly opened alerts that are worth a push; called in the projection's transaction. */
export async function queueAlertPushes(sql: Sql, alerts: readonly Alert[], now: Date): Promise<number> {
  const rows = alerts
    .filter((alert) => now.getTime() - alert.openedAt.getTime() <= PUSH_FRESHNESS_MS)
    .map((alert) => ({ alert, pushed: pushedAlertFor(alert) }))
    .filter((entry): entry is { alert: Alert; pushed: PushedAlert } => entry.pushed !== null)
    .map(({ alert, pushed }) => ({ alert_id: alert.id, creator_id: alert.creatorId, kind: pushed.kind, payload: pushed }));
  if (rows.length === 0) return 0;
  const queued = await sql`
    insert into public.alert_push_outbox (alert_id, creator_id, kind, payload)
    select x.alert_id, x.creator_id, x.kind, x.payload
      from jsonb_to_recordset(${sql.json(rows as never)}) as x(alert_id uuid, creator_id uuid, kind text, payload jsonb)
    on conflict (alert_id) do nothing`;
  return queued.count;
}

export interface PushDeliveryResult {
  alerts: number;
  delivered: number;
  /** Devices whose subscription the push service said is gone (404/410): removed. */
  removed: number;
  failed: number;
  /** Devices skipped for their quiet hours. */
  quiet: number;
}

interface ClaimedPush {
  alert_id: string;
  creator_id: string;
  kind: PushKind;
  payload: PushedAlert;
}

interface DeviceRow extends PushTarget {
  id: string;
  quiet_start_minute: number | null;
  quiet_end_minute: number | null;
  time_zone: string;
}

/** Claims queued pushes and sends each to its creator's devices that want its kind. */
export async function deliverQueuedPushes(options: { sql: Sql; send: SendPush; now?: () => Date; batchSize?: number }): Promise<PushDeliveryResult> {
  const { sql, send } = options;
  const now = options.now ?? (() => new Date());
  const total: PushDeliveryResult = { alerts: 0, delivered: 0, removed: 0, failed: 0, quiet: 0 };
  for (;;) {
    const claimed = await sql<ClaimedPush[]>`
      update public.alert_push_outbox set claimed_at = now()
       where alert_id in (select alert_id from public.alert_push_outbox where claimed_at is null order by queued_at limit ${options.batchSize ?? 50} for update skip locked)
      returning alert_id, creator_id, kind, payload`;
    if (claimed.length === 0) return total;
    for (const push of claimed) {
      const result = await deliverOne(sql, send, push, now());
      await sql`update public.alert_push_outbox set delivered = ${result.delivered}, removed = ${result.removed}, failed = ${result.failed} where alert_id = ${push.alert_id}`;
      total.alerts += 1;
      total.delivered += result.delivered;
      total.removed += result.removed;
      total.failed += result.failed;
      total.quiet += result.quiet;
    }
  }
}

async function deliverOne(sql: Sql, send: SendPush, push: ClaimedPush, now: Date): Promise<Omit<PushDeliveryResult, "alerts">> {
  const devices = await sql<DeviceRow[]>`
    select id, endpoint, p256dh, auth, quiet_start_minute, quiet_end_minute, time_zone
      from public.push_subscriptions where creator_id = ${push.creator_id} and ${push.kind} = any (kinds)`;
  const result = { delivered: 0, removed: 0, failed: 0, quiet: 0 };
  const payload = JSON.stringify(push.payload);
  await Promise.all(
    devices.map(async (device) => {
      const quiet = device.quiet_start_minute === null || device.quiet_end_minute === null ? null : { startMinute: device.quiet_start_minute, endMinute: device.quiet_end_minute, timeZone: device.time_zone };
      if (isWithinQuietHours(now, quiet)) {
        result.quiet += 1;
        return;
      }
      const status = await send(device, payload).then(
        (answer) => answer.status,
        () => null,
      );
      if (status !== null && status >= 200 && status < 300) {
        result.delivered += 1;
        await sql`update public.push_subscriptions set last_push_at = now() where id = ${device.id}`;
      } else if (status === 404 || status === 410) {
        // The browser unsubscribed or the subscription expired: it will never accept a push again.
        result.removed += 1;
        await sql`delete from public.push_subscriptions where id = ${device.id}`;
      } else {
        result.failed += 1;
      }
    }),
  );
  return result;
}
