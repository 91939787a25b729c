// Builds the service worker (src/service-worker/sw.ts) into public/sw.js with Serwist, after
// `next build`: Serwist's Next.js configurator reads the build output for the precache
// manifest, and esbuild bundles the worker. Next.js 16 builds with Turbopack, which Serwist's
// webpack plugin cannot hook into; this is Serwist's way for it (the same as `serwist build`,
// without the CLI's update check).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { runBuildCommand } from "@serwist/cli";
import { serwist } from "@serwist/next/config";

const root = path.resolve(import.meta.dirname, "..");

const config = await serwist({
  globDirectory: root,
  swSrc: path.join(root, "src/service-worker/sw.ts"),
  swDest: path.join(root, "public/sw.js"),
  // No prerendered pages: every page carries who is signed in. The offline fallback is
  // public/offline.html, named as it is served (the configurator would turn it into
  // "/public/offline", a URL that does not exist).
  precachePrerendered: false,
  globIgnores: ["public/offline.html"],
  additionalPrecacheEntries: [{ url: "/offline.html", revision: createHash("sha256").update(readFileSync(path.join(root, "public/offline.html"))).digest("hex").slice(0, 16) }],
}, undefined, { cwd: root, isDev: false });
await runBuildCommand({ config, watch: false });
