import { z } from "zod";
import { type EventHandler, parsedWebhook, parseWebhookData, payloadError } from "../../events/payload.js";
import type { EventType, WebhookParser } from "../../events/types.js";
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

/** An event whose `data` is a resource: one change carrying the mapped record. */
function upsert<T>(
  schema: z.ZodType<T>,
  type: EventType,
  map: (record: T) => UnifiedNode,
  stale: readonly string[],
): EventHandler {
  return (data) => {
    const record = map(parseWebhookData(schema, data));
    return { change: { type, ref: refOf(record), record }, stale };
  };
}

const customerDeleted: EventHandler = (data) => {
  const { id } = parseWebhookData(deletedCustomer, data);
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
    return parsedWebhook(handlers, { eventId: id, type: event, occurredAt: created_at, data });
  };
}
