// Runs fixtures/README.md's Playwright snippets in Debian's Chromium, then has the page fetch()
// each fixture's request as a browser app would (JSON.stringify of its body) and reports what came
// back. Called by tests/test_fixtures_in_tools.py with one argument, a JSON file:
//   { chromium, pageUrl, runs: [{ name, env, snippets: [module paths], requests: [{ id, base, fixture, token? }] }] }
// (token: sent in place of the fixture's own Authorization value, where it has one)
// Prints [{ name, results: [{ id, status, contentType, text } | { id, error }] }] as JSON.
// Each run gets a fresh context and page. A request the snippets' routes pass on (notFound:
// 'fallback') meets a catch-all route registered first, which answers 599: nothing reaches the
// network, so a server on the HAR's port (someone's `make mock`) cannot answer in the HAR's place.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const NOT_FROM_HAR = 599;
const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const browser = await chromium.launch({
  executablePath: config.chromium,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function fetchAll(requests) {
  // In the page: the fixture file as an app would import it, its body sent as JSON.stringify writes it.
  const out = [];
  for (const { id, base, fixture, token } of requests) {
    const { request } = JSON.parse(fixture);
    const init = { method: request.method, headers: request.headers };
    if (token && 'Authorization' in request.headers) init.headers = { ...request.headers, Authorization: token };
    if ('body' in request) init.body = JSON.stringify(request.body);
    else if ('bodyText' in request) init.body = request.bodyText;
    try {
      const response = await fetch(base + request.path, init);
      out.push({ id, status: response.status, contentType: response.headers.get('content-type'), text: await response.text() });
    } catch (error) {
      out.push({ id, error: String(error) });
    }
  }
  return out;
}

const report = [];
try {
  for (const [n, run] of config.runs.entries()) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.route(() => true, (route) =>
      route.request().url() === config.pageUrl
        ? route.continue()
        : route.fulfill({ status: NOT_FROM_HAR, contentType: 'text/plain', body: `not answered from a HAR: ${route.request().method()} ${route.request().url()}` }));
    await page.goto(config.pageUrl);
    Object.assign(process.env, run.env ?? {});
    globalThis.page = page;
    for (const snippet of run.snippets) await import(`${pathToFileURL(snippet)}?run=${n}`);
    report.push({ name: run.name, results: await page.evaluate(fetchAll, run.requests) });
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
