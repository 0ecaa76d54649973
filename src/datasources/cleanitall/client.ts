import type { z } from "zod";
import type { UpstreamRequest } from "../http.js";
import type { StreamPage } from "../paging.js";
import { RestClient, upstreamErrorMessage } from "../rest.js";
import {
  type CustomerRecord,
  customerRecord,
  type InvoiceRecord,
  invoiceRecord,
  type JobRecord,
  jobRecord,
  list,
  type PaymentRecord,
  paymentRecord,
} from "./records.js";

/**
 * CleanItAll REST client (upstreams/cleanitall.md): `X-API-Key` auth, offset pagination
 * (`limit` ≤ 100), `{data}` / `{data, meta}` envelopes, 404 for unknown or malformed ids.
 */

export const CLEANITALL_MAX_PAGE = 100;

export type JobQuery = {
  status?: string;
  customer_id?: string;
  assigned_to?: string;
  scheduled_date?: string;
};
export type CustomerQuery = { search?: string };
export type InvoiceQuery = { status?: string; customer_id?: string; from_date?: string; to_date?: string };
export type PaymentQuery = {
  customer_id?: string;
  invoice_id?: string;
  from_date?: string;
  to_date?: string;
};

export class CleanItAllClient extends RestClient {
  getCustomer(id: string): Promise<CustomerRecord | null> {
    return this.getOne("/customers/:id", `/customers/${encodeURIComponent(id)}`, customerRecord);
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.getOne("/jobs/:id", `/jobs/${encodeURIComponent(id)}`, jobRecord);
  }

  getInvoice(id: string): Promise<InvoiceRecord | null> {
    return this.getOne("/invoices/:id", `/invoices/${encodeURIComponent(id)}`, invoiceRecord);
  }

  listCustomers(query: CustomerQuery, offset: number, limit: number): Promise<StreamPage<CustomerRecord>> {
    return this.listWindow("/customers", customerRecord, query, offset, limit);
  }

  listJobs(query: JobQuery, offset: number, limit: number): Promise<StreamPage<JobRecord>> {
    return this.listWindow("/jobs", jobRecord, query, offset, limit);
  }

  listInvoices(query: InvoiceQuery, offset: number, limit: number): Promise<StreamPage<InvoiceRecord>> {
    return this.listWindow("/invoices", invoiceRecord, query, offset, limit);
  }

  listPayments(query: PaymentQuery, offset: number, limit: number): Promise<StreamPage<PaymentRecord>> {
    return this.listWindow("/payments", paymentRecord, query, offset, limit);
  }

  /**
   * Records at positions [offset, offset + limit). A window wider than one upstream page is split
   * into page-sized requests sent concurrently: offsets are known up front.
   */
  private async listWindow<T>(
    route: string,
    schema: z.ZodType<T>,
    query: Record<string, string | undefined>,
    offset: number,
    limit: number,
  ): Promise<StreamPage<T>> {
    const starts: number[] = [];
    for (let start = offset; start < offset + limit; start += CLEANITALL_MAX_PAGE) starts.push(start);
    const pages = await Promise.all(
      starts.map(async (start) => {
        const request: UpstreamRequest = {
          method: "GET",
          path: route,
          route,
          query: { ...query, limit: Math.min(CLEANITALL_MAX_PAGE, offset + limit - start), offset: start },
        };
        const response = await this.send(request);
        if (response.status !== 200)
          throw this.unexpected(request, response, upstreamErrorMessage(response.body));
        return this.parse(list(schema), response.body, request);
      }),
    );
    return {
      records: pages.flatMap((page) => page.data as T[]),
      total: pages[0]?.meta.total ?? 0,
    };
  }
}

/** The upstream's own error message, when its body has the documented envelope. */
