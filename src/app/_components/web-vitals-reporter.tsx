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
      void fetch("/api/vitals", { method: "POST", headers: { "content-type": "application/json" }, body, keepalive: true }).catch(() => undefined);
    };
    const flushWhenHidden = () => {
      if (document.visibilityState === "hidden") flush();
    };
    document.addEventListener("visibilitychange", flushWhenHidden);
    // Leaving the page: web-vitals reports on the same event, so it goes after its listeners.
    window.addEventListener("pagehide", flush);
    return () => {
      document.removeEventListener("visibilitychange", flushWhenHidden);
      window.removeEventListener("pagehide", flush);
    };
  }, []);
  return null;
}
