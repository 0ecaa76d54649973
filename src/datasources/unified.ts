import type { SourceId } from "../errors.js";

/**
 * The unified records every datasource maps its upstream records to, and the schema exposes.
 * Ids of related records (`customerId`, `jobId`...) are the upstream's own ids in the same source:
 * records never link across sources (references README, "Isolation").
 */

/** Every record type with a global id. */
export const NODE_TYPES = [
  "Customer",
  "Job",
  "SiteVisit",
  "Invoice",
  "Payment",
  "Lead",
  "Estimate",
  "Crew",
  "Employee",
  "ChemicalApplication",
  "Product",
  "Location",
  "Asset",
  "Vendor",
] as const;

export type NodeType = (typeof NODE_TYPES)[number];

export interface NodeRef {
  type: NodeType;
  source: SourceId;
  sourceId: string;
  /**
   * Where to find the record when its upstream has no by-id endpoint (a CleanItAll payment is only
   * reachable through its invoice's payment list): the locating record's id. Part of the global id.
   */
  locator?: string;
}

/** Exact money: integer minor units (cents) and an ISO 4217 currency. */
export interface Money {
  cents: number;
  currency: string;
}

export interface Address {
  line1: string | null;
  line2: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
}

export type JobStatus = "UNSCHEDULED" | "SCHEDULED" | "IN_PROGRESS" | "COMPLETED" | "CANCELLED";
export type InvoiceStatus = "DRAFT" | "SENT" | "VIEWED" | "PARTIALLY_PAID" | "PAID" | "OVERDUE" | "VOID";
export type SiteVisitStatus = "SCHEDULED" | "IN_PROGRESS" | "COMPLETED" | "CANCELLED";
export type PaymentMethod = "CARD" | "CASH" | "CHECK" | "BANK_TRANSFER" | "OTHER";
export type CustomerStatus = "LEAD" | "ACTIVE" | "INACTIVE";
export type LeadStatus = "NEW" | "CONTACTED" | "QUOTED" | "WON" | "LOST";
export type EstimateStatus = "DRAFT" | "SENT" | "ACCEPTED" | "DECLINED" | "EXPIRED";

interface RecordBase {
  source: SourceId;
  sourceId: string;
  /** RFC 3339 timestamps as the upstream rendered them (offset kept). */
  createdAt: string;
  updatedAt: string | null;
  /**
   * True when this came from a list representation that lacks detail-only fields (ARTISAN lists);
   * resolvers of those fields load the full record by id.
   */
  partial?: true;
}

export interface TeamMemberRef {
  sourceId: string;
  /** Where the upstream gives it (JobCloser accounts). */
  email?: string | null;
  /** Null when the upstream only gives the id (CleanItAll), or the record came from a list. */
  name: string | null;
}

export interface UnifiedCustomer extends RecordBase {
  __typename: "Customer";
  /** The upstream's customer number, where it numbers customers (JobCloser). */
  number: string | null;
  name: string;
  /** Null where the upstream has no customer status (CleanItAll, ARTISAN). */
  status: CustomerStatus | null;
  sourceStatus: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  mobile: string | null;
  address: Address | null;
  billingAddress: Address | null;
  taxId: string | null;
  /** Free-text kind of customer (JobCloser `CustomerType`, e.g. Residential). */
  customerType: string | null;
  notes: string | null;
  smsReminders: boolean | null;
  walkIn: boolean | null;
}

export interface UnifiedJob extends RecordBase {
  __typename: "Job";
  /** The upstream's job number (JobCloser). */
  number: string | null;
  customerId: string;
  crewId: string | null;
  locationId: string | null;
  /** The account that sold the job, where the upstream records one (JobCloser). */
  salespersonId?: string | null;
  title: string;
  description: string | null;
  status: JobStatus;
  sourceStatus: string;
  serviceType: string | null;
  /** A job type known by id; `name` is null when only a list record was fetched. */
  jobType: { sourceId: string; name: string | null } | null;
  scheduledDate: string | null;
  scheduledTime: string | null;
  /** End of the scheduled window, `HH:MM` (CleanEstimate Pro). */
  scheduledEndTime: string | null;
  durationMinutes: number | null;
  assignee: TeamMemberRef | null;
  address: Address | null;
  price: Money | null;
  notes: string | null;
  accessNotes: string | null;
  specialInstructions: string | null;
  /** The estimate the job was sold from, in the same source. */
  estimateId: string | null;
  completedAt: string | null;
  completionNotes: string | null;
  /** Undefined when the representation at hand does not carry it (an ARTISAN list record). */
  siteVisitCount: number | null | undefined;
}

export interface UnifiedSiteVisit extends RecordBase {
  __typename: "SiteVisit";
  jobId: string;
  customerId: string | null;
  /** Calendar title (JobCloser events). */
  title: string | null;
  scheduledAt: string;
  endsAt: string | null;
  allDay: boolean;
  durationMinutes: number | null;
  crewId: string | null;
  completedAt: string | null;
  status: SiteVisitStatus;
  sourceStatus: string;
  notes: string | null;
  teamMember: TeamMemberRef | null;
}

export interface UnifiedLineItem {
  description: string | null;
  quantity: number;
  unitPrice: Money;
  discountPercent: number;
  /** Tax rate of the line in percent, where the upstream taxes per line (CleverInvo). */
  taxRate: number | null;
  amount: Money;
  productId: string | null;
}

export interface UnifiedInvoice extends RecordBase {
  __typename: "Invoice";
  number: string;
  customerId: string;
  jobId: string | null;
  status: InvoiceStatus;
  sourceStatus: string;
  /** Undefined when only a list record was fetched (ARTISAN lists carry no lines). */
  lineItems: UnifiedLineItem[] | undefined;
  subtotal: Money | null;
  tax: Money | null;
  total: Money;
  /** Null where the upstream does not tell (a CleverInvo PARTIALLY_PAID invoice). */
  amountPaid: Money | null;
  discount: Money | null;
  /** Whether amounts include tax (ARTISAN prices are tax-inclusive). */
  taxInclusive: boolean;
  issueDate: string | null;
  dueDate: string | null;
  /** Undefined (like the fields below) when the representation at hand lacks it (CleverInvo lists). */
  sentAt: string | null | undefined;
  paidAt: string | null | undefined;
  notes: string | null | undefined;
  terms: string | null | undefined;
  /** Whether the upstream renders the invoice as a PDF the gateway can stream (CleverInvo). */
  hasPdf: boolean;
}

export interface UnifiedPayment extends RecordBase {
  __typename: "Payment";
  invoiceId: string;
  customerId: string;
  amount: Money;
  method: PaymentMethod;
  sourceMethod: string;
  paidAt: string;
  reference: string | null;
  notes: string | null;
}

export interface UnifiedLead extends RecordBase {
  __typename: "Lead";
  name: string;
  email: string | null;
  phone: string | null;
  address: Address | null;
  status: LeadStatus;
  sourceStatus: string;
  /** Services the lead asked about (free slugs such as `house-wash`). */
  serviceInterests: string[];
  notes: string | null;
  /** Where the lead came from (`api`, a web form...). */
  channel: string | null;
  /** The customer record this lead is, where the upstream keeps leads as customers (JobCloser). */
  customerId: string | null;
}

export interface EstimateService {
  slug: string;
  enabled: boolean;
  squareFeet: number;
  stories: number;
  amount: Money;
}

export interface EstimateAddon {
  slug: string;
  quantity: number;
  unitPrice: Money;
  amount: Money;
}

export interface EstimateCustomItem {
  name: string;
  quantity: number;
  unitPrice: Money;
  amount: Money;
}

export interface UnifiedEstimate extends RecordBase {
  __typename: "Estimate";
  status: EstimateStatus;
  sourceStatus: string;
  customerId: string | null;
  leadId: string | null;
  customerName: string;
  email: string | null;
  phone: string | null;
  address: Address | null;
  propertyType: string | null;
  dirtinessLevel: string;
  services: EstimateService[];
  addons: EstimateAddon[];
  customItems: EstimateCustomItem[];
  total: Money;
  salesRepId: string | null;
  channel: string | null;
  expiresAt: string | null;
  acceptedAt: string | null;
}

export interface UnifiedCrew extends RecordBase {
  __typename: "Crew";
  name: string;
  color: string | null;
  active: boolean;
  locationId: string | null;
  memberIds: string[];
}

export interface UnifiedEmployee extends RecordBase {
  __typename: "Employee";
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  title: string | null;
  active: boolean;
  crewId: string | null;
  locationId: string | null;
}

export interface UnifiedChemicalApplication extends RecordBase {
  __typename: "ChemicalApplication";
  jobId: string;
  siteVisitId: string;
  jobItemId: string | null;
  productId: string | null;
  appliedAt: string;
  latitude: number | null;
  longitude: number | null;
  meterSerialNumber: string;
  meterRawCount: number;
  meterCurrentRate: number;
  meterCalculatedFlowTotal: number;
  meterRawCountsToZero: number;
  fluidTemperatureF: number;
  ambientTemperatureF: number;
  batteryPercent: number;
  batteryRunTimeMinutes: number;
  note: string | null;
  deviceName: string | null;
  calibrationFactor: number | null;
  /** Set by the upstream's own event-completion flow; null for records written through the API. */
  eventCompletionId: string | null;
}

export interface UnifiedProduct extends RecordBase {
  __typename: "Product";
  name: string;
  description: string | null;
  sku: string | null;
  category: string | null;
  unit: string | null;
  price: Money;
  cost: Money | null;
  taxable: boolean;
  active: boolean;
  quantityOnHand: number | null;
  notes: string | null;
}

export interface UnifiedLocation extends RecordBase {
  __typename: "Location";
  name: string;
  address: Address | null;
  phone: string | null;
  email: string | null;
  active: boolean;
}

export interface UnifiedAsset extends RecordBase {
  __typename: "Asset";
  name: string;
  description: string | null;
  type: string | null;
  serialNumber: string | null;
  status: string;
  assignedEmployeeId: string | null;
  locationId: string | null;
}

export interface UnifiedVendor extends RecordBase {
  __typename: "Vendor";
  name: string;
  contactName: string | null;
  email: string | null;
  phone: string | null;
  address: Address | null;
  type: string | null;
  notes: string | null;
  status: string;
}

/** A photo attached to a site visit (JobCloser event attachment). Not a node: no upstream reads one by id. */
export interface UnifiedPhoto {
  source: SourceId;
  sourceId: string;
  fileName: string;
  /** Where the upstream hosts its copy. */
  url: string;
  caption: string | null;
  latitude: number | null;
  longitude: number | null;
  siteVisitId: string | null;
  jobId: string | null;
  customerId: string | null;
  createdAt: string;
}

/** A webhook endpoint registered with an upstream. */
export interface UnifiedWebhookEndpoint {
  source: SourceId;
  sourceId: string;
  name: string;
  url: string;
  events: string[];
  createdAt: string;
}

export type UnifiedNode =
  | UnifiedCustomer
  | UnifiedJob
  | UnifiedSiteVisit
  | UnifiedInvoice
  | UnifiedPayment
  | UnifiedLead
  | UnifiedEstimate
  | UnifiedCrew
  | UnifiedEmployee
  | UnifiedChemicalApplication
  | UnifiedProduct
  | UnifiedLocation
  | UnifiedAsset
  | UnifiedVendor;

export interface UnifiedCompany {
  source: SourceId;
  slug: string;
  name: string;
  description: string | null;
  /** Opening hours per weekday (`monday`...), e.g. `8:00-18:00`; a missing day is closed. */
  openingHours: Array<{ day: string; hours: string }>;
  email: string | null;
  phone: string | null;
  website: string | null;
  address: Address | null;
  currency: string;
  timezone: string;
  locale: string;
  plan: string | null;
}

export function refOf(node: UnifiedNode): NodeRef {
  const ref: NodeRef = { type: node.__typename, source: node.source, sourceId: node.sourceId };
  if (node.__typename === "Payment") ref.locator = node.invoiceId;
  return ref;
}

/** `"259.8"` or `259.8` -> 25980 cents, exact (no binary floating-point rounding). */
export function toCents(amount: number): number {
  if (!Number.isFinite(amount)) throw new Error(`not a finite amount: ${amount}`);
  const magnitude = Math.abs(amount);
  // A whole amount needs no decimal rendering: this is the product the decimal path would compute.
  if (Number.isInteger(magnitude) && magnitude < 1e21) return amount < 0 ? -magnitude * 100 : magnitude * 100;
  // The shortest round-trip decimal of a JSON number is what the upstream wrote. Only a number that
  // prints with an exponent (below 1e-6, or from 1e21) needs the much slower fixed-point rendering.
  let decimal = String(magnitude);
  if (decimal.includes("e")) decimal = magnitude.toFixed(20).replace(/0+$/, "");
  const point = decimal.indexOf(".");
  const whole = point < 0 ? decimal : decimal.slice(0, point);
  let cents = Number(whole) * 100 + 10 * fractionDigit(decimal, point, 1) + fractionDigit(decimal, point, 2);
  // Round half away from zero on the third decimal (README convention round2).
  if (fractionDigit(decimal, point, 3) >= 5) cents += 1;
  return amount < 0 ? -cents : cents;
}

/**
 * The `place`th digit after the decimal point: 0 past the end or without a point, NaN for what is
 * not a digit (the exponent of an amount from 1e21, which toFixed still writes with one).
 */
function fractionDigit(decimal: string, point: number, place: number): number {
  if (point < 0 || point + place >= decimal.length) return 0;
  const code = decimal.charCodeAt(point + place);
  return code >= 48 && code <= 57 ? code - 48 : Number.NaN;
}

export function money(amount: number, currency: string): Money {
  return { cents: toCents(amount), currency };
}

/** 25980 -> "259.80". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}
