import { describe, expect, it } from "vitest";
import { vitalsPageOf, webVitalsBodySchema } from "../../../src/core/observability/web-vitals.ts";

describe("web vitals samples", () => {
  it("labels a sample with the app's section, never the full path", () => {
    const sectionOfPath = {
      "/dashboard?creator=abc": "dashboard",
      "/admin/history?kind=order&id=1": "admin",
      "/onboarding": "onboarding",
      "/sign-in": "sign-in",
      "/dashboards-of-someone-else": "other",
    };
    const labelled = Object.fromEntries(Object.keys(sectionOfPath).map((path) => [path, vitalsPageOf(path)]));
    expect(labelled).toEqual(sectionOfPath);
  });

  it("refuses unknown metrics, negative or absurd values and too many samples", () => {
    const sample = { metric: "LCP", value: 1200, path: "/dashboard" };
    expect(webVitalsBodySchema.safeParse({ samples: [sample], formFactor: "phone" }).success).toBe(true);
    expect(webVitalsBodySchema.safeParse({ samples: [{ ...sample, metric: "FID" }], formFactor: "phone" }).success).toBe(false);
    expect(webVitalsBodySchema.safeParse({ samples: [{ ...sample, value: -1 }], formFactor: "phone" }).success).toBe(false);
    expect(webVitalsBodySchema.safeParse({ samples: [{ ...sample, value: 1e9 }], formFactor: "phone" }).success).toBe(false);
    expect(webVitalsBodySchema.safeParse({ samples: Array.from({ length: 11 }, () => sample), formFactor: "phone" }).success).toBe(false);
    expect(webVitalsBodySchema.safeParse({ samples: [sample], formFactor: "watch" }).success).toBe(false);
  });
});
