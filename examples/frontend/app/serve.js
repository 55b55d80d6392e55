// The app's own dev server (a stand-in for Vite's): its two files, on 127.0.0.1:$APP_PORT.
// The app is on another origin than the mock, as in development: its calls are cross-origin.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";

const files = { "/": ["index.html", "text/html"], "/app.js": ["app.js", "text/javascript"] };
const port = Number(process.env.APP_PORT ?? 5173);

createServer(async (request, response) => {
  const found = files[new URL(request.url, "http://app").pathname];
  if (!found) {
    response.writeHead(404).end();
    return;
  }
  const body = await readFile(new URL(found[0], import.meta.url));
  response.writeHead(200, { "Content-Type": `${found[1]}; charset=utf-8` }).end(body);
}).listen(port, "127.0.0.1");
