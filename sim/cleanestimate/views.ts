import type { CleanEstimateEstimate, CleanEstimateInvoice } from "./types.js";
import { toCents } from "./values.js";

/**
 * Read-time rules: how stored records look on the wire at `now`. Neither transition is a write:
 * no `updated_at` change, no webhook (§7.3; invoices' overdue is the app's time-driven rule).
 */

/** §7.3: a `sent` estimate whose `expires_at` ≤ now is returned as `expired`; drafts never expire. */
export function estimateStatusAt(
  estimate: CleanEstimateEstimate,
  now: Date,
): CleanEstimateEstimate["status"] {
  return estimate.status === "sent" && Date.parse(estimate.expires_at) <= now.getTime()
    ? "expired"
    : estimate.status;
}

export function estimateView(estimate: CleanEstimateEstimate, now: Date): CleanEstimateEstimate {
  const status = estimateStatusAt(estimate, now);
  return status === estimate.status ? estimate : { ...estimate, status };
}

/** A `sent` invoice not fully paid whose due date (UTC) has passed is `overdue`. */
export function invoiceStatusAt(invoice: CleanEstimateInvoice, now: Date): CleanEstimateInvoice["status"] {
  return invoice.status === "sent" &&
    invoice.due_date < now.toISOString().slice(0, 10) &&
    toCents(invoice.amount_paid) < toCents(invoice.total)
    ? "overdue"
    : invoice.status;
}

export function invoiceView(invoice: CleanEstimateInvoice, now: Date): CleanEstimateInvoice {
  const status = invoiceStatusAt(invoice, now);
  return status === invoice.status ? invoice : { ...invoice, status };
}
