"use client";

import { useReportWebVitals } from "next/web-vitals";
import { useEffect, useRef } from "react";

type Sample = { metric: "LCP" | "INP" | "CLS" | "FCP" | "TTFB"; value: number; path: string };
const REPORTED = new Set(["LCP", "INP", "CLS", "FCP", "TTFB"]);

/**
 * Sends this session's Core Web Vitals to POST /api/vitals (rendered for signed-in users
 * only): collected as the browser settles them, sent in one request when the page is hidden
 * (LCP, CLS and INP are final only then), as web-vitals recommends.
 */
export function WebVitalsReporter() {
  const samples = useRef<Sample[]>([]);
  useReportWebVitals((metric) => {
    if (!REPORTED.has(metric.name)) return;
    // A metric reported again (CLS, INP grow) replaces its earlier value.
    samples.current = [...samples.current.filter((sample) => sample.metric !== metric.name), { metric: metric.name as Sample["metric"], value: metric.value, path: location.pathname }];
  });
  useEffect(() => {
    const flush = () => {
      if (samples.current.length === 0) return;
      const body = JSON.stringify({ samples: samples.current.slice(0, 10), formFactor: matchMedia("(pointer: coarse) and (max-width: 900px)").matches ? "phone" : "desktop" });
      samples.current = [];
      // keepalive: sent even as the page goes away; the service worker leaves /api/* to the browser (src/service-worker/sw.ts).
      void fetch("/api/vitals", { method: "POST", headers: { "content-type": "application/json" }, body, keepalive: true }).catch(() => undefined);
    };
    // Hidden is also how a page that is left ends (after pagehide, which would be too early: web-vitals
    // settles LCP and CLS on this same event, in its listener on window, which runs before this one).
    const flushWhenHidden = () => {
      if (document.visibilityState === "hidden") flush();
    };
    document.addEventListener("visibilitychange", flushWhenHidden);
    return () => document.removeEventListener("visibilitychange", flushWhenHidden);
  }, []);
  return null;
}
