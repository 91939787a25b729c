import { removePushDeviceBodySchema, savePushDeviceBodySchema } from "@/core/notifications/push-device.ts";
import { ApiError } from "@/server/auth/api-error.ts";
import { withCreator } from "@/server/auth/with-creator.ts";
import { readJsonBody } from "@/server/auth/write-guard.ts";
import { databaseClient } from "@/server/database.ts";
import { removePushDevice, savePushDevice } from "@/server/notifications/push-devices.ts";

// PUT /api/push/devices - turn notifications on for this device, or change its kinds and quiet hours
export const PUT = withCreator(async ({ request, creatorId }) => {
  const body = savePushDeviceBodySchema.safeParse(await readJsonBody(request));
  if (!body.success) {
    throw new ApiError("bad_request", "Send { subscription: { endpoint, keys: { p256dh, auth } }, kinds, quietHours: { start, end } | null, timeZone }");
  }
  await savePushDevice(databaseClient(), creatorId, body.data);
  return Response.json({ kinds: body.data.kinds, quietHours: body.data.quietHours, timeZone: body.data.timeZone }, { headers: { "Cache-Control": "no-store" } });
});

// DELETE /api/push/devices - turn notifications off for this device
export const DELETE = withCreator(async ({ request, creatorId }) => {
  const body = removePushDeviceBodySchema.safeParse(await readJsonBody(request));
  if (!body.success) throw new ApiError("bad_request", "Send { endpoint } of this device's push subscription");
  const removed = await removePushDevice(databaseClient(), creatorId, body.data.endpoint);
  return Response.json({ removed }, { headers: { "Cache-Control": "no-store" } });
});
