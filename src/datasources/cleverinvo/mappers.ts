import type { InvoiceStatus, UnifiedCustomer, UnifiedInvoice } from "../unified.js";
import { money } from "../unified.js";
import type { ClientRecord, InvoiceRecord } from "./records.js";

/** CleverInvo records -> unified records. */

const source = "cleverinvo" as const;

export function toUnifiedCustomer(record: ClientRecord): UnifiedCustomer {
  return {
    __typename: "Customer",
    source,
    sourceId: record.id,
    number: null,
    name: record.name,
    // A soft-deleted client is kept, inactive.
    status: record.isActive ? "ACTIVE" : "INACTIVE",
    sourceStatus: record.isActive ? "active" : "inactive",
    firstName: null,
    lastName: null,
    email: record.email,
    phone: record.phone,
    mobile: null,
    // CleverInvo keeps the address as one free-text line.
    address: record.address
      ? { line1: record.address, line2: null, city: null, region: null, postalCode: null, country: null }
      : null,
    billingAddress: null,
    taxId: record.taxId,
    customerType: null,
    notes: record.notes,
    smsReminders: null,
    walkIn: null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export const INVOICE_STATUS: Record<InvoiceRecord["status"], InvoiceStatus> = {
  DRAFT: "DRAFT",
  SENT: "SENT",
  VIEWED: "VIEWED",
  PAID: "PAID",
  PARTIALLY_PAID: "PARTIALLY_PAID",
  OVERDUE: "OVERDUE",
};

/**
 * CleverInvo records no payments, only statuses: a PAID invoice was paid in full, DRAFT, SENT,
 * VIEWED and OVERDUE ones (overdue means "past due with nothing paid") had nothing paid, and how
 * much of a PARTIALLY_PAID one was paid is unknown.
 */
function amountPaid(record: InvoiceRecord): number | null {
  switch (record.status) {
    case "PAID":
      return record.total;
    case "PARTIALLY_PAID":
      return null;
    default:
      return 0;
  }
}

export function toUnifiedInvoice(record: InvoiceRecord): UnifiedInvoice {
  const { currency } = record;
  const detail = record.lineItems !== undefined;
  const paid = amountPaid(record);
  return {
    __typename: "Invoice",
    source,
    sourceId: record.id,
    ...(detail ? {} : { partial: true as const }),
    number: record.invoiceNumber,
    customerId: record.clientId,
    jobId: null,
    status: INVOICE_STATUS[record.status],
    sourceStatus: record.status,
    lineItems: record.lineItems?.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: money(line.unitPrice, currency),
      discountPercent: 0,
      taxRate: line.taxRate,
      amount: money(line.amount, currency),
      productId: null,
    })),
    subtotal: money(record.subtotal, currency),
    tax: money(record.taxTotal, currency),
    total: money(record.total, currency),
    amountPaid: paid === null ? null : money(paid, currency),
    discount: money(record.discountTotal, currency),
    taxInclusive: false,
    issueDate: record.issueDate,
    dueDate: record.dueDate,
    sentAt: record.sentAt,
    paidAt: record.paidAt,
    notes: record.notes,
    terms: record.terms,
    hasPdf: true,
    // CleverInvo invoices have no `updatedAt`.
    createdAt: record.createdAt,
    updatedAt: null,
  };
}
