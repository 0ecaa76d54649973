import type { SourceId } from "../errors.js";
import type { ChangeFeed } from "../events/types.js";
import type { ListStream } from "./paging.js";
import type {
  EstimateStatus,
  InvoiceStatus,
  JobStatus,
  LeadStatus,
  NodeRef,
  SiteVisitStatus,
  TeamMemberRef,
  UnifiedAsset,
  UnifiedChemicalApplication,
  UnifiedCompany,
  UnifiedCrew,
  UnifiedCustomer,
  UnifiedEmployee,
  UnifiedEstimate,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedLead,
  UnifiedLineItem,
  UnifiedLocation,
  UnifiedNode,
  UnifiedPayment,
  UnifiedProduct,
  UnifiedSiteVisit,
  UnifiedVendor,
} from "./unified.js";
import type { SourceWrites } from "./writes.js";

/**
 * What the schema asks of every upstream, in unified terms. One instance per GraphQL request
 * and tenant (it owns that request's DataLoaders). Filters carry the source's own ids; a stream
 * factory returns null when the filter can never match in that source, so no request is made.
 */

export interface CustomerFilter {
  search?: string;
}

export interface JobFilter {
  status?: JobStatus;
  customerId?: string;
  crewId?: string;
  scheduledDate?: string;
  assigneeId?: string;
}

export interface SiteVisitFilter {
  status?: SiteVisitStatus;
  jobId?: string;
  customerId?: string;
  /** Inclusive dates (`YYYY-MM-DD`) on the scheduled start. */
  from?: string;
  to?: string;
}

export interface InvoiceFilter {
  status?: InvoiceStatus;
  customerId?: string;
  /** The job's own customer, when filtering by job (lets sources without a job filter narrow the scan). */
  jobId?: { jobId: string; customerId: string };
  /** Inclusive dates on the issue date. */
  issuedFrom?: string;
  issuedTo?: string;
}

export interface PaymentFilter {
  customerId?: string;
  /** The invoice's customer, so sources can fetch a customer's payments once for many invoices. */
  invoiceId?: { invoiceId: string; customerId: string };
  /** Inclusive dates on the payment date. */
  paidFrom?: string;
  paidTo?: string;
}

export interface LeadFilter {
  status?: LeadStatus;
  search?: string;
}

export interface EstimateFilter {
  status?: EstimateStatus;
  customerId?: string;
  leadId?: string;
}

export interface ChemicalApplicationFilter {
  /** Required by the only upstream that has them (JobCloser lists them per job). */
  jobId: string;
  siteVisitId?: string;
  productId?: string;
}

/** Reference lists (crews, employees...) take no filter. */
export type NoFilter = Record<string, never>;

export interface ListKinds {
  customers: { filter: CustomerFilter; record: UnifiedCustomer };
  jobs: { filter: JobFilter; record: UnifiedJob };
  siteVisits: { filter: SiteVisitFilter; record: UnifiedSiteVisit };
  invoices: { filter: InvoiceFilter; record: UnifiedInvoice };
  payments: { filter: PaymentFilter; record: UnifiedPayment };
  leads: { filter: LeadFilter; record: UnifiedLead };
  estimates: { filter: EstimateFilter; record: UnifiedEstimate };
  chemicalApplications: { filter: ChemicalApplicationFilter; record: UnifiedChemicalApplication };
  crews: { filter: NoFilter; record: UnifiedCrew };
  employees: { filter: NoFilter; record: UnifiedEmployee };
  products: { filter: NoFilter; record: UnifiedProduct };
  locations: { filter: NoFilter; record: UnifiedLocation };
  assets: { filter: { search?: string }; record: UnifiedAsset };
  vendors: { filter: { search?: string }; record: UnifiedVendor };
}

export type ListKind = keyof ListKinds;

export type StreamFactories = {
  [K in ListKind]?: (filter: ListKinds[K]["filter"]) => ListStream<ListKinds[K]["record"]> | null;
};

export interface Datasource {
  readonly source: SourceId;
  /** Whether `id` has the shape of this upstream's ids for `type` (checked before any request). */
  isValidId(type: NodeRef["type"], id: string): boolean;
  /** The full record (detail representation) behind a reference; null when the upstream has none. */
  load(ref: NodeRef): Promise<UnifiedNode | null>;
  /** The account or company profile, when the upstream has one. */
  company?(): Promise<UnifiedCompany | null>;
  /** A job's catalog products, where the upstream links them (JobCloser). */
  jobProducts?(job: UnifiedJob): Promise<UnifiedProduct[]>;
  /** The upstream's registered webhook endpoints (CleanEstimate Pro). */
  webhookEndpoints?(): Promise<
    Array<{ sourceId: string; name: string; url: string; events: string[]; createdAt: string }>
  >;
  /** A team member (user account) by id, where the upstream has them (JobCloser). */
  teamMember?(id: string): Promise<TeamMemberRef | null>;
  /** A job's line items, where the upstream keeps them on the job (JobCloser). */
  jobLineItems?(job: UnifiedJob): Promise<UnifiedLineItem[]>;
  /** An invoice rendered as a PDF by the upstream (CleverInvo); null when the invoice does not exist. */
  invoicePdf?(invoiceId: string): Promise<{ bytes: Buffer; fileName: string } | null>;
  /** Any company's public profile by slug, when the upstream publishes them. */
  publicCompany?(slug: string): Promise<UnifiedCompany | null>;
  /** The lists the gateway polls for changes, for upstreams without webhooks. */
  changeFeeds?(): ChangeFeed[];
  readonly lists: StreamFactories;
  /** The mutations this upstream supports (`writes.ts`); absent when it is read-only. */
  readonly writes?: SourceWrites;
  /** Forgets this request's loaded records (subscriptions resolve each event afresh). */
  clearLoaders(): void;
}
