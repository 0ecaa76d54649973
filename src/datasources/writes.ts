import type { GatewayError } from "../errors.js";
import type {
  CustomerStatus,
  EstimateStatus,
  JobStatus,
  LeadStatus,
  PaymentMethod,
  SiteVisitStatus,
  UnifiedChemicalApplication,
  UnifiedCustomer,
  UnifiedEstimate,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedLead,
  UnifiedPayment,
  UnifiedPhoto,
  UnifiedSiteVisit,
  UnifiedWebhookEndpoint,
} from "./unified.js";

/**
 * What mutations ask of an upstream, in unified terms: the write half of a Datasource. Each
 * source implements the operations its API has, in `src/datasources/<id>/writes.ts`, and:
 *
 * - validates the input against its own rules before any request (`validation.ts`), naming
 *   the client's fields; fields the source cannot store are rejected, never dropped;
 * - maps the upstream's validation errors (400/422) back to the same field paths, 404 to
 *   NotFoundError and state rules to InvalidStateError;
 * - drops the tenant's cached GETs the write can have changed (read-your-writes), through its
 *   client's `invalidate`;
 * - returns the written record mapped like a read.
 *
 * Ids in inputs are the source's own ids: the schema has decoded the global ids and checked they
 * belong to the same source. In inputs, `undefined` means "not given"; on updates `null` clears.
 */

/** Input fields: absent (unchanged / default) or null (cleared) where the field allows it. */
type Optional<T> = T | null | undefined;

export interface AddressInput {
  line1?: Optional<string>;
  line2?: Optional<string>;
  city?: Optional<string>;
  region?: Optional<string>;
  postalCode?: Optional<string>;
  country?: Optional<string>;
}

export interface CustomerInput {
  name?: Optional<string>;
  firstName?: Optional<string>;
  lastName?: Optional<string>;
  email?: Optional<string>;
  phone?: Optional<string>;
  mobile?: Optional<string>;
  address?: Optional<AddressInput>;
  billingAddress?: Optional<AddressInput>;
  taxId?: Optional<string>;
  customerType?: Optional<string>;
  referredBy?: Optional<string>;
  notes?: Optional<string>;
  smsReminders?: Optional<boolean>;
  status?: Optional<CustomerStatus>;
}

export interface LeadInput {
  name?: Optional<string>;
  email?: Optional<string>;
  phone?: Optional<string>;
  address?: Optional<AddressInput>;
  billingAddress?: Optional<AddressInput>;
  serviceInterests?: Optional<string[]>;
  notes?: Optional<string>;
  /** Where the lead came from (CleanEstimate Pro `source`). */
  channel?: Optional<string>;
  status?: Optional<LeadStatus>;
  customerType?: Optional<string>;
  referredBy?: Optional<string>;
}

export interface JobInput {
  customerId?: Optional<string>;
  title?: Optional<string>;
  description?: Optional<string>;
  serviceType?: Optional<string>;
  /** `YYYY-MM-DD`. */
  scheduledDate?: Optional<string>;
  /** `HH:MM`, 24 h. */
  scheduledTime?: Optional<string>;
  scheduledEndTime?: Optional<string>;
  durationMinutes?: Optional<number>;
  assigneeId?: Optional<string>;
  address?: Optional<AddressInput>;
  /** Decimal string, e.g. `240.00`. */
  price?: Optional<string>;
  notes?: Optional<string>;
  accessNotes?: Optional<string>;
  specialInstructions?: Optional<string>;
  status?: Optional<JobStatus>;
  estimateId?: Optional<string>;
  jobTypeId?: Optional<string>;
}

export interface CompleteJobInput {
  /** RFC 3339. */
  completedAt?: Optional<string>;
  completionNotes?: Optional<string>;
}

export interface SiteVisitInput {
  jobId?: Optional<string>;
  customerId?: Optional<string>;
  /** RFC 3339 with offset. */
  scheduledAt?: Optional<string>;
  durationMinutes?: Optional<number>;
  notes?: Optional<string>;
  status?: Optional<SiteVisitStatus>;
  teamMemberId?: Optional<string>;
}

export interface EstimateServiceInput {
  slug: string;
  enabled?: Optional<boolean>;
  squareFeet: number;
  stories?: Optional<number>;
}

export interface EstimateAddonInput {
  slug: string;
  quantity?: Optional<number>;
}

export interface EstimateCustomItemInput {
  name: string;
  quantity?: Optional<number>;
  unitPrice: string;
}

export interface EstimateInput {
  customerName?: Optional<string>;
  email?: Optional<string>;
  phone?: Optional<string>;
  address?: Optional<AddressInput>;
  /** `residential` or `commercial`. */
  propertyType?: Optional<string>;
  customerId?: Optional<string>;
  leadId?: Optional<string>;
  services?: Optional<EstimateServiceInput[]>;
  addons?: Optional<EstimateAddonInput[]>;
  customItems?: Optional<EstimateCustomItemInput[]>;
  /** `light`, `medium` or `heavy`. */
  dirtinessLevel?: Optional<string>;
  salesRepId?: Optional<string>;
  status?: Optional<EstimateStatus>;
  channel?: Optional<string>;
  expiresAt?: Optional<string>;
}

export interface LineItemInput {
  description?: Optional<string>;
  quantity: number;
  /** Decimal string. */
  unitPrice: string;
  taxRate?: Optional<number>;
  discountPercent?: Optional<number>;
  productId?: Optional<string>;
}

export interface InvoiceInput {
  customerId?: Optional<string>;
  jobId?: Optional<string>;
  lineItems?: Optional<LineItemInput[]>;
  /** Decimal string: a tax amount for the whole invoice (CleanItAll). */
  tax?: Optional<string>;
  currency?: Optional<string>;
  issueDate?: Optional<string>;
  dueDate?: Optional<string>;
  number?: Optional<string>;
  notes?: Optional<string>;
  terms?: Optional<string>;
  /** Create the invoice already paid (ARTISAN). */
  paid?: Optional<boolean>;
  /** Send the invoice right after creating it (CleanItAll): a second upstream call. */
  send?: Optional<boolean>;
}

export interface MarkInvoicePaidInput {
  paidAt?: Optional<string>;
  method?: Optional<PaymentMethod>;
  amount?: Optional<string>;
  reference?: Optional<string>;
}

export interface PaymentInput {
  invoiceId: string;
  amount: string;
  method?: Optional<PaymentMethod>;
  paidAt?: Optional<string>;
  reference?: Optional<string>;
  notes?: Optional<string>;
}

export interface ChemicalApplicationInput {
  jobId?: Optional<string>;
  siteVisitId?: Optional<string>;
  jobItemId?: Optional<string>;
  productId?: Optional<string>;
  appliedAt?: Optional<string>;
  latitude?: Optional<number>;
  longitude?: Optional<number>;
  meterSerialNumber?: Optional<string>;
  meterRawCount?: Optional<number>;
  meterCurrentRate?: Optional<number>;
  meterCalculatedFlowTotal?: Optional<number>;
  meterRawCountsToZero?: Optional<number>;
  fluidTemperatureF?: Optional<number>;
  ambientTemperatureF?: Optional<number>;
  batteryPercent?: Optional<number>;
  batteryRunTimeMinutes?: Optional<number>;
  note?: Optional<string>;
  deviceName?: Optional<string>;
  calibrationFactor?: Optional<number>;
}

export interface PhotoInput {
  siteVisitId: string;
  /** Where the upstream downloads the image from; exactly one of `url` and `contentBase64`. */
  url?: Optional<string>;
  /** The image bytes, base64. */
  contentBase64?: Optional<string>;
  fileName?: Optional<string>;
  caption?: Optional<string>;
  latitude?: Optional<number>;
  longitude?: Optional<number>;
}

export interface WebhookEndpointInput {
  name: string;
  url: string;
  events: string[];
}

export interface WriteOptions {
  /** Passed on to upstreams that de-duplicate creates themselves (`nativeIdempotency`). */
  idempotencyKey?: string;
}

export interface Written<T> {
  record: T;
  /** The upstream answered with the stored result of an earlier request with the same key. */
  replayed: boolean;
  /**
   * A multi-step write whose first step landed and a later one failed: the record is what was
   * written, and this error says exactly what was not done.
   */
  incomplete?: GatewayError;
}

export interface Deleted {
  /** False when the upstream only deactivates the record (CleverInvo clients). */
  permanent: boolean;
}

export interface RegisteredWebhookEndpoint {
  endpoint: UnifiedWebhookEndpoint;
  /** The signing secret: the upstream shows it once, in this answer. */
  secret: string;
}

export interface SourceWrites {
  /** The upstream de-duplicates creates by Idempotency-Key itself (CleanEstimate Pro). */
  readonly nativeIdempotency?: boolean;
  /**
   * Why this source cannot do an operation, where there is more to say than "its API has no such
   * endpoint" (ARTISAN: invoices are immutable).
   */
  readonly unsupported?: Partial<Record<WriteOperation, string>>;

  createCustomer?(input: CustomerInput, options: WriteOptions): Promise<Written<UnifiedCustomer>>;
  updateCustomer?(id: string, input: CustomerInput): Promise<UnifiedCustomer>;
  deleteCustomer?(id: string): Promise<Deleted>;

  createLead?(input: LeadInput, options: WriteOptions): Promise<Written<UnifiedLead>>;
  updateLead?(id: string, input: LeadInput): Promise<UnifiedLead>;

  createJob?(input: JobInput, options: WriteOptions): Promise<Written<UnifiedJob>>;
  updateJob?(id: string, input: JobInput): Promise<UnifiedJob>;
  completeJob?(id: string, input: CompleteJobInput): Promise<UnifiedJob>;
  deleteJob?(id: string): Promise<Deleted>;

  createSiteVisit?(input: SiteVisitInput, options: WriteOptions): Promise<Written<UnifiedSiteVisit>>;
  updateSiteVisit?(id: string, input: SiteVisitInput): Promise<UnifiedSiteVisit>;
  deleteSiteVisit?(id: string): Promise<Deleted>;

  createEstimate?(input: EstimateInput, options: WriteOptions): Promise<Written<UnifiedEstimate>>;
  updateEstimate?(id: string, input: EstimateInput): Promise<UnifiedEstimate>;

  createInvoice?(input: InvoiceInput, options: WriteOptions): Promise<Written<UnifiedInvoice>>;
  updateInvoice?(id: string, input: InvoiceInput): Promise<UnifiedInvoice>;
  deleteInvoice?(id: string): Promise<Deleted>;
  sendInvoice?(id: string): Promise<UnifiedInvoice>;
  markInvoicePaid?(id: string, input: MarkInvoicePaidInput): Promise<UnifiedInvoice>;

  recordPayment?(input: PaymentInput, options: WriteOptions): Promise<Written<UnifiedPayment>>;

  /** One or many (atomic upstream: all are created or none). */
  createChemicalApplications?(
    inputs: ChemicalApplicationInput[],
    options: WriteOptions,
  ): Promise<Written<UnifiedChemicalApplication[]>>;
  updateChemicalApplication?(
    id: string,
    input: ChemicalApplicationInput,
  ): Promise<UnifiedChemicalApplication>;
  deleteChemicalApplication?(id: string): Promise<Deleted>;
  uploadSiteVisitPhoto?(input: PhotoInput, options: WriteOptions): Promise<Written<UnifiedPhoto>>;

  registerWebhookEndpoint?(
    input: WebhookEndpointInput,
    options: WriteOptions,
  ): Promise<Written<RegisteredWebhookEndpoint>>;
  deleteWebhookEndpoint?(id: string): Promise<Deleted>;
}

export type WriteOperation = Exclude<keyof SourceWrites, "nativeIdempotency" | "unsupported">;

/** How each operation reads in an error: "<Source> cannot <verb> through its API". */
export const OPERATION_VERBS: Record<WriteOperation, string> = {
  createCustomer: "create customers",
  updateCustomer: "update customers",
  deleteCustomer: "delete customers",
  createLead: "create leads",
  updateLead: "update leads",
  createJob: "create jobs",
  updateJob: "update jobs",
  completeJob: "complete jobs",
  deleteJob: "delete jobs",
  createSiteVisit: "create site visits",
  updateSiteVisit: "update site visits",
  deleteSiteVisit: "delete site visits",
  createEstimate: "create estimates",
  updateEstimate: "update estimates",
  createInvoice: "create invoices",
  updateInvoice: "update invoices",
  deleteInvoice: "delete invoices",
  sendInvoice: "send invoices",
  markInvoicePaid: "mark invoices paid",
  recordPayment: "record payments",
  createChemicalApplications: "create chemical applications",
  updateChemicalApplication: "update chemical applications",
  deleteChemicalApplication: "delete chemical applications",
  uploadSiteVisitPhoto: "upload site visit photos",
  registerWebhookEndpoint: "register webhook endpoints",
  deleteWebhookEndpoint: "delete webhook endpoints",
};
