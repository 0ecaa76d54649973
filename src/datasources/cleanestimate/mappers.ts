import type {
  Address,
  EstimateStatus,
  InvoiceStatus,
  JobStatus,
  LeadStatus,
  UnifiedCustomer,
  UnifiedEstimate,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedLead,
  UnifiedWebhookEndpoint,
} from "../unified.js";
import { money, toCents } from "../unified.js";
import type {
  ClientRecord,
  EstimateRecord,
  InvoiceRecord,
  JobRecord,
  LeadRecord,
  WebhookEndpointRecord,
} from "./records.js";

/** CleanEstimate Pro records -> unified records. Amounts are USD (the API has no currency field). */

const source = "cleanestimate" as const;
const usd = (amount: number) => money(amount, "USD");

function address(parts: {
  line1: string | null;
  line2?: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
}): Address | null {
  if (![parts.line1, parts.line2, parts.city, parts.state, parts.zip].some(Boolean)) return null;
  return {
    line1: parts.line1,
    line2: parts.line2 ?? null,
    city: parts.city,
    region: parts.state,
    postalCode: parts.zip,
    country: null,
  };
}

/** `09:00:00` -> `09:00`, the unified time format. */
const hhmm = (value: string | null) => (value === null ? null : value.slice(0, 5));

export function toUnifiedCustomer(record: ClientRecord): UnifiedCustomer {
  return {
    __typename: "Customer",
    source,
    sourceId: record.id,
    number: null,
    name: record.name,
    status: record.status === "active" ? "ACTIVE" : "INACTIVE",
    sourceStatus: record.status,
    firstName: null,
    lastName: null,
    email: record.email,
    phone: record.phone,
    mobile: null,
    address: address({
      line1: record.address_line1,
      line2: record.address_line2,
      city: record.city,
      state: record.state,
      zip: record.zip,
    }),
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

export const LEAD_STATUS: Record<LeadRecord["status"], LeadStatus> = {
  new: "NEW",
  contacted: "CONTACTED",
  quoted: "QUOTED",
  won: "WON",
  lost: "LOST",
};

export function toUnifiedLead(record: LeadRecord): UnifiedLead {
  return {
    __typename: "Lead",
    source,
    sourceId: record.id,
    name: record.customer_name,
    email: record.customer_email,
    phone: record.customer_phone,
    address: address({
      line1: record.service_address,
      city: record.city,
      state: record.state,
      zip: record.zip,
    }),
    status: LEAD_STATUS[record.status],
    sourceStatus: record.status,
    serviceInterests: record.service_interest,
    notes: record.notes,
    channel: record.source,
    customerId: null,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
  };
}

export const ESTIMATE_STATUS: Record<EstimateRecord["status"], EstimateStatus> = {
  draft: "DRAFT",
  sent: "SENT",
  accepted: "ACCEPTED",
  declined: "DECLINED",
  expired: "EXPIRED",
};

export function toUnifiedEstimate(record: EstimateRecord): UnifiedEstimate {
  return {
    __typename: "Estimate",
    source,
    sourceId: record.id,
    status: ESTIMATE_STATUS[record.status],
    sourceStatus: record.status,
    customerId: record.client_id,
    leadId: record.lead_id,
    customerName: record.customer_name,
    email: record.customer_email,
    phone: record.customer_phone,
    address: address({
      line1: record.address_line1,
      line2: record.address_line2,
      city: record.city,
      state: record.state,
      zip: record.zip,
    }),
    propertyType: record.property_type,
    dirtinessLevel: record.dirtiness_level,
    services: record.services.map((service) => ({
      slug: service.service_slug,
      enabled: service.enabled,
      squareFeet: service.sqft,
      stories: service.stories,
      amount: usd(service.amount),
    })),
    addons: record.addons.map((addon) => ({
      slug: addon.addon_slug,
      quantity: addon.quantity,
      unitPrice: usd(addon.unit_price),
      amount: usd(addon.amount),
    })),
    customItems: record.custom_items.map((item) => ({
      name: item.name,
      quantity: item.quantity,
      unitPrice: usd(item.unit_price),
      amount: usd(item.amount),
    })),
    total: usd(record.total),
    salesRepId: record.assigned_rep_id,
    channel: record.source,
    expiresAt: record.expires_at,
    acceptedAt: record.accepted_at,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
  };
}

export const JOB_STATUS: Record<JobRecord["status"], JobStatus> = {
  scheduled: "SCHEDULED",
  in_progress: "IN_PROGRESS",
  completed: "COMPLETED",
  cancelled: "CANCELLED",
};

export function toUnifiedJob(record: JobRecord): UnifiedJob {
  return {
    __typename: "Job",
    source,
    sourceId: record.id,
    number: null,
    crewId: null,
    locationId: null,
    customerId: record.client_id,
    title: record.customer_name ? `${record.service_type} - ${record.customer_name}` : record.service_type,
    description: null,
    status: JOB_STATUS[record.status],
    sourceStatus: record.status,
    serviceType: record.service_type,
    jobType: null,
    scheduledDate: record.scheduled_date,
    scheduledTime: hhmm(record.scheduled_time_start),
    scheduledEndTime: hhmm(record.scheduled_time_end),
    durationMinutes: null,
    assignee: null,
    address: address({
      line1: record.service_address,
      city: record.service_city,
      state: record.service_state,
      zip: record.service_zip,
    }),
    price: record.price === null ? null : usd(record.price),
    notes: record.notes,
    accessNotes: record.access_notes,
    specialInstructions: record.special_instructions,
    estimateId: record.estimate_id,
    completedAt: record.completed_at,
    completionNotes: null,
    siteVisitCount: 0,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
  };
}

/** Like CleanItAll: `sent` with part paid is PARTIALLY_PAID; `overdue` stays OVERDUE. */
export function invoiceStatusOf(
  record: Pick<InvoiceRecord, "status" | "amount_paid" | "total">,
): InvoiceStatus {
  switch (record.status) {
    case "draft":
      return "DRAFT";
    case "sent": {
      const paid = toCents(record.amount_paid);
      return paid > 0 && paid < toCents(record.total) ? "PARTIALLY_PAID" : "SENT";
    }
    case "paid":
      return "PAID";
    case "overdue":
      return "OVERDUE";
    case "void":
      return "VOID";
  }
}

export function toUnifiedInvoice(record: InvoiceRecord): UnifiedInvoice {
  return {
    __typename: "Invoice",
    source,
    sourceId: record.id,
    number: record.invoice_number,
    customerId: record.client_id,
    jobId: record.job_id,
    status: invoiceStatusOf(record),
    sourceStatus: record.status,
    lineItems: record.line_items.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: usd(line.unit_price),
      discountPercent: 0,
      taxRate: null,
      amount: usd(line.amount),
      productId: null,
    })),
    subtotal: usd(record.subtotal),
    tax: usd(record.tax),
    total: usd(record.total),
    amountPaid: usd(record.amount_paid),
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

export function toUnifiedWebhookEndpoint(record: WebhookEndpointRecord): UnifiedWebhookEndpoint {
  return {
    source,
    sourceId: record.id,
    name: record.name,
    url: record.url,
    events: record.events,
    createdAt: record.created_at,
  };
}
