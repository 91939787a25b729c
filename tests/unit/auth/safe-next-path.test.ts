// After signing in, `?next=` may only lead to a page of this app.
import { describe, expect, it } from "vitest";
import { safeNextPath } from "../../../src/lib/auth/safe-next-path.ts";

describe("safeNextPath", () => {
  it("keeps a path of this app with its query and fragment", () => {
    expect(safeNextPath("/admin/conflicts?creator=abc#row-3")).toBe("/admin/conflicts?creator=abc#row-3");
  });

  it.each([
    ["/\\evil.example", "a backslash browsers read as a slash"],
    ["//evil.example/path", "a protocol-relative URL"],
    ["/\t/evil.example", "a tab browsers drop"],
    ["/\n/evil.example", "a newline browsers drop"],
    ["https://evil.example/", "an absolute URL"],
    ["javascript:alert(1)", "a script URL"],
    ["dashboard", "a relative path"],
  ])("sends %j (%s) to the dashboard instead", (next) => {
    expect(safeNextPath(next)).toBe("/dashboard");
  });

  it("falls back when nothing is asked for", () => {
    expect(safeNextPath(null)).toBe("/dashboard");
    expect(safeNextPath("", "/admin")).toBe("/admin");
  });
});
