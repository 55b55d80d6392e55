// Runs fixtures/README.md's fetch-stub snippet (a module path, the one argument), then calls
// fetch() as code under test would and prints what it got: { status, headers, text } as JSON.
// Node's own fetch is replaced first by one that fails, so only the snippet's stub can answer.
import { pathToFileURL } from 'node:url';

globalThis.fetch = async () => {
  throw new Error('the real fetch was called: the snippet did not stub it');
};
await import(pathToFileURL(process.argv[2]).href);
const response = await fetch('http://127.0.0.1:4010/meetings', { method: 'POST', body: '{}' });
console.log(JSON.stringify({ status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() }));
