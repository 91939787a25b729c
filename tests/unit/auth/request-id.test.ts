// Every API answer names its request (x-request-id): the one a proxy in front gave, or a new one.
import { describe, expect, it } from "vitest";
import { requestIdOf } from "../../../src/server/auth/signed-in-route.ts";

const request = (headers: Record<string, string> = {}) => new Request("http://127.0.0.1:3000/api/dashboard", { headers });

describe("requestIdOf", () => {
  it("keeps a proxy's id and makes a fresh one otherwise", () => {
    expect(requestIdOf(request({ "x-request-id": "edge-7f3a9c21b4" }))).toBe("edge-7f3a9c21b4");
    const made = requestIdOf(request());
    expect(made).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(requestIdOf(request())).not.toBe(made);
  });

  it("refuses an id that could smuggle anything into a log line", () => {
    for (const hostile of ["short", "id with spaces and more", "x".repeat(200), 'quote"d-id-value', "{json:injected}"]) {
      expect(requestIdOf(request({ "x-request-id": hostile })), hostile).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
});
