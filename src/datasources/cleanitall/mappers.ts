import type {
  Address,
  InvoiceStatus,
  JobStatus,
  PaymentMethod,
  UnifiedCustomer,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedPayment,
} from "../unified.js";
import { money, toCents } from "../unified.js";
import type { AddressRecord, CustomerRecord, InvoiceRecord, JobRecord, PaymentRecord } from "./records.js";

/** CleanItAll records -> unified records. */

const source = "cleanitall" as const;

export function toUnifiedAddress(address: AddressRecord | null): Address | null {
  if (!address) return null;
  return {
    line1: address.line1,
    line2: address.line2,
    city: address.city,
    region: address.state,
    postalCode: address.postal_code,
    country: address.country,
  };
}

export function toUnifiedCustomer(record: CustomerRecord): UnifiedCustomer {
  return {
    __typename: "Customer",
    source,
    sourceId: record.id,
    number: null,
    name: record.name,
    status: null,
    sourceStatus: null,
    firstName: null,
    lastName: null,
    email: record.email,
    phone: record.phone,
    mobile: null,
    address: toUnifiedAddress(record.address),
    billingAddress: null,
    taxId: null,
    customerType: null,
    notes: record.notes,
    smsReminders: null,
    walkIn: null,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
  };
}

export const JOB_STATUS: Record<JobRecord["status"], JobStatus> = {
  pending: "SCHEDULED",
  in_progress: "IN_PROGRESS",
  completed: "COMPLETED",
  cancelled: "CANCELLED",
};

/** `currency`: CleanItAll prices are in the account currency, which the API never states on a job. */
export function toUnifiedJob(record: JobRecord, currency: string): UnifiedJob {
  return {
    __typename: "Job",
    source,
    sourceId: record.id,
    number: null,
    crewId: null,
    locationId: null,
    customerId: record.customer_id,
    title: record.title,
    description: record.description,
    status: JOB_STATUS[record.status],
    sourceStatus: record.status,
    serviceType: record.service_type,
    jobType: null,
    scheduledDate: record.scheduled_date,
    scheduledTime: record.scheduled_time,
    scheduledEndTime: null,
    durationMinutes: record.duration_minutes,
    assignee: record.assigned_to ? { sourceId: record.assigned_to, name: null } : null,
    address: toUnifiedAddress(record.address),
    price: record.price === null ? null : money(record.price, currency),
    notes: record.notes,
    accessNotes: null,
    specialInstructions: null,
    estimateId: null,
    completedAt: record.completed_at,
    completionNotes: record.completion_notes,
    siteVisitCount: 0,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
  };
}

/**
 * CleanItAll has no partially-paid status: a `pending` invoice with some payments is PARTIALLY_PAID.
 * `overdue` stays OVERDUE whatever was paid (the more urgent fact; `amountPaid` tells the rest).
 */
export function invoiceStatusOf(
  record: Pick<InvoiceRecord, "status" | "amount_paid" | "total">,
): InvoiceStatus {
  switch (record.status) {
    case "draft":
      return "DRAFT";
    case "pending": {
      const paid = toCents(record.amount_paid);
      return paid > 0 && paid < toCents(record.total) ? "PARTIALLY_PAID" : "SENT";
    }
    case "paid":
      return "PAID";
    case "overdue":
      return "OVERDUE";
    case "cancelled":
      return "VOID";
  }
}

export function toUnifiedInvoice(record: InvoiceRecord): UnifiedInvoice {
  const { currency } = record;
  return {
    __typename: "Invoice",
    source,
    sourceId: record.id,
    number: record.number,
    customerId: record.customer_id,
    jobId: record.job_id,
    status: invoiceStatusOf(record),
    sourceStatus: record.status,
    lineItems: record.line_items.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: money(line.unit_price, currency),
      discountPercent: 0,
      taxRate: null,
      amount: money(line.amount, currency),
      productId: null,
    })),
    subtotal: money(record.subtotal, currency),
    tax: money(record.tax, currency),
    total: money(record.total, currency),
    amountPaid: money(record.amount_paid, currency),
    discount: null,
    taxInclusive: false,
    issueDate: record.issue_date,
    dueDate: record.due_date,
    sentAt: record.sent_at,
    paidAt: record.paid_at,
    notes: null,
    terms: null,
    hasPdf: false,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
  };
}

export const PAYMENT_METHOD: Record<PaymentRecord["method"], PaymentMethod> = {
  card: "CARD",
  cash: "CASH",
  check: "CHECK",
  bank_transfer: "BANK_TRANSFER",
  other: "OTHER",
};

export function toUnifiedPayment(record: PaymentRecord): UnifiedPayment {
  return {
    __typename: "Payment",
    source,
    sourceId: record.id,
    invoiceId: record.invoice_id,
    customerId: record.customer_id,
    amount: money(record.amount, record.currency),
    method: PAYMENT_METHOD[record.method],
    sourceMethod: record.method,
    paidAt: record.paid_at,
    reference: record.reference,
    notes: record.notes,
    createdAt: record.created_at,
    updatedAt: null,
  };
}
