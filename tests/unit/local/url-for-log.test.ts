// Request URLs in the local stack's error logs never carry a credential.
import { describe, expect, it } from "vitest";
import { urlForLog } from "../../../supabase/local/stand-in/http-io.ts";

describe("urlForLog", () => {
  it("replaces the values of credential parameters and keeps the rest", () => {
    const anonKey = "eyJhbGciOiJFUzI1NiJ9.payload.signature";
    const logged = urlForLog(`/realtime/v1/websocket?apikey=${anonKey}&vsn=2.0.0&access_token=abc&code=oauth-code`);
    expect(logged).toBe("/realtime/v1/websocket?apikey=[redacted]&vsn=2.0.0&access_token=[redacted]&code=[redacted]");
    expect(logged).not.toContain(anonKey);
  });

  it("matches parameter names whatever their case, and leaves a URL without query alone", () => {
    expect(urlForLog("/auth/v1/token?APIKEY=secret-value&grant_type=password")).toBe("/auth/v1/token?APIKEY=[redacted]&grant_type=password");
    expect(urlForLog("/auth/v1/user")).toBe("/auth/v1/user");
  });
});
