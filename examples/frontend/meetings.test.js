// A frontend project's API test, run against the mock that `npm test` started (see package.json).
import assert from "node:assert/strict";
import { test } from "node:test";

const base = `http://127.0.0.1:${process.env.MOCK_PORT ?? 4010}`;
const auth = { Authorization: `Bearer ${process.env.MOCK_TOKEN ?? "dev-token"}` };

test("a meeting created on the mock reads back", async () => {
  const created = await fetch(`${base}/meetings`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ person_name: "Ada Lovelace", scenario_id: 456 }),
  });
  assert.equal(created.status, 200);
  const { data } = await created.json();

  const read = await fetch(`${base}/meetings/${data.id}`, { headers: auth });
  assert.equal(read.status, 200);
  assert.equal((await read.json()).data.person_name, "Ada Lovelace");
});

test("a wrong token is refused", async () => {
  const answer = await fetch(`${base}/meetings/789`, { headers: { Authorization: "Bearer not-the-token" } });
  assert.equal(answer.status, 401);
});
