// Web Push with VAPID through the web-push library: it signs the VAPID JWT and encrypts the
// payload for the device (aes128gcm, RFC 8291); the request goes out with fetch, so any push
// service URL works (and its status comes back as it is: 404/410 remove the device).
import webpush from "web-push";
import type { SendPush } from "../../../src/core/notifications/alert-push-outbox.ts";

export interface VapidSettings {
  publicKey: string;
  privateKey: string;
  /** A mailto: or https: contact the push services can reach the sender at. */
  subject: string;
}

/** The VAPID settings from the environment, or null when push is not configured. */
export function vapidSettingsFromEnv(get: (name: string) => string | undefined): VapidSettings | null {
  const publicKey = get("WEB_PUSH_VAPID_PUBLIC_KEY");
  const privateKey = get("WEB_PUSH_VAPID_PRIVATE_KEY");
  if (!publicKey || !privateKey) return null;
  return { publicKey, privateKey, subject: get("WEB_PUSH_SUBJECT") ?? "mailto:notifications@creatorflow.invalid" };
}

/** Time a push service keeps an undelivered push: an alert a day old needs nobody now. */
const PUSH_TTL_SECONDS = 6 * 60 * 60;

export function webPushSender(vapid: VapidSettings, timeoutMs = 10_000): SendPush {
  return async (target, payload) => {
    const details = webpush.generateRequestDetails({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, payload, {
      vapidDetails: vapid,
      TTL: PUSH_TTL_SECONDS,
      urgency: "high",
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(details.headers)) headers.set(name, String(value));
    // The encrypted body (a Buffer): copied into a plain ArrayBuffer, which every runtime's fetch takes.
    const body = details.body ? new Uint8Array(details.body).buffer : null;
    const response = await fetch(details.endpoint, { method: details.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return { status: response.status };
  };
}
