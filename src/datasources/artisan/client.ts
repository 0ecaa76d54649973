import { z } from "zod";
import type { UpstreamRequest, UpstreamResponse } from "../http.js";
import type { NumberedListPage, StreamPage } from "../paging.js";
import { ResponseSchema, RestClient, upstreamErrorMessage } from "../rest.js";
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

/** Another company's record answers 403: for this tenant it does not exist either. */
const NOT_FOUND = { notFound: [404, 403] } as const;

const listOf = <T>(route: string, record: z.ZodType<T>) => ({
  route,
  answer: new ResponseSchema(list(record)),
  sizeParam: "per_page",
  maxPerPage: ARTISAN_MAX_PAGE,
});

/** The read endpoints' answers, each built once: it keeps its parses of cached responses. */
const ANSWERS = {
  company: new ResponseSchema(single(companyRecord)),
  customer: new ResponseSchema(single(customerRecord)),
  job: new ResponseSchema(single(jobRecord)),
  siteVisit: new ResponseSchema(single(siteVisitRecord)),
  invoice: new ResponseSchema(single(invoiceRecord)),
};

const LISTS = {
  customers: listOf("/customers", customerRecord),
  jobs: listOf("/jobs", jobRecord),
  siteVisits: listOf("/site-visits", siteVisitRecord),
  invoices: listOf("/invoices", invoiceRecord),
};

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

/** Request bodies of the write endpoints (§7); `null` clears a nullable field on PUT. */
export interface CustomerBody {
  first_name?: string;
  last_name?: string;
  email?: string | null;
  phone?: string | null;
  mobile?: string | null;
  address?: string | null;
  address2?: string | null;
  zip_code?: string | null;
  city?: string | null;
  country?: string | null;
  notes?: string | null;
  send_sms?: boolean;
}

export interface JobUpdateBody {
  title?: string;
  job_type_id?: number | null;
  description?: string | null;
  address?: string | null;
  status?: JobRecord["status"];
}

export interface JobBody extends JobUpdateBody {
  customer_id: number;
  title: string;
}

export interface SiteVisitUpdateBody {
  scheduled_at?: string;
  duration_minutes?: number | null;
  notes?: string | null;
  status?: SiteVisitRecord["status"];
  team_member_id?: number | null;
}

export interface SiteVisitBody extends SiteVisitUpdateBody {
  job_id: number;
  scheduled_at: string;
  customer_id?: number;
}

export interface InvoiceLineBody {
  item_id?: number;
  description?: string;
  quantity: number;
  price_with_tax: number;
  discount?: number;
}

export interface InvoiceBody {
  customer_id: number;
  paid?: boolean;
  notes?: string;
  lines?: InvoiceLineBody[];
}

/** Why ARTISAN refused a write, in its terms; the write layer turns it into the gateway's errors. */
export type ArtisanRefusal =
  /** 422 with `messages`: one message per upstream field (dotted paths for array items). */
  | { kind: "validation"; messages: Record<string, string[]> }
  /** 422 without `messages`: a state rule, e.g. a customer with invoices cannot be deleted. */
  | { kind: "state"; message: string }
  /** 404, or 403 for another company's record: for this tenant the `{id}` record does not exist. */
  | { kind: "not-found" };

export type WriteResult<T> = { ok: true; record: T } | { ok: false; refusal: ArtisanRefusal };

const refusalBody = z.object({
  error: z.string(),
  messages: z.record(z.string(), z.array(z.string())).optional(),
});

/** PUT sets the given fields to the given values: sending it twice changes nothing more. */
const PUT = { method: "PUT", effect: "idempotent-write" } as const;

export class ArtisanClient extends RestClient {
  getCompany(ttlMs: number): Promise<CompanyRecord | null> {
    return this.getOne("/company", "/company", ANSWERS.company, { ...NOT_FOUND, ttlMs });
  }

  /** The public profile of any company (the one endpoint that needs no token). */
  getPublicCompany(slug: string): Promise<CompanyRecord | null> {
    return this.getOne(
      "/companies/{slug}",
      `/companies/${encodeURIComponent(slug)}`,
      ANSWERS.company,
      NOT_FOUND,
    );
  }

  getCustomer(id: string): Promise<CustomerRecord | null> {
    return this.getOne(
      "/customers/{id}",
      `/customers/${encodeURIComponent(id)}`,
      ANSWERS.customer,
      NOT_FOUND,
    );
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.getOne("/jobs/{id}", `/jobs/${encodeURIComponent(id)}`, ANSWERS.job, NOT_FOUND);
  }

  getSiteVisit(id: string): Promise<SiteVisitRecord | null> {
    return this.getOne(
      "/site-visits/{id}",
      `/site-visits/${encodeURIComponent(id)}`,
      ANSWERS.siteVisit,
      NOT_FOUND,
    );
  }

  getInvoice(id: string): Promise<InvoiceRecord | null> {
    return this.getOne("/invoices/{id}", `/invoices/${encodeURIComponent(id)}`, ANSWERS.invoice, NOT_FOUND);
  }

  listCustomers(query: CustomerQuery, offset: number, limit: number): Promise<StreamPage<CustomerRecord>> {
    return this.pageNumberWindow(
      LISTS.customers,
      (page) => ({ records: page.data, total: page.meta.total }),
      query,
      offset,
      limit,
    );
  }

  listJobs(query: JobQuery, offset: number, limit: number): Promise<StreamPage<JobRecord>> {
    return this.pageNumberWindow(
      LISTS.jobs,
      (page) => ({ records: page.data, total: page.meta.total }),
      query,
      offset,
      limit,
    );
  }

  listSiteVisits(query: SiteVisitQuery, offset: number, limit: number): Promise<StreamPage<SiteVisitRecord>> {
    return this.pageNumberWindow(
      LISTS.siteVisits,
      (page) => ({ records: page.data, total: page.meta.total }),
      query,
      offset,
      limit,
    );
  }

  listInvoices(query: InvoiceQuery, offset: number, limit: number): Promise<StreamPage<InvoiceRecord>> {
    return this.pageNumberWindow(
      LISTS.invoices,
      (page) => ({ records: page.data, total: page.meta.total }),
      query,
      offset,
      limit,
    );
  }

  /** Page `page` of every customer, at the largest page size, from the upstream (change feeds). */
  customersPage(page: number): Promise<NumberedListPage<CustomerRecord>> {
    return this.freshPage(LISTS.customers, page);
  }

  jobsPage(page: number): Promise<NumberedListPage<JobRecord>> {
    return this.freshPage(LISTS.jobs, page);
  }

  siteVisitsPage(page: number): Promise<NumberedListPage<SiteVisitRecord>> {
    return this.freshPage(LISTS.siteVisits, page);
  }

  invoicesPage(page: number): Promise<NumberedListPage<InvoiceRecord>> {
    return this.freshPage(LISTS.invoices, page);
  }

  /**
   * Runs `read` and counts the upstream requests this tenant's client sent on `route` meanwhile:
   * an answer from the cross-request cache counts none, and a request retried by the HTTP layer
   * counts once. Another read of the same route by the same tenant in that moment counts too.
   */
  async upstreamRequestsOn<T>(
    route: string,
    read: () => Promise<T>,
  ): Promise<{ value: T; requests: number }> {
    let requests = 0;
    const stop = this.http.observe((event) => {
      if (
        event.tenantId === this.target.tenantId &&
        event.source === this.target.source &&
        event.route === route &&
        !event.cached &&
        event.outcome !== "retry"
      )
        requests++;
    });
    try {
      const value = await read();
      return { value, requests };
    } finally {
      stop();
    }
  }

  /** `meta.last_page` is at least 1, even for an empty list. */
  private freshPage<T>(list: ReturnType<typeof listOf<T>>, page: number): Promise<NumberedListPage<T>> {
    return this.freshNumberedPage(
      list,
      (body) => ({ records: body.data, total: body.meta.total, lastPage: body.meta.last_page }),
      page,
    );
  }

  createCustomer(body: CustomerBody): Promise<WriteResult<CustomerRecord>> {
    return this.write({ method: "POST", path: "/customers", route: "/customers", body }, 201, customerRecord);
  }

  updateCustomer(id: string, body: CustomerBody): Promise<WriteResult<CustomerRecord>> {
    return this.write({ ...PUT, ...byId("/customers", id), body }, 200, customerRecord);
  }

  deleteCustomer(id: string): Promise<WriteResult<null>> {
    return this.remove(byId("/customers", id));
  }

  createJob(body: JobBody): Promise<WriteResult<JobRecord>> {
    return this.write({ method: "POST", path: "/jobs", route: "/jobs", body }, 201, jobRecord);
  }

  updateJob(id: string, body: JobUpdateBody): Promise<WriteResult<JobRecord>> {
    return this.write({ ...PUT, ...byId("/jobs", id), body }, 200, jobRecord);
  }

  deleteJob(id: string): Promise<WriteResult<null>> {
    return this.remove(byId("/jobs", id));
  }

  createSiteVisit(body: SiteVisitBody): Promise<WriteResult<SiteVisitRecord>> {
    return this.write(
      { method: "POST", path: "/site-visits", route: "/site-visits", body },
      201,
      siteVisitRecord,
    );
  }

  updateSiteVisit(id: string, body: SiteVisitUpdateBody): Promise<WriteResult<SiteVisitRecord>> {
    return this.write({ ...PUT, ...byId("/site-visits", id), body }, 200, siteVisitRecord);
  }

  deleteSiteVisit(id: string): Promise<WriteResult<null>> {
    return this.remove(byId("/site-visits", id));
  }

  /** Answers in the detail format (with `lines`). */
  createInvoice(body: InvoiceBody): Promise<WriteResult<InvoiceRecord>> {
    return this.write({ method: "POST", path: "/invoices", route: "/invoices", body }, 201, invoiceRecord);
  }

  private async write<T>(
    request: UpstreamRequest,
    success: number,
    schema: z.ZodType<T>,
  ): Promise<WriteResult<T>> {
    const response = await this.send(request);
    if (response.status !== success) return { ok: false, refusal: this.refusal(request, response) };
    return { ok: true, record: this.parse(z.object({ data: schema }), response.body, request).data };
  }

  private async remove(target: { path: string; route: string }): Promise<WriteResult<null>> {
    const request: UpstreamRequest = { method: "DELETE", ...target };
    const response = await this.send(request);
    if (response.status !== 204) return { ok: false, refusal: this.refusal(request, response) };
    return { ok: true, record: null };
  }

  /** The refusals a client can cause; anything else (401, 405...) is the gateway's or the upstream's fault. */
  private refusal(request: UpstreamRequest, response: UpstreamResponse): ArtisanRefusal {
    // Only `{id}` routes name a record; a 403/404 on a collection route means a wrong base URL or token.
    if ((response.status === 404 || response.status === 403) && request.route.endsWith("/{id}"))
      return { kind: "not-found" };
    if (response.status === 422) {
      const body = this.parse(refusalBody, response.body, request);
      return body.messages && Object.keys(body.messages).length > 0
        ? { kind: "validation", messages: body.messages }
        : { kind: "state", message: body.error };
    }
    throw this.unexpected(request, response, upstreamErrorMessage(response.body));
  }
}

const byId = (collection: string, id: string) => ({
  path: `${collection}/${encodeURIComponent(id)}`,
  route: `${collection}/{id}`,
});
