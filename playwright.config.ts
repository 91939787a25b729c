// End-to-end tests in Debian's Chromium (never a downloaded browser) against a
// production build of the app and a throwaway embedded Postgres; see tests/e2e/global-setup.ts.
import { defineConfig } from "@playwright/test";

const appPort = Number(process.env.E2E_PORT ?? 3100);

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: "**/*.spec.ts",
  // The metadata sweep reads the whole store: it runs once every other spec has appended its events.
  projects: [
    { name: "e2e", testIgnore: "**/event-metadata-sweep.spec.ts" },
    { name: "metadata sweep", testMatch: "**/event-metadata-sweep.spec.ts", dependencies: ["e2e"] },
  ],
  outputDir: "test-results/e2e",
  globalSetup: "./tests/e2e/global-setup.ts",
  // The specs share one database and one server; running them one by one keeps counts exact.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${appPort}`,
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
});
