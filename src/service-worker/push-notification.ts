// A push's payload (src/core/notifications/pushed-alert.ts) as the notification the service
// worker shows. A payload that is not one of ours shows nothing.
import type { PushedAlert } from "../core/notifications/pushed-alert.ts";

export type { PushedAlert };

export interface NotificationToShow {
  title: string;
  options: NotificationOptions;
}

export function notificationFromPush(text: string | null): NotificationToShow | null {
  if (!text) return null;
  let payload: Partial<PushedAlert>;
  try {
    payload = JSON.parse(text) as Partial<PushedAlert>;
  } catch {
    return null;
  }
  if (typeof payload.alertId !== "string" || typeof payload.title !== "string" || typeof payload.body !== "string" || typeof payload.url !== "string") return null;
  return {
    title: payload.title,
    options: {
      body: payload.body,
      // One notification per alert, even if the push service delivers it twice.
      tag: `alert-${payload.alertId}`,
      icon: "/icons/icon-192.png",
      badge: "/icons/badge-96.png",
      timestamp: typeof payload.openedAt === "string" ? Date.parse(payload.openedAt) : undefined,
      data: { alertId: payload.alertId, kind: payload.kind, url: payload.url },
    } as NotificationOptions,
  };
}
