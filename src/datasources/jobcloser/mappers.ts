import type {
  Address,
  InvoiceStatus,
  JobStatus,
  PaymentMethod,
  SiteVisitStatus,
  UnifiedAsset,
  UnifiedChemicalApplication,
  UnifiedCompany,
  UnifiedCrew,
  UnifiedCustomer,
  UnifiedEmployee,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedLead,
  UnifiedLineItem,
  UnifiedLocation,
  UnifiedPayment,
  UnifiedPhoto,
  UnifiedProduct,
  UnifiedSiteVisit,
  UnifiedVendor,
} from "../unified.js";
import { money } from "../unified.js";
import type {
  AssetRecord,
  AttachmentRecord,
  ChemicalApplicationRecord,
  CompanyRecord,
  CrewRecord,
  CustomerRecord,
  EmployeeRecord,
  EventRecord,
  InvoiceRecord,
  JobItemRecord,
  JobRecord,
  LocationRecord,
  PaymentRecord,
  ProductRecord,
  VendorRecord,
} from "./records.js";

/**
 * JobCloser records -> unified records. Timestamps keep JobCloser's America/Chicago offsets; a
 * date taken from one (an invoice date) is the calendar date as rendered, which is what JobCloser's
 * own date filters compare. `currency` is the tenant's configured currency: JobCloser states none.
 */

const source = "jobcloser" as const;

function address(
  line1: string | null,
  line2: string | null,
  city: string | null,
  state: string | null,
  zip: string | null,
): Address | null {
  if (![line1, line2, city, state, zip].some(Boolean)) return null;
  return { line1, line2, city, region: state, postalCode: zip, country: null };
}

const audit = (record: { DateCreated: string; DateModified: string | null }) => ({
  createdAt: record.DateCreated,
  updatedAt: record.DateModified,
});

export function toUnifiedCustomer(record: CustomerRecord): UnifiedCustomer {
  return {
    __typename: "Customer",
    source,
    sourceId: record.Id,
    number: String(record.Number),
    name: record.Name,
    status: record.Archived
      ? "INACTIVE"
      : record.Status === "Lead"
        ? "LEAD"
        : record.Status === "Active"
          ? "ACTIVE"
          : "INACTIVE",
    sourceStatus: record.Archived ? `${record.Status} (archived)` : record.Status,
    firstName: null,
    lastName: null,
    email: record.Email,
    phone: record.Phone,
    mobile: null,
    address: address(record.JobAddress1, record.JobAddress2, record.JobCity, record.JobState, record.JobZip),
    billingAddress: address(
      record.BillingAddress1,
      record.BillingAddress2,
      record.BillingCity,
      record.BillingState,
      record.BillingZip,
    ),
    taxId: null,
    customerType: record.CustomerType,
    notes: null,
    smsReminders: null,
    walkIn: null,
    ...audit(record),
  };
}

/** JobCloser keeps leads as customers with `Status: Lead`; a converted one reads as WON. */
export function toUnifiedLead(record: CustomerRecord): UnifiedLead {
  return {
    __typename: "Lead",
    source,
    sourceId: record.Id,
    name: record.Name,
    email: record.Email,
    phone: record.Phone,
    address: address(record.JobAddress1, record.JobAddress2, record.JobCity, record.JobState, record.JobZip),
    // An archived lead was dropped, not "not yet contacted": LOST, like its INACTIVE customer view.
    status:
      record.Status === "Lead"
        ? record.Archived
          ? "LOST"
          : "NEW"
        : record.Status === "Active"
          ? "WON"
          : "LOST",
    sourceStatus: record.Archived ? `${record.Status} (archived)` : record.Status,
    serviceInterests: [],
    notes: null,
    channel: record.ReferredBy,
    customerId: record.Id,
    ...audit(record),
  };
}

export const JOB_STATUS: Record<JobRecord["Status"], JobStatus> = {
  Lead: "UNSCHEDULED",
  Estimate: "UNSCHEDULED",
  Sold: "UNSCHEDULED",
  Scheduled: "SCHEDULED",
  InProgress: "IN_PROGRESS",
  Completed: "COMPLETED",
  Cancelled: "CANCELLED",
};

export function toUnifiedJob(record: JobRecord, currency: string): UnifiedJob {
  return {
    __typename: "Job",
    source,
    sourceId: record.Id,
    number: String(record.Number),
    customerId: record.CustomerId,
    crewId: record.CrewId,
    locationId: record.LocationId,
    salespersonId: record.SalespersonUserId,
    title: record.Name,
    description: record.Description,
    status: JOB_STATUS[record.Status],
    sourceStatus: record.Status,
    serviceType: record.Type,
    jobType: null,
    scheduledDate: null,
    scheduledTime: null,
    scheduledEndTime: null,
    durationMinutes: null,
    assignee: null,
    address: address(record.JobAddress1, record.JobAddress2, record.JobCity, record.JobState, record.JobZip),
    price: money(record.Total, currency),
    notes: null,
    accessNotes: null,
    specialInstructions: null,
    estimateId: null,
    completedAt: record.DateCompleted,
    completionNotes: null,
    // Visits are listed per job (events/getall?jobId), never counted on the job.
    siteVisitCount: undefined,
    ...audit(record),
  };
}

export function toUnifiedLineItem(record: JobItemRecord, currency: string): UnifiedLineItem {
  return {
    description: record.Description ? `${record.Name}: ${record.Description}` : record.Name,
    quantity: record.Quantity,
    unitPrice: money(record.UnitPrice, currency),
    discountPercent: 0,
    taxRate: null,
    amount: money(record.Total, currency),
    productId: record.ProductId,
  };
}

export const VISIT_STATUS: Record<EventRecord["Status"], SiteVisitStatus> = {
  Scheduled: "SCHEDULED",
  InProgress: "IN_PROGRESS",
  Completed: "COMPLETED",
  Cancelled: "CANCELLED",
};

export function toUnifiedSiteVisit(record: EventRecord): UnifiedSiteVisit {
  const minutes = Math.round((Date.parse(record.EndDate) - Date.parse(record.StartDate)) / 60_000);
  return {
    __typename: "SiteVisit",
    source,
    sourceId: record.Id,
    jobId: record.JobId,
    customerId: record.CustomerId,
    title: record.Title,
    scheduledAt: record.StartDate,
    endsAt: record.EndDate,
    allDay: record.AllDay,
    durationMinutes: record.AllDay || minutes <= 0 ? null : minutes,
    status: VISIT_STATUS[record.Status],
    sourceStatus: record.Status,
    notes: record.Description,
    teamMember: null,
    crewId: record.CrewId,
    completedAt: record.DateCompleted,
    ...audit(record),
  };
}

export const INVOICE_STATUS: Record<InvoiceRecord["Status"], InvoiceStatus> = {
  Draft: "DRAFT",
  Sent: "SENT",
  PartiallyPaid: "PARTIALLY_PAID",
  Paid: "PAID",
  Overdue: "OVERDUE",
  Void: "VOID",
};

export function toUnifiedInvoice(record: InvoiceRecord, currency: string): UnifiedInvoice {
  const usd = (amount: number) => money(amount, currency);
  return {
    __typename: "Invoice",
    source,
    sourceId: record.Id,
    number: String(record.Number),
    customerId: record.CustomerId,
    jobId: record.JobId,
    status: INVOICE_STATUS[record.Status],
    sourceStatus: record.SubStatus ? `${record.Status}/${record.SubStatus}` : record.Status,
    // JobCloser invoices carry no lines (a job's line items are on the job): unknown, not empty.
    lineItems: undefined,
    subtotal: usd(record.Subtotal),
    tax: usd(record.Tax),
    total: usd(record.Total),
    amountPaid: usd(record.AmountPaid),
    discount: null,
    taxInclusive: false,
    issueDate: record.InvoiceDate.slice(0, 10),
    dueDate: record.DueDate?.slice(0, 10) ?? null,
    sentAt: null,
    paidAt:
      record.Status === "Paid"
        ? // The latest instant: texts with different offsets (the DST fall-back hour) do not sort as text.
          (record.Payments.map((p) => p.Date)
            .sort((a, b) => Date.parse(a) - Date.parse(b))
            .at(-1) ?? null)
        : null,
    notes: null,
    terms: null,
    hasPdf: false,
    ...audit(record),
  };
}

export const PAYMENT_METHOD: Record<PaymentRecord["Method"], PaymentMethod> = {
  Cash: "CASH",
  Check: "CHECK",
  CreditCard: "CARD",
  ACH: "BANK_TRANSFER",
  Other: "OTHER",
};

export function toUnifiedPayment(
  record: PaymentRecord,
  invoice: InvoiceRecord,
  currency: string,
): UnifiedPayment {
  return {
    __typename: "Payment",
    source,
    sourceId: record.Id,
    invoiceId: record.InvoiceId,
    customerId: invoice.CustomerId,
    amount: money(record.Amount, currency),
    method: PAYMENT_METHOD[record.Method],
    sourceMethod: record.Method,
    paidAt: record.Date,
    reference: null,
    notes: null,
    createdAt: record.Date,
    updatedAt: null,
  };
}

export function toUnifiedCrew(record: CrewRecord): UnifiedCrew {
  return {
    __typename: "Crew",
    source,
    sourceId: record.Id,
    name: record.Name,
    color: record.Color,
    active: record.Active,
    locationId: record.LocationId,
    memberIds: record.EmployeeIds,
    ...audit(record),
  };
}

export function toUnifiedEmployee(record: EmployeeRecord): UnifiedEmployee {
  return {
    __typename: "Employee",
    source,
    sourceId: record.Id,
    firstName: record.FirstName,
    lastName: record.LastName,
    email: record.Email,
    phone: record.Phone,
    title: record.Title,
    active: record.Active,
    crewId: record.CrewId,
    locationId: record.LocationId,
    ...audit(record),
  };
}

/** Coordinates arrive as decimal strings; anything unparsable is reported as unknown, not as 0. */
function coordinate(value: string, limit: number): number | null {
  const number = Number(value);
  return value.trim() !== "" && Number.isFinite(number) && Math.abs(number) <= limit ? number : null;
}

export function toUnifiedChemicalApplication(record: ChemicalApplicationRecord): UnifiedChemicalApplication {
  return {
    __typename: "ChemicalApplication",
    source,
    sourceId: record.Id,
    jobId: record.JobId,
    siteVisitId: record.EventId,
    jobItemId: record.JobItemId,
    productId: record.ProductId,
    appliedAt: record.ApplicationDate,
    latitude: coordinate(record.Latitude, 90),
    longitude: coordinate(record.Longitude, 180),
    meterSerialNumber: record.MeterSerialNumber,
    meterRawCount: record.MeterRawCount,
    meterCurrentRate: record.MeterCurrentRate,
    meterCalculatedFlowTotal: record.MeterCalculatedFlowTotal,
    meterRawCountsToZero: record.MeterRawCountsToZero,
    fluidTemperatureF: record.TemperatureOfFluid,
    ambientTemperatureF: record.AmbientTemperature,
    batteryPercent: record.BatteryStatusInPercent,
    batteryRunTimeMinutes: record.BatteryStatusInEstimatedRunTime,
    note: record.Note,
    deviceName: record.DeviceName,
    calibrationFactor: record.CalibrationFactor,
    eventCompletionId: record.EventCompletionId,
    createdAt: record.DateCreated,
    updatedAt: null,
  };
}

/** An uploaded event photo; its coordinates, like an application's, are decimal text. */
export function toUnifiedPhoto(record: AttachmentRecord): UnifiedPhoto {
  return {
    source,
    sourceId: record.Id,
    fileName: record.FileName,
    url: record.Url,
    caption: record.Caption,
    latitude: record.Latitude === null ? null : coordinate(record.Latitude, 90),
    longitude: record.Longitude === null ? null : coordinate(record.Longitude, 180),
    siteVisitId: record.EventId,
    jobId: record.JobId,
    customerId: record.CustomerId,
    createdAt: record.DateCreated,
  };
}

export function toUnifiedProduct(record: ProductRecord, currency: string): UnifiedProduct {
  return {
    __typename: "Product",
    source,
    sourceId: record.Id,
    name: record.Name,
    description: record.Description,
    sku: record.Sku,
    category: record.Category,
    unit: record.Unit,
    price: money(record.Price, currency),
    cost: record.Cost === null ? null : money(record.Cost, currency),
    taxable: record.Taxable,
    active: record.Active,
    quantityOnHand: record.QuantityOnHand,
    notes: record.Notes,
    ...audit(record),
  };
}

export function toUnifiedLocation(record: LocationRecord): UnifiedLocation {
  return {
    __typename: "Location",
    source,
    sourceId: record.Id,
    name: record.Name,
    address: address(record.Address1, record.Address2, record.City, record.State, record.Zip),
    phone: record.Phone,
    email: record.Email,
    active: record.Active,
    ...audit(record),
  };
}

export function toUnifiedAsset(record: AssetRecord): UnifiedAsset {
  return {
    __typename: "Asset",
    source,
    sourceId: record.Id,
    name: record.Name,
    description: record.Description,
    type: record.Type,
    serialNumber: record.SerialNumber,
    status: record.Status,
    assignedEmployeeId: record.AssignedEmployeeId,
    locationId: record.LocationId,
    ...audit(record),
  };
}

export function toUnifiedVendor(record: VendorRecord): UnifiedVendor {
  return {
    __typename: "Vendor",
    source,
    sourceId: record.Id,
    name: record.Name,
    contactName: record.ContactName,
    email: record.Email,
    phone: record.Phone,
    address: address(record.Address1, record.Address2, record.City, record.State, record.Zip),
    type: record.Type,
    notes: record.Notes,
    status: record.Status,
    ...audit(record),
  };
}

export function toUnifiedCompany(record: CompanyRecord, currency: string): UnifiedCompany {
  return {
    source,
    slug: record.Id,
    name: record.Name,
    description: null,
    openingHours: [],
    email: null,
    phone: record.Phone,
    website: null,
    address: address(
      record.PhysicalAddress1,
      record.PhysicalAddress2,
      record.PhysicalCity,
      record.PhysicalState,
      record.PhysicalZip,
    ),
    currency,
    // `TimeZone` is a Windows zone name (`Eastern Standard Time`); every timestamp is rendered in Central time.
    timezone: "America/Chicago",
    locale: "en",
    plan: null,
  };
}
