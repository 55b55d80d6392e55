// Run in parallel workers, each test in a sandbox of its own: the same meeting id holds another
// person for each, every test's ids start at 1002 (the first after seed.yaml's 1001), and its
// balance is its own. With one world for all, these tests would see each other's data and fail.
import { MOCK, expect, test } from "./fixtures.js";

/** A meeting as GET /meetings/{id} answers it, for a test to seed. */
const MEETING = {
  id: 2000,
  room_url: "https://waterrai.daily.co/seeded2000",
  room_token: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2lnbmF0dXJl",
  scenario_id: 900,
  status: "ended",
  meeting_type: "regular",
  created_at: "2024-03-01T09:00:00Z",
  updated_at: "2024-03-01T09:45:00Z",
};

for (const name of ["Ada Lovelace", "Grace Hopper", "Katherine Johnson", "Margaret Hamilton"]) {
  test(`the app shows the meeting this test seeded: ${name}`, async ({ mock, app }) => {
    await mock.seed({ meetings: [{ ...MEETING, person_name: name }] });
    await app.getByLabel("Meeting id").fill("2000");
    await app.getByRole("button", { name: "Open" }).click();
    await expect(app.getByTestId("meeting")).toHaveText(`Meeting 2000: ${name}, ended`);
  });
}

test("new meetings get the ids after the seeds' and spend this sandbox's minutes", async ({ app }) => {
  await app.getByLabel("Person").fill("Dorothy Vaughan");
  await app.getByRole("button", { name: "Start a meeting" }).click();
  await expect(app.getByTestId("started")).toHaveText("Meeting 1002 started for Dorothy Vaughan: 15 minutes, 75 left");
  await app.getByRole("button", { name: "Start a meeting" }).click();
  await expect(app.getByTestId("started")).toHaveText("Meeting 1003 started for Dorothy Vaughan: 15 minutes, 60 left");
});

test("the out-of-minutes screen, from a balance this test seeded", async ({ mock, app }) => {
  await mock.seed({ balance: 10 });
  await app.getByLabel("Person").fill("Mary Jackson");
  await app.getByRole("button", { name: "Start a meeting" }).click();
  await expect(app.getByTestId("started")).toHaveText(/^Out of session minutes: The meeting needs 15 session minutes but the account has 10 left/);
});

test("a meeting made with another token is not there", async ({ mock, request, token }) => {
  const created = await request.post(`${MOCK}/meetings`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { person_name: "Annie Easley", scenario_id: 900 },
  });
  expect(created.status()).toBe(200);
  const { data } = await created.json();
  expect((await mock.read(data.id)).status()).toBe(200);
  expect((await mock.read(data.id, `${token}-someone-else`)).status()).toBe(404);
});
