import { z } from "zod";
import { type EventHandler, parsedWebhook, parseWebhookData, payloadError } from "../../events/payload.js";
import type { EventType, WebhookParser } from "../../events/types.js";
import { refOf, type UnifiedNode } from "../unified.js";
import {
  toUnifiedCustomer,
  toUnifiedEstimate,
  toUnifiedInvoice,
  toUnifiedJob,
  toUnifiedLead,
} from "./mappers.js";
import {
  clientRecord,
  datetime,
  type EstimateRecord,
  estimateRecord,
  invoiceRecord,
  jobRecord,
  leadRecord,
} from "./records.js";

/**
 * CleanEstimate Pro webhook bodies (upstreams/cleanestimate.md §9) -> unified events. The body has
 * been verified by the receiver; `data` is the full resource after the change, mapped exactly like
 * the read path maps it. The event id is the `webhook-id` header, which the receiver handles.
 *
 * | CleanEstimate Pro event | unified event                                      | stale cached GETs |
 * | ----------------------- | -------------------------------------------------- | ----------------- |
 * | `lead.created`          | LEAD_CREATED                                       | /leads            |
 * | `lead.updated`          | LEAD_UPDATED                                       | /leads            |
 * | `client.created`        | CUSTOMER_CREATED                                   | /clients          |
 * | `client.updated`        | CUSTOMER_UPDATED                                   | /clients          |
 * | `estimate.created`      | ESTIMATE_CREATED                                   | /estimates        |
 * | `estimate.updated`      | ESTIMATE_DECLINED if `data.status` is `declined`, else ESTIMATE_UPDATED | /estimates |
 * | `estimate.accepted`     | ESTIMATE_ACCEPTED                                  | /estimates        |
 * | `job.created`           | JOB_CREATED                                        | /jobs             |
 * | `job.updated`           | JOB_UPDATED                                        | /jobs             |
 * | `job.completed`         | JOB_COMPLETED                                      | /jobs             |
 * | `invoice.created`       | INVOICE_CREATED                                    | /invoices         |
 * | `invoice.paid`          | INVOICE_PAID                                       | /invoices         |
 *
 * A customer's decline arrives as `estimate.updated` (§9); a declined estimate can no longer be
 * patched, so an update carrying `declined` is always the decline itself. A `job.updated` carrying
 * `cancelled` stays JOB_UPDATED: jobs stay editable after cancelling, so the status alone cannot
 * tell whether this update is the cancellation.
 *
 * Stale paths mirror `writes.ts`: a write drops its own collection only, since other collections
 * keep copies made at creation (a job's customer name and address).
 */

/** §9 envelope. `data` is checked against the event's resource once the type is known. */
const envelope = z.object({
  type: z.string().min(1, "expected the event type"),
  timestamp: datetime,
  data: z.unknown(),
});

/** An event whose `data` is a resource: one change carrying the mapped record. */
function upsert<T>(
  schema: z.ZodType<T>,
  type: EventType | ((record: T) => EventType),
  map: (record: T) => UnifiedNode,
  collection: string,
): EventHandler {
  return (data) => {
    const parsed = parseWebhookData(schema, data);
    const record = map(parsed);
    return {
      change: { type: typeof type === "function" ? type(parsed) : type, ref: refOf(record), record },
      stale: [collection],
    };
  };
}

const estimateUpdate = (estimate: EstimateRecord): EventType =>
  estimate.status === "declined" ? "ESTIMATE_DECLINED" : "ESTIMATE_UPDATED";

const HANDLERS = new Map<string, EventHandler>([
  ["lead.created", upsert(leadRecord, "LEAD_CREATED", toUnifiedLead, "/leads")],
  ["lead.updated", upsert(leadRecord, "LEAD_UPDATED", toUnifiedLead, "/leads")],
  ["client.created", upsert(clientRecord, "CUSTOMER_CREATED", toUnifiedCustomer, "/clients")],
  ["client.updated", upsert(clientRecord, "CUSTOMER_UPDATED", toUnifiedCustomer, "/clients")],
  ["estimate.created", upsert(estimateRecord, "ESTIMATE_CREATED", toUnifiedEstimate, "/estimates")],
  ["estimate.updated", upsert(estimateRecord, estimateUpdate, toUnifiedEstimate, "/estimates")],
  ["estimate.accepted", upsert(estimateRecord, "ESTIMATE_ACCEPTED", toUnifiedEstimate, "/estimates")],
  ["job.created", upsert(jobRecord, "JOB_CREATED", toUnifiedJob, "/jobs")],
  ["job.updated", upsert(jobRecord, "JOB_UPDATED", toUnifiedJob, "/jobs")],
  ["job.completed", upsert(jobRecord, "JOB_COMPLETED", toUnifiedJob, "/jobs")],
  ["invoice.created", upsert(invoiceRecord, "INVOICE_CREATED", toUnifiedInvoice, "/invoices")],
  ["invoice.paid", upsert(invoiceRecord, "INVOICE_PAID", toUnifiedInvoice, "/invoices")],
]);

export function cleanEstimateWebhookParser(): WebhookParser {
  return (body) => {
    const parsed = envelope.safeParse(body, { reportInput: true });
    if (!parsed.success) throw payloadError(parsed.error.issues, []);
    const { type, timestamp, data } = parsed.data;
    return parsedWebhook(HANDLERS, { eventId: null, type, occurredAt: timestamp, data });
  };
}
