import { withCreator } from "@/server/auth/with-creator.ts";

// GET /api/push/config - the VAPID public key a device subscribes with (null: push is not configured)
export const GET = withCreator(async () => {
  const publicKey = process.env.WEB_PUSH_VAPID_PUBLIC_KEY ?? null;
  return Response.json({ publicKey }, { headers: { "Cache-Control": "no-store" } });
});
