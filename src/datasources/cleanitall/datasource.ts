import DataLoader from "dataloader";
import type { Datasource, InvoiceFilter, JobFilter, PaymentFilter, StreamFactories } from "../datasource.js";
import { allOf } from "../filters.js";
import type { SourceStream, StreamPage } from "../paging.js";
import { byIdLoader, mappedOnce, mappedOncePer, RecordNotFound } from "../rest.js";
import type {
  InvoiceStatus,
  JobStatus,
  NodeRef,
  UnifiedInvoice,
  UnifiedNode,
  UnifiedPayment,
} from "../unified.js";
import { CLEANITALL_MAX_PAGE, type CleanItAllClient, type InvoiceQuery } from "./client.js";
import {
  toUnifiedCustomer as mapCustomer,
  toUnifiedInvoice as mapInvoice,
  toUnifiedJob as mapJob,
  toUnifiedPayment as mapPayment,
} from "./mappers.js";
import { CleanItAllWrites } from "./writes.js";

/**
 * CleanItAll as a gateway datasource. Its lists return complete records, so every list result
 * primes the by-id loaders: a record seen in a list is never fetched again in the same request.
 * CleanItAll has no batch endpoints; by-id loads are de-duplicated and sent concurrently.
 */

const JOB_STATUS_FILTER: Record<JobStatus, string | null> = {
  UNSCHEDULED: null,
  SCHEDULED: "pending",
  IN_PROGRESS: "in_progress",
  COMPLETED: "completed",
  CANCELLED: "cancelled",
};

/** Upstream status filter plus the gateway-side check for what the upstream status cannot tell. */
const INVOICE_STATUS_FILTER: Record<
  InvoiceStatus,
  { status: string; accept?: (r: UnifiedInvoice) => boolean } | null
> = {
  DRAFT: { status: "draft" },
  SENT: { status: "pending", accept: (invoice) => invoice.status === "SENT" },
  PARTIALLY_PAID: { status: "pending", accept: (invoice) => invoice.status === "PARTIALLY_PAID" },
  PAID: { status: "paid" },
  OVERDUE: { status: "overdue" },
  VOID: { status: "cancelled" },
  VIEWED: null,
};

/** Each upstream record is mapped once while its cached response lives (rest.ts, mappedOnce). */
const toUnifiedCustomer = mappedOnce(mapCustomer);
const toUnifiedJob = mappedOncePer(mapJob);
const toUnifiedInvoice = mappedOnce(mapInvoice);
const toUnifiedPayment = mappedOnce(mapPayment);

const ID_PATTERN: Record<string, RegExp> = {
  Customer: /^cus_[a-z0-9]+$/,
  Job: /^job_[a-z0-9]+$/,
  Invoice: /^inv_[a-z0-9]+$/,
  Payment: /^pay_[a-z0-9]+$/,
};

export class CleanItAllDatasource implements Datasource {
  readonly source = "cleanitall" as const;

  private readonly customerLoader = byIdLoader("cleanitall", "Customer", async (id) => {
    const record = await this.client.getCustomer(id);
    return record && toUnifiedCustomer(record);
  });

  private readonly jobLoader = byIdLoader("cleanitall", "Job", async (id) => {
    const record = await this.client.getJob(id);
    return record && toUnifiedJob(record, this.currency);
  });

  private readonly invoiceLoader = byIdLoader("cleanitall", "Invoice", async (id) => {
    const record = await this.client.getInvoice(id);
    return record && toUnifiedInvoice(record);
  });

  /** Payments have no by-id endpoint: key `invoiceId/paymentId`, found through the invoice's payments. */
  private readonly paymentLoader = new DataLoader<string, UnifiedPayment>((keys) =>
    Promise.all(keys.map((key) => this.findPayment(key).catch((error: Error) => error))),
  );

  readonly writes: CleanItAllWrites;

  constructor(
    private readonly client: CleanItAllClient,
    /** Account currency for job prices. */
    private readonly currency: string,
  ) {
    // A write also forgets this request's loaded records, so later fields read what it wrote.
    this.writes = new CleanItAllWrites(client, currency, () => this.clearLoaders());
  }

  isValidId(type: NodeRef["type"], id: string): boolean {
    return ID_PATTERN[type]?.test(id) ?? false;
  }

  async load(ref: NodeRef): Promise<UnifiedNode | null> {
    try {
      switch (ref.type) {
        case "Customer":
          return await this.customerLoader.load(ref.sourceId);
        case "Job":
          return await this.jobLoader.load(ref.sourceId);
        case "Invoice":
          return await this.invoiceLoader.load(ref.sourceId);
        case "Payment":
          return ref.locator ? await this.paymentLoader.load(`${ref.locator}/${ref.sourceId}`) : null;
        default:
          return null;
      }
    } catch (error) {
      if (error instanceof RecordNotFound) return null;
      throw error;
    }
  }

  clearLoaders(): void {
    this.client.forget();
    this.customerLoader.clearAll();
    this.jobLoader.clearAll();
    this.invoiceLoader.clearAll();
    this.paymentLoader.clearAll();
  }

  readonly lists = {
    customers: (filter) =>
      this.stream(async (offset, limit) => {
        const page = await this.client.listCustomers({ search: filter.search }, offset, limit);
        return this.primed(page.records.map(toUnifiedCustomer), this.customerLoader, page.total);
      }),

    jobs: (filter: JobFilter) => {
      const status = filter.status ? JOB_STATUS_FILTER[filter.status] : undefined;
      if (status === null) return null;
      const query = {
        status,
        customer_id: filter.customerId,
        assigned_to: filter.assigneeId,
        scheduled_date: filter.scheduledDate,
      };
      return this.stream(async (offset, limit) => {
        const page = await this.client.listJobs(query, offset, limit);
        return this.primed(
          page.records.map((record) => toUnifiedJob(record, this.currency)),
          this.jobLoader,
          page.total,
        );
      });
    },

    invoices: (filter: InvoiceFilter) => {
      const status = filter.status ? INVOICE_STATUS_FILTER[filter.status] : undefined;
      if (status === null) return null;
      if (filter.customerId && filter.jobId && filter.customerId !== filter.jobId.customerId) return null;
      // No job filter upstream: a job's invoices are its customer's invoices that name the job.
      const jobId = filter.jobId?.jobId;
      const query: InvoiceQuery = {
        status: status?.status,
        customer_id: filter.customerId ?? filter.jobId?.customerId,
        from_date: filter.issuedFrom,
        to_date: filter.issuedTo,
      };
      const accept = allOf<UnifiedInvoice>(
        status?.accept,
        jobId ? (invoice) => invoice.jobId === jobId : undefined,
      );
      return this.stream(async (offset, limit) => {
        const page = await this.client.listInvoices(query, offset, limit);
        return this.primed(page.records.map(toUnifiedInvoice), this.invoiceLoader, page.total);
      }, accept);
    },

    payments: (filter: PaymentFilter) => {
      if (filter.customerId && filter.invoiceId && filter.customerId !== filter.invoiceId.customerId)
        return null;
      // An invoice's payments are fetched as its customer's payments: one request then serves every
      // invoice of that customer on the page (identical GETs are shared within a request).
      const invoiceId = filter.invoiceId?.invoiceId;
      const query = {
        customer_id: filter.customerId ?? filter.invoiceId?.customerId,
        from_date: filter.paidFrom,
        to_date: filter.paidTo,
      };
      return this.stream(
        async (offset, limit) => {
          const page = await this.client.listPayments(query, offset, limit);
          const payments = page.records.map(toUnifiedPayment);
          for (const payment of payments)
            this.paymentLoader.prime(`${payment.invoiceId}/${payment.sourceId}`, payment);
          return { records: payments, total: page.total };
        },
        invoiceId ? (payment) => payment.invoiceId === invoiceId : undefined,
      );
    },
  } satisfies StreamFactories;

  private stream<T>(
    fetch: (offset: number, limit: number) => Promise<StreamPage<T>>,
    accept?: (record: T) => boolean,
  ): SourceStream<T> {
    return { source: this.source, fetch, maxPageSize: CLEANITALL_MAX_PAGE, ...(accept ? { accept } : {}) };
  }

  private primed<T extends { sourceId: string }>(
    records: T[],
    loader: DataLoader<string, T>,
    total: number,
  ): StreamPage<T> {
    for (const record of records) loader.prime(record.sourceId, record);
    return { records, total };
  }

  private async findPayment(key: string): Promise<UnifiedPayment | RecordNotFound> {
    const [invoiceId = "", paymentId = ""] = key.split("/");
    for (let offset = 0; ; offset += CLEANITALL_MAX_PAGE) {
      const page = await this.client.listPayments({ invoice_id: invoiceId }, offset, CLEANITALL_MAX_PAGE);
      const found = page.records.find((record) => record.id === paymentId);
      if (found) return toUnifiedPayment(found);
      if (offset + page.records.length >= page.total || page.records.length === 0) {
        return new RecordNotFound("cleanitall", "Payment", paymentId);
      }
    }
  }
}
