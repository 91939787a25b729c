import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  typedRoutes: false,
  // postgres.js opens raw sockets and keeps a pool per module instance; loading it from
  // node_modules (not bundled) keeps one copy of it on the server.
  serverExternalPackages: ["postgres"],
  // forbidden(): admin pages answer a creator with a real 403, as the admin APIs do.
  experimental: { authInterrupts: true },
};

export default nextConfig;
