import type DataLoader from "dataloader";
import type { Datasource, StreamFactories } from "../datasource.js";
import { allOf } from "../filters.js";
import type { CursorPosition, CursorStream } from "../paging.js";
import { byIdLoader, mappedOnce, RecordNotFound } from "../rest.js";
import type {
  EstimateStatus,
  InvoiceStatus,
  JobStatus,
  LeadStatus,
  NodeRef,
  UnifiedEstimate,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedNode,
} from "../unified.js";
import { CLEANESTIMATE_MAX_PAGE, type CleanEstimateClient, type CursorPage } from "./client.js";
import {
  toUnifiedCustomer as mapCustomer,
  toUnifiedEstimate as mapEstimate,
  toUnifiedInvoice as mapInvoice,
  toUnifiedJob as mapJob,
  toUnifiedLead as mapLead,
} from "./mappers.js";
import type { EstimateRecord, InvoiceRecord } from "./records.js";
import { CleanEstimateWrites } from "./writes.js";

/**
 * CleanEstimate Pro as a gateway datasource. Its lists filter by status only: anything else (a
 * client's jobs, a job's invoices, a search, dates) is filtered by the gateway over full pages.
 * Lists return complete records, so the records they return prime the by-id loaders.
 */

/**
 * Each upstream record is mapped once while its cached response lives (rest.ts, mappedOnce). This
 * matters most for a job's invoices: the whole invoice list is scanned for each job of a page.
 */
const toUnifiedCustomer = mappedOnce(mapCustomer);
const toUnifiedLead = mappedOnce(mapLead);
const toUnifiedEstimate = mappedOnce(mapEstimate);
const toUnifiedJob = mappedOnce(mapJob);
const toUnifiedInvoice = mappedOnce(mapInvoice);

const JOB_STATUS_FILTER: Record<JobStatus, string | null> = {
  UNSCHEDULED: null,
  SCHEDULED: "scheduled",
  IN_PROGRESS: "in_progress",
  COMPLETED: "completed",
  CANCELLED: "cancelled",
};

const INVOICE_STATUS_FILTER: Record<InvoiceStatus, string | null> = {
  DRAFT: "draft",
  SENT: "sent",
  PARTIALLY_PAID: "sent",
  PAID: "paid",
  OVERDUE: "overdue",
  VOID: "void",
  VIEWED: null,
};

const LEAD_STATUS_FILTER: Record<LeadStatus, string> = {
  NEW: "new",
  CONTACTED: "contacted",
  QUOTED: "quoted",
  WON: "won",
  LOST: "lost",
};

const ESTIMATE_STATUS_FILTER: Record<EstimateStatus, string> = {
  DRAFT: "draft",
  SENT: "sent",
  ACCEPTED: "accepted",
  DECLINED: "declined",
  EXPIRED: "expired",
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const matches = (search: string) => (values: Array<string | null>) =>
  values.some((value) => value?.toLowerCase().includes(search.toLowerCase()));

export class CleanEstimateDatasource implements Datasource {
  readonly source = "cleanestimate" as const;

  private readonly customerLoader = byIdLoader("cleanestimate", "Customer", async (id) => {
    const record = await this.client.getClient(id);
    return record && toUnifiedCustomer(record);
  });

  private readonly leadLoader = byIdLoader("cleanestimate", "Lead", async (id) => {
    const record = await this.client.getLead(id);
    return record && toUnifiedLead(record);
  });

  private readonly estimateLoader = byIdLoader("cleanestimate", "Estimate", async (id) => {
    const record = await this.client.getEstimate(id);
    return record && toUnifiedEstimate(record);
  });

  private readonly jobLoader = byIdLoader("cleanestimate", "Job", async (id) => {
    const record = await this.client.getJob(id);
    return record && toUnifiedJob(record);
  });

  private readonly invoiceLoader = byIdLoader("cleanestimate", "Invoice", async (id) => {
    const record = await this.client.getInvoice(id);
    return record && toUnifiedInvoice(record);
  });

  readonly writes: CleanEstimateWrites;

  constructor(private readonly client: CleanEstimateClient) {
    this.writes = new CleanEstimateWrites(client);
  }

  isValidId(type: NodeRef["type"], id: string): boolean {
    return ["Customer", "Lead", "Estimate", "Job", "Invoice"].includes(type) && UUID.test(id);
  }

  async load(ref: NodeRef): Promise<UnifiedNode | null> {
    try {
      switch (ref.type) {
        case "Customer":
          return await this.customerLoader.load(ref.sourceId);
        case "Lead":
          return await this.leadLoader.load(ref.sourceId);
        case "Estimate":
          return await this.estimateLoader.load(ref.sourceId);
        case "Job":
          return await this.jobLoader.load(ref.sourceId);
        case "Invoice":
          return await this.invoiceLoader.load(ref.sourceId);
        default:
          return null;
      }
    } catch (error) {
      if (error instanceof RecordNotFound) return null;
      throw error;
    }
  }

  async webhookEndpoints() {
    const endpoints = await this.client.listWebhookEndpoints();
    return endpoints.map((endpoint) => ({
      sourceId: endpoint.id,
      name: endpoint.name,
      url: endpoint.url,
      events: endpoint.events,
      createdAt: endpoint.created_at,
    }));
  }

  clearLoaders(): void {
    this.client.forget();
    for (const loader of [
      this.customerLoader,
      this.leadLoader,
      this.estimateLoader,
      this.jobLoader,
      this.invoiceLoader,
    ]) {
      loader.clearAll();
    }
  }

  readonly lists = {
    customers: (filter) => {
      const { search } = filter;
      return this.stream(
        (from, limit) => this.client.listClients(undefined, from, limit),
        toUnifiedCustomer,
        this.customerLoader,
        search ? (customer) => matches(search)([customer.name, customer.email, customer.phone]) : undefined,
      );
    },

    leads: (filter) => {
      const { search } = filter;
      const status = filter.status ? LEAD_STATUS_FILTER[filter.status] : undefined;
      return this.stream(
        (from, limit) => this.client.listLeads(status, from, limit),
        toUnifiedLead,
        this.leadLoader,
        search ? (lead) => matches(search)([lead.name, lead.email, lead.phone]) : undefined,
      );
    },

    estimates: (filter) => {
      const status = filter.status ? ESTIMATE_STATUS_FILTER[filter.status] : undefined;
      const { customerId, leadId } = filter;
      return this.stream(
        (from, limit) => this.client.listEstimates(status, from, limit),
        toUnifiedEstimate,
        this.estimateLoader,
        allOf<UnifiedEstimate>(
          customerId !== undefined && ((estimate) => estimate.customerId === customerId),
          leadId !== undefined && ((estimate) => estimate.leadId === leadId),
        ),
        allOf<EstimateRecord>(
          customerId !== undefined && ((record) => record.client_id === customerId),
          leadId !== undefined && ((record) => record.lead_id === leadId),
        ),
      );
    },

    jobs: (filter) => {
      const status = filter.status ? JOB_STATUS_FILTER[filter.status] : undefined;
      // Jobs have no assignee here; a filter on one matches none.
      if (status === null || filter.assigneeId !== undefined) return null;
      const { customerId, scheduledDate } = filter;
      return this.stream(
        (from, limit) => this.client.listJobs(status, from, limit),
        toUnifiedJob,
        this.jobLoader,
        allOf<UnifiedJob>(
          customerId !== undefined && ((job) => job.customerId === customerId),
          scheduledDate !== undefined && ((job) => job.scheduledDate === scheduledDate),
        ),
        customerId !== undefined ? (record) => record.client_id === customerId : undefined,
      );
    },

    invoices: (filter) => {
      const wanted = filter.status;
      const status = wanted ? INVOICE_STATUS_FILTER[wanted] : undefined;
      if (status === null) return null;
      const customerId = filter.customerId ?? filter.jobId?.customerId;
      const jobId = filter.jobId?.jobId;
      const { issuedFrom, issuedTo } = filter;
      return this.stream(
        (from, limit) => this.client.listInvoices(status, from, limit),
        toUnifiedInvoice,
        this.invoiceLoader,
        allOf<UnifiedInvoice>(
          // `sent` holds both SENT and PARTIALLY_PAID invoices; the other statuses are exact
          // upstream, and a needless predicate would scan them in full pages.
          (wanted === "SENT" || wanted === "PARTIALLY_PAID") && ((invoice) => invoice.status === wanted),
          customerId !== undefined && ((invoice) => invoice.customerId === customerId),
          jobId !== undefined && ((invoice) => invoice.jobId === jobId),
          issuedFrom !== undefined && ((invoice) => (invoice.issueDate ?? "") >= issuedFrom),
          issuedTo !== undefined && ((invoice) => (invoice.issueDate ?? "") <= issuedTo),
        ),
        allOf<InvoiceRecord>(
          customerId !== undefined && ((record) => record.client_id === customerId),
          jobId !== undefined && ((record) => record.job_id === jobId),
        ),
      );
    },
  } satisfies StreamFactories;

  /**
   * A list as a cursor stream: each page's records mapped, each priming its by-id loader. `accept`
   * is the gateway-side filter. `related` is its part about the parent (a job's invoices, a
   * client's jobs), checked on the upstream records: the upstream cannot filter by parent, so each
   * parent on a page scans the whole list, and paging then maps only the parent's own records. It
   * must keep every record `accept` keeps.
   */
  private stream<R, T extends { sourceId: string }>(
    read: (from: CursorPosition, limit: number) => Promise<CursorPage<R>>,
    map: (record: R) => T,
    loader: DataLoader<string, T>,
    accept?: (record: T) => boolean,
    related?: (record: R) => boolean,
  ): CursorStream<T> {
    return {
      source: this.source,
      kind: "cursor",
      fetchFrom: async (from, limit) => this.primed(await read(from, limit), map, loader),
      ...(related
        ? {
            fetchMatching: async (from: CursorPosition, limit: number) => {
              const page = await read(from, limit);
              return { ...this.primed(page, map, loader, related), end: page.after.at(-1) ?? from };
            },
          }
        : {}),
      maxPageSize: CLEANESTIMATE_MAX_PAGE,
      ...(accept ? { accept } : {}),
    };
  }

  private primed<R, T extends { sourceId: string }>(
    page: CursorPage<R>,
    map: (record: R) => T,
    loader: DataLoader<string, T>,
    related?: (record: R) => boolean,
  ): CursorPage<T> {
    const prime = (record: R) => {
      const unified = map(record);
      loader.prime(unified.sourceId, unified);
      return unified;
    };
    if (!related) return { ...page, records: page.records.map(prime) };
    const records: T[] = [];
    const after: CursorPosition[] = [];
    page.records.forEach((record, index) => {
      const position = page.after[index];
      if (!position || !related(record)) return;
      records.push(prime(record));
      after.push(position);
    });
    return { records, after, done: page.done };
  }
}
