// The app talks to the API as it would in production; the page's address says where the API is
// and which token to send (#api=...&token=...), as a login would.
const settings = new URLSearchParams(location.hash.slice(1));
const api = settings.get("api");
const auth = { Authorization: `Bearer ${settings.get("token")}` };

document.getElementById("start").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const answer = await fetch(`${api}/meetings`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ person_name: form.get("person_name"), scenario_id: Number(form.get("scenario_id")) }),
  });
  const body = await answer.json();
  const shown = document.getElementById("started");
  if (answer.status === 402) {
    shown.textContent = `Out of session minutes: ${body.error.message}`;
  } else if (!answer.ok) {
    shown.textContent = `Could not start it: ${body.error.message}`;
  } else {
    const { data, session_minutes_info: minutes } = body;
    shown.textContent = `Meeting ${data.id} started for ${data.person_name}: ${minutes.estimatedMinutes} minutes, ${minutes.remainingMinutes} left`;
  }
});

document.getElementById("open").addEventListener("submit", async (event) => {
  event.preventDefault();
  const id = new FormData(event.target).get("id");
  const answer = await fetch(`${api}/meetings/${id}`, { headers: auth });
  const shown = document.getElementById("meeting");
  if (answer.status === 404) {
    shown.textContent = `No meeting ${id}`;
  } else {
    const { data } = await answer.json();
    shown.textContent = `Meeting ${data.id}: ${data.person_name}, ${data.status}`;
  }
});
