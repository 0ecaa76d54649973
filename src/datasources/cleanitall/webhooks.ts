import { z } from "zod";
import {
  type EventType,
  type RecordChange,
  type WebhookParser,
  WebhookPayloadError,
} from "../../events/types.js";
import { refOf, type UnifiedNode } from "../unified.js";
import { toUnifiedCustomer, toUnifiedInvoice, toUnifiedJob, toUnifiedPayment } from "./mappers.js";
import { customerRecord, datetime, invoiceRecord, jobRecord, paymentRecord } from "./records.js";

/**
 * CleanItAll webhook bodies (upstreams/cleanitall.md §8) -> unified events. The body has been
 * verified by the receiver; `data` is the full resource after the change, mapped exactly like the
 * read path maps it, so an event's record equals what a GraphQL read returns.
 *
 * | CleanItAll event    | unified event     | stale cached GETs       |
 * | ------------------- | ----------------- | ----------------------- |
 * | `job.created`       | JOB_CREATED       | /jobs                   |
 * | `job.updated`       | JOB_UPDATED       | /jobs                   |
 * | `job.completed`     | JOB_COMPLETED     | /jobs                   |
 * | `job.cancelled`     | JOB_CANCELLED     | /jobs                   |
 * | `customer.created`  | CUSTOMER_CREATED  | /customers              |
 * | `customer.updated`  | CUSTOMER_UPDATED  | /customers              |
 * | `customer.deleted`  | CUSTOMER_DELETED  | everything (see below)  |
 * | `invoice.created`   | INVOICE_CREATED   | /invoices, /payments    |
 * | `invoice.sent`      | INVOICE_SENT      | /invoices, /payments    |
 * | `invoice.paid`      | INVOICE_PAID      | /invoices, /payments    |
 * | `invoice.overdue`   | INVOICE_OVERDUE   | /invoices               |
 * | `payment.received`  | PAYMENT_RECEIVED  | /invoices, /payments    |
 *
 * Stale paths mirror what the matching write in `writes.ts` drops; `invoice.overdue` has no write
 * and changes only the invoice's status.
 */

const CUSTOMERS = ["/customers"] as const;
const JOBS = ["/jobs"] as const;
const BILLING = ["/invoices", "/payments"] as const;
const INVOICES = ["/invoices"] as const;
// The reference does not say what a dashboard deletion does to the customer's jobs, invoices and
// payments; deletions are rare, so every list that may still show them is dropped.
const EVERYTHING = ["/customers", "/jobs", "/invoices", "/payments"] as const;

/** §8 envelope. `data` is checked against the event's resource once the event is known. */
const envelope = z.object({
  id: z.string().min(1, "expected the event id"),
  event: z.string().min(1, "expected the event type"),
  created_at: datetime,
  data: z.unknown(),
});

/** `customer.deleted` carries only the id of the customer that is gone. */
const deletedCustomer = z.object({
  id: z.string().regex(/^cus_[a-z0-9]+$/, "expected a customer id (cus_…)"),
});

interface EventMapping {
  change: RecordChange;
  stale: readonly string[];
}

type EventHandler = (data: unknown) => EventMapping;

/** An event whose `data` is a resource: one change carrying the mapped record. */
function upsert<T>(
  schema: z.ZodType<T>,
  type: EventType,
  map: (record: T) => UnifiedNode,
  stale: readonly string[],
): EventHandler {
  return (data) => {
    const record = map(parseData(schema, data));
    return { change: { type, ref: refOf(record), record }, stale };
  };
}

const customerDeleted: EventHandler = (data) => {
  const { id } = parseData(deletedCustomer, data);
  return {
    change: {
      type: "CUSTOMER_DELETED",
      ref: { type: "Customer", source: "cleanitall", sourceId: id },
      record: null,
    },
    stale: EVERYTHING,
  };
};

export function cleanItAllWebhookParser(config: { currency: string }): WebhookParser {
  // Job prices are in the account currency, which the API never states on a job.
  const job = (type: EventType) =>
    upsert(jobRecord, type, (record) => toUnifiedJob(record, config.currency), JOBS);
  const invoice = (type: EventType, stale: readonly string[] = BILLING) =>
    upsert(invoiceRecord, type, toUnifiedInvoice, stale);

  const handlers = new Map<string, EventHandler>([
    ["job.created", job("JOB_CREATED")],
    ["job.updated", job("JOB_UPDATED")],
    ["job.completed", job("JOB_COMPLETED")],
    ["job.cancelled", job("JOB_CANCELLED")],
    ["customer.created", upsert(customerRecord, "CUSTOMER_CREATED", toUnifiedCustomer, CUSTOMERS)],
    ["customer.updated", upsert(customerRecord, "CUSTOMER_UPDATED", toUnifiedCustomer, CUSTOMERS)],
    ["customer.deleted", customerDeleted],
    ["invoice.created", invoice("INVOICE_CREATED")],
    ["invoice.sent", invoice("INVOICE_SENT")],
    ["invoice.paid", invoice("INVOICE_PAID")],
    ["invoice.overdue", invoice("INVOICE_OVERDUE", INVOICES)],
    ["payment.received", upsert(paymentRecord, "PAYMENT_RECEIVED", toUnifiedPayment, BILLING)],
  ]);

  return (body) => {
    const parsed = envelope.safeParse(body, { reportInput: true });
    if (!parsed.success) throw payloadError(parsed.error.issues, []);
    const { id, event, created_at, data } = parsed.data;
    const handler = handlers.get(event);
    // A newer upstream may add event types: acknowledged, not published.
    if (!handler)
      return {
        eventId: id,
        sourceEventType: event,
        occurredAt: created_at,
        changes: [],
        stale: [],
        ignored: `unknown event type ${event}`,
      };
    const { change, stale } = handler(data);
    return {
      eventId: id,
      sourceEventType: event,
      occurredAt: created_at,
      changes: [change],
      stale: [...stale],
    };
  };
}

function parseData<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw payloadError(parsed.error.issues, ["data"]);
  return parsed.data;
}

// ---- Problems -> one message naming each bad path ----

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

function payloadError(
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

/** `["data", "line_items", 0, "amount"]` -> `data.line_items[0].amount`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  return EXPECTED[typeof value] ?? typeof value;
}
