import { z } from "zod";

/**
 * JobCloser wire records (upstreams/jobcloser.md §5), PascalCase, in the `{Success, Message,
 * Result}` envelope. The Account record is read for its `CompanyId` only: its clear-text
 * `Password` is never parsed, kept or passed on.
 */

const id = z.string().regex(/^[0-9a-f]{30}$/, "expected a 30-char hex id");
const nullableId = id.nullable();
const nullableString = z.string().nullable();
// §2: seconds and a UTC offset (`2019-05-02T10:16:42-05:00`); a fraction or `Z` is accepted too. A
// pattern, not Date.parse: every record of a whole-company list carries several of these.
const datetime = z
  .string()
  .regex(
    /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,7})?(Z|[+-]([01]\d|1[0-4]):[0-5]\d)$/,
    "expected an ISO 8601 timestamp with a UTC offset",
  );

const audit = {
  DateCreated: datetime,
  CreatedBy: nullableId,
  DateModified: datetime.nullable(),
  ModifiedBy: nullableId,
};

export const envelope = z.object({ Success: z.boolean(), Message: z.string(), Result: z.unknown() });

export const signedInAccount = z.object({ CompanyId: id });

/** A user account as a team member: names and contact only (never its `Password`). */
export const accountRecord = z.object({
  Id: id,
  CompanyId: id,
  FirstName: z.string(),
  LastName: z.string(),
  Email: z.string(),
  Phone: z.string().nullable(),
});
export const zapierCompany = z.object({ Id: id });

export const companyRecord = z.object({
  Id: id,
  Name: z.string(),
  ShortName: z.string(),
  TimeZone: z.string(),
  PhysicalAddress1: nullableString,
  PhysicalAddress2: nullableString,
  PhysicalCity: nullableString,
  PhysicalState: nullableString,
  PhysicalZip: nullableString,
  Phone: nullableString,
  Active: z.boolean(),
  Number: z.number().int(),
  ...audit,
});

export const locationRecord = z.object({
  Id: id,
  CompanyId: id,
  Name: z.string(),
  Address1: nullableString,
  Address2: nullableString,
  City: nullableString,
  State: nullableString,
  Zip: nullableString,
  Phone: nullableString,
  Email: nullableString,
  Active: z.boolean(),
  ...audit,
});

export const customerRecord = z.object({
  Id: id,
  CompanyId: id,
  LocationId: nullableId,
  SalespersonUserId: nullableId,
  Number: z.number().int(),
  Name: z.string(),
  Email: nullableString,
  Phone: nullableString,
  JobAddress1: nullableString,
  JobAddress2: nullableString,
  JobCity: nullableString,
  JobState: nullableString,
  JobZip: nullableString,
  BillingAddress1: nullableString,
  BillingAddress2: nullableString,
  BillingCity: nullableString,
  BillingState: nullableString,
  BillingZip: nullableString,
  CustomerType: nullableString,
  ReferredBy: nullableString,
  Status: z.enum(["Lead", "Active", "Inactive"]),
  Archived: z.boolean(),
  ...audit,
});

export const jobItemRecord = z.object({
  Id: id,
  CompanyId: id,
  JobId: id,
  ProductId: nullableId,
  Name: z.string(),
  Description: nullableString,
  Quantity: z.number(),
  UnitPrice: z.number(),
  Total: z.number(),
  Taxable: z.boolean(),
  SortOrder: z.number().int(),
  ...audit,
});

export const eventRecord = z.object({
  Id: id,
  CompanyId: id,
  JobId: id,
  CustomerId: nullableId,
  CrewId: nullableId,
  Title: z.string(),
  Description: nullableString,
  Type: nullableString,
  StartDate: datetime,
  EndDate: datetime,
  AllDay: z.boolean(),
  Status: z.enum(["Scheduled", "InProgress", "Completed", "Cancelled"]),
  Completed: z.boolean(),
  DateCompleted: datetime.nullable(),
  ...audit,
});

export const paymentRecord = z.object({
  Id: id,
  InvoiceId: id,
  Amount: z.number(),
  Date: datetime,
  Method: z.enum(["Cash", "Check", "CreditCard", "ACH", "Other"]),
});

export const invoiceRecord = z.object({
  Id: id,
  CompanyId: id,
  CustomerId: id,
  LocationId: nullableId,
  JobId: nullableId,
  SalespersonUserId: nullableId,
  Number: z.number().int(),
  Type: nullableString,
  Status: z.enum(["Draft", "Sent", "PartiallyPaid", "Paid", "Overdue", "Void"]),
  SubStatus: nullableString,
  InvoiceDate: datetime,
  DueDate: datetime.nullable(),
  Subtotal: z.number(),
  Tax: z.number(),
  Total: z.number(),
  AmountPaid: z.number(),
  Balance: z.number(),
  Payments: z.array(paymentRecord),
  ...audit,
});

/**
 * A record `jobs/get` embeds in the job (§4, §5.6), used in place of a read of its own endpoint.
 * One without every field that endpoint's record has (§4.1: nested records never have their own
 * collections filled, so an embedded invoice may lack its `Payments`) is not used: it reads as not
 * embedded and the relation is read from its endpoint, rather than the job failing or a field
 * being made up.
 */
const embedded = <S extends z.ZodType>(schema: S) => schema.nullable().catch(null);

export const jobRecord = z.object({
  Id: id,
  CompanyId: id,
  CustomerId: id,
  LocationId: nullableId,
  SalespersonUserId: nullableId,
  CrewId: nullableId,
  Number: z.number().int(),
  Name: z.string(),
  Description: nullableString,
  Type: nullableString,
  Status: z.enum(["Lead", "Estimate", "Sold", "Scheduled", "InProgress", "Completed", "Cancelled"]),
  JobAddress1: nullableString,
  JobAddress2: nullableString,
  JobCity: nullableString,
  JobState: nullableString,
  JobZip: nullableString,
  Total: z.number(),
  DateCompleted: datetime.nullable(),
  // Filled by `jobs/get` only (`null` in `getall`, §4.1).
  Customer: embedded(customerRecord),
  Invoices: embedded(z.array(invoiceRecord)),
  // Strict: writes check a line item or visit against these, where "not embedded" would read as "not the job's".
  JobItems: z.array(jobItemRecord).nullable(),
  Events: z.array(eventRecord).nullable(),
  ...audit,
});

const decimalString = z.union([z.string(), z.number()]).transform((value) => String(value));

export const chemicalApplicationRecord = z.object({
  Id: id,
  EventCompletionId: nullableId,
  EventId: id,
  JobId: id,
  JobItemId: nullableId,
  ProductId: nullableId,
  DateCreated: datetime,
  CreatedBy: nullableId,
  ApplicationDate: datetime,
  Latitude: decimalString,
  Longitude: decimalString,
  MeterSerialNumber: z.string(),
  MeterRawCount: z.number(),
  MeterCurrentRate: z.number(),
  MeterCalculatedFlowTotal: z.number(),
  MeterRawCountsToZero: z.number(),
  TemperatureOfFluid: z.number(),
  AmbientTemperature: z.number(),
  BatteryStatusInPercent: z.number(),
  BatteryStatusInEstimatedRunTime: z.number(),
  Note: nullableString,
  DeviceName: nullableString,
  CalibrationFactor: z.number().nullable(),
});

/** An event photo (§5.5), as the image uploads answer it. */
export const attachmentRecord = z.object({
  Id: id,
  CompanyId: id,
  CustomerId: nullableId,
  JobId: nullableId,
  EventId: nullableId,
  ProductId: nullableId,
  FileName: z.string(),
  Url: z.string(),
  Caption: nullableString,
  Latitude: nullableString,
  Longitude: nullableString,
  DateCreated: datetime,
  CreatedBy: nullableId,
});

export const productRecord = z.object({
  Id: id,
  CompanyId: id,
  Name: z.string(),
  Description: nullableString,
  Sku: nullableString,
  Category: nullableString,
  Unit: nullableString,
  Price: z.number(),
  Cost: z.number().nullable(),
  Taxable: z.boolean(),
  Active: z.boolean(),
  QuantityOnHand: z.number().nullable(),
  Notes: nullableString,
  ...audit,
});

export const crewRecord = z.object({
  Id: id,
  CompanyId: id,
  LocationId: nullableId,
  Name: z.string(),
  Color: nullableString,
  Active: z.boolean(),
  EmployeeIds: z.array(id),
  ...audit,
});

export const employeeRecord = z.object({
  Id: id,
  CompanyId: id,
  LocationId: nullableId,
  AccountId: nullableId,
  CrewId: nullableId,
  FirstName: z.string(),
  LastName: z.string(),
  Email: nullableString,
  Phone: nullableString,
  Title: nullableString,
  Active: z.boolean(),
  ...audit,
});

export const assetRecord = z.object({
  Id: id,
  CompanyId: id,
  LocationId: nullableId,
  AssignedEmployeeId: nullableId,
  Name: z.string(),
  Description: nullableString,
  Type: nullableString,
  SerialNumber: nullableString,
  Status: z.enum(["Available", "InUse", "InRepair", "Retired"]),
  ...audit,
});

export const vendorRecord = z.object({
  Id: id,
  CompanyId: id,
  Name: z.string(),
  ContactName: nullableString,
  Email: nullableString,
  Phone: nullableString,
  Address1: nullableString,
  Address2: nullableString,
  City: nullableString,
  State: nullableString,
  Zip: nullableString,
  Type: nullableString,
  Notes: nullableString,
  Status: z.enum(["Active", "Inactive"]),
  ...audit,
});

export type CompanyRecord = z.infer<typeof companyRecord>;
export type LocationRecord = z.infer<typeof locationRecord>;
export type CustomerRecord = z.infer<typeof customerRecord>;
export type JobRecord = z.infer<typeof jobRecord>;
export type JobItemRecord = z.infer<typeof jobItemRecord>;
export type EventRecord = z.infer<typeof eventRecord>;
export type ChemicalApplicationRecord = z.infer<typeof chemicalApplicationRecord>;
export type AttachmentRecord = z.infer<typeof attachmentRecord>;
export type ProductRecord = z.infer<typeof productRecord>;
export type CrewRecord = z.infer<typeof crewRecord>;
export type EmployeeRecord = z.infer<typeof employeeRecord>;
export type InvoiceRecord = z.infer<typeof invoiceRecord>;
export type PaymentRecord = z.infer<typeof paymentRecord>;
export type AssetRecord = z.infer<typeof assetRecord>;
export type VendorRecord = z.infer<typeof vendorRecord>;
export type AccountRecord = z.infer<typeof accountRecord>;
