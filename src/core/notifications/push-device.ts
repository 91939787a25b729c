// What a device sends to turn notifications on or change them: its push subscription (as
// PushSubscription.toJSON() gives it), the kinds it wants and its quiet hours.
import { z } from "zod";
import { PUSH_KINDS } from "./pushed-alert.ts";
import { isKnownTimeZone } from "./quiet-hours.ts";

const base64url = (min: number, max: number) => z.string().regex(/^[A-Za-z0-9_-]+$/).min(min).max(max);
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time as HH:MM");

export const pushEndpointSchema = z.url({ protocol: /^https?$/ }).max(2048);

export const savePushDeviceBodySchema = z.strictObject({
  subscription: z.object({
    endpoint: pushEndpointSchema,
    keys: z.object({ p256dh: base64url(80, 100), auth: base64url(16, 32) }),
  }),
  kinds: z.array(z.enum(PUSH_KINDS)).max(PUSH_KINDS.length).transform((kinds) => [...new Set(kinds)]),
  quietHours: z.strictObject({ start: clockTime, end: clockTime }).nullable(),
  timeZone: z.string().max(64).refine(isKnownTimeZone, "an IANA time zone such as Europe/Paris"),
});
export type SavePushDeviceBody = z.infer<typeof savePushDeviceBodySchema>;

export const removePushDeviceBodySchema = z.strictObject({ endpoint: pushEndpointSchema });

/** "22:30" as minutes after midnight. */
export function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(":").map(Number);
  return hours! * 60 + minutes!;
}
