import type {
  JobStatus,
  SiteVisitStatus,
  UnifiedCompany,
  UnifiedCustomer,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedSiteVisit,
} from "../unified.js";
import { money } from "../unified.js";
import type { CompanyRecord, CustomerRecord, InvoiceRecord, JobRecord, SiteVisitRecord } from "./records.js";

/** Check-in ARTISAN records -> unified records. `detail` says whether detail-only fields are present. */

const source = "artisan" as const;

function partial(detail: boolean): { partial?: true } {
  return detail ? {} : { partial: true };
}

export function toUnifiedCompany(record: CompanyRecord): UnifiedCompany {
  const hasAddress = [record.address, record.address2, record.zip_code, record.city, record.country].some(
    Boolean,
  );
  return {
    source,
    slug: record.slug,
    name: record.name,
    description: record.description,
    openingHours: Object.entries(record.opening_hours ?? {}).map(([day, hours]) => ({ day, hours })),
    email: record.email,
    phone: record.phone ?? record.mobile,
    website: record.website,
    // As for customers: a profile without any address part has no address, not an all-null one.
    address: hasAddress
      ? {
          line1: record.address,
          line2: record.address2,
          city: record.city,
          region: null,
          postalCode: record.zip_code,
          country: record.country,
        }
      : null,
    currency: record.currency,
    timezone: record.timezone,
    locale: record.locale,
    plan: record.plan ?? null,
  };
}

export function toUnifiedCustomer(record: CustomerRecord): UnifiedCustomer {
  const hasAddress = [record.address, record.address2, record.zip_code, record.city, record.country].some(
    Boolean,
  );
  return {
    __typename: "Customer",
    source,
    sourceId: String(record.id),
    number: null,
    name: record.full_name,
    status: null,
    sourceStatus: null,
    firstName: record.first_name,
    lastName: record.last_name,
    email: record.email,
    phone: record.phone,
    mobile: record.mobile,
    address: hasAddress
      ? {
          line1: record.address,
          line2: record.address2,
          city: record.city,
          region: null,
          postalCode: record.zip_code,
          country: record.country,
        }
      : null,
    billingAddress: null,
    taxId: null,
    customerType: null,
    notes: record.notes,
    smsReminders: record.send_sms,
    walkIn: record.is_walk_in,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
  };
}

export const JOB_STATUS: Record<JobRecord["status"], JobStatus> = {
  draft: "UNSCHEDULED",
  open: "SCHEDULED",
  in_progress: "IN_PROGRESS",
  completed: "COMPLETED",
  cancelled: "CANCELLED",
};

/** Unified -> upstream job statuses (filters and writes). */
export const UPSTREAM_JOB_STATUS: Record<JobStatus, JobRecord["status"]> = {
  UNSCHEDULED: "draft",
  SCHEDULED: "open",
  IN_PROGRESS: "in_progress",
  COMPLETED: "completed",
  CANCELLED: "cancelled",
};

export function toUnifiedJob(record: JobRecord): UnifiedJob {
  const detail = record.site_visits_count !== undefined;
  return {
    __typename: "Job",
    source,
    sourceId: String(record.id),
    number: null,
    crewId: null,
    locationId: null,
    ...partial(detail),
    customerId: String(record.customer_id),
    title: record.title,
    description: record.description,
    status: JOB_STATUS[record.status],
    sourceStatus: record.status,
    serviceType: null,
    jobType:
      record.job_type_id === null
        ? null
        : { sourceId: String(record.job_type_id), name: record.job_type?.name ?? null },
    // ARTISAN schedules live on site visits, not on the job.
    scheduledDate: null,
    scheduledTime: null,
    scheduledEndTime: null,
    durationMinutes: null,
    assignee: null,
    // The site address is one free-text line.
    address: record.address
      ? { line1: record.address, line2: null, city: null, region: null, postalCode: null, country: null }
      : null,
    price: null,
    notes: null,
    accessNotes: null,
    specialInstructions: null,
    estimateId: null,
    completedAt: null,
    completionNotes: null,
    siteVisitCount: record.site_visits_count,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
  };
}

export const SITE_VISIT_STATUS: Record<SiteVisitRecord["status"], SiteVisitStatus> = {
  scheduled: "SCHEDULED",
  completed: "COMPLETED",
  cancelled: "CANCELLED",
};

/** Unified -> upstream site visit statuses; ARTISAN visits are never "in progress". */
export const UPSTREAM_SITE_VISIT_STATUS: Record<SiteVisitStatus, SiteVisitRecord["status"] | null> = {
  SCHEDULED: "scheduled",
  IN_PROGRESS: null,
  COMPLETED: "completed",
  CANCELLED: "cancelled",
};

export function toUnifiedSiteVisit(record: SiteVisitRecord): UnifiedSiteVisit {
  const detail = record.team_member !== undefined;
  return {
    __typename: "SiteVisit",
    source,
    sourceId: String(record.id),
    ...partial(detail),
    jobId: String(record.job_id),
    customerId: String(record.customer_id),
    title: null,
    scheduledAt: record.scheduled_at,
    endsAt: null,
    allDay: false,
    durationMinutes: record.duration_minutes,
    crewId: null,
    completedAt: null,
    status: SITE_VISIT_STATUS[record.status],
    sourceStatus: record.status,
    notes: record.notes,
    teamMember:
      record.team_member_id === null
        ? null
        : { sourceId: String(record.team_member_id), name: record.team_member?.name ?? null },
    createdAt: record.created_at,
    updatedAt: record.updated_at,
  };
}

/**
 * ARTISAN invoices are immutable, tax-inclusive, and only know `paid` true/false: an unpaid one is
 * issued (SENT), and a paid one was paid in full.
 */
export function toUnifiedInvoice(record: InvoiceRecord, currency: string): UnifiedInvoice {
  const total = money(record.total_with_tax, currency);
  return {
    __typename: "Invoice",
    source,
    sourceId: String(record.id),
    ...partial(record.lines !== undefined),
    number: record.invoice_number,
    customerId: String(record.customer_id),
    jobId: null,
    status: record.paid ? "PAID" : "SENT",
    sourceStatus: record.paid ? "paid" : "unpaid",
    lineItems: record.lines?.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: money(line.unit_price_with_tax, currency),
      discountPercent: line.discount_percent,
      taxRate: null,
      amount: money(line.line_total_with_tax, currency),
      productId: line.item_id === null ? null : String(line.item_id),
    })),
    subtotal: null,
    tax: null,
    total,
    amountPaid: record.paid ? total : { cents: 0, currency },
    discount: null,
    taxInclusive: true,
    // Invoices are issued when created; the timestamp is already in the company's timezone.
    issueDate: record.created_at.slice(0, 10),
    dueDate: null,
    sentAt: null,
    paidAt: null,
    notes: record.notes,
    terms: null,
    hasPdf: false,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
  };
}
