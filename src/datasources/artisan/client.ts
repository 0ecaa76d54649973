import type { z } from "zod";
import type { StreamPage } from "../paging.js";
import { RestClient } from "../rest.js";
import {
  type CompanyRecord,
  type CustomerRecord,
  companyRecord,
  customerRecord,
  type InvoiceRecord,
  invoiceRecord,
  type JobRecord,
  jobRecord,
  list,
  type SiteVisitRecord,
  siteVisitRecord,
} from "./records.js";

/**
 * Check-in ARTISAN REST client (upstreams/artisan.md): Bearer token, page/per_page pagination
 * (≤ 100), `{data}` / `{data, meta}` envelopes. A record of another company answers 403: for this
 * tenant it does not exist, so it reads as not found like a 404.
 */

export const ARTISAN_MAX_PAGE = 100;

/** Another company's record answers 403: for this tenant it does not exist either. */
const NOT_FOUND = { notFound: [404, 403] } as const;

const listOf = <T>(route: string, schema: z.ZodType<T>) => ({
  route,
  schema: list(schema),
  sizeParam: "per_page",
  maxPerPage: ARTISAN_MAX_PAGE,
});

export type CustomerQuery = { search?: string };
export type JobQuery = { customer_id?: string; status?: string };
export type SiteVisitQuery = {
  from?: string;
  to?: string;
  customer_id?: string;
  job_id?: string;
  status?: string;
};
export type InvoiceQuery = { from?: string; to?: string; customer_id?: string; paid?: string };

export class ArtisanClient extends RestClient {
  getCompany(ttlMs: number): Promise<CompanyRecord | null> {
    return this.getOne("/company", "/company", companyRecord, { ...NOT_FOUND, ttlMs });
  }

  /** The public profile of any company (the one endpoint that needs no token). */
  getPublicCompany(slug: string): Promise<CompanyRecord | null> {
    return this.getOne(
      "/companies/{slug}",
      `/companies/${encodeURIComponent(slug)}`,
      companyRecord,
      NOT_FOUND,
    );
  }

  getCustomer(id: string): Promise<CustomerRecord | null> {
    return this.getOne("/customers/{id}", `/customers/${encodeURIComponent(id)}`, customerRecord, NOT_FOUND);
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.getOne("/jobs/{id}", `/jobs/${encodeURIComponent(id)}`, jobRecord, NOT_FOUND);
  }

  getSiteVisit(id: string): Promise<SiteVisitRecord | null> {
    return this.getOne(
      "/site-visits/{id}",
      `/site-visits/${encodeURIComponent(id)}`,
      siteVisitRecord,
      NOT_FOUND,
    );
  }

  getInvoice(id: string): Promise<InvoiceRecord | null> {
    return this.getOne("/invoices/{id}", `/invoices/${encodeURIComponent(id)}`, invoiceRecord, NOT_FOUND);
  }

  listCustomers(query: CustomerQuery, offset: number, limit: number): Promise<StreamPage<CustomerRecord>> {
    return this.pageNumberWindow(
      listOf("/customers", customerRecord),
      (page) => ({ records: page.data, total: page.meta.total }),
      query,
      offset,
      limit,
    );
  }

  listJobs(query: JobQuery, offset: number, limit: number): Promise<StreamPage<JobRecord>> {
    return this.pageNumberWindow(
      listOf("/jobs", jobRecord),
      (page) => ({ records: page.data, total: page.meta.total }),
      query,
      offset,
      limit,
    );
  }

  listSiteVisits(query: SiteVisitQuery, offset: number, limit: number): Promise<StreamPage<SiteVisitRecord>> {
    return this.pageNumberWindow(
      listOf("/site-visits", siteVisitRecord),
      (page) => ({ records: page.data, total: page.meta.total }),
      query,
      offset,
      limit,
    );
  }

  listInvoices(query: InvoiceQuery, offset: number, limit: number): Promise<StreamPage<InvoiceRecord>> {
    return this.pageNumberWindow(
      listOf("/invoices", invoiceRecord),
      (page) => ({ records: page.data, total: page.meta.total }),
      query,
      offset,
      limit,
    );
  }
}
