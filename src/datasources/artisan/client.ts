import type { z } from "zod";
import type { UpstreamRequest } from "../http.js";
import { planPageRequests, type StreamPage } from "../paging.js";
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
  single,
  siteVisitRecord,
} from "./records.js";

/**
 * Check-in ARTISAN REST client (upstreams/artisan.md): Bearer token, page/per_page pagination
 * (≤ 100), `{data}` / `{data, meta}` envelopes. A record of another company answers 403: for this
 * tenant it does not exist, so it reads as not found like a 404.
 */

export const ARTISAN_MAX_PAGE = 100;

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
    return this.getOne("/company", "/company", companyRecord, ttlMs);
  }

  /** The public profile of any company (the one endpoint that needs no token). */
  getPublicCompany(slug: string): Promise<CompanyRecord | null> {
    return this.getOne("/companies/{slug}", `/companies/${encodeURIComponent(slug)}`, companyRecord);
  }

  getCustomer(id: string): Promise<CustomerRecord | null> {
    return this.getOne("/customers/{id}", `/customers/${encodeURIComponent(id)}`, customerRecord);
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.getOne("/jobs/{id}", `/jobs/${encodeURIComponent(id)}`, jobRecord);
  }

  getSiteVisit(id: string): Promise<SiteVisitRecord | null> {
    return this.getOne("/site-visits/{id}", `/site-visits/${encodeURIComponent(id)}`, siteVisitRecord);
  }

  getInvoice(id: string): Promise<InvoiceRecord | null> {
    return this.getOne("/invoices/{id}", `/invoices/${encodeURIComponent(id)}`, invoiceRecord);
  }

  listCustomers(query: CustomerQuery, offset: number, limit: number): Promise<StreamPage<CustomerRecord>> {
    return this.listWindow("/customers", customerRecord, query, offset, limit);
  }

  listJobs(query: JobQuery, offset: number, limit: number): Promise<StreamPage<JobRecord>> {
    return this.listWindow("/jobs", jobRecord, query, offset, limit);
  }

  listSiteVisits(query: SiteVisitQuery, offset: number, limit: number): Promise<StreamPage<SiteVisitRecord>> {
    return this.listWindow("/site-visits", siteVisitRecord, query, offset, limit);
  }

  listInvoices(query: InvoiceQuery, offset: number, limit: number): Promise<StreamPage<InvoiceRecord>> {
    return this.listWindow("/invoices", invoiceRecord, query, offset, limit);
  }

  private async getOne<T>(
    route: string,
    path: string,
    schema: z.ZodType<T>,
    ttlMs?: number,
  ): Promise<T | null> {
    const request: UpstreamRequest = { method: "GET", path, route };
    const response = await this.send(request, ttlMs !== undefined ? { ttlMs } : {});
    if (response.status === 404 || response.status === 403) return null;
    if (response.status !== 200) throw this.unexpected(request, response, errorMessage(response.body));
    return this.parse(single(schema), response.body, request).data as T;
  }

  /**
   * Records at positions [offset, offset + limit). Pages are numbered, so the window is mapped to
   * the fewest page requests (usually one, by choosing `per_page`), sent concurrently.
   */
  private async listWindow<T>(
    route: string,
    schema: z.ZodType<T>,
    query: Record<string, string | undefined>,
    offset: number,
    limit: number,
  ): Promise<StreamPage<T>> {
    const plans = planPageRequests(offset, limit, ARTISAN_MAX_PAGE);
    const pages = await Promise.all(
      plans.map(async (plan) => {
        const request: UpstreamRequest = {
          method: "GET",
          path: route,
          route,
          query: { ...query, page: plan.page, per_page: plan.perPage },
        };
        const response = await this.send(request);
        if (response.status !== 200) throw this.unexpected(request, response, errorMessage(response.body));
        const page = this.parse(list(schema), response.body, request);
        return {
          records: (page.data as T[]).slice(plan.skip, plan.skip + plan.take),
          total: page.meta.total,
        };
      }),
    );
    return { records: pages.flatMap((page) => page.records), total: pages[0]?.total ?? 0 };
  }
}

function errorMessage(body: unknown): string | undefined {
  if (body && typeof body === "object" && "error" in body) return String((body as { error: unknown }).error);
  return undefined;
}
