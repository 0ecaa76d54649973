import type { ChangeFeed } from "../../events/types.js";
import type { Datasource, StreamFactories } from "../datasource.js";
import type { SourceStream, StreamPage } from "../paging.js";
import { byIdLoader, mappedOnce, RecordNotFound } from "../rest.js";
import type { InvoiceStatus, NodeRef, UnifiedCustomer, UnifiedInvoice, UnifiedNode } from "../unified.js";
import { cleverInvoChangeFeeds } from "./changes.js";
import { CLEVERINVO_MAX_PAGE, type CleverInvoClient, type InvoicePdf } from "./client.js";
import { toUnifiedCustomer as mapCustomer, toUnifiedInvoice as mapInvoice } from "./mappers.js";
import { CleverInvoWrites } from "./writes.js";

/**
 * CleverInvo as a gateway datasource: clients are customers, invoices are invoices (no jobs, no
 * payments). Client lists hold active clients only; a soft-deleted client is still readable by id.
 * Invoice lists lack lines, notes and terms (records are `partial`); the by-id loader has them.
 */

/** Each upstream record is mapped once while its cached response lives (rest.ts, mappedOnce). */
const toUnifiedCustomer = mappedOnce(mapCustomer);
const toUnifiedInvoice = mappedOnce(mapInvoice);

const STATUS_FILTER: Record<InvoiceStatus, string | null> = {
  DRAFT: "DRAFT",
  SENT: "SENT",
  VIEWED: "VIEWED",
  PAID: "PAID",
  PARTIALLY_PAID: "PARTIALLY_PAID",
  OVERDUE: "OVERDUE",
  VOID: null,
};

export class CleverInvoDatasource implements Datasource {
  readonly source = "cleverinvo" as const;

  private readonly customerLoader = byIdLoader("cleverinvo", "Customer", async (id) => {
    const record = await this.client.getClient(id);
    return record && toUnifiedCustomer(record);
  });

  private readonly invoiceLoader = byIdLoader("cleverinvo", "Invoice", async (id) => {
    const record = await this.client.getInvoice(id);
    return record && toUnifiedInvoice(record);
  });

  readonly writes: CleverInvoWrites;

  constructor(private readonly client: CleverInvoClient) {
    this.writes = new CleverInvoWrites(client);
  }

  isValidId(type: NodeRef["type"], id: string): boolean {
    return (type === "Customer" || type === "Invoice") && /^c[a-z0-9]{24}$/.test(id);
  }

  async load(ref: NodeRef): Promise<UnifiedNode | null> {
    try {
      if (ref.type === "Customer") return await this.customerLoader.load(ref.sourceId);
      if (ref.type === "Invoice") return await this.invoiceLoader.load(ref.sourceId);
      return null;
    } catch (error) {
      if (error instanceof RecordNotFound) return null;
      throw error;
    }
  }

  /** The invoice's PDF, streamed by the gateway to authenticated clients. */
  invoicePdf(invoiceId: string): Promise<InvoicePdf | null> {
    return this.client.getInvoicePdf(invoiceId);
  }

  /** Clients and invoices, read whole for change detection (no webhooks). */
  changeFeeds(): ChangeFeed[] {
    return cleverInvoChangeFeeds(this.client);
  }

  clearLoaders(): void {
    this.client.forget();
    this.customerLoader.clearAll();
    this.invoiceLoader.clearAll();
  }

  readonly lists = {
    customers: (filter) =>
      this.stream<UnifiedCustomer>(async (offset, limit) => {
        const page = await this.client.listClients({ search: filter.search }, offset, limit);
        const customers = page.records.map(toUnifiedCustomer);
        for (const customer of customers) this.customerLoader.prime(customer.sourceId, customer);
        return { records: customers, total: page.total };
      }),

    invoices: (filter) => {
      const status = filter.status ? STATUS_FILTER[filter.status] : undefined;
      // CleverInvo has no jobs, so no invoice names one; and it never voids.
      if (status === null || filter.jobId !== undefined) return null;
      // Dates cannot be filtered upstream: the gateway filters on the issue date.
      const { issuedFrom, issuedTo } = filter;
      const accept =
        issuedFrom || issuedTo
          ? (invoice: UnifiedInvoice) =>
              (!issuedFrom || (invoice.issueDate ?? "") >= issuedFrom) &&
              (!issuedTo || (invoice.issueDate ?? "") <= issuedTo)
          : undefined;
      const query = { clientId: filter.customerId, status };
      return this.stream<UnifiedInvoice>(async (offset, limit) => {
        const page = await this.client.listInvoices(query, offset, limit);
        return { records: page.records.map(toUnifiedInvoice), total: page.total };
      }, accept);
    },
  } satisfies StreamFactories;

  private stream<T>(
    fetch: (offset: number, limit: number) => Promise<StreamPage<T>>,
    accept?: (record: T) => boolean,
  ): SourceStream<T> {
    return { source: this.source, fetch, maxPageSize: CLEVERINVO_MAX_PAGE, ...(accept ? { accept } : {}) };
  }
}
