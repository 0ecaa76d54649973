import { z } from "zod";
import { UpstreamError } from "../../errors.js";
import type { UpstreamHttp, UpstreamRequest, UpstreamTarget } from "../http.js";
import { RestClient } from "../rest.js";
import {
  type AccountRecord,
  type AssetRecord,
  type AttachmentRecord,
  accountRecord,
  assetRecord,
  attachmentRecord,
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
 *   checked against the tenant's company and treated as not found when it is another company's;
 *   so are the records `jobs/get` embeds in a job (its customer, events, invoices, line items).
 */

export type JobCloserCredentials = { email: string; password: string } | { zapierKey: string };

interface SnapshotEntry {
  version: number;
  /** Epoch ms; never while the list loads. */
  expires: number;
  records: Promise<unknown>;
}

/** Per-tenant state that outlives requests: the signed-in company and the list snapshots. */
export class JobCloserSession {
  private company: Promise<string> | null = null;
  private readonly snapshots = new Map<string, SnapshotEntry>();
  private versions = 0;

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

  /**
   * The list under `key`: shared while it loads (so the callers of one request, one per parent, parse
   * one answer once even with a TTL of 0), then for `snapshotTtlMs` after it arrived. `dependsOn`
   * hears how to tell that the records returned are still the snapshot's (a request's read log).
   */
  snapshot<L>(
    key: string,
    load: () => Promise<L>,
    dependsOn?: (current: () => boolean, lifeMs: number) => void,
  ): Promise<L> {
    const cached = this.snapshots.get(key);
    const now = this.now();
    if (cached && cached.expires > now) {
      dependsOn?.(this.stillCurrent(key, cached), cached.expires - now);
      return cached.records as Promise<L>;
    }
    // Expired snapshots are dropped as they are replaced; the map holds one entry per list and filter.
    const records = load();
    const entry: SnapshotEntry = {
      version: ++this.versions,
      expires: Number.POSITIVE_INFINITY,
      records,
    };
    this.snapshots.set(key, entry);
    dependsOn?.(this.stillCurrent(key, entry), this.snapshotTtlMs);
    records.then(
      () => {
        entry.expires = this.now() + this.snapshotTtlMs;
      },
      () => {
        if (this.snapshots.get(key) === entry) this.snapshots.delete(key);
      },
    );
    return records;
  }

  /** Holds the version, not the entry: a kept answer must not keep an old list's records alive. */
  private stillCurrent(key: string, entry: SnapshotEntry): () => boolean {
    const { version } = entry;
    return () => {
      const current = this.snapshots.get(key);
      return current?.version === version && current.expires > this.now();
    };
  }

  /** Forgets the snapshots of lists whose `route?query` starts with `prefix` (all by default), after a write. */
  invalidateSnapshots(prefix = ""): void {
    for (const key of [...this.snapshots.keys()]) {
      if (key.startsWith(prefix)) this.snapshots.delete(key);
    }
  }
}

export type ListFilter = Record<string, string | undefined>;

/** A whole list read for a change feed, and how many upstream requests that took. */
export interface FreshList<T> {
  records: T[];
  requests: number;
}

/**
 * A chemical application as the write endpoints take it (§4.2). Coordinates go as decimal text,
 * the form JobCloser stores; `Id` only on an edit. Undefined fields are left out of the JSON.
 */
export interface ChemicalApplicationBody {
  Id?: string;
  EventId: string;
  JobId: string;
  JobItemId?: string | undefined;
  ProductId?: string | undefined;
  ApplicationDate: string;
  Latitude: string;
  Longitude: string;
  MeterSerialNumber: string;
  MeterRawCount: number;
  MeterCurrentRate: number;
  MeterCalculatedFlowTotal: number;
  MeterRawCountsToZero: number;
  TemperatureOfFluid: number;
  AmbientTemperature: number;
  BatteryStatusInPercent: number;
  BatteryStatusInEstimatedRunTime: number;
  Note?: string | undefined;
  DeviceName?: string | undefined;
  CalibrationFactor?: number | undefined;
}

/** An event photo's optional details (§4.2 image uploads). */
export interface PhotoDetails {
  caption?: string | undefined;
  latitude?: string | undefined;
  longitude?: string | undefined;
}

/** The Zapier customer/lead body (§4.3): `Name` and optional strings. */
export type ZapierCustomerBody = { Name: string } & Partial<Record<ZapierCustomerField, string>>;

export type ZapierCustomerField =
  | "Email"
  | "Phone"
  | "JobAddress1"
  | "JobAddress2"
  | "JobCity"
  | "JobState"
  | "JobZip"
  | "BillingAddress1"
  | "BillingAddress2"
  | "BillingCity"
  | "BillingState"
  | "BillingZip"
  | "CustomerType"
  | "ReferredBy";

/**
 * What a write answered: its result, or JobCloser's failure message (HTTP 200, `Success: false`),
 * which the caller maps to the client's fields (`<Name> is invalid`, `Item <n>: …`).
 */
export type WriteAnswer<T> = { ok: true; result: T } | { ok: false; message: string };

export class JobCloserClient extends RestClient {
  constructor(
    http: UpstreamHttp,
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

  /** A job with what `jobs/get` embeds in it, kept to the job's own records (see `ownEmbedded`). */
  async getJob(id: string): Promise<JobRecord | null> {
    const job = await this.getById("/jobs/get", id, jobRecord, (r) => r.CompanyId);
    return job && ownEmbedded(job);
  }

  getEvent(id: string): Promise<EventRecord | null> {
    return this.getById("/events/get", id, eventRecord, (r) => r.CompanyId);
  }

  getInvoice(id: string): Promise<InvoiceRecord | null> {
    return this.getById("/invoices/get", id, invoiceRecord, (r) => r.CompanyId);
  }

  /**
   * A chemical application has no company of its own: it is the tenant's when its job is. `fresh`
   * skips the cross-request cache (the record an edit is merged over).
   */
  async getChemicalApplication(
    id: string,
    options: { fresh?: boolean } = {},
  ): Promise<ChemicalApplicationRecord | null> {
    await this.companyId();
    const record = await this.call(
      {
        method: "GET",
        path: "/chemicalapplicationlocations/get",
        route: "/chemicalapplicationlocations/get",
        query: { id },
      },
      chemicalApplicationRecord,
      { cache: !options.fresh },
    );
    if (!record) return null;
    return (await this.getJob(record.JobId)) ? record : null;
  }

  listCustomers(filter: ListFilter): Promise<CustomerRecord[]> {
    return this.companyList("/customers/getall", customerRecord, filter);
  }

  /** As listCustomers, each record checked when first read (a page reads 50 of the whole list). */
  customerRecords(filter: ListFilter): Promise<CompanyRecords<CustomerRecord>> {
    return this.companyRecords("/customers/getall", customerRecord, filter);
  }

  listJobs(filter: ListFilter): Promise<JobRecord[]> {
    return this.companyList("/jobs/getall", jobRecord, filter);
  }

  /** As listJobs, each record checked when first read. */
  jobRecords(filter: ListFilter): Promise<CompanyRecords<JobRecord>> {
    return this.companyRecords("/jobs/getall", jobRecord, filter);
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

  // ---- Whole lists for change feeds, read fresh from the upstream (see `freshCompanyList`).

  freshJobs(): Promise<FreshList<JobRecord>> {
    return this.freshCompanyList("/jobs/getall", jobRecord, [{}]);
  }

  /** Archived customers too, in a second request: archiving changes a customer, it deletes nothing. */
  freshCustomers(): Promise<FreshList<CustomerRecord>> {
    return this.freshCompanyList("/customers/getall", customerRecord, [{}, { archived: "true" }]);
  }

  freshInvoices(): Promise<FreshList<InvoiceRecord>> {
    return this.freshCompanyList("/invoices/getall", invoiceRecord, [{}]);
  }

  /**
   * The company's records of a `getall` list under each filter (one request each, at once), the
   * first occurrence of each record kept. The route's snapshots and cached GETs (every filter) are
   * dropped first, so the lists come from the upstream, and the fresh ones are left as the
   * snapshots normal traffic reads. Counts the requests: the sign-in too, when this read signed in.
   */
  private async freshCompanyList<T extends { Id: string; CompanyId: string }>(
    route: string,
    schema: z.ZodType<T>,
    filters: ListFilter[],
  ): Promise<FreshList<T>> {
    let requests = 0;
    const counted = () => {
      requests++;
    };
    await this.session.companyId(() => {
      counted();
      return this.signIn();
    });
    this.invalidate(route);
    const lists = await Promise.all(
      filters.map((filter) => this.companyList(route, schema, filter, counted)),
    );
    const byId = new Map<string, T>();
    for (const record of lists.flat()) if (!byId.has(record.Id)) byId.set(record.Id, record);
    return { records: [...byId.values()], requests };
  }

  /** Drops the tenant's snapshots and cached reads under `pathPrefix` (after a write). */
  override invalidate(pathPrefix = ""): void {
    this.session.invalidateSnapshots(pathPrefix);
    super.invalidate(pathPrefix);
  }

  // ---- Writes (§4.2, §4.3). None is retried: JobCloser has no idempotency, a resent create duplicates.

  createChemicalApplication(body: ChemicalApplicationBody): Promise<WriteAnswer<ChemicalApplicationRecord>> {
    const route = "/chemicalapplicationlocations/create";
    return this.write({ method: "POST", path: route, route, body }, chemicalApplicationRecord);
  }

  /** 1–500 applications, atomic upstream: all are created, or none and `Item <n>: …`. */
  createChemicalApplicationBatch(
    bodies: ChemicalApplicationBody[],
  ): Promise<WriteAnswer<ChemicalApplicationRecord[]>> {
    const route = "/chemicalapplicationlocations/createbatch";
    return this.write(
      { method: "POST", path: route, route, body: bodies },
      chemicalApplicationRecord.array(),
    );
  }

  /** The edit: PUT on the create path, with `Id`. */
  editChemicalApplication(
    body: ChemicalApplicationBody & { Id: string },
  ): Promise<WriteAnswer<ChemicalApplicationRecord>> {
    const route = "/chemicalapplicationlocations/create";
    return this.write({ method: "PUT", path: route, route, body }, chemicalApplicationRecord);
  }

  /** A GET that deletes: sent once, never cached. */
  deleteChemicalApplication(id: string): Promise<WriteAnswer<boolean>> {
    const route = "/chemicalapplicationlocations/delete";
    return this.write({ method: "GET", path: route, route, query: { id }, effect: "write" }, z.boolean());
  }

  /** JobCloser downloads the image itself; a GET that creates an attachment. */
  uploadEventPhotoFromUrl(
    eventId: string,
    url: string,
    details: PhotoDetails,
  ): Promise<WriteAnswer<AttachmentRecord>> {
    const route = "/chemicalapplicationlocations/uploadimageviaurl";
    return this.write(
      { method: "GET", path: route, route, query: { eventId, url, ...details }, effect: "write" },
      attachmentRecord,
    );
  }

  /** The image bytes as base64 (`byte[]` in JSON), camelCase names as documented. */
  uploadEventPhoto(
    eventId: string,
    file: { content: string; fileName: string },
    details: PhotoDetails,
  ): Promise<WriteAnswer<AttachmentRecord>> {
    const route = "/chemicalapplicationlocations/uploadimageviabytearray";
    return this.write(
      { method: "POST", path: route, route, body: { eventId, ...file, ...details } },
      attachmentRecord,
    );
  }

  /** Whether the tenant signs in with a Zapier key, the only credential the customer writes accept. */
  get hasZapierKey(): boolean {
    return "zapierKey" in this.session.credentials;
  }

  /** A customer in the key's company: `Lead` through createlead, `Active` through createcustomer. */
  createZapierCustomer(
    status: "Lead" | "Active",
    body: ZapierCustomerBody,
  ): Promise<WriteAnswer<CustomerRecord>> {
    const { credentials } = this.session;
    if (!("zapierKey" in credentials)) throw new Error("jobcloser: Zapier write without a Zapier key");
    const route = status === "Lead" ? "/zapier/createlead" : "/zapier/createcustomer";
    // The key travels in the query string; `route` (what errors and metrics name) never holds it.
    return this.write(
      { method: "POST", path: route, route, query: { key: credentials.zapierKey }, body },
      customerRecord,
    );
  }

  private async write<T>(request: UpstreamRequest, schema: z.ZodType<T>): Promise<WriteAnswer<T>> {
    const response = await this.send(request);
    if (response.status !== 200) throw this.unexpected(request, response);
    const body = this.parse(envelope, response.body, request);
    if (!body.Success) return { ok: false, message: body.Message };
    return { ok: true, result: this.parse(schema, body.Result, request) };
  }

  /** A company's whole list, every record checked. */
  private async companyList<T extends { CompanyId: string }>(
    route: string,
    schema: z.ZodType<T>,
    filter: ListFilter,
    onRequest?: () => void,
  ): Promise<T[]> {
    return (await this.companyRecords(route, schema, filter, onRequest)).all();
  }

  /**
   * A company's list as the upstream sent it (one snapshot, shared with companyList), each record
   * checked when first read. `onRequest` hears of the upstream request, when the list is not served
   * from a snapshot.
   */
  private async companyRecords<T extends { CompanyId: string }>(
    route: string,
    schema: z.ZodType<T>,
    filter: ListFilter,
    onRequest?: () => void,
  ): Promise<CompanyRecords<T>> {
    const companyId = await this.companyId();
    const query = { companyId, ...filter };
    return this.session.snapshot(
      `${route}?${new URLSearchParams(definedOnly(query))}`,
      async () => {
        onRequest?.();
        const request: UpstreamRequest = { method: "GET", path: route, route, query };
        const result = await this.result(request);
        // The same list as last time, byte for byte (ParsedBodies): its records, checked so far, again.
        const body = typeof result === "object" && result !== null ? result : null;
        const known = body ? recordsByResult.get(body) : undefined;
        if (known && known.companyId === companyId && known.schema === schema) {
          return known.records as CompanyRecords<T>;
        }
        const values = result === null ? [] : this.parse(z.array(z.unknown()), result, request);
        // The upstream should only return this company's records; the gateway makes sure. A record
        // whose CompanyId is not even a string stays, to fail its check when read.
        const own: Array<{ value: unknown; at: number }> = [];
        values.forEach((value, at) => {
          if (!ofOtherCompany(value, companyId)) own.push({ value, at });
        });
        const records = new CompanyRecords(own, (value, at) => this.parse(schema, value, request, [at]));
        if (body) recordsByResult.set(body, { companyId, schema, records });
        return records;
      },
      this.dependsOn,
    );
  }

  private readonly dependsOn = (current: () => boolean, lifeMs: number) =>
    this.http.dependsOn?.(current, lifeMs);

  private async jobList<T>(
    route: string,
    schema: z.ZodType<T>,
    query: ListFilter,
    own: (records: T[], companyId: string) => T[],
  ): Promise<T[]> {
    const companyId = await this.companyId();
    return this.session.snapshot(
      `${route}?${new URLSearchParams(definedOnly(query))}`,
      async () => {
        const records = await this.call({ method: "GET", path: route, route, query }, schema.array());
        return own(records ?? [], companyId);
      },
      this.dependsOn,
    );
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
    const result = await this.result(request, options);
    return result === null ? null : this.parse(schema, result, request);
  }

  /** A read's `Result` as the body holds it (unchecked); null for "Record not found". */
  private async result(request: UpstreamRequest, options: { cache?: boolean } = {}): Promise<unknown> {
    // Sign-in carries credentials in its query string, and a fresh read must reach the upstream:
    // neither goes through the cross-request cache.
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
    return body.Result;
  }
}

/**
 * `jobs/get` fills its collections without any company check (§3: the upstream isolates nothing), so
 * only the job's own records of the job's (the tenant's, already checked) company are kept. A
 * customer that is not the job's own reads as not embedded: its own endpoint decides.
 */
function ownEmbedded(job: JobRecord): JobRecord {
  const owned = <T extends { CompanyId: string; JobId: string | null }>(records: T[] | null) =>
    records === null
      ? null
      : records.filter((record) => record.CompanyId === job.CompanyId && record.JobId === job.Id);
  const customer = job.Customer;
  return {
    ...job,
    Customer: customer?.Id === job.CustomerId && customer.CompanyId === job.CompanyId ? customer : null,
    Invoices: owned(job.Invoices),
    JobItems: owned(job.JobItems),
    Events: owned(job.Events),
  };
}

/**
 * A company's `getall` list, each record checked against its schema when first read and kept
 * checked: a whole list can be large (every customer, every job of the company) while a page reads
 * 50 of it. `all()` checks the rest. A record that fails its check fails the read that reaches it,
 * named by its position in the upstream's answer.
 */
export class CompanyRecords<T> {
  private readonly checked: Array<T | undefined>;
  private everything: T[] | null = null;

  constructor(
    private readonly raw: ReadonlyArray<{ value: unknown; at: number }>,
    private readonly check: (value: unknown, at: number) => T,
  ) {
    this.checked = new Array<T | undefined>(raw.length);
  }

  get length(): number {
    return this.raw.length;
  }

  /** Records [start, end), as Array.prototype.slice takes them. */
  slice(start: number, end: number): T[] {
    const records: T[] = [];
    for (let index = Math.max(0, start); index < Math.min(end, this.raw.length); index++) {
      records.push(this.record(index));
    }
    return records;
  }

  all(): T[] {
    this.everything ??= this.slice(0, this.raw.length);
    return this.everything;
  }

  private record(index: number): T {
    const known = this.checked[index];
    if (known !== undefined) return known;
    const entry = this.raw[index];
    if (!entry) throw new RangeError(`no record at ${index}`);
    const record = this.check(entry.value, entry.at);
    this.checked[index] = record;
    return record;
  }
}

/**
 * The checked records of each company list body, by its `Result` array: an answer identical to
 * the last one for its URL comes with the same parsed body (ParsedBodies), and then with the
 * records checked from it so far. Goes when the body does.
 */
const recordsByResult = new WeakMap<
  object,
  { companyId: string; schema: z.ZodType<unknown>; records: CompanyRecords<unknown> }
>();

/** A record that names another company (the only records a company list may drop unchecked). */
function ofOtherCompany(value: unknown, companyId: string): boolean {
  if (typeof value !== "object" || value === null) return false;
  const owner = (value as { CompanyId?: unknown }).CompanyId;
  return typeof owner === "string" && owner !== companyId;
}

function definedOnly(query: ListFilter): Record<string, string> {
  return Object.fromEntries(
    Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
