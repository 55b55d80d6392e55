/**
 * Frontend code written against the types openapi-typescript makes from the kit's spec:
 *
 *     npx openapi-typescript openapi/meetings.yaml --default-non-nullable false -o src/api/meetings.d.ts
 *
 * make test generates `api/meetings.d.ts` beside a copy of this file and type-checks both with
 * `tsc --strict`: every field the docs show must be typed as present (a required field typed as
 * optional fails the assignments below), every constant as its literal, and a request body must
 * ask for no more than the docs require. Each `@ts-expect-error` line must stay an error: if the
 * types grew looser, tsc reports the directive as unused.
 */
import type { components, paths } from "./api/meetings";

type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;

export type CreateMeetingBody = Json<paths["/meetings"]["post"]["requestBody"]>;
export type CreateMeetingAnswer = Json<paths["/meetings"]["post"]["responses"][200]>;
export type DynamicMeetingBody = Json<paths["/meetings/create-dynamic-meeting"]["post"]["requestBody"]>;
export type DynamicMeetingAnswer = Json<paths["/meetings/create-dynamic-meeting"]["post"]["responses"][200]>;
export type MeetingAnswer = Json<paths["/meetings/{id}"]["get"]["responses"][200]>;
export type ApiError = components["schemas"]["Error"];

const BASE_URL = "http://127.0.0.1:4010";

async function send<Answer>(token: string, method: "GET" | "POST", path: string, body?: object): Promise<Answer | ApiError> {
  const response = await fetch(BASE_URL + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as Answer | ApiError;
}

function failed<Answer extends object>(answer: Answer | ApiError): answer is ApiError {
  return "error" in answer;
}

// Request bodies: only what the docs require; every default is optional.
const docsRequest: CreateMeetingBody = {
  person_name: "John Doe",
  scenario_id: 456,
  meeting_type: "regular",
  language: "English",
  meeting_duration_minutes: 35,
  allow_recording: true,
  deep_think: false,
};
const minimal: CreateMeetingBody = { person_name: "John Doe", scenario_id: 456 };
// @ts-expect-error person_name is required by POST /meetings
const nameless: CreateMeetingBody = { scenario_id: 456 };
// @ts-expect-error meeting_type takes only the documented values
const webinar: CreateMeetingBody = { person_name: "John Doe", scenario_id: 456, meeting_type: "webinar" };
const anonymous: DynamicMeetingBody = { scenario_id: 456 };
const known: DynamicMeetingBody = {
  scenario_id: 456,
  email: "jane.smith@example.com",
  first_name: "Jane",
  last_name: "Smith",
  max_participants: null,
  user_metadata: { company: "Acme Inc", role: "Sales Manager", seats: 12 },
};
// @ts-expect-error scenario_id is required by POST /meetings/create-dynamic-meeting
const scenarioless: DynamicMeetingBody = { email: "jane.smith@example.com" };

export interface Joined {
  id: number;
  roomUrl: string;
  roomToken: string;
  createdAt: string;
  minutesLeft: number;
}

export async function startMeeting(token: string): Promise<Joined | string> {
  const answer = await send<CreateMeetingAnswer>(token, "POST", "/meetings", minimal);
  if (failed(answer)) return answer.error.message;
  const success: true = answer.success;
  const name: string = answer.data.person_name;
  const scenario: number = answer.data.scenario_id;
  const status: string = answer.data.status;
  const kind: "regular" | "end-user" = answer.data.meeting_type;
  const estimated: number = answer.session_minutes_info.estimatedMinutes;
  // @ts-expect-error a create's answer need not carry updated_at (the docs' one has none)
  const updated: string = answer.data.updated_at;
  console.log(success, name, scenario, status, kind, estimated, updated);
  return {
    id: answer.data.id,
    roomUrl: answer.data.room_url,
    roomToken: answer.data.room_token,
    createdAt: answer.data.created_at,
    minutesLeft: answer.session_minutes_info.remainingMinutes,
  };
}

export async function startForEndUser(token: string): Promise<string> {
  const answer = await send<DynamicMeetingAnswer>(token, "POST", "/meetings/create-dynamic-meeting", known);
  if (failed(answer)) return answer.error.message;
  const kind: "end-user" = answer.data.meeting_type;
  const id: number = answer.data.id;
  const room: string = answer.data.room_url;
  const roomToken: string = answer.data.room_token;
  const scenarioName: string = answer.data.scenario.name;
  const scenarioLink: string = answer.data.scenario.scenario_link;
  const userId: number = answer.data.end_user.id;
  const membership: number = answer.data.end_user.membership_id;
  const email: string | null = answer.data.end_user.email;
  const firstName: string | null = answer.data.end_user.first_name;
  // @ts-expect-error an anonymous end user has no email: the type must keep null
  const alwaysEmail: string = answer.data.end_user.email;
  const remaining: number = answer.session_minutes_info.remainingMinutes;
  console.log(kind, id, room, roomToken, scenarioName, scenarioLink, userId, membership, email, firstName, alwaysEmail, remaining);
  return `${answer.meeting_url} ${answer.scenario_url}`;
}

export async function readMeeting(token: string, id: number): Promise<string> {
  const answer = await send<MeetingAnswer>(token, "GET", `/meetings/${id}`);
  if (failed(answer)) {
    const code: string = answer.error.code;
    const fields: string[] = (answer.error.details ?? []).map((detail) => `${detail.field}: ${detail.rule}`);
    return `${code} ${fields.join(", ")}`;
  }
  const status: "success" = answer.status;
  const meeting = answer.data;
  const created: string = meeting.created_at;
  const updated: string = meeting.updated_at;
  const kind: "regular" | "end-user" = meeting.meeting_type;
  const state: string = meeting.status;
  return `${status} ${meeting.id} ${meeting.room_url} ${meeting.room_token} ${meeting.person_name} ${meeting.scenario_id} ${kind} ${state} ${created} ${updated}`;
}

export const requests = { docsRequest, minimal, nameless, webinar, anonymous, known, scenarioless };
