import {
  type Ctx,
  companyNamed,
  fail,
  type Handler,
  locate,
  MESSAGES,
  type Params,
  requireAccess,
} from "./http.js";
import type {
  JobCloserAccount,
  JobCloserCompanyState,
  JobCloserCustomer,
  JobCloserJob,
  JobCloserPayment,
  JobCloserProduct,
  JobCloserRecordKinds,
} from "./types.js";
import { instant, isValidDate } from "./values.js";

/**
 * The read endpoints of jobcloser.md §4: sign-in, `get?id=` for any company's record (§3: no
 * tenant isolation), and the unpaginated `getall` lists with the filters and orders of §4.1.
 */

// ---------------------------------------------------------------------------------------------
// Ordering (§4.1; ties by Id ascending)

const byId = (a: { Id: string }, b: { Id: string }) => (a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0);

/** Sorts by an instant (rendered timestamps carry different offsets, so compare instants). */
export function byTime<T extends { Id: string }>(
  records: T[],
  time: (record: T) => string,
  descending: boolean,
): T[] {
  const keyed = records.map((record) => ({ record, ms: instant(time(record)) }));
  keyed.sort((a, b) => (a.ms !== b.ms ? (descending ? b.ms - a.ms : a.ms - b.ms) : byId(a.record, b.record)));
  return keyed.map((entry) => entry.record);
}

/** Case-insensitive text order (the database collation), then Id. */
function byText<T extends { Id: string }>(records: T[], ...keys: Array<(record: T) => string>): T[] {
  const keyed = records.map((record) => ({ record, texts: keys.map((key) => key(record).toLowerCase()) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < a.texts.length; i++) {
      const x = a.texts[i] ?? "";
      const y = b.texts[i] ?? "";
      if (x !== y) return x < y ? -1 : 1;
    }
    return byId(a.record, b.record);
  });
  return keyed.map((entry) => entry.record);
}

export const newestFirst = <T extends { Id: string; DateCreated: string }>(records: T[]) =>
  byTime(records, (record) => record.DateCreated, true);

// ---------------------------------------------------------------------------------------------
// Filters (§4.1: AND; empty = absent; unknown values give [])

const equalsIgnoreCase = (value: string | null, wanted: string | undefined) =>
  wanted === undefined || (value !== null && value.toLowerCase() === wanted.toLowerCase());

const equals = (value: string | null, wanted: string | undefined) => wanted === undefined || value === wanted;

/** Case-insensitive substring over some fields; true when no search was given. */
function searches(search: string | undefined, ...fields: Array<string | number | null | undefined>): boolean {
  if (search === undefined) return true;
  const needle = search.toLowerCase();
  return fields.some(
    (field) => field !== null && field !== undefined && String(field).toLowerCase().includes(needle),
  );
}

/** A `YYYY-MM-DD` parameter, or `<name> is invalid`. */
function dateParam(query: Params, name: string): string | undefined {
  const value = query.text(name);
  if (value !== undefined && !isValidDate(value)) fail(MESSAGES.invalid(name));
  return value;
}

/** The calendar date of a rendered timestamp, as rendered (America/Chicago). */
const dateOf = (timestamp: string) => timestamp.slice(0, 10);

/** A .NET boolean parameter (`true`/`false`, any case), or `<name> is invalid`. */
function booleanParam(query: Params, name: string): boolean | undefined {
  const value = query.text(name);
  if (value === undefined) return undefined;
  const normalised = value.trim().toLowerCase();
  if (normalised === "true") return true;
  if (normalised === "false") return false;
  return fail(MESSAGES.invalid(name));
}

/** `companyId` required → company exists → API access. */
function scopedCompany(ctx: Ctx): JobCloserCompanyState {
  const [companyId] = ctx.query.required("companyId");
  const company = companyNamed(ctx.world, companyId);
  requireAccess(company);
  return company;
}

/** A `get?id=` lookup in any company, then that company's API access. */
function byIdLookup<K extends keyof JobCloserRecordKinds>(
  ctx: Ctx,
  kind: K,
): { company: JobCloserCompanyState; record: JobCloserRecordKinds[K] } {
  const [id] = ctx.query.required("id");
  const found = locate(ctx.world, kind, id) ?? fail(MESSAGES.notFound);
  requireAccess(found.company);
  return found;
}

/** The job named by a `jobId` parameter (any company), then its company's API access. */
export function jobParam(ctx: Ctx): { company: JobCloserCompanyState; job: JobCloserJob } {
  const [jobId] = ctx.query.required("jobId");
  const found = locate(ctx.world, "jobs", jobId) ?? fail(MESSAGES.notFound);
  requireAccess(found.company);
  return { company: found.company, job: found.record };
}

const values = <T>(map: Map<string, T>): T[] => [...map.values()];

// ---------------------------------------------------------------------------------------------
// Account and company

export const signIn: Handler = (ctx): JobCloserAccount => {
  const [email, password] = ctx.query.required("email", "password");
  const wanted = email.trim().toLowerCase();
  for (const company of ctx.world.companies.values()) {
    for (const account of company.accounts.values()) {
      if (account.Active && account.Email.toLowerCase() === wanted && account.Password === password)
        return account;
    }
  }
  return fail(MESSAGES.badCredentials);
};

export const getAccount: Handler = (ctx) => byIdLookup(ctx, "accounts").record;

export const getCompany: Handler = (ctx) => {
  const [id] = ctx.query.required("id");
  const company = companyNamed(ctx.world, id);
  requireAccess(company);
  return company.company;
};

/** The company of a Zapier key (GUIDs compare case-insensitively), then its API access. */
export function zapierCompany(ctx: Ctx): JobCloserCompanyState {
  const [key] = ctx.query.required("key");
  const wanted = key.trim().toLowerCase();
  for (const company of ctx.world.companies.values()) {
    if (company.zapierKey !== null && company.zapierKey.toLowerCase() === wanted) {
      requireAccess(company);
      return company;
    }
  }
  return fail(MESSAGES.badKey);
}

export const zapierSignIn: Handler = (ctx) => zapierCompany(ctx).company;

// ---------------------------------------------------------------------------------------------
// Jobs

export const listJobs: Handler = (ctx) => {
  const company = scopedCompany(ctx);
  const q = ctx.query;
  const date = dateParam(q, "date");
  const locationId = q.text("locationId");
  const search = q.text("search");
  const type = q.text("type");
  const status = q.text("status");
  const salespersonUserId = q.text("salespersonUserId");
  const crewId = q.text("crewId");
  const matches = values(company.jobs).filter(
    (job) =>
      (date === undefined || dateOf(job.DateCreated) >= date) &&
      equals(job.LocationId, locationId) &&
      equalsIgnoreCase(job.Type, type) &&
      equalsIgnoreCase(job.Status, status) &&
      equals(job.SalespersonUserId, salespersonUserId) &&
      equals(job.CrewId, crewId) &&
      searches(search, job.Name, job.Number, job.JobAddress1, company.customers.get(job.CustomerId)?.Name),
  );
  return newestFirst(matches);
};

/** A job's collections, each in its list order. */
export function jobDetail(company: JobCloserCompanyState, job: JobCloserJob): JobCloserJob {
  return {
    ...job,
    Customer: company.customers.get(job.CustomerId) ?? null,
    Events: byTime(
      values(company.events).filter((event) => event.JobId === job.Id),
      (event) => event.StartDate,
      false,
    ),
    Invoices: newestFirst(values(company.invoices).filter((invoice) => invoice.JobId === job.Id)),
    JobItems: lineItems(company, job.Id),
  };
}

export function lineItems(company: JobCloserCompanyState, jobId: string) {
  return values(company.jobItems)
    .filter((item) => item.JobId === jobId)
    .sort((a, b) => a.SortOrder - b.SortOrder || byId(a, b));
}

export const getJob: Handler = (ctx) => {
  const { company, record } = byIdLookup(ctx, "jobs");
  return jobDetail(company, record);
};

export const getLineItems: Handler = (ctx) => {
  const { company, job } = jobParam(ctx);
  return lineItems(company, job.Id);
};

// ---------------------------------------------------------------------------------------------
// Customers

export const listCustomers: Handler = (ctx) => {
  const company = scopedCompany(ctx);
  const q = ctx.query;
  const locationId = q.text("locationId");
  const search = q.text("search");
  const type = q.text("type");
  const status = q.text("status");
  const salespersonUserId = q.text("salespersonUserId");
  const archived = booleanParam(q, "archived") ?? false;
  const matches = values(company.customers).filter(
    (customer) =>
      customer.Archived === archived &&
      equals(customer.LocationId, locationId) &&
      equalsIgnoreCase(customer.CustomerType, type) &&
      equalsIgnoreCase(customer.Status, status) &&
      equals(customer.SalespersonUserId, salespersonUserId) &&
      searches(search, customer.Name, customer.Email, customer.Phone, customer.JobAddress1),
  );
  return newestFirst(matches);
};

export function customerDetail(
  company: JobCloserCompanyState,
  customer: JobCloserCustomer,
): JobCloserCustomer {
  const invoices = newestFirst(
    values(company.invoices).filter((invoice) => invoice.CustomerId === customer.Id),
  );
  const payments: JobCloserPayment[] = invoices.flatMap((invoice) => invoice.Payments);
  return {
    ...customer,
    Attachments: byTime(
      values(company.attachments).filter((attachment) => attachment.CustomerId === customer.Id),
      (attachment) => attachment.DateCreated,
      false,
    ),
    Notes: [...(company.notes.get(customer.Id) ?? [])],
    Jobs: newestFirst(values(company.jobs).filter((job) => job.CustomerId === customer.Id)),
    Invoices: invoices,
    Payments: byTime(payments, (payment) => payment.Date, false),
  };
}

export const getCustomer: Handler = (ctx) => {
  const { company, record } = byIdLookup(ctx, "customers");
  return customerDetail(company, record);
};

// ---------------------------------------------------------------------------------------------
// Events

export const listEvents: Handler = (ctx) => {
  const { company, job } = jobParam(ctx);
  const date = dateParam(ctx.query, "date");
  const matches = values(company.events).filter(
    (event) => event.JobId === job.Id && (date === undefined || dateOf(event.StartDate) >= date),
  );
  return byTime(matches, (event) => event.StartDate, false);
};

export const getEvent: Handler = (ctx) => byIdLookup(ctx, "events").record;

// ---------------------------------------------------------------------------------------------
// Products

const byName = <T extends { Id: string; Name: string }>(records: T[]) =>
  byText(records, (record) => record.Name);

export const listProducts: Handler = (ctx) => byName(values(scopedCompany(ctx).products));

export const getProduct: Handler = (ctx) => {
  const { company, record } = byIdLookup(ctx, "products");
  const product: JobCloserProduct = {
    ...record,
    Attachments: byTime(
      values(company.attachments).filter((attachment) => attachment.ProductId === record.Id),
      (attachment) => attachment.DateCreated,
      false,
    ),
  };
  return product;
};

export const productsForJob: Handler = (ctx) => {
  const { company, job } = jobParam(ctx);
  const seen = new Set<string>();
  const products: JobCloserProduct[] = [];
  for (const item of lineItems(company, job.Id)) {
    if (item.ProductId === null || seen.has(item.ProductId)) continue;
    seen.add(item.ProductId);
    const product = locate(ctx.world, "products", item.ProductId)?.record;
    if (product) products.push(product);
  }
  return products;
};

// ---------------------------------------------------------------------------------------------
// Chemical applications (reads)

export const listApplications: Handler = (ctx) => {
  const { company, job } = jobParam(ctx);
  const q = ctx.query;
  const eventId = q.text("eventId");
  const jobItemId = q.text("jobItemId");
  const productId = q.text("productId");
  const matches = values(company.chemicalApplications).filter(
    (application) =>
      application.JobId === job.Id &&
      equals(application.EventId, eventId) &&
      equals(application.JobItemId, jobItemId) &&
      equals(application.ProductId, productId),
  );
  return byTime(matches, (application) => application.ApplicationDate, false);
};

export const getApplication: Handler = (ctx) => byIdLookup(ctx, "chemicalApplications").record;

// ---------------------------------------------------------------------------------------------
// Crews, employees, locations

export const listCrews: Handler = (ctx) => byName(values(scopedCompany(ctx).crews));
export const getCrew: Handler = (ctx) => byIdLookup(ctx, "crews").record;

export const listEmployees: Handler = (ctx) =>
  byText(
    values(scopedCompany(ctx).employees),
    (employee) => employee.LastName,
    (employee) => employee.FirstName,
  );
export const getEmployee: Handler = (ctx) => byIdLookup(ctx, "employees").record;

export const listLocations: Handler = (ctx) => byName(values(scopedCompany(ctx).locations));
export const getLocation: Handler = (ctx) => byIdLookup(ctx, "locations").record;

// ---------------------------------------------------------------------------------------------
// Invoices

export const listInvoices: Handler = (ctx) => {
  const company = scopedCompany(ctx);
  const q = ctx.query;
  const locationId = q.text("locationId");
  const search = q.text("search");
  const status = q.text("status");
  const type = q.text("type");
  const salespersonUserId = q.text("salespersonUserId");
  const start = dateParam(q, "start");
  const end = dateParam(q, "end");
  const subStatus = q.text("subStatus");
  const matches = values(company.invoices).filter(
    (invoice) =>
      equals(invoice.LocationId, locationId) &&
      equalsIgnoreCase(invoice.Status, status) &&
      equalsIgnoreCase(invoice.Type, type) &&
      equals(invoice.SalespersonUserId, salespersonUserId) &&
      (start === undefined || dateOf(invoice.InvoiceDate) >= start) &&
      (end === undefined || dateOf(invoice.InvoiceDate) <= end) &&
      equalsIgnoreCase(invoice.SubStatus, subStatus) &&
      searches(search, invoice.Number, company.customers.get(invoice.CustomerId)?.Name),
  );
  return newestFirst(matches);
};

export const getInvoice: Handler = (ctx) => byIdLookup(ctx, "invoices").record;

// ---------------------------------------------------------------------------------------------
// Trackable assets and vendors

export const listAssets: Handler = (ctx) => {
  const company = scopedCompany(ctx);
  const q = ctx.query;
  const locationId = q.text("locationId");
  const search = q.text("search");
  const status = q.text("status");
  const type = q.text("type");
  return byName(
    values(company.trackableAssets).filter(
      (asset) =>
        equals(asset.LocationId, locationId) &&
        equalsIgnoreCase(asset.Status, status) &&
        equalsIgnoreCase(asset.Type, type) &&
        searches(search, asset.Name, asset.SerialNumber, asset.Description),
    ),
  );
};

export const getAsset: Handler = (ctx) => byIdLookup(ctx, "trackableAssets").record;

export const listVendors: Handler = (ctx) => {
  const company = scopedCompany(ctx);
  const q = ctx.query;
  const search = q.text("search");
  const status = q.text("status");
  const type = q.text("type");
  return byName(
    values(company.vendors).filter(
      (vendor) =>
        equalsIgnoreCase(vendor.Status, status) &&
        equalsIgnoreCase(vendor.Type, type) &&
        searches(search, vendor.Name, vendor.ContactName, vendor.Email, vendor.Phone),
    ),
  );
};

export const getVendor: Handler = (ctx) => byIdLookup(ctx, "vendors").record;
