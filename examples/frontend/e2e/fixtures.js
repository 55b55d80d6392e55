// What every test gets: a token no other test uses (so, with --sandboxes, a world of its own),
// the mock's seed and reset routes for that token, and the app in Chromium, talking to the mock.
import { test as base, expect } from "@playwright/test";

export { expect };
export const MOCK = `http://127.0.0.1:${process.env.MOCK_PORT ?? 4010}`;
/** The app's dev server (app/serve.js), on an origin of its own: its calls to the mock are cross-origin. */
export const APP = `http://127.0.0.1:${process.env.APP_PORT ?? 5173}`;

class Mock {
  constructor(request, token) {
    this.request = request;
    this.token = token;
    this.headers = { Authorization: `Bearer ${token}` };
  }

  /** Put this test's own data into its sandbox (the seed file's stays below it). */
  async seed(document) {
    const answer = await this.request.post(`${MOCK}/__mock/seed`, { headers: this.headers, data: document });
    expect(answer.status(), await answer.text()).toBe(200);
  }

  /** Back to the seed file alone: what a test starts from, even on a mock a run before used. */
  async forgetSeeds() {
    const answer = await this.request.delete(`${MOCK}/__mock/seed`, { headers: this.headers });
    expect(answer.status(), await answer.text()).toBe(200);
  }

  async read(id, token = this.token) {
    return this.request.get(`${MOCK}/meetings/${id}`, { headers: { Authorization: `Bearer ${token}` } });
  }
}

export const test = base.extend({
  token: async ({}, use, testInfo) => {
    await use(`e2e-${testInfo.testId}-${testInfo.retry}`);
  },
  mock: async ({ request, token }, use) => {
    const mock = new Mock(request, token);
    await mock.forgetSeeds();
    await use(mock);
  },
  app: async ({ page, token, mock }, use) => {
    await page.goto(`${APP}/#api=${encodeURIComponent(MOCK)}&token=${encodeURIComponent(token)}`);
    await use(page);
  },
});
