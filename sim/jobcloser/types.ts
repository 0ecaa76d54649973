import type { Rng } from "../core/rng.js";

/**
 * Wire records of the JobCloser API (jobcloser.md §5), in the reference's PascalCase field order,
 * and the simulator's per-company state. State maps hold the `getall` form of each record (nested
 * collections `null`), so tests can compare state with responses directly; the `get` endpoints
 * copy a record and fill its collections.
 */

export type JobCloserJobStatus =
  | "Lead"
  | "Estimate"
  | "Sold"
  | "Scheduled"
  | "InProgress"
  | "Completed"
  | "Cancelled";
export type JobCloserEventStatus = "Scheduled" | "InProgress" | "Completed" | "Cancelled";
export type JobCloserCustomerStatus = "Lead" | "Active" | "Inactive";
export type JobCloserInvoiceStatus = "Draft" | "Sent" | "PartiallyPaid" | "Paid" | "Overdue" | "Void";
export type JobCloserPaymentMethod = "Cash" | "Check" | "CreditCard" | "ACH" | "Other";
export type JobCloserWatermarkPosition = "Bottom Right" | "Bottom Left" | "Top Right" | "Top Left" | "Center";
export type JobCloserAssetStatus = "Available" | "InUse" | "InRepair" | "Retired";
export type JobCloserVendorStatus = "Active" | "Inactive";

export const JOB_STATUSES: readonly JobCloserJobStatus[] = [
  "Lead",
  "Estimate",
  "Sold",
  "Scheduled",
  "InProgress",
  "Completed",
  "Cancelled",
];
export const EVENT_STATUSES: readonly JobCloserEventStatus[] = [
  "Scheduled",
  "InProgress",
  "Completed",
  "Cancelled",
];
export const INVOICE_STATUSES: readonly JobCloserInvoiceStatus[] = [
  "Draft",
  "Sent",
  "PartiallyPaid",
  "Paid",
  "Overdue",
  "Void",
];
export const PAYMENT_METHODS: readonly JobCloserPaymentMethod[] = [
  "Cash",
  "Check",
  "CreditCard",
  "ACH",
  "Other",
];

/** The audit block (A) of every resource marked "+ A". */
export interface JobCloserAudit {
  DateCreated: string;
  CreatedBy: string | null;
  DateModified: string | null;
  ModifiedBy: string | null;
}

/** §5.1. `Password` is clear text, as documented. */
export interface JobCloserAccount {
  Id: string;
  CompanyId: string;
  DomainId: string;
  DateCreated: string;
  CreatedBy: string | null;
  DateModified: string | null;
  ModifiedBy: string | null;
  FirstName: string;
  LastName: string;
  Email: string;
  Password: string;
  Phone: string | null;
  BillingAddress: string | null;
  PhysicalAddress: string | null;
  Active: boolean;
}

/** §5.2. */
export interface JobCloserCompany {
  Id: string;
  DateCreated: string;
  CreatedBy: string | null;
  DateModified: string | null;
  ModifiedBy: string | null;
  Name: string;
  ShortName: string;
  /** Windows zone name, e.g. `Central Standard Time`. */
  TimeZone: string;
  BillingAddress1: string | null;
  BillingAddress2: string | null;
  BillingCity: string | null;
  BillingState: string | null;
  BillingZip: string | null;
  PhysicalAddress1: string | null;
  PhysicalAddress2: string | null;
  PhysicalCity: string | null;
  PhysicalState: string | null;
  PhysicalZip: string | null;
  BillingSameAsPhysical: boolean;
  Phone: string | null;
  Logo: string | null;
  Watermark: string | null;
  WatermarkPosition: JobCloserWatermarkPosition;
  Active: boolean;
  Number: number;
  /** "Enable API Access"; tests may flip it on the live record. */
  EnableApiAccess: boolean;
}

/** §5.3. */
export interface JobCloserLocation extends JobCloserAudit {
  Id: string;
  CompanyId: string;
  Name: string;
  Address1: string | null;
  Address2: string | null;
  City: string | null;
  State: string | null;
  Zip: string | null;
  Phone: string | null;
  Email: string | null;
  Active: boolean;
}

/** §5.5. The wire Note names no customer; the state keeps notes per customer. */
export interface JobCloserNote {
  Id: string;
  Text: string;
  DateCreated: string;
  CreatedBy: string | null;
}

/** §5.5. */
export interface JobCloserAttachment {
  Id: string;
  CompanyId: string;
  CustomerId: string | null;
  JobId: string | null;
  EventId: string | null;
  ProductId: string | null;
  FileName: string;
  Url: string;
  Caption: string | null;
  Latitude: string | null;
  Longitude: string | null;
  DateCreated: string;
  CreatedBy: string | null;
}

/** §5.12. */
export interface JobCloserPayment {
  Id: string;
  InvoiceId: string;
  Amount: number;
  Date: string;
  Method: JobCloserPaymentMethod;
}

/** §5.12. `Payments` is always filled. */
export interface JobCloserInvoice extends JobCloserAudit {
  Id: string;
  CompanyId: string;
  CustomerId: string;
  LocationId: string | null;
  JobId: string | null;
  SalespersonUserId: string | null;
  Number: number;
  Type: string | null;
  Status: JobCloserInvoiceStatus;
  SubStatus: string | null;
  InvoiceDate: string;
  DueDate: string | null;
  Subtotal: number;
  Tax: number;
  Total: number;
  AmountPaid: number;
  Balance: number;
  Payments: JobCloserPayment[];
}

/** §5.7. */
export interface JobCloserJobItem extends JobCloserAudit {
  Id: string;
  CompanyId: string;
  JobId: string;
  ProductId: string | null;
  Name: string;
  Description: string | null;
  Quantity: number;
  UnitPrice: number;
  Total: number;
  Taxable: boolean;
  SortOrder: number;
}

/** §5.8. */
export interface JobCloserEvent extends JobCloserAudit {
  Id: string;
  CompanyId: string;
  JobId: string;
  CustomerId: string | null;
  CrewId: string | null;
  Title: string;
  Description: string | null;
  Type: string | null;
  StartDate: string;
  EndDate: string;
  AllDay: boolean;
  Status: JobCloserEventStatus;
  Completed: boolean;
  DateCompleted: string | null;
}

/** §5.4. The nested collections are `null` except in `customers/get`. */
export interface JobCloserCustomer extends JobCloserAudit {
  Id: string;
  CompanyId: string;
  LocationId: string | null;
  SalespersonUserId: string | null;
  Number: number;
  Name: string;
  Email: string | null;
  Phone: string | null;
  JobAddress1: string | null;
  JobAddress2: string | null;
  JobCity: string | null;
  JobState: string | null;
  JobZip: string | null;
  BillingAddress1: string | null;
  BillingAddress2: string | null;
  BillingCity: string | null;
  BillingState: string | null;
  BillingZip: string | null;
  CustomerType: string | null;
  ReferredBy: string | null;
  Status: JobCloserCustomerStatus;
  Archived: boolean;
  Attachments: JobCloserAttachment[] | null;
  Notes: JobCloserNote[] | null;
  Jobs: JobCloserJob[] | null;
  Invoices: JobCloserInvoice[] | null;
  Payments: JobCloserPayment[] | null;
}

/** §5.6. The nested collections are `null` except in `jobs/get`. */
export interface JobCloserJob extends JobCloserAudit {
  Id: string;
  CompanyId: string;
  CustomerId: string;
  LocationId: string | null;
  SalespersonUserId: string | null;
  CrewId: string | null;
  Number: number;
  Name: string;
  Description: string | null;
  Type: string | null;
  Status: JobCloserJobStatus;
  JobAddress1: string | null;
  JobAddress2: string | null;
  JobCity: string | null;
  JobState: string | null;
  JobZip: string | null;
  Total: number;
  DateCompleted: string | null;
  Customer: JobCloserCustomer | null;
  Events: JobCloserEvent[] | null;
  Invoices: JobCloserInvoice[] | null;
  JobItems: JobCloserJobItem[] | null;
}

/** §5.9 (no audit block, no CompanyId: its job's company owns it). */
export interface JobCloserChemicalApplication {
  Id: string;
  EventCompletionId: string | null;
  EventId: string;
  JobId: string;
  JobItemId: string | null;
  ProductId: string | null;
  DateCreated: string;
  CreatedBy: string | null;
  ApplicationDate: string;
  /** Decimal degrees, as a string (documented). */
  Latitude: string;
  Longitude: string;
  MeterSerialNumber: string;
  /** Raw pulses counted for this application. */
  MeterRawCount: number;
  /** Gallons per minute at the end of the application. */
  MeterCurrentRate: number;
  /** Gallons: MeterRawCount × CalibrationFactor / the meter's pulses per gallon (seed data). */
  MeterCalculatedFlowTotal: number;
  /** Raw pulses on the meter since it was last zeroed, before this application (seed data). */
  MeterRawCountsToZero: number;
  /** °F. */
  TemperatureOfFluid: number;
  /** °F. */
  AmbientTemperature: number;
  /** 0–100. */
  BatteryStatusInPercent: number;
  /** Minutes. */
  BatteryStatusInEstimatedRunTime: number;
  Note: string | null;
  DeviceName: string | null;
  CalibrationFactor: number | null;
}

/** §5.10. `Attachments` is `null` except in `products/get`. */
export interface JobCloserProduct extends JobCloserAudit {
  Id: string;
  CompanyId: string;
  Name: string;
  Description: string | null;
  Sku: string | null;
  Category: string | null;
  Unit: string | null;
  Price: number;
  Cost: number | null;
  Taxable: boolean;
  Active: boolean;
  QuantityOnHand: number | null;
  Notes: string | null;
  Attachments: JobCloserAttachment[] | null;
}

/** §5.11. */
export interface JobCloserCrew extends JobCloserAudit {
  Id: string;
  CompanyId: string;
  LocationId: string | null;
  Name: string;
  Color: string | null;
  Active: boolean;
  EmployeeIds: string[];
}

/** §5.11. */
export interface JobCloserEmployee extends JobCloserAudit {
  Id: string;
  CompanyId: string;
  LocationId: string | null;
  AccountId: string | null;
  CrewId: string | null;
  FirstName: string;
  LastName: string;
  Email: string | null;
  Phone: string | null;
  Title: string | null;
  Active: boolean;
}

/** §5.13. */
export interface JobCloserTrackableAsset extends JobCloserAudit {
  Id: string;
  CompanyId: string;
  LocationId: string | null;
  AssignedEmployeeId: string | null;
  Name: string;
  Description: string | null;
  Type: string | null;
  SerialNumber: string | null;
  Status: JobCloserAssetStatus;
}

/** §5.13. */
export interface JobCloserVendor extends JobCloserAudit {
  Id: string;
  CompanyId: string;
  Name: string;
  ContactName: string | null;
  Email: string | null;
  Phone: string | null;
  Address1: string | null;
  Address2: string | null;
  City: string | null;
  State: string | null;
  Zip: string | null;
  Type: string | null;
  Notes: string | null;
  Status: JobCloserVendorStatus;
}

/** `{Success, Message, Result}` (§2). */
export interface JobCloserEnvelope<T = unknown> {
  Success: boolean;
  Message: string;
  Result: T | null;
}

/** Record counts of a seeded company. */
export interface JobCloserSize {
  locations: number;
  customers: number;
  jobs: number;
  events: number;
  chemicalApplications: number;
  products: number;
  crews: number;
  employees: number;
  invoices: number;
  trackableAssets: number;
  vendors: number;
}

export interface JobCloserUserSpec {
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
  /** Default true; inactive accounts cannot sign in. */
  active?: boolean;
  /** Account ID; default: drawn from the company seed. */
  id?: string;
}

/** Service area of a seeded company (see `REGIONS` in pools.ts). */
export type JobCloserRegion = "birmingham" | "atlanta";

export interface JobCloserCompanySpec {
  seed: number;
  name: string;
  /** The first user is the company owner. */
  users: JobCloserUserSpec[];
  /** Zapier API key (GUID); without one the company cannot use the Zapier endpoints. */
  zapierKey?: string;
  /** "Enable API Access"; default true. */
  apiAccess?: boolean;
  /** Company ID; default: drawn from the seed. */
  id?: string;
  shortName?: string;
  /** Default `birmingham`. */
  region?: JobCloserRegion;
  size?: Partial<JobCloserSize>;
}

/** An image stored by an upload endpoint. */
export interface JobCloserStoredImage {
  attachmentId: string;
  fileName: string;
  bytes: Buffer;
  /** The downloaded URL (`uploadimageviaurl`) or null (`uploadimageviabytearray`). */
  sourceUrl: string | null;
}

/** Live state of one company; tests assert against it (and may edit it). */
export interface JobCloserCompanyState {
  spec: JobCloserCompanySpec;
  company: JobCloserCompany;
  zapierKey: string | null;
  accounts: Map<string, JobCloserAccount>;
  locations: Map<string, JobCloserLocation>;
  customers: Map<string, JobCloserCustomer>;
  /** Notes by customer ID, oldest first. */
  notes: Map<string, JobCloserNote[]>;
  attachments: Map<string, JobCloserAttachment>;
  /** Bytes of uploaded images, by attachment ID. */
  images: Map<string, JobCloserStoredImage>;
  jobs: Map<string, JobCloserJob>;
  jobItems: Map<string, JobCloserJobItem>;
  events: Map<string, JobCloserEvent>;
  chemicalApplications: Map<string, JobCloserChemicalApplication>;
  products: Map<string, JobCloserProduct>;
  crews: Map<string, JobCloserCrew>;
  employees: Map<string, JobCloserEmployee>;
  invoices: Map<string, JobCloserInvoice>;
  trackableAssets: Map<string, JobCloserTrackableAsset>;
  vendors: Map<string, JobCloserVendor>;
  nextCustomerNumber: number;
  /** Run-time ID stream, separate from the seed stream so writes repeat too. */
  idRng: Rng;
}

/** The record maps of a company state that `get?id=` endpoints look up. */
export interface JobCloserRecordKinds {
  accounts: JobCloserAccount;
  locations: JobCloserLocation;
  customers: JobCloserCustomer;
  attachments: JobCloserAttachment;
  jobs: JobCloserJob;
  jobItems: JobCloserJobItem;
  events: JobCloserEvent;
  chemicalApplications: JobCloserChemicalApplication;
  products: JobCloserProduct;
  crews: JobCloserCrew;
  employees: JobCloserEmployee;
  invoices: JobCloserInvoice;
  trackableAssets: JobCloserTrackableAsset;
  vendors: JobCloserVendor;
}
