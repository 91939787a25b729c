"use client";

import { useEffect } from "react";

/**
 * Registers the service worker (public/sw.js, built by scripts/build-service-worker.ts) once
 * the page has loaded. On the first visit the page loaded before the worker existed, so when
 * the worker takes it over it is asked to keep a copy of this page (the dashboard then opens
 * offline without a second visit).
 */
export function ServiceWorkerRegistration() {
  useEffect(() => {
    if (process.env.NODE_ENV !== "production" || !("serviceWorker" in navigator)) return;
    if (navigator.serviceWorker.controller === null) {
      navigator.serviceWorker.addEventListener(
        "controllerchange",
        () => navigator.serviceWorker.controller?.postMessage({ type: "CACHE_URLS", payload: { urlsToCache: [[location.href, { headers: { accept: "text/html" } }]] } }),
        { once: true },
      );
    }
    const register = () => void navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
    if (document.readyState === "complete") register();
    else window.addEventListener("load", register, { once: true });
  }, []);
  return null;
}
