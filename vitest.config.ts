import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The app's "@/..." imports (tsconfig paths), for the tests that load src/ modules.
const appAlias = { "@": fileURLToPath(new URL("./src", import.meta.url)) };

export default defineConfig({
  test: {
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
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
