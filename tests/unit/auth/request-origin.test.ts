// What a route handler's events say of the request behind them.
import { describe, expect, it } from "vitest";
import { eventMetadataSchema } from "../../../src/core/event-catalogue.ts";
import { requestOrigin } from "../../../src/server/auth/request-origin.ts";

const USER = "00000000-0000-4000-8000-0000000000a1";
const request = (headers: Record<string, string>) => new Request("http://localhost/api/inventory/SKU1/adjust", { method: "POST", headers });

describe("a route handler's event origin", () => {
  it("is an API call for a creator, with the request id, the user, the client address the proxy names and the browser", () => {
    const origin = requestOrigin(request({ "x-forwarded-for": "203.0.113.9, 10.0.0.1", "user-agent": "Mozilla/5.0 (X11)" }), "req-abcdefgh", { userId: USER, role: "creator" });
    expect(origin).toEqual({ source: "api_call", request_id: "req-abcdefgh", user_id: USER, source_ip: "203.0.113.9", user_agent: "Mozilla/5.0 (X11)" });
  });

  it("is the admin panel for an admin", () => {
    expect(requestOrigin(request({}), "req-abcdefgh", { userId: USER, role: "admin" })).toEqual({ source: "admin_panel", request_id: "req-abcdefgh", user_id: USER });
  });

  it("leaves out an address that is not one and cuts a long user agent, so the event is never refused for them", () => {
    const origin = requestOrigin(request({ "x-forwarded-for": "not-an-ip", "user-agent": "x".repeat(2_000) }), "req-abcdefgh", { userId: USER });
    expect(origin.source_ip).toBeUndefined();
    expect(origin.user_agent).toHaveLength(500);
    const stamped = { ...origin, creator_id: USER, priority: "normal", service_version: "0.1.0", environment: "test" };
    expect(eventMetadataSchema.safeParse(stamped).success).toBe(true);
  });
});
