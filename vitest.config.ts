import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The app's "@/..." imports (tsconfig paths), for the tests that load src/ modules.
const appAlias = { "@": fileURLToPath(new URL("./src", import.meta.url)) };

export default defineConfig({
  test: {
    // Vitest's default (one fewer than the cores) leaves a two-core machine one worker: at least
    // two, so the unit specs run beside the integration files, which wait on Postgres and Deno
    // more than they compute. Larger machines keep the default.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        resolve: { alias: appAlias },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts", "tests/unit/**/*.test.tsx"],
          environment: "node",
          setupFiles: ["tests/setup/testing-library.ts"],
        },
      },
      {
        // Route handlers' server modules (src/server) import with "@/..." too.
        resolve: { alias: appAlias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/setup/database.ts"],
          // One file at a time: the files share one database, and several assert on the global
          // stream or on every consumer's checkpoint.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
