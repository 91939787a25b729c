// A Core Web Vitals sample as a browser reports it (POST /api/vitals): the page is reduced
// to a few known sections so the metrics keep a small, fixed set of labels.
import { z } from "zod";

export const WEB_VITAL_METRICS = ["LCP", "INP", "CLS", "FCP", "TTFB"] as const;
export const VITALS_PAGES = ["dashboard", "onboarding", "admin", "sign-in", "other"] as const;
export type VitalsPage = (typeof VITALS_PAGES)[number];

export const webVitalsBodySchema = z.strictObject({
  samples: z
    .array(
      z.strictObject({
        metric: z.enum(WEB_VITAL_METRICS),
        value: z.number().finite().min(0).max(599_999),
        path: z.string().max(512),
      }),
    )
    .min(1)
    .max(10),
  formFactor: z.enum(["phone", "desktop"]),
});
export type WebVitalsBody = z.infer<typeof webVitalsBodySchema>;

export function vitalsPageOf(path: string): VitalsPage {
  const pathname = path.split(/[?#]/)[0] ?? "";
  if (pathname === "/dashboard" || pathname.startsWith("/dashboard/")) return "dashboard";
  if (pathname === "/onboarding" || pathname.startsWith("/onboarding/")) return "onboarding";
  if (pathname === "/admin" || pathname.startsWith("/admin/")) return "admin";
  if (pathname === "/sign-in") return "sign-in";
  return "other";
}
