// Playwright Test against the mock, in parallel workers: each test gets a token of its own, and
// with `waterrai-mock --sandboxes` a world of its own (seed.yaml, then what the test seeds).
// Debian's Chromium (apt-get install chromium), or the one $CHROMIUM names: no browser download.
import { defineConfig } from "@playwright/test";

const port = process.env.MOCK_PORT ?? "4010";

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  reporter: "list",
  outputDir: process.env.PLAYWRIGHT_OUTPUT_DIR ?? "test-results", // traces and screenshots of failures
  use: {
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  // Starts the mock for the run (package.json's mock:sandboxes) and the app's dev server, and
  // stops both after; a mock already answering on the port is used instead when MOCK_REUSE is set.
  webServer: [
    {
      command: "npm run --silent mock:sandboxes",
      url: `http://127.0.0.1:${port}/__mock/health`,
      reuseExistingServer: Boolean(process.env.MOCK_REUSE),
      gracefulShutdown: { signal: "SIGTERM", timeout: 5000 },
      timeout: 30_000,
    },
    {
      command: "node app/serve.js",
      url: `http://127.0.0.1:${process.env.APP_PORT ?? 5173}/`,
      gracefulShutdown: { signal: "SIGTERM", timeout: 5000 },
    },
  ],
});
