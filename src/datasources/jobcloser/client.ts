import type { z } from "zod";
import { UpstreamError } from "../../errors.js";
import type { HttpLayer, UpstreamRequest, UpstreamTarget } from "../http.js";
import { RestClient } from "../rest.js";
import {
  type AccountRecord,
  type AssetRecord,
  accountRecord,
  assetRecord,
  type ChemicalApplicationRecord,
  type CompanyRecord,
  type CrewRecord,
  type CustomerRecord,
  chemicalApplicationRecord,
  companyRecord,
  crewRecord,
  customerRecord,
  type EmployeeRecord,
  type EventRecord,
  employeeRecord,
  envelope,
  eventRecord,
  type InvoiceRecord,
  invoiceRecord,
  type JobItemRecord,
  type JobRecord,
  jobItemRecord,
  jobRecord,
  type LocationRecord,
  locationRecord,
  type ProductRecord,
  productRecord,
  signedInAccount,
  type VendorRecord,
  vendorRecord,
  zapierCompany,
} from "./records.js";

/**
 * JobCloser client (upstreams/jobcloser.md). Its quirks all live here:
 * - data calls carry no credential; a sign-in (email/password or Zapier key) yields the company id,
 *   once per tenant (JobCloserSession), and the credentials travel in the sign-in query string, so
 *   that request is never cached;
 * - every answer is HTTP 200 with `{Success, Message, Result}`, failures included;
 * - `getall` lists are unpaginated: the session keeps each list as a short-lived snapshot, and the
 *   gateway pages through it without refetching the list per page;
 * - JobCloser does not isolate companies: every record read by id, and every list record, is
 *   checked against the tenant's company and treated as not found when it is another company's.
 */

export type JobCloserCredentials = { email: string; password: string } | { zapierKey: string };

/** Per-tenant state that outlives requests: the signed-in company and the list snapshots. */
export class JobCloserSession {
  private company: Promise<string> | null = null;
  private readonly snapshots = new Map<string, { expires: number; records: Promise<unknown[]> }>();

  constructor(
    readonly credentials: JobCloserCredentials,
    /** How long a `getall` list is reused before it is fetched again. */
    readonly snapshotTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The company id, signing in on first use; a failed sign-in is retried by the next request. */
  companyId(signIn: () => Promise<string>): Promise<string> {
    if (!this.company) {
      this.company = signIn();
      this.company.catch(() => {
        this.company = null;
      });
    }
    return this.company;
  }

  snapshot<T>(key: string, load: () => Promise<T[]>): Promise<T[]> {
    const now = this.now();
    const cached = this.snapshots.get(key);
    if (cached && cached.expires > now) return cached.records as Promise<T[]>;
    // Expired snapshots are dropped as they are replaced; the map holds one entry per list and filter.
    const records = load();
    const entry = { expires: now + this.snapshotTtlMs, records: records as Promise<unknown[]> };
    this.snapshots.set(key, entry);
    records.catch(() => {
      if (this.snapshots.get(key) === entry) this.snapshots.delete(key);
    });
    return records;
  }

  /** Forgets every snapshot (after a write). */
  invalidateSnapshots(): void {
    this.snapshots.clear();
  }
}

export type ListFilter = Record<string, string | undefined>;

export class JobCloserClient extends RestClient {
  constructor(
    http: HttpLayer,
    target: UpstreamTarget,
    private readonly session: JobCloserSession,
  ) {
    super(http, target);
  }

  companyId(): Promise<string> {
    return this.session.companyId(() => this.signIn());
  }

  private async signIn(): Promise<string> {
    const { credentials } = this.session;
    if ("zapierKey" in credentials) {
      const company = await this.call(
        {
          method: "GET",
          path: "/zapier/signin",
          route: "/zapier/signin",
          query: { key: credentials.zapierKey },
        },
        zapierCompany,
        { cache: false },
      );
      if (!company) throw this.signInFailed("the Zapier key was not accepted");
      return company.Id;
    }
    const account = await this.call(
      {
        method: "GET",
        path: "/account/signin",
        route: "/account/signin",
        query: { email: credentials.email, password: credentials.password },
      },
      signedInAccount,
      { cache: false },
    );
    if (!account) throw this.signInFailed("the email and password were not accepted");
    return account.CompanyId;
  }

  private signInFailed(why: string): UpstreamError {
    return new UpstreamError("jobcloser", "UPSTREAM_ERROR", `jobcloser sign-in failed: ${why}`);
  }

  getCompany(): Promise<CompanyRecord | null> {
    return this.companyId().then((companyId) =>
      this.getById("/companies/get", companyId, companyRecord, (r) => r.Id),
    );
  }

  getCustomer(id: string): Promise<CustomerRecord | null> {
    return this.getById("/customers/get", id, customerRecord, (r) => r.CompanyId);
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.getById("/jobs/get", id, jobRecord, (r) => r.CompanyId);
  }

  getEvent(id: string): Promise<EventRecord | null> {
    return this.getById("/events/get", id, eventRecord, (r) => r.CompanyId);
  }

  getInvoice(id: string): Promise<InvoiceRecord | null> {
    return this.getById("/invoices/get", id, invoiceRecord, (r) => r.CompanyId);
  }

  /** A chemical application has no company of its own: it is the tenant's when its job is. */
  async getChemicalApplication(id: string): Promise<ChemicalApplicationRecord | null> {
    await this.companyId();
    const record = await this.call(
      {
        method: "GET",
        path: "/chemicalapplicationlocations/get",
        route: "/chemicalapplicationlocations/get",
        query: { id },
      },
      chemicalApplicationRecord,
    );
    if (!record) return null;
    return (await this.getJob(record.JobId)) ? record : null;
  }

  listCustomers(filter: ListFilter): Promise<CustomerRecord[]> {
    return this.companyList("/customers/getall", customerRecord, filter);
  }

  listJobs(filter: ListFilter): Promise<JobRecord[]> {
    return this.companyList("/jobs/getall", jobRecord, filter);
  }

  listInvoices(filter: ListFilter): Promise<InvoiceRecord[]> {
    return this.companyList("/invoices/getall", invoiceRecord, filter);
  }

  listProducts(): Promise<ProductRecord[]> {
    return this.companyList("/products/getall", productRecord, {});
  }

  listCrews(): Promise<CrewRecord[]> {
    return this.companyList("/crews/getall", crewRecord, {});
  }

  listEmployees(): Promise<EmployeeRecord[]> {
    return this.companyList("/employees/getall", employeeRecord, {});
  }

  listLocations(): Promise<LocationRecord[]> {
    return this.companyList("/locations/getall", locationRecord, {});
  }

  listAssets(filter: ListFilter): Promise<AssetRecord[]> {
    return this.companyList("/trackableassets/getall", assetRecord, filter);
  }

  listVendors(filter: ListFilter): Promise<VendorRecord[]> {
    return this.companyList("/vendors/getall", vendorRecord, filter);
  }

  /** A job's events; the caller passes a job already known to be the tenant's. */
  listEvents(jobId: string, filter: ListFilter = {}): Promise<EventRecord[]> {
    return this.jobList("/events/getall", eventRecord, { jobId, ...filter }, (records, companyId) =>
      records.filter((record) => record.CompanyId === companyId),
    );
  }

  /** A user account (salespeople are accounts); null when it is another company's. */
  getAccount(id: string): Promise<AccountRecord | null> {
    return this.getById("/account/get", id, accountRecord, (r) => r.CompanyId);
  }

  /** The distinct products a job's line items use, in line order (the caller checked the job). */
  listProductsForJob(jobId: string): Promise<ProductRecord[]> {
    return this.jobList("/products/getforjob", productRecord, { jobId }, (records, companyId) =>
      records.filter((record) => record.CompanyId === companyId),
    );
  }

  listJobItems(jobId: string): Promise<JobItemRecord[]> {
    return this.jobList("/jobs/getlineitems", jobItemRecord, { jobId }, (records, companyId) =>
      records.filter((record) => record.CompanyId === companyId),
    );
  }

  /** A job's chemical applications (no company field: the job was checked by the caller). */
  listChemicalApplications(jobId: string, filter: ListFilter = {}): Promise<ChemicalApplicationRecord[]> {
    return this.jobList(
      "/chemicalapplicationlocations/getall",
      chemicalApplicationRecord,
      { jobId, ...filter },
      (records) => records.filter((record) => record.JobId === jobId),
    );
  }

  /** Drops the tenant's snapshots and cached reads (after a write). */
  override invalidate(pathPrefix = ""): void {
    this.session.invalidateSnapshots();
    super.invalidate(pathPrefix);
  }

  private async companyList<T extends { CompanyId: string }>(
    route: string,
    schema: z.ZodType<T>,
    filter: ListFilter,
  ): Promise<T[]> {
    const companyId = await this.companyId();
    const query = { companyId, ...filter };
    return this.session.snapshot(`${route}?${new URLSearchParams(definedOnly(query))}`, async () => {
      const records = await this.call({ method: "GET", path: route, route, query }, schema.array());
      // The upstream should only return this company's records; the gateway makes sure.
      return (records ?? []).filter((record) => record.CompanyId === companyId);
    });
  }

  private async jobList<T>(
    route: string,
    schema: z.ZodType<T>,
    query: ListFilter,
    own: (records: T[], companyId: string) => T[],
  ): Promise<T[]> {
    const companyId = await this.companyId();
    return this.session.snapshot(`${route}?${new URLSearchParams(definedOnly(query))}`, async () => {
      const records = await this.call({ method: "GET", path: route, route, query }, schema.array());
      return own(records ?? [], companyId);
    });
  }

  private async getById<T>(
    route: string,
    id: string,
    schema: z.ZodType<T>,
    companyOf: (record: T) => string,
  ) {
    // Signed in first: a failed sign-in sends no data request (none left in flight after it failed).
    const companyId = await this.companyId();
    const record = await this.call({ method: "GET", path: route, route, query: { id } }, schema);
    return record && companyOf(record) === companyId ? record : null;
  }

  /** Sends a request and unwraps the envelope: null for `Record not found`, an error for other failures. */
  private async call<T>(
    request: UpstreamRequest,
    schema: z.ZodType<T>,
    options: { cache?: boolean } = {},
  ): Promise<T | null> {
    // Sign-in carries credentials in its query string: never let it into a cache.
    const response = await this.send(request, options.cache === false ? { ttlMs: 0 } : {});
    if (response.status !== 200) throw this.unexpected(request, response);
    const body = this.parse(envelope, response.body, request);
    if (!body.Success) {
      if (body.Message === "Record not found") return null;
      throw new UpstreamError(
        "jobcloser",
        "UPSTREAM_ERROR",
        `jobcloser ${request.method} ${request.route} failed: ${body.Message.slice(0, 200)}`,
      );
    }
    return this.parse(schema, body.Result, request);
  }
}

function definedOnly(query: ListFilter): Record<string, string> {
  return Object.fromEntries(
    Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
