import { SUPPORTED_SOURCES } from "../datasources/index.js";
import type { SourceId } from "../errors.js";
import { builder } from "./builder.js";

/** Unified enums. Every upstream value maps to one of these; the raw value stays in `sourceStatus`. */

const SOURCE_DESCRIPTIONS: Record<(typeof SUPPORTED_SOURCES)[number], string> = {
  cleanitall: "CleanItAll: jobs, customers, invoices and payments of cleaning businesses.",
  cleanestimate:
    "CleanEstimate Pro: leads, clients, priced estimates, jobs and invoices of exterior-cleaning businesses.",
  jobcloser:
    "JobCloser: customers, jobs, calendar events, crews and chemical applications of pest-control and lawn businesses.",
  artisan: "Check-in ARTISAN: customers, jobs, site visits and invoices of trade businesses.",
  cleverinvo: "CleverInvo: clients and invoices, with invoice PDFs.",
};

export const SourceEnum = builder.enumType("Source", {
  description: "The upstream system a record comes from.",
  values: Object.fromEntries(
    SUPPORTED_SOURCES.map((source) => [
      source.toUpperCase(),
      { value: source, description: SOURCE_DESCRIPTIONS[source] },
    ]),
  ) as Record<string, { value: SourceId; description: string }>,
});

export const JobStatusEnum = builder.enumType("JobStatus", {
  description: "Where a job stands, across every source. `sourceStatus` keeps the upstream's own value.",
  values: {
    UNSCHEDULED: { description: "Not yet scheduled (ARTISAN `draft`)." },
    SCHEDULED: {
      description: "Open and scheduled, work not started (CleanItAll `pending`, ARTISAN `open`).",
    },
    IN_PROGRESS: { description: "Work has started (`in_progress`)." },
    COMPLETED: { description: "Work is done (`completed`)." },
    CANCELLED: { description: "Cancelled (`cancelled`)." },
  } as const,
});

export const InvoiceStatusEnum = builder.enumType("InvoiceStatus", {
  description: "Where an invoice stands, across every source. `sourceStatus` keeps the upstream's own value.",
  values: {
    DRAFT: { description: "Not yet issued to the customer (CleanItAll `draft`)." },
    SENT: {
      description: "Issued and unpaid (CleanItAll `pending` with nothing paid, ARTISAN `paid: false`).",
    },
    VIEWED: { description: "Issued and opened by the customer (sources that track views)." },
    PARTIALLY_PAID: {
      description: "Issued, some but not all paid (CleanItAll `pending` with 0 < amount paid < total).",
    },
    PAID: { description: "Paid in full, or marked paid (`paid`, ARTISAN `paid: true`)." },
    OVERDUE: {
      description:
        "Past its due date and not paid (CleanItAll `overdue`, whatever was partly paid: see `amountPaid`).",
    },
    VOID: { description: "Cancelled or voided (CleanItAll `cancelled`)." },
  } as const,
});

export const SiteVisitStatusEnum = builder.enumType("SiteVisitStatus", {
  description: "Where a site visit stands. `sourceStatus` keeps the upstream's own value.",
  values: {
    SCHEDULED: { description: "Planned." },
    IN_PROGRESS: { description: "Under way (sources that track it)." },
    COMPLETED: { description: "Done." },
    CANCELLED: { description: "Cancelled." },
  } as const,
});

export const PaymentMethodEnum = builder.enumType("PaymentMethod", {
  description: "How a payment was made. `sourceMethod` keeps the upstream's own value.",
  values: {
    CARD: { description: "Credit or debit card." },
    CASH: { description: "Cash." },
    CHECK: { description: "Check." },
    BANK_TRANSFER: { description: "Bank transfer or ACH." },
    OTHER: { description: "Any other method, or not recorded." },
  } as const,
});

export const CustomerStatusEnum = builder.enumType("CustomerStatus", {
  description:
    "Where a customer stands, where the upstream tracks it. `sourceStatus` keeps the upstream's own value.",
  values: {
    LEAD: { description: "A prospect, not yet a customer (JobCloser `Lead`)." },
    ACTIVE: { description: "An active customer." },
    INACTIVE: { description: "Inactive, archived or soft-deleted (CleverInvo deleted clients)." },
  } as const,
});

export const LeadStatusEnum = builder.enumType("LeadStatus", {
  description: "Where a sales lead stands. `sourceStatus` keeps the upstream's own value.",
  values: {
    NEW: { description: "Not yet contacted." },
    CONTACTED: { description: "Contacted, no quote yet." },
    QUOTED: { description: "An estimate was sent." },
    WON: { description: "Became a customer." },
    LOST: { description: "Did not buy." },
  } as const,
});

export const EstimateStatusEnum = builder.enumType("EstimateStatus", {
  description: "Where an estimate (quote) stands. `sourceStatus` keeps the upstream's own value.",
  values: {
    DRAFT: { description: "Being prepared, not sent." },
    SENT: { description: "Sent to the customer, awaiting an answer." },
    ACCEPTED: { description: "Accepted by the customer." },
    DECLINED: { description: "Declined by the customer." },
    EXPIRED: { description: "Sent and past its expiry without an answer." },
  } as const,
});
