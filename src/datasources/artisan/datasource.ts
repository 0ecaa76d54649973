import type DataLoader from "dataloader";
import { UpstreamError } from "../../errors.js";
import type { ChangeFeed } from "../../events/types.js";
import type { Datasource, StreamFactories } from "../datasource.js";
import type { SourceStream, StreamPage } from "../paging.js";
import { byIdLoader, mappedOnce, mappedOncePer, RecordNotFound } from "../rest.js";
import type {
  InvoiceStatus,
  NodeRef,
  UnifiedCompany,
  UnifiedCustomer,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedNode,
  UnifiedSiteVisit,
} from "../unified.js";
import { artisanChangeFeeds } from "./changes.js";
import { ARTISAN_MAX_PAGE, type ArtisanClient } from "./client.js";
import {
  toUnifiedCompany as mapCompany,
  toUnifiedCustomer as mapCustomer,
  toUnifiedInvoice as mapInvoice,
  toUnifiedJob as mapJob,
  toUnifiedSiteVisit as mapSiteVisit,
  UPSTREAM_JOB_STATUS,
  UPSTREAM_SITE_VISIT_STATUS,
} from "./mappers.js";
import { ArtisanWrites } from "./writes.js";

/**
 * Check-in ARTISAN as a gateway datasource. By-id loaders fetch the detail representation; list
 * records lack the detail-only fields (they are marked `partial`), so only customers, whose list
 * and detail carry the same unified fields, are primed from lists. Money is in the company
 * currency, read from the company profile, which is cached for `profileTtlMs` across requests.
 */

/** Each upstream record is mapped once while its cached response lives (rest.ts, mappedOnce). */
const toUnifiedCompany = mappedOnce(mapCompany);
const toUnifiedCustomer = mappedOnce(mapCustomer);
const toUnifiedJob = mappedOnce(mapJob);
const toUnifiedSiteVisit = mappedOnce(mapSiteVisit);
/** Amounts are in the company's currency, which the profile tells. */
const toUnifiedInvoice = mappedOncePer(mapInvoice);

/** ARTISAN invoices are either paid or issued-and-unpaid. */
const INVOICE_PAID_FILTER: Record<InvoiceStatus, string | null> = {
  PAID: "true",
  SENT: "false",
  DRAFT: null,
  VIEWED: null,
  PARTIALLY_PAID: null,
  OVERDUE: null,
  VOID: null,
};

export class ArtisanDatasource implements Datasource {
  readonly source = "artisan" as const;
  private companyProfile: Promise<UnifiedCompany | null> | null = null;

  private readonly customerLoader = byIdLoader("artisan", "Customer", async (id) => {
    const record = await this.client.getCustomer(id);
    return record && toUnifiedCustomer(record);
  });

  private readonly jobLoader = byIdLoader("artisan", "Job", async (id) => {
    const record = await this.client.getJob(id);
    return record && toUnifiedJob(record);
  });

  private readonly siteVisitLoader = byIdLoader("artisan", "SiteVisit", async (id) => {
    const record = await this.client.getSiteVisit(id);
    return record && toUnifiedSiteVisit(record);
  });

  private readonly invoiceLoader = byIdLoader("artisan", "Invoice", async (id) => {
    const [record, currency] = await Promise.all([this.client.getInvoice(id), this.currency()]);
    return record && toUnifiedInvoice(record, currency);
  });

  readonly writes: ArtisanWrites;

  constructor(
    private readonly client: ArtisanClient,
    private readonly profileTtlMs: number,
  ) {
    this.writes = new ArtisanWrites(client, {
      currency: () => this.currency(),
      // Records this request loaded before a write may be stale after it (the profile is not).
      forgetLoaded: () => this.forgetRecords(),
    });
  }

  isValidId(type: NodeRef["type"], id: string): boolean {
    return type !== "Payment" && /^[1-9][0-9]{0,15}$/.test(id);
  }

  company(): Promise<UnifiedCompany | null> {
    this.companyProfile ??= this.client
      .getCompany(this.profileTtlMs)
      .then((record) => record && toUnifiedCompany(record));
    return this.companyProfile;
  }

  async publicCompany(slug: string): Promise<UnifiedCompany | null> {
    const record = await this.client.getPublicCompany(slug);
    return record && toUnifiedCompany(record);
  }

  private async currency(): Promise<string> {
    const company = await this.company();
    if (!company) {
      throw new UpstreamError(
        "artisan",
        "UPSTREAM_ERROR",
        "artisan GET /company found no company for this token",
      );
    }
    return company.currency;
  }

  async load(ref: NodeRef): Promise<UnifiedNode | null> {
    const loader = {
      Customer: this.customerLoader,
      Job: this.jobLoader,
      SiteVisit: this.siteVisitLoader,
      Invoice: this.invoiceLoader,
    }[ref.type as string] as DataLoader<string, UnifiedNode> | undefined;
    if (!loader) return null;
    try {
      return await loader.load(ref.sourceId);
    } catch (error) {
      if (error instanceof RecordNotFound) return null;
      throw error;
    }
  }

  /** Customers, jobs, site visits and invoices, read whole for change detection (no webhooks). */
  changeFeeds(): ChangeFeed[] {
    return artisanChangeFeeds(this.client, this.profileTtlMs);
  }

  clearLoaders(): void {
    this.client.forget();
    this.forgetRecords();
    this.companyProfile = null;
  }

  private forgetRecords(): void {
    this.customerLoader.clearAll();
    this.jobLoader.clearAll();
    this.siteVisitLoader.clearAll();
    this.invoiceLoader.clearAll();
  }

  readonly lists = {
    customers: (filter) =>
      this.stream<UnifiedCustomer>(async (offset, limit) => {
        const page = await this.client.listCustomers({ search: filter.search }, offset, limit);
        const customers = page.records.map(toUnifiedCustomer);
        for (const customer of customers) this.customerLoader.prime(customer.sourceId, customer);
        return { records: customers, total: page.total };
      }),

    jobs: (filter) => {
      // ARTISAN jobs carry no schedule or assignee (site visits do): such filters match none.
      if (filter.scheduledDate !== undefined || filter.assigneeId !== undefined) return null;
      const query = {
        customer_id: filter.customerId,
        status: filter.status ? UPSTREAM_JOB_STATUS[filter.status] : undefined,
      };
      return this.stream<UnifiedJob>(async (offset, limit) => {
        const page = await this.client.listJobs(query, offset, limit);
        return { records: page.records.map(toUnifiedJob), total: page.total };
      });
    },

    siteVisits: (filter) => {
      const status = filter.status ? UPSTREAM_SITE_VISIT_STATUS[filter.status] : undefined;
      if (status === null) return null;
      const query = {
        status,
        job_id: filter.jobId,
        customer_id: filter.customerId,
        from: filter.from,
        to: filter.to,
      };
      return this.stream<UnifiedSiteVisit>(async (offset, limit) => {
        const page = await this.client.listSiteVisits(query, offset, limit);
        return { records: page.records.map(toUnifiedSiteVisit), total: page.total };
      });
    },

    invoices: (filter) => {
      const paid = filter.status ? INVOICE_PAID_FILTER[filter.status] : undefined;
      // ARTISAN invoices are linked to customers only, never to jobs.
      if (paid === null || filter.jobId !== undefined) return null;
      const query = { paid, customer_id: filter.customerId, from: filter.issuedFrom, to: filter.issuedTo };
      return this.stream<UnifiedInvoice>(async (offset, limit) => {
        const [page, currency] = await Promise.all([
          this.client.listInvoices(query, offset, limit),
          this.currency(),
        ]);
        return {
          records: page.records.map((record) => toUnifiedInvoice(record, currency)),
          total: page.total,
        };
      });
    },
  } satisfies StreamFactories;

  private stream<T>(fetch: (offset: number, limit: number) => Promise<StreamPage<T>>): SourceStream<T> {
    return { source: this.source, fetch, maxPageSize: ARTISAN_MAX_PAGE };
  }
}
