import DataLoader from "dataloader";
import { UnsupportedBySourceError } from "../../errors.js";
import type { ChangeFeed } from "../../events/types.js";
import type { Datasource, StreamFactories } from "../datasource.js";
import { allOf, keepMatching } from "../filters.js";
import type { SourceStream } from "../paging.js";
import { byIdLoader, RecordNotFound } from "../rest.js";
import type {
  InvoiceStatus,
  JobStatus,
  NodeRef,
  SiteVisitStatus,
  TeamMemberRef,
  UnifiedCompany,
  UnifiedJob,
  UnifiedLineItem,
  UnifiedNode,
  UnifiedPayment,
  UnifiedProduct,
} from "../unified.js";
import { jobCloserChangeFeeds } from "./changes.js";
import type { JobCloserClient } from "./client.js";
import {
  toUnifiedAsset,
  toUnifiedChemicalApplication,
  toUnifiedCompany,
  toUnifiedCrew,
  toUnifiedCustomer,
  toUnifiedEmployee,
  toUnifiedInvoice,
  toUnifiedJob,
  toUnifiedLead,
  toUnifiedLineItem,
  toUnifiedLocation,
  toUnifiedPayment,
  toUnifiedProduct,
  toUnifiedSiteVisit,
  toUnifiedVendor,
} from "./mappers.js";
import type { CustomerRecord, EventRecord, InvoiceRecord, JobItemRecord, JobRecord } from "./records.js";
import { JobCloserWrites } from "./writes.js";

/**
 * JobCloser as a gateway datasource. Lists come whole from `getall` (held as snapshots by the
 * session), so paging slices them without further requests, and filters the upstream lacks are
 * applied in the gateway. By-id loads of several records of a kind read that kind's list once
 * instead of one `get` per id; reference data (crews, employees, products, locations, assets,
 * vendors) is always read from its list. Events and chemical applications exist per job only.
 * A job read with `jobs/get` comes with its customer, events, invoices and line items: a request
 * serves those relations of that job from it, without reading their own endpoints.
 */

const JOB_STATUS_FILTER: Record<JobStatus, string[]> = {
  UNSCHEDULED: ["Lead", "Estimate", "Sold"],
  SCHEDULED: ["Scheduled"],
  IN_PROGRESS: ["InProgress"],
  COMPLETED: ["Completed"],
  CANCELLED: ["Cancelled"],
};

const INVOICE_STATUS_FILTER: Record<InvoiceStatus, string | null> = {
  DRAFT: "Draft",
  SENT: "Sent",
  PARTIALLY_PAID: "PartiallyPaid",
  PAID: "Paid",
  OVERDUE: "Overdue",
  VOID: "Void",
  VIEWED: null,
};

const VISIT_STATUS_FILTER: Record<SiteVisitStatus, string> = {
  SCHEDULED: "Scheduled",
  IN_PROGRESS: "InProgress",
  COMPLETED: "Completed",
  CANCELLED: "Cancelled",
};

const ID = /^[0-9a-f]{30}$/;
const MAX_WINDOW = 1_000;

/** What a list stream pages through: an array, or a company list checked as it is read. */
interface RecordWindow<T> {
  readonly length: number;
  slice(start: number, end: number): T[];
}

/** The calendar date of a JobCloser timestamp as rendered (America/Chicago), like its own filters. */
const dateOf = (timestamp: string) => timestamp.slice(0, 10);

/**
 * The orders of the lists an embedded collection stands in for (§4.1, ties by `Id`), so a relation
 * reads the same from either. Instants, not text: timestamps carry both Central offsets.
 */
const byIdAsc = (a: { Id: string }, b: { Id: string }) => (a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0);
const newestFirst = (a: InvoiceRecord, b: InvoiceRecord) =>
  Date.parse(b.DateCreated) - Date.parse(a.DateCreated) || byIdAsc(a, b);
const earliestFirst = (a: EventRecord, b: EventRecord) =>
  Date.parse(a.StartDate) - Date.parse(b.StartDate) || byIdAsc(a, b);
const lineOrder = (a: JobItemRecord, b: JobItemRecord) => a.SortOrder - b.SortOrder || byIdAsc(a, b);

/** Reference data by id, from its company list (one read for any number of ids), mapped once found. */
async function fromList<R extends { Id: string }, T>(
  list: Promise<R[]>,
  id: string,
  map: (record: R) => T,
): Promise<T | null> {
  const record = (await list).find((candidate) => candidate.Id === id);
  return record ? map(record) : null;
}

export class JobCloserDatasource implements Datasource {
  readonly source = "jobcloser" as const;

  /** By id, one `get` for a single record, the company's list for several. */
  private readonly customerLoader = this.listBackedLoader<CustomerRecord>(
    "Customer",
    (id) => this.client.getCustomer(id),
    // Archived customers are left out of the default list; they stay reachable by id.
    () => this.client.listCustomers({}),
  );

  private readonly jobLoader = this.listBackedLoader<JobRecord>(
    "Job",
    async (id) => {
      const job = await this.client.getJob(id);
      if (job) this.keepEmbedded(job);
      return job;
    },
    // Lists embed nothing (§4.1): relations of jobs read this way are read from their endpoints.
    () => this.client.listJobs({}),
  );

  /**
   * Jobs this request read with `jobs/get`, by id, with what it embedded (already kept to the
   * job's own records by the client), and their invoices by id (for `Invoice.payments`).
   */
  private readonly jobDetails = new Map<string, JobRecord>();
  private readonly embeddedInvoices = new Map<string, InvoiceRecord>();

  private readonly invoiceLoader = this.listBackedLoader<InvoiceRecord>(
    "Invoice",
    (id) => this.client.getInvoice(id),
    () => this.client.listInvoices({}),
  );

  private readonly eventLoader = byIdLoader("jobcloser", "SiteVisit", async (id) => {
    const record = await this.client.getEvent(id);
    return record && toUnifiedSiteVisit(record);
  });

  private readonly chemicalApplicationLoader = byIdLoader("jobcloser", "ChemicalApplication", async (id) => {
    const record = await this.client.getChemicalApplication(id);
    return record && toUnifiedChemicalApplication(record);
  });

  private readonly accountLoader = byIdLoader("jobcloser", "Account", (id) => this.client.getAccount(id));

  /** Chemical applications, event photos, and customers and leads through Zapier. */
  readonly writes: JobCloserWrites;

  constructor(
    private readonly client: JobCloserClient,
    private readonly currency: string,
  ) {
    this.writes = new JobCloserWrites(client);
  }

  isValidId(type: NodeRef["type"], id: string): boolean {
    // JobCloser has no estimates of its own (its pre-sale jobs are jobs).
    return ID.test(id) && type !== "Estimate";
  }

  async company(): Promise<UnifiedCompany | null> {
    const record = await this.client.getCompany();
    return record && toUnifiedCompany(record, this.currency);
  }

  async load(ref: NodeRef): Promise<UnifiedNode | null> {
    try {
      switch (ref.type) {
        case "Customer":
          return toUnifiedCustomer(await this.customerLoader.load(ref.sourceId));
        case "Lead":
          return toUnifiedLead(await this.customerLoader.load(ref.sourceId));
        case "Job":
          return toUnifiedJob(await this.jobLoader.load(ref.sourceId), this.currency);
        case "Invoice":
          return toUnifiedInvoice(await this.invoiceLoader.load(ref.sourceId), this.currency);
        case "Payment": {
          if (!ref.locator) return null;
          const invoice = await this.invoiceLoader.load(ref.locator);
          const payment = invoice.Payments.find((candidate) => candidate.Id === ref.sourceId);
          return payment ? toUnifiedPayment(payment, invoice, this.currency) : null;
        }
        case "SiteVisit":
          return await this.eventLoader.load(ref.sourceId);
        case "ChemicalApplication":
          return await this.chemicalApplicationLoader.load(ref.sourceId);
        case "Crew":
          return await fromList(this.client.listCrews(), ref.sourceId, toUnifiedCrew);
        case "Employee":
          return await fromList(this.client.listEmployees(), ref.sourceId, toUnifiedEmployee);
        case "Product":
          return await fromList(this.client.listProducts(), ref.sourceId, (record) =>
            toUnifiedProduct(record, this.currency),
          );
        case "Location":
          return await fromList(this.client.listLocations(), ref.sourceId, toUnifiedLocation);
        case "Asset":
          return await fromList(this.client.listAssets({}), ref.sourceId, toUnifiedAsset);
        case "Vendor":
          return await fromList(this.client.listVendors({}), ref.sourceId, toUnifiedVendor);
        default:
          return null;
      }
    } catch (error) {
      if (error instanceof RecordNotFound) return null;
      throw error;
    }
  }

  async jobProducts(job: UnifiedJob): Promise<UnifiedProduct[]> {
    const products = await this.client.listProductsForJob(job.sourceId);
    return products.map((product) => toUnifiedProduct(product, this.currency));
  }

  async teamMember(id: string): Promise<TeamMemberRef | null> {
    const account = await this.accountLoader.load(id).catch((error: unknown) => {
      if (error instanceof RecordNotFound) return null;
      throw error;
    });
    return (
      account && {
        sourceId: account.Id,
        name: `${account.FirstName} ${account.LastName}`.trim(),
        email: account.Email,
      }
    );
  }

  async jobLineItems(job: UnifiedJob): Promise<UnifiedLineItem[]> {
    const items =
      this.jobDetails.get(job.sourceId)?.JobItems ?? (await this.client.listJobItems(job.sourceId));
    return [...items].sort(lineOrder).map((item) => toUnifiedLineItem(item, this.currency));
  }

  /** Customers, jobs and invoices, read whole for change detection (no webhooks). */
  changeFeeds(): ChangeFeed[] {
    return jobCloserChangeFeeds(this.client, this.currency);
  }

  clearLoaders(): void {
    this.client.forget();
    for (const loader of [this.customerLoader, this.jobLoader, this.invoiceLoader]) loader.clearAll();
    this.jobDetails.clear();
    this.embeddedInvoices.clear();
    this.eventLoader.clearAll();
    this.accountLoader.clearAll();
    this.chemicalApplicationLoader.clearAll();
  }

  readonly lists = {
    customers: (filter) =>
      this.slice(() => this.client.customerRecords({ search: filter.search }), toUnifiedCustomer),

    leads: (filter) => {
      const status = filter.status;
      // JobCloser leads are customers in status Lead: they are all NEW.
      if (status !== undefined && status !== "NEW") return null;
      return this.slice(
        () => this.client.customerRecords({ status: "Lead", search: filter.search }),
        toUnifiedLead,
      );
    },

    jobs: (filter) => {
      if (filter.scheduledDate !== undefined || filter.assigneeId !== undefined) return null;
      const statuses = filter.status ? JOB_STATUS_FILTER[filter.status] : undefined;
      // One upstream status can be asked for; the pre-sale stages are three, filtered here.
      const upstreamStatus = statuses?.length === 1 ? statuses[0] : undefined;
      const { customerId } = filter;
      const upstreamFilter = { status: upstreamStatus, crewId: filter.crewId };
      const matches = allOf<JobRecord>(
        statuses !== undefined && ((job) => statuses.includes(job.Status)),
        customerId !== undefined && ((job) => job.CustomerId === customerId),
      );
      return this.slice(
        async () =>
          // Filtered here: every record is read; otherwise only the page's records are checked.
          matches
            ? keepMatching(await this.client.listJobs(upstreamFilter), matches)
            : this.client.jobRecords(upstreamFilter),
        (job) => toUnifiedJob(job, this.currency),
      );
    },

    siteVisits: (filter) => {
      // Events are listed per job only: without a job there is no list to read.
      const { jobId } = filter;
      if (jobId === undefined) {
        throw new UnsupportedBySourceError(
          "jobcloser",
          "JobCloser lists calendar events per job only: pass jobId (or query Job.siteVisits).",
          "jobId",
        );
      }
      const status = filter.status ? VISIT_STATUS_FILTER[filter.status] : undefined;
      return this.slice(async () => {
        if (!(await this.ownJob(jobId))) return [];
        // Every filter is applied here too, so embedded events need none upstream.
        const embedded = this.jobDetails.get(jobId)?.Events;
        const events = embedded
          ? [...embedded].sort(earliestFirst)
          : await this.client.listEvents(jobId, { date: filter.from });
        return keepMatching(
          events,
          allOf<EventRecord>(
            status !== undefined && ((event) => event.Status === status),
            filter.customerId !== undefined && ((event) => event.CustomerId === filter.customerId),
            filter.from !== undefined && ((event) => dateOf(event.StartDate) >= (filter.from ?? "")),
            filter.to !== undefined && ((event) => dateOf(event.StartDate) <= (filter.to ?? "")),
          ),
        ).map(toUnifiedSiteVisit);
      });
    },

    invoices: (filter) => {
      const status = filter.status ? INVOICE_STATUS_FILTER[filter.status] : undefined;
      if (status === null) return null;
      const customerId = filter.customerId ?? filter.jobId?.customerId;
      const jobId = filter.jobId?.jobId;
      const { issuedFrom, issuedTo } = filter;
      return this.slice(async () => {
        const embedded = jobId === undefined ? null : (this.jobDetails.get(jobId)?.Invoices ?? null);
        const invoices = embedded
          ? [...embedded].sort(newestFirst)
          : await this.client.listInvoices({ status, start: issuedFrom, end: issuedTo });
        return keepMatching(
          invoices,
          allOf<InvoiceRecord>(
            // What the upstream filters its list by, the same way, for the embedded invoices.
            embedded !== null && status !== undefined && ((invoice) => invoice.Status === status),
            embedded !== null &&
              issuedFrom !== undefined &&
              ((invoice) => dateOf(invoice.InvoiceDate) >= issuedFrom),
            embedded !== null &&
              issuedTo !== undefined &&
              ((invoice) => dateOf(invoice.InvoiceDate) <= issuedTo),
            customerId !== undefined && ((invoice) => invoice.CustomerId === customerId),
            jobId !== undefined && ((invoice) => invoice.JobId === jobId),
          ),
        ).map((invoice) => toUnifiedInvoice(invoice, this.currency));
      });
    },

    payments: (filter) => {
      const customerId = filter.customerId ?? filter.invoiceId?.customerId;
      const invoiceId = filter.invoiceId?.invoiceId;
      return this.slice(async () => {
        const payments: UnifiedPayment[] = [];
        // An invoice a job embedded carries its payments: no list needed for it.
        const embedded = invoiceId === undefined ? undefined : this.embeddedInvoices.get(invoiceId);
        for (const invoice of embedded ? [embedded] : await this.client.listInvoices({})) {
          if (customerId !== undefined && invoice.CustomerId !== customerId) continue;
          if (invoiceId !== undefined && invoice.Id !== invoiceId) continue;
          for (const payment of invoice.Payments)
            payments.push(toUnifiedPayment(payment, invoice, this.currency));
        }
        return keepMatching(
          payments,
          allOf<UnifiedPayment>(
            filter.paidFrom !== undefined && ((payment) => dateOf(payment.paidAt) >= (filter.paidFrom ?? "")),
            filter.paidTo !== undefined && ((payment) => dateOf(payment.paidAt) <= (filter.paidTo ?? "")),
          ),
        ).sort((a, b) => Date.parse(b.paidAt) - Date.parse(a.paidAt) || a.sourceId.localeCompare(b.sourceId));
      });
    },

    chemicalApplications: (filter) =>
      this.slice(async () => {
        if (!(await this.ownJob(filter.jobId))) return [];
        const records = await this.client.listChemicalApplications(filter.jobId, {
          eventId: filter.siteVisitId,
          productId: filter.productId,
        });
        return records.map(toUnifiedChemicalApplication);
      }),

    crews: () => this.slice(() => this.client.listCrews(), toUnifiedCrew),
    employees: () => this.slice(() => this.client.listEmployees(), toUnifiedEmployee),
    products: () =>
      this.slice(
        () => this.client.listProducts(),
        (product) => toUnifiedProduct(product, this.currency),
      ),
    locations: () => this.slice(() => this.client.listLocations(), toUnifiedLocation),
    assets: (filter) => this.slice(() => this.client.listAssets({ search: filter.search }), toUnifiedAsset),
    vendors: (filter) =>
      this.slice(() => this.client.listVendors({ search: filter.search }), toUnifiedVendor),
  } satisfies StreamFactories;

  /**
   * Keeps what `jobs/get` embedded in a job for this request: its customer and invoices go into
   * the by-id loaders (a record loaded already stays as it is), its events too, and its invoices,
   * events and line items serve that job's relations.
   */
  private keepEmbedded(job: JobRecord): void {
    this.jobDetails.set(job.Id, job);
    if (job.Customer) this.customerLoader.prime(job.Customer.Id, job.Customer);
    for (const invoice of job.Invoices ?? []) {
      this.invoiceLoader.prime(invoice.Id, invoice);
      this.embeddedInvoices.set(invoice.Id, invoice);
    }
    for (const event of job.Events ?? []) this.eventLoader.prime(event.Id, toUnifiedSiteVisit(event));
  }

  /** Whether a job is the tenant's (job-scoped lists of another company's job would leak it). */
  private async ownJob(jobId: string): Promise<boolean> {
    try {
      await this.jobLoader.load(jobId);
      return true;
    } catch (error) {
      if (error instanceof RecordNotFound) return false;
      throw error;
    }
  }

  /**
   * A stream over a whole list held in memory: any window is a slice, no further request. With
   * `map`, only a window's records are mapped, as it is taken: a page of 50 from a company's
   * `getall` maps 50 records, not the whole list (and, from CompanyRecords, checks only those).
   */
  private slice<T>(records: () => Promise<RecordWindow<T>>): SourceStream<T>;
  private slice<R, T>(records: () => Promise<RecordWindow<R>>, map: (record: R) => T): SourceStream<T>;
  private slice<R, T>(records: () => Promise<RecordWindow<R>>, map?: (record: R) => T): SourceStream<T | R> {
    let loaded: Promise<RecordWindow<R>> | null = null;
    return {
      source: this.source,
      maxPageSize: MAX_WINDOW,
      fetch: async (offset, limit) => {
        loaded ??= records();
        const all = await loaded;
        const window = all.slice(offset, offset + limit);
        return { records: map ? window.map(map) : window, total: all.length };
      },
    };
  }

  /**
   * A by-id loader that reads one record with `get`, but several with the company's list (one
   * request instead of many), falling back to `get` for ids the list lacks (archived records).
   */
  private listBackedLoader<T extends { Id: string }>(
    type: string,
    get: (id: string) => Promise<T | null>,
    list: () => Promise<T[]>,
  ): DataLoader<string, T> {
    return new DataLoader<string, T>(async (ids) => {
      const fromList = new Map<string, T>();
      if (ids.length > 1) {
        for (const record of await list()) fromList.set(record.Id, record);
      }
      return Promise.all(
        ids.map(async (id) => {
          try {
            const record = fromList.get(id) ?? (await get(id));
            return record ?? new RecordNotFound("jobcloser", type, id);
          } catch (error) {
            return error as Error;
          }
        }),
      );
    });
  }
}
