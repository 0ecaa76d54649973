import type { SourceId } from "../errors.js";
import type { ListStream } from "./paging.js";
import type {
  EstimateStatus,
  InvoiceStatus,
  JobStatus,
  LeadStatus,
  NodeRef,
  SiteVisitStatus,
  UnifiedCompany,
  UnifiedCustomer,
  UnifiedEstimate,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedLead,
  UnifiedNode,
  UnifiedPayment,
  UnifiedSiteVisit,
} from "./unified.js";

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

export interface ListKinds {
  customers: { filter: CustomerFilter; record: UnifiedCustomer };
  jobs: { filter: JobFilter; record: UnifiedJob };
  siteVisits: { filter: SiteVisitFilter; record: UnifiedSiteVisit };
  invoices: { filter: InvoiceFilter; record: UnifiedInvoice };
  payments: { filter: PaymentFilter; record: UnifiedPayment };
  leads: { filter: LeadFilter; record: UnifiedLead };
  estimates: { filter: EstimateFilter; record: UnifiedEstimate };
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
  /** An invoice rendered as a PDF by the upstream (CleverInvo); null when the invoice does not exist. */
  invoicePdf?(invoiceId: string): Promise<{ bytes: Buffer; fileName: string } | null>;
  /** Any company's public profile by slug, when the upstream publishes them. */
  publicCompany?(slug: string): Promise<UnifiedCompany | null>;
  readonly lists: StreamFactories;
  /** Forgets this request's loaded records (subscriptions resolve each event afresh). */
  clearLoaders(): void;
}
