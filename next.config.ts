import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  typedRoutes: false,
  // postgres.js opens raw sockets and keeps a pool per module instance; loading it from
  // node_modules (not bundled) keeps one copy of it on the server.
  serverExternalPackages: ["postgres"],
};

export default nextConfig;
