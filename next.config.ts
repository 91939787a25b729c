import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  typedRoutes: false,
  // postgres.js opens raw sockets and keeps a pool per module instance; loading it from
  // node_modules (not bundled) keeps one copy of it on the server.
  // The OpenTelemetry Node SDK (src/instrumentation.ts) is loaded from node_modules too: it and
  // its exporters are Node libraries that gain nothing from bundling.
  serverExternalPackages: ["postgres", "@opentelemetry/sdk-node"],
  // forbidden(): admin pages answer a creator with a real 403, as the admin APIs do.
  // The proxy (session refresh) buffers a request's body before any route sees it; every body
  // the app accepts is small (src/server/auth/write-guard.ts), so buffer no more than that.
  experimental: { authInterrupts: true, proxyClientMaxBodySize: "16kb" },
};

export default nextConfig;
