// The metadata of events a route handler appends: a creator's call is `api_call`, an
// admin's (the admin panel, or acting for a creator) `admin_panel`; with the request's id, the user, and the
// client's address and browser as the request tells them. The address is the proxy's
// x-forwarded-for: a record of what was claimed, never used to decide anything.
import { z } from "zod";
import type { EventOrigin } from "@/core/event-catalogue.ts";
import type { SignedInUser } from "./session.ts";

const ipSchema = z.union([z.ipv4(), z.ipv6()]);
const MAX_USER_AGENT = 500;

export function requestOrigin(request: Request, requestId: string, user: Pick<SignedInUser, "userId"> & Partial<Pick<SignedInUser, "role">>): EventOrigin {
  const forwardedFor = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() ?? request.headers.get("x-real-ip")?.trim();
  const sourceIp = ipSchema.safeParse(forwardedFor);
  const userAgent = request.headers.get("user-agent");
  const userId = z.uuid().safeParse(user.userId);
  return {
    source: user.role === "admin" ? "admin_panel" : "api_call",
    request_id: requestId,
    ...(userId.success ? { user_id: userId.data } : {}),
    ...(sourceIp.success ? { source_ip: sourceIp.data } : {}),
    ...(userAgent ? { user_agent: userAgent.slice(0, MAX_USER_AGENT) } : {}),
  };
}
