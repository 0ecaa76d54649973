import type { z } from "zod";
import { formatPath } from "../config.js";
import { type ParsedWebhook, type RecordChange, WebhookPayloadError } from "./types.js";

/**
 * Turning zod problems with a webhook body into one message that names each bad path
 * (`data.status: expected one of pending, …`), shared by every upstream's webhook parser.
 */

/** A `data` member parsed against the upstream resource's schema; problems name `data.…` paths. */
export function parseWebhookData<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw payloadError(parsed.error.issues, ["data"]);
  return parsed.data;
}

/** What an upstream's handler for one event type makes of the event's `data`. */
export interface EventMapping {
  change: RecordChange;
  stale: readonly string[];
}

export type EventHandler = (data: unknown) => EventMapping;

/** A webhook whose envelope is parsed, through its type's handler. */
export function parsedWebhook(
  handlers: ReadonlyMap<string, EventHandler>,
  event: { eventId: string | null; type: string; occurredAt: string; data: unknown },
): ParsedWebhook {
  const delivery = { eventId: event.eventId, sourceEventType: event.type, occurredAt: event.occurredAt };
  const handler = handlers.get(event.type);
  // A newer upstream may add event types: acknowledged, not published.
  if (!handler) return { ...delivery, changes: [], stale: [], ignored: `unknown event type ${event.type}` };
  const { change, stale } = handler(event.data);
  return { ...delivery, changes: [change], stale: [...stale] };
}

/** A body built for another resource fails on most fields: the first few say enough. */
const REPORTED_ISSUES = 3;

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  object: "an object",
  array: "an array",
};

export function payloadError(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[],
): WebhookPayloadError {
  const shown = issues.slice(0, REPORTED_ISSUES).map((issue) => describe(issue, [...prefix, ...issue.path]));
  const more = issues.length - shown.length;
  return new WebhookPayloadError(`${shown.join("; ")}${more > 0 ? ` (and ${more} more)` : ""}`);
}

function describe(issue: z.core.$ZodIssue, path: readonly PropertyKey[]): string {
  const where = formatPath(path);
  // An absent member fails its type or enum check; "missing" says what actually went wrong.
  const absent =
    issue.input === undefined && (issue.code === "invalid_type" || issue.code === "invalid_value");
  if (absent && path.length > 0) return `missing "${where}"`;
  switch (issue.code) {
    case "invalid_type":
      return `${where || "body"}: expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}`;
    case "invalid_value":
      return `${where}: expected one of ${issue.values.map(String).join(", ")}`;
    default:
      return `${where || "body"}: ${issue.message}`;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  return EXPECTED[typeof value] ?? typeof value;
}
