import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FaultRule } from "../../sim/core/server.js";
import {
  createJobCloserSim,
  JOBCLOSER_DEMO_COMPANY,
  JOBCLOSER_DEMO_COMPANY_ID,
  JOBCLOSER_DEMO_USER,
  JOBCLOSER_DEMO_ZAPIER_KEY,
  JOBCLOSER_OTHER_COMPANY,
  type JobCloserChemicalApplication,
  type JobCloserCompanyState,
  type JobCloserCrew,
  type JobCloserCustomer,
  type JobCloserEmployee,
  type JobCloserEvent,
  type JobCloserInvoice,
  type JobCloserJob,
  type JobCloserJobItem,
  type JobCloserLocation,
  type JobCloserPayment,
  type JobCloserProduct,
  type JobCloserSim,
  type JobCloserTrackableAsset,
  type JobCloserVendor,
} from "../../sim/jobcloser/index.js";
import { HttpLayer, type UpstreamHttp, type UpstreamTarget } from "../../src/datasources/http.js";
import {
  JobCloserClient,
  type JobCloserCredentials,
  JobCloserSession,
} from "../../src/datasources/jobcloser/client.js";
import { JobCloserDatasource } from "../../src/datasources/jobcloser/datasource.js";
import type { ListStream, SourceStream } from "../../src/datasources/paging.js";
import type {
  Address,
  InvoiceStatus,
  JobStatus,
  LeadStatus,
  Money,
  NodeRef,
  PaymentMethod,
  SiteVisitStatus,
  UnifiedAsset,
  UnifiedChemicalApplication,
  UnifiedCrew,
  UnifiedCustomer,
  UnifiedEmployee,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedLead,
  UnifiedLineItem,
  UnifiedLocation,
  UnifiedPayment,
  UnifiedProduct,
  UnifiedSiteVisit,
  UnifiedVendor,
} from "../../src/datasources/unified.js";
import { UnsupportedBySourceError, UpstreamError } from "../../src/errors.js";

/**
 * The JobCloser datasource against its simulator over real HTTP, with two companies in one
 * database (the upstream isolates neither): sign-in once per session (email/password or Zapier
 * key) with no credential on data calls, company isolation of every by-id read and list, the
 * mapping of every record type, by-id batching through `getall`, list snapshots that outlive a
 * request until their TTL, gateway-side filters, and the `{Success, Message, Result}` envelope's
 * failures next to transport failures. Expected records are written from the reference
 * (/work/shared/upstreams/jobcloser.md), not from the mappers.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const COMPANY = JOBCLOSER_DEMO_COMPANY_ID;
const TTL_MS = 60_000;

const R = {
  signIn: "GET /api/account/signin",
  zapier: "GET /api/zapier/signin",
  company: "GET /api/companies/get",
  customer: "GET /api/customers/get",
  customers: "GET /api/customers/getall",
  job: "GET /api/jobs/get",
  jobs: "GET /api/jobs/getall",
  lineItems: "GET /api/jobs/getlineitems",
  event: "GET /api/events/get",
  events: "GET /api/events/getall",
  application: "GET /api/chemicalapplicationlocations/get",
  applications: "GET /api/chemicalapplicationlocations/getall",
  invoice: "GET /api/invoices/get",
  invoices: "GET /api/invoices/getall",
  crews: "GET /api/crews/getall",
  employees: "GET /api/employees/getall",
  products: "GET /api/products/getall",
  locations: "GET /api/locations/getall",
  assets: "GET /api/trackableassets/getall",
  vendors: "GET /api/vendors/getall",
} as const;

/** The demo sign-in as it goes on the wire (the only request carrying a credential). */
const SIGN_IN_QUERY = "?email=demo%40jobcloser.com&password=password";

/** Well-formed ids no company has. */
const UNKNOWN_ID = "0123456789abcdef0123456789abcd";

let sim: JobCloserSim;
let http: HttpLayer;
let target: UpstreamTarget;
/** A new session per test: sign-in and snapshots start afresh, so request counts are exact. */
let session: JobCloserSession;

beforeAll(async () => {
  sim = createJobCloserSim({ companies: [JOBCLOSER_DEMO_COMPANY, JOBCLOSER_OTHER_COMPANY], now: () => NOW });
  await sim.listen(0);
  http = new HttpLayer({
    timeoutMs: 2_000,
    retries: 0,
    connections: 4,
    cache: { ttlMs: 0, maxEntries: 100 },
  });
  target = { source: "jobcloser", tenantId: "t1", baseUrl: sim.baseUrl, headers: {}, timeoutMs: 2_000 };
});

afterAll(async () => {
  await http.close();
  await sim.close();
});

beforeEach(() => {
  sim.control.reset();
  session = newSession();
});

function newSession(
  credentials: JobCloserCredentials = { ...JOBCLOSER_DEMO_USER },
  options: { ttlMs?: number; now?: () => number } = {},
): JobCloserSession {
  return new JobCloserSession(credentials, options.ttlMs ?? TTL_MS, options.now);
}

/** A datasource as one GraphQL request gets it: fresh DataLoaders and per-request memo, the tenant's session. */
function fresh(
  options: { session?: JobCloserSession; http?: UpstreamHttp; target?: Partial<UpstreamTarget> } = {},
): JobCloserDatasource {
  const client = new JobCloserClient(
    options.http ?? http,
    { ...target, ...options.target },
    options.session ?? session,
  );
  return new JobCloserDatasource(client, "USD");
}

const ref = (type: NodeRef["type"], sourceId: string, locator?: string): NodeRef =>
  locator === undefined
    ? { type, source: "jobcloser", sourceId }
    : { type, source: "jobcloser", sourceId, locator };

const demo = (): JobCloserCompanyState => sim.company(COMPANY);
const other = (): JobCloserCompanyState => sim.company(JOBCLOSER_OTHER_COMPANY);

// ---- Expected unified records, from the reference (§5) ----

const usd = (cents: number): Money => ({ cents, currency: "USD" });
/** Reference money has 2 decimals, so this is exact. */
const money = (amount: number): Money => usd(Math.round(amount * 100));

function address(
  line1: string | null,
  line2: string | null,
  city: string | null,
  region: string | null,
  postalCode: string | null,
): Address | null {
  if (line1 === null && line2 === null && city === null && region === null && postalCode === null)
    return null;
  return { line1, line2, city, region, postalCode, country: null };
}

const CUSTOMER_STATUS = { Lead: "LEAD", Active: "ACTIVE", Inactive: "INACTIVE" } as const;

function expectedCustomer(c: JobCloserCustomer): UnifiedCustomer {
  return {
    __typename: "Customer",
    source: "jobcloser",
    sourceId: c.Id,
    number: String(c.Number),
    name: c.Name,
    // An archived customer is INACTIVE whatever its status; the status stays readable.
    status: c.Archived ? "INACTIVE" : CUSTOMER_STATUS[c.Status],
    sourceStatus: c.Archived ? `${c.Status} (archived)` : c.Status,
    firstName: null,
    lastName: null,
    email: c.Email,
    phone: c.Phone,
    mobile: null,
    address: address(c.JobAddress1, c.JobAddress2, c.JobCity, c.JobState, c.JobZip),
    billingAddress: address(
      c.BillingAddress1,
      c.BillingAddress2,
      c.BillingCity,
      c.BillingState,
      c.BillingZip,
    ),
    taxId: null,
    customerType: c.CustomerType,
    notes: null,
    smsReminders: null,
    walkIn: null,
    createdAt: c.DateCreated,
    updatedAt: c.DateModified,
  };
}

/** A JobCloser lead is a customer in status Lead; converted = WON, inactive or archived lead = LOST. */
function expectedLead(c: JobCloserCustomer): UnifiedLead {
  const status: LeadStatus =
    c.Status === "Lead" ? (c.Archived ? "LOST" : "NEW") : c.Status === "Active" ? "WON" : "LOST";
  return {
    __typename: "Lead",
    source: "jobcloser",
    sourceId: c.Id,
    name: c.Name,
    email: c.Email,
    phone: c.Phone,
    address: address(c.JobAddress1, c.JobAddress2, c.JobCity, c.JobState, c.JobZip),
    status,
    sourceStatus: c.Archived ? `${c.Status} (archived)` : c.Status,
    serviceInterests: [],
    notes: null,
    channel: c.ReferredBy,
    customerId: c.Id,
    createdAt: c.DateCreated,
    updatedAt: c.DateModified,
  };
}

const JOB_STATUS: Record<JobCloserJob["Status"], JobStatus> = {
  Lead: "UNSCHEDULED",
  Estimate: "UNSCHEDULED",
  Sold: "UNSCHEDULED",
  Scheduled: "SCHEDULED",
  InProgress: "IN_PROGRESS",
  Completed: "COMPLETED",
  Cancelled: "CANCELLED",
};

function expectedJob(j: JobCloserJob): UnifiedJob {
  return {
    __typename: "Job",
    source: "jobcloser",
    sourceId: j.Id,
    number: String(j.Number),
    customerId: j.CustomerId,
    crewId: j.CrewId,
    locationId: j.LocationId,
    salespersonId: j.SalespersonUserId,
    title: j.Name,
    description: j.Description,
    status: JOB_STATUS[j.Status],
    sourceStatus: j.Status,
    serviceType: j.Type,
    jobType: null,
    scheduledDate: null,
    scheduledTime: null,
    scheduledEndTime: null,
    durationMinutes: null,
    assignee: null,
    address: address(j.JobAddress1, j.JobAddress2, j.JobCity, j.JobState, j.JobZip),
    price: money(j.Total),
    notes: null,
    accessNotes: null,
    specialInstructions: null,
    estimateId: null,
    completedAt: j.DateCompleted,
    completionNotes: null,
    siteVisitCount: undefined,
    createdAt: j.DateCreated,
    updatedAt: j.DateModified,
  };
}

function expectedLineItem(item: JobCloserJobItem): UnifiedLineItem {
  return {
    description: item.Description === null ? item.Name : `${item.Name}: ${item.Description}`,
    quantity: item.Quantity,
    unitPrice: money(item.UnitPrice),
    discountPercent: 0,
    taxRate: null,
    amount: money(item.Total),
    productId: item.ProductId,
  };
}

const VISIT_STATUS: Record<JobCloserEvent["Status"], SiteVisitStatus> = {
  Scheduled: "SCHEDULED",
  InProgress: "IN_PROGRESS",
  Completed: "COMPLETED",
  Cancelled: "CANCELLED",
};

function expectedVisit(e: JobCloserEvent): UnifiedSiteVisit {
  return {
    __typename: "SiteVisit",
    source: "jobcloser",
    sourceId: e.Id,
    jobId: e.JobId,
    customerId: e.CustomerId,
    title: e.Title,
    scheduledAt: e.StartDate,
    endsAt: e.EndDate,
    allDay: e.AllDay,
    // An all-day event has no duration (it ends at 23:59:59).
    durationMinutes: e.AllDay ? null : (Date.parse(e.EndDate) - Date.parse(e.StartDate)) / 60_000,
    status: VISIT_STATUS[e.Status],
    sourceStatus: e.Status,
    notes: e.Description,
    teamMember: null,
    crewId: e.CrewId,
    completedAt: e.DateCompleted,
    createdAt: e.DateCreated,
    updatedAt: e.DateModified,
  };
}

const INVOICE_STATUS: Record<JobCloserInvoice["Status"], InvoiceStatus> = {
  Draft: "DRAFT",
  Sent: "SENT",
  PartiallyPaid: "PARTIALLY_PAID",
  Paid: "PAID",
  Overdue: "OVERDUE",
  Void: "VOID",
};

/** The latest payment instant of a paid invoice (offsets differ across DST: compare instants). */
function lastPayment(i: JobCloserInvoice): string | null {
  let latest: string | null = null;
  for (const p of i.Payments) if (latest === null || Date.parse(p.Date) > Date.parse(latest)) latest = p.Date;
  return latest;
}

function expectedInvoice(i: JobCloserInvoice): UnifiedInvoice {
  return {
    __typename: "Invoice",
    source: "jobcloser",
    sourceId: i.Id,
    number: String(i.Number),
    customerId: i.CustomerId,
    jobId: i.JobId,
    status: INVOICE_STATUS[i.Status],
    sourceStatus: i.SubStatus === null ? i.Status : `${i.Status}/${i.SubStatus}`,
    lineItems: undefined,
    subtotal: money(i.Subtotal),
    tax: money(i.Tax),
    total: money(i.Total),
    amountPaid: money(i.AmountPaid),
    discount: null,
    taxInclusive: false,
    // The calendar date as rendered (America/Chicago), what JobCloser's own start/end compare.
    issueDate: i.InvoiceDate.slice(0, 10),
    dueDate: i.DueDate === null ? null : i.DueDate.slice(0, 10),
    sentAt: null,
    paidAt: i.Status === "Paid" ? lastPayment(i) : null,
    notes: null,
    terms: null,
    hasPdf: false,
    createdAt: i.DateCreated,
    updatedAt: i.DateModified,
  };
}

const PAYMENT_METHOD: Record<JobCloserPayment["Method"], PaymentMethod> = {
  Cash: "CASH",
  Check: "CHECK",
  CreditCard: "CARD",
  ACH: "BANK_TRANSFER",
  Other: "OTHER",
};

function expectedPayment(p: JobCloserPayment, i: JobCloserInvoice): UnifiedPayment {
  return {
    __typename: "Payment",
    source: "jobcloser",
    sourceId: p.Id,
    invoiceId: i.Id,
    customerId: i.CustomerId,
    amount: money(p.Amount),
    method: PAYMENT_METHOD[p.Method],
    sourceMethod: p.Method,
    paidAt: p.Date,
    reference: null,
    notes: null,
    createdAt: p.Date,
    updatedAt: null,
  };
}

function expectedApplication(a: JobCloserChemicalApplication): UnifiedChemicalApplication {
  return {
    __typename: "ChemicalApplication",
    source: "jobcloser",
    sourceId: a.Id,
    jobId: a.JobId,
    siteVisitId: a.EventId,
    jobItemId: a.JobItemId,
    productId: a.ProductId,
    appliedAt: a.ApplicationDate,
    latitude: Number.parseFloat(a.Latitude),
    longitude: Number.parseFloat(a.Longitude),
    meterSerialNumber: a.MeterSerialNumber,
    meterRawCount: a.MeterRawCount,
    meterCurrentRate: a.MeterCurrentRate,
    meterCalculatedFlowTotal: a.MeterCalculatedFlowTotal,
    meterRawCountsToZero: a.MeterRawCountsToZero,
    fluidTemperatureF: a.TemperatureOfFluid,
    ambientTemperatureF: a.AmbientTemperature,
    batteryPercent: a.BatteryStatusInPercent,
    batteryRunTimeMinutes: a.BatteryStatusInEstimatedRunTime,
    note: a.Note,
    deviceName: a.DeviceName,
    calibrationFactor: a.CalibrationFactor,
    eventCompletionId: a.EventCompletionId,
    createdAt: a.DateCreated,
    updatedAt: null,
  };
}

function expectedCrew(c: JobCloserCrew): UnifiedCrew {
  return {
    __typename: "Crew",
    source: "jobcloser",
    sourceId: c.Id,
    name: c.Name,
    color: c.Color,
    active: c.Active,
    locationId: c.LocationId,
    memberIds: c.EmployeeIds,
    createdAt: c.DateCreated,
    updatedAt: c.DateModified,
  };
}

function expectedEmployee(e: JobCloserEmployee): UnifiedEmployee {
  return {
    __typename: "Employee",
    source: "jobcloser",
    sourceId: e.Id,
    firstName: e.FirstName,
    lastName: e.LastName,
    email: e.Email,
    phone: e.Phone,
    title: e.Title,
    active: e.Active,
    crewId: e.CrewId,
    locationId: e.LocationId,
    createdAt: e.DateCreated,
    updatedAt: e.DateModified,
  };
}

function expectedProduct(p: JobCloserProduct): UnifiedProduct {
  return {
    __typename: "Product",
    source: "jobcloser",
    sourceId: p.Id,
    name: p.Name,
    description: p.Description,
    sku: p.Sku,
    category: p.Category,
    unit: p.Unit,
    price: money(p.Price),
    cost: p.Cost === null ? null : money(p.Cost),
    taxable: p.Taxable,
    active: p.Active,
    quantityOnHand: p.QuantityOnHand,
    notes: p.Notes,
    createdAt: p.DateCreated,
    updatedAt: p.DateModified,
  };
}

function expectedLocation(l: JobCloserLocation): UnifiedLocation {
  return {
    __typename: "Location",
    source: "jobcloser",
    sourceId: l.Id,
    name: l.Name,
    address: address(l.Address1, l.Address2, l.City, l.State, l.Zip),
    phone: l.Phone,
    email: l.Email,
    active: l.Active,
    createdAt: l.DateCreated,
    updatedAt: l.DateModified,
  };
}

function expectedAsset(a: JobCloserTrackableAsset): UnifiedAsset {
  return {
    __typename: "Asset",
    source: "jobcloser",
    sourceId: a.Id,
    name: a.Name,
    description: a.Description,
    type: a.Type,
    serialNumber: a.SerialNumber,
    status: a.Status,
    assignedEmployeeId: a.AssignedEmployeeId,
    locationId: a.LocationId,
    createdAt: a.DateCreated,
    updatedAt: a.DateModified,
  };
}

function expectedVendor(v: JobCloserVendor): UnifiedVendor {
  return {
    __typename: "Vendor",
    source: "jobcloser",
    sourceId: v.Id,
    name: v.Name,
    contactName: v.ContactName,
    email: v.Email,
    phone: v.Phone,
    address: address(v.Address1, v.Address2, v.City, v.State, v.Zip),
    type: v.Type,
    notes: v.Notes,
    status: v.Status,
    createdAt: v.DateCreated,
    updatedAt: v.DateModified,
  };
}

// ---- The reference's list orders (§4.1; ties by Id ascending) ----

const byIdAsc = (a: { Id: string }, b: { Id: string }) => (a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0);

function byInstant<T extends { Id: string }>(
  records: Iterable<T>,
  time: (r: T) => string,
  desc: boolean,
): T[] {
  return [...records].sort((a, b) => {
    const d = Date.parse(time(a)) - Date.parse(time(b));
    return (desc ? -d : d) || byIdAsc(a, b);
  });
}

const newestFirst = <T extends { Id: string; DateCreated: string }>(records: Iterable<T>) =>
  byInstant(records, (r) => r.DateCreated, true);

function byText<T extends { Id: string }>(records: Iterable<T>, ...keys: Array<(r: T) => string>): T[] {
  return [...records].sort((a, b) => {
    for (const key of keys) {
      const x = key(a).toLowerCase();
      const y = key(b).toLowerCase();
      if (x !== y) return x < y ? -1 : 1;
    }
    return byIdAsc(a, b);
  });
}

const byName = <T extends { Id: string; Name: string }>(records: Iterable<T>) =>
  byText(records, (r) => r.Name);

/** The default customer list: not archived, newest first. */
const listedCustomers = () => newestFirst([...demo().customers.values()].filter((c) => !c.Archived));
const allJobs = () => newestFirst(demo().jobs.values());
const allInvoices = () => newestFirst(demo().invoices.values());
const eventsOf = (jobId: string) =>
  byInstant(
    [...demo().events.values()].filter((e) => e.JobId === jobId),
    (e) => e.StartDate,
    false,
  );
const applicationsOf = (jobId: string) =>
  byInstant(
    [...demo().chemicalApplications.values()].filter((a) => a.JobId === jobId),
    (a) => a.ApplicationDate,
    false,
  );

// ---- Helpers ----

function first<T>(records: Iterable<T>, what: string, predicate: (record: T) => boolean = () => true): T {
  for (const record of records) if (predicate(record)) return record;
  throw new Error(`no seeded ${what} for this test`);
}

/** One record per distinct shape, so every mapping branch is exercised once. */
function oneOfEach<T>(records: Iterable<T>, shape: (record: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const record of records) {
    const key = shape(record);
    if (!seen.has(key)) seen.set(key, record);
  }
  return [...seen.values()];
}

function offsetStream<T>(stream: ListStream<T> | null | undefined): SourceStream<T> {
  if (!stream) throw new Error("expected a stream");
  if (stream.kind === "cursor") throw new Error("expected an offset stream");
  return stream;
}

/** A whole list, in one window. */
async function all<T>(stream: ListStream<T> | null | undefined): Promise<T[]> {
  const page = await offsetStream(stream).fetch(0, 1_000);
  expect(page.records.length).toBe(page.total);
  return page.records;
}

const ids = (records: Array<{ sourceId: string }>) => records.map((r) => r.sourceId);
/** Every request the simulator saw, as `path?query`. */
const wire = () => sim.control.requests.map((r) => `${r.path}${r.query}`);

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

/** Puts a record into the live state; returns its undo. */
function put<T extends { Id: string }>(map: Map<string, T>, record: T): () => void {
  const previous = map.get(record.Id);
  map.set(record.Id, record);
  return () => {
    if (previous) map.set(record.Id, previous);
    else map.delete(record.Id);
  };
}

async function withState(undos: Array<() => void>, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    for (const undo of undos.reverse()) undo();
  }
}

async function withoutApiAccess(body: () => Promise<void>): Promise<void> {
  demo().company.EnableApiAccess = false;
  try {
    await body();
  } finally {
    demo().company.EnableApiAccess = true;
  }
}

/** Signs the current session in and clears the counters, so a test counts its data calls only. */
async function signedIn(): Promise<void> {
  await fresh().load(ref("Crew", UNKNOWN_ID));
  sim.control.resetCounts();
}

// ---- Tests ----

describe("the simulator, as the expectations assume it", () => {
  it("two companies; the upstream answers any company's record by id, without a credential", async () => {
    expect(demo().company.Id).toBe(COMPANY);
    expect(other().company.Id).not.toBe(COMPANY);
    const theirs = first(other().customers.values(), "other company's customer");
    const response = await fetch(`${sim.baseUrl}/customers/get?id=${theirs.Id}`);
    const body = (await response.json()) as { Success: boolean; Result: { CompanyId: string } };
    expect(response.status).toBe(200);
    expect(body.Success).toBe(true);
    expect(body.Result.CompanyId).toBe(other().company.Id);
  });
});

describe("sign-in", () => {
  it("once per session, however many requests and loads; data calls carry no credential", async () => {
    const customer = first(listedCustomers(), "customer");
    const job = first(allJobs(), "job");
    const crew = first(demo().crews.values(), "crew");
    for (let request = 0; request < 4; request++) {
      const ds = fresh();
      const loaded = await Promise.all([
        ds.load(ref("Customer", customer.Id)),
        ds.load(ref("Job", job.Id)),
        ds.load(ref("Crew", crew.Id)),
      ]);
      expect(loaded).toStrictEqual([expectedCustomer(customer), expectedJob(job), expectedCrew(crew)]);
    }
    expect(sim.control.snapshot()).toStrictEqual({
      [R.signIn]: 1,
      [R.customer]: 4,
      [R.job]: 4,
      [R.crews]: 1,
    });
    expect(wire()[0]).toBe(`/api/account/signin${SIGN_IN_QUERY}`);
    // The password travels in the sign-in query only.
    const withSecret = wire().filter((line) => line.includes("password") || line.includes("demo%40"));
    expect(withSecret).toStrictEqual([`/api/account/signin${SIGN_IN_QUERY}`]);
    expect(wire().slice(1, 4).sort()).toStrictEqual(
      [
        `/api/crews/getall?companyId=${COMPANY}`,
        `/api/customers/get?id=${customer.Id}`,
        `/api/jobs/get?id=${job.Id}`,
      ].sort(),
    );
  });

  it("concurrent first requests share one sign-in", async () => {
    const customers = listedCustomers().slice(0, 5);
    const loaded = await Promise.all(customers.map((c) => fresh().load(ref("Customer", c.Id))));
    expect(loaded).toStrictEqual(customers.map(expectedCustomer));
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.customer]: 5 });
  });

  it("by Zapier key: one /zapier/signin, the key's company, and no /account/signin", async () => {
    session = newSession({ zapierKey: JOBCLOSER_DEMO_ZAPIER_KEY });
    const customer = first(listedCustomers(), "customer");
    const theirs = first(other().customers.values(), "other company's customer");
    expect(await fresh().load(ref("Customer", customer.Id))).toStrictEqual(expectedCustomer(customer));
    expect(await fresh().load(ref("Customer", theirs.Id))).toBeNull();
    expect(await all(fresh().lists.crews())).toStrictEqual(byName(demo().crews.values()).map(expectedCrew));
    expect(sim.control.snapshot()).toStrictEqual({ [R.zapier]: 1, [R.customer]: 2, [R.crews]: 1 });
    expect(wire()[0]).toBe(`/api/zapier/signin?key=${JOBCLOSER_DEMO_ZAPIER_KEY}`);
    expect(wire().filter((line) => line.includes(JOBCLOSER_DEMO_ZAPIER_KEY))).toHaveLength(1);
  });

  it("a wrong password is UPSTREAM_ERROR without the password; each call tries again, no data call is made", async () => {
    const password = "Tr0ub4dor&3-wrong";
    session = newSession({ email: JOBCLOSER_DEMO_USER.email, password });
    const customer = first(listedCustomers(), "customer");
    for (const run of [
      (ds: JobCloserDatasource) => ds.load(ref("Customer", customer.Id)),
      (ds: JobCloserDatasource) => all(ds.lists.jobs({})),
      (ds: JobCloserDatasource) => ds.load(ref("Crew", UNKNOWN_ID)),
    ]) {
      const error = await rejection(run(fresh()));
      expect(error.extensions).toStrictEqual({ code: "UPSTREAM_ERROR", source: "jobcloser" });
      expect(error.upstream).toBe("jobcloser");
      expect(error.message).toBe(
        "jobcloser GET /account/signin failed: The specified email and password do not exist in our system",
      );
      expect(error.message).not.toContain(password);
      expect(error.message).not.toContain(encodeURIComponent(password));
    }
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 3 });
  });

  it("an unknown Zapier key is UPSTREAM_ERROR without the key", async () => {
    const key = "00000000-1111-2222-3333-444444444444";
    session = newSession({ zapierKey: key });
    const error = await rejection(fresh().load(ref("Job", UNKNOWN_ID)));
    expect(error.extensions).toStrictEqual({ code: "UPSTREAM_ERROR", source: "jobcloser" });
    expect(error.message).toBe(
      "jobcloser GET /zapier/signin failed: The specified API key does not exist in our system",
    );
    expect(error.message).not.toContain(key);
    expect(sim.control.snapshot()).toStrictEqual({ [R.zapier]: 1 });
  });

  it("a failed sign-in is not remembered: the next call signs in, then the session keeps it", async () => {
    sim.control.injectFault({ kind: "status", status: 503, route: R.signIn, times: 1 });
    const customer = first(listedCustomers(), "customer");
    const error = await rejection(fresh().load(ref("Customer", customer.Id)));
    expect(error.extensions).toStrictEqual({
      code: "UPSTREAM_UNAVAILABLE",
      source: "jobcloser",
      upstreamStatus: 503,
    });
    expect(error.message).toBe("jobcloser GET /account/signin failed: HTTP 503");
    expect(await fresh().load(ref("Customer", customer.Id))).toStrictEqual(expectedCustomer(customer));
    expect(await fresh().load(ref("Customer", customer.Id))).toStrictEqual(expectedCustomer(customer));
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 2, [R.customer]: 2 });
  });

  it("a dropped or slow sign-in names neither the password nor the query", async () => {
    sim.control.injectFault({ kind: "drop", route: R.signIn, times: 1 });
    const dropped = await rejection(fresh().load(ref("Job", UNKNOWN_ID)));
    expect(dropped.extensions).toStrictEqual({ code: "UPSTREAM_UNAVAILABLE", source: "jobcloser" });
    sim.control.injectFault({ kind: "slow", delayMs: 1_000, route: R.signIn, times: 1 });
    const slow = await rejection(fresh({ target: { timeoutMs: 150 } }).load(ref("Job", UNKNOWN_ID)));
    expect(slow.extensions).toStrictEqual({ code: "UPSTREAM_TIMEOUT", source: "jobcloser" });
    expect(slow.message).toBe("jobcloser GET /account/signin timed out after 150 ms");
    for (const error of [dropped, slow]) {
      expect(error.message).not.toContain("password");
      expect(error.message).not.toContain("demo@jobcloser.com");
    }
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 2 });
  });

  it("the sign-in is never cached, even by a caching HTTP layer (data reads are)", async () => {
    const caching = new HttpLayer({
      timeoutMs: 2_000,
      retries: 0,
      connections: 2,
      cache: { ttlMs: 60_000, maxEntries: 100 },
    });
    try {
      const customer = first(listedCustomers(), "customer");
      for (let tenantSession = 0; tenantSession < 3; tenantSession++) {
        const s = newSession();
        expect(await fresh({ http: caching, session: s }).load(ref("Customer", customer.Id))).toStrictEqual(
          expectedCustomer(customer),
        );
      }
      expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 3, [R.customer]: 1 });
    } finally {
      await caching.close();
    }
  });

  it("API access disabled: email sign-in succeeds, every data call is UPSTREAM_ERROR naming it", async () => {
    const customer = first(listedCustomers(), "customer");
    await withoutApiAccess(async () => {
      const byId = await rejection(fresh().load(ref("Customer", customer.Id)));
      expect(byId.extensions).toStrictEqual({ code: "UPSTREAM_ERROR", source: "jobcloser" });
      expect(byId.message).toBe(
        "jobcloser GET /customers/get failed: API access is not enabled for this company",
      );
      const list = await rejection(all(fresh().lists.crews()));
      expect(list.message).toBe(
        "jobcloser GET /crews/getall failed: API access is not enabled for this company",
      );
    });
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.customer]: 1, [R.crews]: 1 });
    // The failed list was not kept as a snapshot: with access back, it is read again.
    expect(await all(fresh().lists.crews())).toHaveLength(demo().crews.size);
    expect(sim.control.count(R.crews)).toBe(2);
  });

  it("API access disabled: the Zapier sign-in itself fails naming it, and is retried next time", async () => {
    session = newSession({ zapierKey: JOBCLOSER_DEMO_ZAPIER_KEY });
    const customer = first(listedCustomers(), "customer");
    await withoutApiAccess(async () => {
      const error = await rejection(fresh().load(ref("Customer", customer.Id)));
      expect(error.extensions).toStrictEqual({ code: "UPSTREAM_ERROR", source: "jobcloser" });
      expect(error.message).toBe(
        "jobcloser GET /zapier/signin failed: API access is not enabled for this company",
      );
      expect(error.message).not.toContain(JOBCLOSER_DEMO_ZAPIER_KEY);
    });
    expect(await fresh().load(ref("Customer", customer.Id))).toStrictEqual(expectedCustomer(customer));
    expect(sim.control.snapshot()).toStrictEqual({ [R.zapier]: 2, [R.customer]: 1 });
  });
});

describe("company isolation: the upstream has none, the gateway does", () => {
  const theirs = () => {
    const o = other();
    const invoice = first(o.invoices.values(), "other paid invoice", (i) => i.Payments.length > 0);
    const payment = invoice.Payments[0];
    if (!payment) throw new Error("no payment");
    return {
      customer: first(o.customers.values(), "other customer", (c) => !c.Archived),
      archived: first(o.customers.values(), "other archived customer", (c) => c.Archived),
      lead: first(o.customers.values(), "other lead", (c) => c.Status === "Lead"),
      job: first(o.jobs.values(), "other job"),
      event: first(o.events.values(), "other event"),
      invoice,
      payment,
      application: first(o.chemicalApplications.values(), "other application"),
      crew: first(o.crews.values(), "other crew"),
      employee: first(o.employees.values(), "other employee"),
      product: first(o.products.values(), "other product"),
      location: first(o.locations.values(), "other location"),
      asset: first(o.trackableAssets.values(), "other asset"),
      vendor: first(o.vendors.values(), "other vendor"),
    };
  };

  const cases: Array<{ what: string; ref: () => NodeRef; requests: Record<string, number> }> = [
    { what: "customer", ref: () => ref("Customer", theirs().customer.Id), requests: { [R.customer]: 1 } },
    {
      what: "archived customer",
      ref: () => ref("Customer", theirs().archived.Id),
      requests: { [R.customer]: 1 },
    },
    { what: "lead", ref: () => ref("Lead", theirs().lead.Id), requests: { [R.customer]: 1 } },
    { what: "job", ref: () => ref("Job", theirs().job.Id), requests: { [R.job]: 1 } },
    {
      what: "event (site visit)",
      ref: () => ref("SiteVisit", theirs().event.Id),
      requests: { [R.event]: 1 },
    },
    { what: "invoice", ref: () => ref("Invoice", theirs().invoice.Id), requests: { [R.invoice]: 1 } },
    {
      what: "payment, located through its invoice",
      ref: () => ref("Payment", theirs().payment.Id, theirs().invoice.Id),
      requests: { [R.invoice]: 1 },
    },
    {
      what: "chemical application (no CompanyId: checked through its job)",
      ref: () => ref("ChemicalApplication", theirs().application.Id),
      requests: { [R.application]: 1, [R.job]: 1 },
    },
    { what: "crew", ref: () => ref("Crew", theirs().crew.Id), requests: { [R.crews]: 1 } },
    { what: "employee", ref: () => ref("Employee", theirs().employee.Id), requests: { [R.employees]: 1 } },
    { what: "product", ref: () => ref("Product", theirs().product.Id), requests: { [R.products]: 1 } },
    { what: "location", ref: () => ref("Location", theirs().location.Id), requests: { [R.locations]: 1 } },
    { what: "asset", ref: () => ref("Asset", theirs().asset.Id), requests: { [R.assets]: 1 } },
    { what: "vendor", ref: () => ref("Vendor", theirs().vendor.Id), requests: { [R.vendors]: 1 } },
  ];

  it.each(cases)("the other company's $what reads as null", async ({ ref: of, requests }) => {
    expect(await fresh().load(of())).toBeNull();
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, ...requests });
  });

  it("several of them in one tick: one list per kind, a get for each id the list lacks, all null", async () => {
    const t = theirs();
    const o = other();
    const ownCustomer = first(listedCustomers(), "customer");
    const ownInvoice = first(allInvoices(), "invoice");
    const ds = fresh();
    const loaded = await Promise.all([
      ds.load(ref("Customer", t.customer.Id)),
      ds.load(ref("Customer", t.archived.Id)),
      ds.load(ref("Customer", ownCustomer.Id)),
      ds.load(ref("Job", t.job.Id)),
      ds.load(ref("Job", first(o.jobs.values(), "another other job", (j) => j.Id !== t.job.Id).Id)),
      ds.load(ref("Invoice", t.invoice.Id)),
      ds.load(ref("Invoice", ownInvoice.Id)),
      ds.load(ref("SiteVisit", t.event.Id)),
      ds.load(ref("Crew", t.crew.Id)),
    ]);
    expect(loaded).toStrictEqual([
      null,
      null,
      expectedCustomer(ownCustomer),
      null,
      null,
      null,
      expectedInvoice(ownInvoice),
      null,
      null,
    ]);
    expect(sim.control.snapshot()).toStrictEqual({
      [R.signIn]: 1,
      [R.customers]: 1,
      [R.customer]: 2,
      [R.jobs]: 1,
      [R.job]: 2,
      [R.invoices]: 1,
      [R.invoice]: 1,
      [R.event]: 1,
      [R.crews]: 1,
    });
  });

  it("a payment id and an invoice locator must belong together, and to the tenant", async () => {
    const t = theirs();
    const own = first(allInvoices(), "invoice with a payment", (i) => i.Payments.length > 0);
    const ownPayment = own.Payments[0];
    if (!ownPayment) throw new Error("no payment");
    const ds = fresh();
    expect(await ds.load(ref("Payment", ownPayment.Id, t.invoice.Id))).toBeNull();
    expect(await ds.load(ref("Payment", t.payment.Id, own.Id))).toBeNull();
    expect(await ds.load(ref("Payment", ownPayment.Id))).toBeNull();
    expect(await ds.load(ref("Payment", ownPayment.Id, own.Id))).toStrictEqual(
      expectedPayment(ownPayment, own),
    );
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.invoice]: 2 });
  });

  it("job-scoped lists of another company's job are empty, without listing", async () => {
    const t = theirs();
    const theirJob = first(
      other().jobs.values(),
      "other job with events and applications",
      (j) =>
        [...other().events.values()].some((e) => e.JobId === j.Id) &&
        [...other().chemicalApplications.values()].some((a) => a.JobId === j.Id) &&
        [...other().jobItems.values()].some((i) => i.JobId === j.Id),
    );
    const visits = await offsetStream(fresh().lists.siteVisits({ jobId: theirJob.Id })).fetch(0, 50);
    expect(visits).toStrictEqual({ records: [], total: 0 });
    const applications = await offsetStream(fresh().lists.chemicalApplications({ jobId: theirJob.Id })).fetch(
      0,
      50,
    );
    expect(applications).toStrictEqual({ records: [], total: 0 });
    const filtered = await offsetStream(
      fresh().lists.chemicalApplications({ jobId: theirJob.Id, siteVisitId: t.application.EventId }),
    ).fetch(0, 50);
    expect(filtered).toStrictEqual({ records: [], total: 0 });
    // Line items are asked of a job already loaded; a foreign one still yields none.
    expect(await fresh().jobLineItems(expectedJob(theirJob))).toStrictEqual([]);
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.job]: 3, [R.lineItems]: 1 });
  });

  it("lists keep only the tenant's records, even when the upstream slips another company's in", async () => {
    const o = other();
    const d = demo();
    const ownJob = first(allJobs(), "job with events and items", (j) => eventsOf(j.Id).length > 0);
    const theirEvent = { ...first(o.events.values(), "other event"), JobId: ownJob.Id };
    const theirItem = { ...first(o.jobItems.values(), "other job item"), JobId: ownJob.Id };
    const stray = {
      customer: first(o.customers.values(), "other customer", (c) => !c.Archived),
      job: first(o.jobs.values(), "other job"),
      invoice: first(o.invoices.values(), "other invoice"),
      crew: first(o.crews.values(), "other crew"),
      employee: first(o.employees.values(), "other employee"),
      product: first(o.products.values(), "other product"),
      location: first(o.locations.values(), "other location"),
      asset: first(o.trackableAssets.values(), "other asset"),
      vendor: first(o.vendors.values(), "other vendor"),
    };
    // Expected before the strays go in.
    const expected = {
      customers: ids(listedCustomers().map(expectedCustomer)),
      jobs: ids(allJobs().map(expectedJob)),
      invoices: ids(allInvoices().map(expectedInvoice)),
      crews: byName(d.crews.values()).map((c) => c.Id),
      employees: byText(
        d.employees.values(),
        (e) => e.LastName,
        (e) => e.FirstName,
      ).map((e) => e.Id),
      products: byName(d.products.values()).map((p) => p.Id),
      locations: byName(d.locations.values()).map((l) => l.Id),
      assets: byName(d.trackableAssets.values()).map((a) => a.Id),
      vendors: byName(d.vendors.values()).map((v) => v.Id),
      visits: eventsOf(ownJob.Id).map((e) => e.Id),
      items: [...d.jobItems.values()]
        .filter((i) => i.JobId === ownJob.Id)
        .sort((a, b) => a.SortOrder - b.SortOrder || byIdAsc(a, b))
        .map(expectedLineItem),
    };
    await withState(
      [
        put(d.customers, stray.customer),
        put(d.jobs, stray.job),
        put(d.invoices, stray.invoice),
        put(d.crews, stray.crew),
        put(d.employees, stray.employee),
        put(d.products, stray.product),
        put(d.locations, stray.location),
        put(d.trackableAssets, stray.asset),
        put(d.vendors, stray.vendor),
        put(d.events, theirEvent),
        put(d.jobItems, theirItem),
      ],
      async () => {
        const ds = fresh();
        expect(ids(await all(ds.lists.customers({})))).toStrictEqual(expected.customers);
        expect(ids(await all(ds.lists.jobs({})))).toStrictEqual(expected.jobs);
        expect(ids(await all(ds.lists.invoices({})))).toStrictEqual(expected.invoices);
        expect(ids(await all(ds.lists.crews()))).toStrictEqual(expected.crews);
        expect(ids(await all(ds.lists.employees()))).toStrictEqual(expected.employees);
        expect(ids(await all(ds.lists.products()))).toStrictEqual(expected.products);
        expect(ids(await all(ds.lists.locations()))).toStrictEqual(expected.locations);
        expect(ids(await all(ds.lists.assets({})))).toStrictEqual(expected.assets);
        expect(ids(await all(ds.lists.vendors({})))).toStrictEqual(expected.vendors);
        expect(ids(await all(ds.lists.siteVisits({ jobId: ownJob.Id })))).toStrictEqual(expected.visits);
        expect(await ds.jobLineItems(expectedJob(ownJob))).toStrictEqual(expected.items);
        // By id through a batch (the list), the stray is not the tenant's either.
        const batch = await Promise.all([
          ds.load(ref("Crew", stray.crew.Id)),
          ds.load(ref("Vendor", stray.vendor.Id)),
          ds.load(ref("Customer", stray.customer.Id)),
          ds.load(ref("Customer", first(listedCustomers(), "customer").Id)),
        ]);
        expect(batch.slice(0, 3)).toStrictEqual([null, null, null]);
        expect(batch[3]).not.toBeNull();
      },
    );
  });
});

describe("load(): every record type maps the simulator's record exactly", () => {
  it("customers of every status, archived or not, with and without optional fields", async () => {
    const sample = oneOfEach(
      demo().customers.values(),
      (c) =>
        `${c.Status}|${c.Archived}|${c.Email === null}|${c.Phone === null}|${c.ReferredBy === null}|${c.CustomerType === null}|${c.JobAddress2 === null}`,
    );
    const archived = sample.filter((c) => c.Archived);
    expect(sample.length).toBeGreaterThanOrEqual(15);
    expect(new Set(archived.map((c) => c.Status))).toStrictEqual(new Set(["Lead", "Active", "Inactive"]));
    const ds = fresh();
    const loaded = (await Promise.all(
      sample.map((c) => ds.load(ref("Customer", c.Id))),
    )) as UnifiedCustomer[];
    expect(loaded).toStrictEqual(sample.map(expectedCustomer));
    expect(new Set(loaded.map((c) => c.sourceStatus))).toStrictEqual(
      new Set(["Lead", "Active", "Inactive", "Lead (archived)", "Active (archived)", "Inactive (archived)"]),
    );
    // Several ids: the list once, plus a get for each archived customer (the list leaves them out).
    expect(sim.control.snapshot()).toStrictEqual({
      [R.signIn]: 1,
      [R.customers]: 1,
      [R.customer]: archived.length,
    });
  });

  it("one customer, literally: number as text, both addresses, archived Active is INACTIVE", async () => {
    const base = first(listedCustomers(), "customer");
    const archived: JobCloserCustomer = {
      ...base,
      Id: "1070512792a5aae241185a4ce190fb",
      Number: 3107,
      Name: "Bob Smith",
      Email: "bob@example.com",
      Phone: "(205) 555-0142",
      JobAddress1: "400 Oak St",
      JobAddress2: null,
      JobCity: "Birmingham",
      JobState: "AL",
      JobZip: "35203",
      BillingAddress1: "PO Box 12",
      BillingAddress2: null,
      BillingCity: "Hoover",
      BillingState: "AL",
      BillingZip: "35216",
      CustomerType: "Residential",
      ReferredBy: "Google",
      Status: "Active",
      Archived: true,
      DateCreated: "2019-03-11T14:20:00-05:00",
      DateModified: null,
    };
    await withState([put(demo().customers, archived)], async () => {
      expect(await fresh().load(ref("Customer", archived.Id))).toStrictEqual({
        __typename: "Customer",
        source: "jobcloser",
        sourceId: "1070512792a5aae241185a4ce190fb",
        number: "3107",
        name: "Bob Smith",
        status: "INACTIVE",
        sourceStatus: "Active (archived)",
        firstName: null,
        lastName: null,
        email: "bob@example.com",
        phone: "(205) 555-0142",
        mobile: null,
        address: {
          line1: "400 Oak St",
          line2: null,
          city: "Birmingham",
          region: "AL",
          postalCode: "35203",
          country: null,
        },
        billingAddress: {
          line1: "PO Box 12",
          line2: null,
          city: "Hoover",
          region: "AL",
          postalCode: "35216",
          country: null,
        },
        taxId: null,
        customerType: "Residential",
        notes: null,
        smsReminders: null,
        walkIn: null,
        createdAt: "2019-03-11T14:20:00-05:00",
        updatedAt: null,
      } satisfies UnifiedCustomer);
    });
  });

  it("leads: a Lead customer is NEW with its referral as channel; converted WON, inactive or archived LOST", async () => {
    const c = demo().customers.values();
    const sample = oneOfEach(c, (x) => `${x.Status}|${x.Archived}`);
    const lead = first(sample, "lead", (x) => x.Status === "Lead" && !x.Archived);
    const ds = fresh();
    const loaded = (await Promise.all(sample.map((x) => ds.load(ref("Lead", x.Id))))) as UnifiedLead[];
    expect(loaded).toStrictEqual(sample.map(expectedLead));
    expect(loaded.find((l) => l.sourceId === lead.Id)).toStrictEqual({
      __typename: "Lead",
      source: "jobcloser",
      sourceId: lead.Id,
      name: lead.Name,
      email: lead.Email,
      phone: lead.Phone,
      address: address(lead.JobAddress1, lead.JobAddress2, lead.JobCity, lead.JobState, lead.JobZip),
      status: "NEW",
      sourceStatus: "Lead",
      serviceInterests: [],
      notes: null,
      channel: lead.ReferredBy,
      customerId: lead.Id,
      createdAt: lead.DateCreated,
      updatedAt: lead.DateModified,
    } satisfies UnifiedLead);
    expect(new Set(loaded.map((l) => l.status))).toStrictEqual(new Set(["NEW", "WON", "LOST"]));
    // A lead and a customer are one record upstream: one loader, one read.
    const both = fresh();
    const [asLead, asCustomer] = await Promise.all([
      both.load(ref("Lead", lead.Id)),
      both.load(ref("Customer", lead.Id)),
    ]);
    expect([asLead, asCustomer]).toStrictEqual([expectedLead(lead), expectedCustomer(lead)]);
    expect(sim.control.count(R.customer)).toBe(sample.filter((x) => x.Archived).length + 1);
  });

  it("jobs of every status, with and without crew, description, completion and modification", async () => {
    const sample = oneOfEach(
      demo().jobs.values(),
      (j) =>
        `${j.Status}|${j.CrewId === null}|${j.Description === null}|${j.DateCompleted === null}|${j.DateModified === null}`,
    );
    expect(new Set(sample.map((j) => j.Status)).size).toBe(7);
    const ds = fresh();
    const loaded = await Promise.all(sample.map((j) => ds.load(ref("Job", j.Id))));
    expect(loaded).toStrictEqual(sample.map(expectedJob));
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.jobs]: 1 });
  });

  it("one job by id is one get, with the total in cents and its line items (embedded) in SortOrder", async () => {
    const job = first(
      allJobs(),
      "job with described items",
      (j) =>
        [...demo().jobItems.values()].filter((i) => i.JobId === j.Id && i.Description !== null).length > 0,
    );
    const ds = fresh();
    const loaded = (await ds.load(ref("Job", job.Id))) as UnifiedJob;
    expect(loaded).toStrictEqual(expectedJob(job));
    const items = [...demo().jobItems.values()]
      .filter((i) => i.JobId === job.Id)
      .sort((a, b) => a.SortOrder - b.SortOrder);
    const lines = await ds.jobLineItems(loaded);
    expect(lines).toStrictEqual(items.map(expectedLineItem));
    expect(lines.some((l) => l.description?.includes(": "))).toBe(true);
    expect(lines.reduce((sum, l) => sum + l.amount.cents, 0)).toBe(loaded.price?.cents);
    // `jobs/get` answered the items with the job (§4): no `jobs/getlineitems`.
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.job]: 1 });
    expect(wire().slice(1)).toStrictEqual([`/api/jobs/get?id=${job.Id}`]);
  });

  it("site visits of every status, all-day or timed, in both Central offsets, one get each", async () => {
    const sample = oneOfEach(
      demo().events.values(),
      (e) => `${e.Status}|${e.AllDay}|${e.StartDate.slice(19)}`,
    );
    expect(new Set(sample.map((e) => e.StartDate.slice(19)))).toStrictEqual(new Set(["-05:00", "-06:00"]));
    const ds = fresh();
    const loaded = (await Promise.all(
      sample.map((e) => ds.load(ref("SiteVisit", e.Id))),
    )) as UnifiedSiteVisit[];
    expect(loaded).toStrictEqual(sample.map(expectedVisit));
    const allDay = first(loaded, "all-day visit", (v) => v.allDay);
    expect(allDay.durationMinutes).toBeNull();
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.event]: sample.length });
  });

  it("invoices of every status and sub-status, with 0 to 3 payments", async () => {
    const sample = oneOfEach(
      demo().invoices.values(),
      (i) => `${i.Status}|${i.SubStatus}|${i.Payments.length}`,
    );
    const ds = fresh();
    const loaded = (await Promise.all(sample.map((i) => ds.load(ref("Invoice", i.Id))))) as UnifiedInvoice[];
    expect(loaded).toStrictEqual(sample.map(expectedInvoice));
    expect(loaded.map((i) => i.sourceStatus)).toContain("Overdue/Sent to Collections");
    expect(new Set(loaded.map((i) => i.status)).size).toBe(6);
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.invoices]: 1 });
  });

  it("payments of every method, through their invoice", async () => {
    const pairs = oneOfEach(
      allInvoices().flatMap((i) => i.Payments.map((p) => ({ p, i }))),
      ({ p }) => p.Method,
    );
    expect(pairs).toHaveLength(5);
    const ds = fresh();
    const loaded = await Promise.all(pairs.map(({ p, i }) => ds.load(ref("Payment", p.Id, i.Id))));
    expect(loaded).toStrictEqual(pairs.map(({ p, i }) => expectedPayment(p, i)));
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.invoices]: 1 });
  });

  it("an invoice whose dates fall on another UTC day, paid twice in the DST fall-back hour", async () => {
    const base = first(allInvoices(), "invoice");
    const invoice: JobCloserInvoice = {
      ...base,
      Id: "aaaa0000000000000000000000fa11",
      Number: 9001,
      Status: "Paid",
      SubStatus: "Paid in Field",
      // 20:00 Central on Oct 31 is Nov 1 in UTC: the issue date is the rendered one.
      InvoiceDate: "2025-10-31T20:00:00-05:00",
      DueDate: "2025-11-30T23:00:00-06:00",
      Subtotal: 199.99,
      Tax: 16.5,
      Total: 216.49,
      AmountPaid: 216.49,
      Balance: 0,
      // 01:30 CDT (06:30Z) comes before 01:10 CST (07:10Z), though it sorts after it as text.
      Payments: [
        {
          Id: "aaaa0000000000000000000000fa12",
          InvoiceId: "aaaa0000000000000000000000fa11",
          Amount: 100.01,
          Date: "2025-11-02T01:30:00-05:00",
          Method: "Check",
        },
        {
          Id: "aaaa0000000000000000000000fa13",
          InvoiceId: "aaaa0000000000000000000000fa11",
          Amount: 116.48,
          Date: "2025-11-02T01:10:00-06:00",
          Method: "ACH",
        },
      ],
    };
    await withState([put(demo().invoices, invoice)], async () => {
      const loaded = (await fresh().load(ref("Invoice", invoice.Id))) as UnifiedInvoice;
      expect(loaded).toStrictEqual(expectedInvoice(invoice));
      expect(loaded.issueDate).toBe("2025-10-31");
      expect(loaded.dueDate).toBe("2025-11-30");
      expect(loaded.sourceStatus).toBe("Paid/Paid in Field");
      expect([loaded.subtotal, loaded.tax, loaded.total, loaded.amountPaid]).toStrictEqual([
        usd(19_999),
        usd(1_650),
        usd(21_649),
        usd(21_649),
      ]);
      expect(loaded.paidAt).toBe("2025-11-02T01:10:00-06:00");
      const payments = await all(
        fresh().lists.payments({ invoiceId: { invoiceId: invoice.Id, customerId: invoice.CustomerId } }),
      );
      expect(ids(payments)).toStrictEqual([
        "aaaa0000000000000000000000fa13",
        "aaaa0000000000000000000000fa12",
      ]);
    });
  });

  it("the reference's examples (job, event, invoice, payment, chemical application), literally", async () => {
    const job: JobCloserJob = {
      Id: "49992697792b29c083a546475c8478",
      CompanyId: COMPANY,
      CustomerId: "1070512792a5aae241185a4ce190fb",
      LocationId: "265906948691bd1beaa36342b68465",
      SalespersonUserId: "206437027606fc87c2b3fa4162ac43",
      CrewId: "60055314669ef59a09098a4abfa900",
      Number: 1042,
      Name: "Smith - Lawn Program 2019",
      Description: "6 applications per season",
      Type: "Residential",
      Status: "Scheduled",
      JobAddress1: "400 Oak St",
      JobAddress2: null,
      JobCity: "Birmingham",
      JobState: "AL",
      JobZip: "35203",
      Total: 450.0,
      DateCompleted: null,
      Customer: null,
      Events: null,
      Invoices: null,
      JobItems: null,
      DateCreated: "2019-03-12T09:00:00-05:00",
      CreatedBy: "206437027606fc87c2b3fa4162ac43",
      DateModified: "2019-04-01T08:00:00-05:00",
      ModifiedBy: "206437027606fc87c2b3fa4162ac43",
    };
    const event: JobCloserEvent = {
      Id: "5739034294cb31984da90d447dae11",
      CompanyId: COMPANY,
      JobId: "49992697792b29c083a546475c8478",
      CustomerId: "1070512792a5aae241185a4ce190fb",
      CrewId: "60055314669ef59a09098a4abfa900",
      Title: "Application 1 of 6",
      Description: null,
      Type: "Service",
      StartDate: "2019-05-02T08:00:00-05:00",
      EndDate: "2019-05-02T12:00:00-05:00",
      AllDay: false,
      Status: "Completed",
      Completed: true,
      DateCompleted: "2019-05-02T11:40:00-05:00",
      DateCreated: "2019-03-12T09:10:00-05:00",
      CreatedBy: "206437027606fc87c2b3fa4162ac43",
      DateModified: "2019-05-02T11:40:00-05:00",
      ModifiedBy: "41032867281240642d5b104e7ab054",
    };
    const invoice: JobCloserInvoice = {
      Id: "629472177351dc7c38c09d49579457",
      CompanyId: COMPANY,
      CustomerId: "1070512792a5aae241185a4ce190fb",
      LocationId: "265906948691bd1beaa36342b68465",
      JobId: "49992697792b29c083a546475c8478",
      SalespersonUserId: "206437027606fc87c2b3fa4162ac43",
      Number: 2291,
      Type: "Standard",
      Status: "PartiallyPaid",
      SubStatus: null,
      InvoiceDate: "2019-05-02T00:00:00-05:00",
      DueDate: "2019-06-01T00:00:00-05:00",
      Subtotal: 450.0,
      Tax: 0.0,
      Total: 450.0,
      AmountPaid: 75.0,
      Balance: 375.0,
      Payments: [
        {
          Id: "f646c886c3516d3840e3a836895942",
          InvoiceId: "629472177351dc7c38c09d49579457",
          Amount: 75.0,
          Date: "2019-05-02T12:00:00-05:00",
          Method: "CreditCard",
        },
      ],
      DateCreated: "2019-05-02T11:45:00-05:00",
      CreatedBy: "206437027606fc87c2b3fa4162ac43",
      DateModified: "2019-05-02T12:00:00-05:00",
      ModifiedBy: "206437027606fc87c2b3fa4162ac43",
    };
    const application: JobCloserChemicalApplication = {
      Id: "85542697792b29c083a546475c3250",
      EventCompletionId: null,
      EventId: "5739034294cb31984da90d447dae11",
      JobId: "49992697792b29c083a546475c8478",
      JobItemId: null,
      ProductId: "90021035746fe7ccedad1e4355ae11",
      DateCreated: "2019-05-02T10:16:42-05:00",
      CreatedBy: "26049911289f1cbb5f88454893b464",
      ApplicationDate: "2019-05-02T10:16:42-05:00",
      Latitude: "33.5116331",
      Longitude: "-86.8965344",
      MeterSerialNumber: "AF23265",
      MeterRawCount: 2,
      MeterCurrentRate: 4,
      MeterCalculatedFlowTotal: 5,
      MeterRawCountsToZero: 0,
      TemperatureOfFluid: 76.8,
      AmbientTemperature: 71.55,
      BatteryStatusInPercent: 86,
      BatteryStatusInEstimatedRunTime: 1350,
      Note: "Front yard perimeter",
      DeviceName: "Sprayer 2",
      CalibrationFactor: 1.02,
    };
    const d = demo();
    await withState(
      [
        put(d.jobs, job),
        put(d.events, event),
        put(d.invoices, invoice),
        put(d.chemicalApplications, application),
      ],
      async () => {
        const ds = fresh();
        const [j, e, i, p, a] = await Promise.all([
          ds.load(ref("Job", job.Id)),
          ds.load(ref("SiteVisit", event.Id)),
          ds.load(ref("Invoice", invoice.Id)),
          ds.load(ref("Payment", "f646c886c3516d3840e3a836895942", invoice.Id)),
          ds.load(ref("ChemicalApplication", application.Id)),
        ]);
        const birmingham: Address = {
          line1: "400 Oak St",
          line2: null,
          city: "Birmingham",
          region: "AL",
          postalCode: "35203",
          country: null,
        };
        expect(j).toStrictEqual({
          __typename: "Job",
          source: "jobcloser",
          sourceId: "49992697792b29c083a546475c8478",
          number: "1042",
          customerId: "1070512792a5aae241185a4ce190fb",
          crewId: "60055314669ef59a09098a4abfa900",
          locationId: "265906948691bd1beaa36342b68465",
          salespersonId: "206437027606fc87c2b3fa4162ac43",
          title: "Smith - Lawn Program 2019",
          description: "6 applications per season",
          status: "SCHEDULED",
          sourceStatus: "Scheduled",
          serviceType: "Residential",
          jobType: null,
          scheduledDate: null,
          scheduledTime: null,
          scheduledEndTime: null,
          durationMinutes: null,
          assignee: null,
          address: birmingham,
          price: usd(45_000),
          notes: null,
          accessNotes: null,
          specialInstructions: null,
          estimateId: null,
          completedAt: null,
          completionNotes: null,
          siteVisitCount: undefined,
          createdAt: "2019-03-12T09:00:00-05:00",
          updatedAt: "2019-04-01T08:00:00-05:00",
        } satisfies UnifiedJob);
        expect(e).toStrictEqual({
          __typename: "SiteVisit",
          source: "jobcloser",
          sourceId: "5739034294cb31984da90d447dae11",
          jobId: "49992697792b29c083a546475c8478",
          customerId: "1070512792a5aae241185a4ce190fb",
          title: "Application 1 of 6",
          scheduledAt: "2019-05-02T08:00:00-05:00",
          endsAt: "2019-05-02T12:00:00-05:00",
          allDay: false,
          durationMinutes: 240,
          status: "COMPLETED",
          sourceStatus: "Completed",
          notes: null,
          teamMember: null,
          crewId: "60055314669ef59a09098a4abfa900",
          completedAt: "2019-05-02T11:40:00-05:00",
          createdAt: "2019-03-12T09:10:00-05:00",
          updatedAt: "2019-05-02T11:40:00-05:00",
        } satisfies UnifiedSiteVisit);
        expect(i).toStrictEqual({
          __typename: "Invoice",
          source: "jobcloser",
          sourceId: "629472177351dc7c38c09d49579457",
          number: "2291",
          customerId: "1070512792a5aae241185a4ce190fb",
          jobId: "49992697792b29c083a546475c8478",
          status: "PARTIALLY_PAID",
          sourceStatus: "PartiallyPaid",
          lineItems: undefined,
          subtotal: usd(45_000),
          tax: usd(0),
          total: usd(45_000),
          amountPaid: usd(7_500),
          discount: null,
          taxInclusive: false,
          issueDate: "2019-05-02",
          dueDate: "2019-06-01",
          sentAt: null,
          paidAt: null,
          notes: null,
          terms: null,
          hasPdf: false,
          createdAt: "2019-05-02T11:45:00-05:00",
          updatedAt: "2019-05-02T12:00:00-05:00",
        } satisfies UnifiedInvoice);
        expect(p).toStrictEqual({
          __typename: "Payment",
          source: "jobcloser",
          sourceId: "f646c886c3516d3840e3a836895942",
          invoiceId: "629472177351dc7c38c09d49579457",
          customerId: "1070512792a5aae241185a4ce190fb",
          amount: usd(7_500),
          method: "CARD",
          sourceMethod: "CreditCard",
          paidAt: "2019-05-02T12:00:00-05:00",
          reference: null,
          notes: null,
          createdAt: "2019-05-02T12:00:00-05:00",
          updatedAt: null,
        } satisfies UnifiedPayment);
        expect(a).toStrictEqual({
          __typename: "ChemicalApplication",
          source: "jobcloser",
          sourceId: "85542697792b29c083a546475c3250",
          jobId: "49992697792b29c083a546475c8478",
          siteVisitId: "5739034294cb31984da90d447dae11",
          jobItemId: null,
          productId: "90021035746fe7ccedad1e4355ae11",
          appliedAt: "2019-05-02T10:16:42-05:00",
          latitude: 33.5116331,
          longitude: -86.8965344,
          meterSerialNumber: "AF23265",
          meterRawCount: 2,
          meterCurrentRate: 4,
          meterCalculatedFlowTotal: 5,
          meterRawCountsToZero: 0,
          fluidTemperatureF: 76.8,
          ambientTemperatureF: 71.55,
          batteryPercent: 86,
          batteryRunTimeMinutes: 1350,
          note: "Front yard perimeter",
          deviceName: "Sprayer 2",
          calibrationFactor: 1.02,
          eventCompletionId: null,
          createdAt: "2019-05-02T10:16:42-05:00",
          updatedAt: null,
        } satisfies UnifiedChemicalApplication);
        // One id per kind: gets only. The application's job check shares the job's get (request memo).
        expect(sim.control.snapshot()).toStrictEqual({
          [R.signIn]: 1,
          [R.job]: 1,
          [R.event]: 1,
          [R.invoice]: 1,
          [R.application]: 1,
        });
      },
    );
  });

  it("chemical applications with and without job item, completion, note; coordinates as numbers", async () => {
    const sample = oneOfEach(
      demo().chemicalApplications.values(),
      (a) => `${a.JobItemId === null}|${a.EventCompletionId === null}|${a.Note === null}`,
    );
    expect(sample.length).toBeGreaterThanOrEqual(8);
    const ds = fresh();
    const loaded = (await Promise.all(
      sample.map((a) => ds.load(ref("ChemicalApplication", a.Id))),
    )) as UnifiedChemicalApplication[];
    expect(loaded).toStrictEqual(sample.map(expectedApplication));
    for (const [index, application] of loaded.entries()) {
      expect(typeof application.latitude).toBe("number");
      expect(String(application.latitude)).toBe(String(Number(sample[index]?.Latitude)));
    }
    // One get each, and each application's job read once to check it is the tenant's.
    expect(sim.control.snapshot()).toStrictEqual({
      [R.signIn]: 1,
      [R.application]: sample.length,
      [R.job]: new Set(sample.map((a) => a.JobId)).size,
    });
  });

  it("crews, employees, products, locations, assets and vendors: every one, one list each", async () => {
    const d = demo();
    const ds = fresh();
    const refs: Array<[NodeRef, unknown]> = [
      ...[...d.crews.values()].map((c): [NodeRef, unknown] => [ref("Crew", c.Id), expectedCrew(c)]),
      ...[...d.employees.values()].map((e): [NodeRef, unknown] => [
        ref("Employee", e.Id),
        expectedEmployee(e),
      ]),
      ...[...d.products.values()].map((p): [NodeRef, unknown] => [ref("Product", p.Id), expectedProduct(p)]),
      ...[...d.locations.values()].map((l): [NodeRef, unknown] => [
        ref("Location", l.Id),
        expectedLocation(l),
      ]),
      ...[...d.trackableAssets.values()].map((a): [NodeRef, unknown] => [
        ref("Asset", a.Id),
        expectedAsset(a),
      ]),
      ...[...d.vendors.values()].map((v): [NodeRef, unknown] => [ref("Vendor", v.Id), expectedVendor(v)]),
    ];
    const loaded = await Promise.all(refs.map(([r]) => ds.load(r)));
    expect(loaded).toStrictEqual(refs.map(([, expected]) => expected));
    const products = [...d.products.values()].map(expectedProduct);
    expect(products.some((p) => p.cost === null) && products.some((p) => p.cost !== null)).toBe(true);
    expect(sim.control.snapshot()).toStrictEqual({
      [R.signIn]: 1,
      [R.crews]: 1,
      [R.employees]: 1,
      [R.products]: 1,
      [R.locations]: 1,
      [R.assets]: 1,
      [R.vendors]: 1,
    });
  });

  it("unknown ids read as null", async () => {
    const types: Array<NodeRef["type"]> = [
      "Customer",
      "Lead",
      "Job",
      "SiteVisit",
      "Invoice",
      "ChemicalApplication",
      "Crew",
      "Employee",
      "Product",
      "Location",
      "Asset",
      "Vendor",
    ];
    for (const type of types) expect(await fresh().load(ref(type, UNKNOWN_ID))).toBeNull();
    expect(await fresh().load(ref("Payment", UNKNOWN_ID, UNKNOWN_ID))).toBeNull();
    // An id of one kind read as another kind is unknown too.
    expect(await fresh().load(ref("Customer", first(allJobs(), "job").Id))).toBeNull();
    expect(sim.control.snapshot()).toStrictEqual({
      [R.signIn]: 1,
      [R.customer]: 3,
      [R.job]: 1,
      [R.event]: 1,
      [R.invoice]: 2,
      [R.application]: 1,
      [R.crews]: 1,
      [R.employees]: 1,
      [R.products]: 1,
      [R.locations]: 1,
      [R.assets]: 1,
      [R.vendors]: 1,
    });
  });

  it("Estimate is not a JobCloser type: null without a request; ids are 30 lowercase hex", async () => {
    const ds = fresh();
    expect(await ds.load(ref("Estimate", UNKNOWN_ID))).toBeNull();
    expect(sim.control.count()).toBe(0);
    expect(ds.isValidId("Customer", UNKNOWN_ID)).toBe(true);
    expect(ds.isValidId("ChemicalApplication", UNKNOWN_ID)).toBe(true);
    expect(ds.isValidId("Estimate", UNKNOWN_ID)).toBe(false);
    expect(ds.isValidId("Customer", UNKNOWN_ID.toUpperCase())).toBe(false);
    expect(ds.isValidId("Customer", UNKNOWN_ID.slice(1))).toBe(false);
    expect(ds.isValidId("Customer", `${UNKNOWN_ID}0`)).toBe(false);
  });

  it("company(): the signed-in company, in the tenant's currency and Central time", async () => {
    const c = demo().company;
    expect(await fresh().company()).toStrictEqual({
      source: "jobcloser",
      slug: COMPANY,
      name: c.Name,
      description: null,
      openingHours: [],
      email: null,
      phone: c.Phone,
      website: null,
      address: address(
        c.PhysicalAddress1,
        c.PhysicalAddress2,
        c.PhysicalCity,
        c.PhysicalState,
        c.PhysicalZip,
      ),
      currency: "USD",
      timezone: "America/Chicago",
      locale: "en",
      plan: null,
    });
    const cad = new JobCloserDatasource(new JobCloserClient(http, target, session), "CAD");
    expect((await cad.company())?.currency).toBe("CAD");
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.company]: 2 });
  });
});

describe("by-id batching", () => {
  it("one id is one get; several ids of a kind in one tick are one getall", async () => {
    const [a, b, c] = listedCustomers();
    if (!a || !b || !c) throw new Error("customers");
    expect(await fresh().load(ref("Customer", a.Id))).toStrictEqual(expectedCustomer(a));
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.customer]: 1 });
    sim.control.resetCounts();
    const ds = fresh();
    expect(await Promise.all([a, b, c].map((x) => ds.load(ref("Customer", x.Id))))).toStrictEqual(
      [a, b, c].map(expectedCustomer),
    );
    expect(sim.control.snapshot()).toStrictEqual({ [R.customers]: 1 });
    expect(wire()).toStrictEqual([`/api/customers/getall?companyId=${COMPANY}`]);
  });

  it("ids the list lacks (archived, unknown) are read with get; the same id twice is one key", async () => {
    const listed = listedCustomers().slice(0, 2);
    const archived = [...demo().customers.values()].filter((c) => c.Archived).slice(0, 2);
    const ds = fresh();
    const keys = [...listed, ...archived].map((c) => c.Id);
    const loaded = await Promise.all([
      ...keys.map((id) => ds.load(ref("Customer", id))),
      ds.load(ref("Customer", UNKNOWN_ID)),
      ds.load(ref("Customer", keys[0] ?? "")),
    ]);
    expect(loaded).toStrictEqual([
      ...[...listed, ...archived].map(expectedCustomer),
      null,
      expectedCustomer(listed[0] as JobCloserCustomer),
    ]);
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.customers]: 1, [R.customer]: 3 });
    expect(wire().slice(2).sort()).toStrictEqual(
      [...archived.map((c) => c.Id), UNKNOWN_ID].map((id) => `/api/customers/get?id=${id}`).sort(),
    );
  });

  it("jobs and invoices batch the same way; payments of several invoices read the invoice list once", async () => {
    const jobs = allJobs().slice(0, 4);
    const invoices = allInvoices()
      .filter((i) => i.Payments.length > 0)
      .slice(0, 4);
    const ds = fresh();
    const loaded = await Promise.all([
      ...jobs.map((j) => ds.load(ref("Job", j.Id))),
      ...invoices.map((i) => ds.load(ref("Payment", i.Payments[0]?.Id ?? "", i.Id))),
    ]);
    expect(loaded).toStrictEqual([
      ...jobs.map(expectedJob),
      ...invoices.map((i) => expectedPayment(i.Payments[0] as JobCloserPayment, i)),
    ]);
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.jobs]: 1, [R.invoices]: 1 });
  });

  it("a batch reads the session's list snapshot: later requests and list pages reuse it", async () => {
    const customers = listedCustomers().slice(0, 6);
    for (const pair of [customers.slice(0, 2), customers.slice(2, 4), customers.slice(4, 6)]) {
      const ds = fresh();
      expect(await Promise.all(pair.map((c) => ds.load(ref("Customer", c.Id))))).toStrictEqual(
        pair.map(expectedCustomer),
      );
    }
    expect(await offsetStream(fresh().lists.customers({})).fetch(0, 3)).toStrictEqual({
      records: listedCustomers().slice(0, 3).map(expectedCustomer),
      total: listedCustomers().length,
    });
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.customers]: 1 });
  });

  it("reference data is read once per session snapshot, across requests and kinds of use", async () => {
    const crews = [...demo().crews.values()];
    const employees = [...demo().employees.values()];
    for (let request = 0; request < 3; request++) {
      const ds = fresh();
      expect(await ds.load(ref("Crew", crews[request]?.Id ?? ""))).toStrictEqual(
        expectedCrew(crews[request] as JobCloserCrew),
      );
      expect(await ds.load(ref("Employee", employees[request]?.Id ?? ""))).toStrictEqual(
        expectedEmployee(employees[request] as JobCloserEmployee),
      );
    }
    expect(ids(await all(fresh().lists.crews()))).toStrictEqual(byName(crews).map((c) => c.Id));
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.crews]: 1, [R.employees]: 1 });
  });
});

describe("list snapshots", () => {
  it("paging in odd windows across requests makes one getall while the snapshot lives", async () => {
    const expected = listedCustomers().map(expectedCustomer);
    const windows = [13, 41, 7, 100, 1, 64];
    const seen: UnifiedCustomer[] = [];
    let offset = 0;
    for (let step = 0; offset < expected.length; step++) {
      const size = windows[step % windows.length] ?? 13;
      // Each window is its own GraphQL request: a new datasource and stream.
      const page = await offsetStream(fresh().lists.customers({})).fetch(offset, size);
      expect(page.total).toBe(expected.length);
      expect(page.records).toHaveLength(Math.min(size, expected.length - offset));
      seen.push(...page.records);
      offset += size;
    }
    expect(seen).toStrictEqual(expected);
    expect(await offsetStream(fresh().lists.customers({})).fetch(expected.length + 5, 10)).toStrictEqual({
      records: [],
      total: expected.length,
    });
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.customers]: 1 });
    expect(wire()[1]).toBe(`/api/customers/getall?companyId=${COMPANY}`);
  });

  it("a snapshot is fetched again once snapshotTtlMs has passed, and then shows the upstream's changes", async () => {
    let clock = 1_000_000;
    session = newSession(undefined, { ttlMs: 30_000, now: () => clock });
    const crew = first(byName(demo().crews.values()), "crew");
    const renamed: JobCloserCrew = {
      ...crew,
      Name: "Aardvark Crew",
      DateModified: "2026-03-01T06:00:00-06:00",
    };
    const page = async () => (await offsetStream(fresh().lists.crews()).fetch(0, 2)).records;
    expect(ids(await page())).toStrictEqual(
      byName(demo().crews.values())
        .slice(0, 2)
        .map((c) => c.Id),
    );
    await withState([put(demo().crews, renamed)], async () => {
      clock += 29_999;
      expect((await page())[0]).toStrictEqual(expectedCrew(crew));
      expect(sim.control.count(R.crews)).toBe(1);
      clock += 1;
      expect((await page())[0]).toStrictEqual(expectedCrew(renamed));
      expect(sim.control.count(R.crews)).toBe(2);
      clock += 29_999;
      expect((await page())[0]).toStrictEqual(expectedCrew(renamed));
    });
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.crews]: 2 });
  });

  it("each filter is its own snapshot; one filter paged twice is one request", async () => {
    const ds = fresh();
    await all(ds.lists.customers({}));
    await all(ds.lists.customers({ search: "oak" }));
    await all(fresh().lists.customers({ search: "oak" }));
    await all(fresh().lists.leads({}));
    await all(fresh().lists.customers({}));
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.customers]: 3 });
    expect(wire().slice(1)).toStrictEqual([
      `/api/customers/getall?companyId=${COMPANY}`,
      `/api/customers/getall?companyId=${COMPANY}&search=oak`,
      `/api/customers/getall?companyId=${COMPANY}&status=Lead`,
    ]);
  });

  it("sessions do not share snapshots (nor sign-ins)", async () => {
    await all(fresh().lists.vendors({}));
    await all(fresh({ session: newSession() }).lists.vendors({}));
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 2, [R.vendors]: 2 });
  });

  it("a failed getall is not kept: the next request lists again", async () => {
    sim.control.injectFault({ kind: "status", status: 503, route: R.jobs, times: 1 });
    const error = await rejection(all(fresh().lists.jobs({})));
    expect(error.extensions).toStrictEqual({
      code: "UPSTREAM_UNAVAILABLE",
      source: "jobcloser",
      upstreamStatus: 503,
    });
    expect(ids(await all(fresh().lists.jobs({})))).toStrictEqual(allJobs().map((j) => j.Id));
    expect(ids(await all(fresh().lists.jobs({})))).toStrictEqual(allJobs().map((j) => j.Id));
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.jobs]: 2 });
  });
});

describe("list filters", () => {
  it("customers: every non-archived customer (leads included), newest first; search upstream", async () => {
    expect(await all(fresh().lists.customers({}))).toStrictEqual(listedCustomers().map(expectedCustomer));
    const search = "OAK";
    const matches = listedCustomers().filter((c) =>
      [c.Name, c.Email, c.Phone, c.JobAddress1].some((f) => f?.toLowerCase().includes("oak")),
    );
    expect(matches.length).toBeGreaterThan(0);
    expect(await all(fresh().lists.customers({ search }))).toStrictEqual(matches.map(expectedCustomer));
    expect(wire().slice(1)).toStrictEqual([
      `/api/customers/getall?companyId=${COMPANY}`,
      `/api/customers/getall?companyId=${COMPANY}&search=OAK`,
    ]);
  });

  it("leads: non-archived Lead customers, all NEW; another lead status can never match", async () => {
    const leads = listedCustomers().filter((c) => c.Status === "Lead");
    expect(leads.length).toBeGreaterThan(0);
    expect(await all(fresh().lists.leads({}))).toStrictEqual(leads.map(expectedLead));
    expect(await all(fresh().lists.leads({ status: "NEW" }))).toStrictEqual(leads.map(expectedLead));
    const name = (leads[0] as JobCloserCustomer).Name.split(" ")[0] ?? "";
    const matching = leads.filter((c) =>
      [c.Name, c.Email, c.Phone, c.JobAddress1].some((f) => f?.toLowerCase().includes(name.toLowerCase())),
    );
    expect(await all(fresh().lists.leads({ search: name }))).toStrictEqual(matching.map(expectedLead));
    for (const status of ["CONTACTED", "QUOTED", "WON", "LOST"] as const) {
      expect(fresh().lists.leads({ status })).toBeNull();
    }
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.customers]: 2 });
    expect(wire().slice(1)).toStrictEqual([
      `/api/customers/getall?companyId=${COMPANY}&status=Lead`,
      `/api/customers/getall?companyId=${COMPANY}&status=Lead&search=${encodeURIComponent(name).replace(/%20/g, "+")}`,
    ]);
  });

  it("jobs: one status upstream; UNSCHEDULED (Lead, Estimate, Sold) filtered in the gateway", async () => {
    const cases: Array<[JobStatus, Array<JobCloserJob["Status"]>, string | null]> = [
      ["SCHEDULED", ["Scheduled"], "Scheduled"],
      ["IN_PROGRESS", ["InProgress"], "InProgress"],
      ["COMPLETED", ["Completed"], "Completed"],
      ["CANCELLED", ["Cancelled"], "Cancelled"],
      ["UNSCHEDULED", ["Lead", "Estimate", "Sold"], null],
    ];
    for (const [status, upstream, query] of cases) {
      sim.control.resetCounts();
      const expected = allJobs().filter((j) => upstream.includes(j.Status));
      expect(expected.length).toBeGreaterThan(0);
      expect(await all(fresh().lists.jobs({ status }))).toStrictEqual(expected.map(expectedJob));
      // UNSCHEDULED reads the unfiltered list (three upstream statuses cannot be asked for at once).
      expect(wire().filter((line) => line.startsWith("/api/jobs/getall"))).toStrictEqual([
        `/api/jobs/getall?companyId=${COMPANY}${query === null ? "" : `&status=${query}`}`,
      ]);
    }
    sim.control.resetCounts();
    await all(fresh().lists.jobs({}));
    expect(sim.control.snapshot()).toStrictEqual({});
  });

  it("jobs: by customerId (gateway) and by crewId (upstream), alone and with a status", async () => {
    const job = first(allJobs(), "job with a crew and several siblings", (j) => {
      const siblings = allJobs().filter((x) => x.CustomerId === j.CustomerId);
      return j.CrewId !== null && siblings.length > 2 && new Set(siblings.map((x) => x.Status)).size > 1;
    });
    const crewId = job.CrewId as string;
    const byCustomer = allJobs().filter((j) => j.CustomerId === job.CustomerId);
    const byCrew = allJobs().filter((j) => j.CrewId === crewId);
    const completedOfCrew = byCrew.filter((j) => j.Status === "Completed");
    const unscheduledOfCustomer = byCustomer.filter((j) => ["Lead", "Estimate", "Sold"].includes(j.Status));
    expect(await all(fresh().lists.jobs({ customerId: job.CustomerId }))).toStrictEqual(
      byCustomer.map(expectedJob),
    );
    expect(await all(fresh().lists.jobs({ crewId }))).toStrictEqual(byCrew.map(expectedJob));
    expect(await all(fresh().lists.jobs({ crewId, status: "COMPLETED" }))).toStrictEqual(
      completedOfCrew.map(expectedJob),
    );
    expect(
      await all(fresh().lists.jobs({ customerId: job.CustomerId, status: "UNSCHEDULED" })),
    ).toStrictEqual(unscheduledOfCustomer.map(expectedJob));
    expect(fresh().lists.jobs({ scheduledDate: "2026-03-01" })).toBeNull();
    expect(fresh().lists.jobs({ assigneeId: UNKNOWN_ID })).toBeNull();
    expect(wire().slice(1)).toStrictEqual([
      `/api/jobs/getall?companyId=${COMPANY}`,
      `/api/jobs/getall?companyId=${COMPANY}&crewId=${crewId}`,
      `/api/jobs/getall?companyId=${COMPANY}&status=Completed&crewId=${crewId}`,
    ]);
  });

  it("invoices: status upstream, customer and job in the gateway, issue dates as start/end (inclusive)", async () => {
    const invoice = first(allInvoices(), "invoice of a customer with several", (i) => {
      const same = allInvoices().filter((x) => x.CustomerId === i.CustomerId);
      return i.JobId !== null && same.length > 2 && i.InvoiceDate.slice(0, 10) >= "2025-03-01";
    });
    const byStatus = allInvoices().filter((i) => i.Status === "PartiallyPaid");
    const byCustomer = allInvoices().filter((i) => i.CustomerId === invoice.CustomerId);
    const byJob = allInvoices().filter((i) => i.JobId === invoice.JobId);
    const from = "2025-01-01";
    const to = invoice.InvoiceDate.slice(0, 10);
    const inRange = allInvoices().filter(
      (i) => i.InvoiceDate.slice(0, 10) >= from && i.InvoiceDate.slice(0, 10) <= to,
    );
    expect(inRange.some((i) => i.InvoiceDate.slice(0, 10) === to)).toBe(true);
    const overdueInRange = inRange.filter((i) => i.Status === "Overdue");
    expect(await all(fresh().lists.invoices({ status: "PARTIALLY_PAID" }))).toStrictEqual(
      byStatus.map(expectedInvoice),
    );
    expect(await all(fresh().lists.invoices({ customerId: invoice.CustomerId }))).toStrictEqual(
      byCustomer.map(expectedInvoice),
    );
    expect(
      await all(
        fresh().lists.invoices({ jobId: { jobId: invoice.JobId as string, customerId: invoice.CustomerId } }),
      ),
    ).toStrictEqual(byJob.map(expectedInvoice));
    expect(await all(fresh().lists.invoices({ issuedFrom: from, issuedTo: to }))).toStrictEqual(
      inRange.map(expectedInvoice),
    );
    expect(
      await all(fresh().lists.invoices({ status: "OVERDUE", issuedFrom: from, issuedTo: to })),
    ).toStrictEqual(overdueInRange.map(expectedInvoice));
    // JobCloser has no VIEWED invoices: nothing to ask for.
    expect(fresh().lists.invoices({ status: "VIEWED" })).toBeNull();
    expect(wire().slice(1)).toStrictEqual([
      `/api/invoices/getall?companyId=${COMPANY}&status=PartiallyPaid`,
      `/api/invoices/getall?companyId=${COMPANY}`,
      `/api/invoices/getall?companyId=${COMPANY}&start=${from}&end=${to}`,
      `/api/invoices/getall?companyId=${COMPANY}&status=Overdue&start=${from}&end=${to}`,
    ]);
  });

  it("payments: flattened from the invoice list, newest first, by customer, invoice and paid dates", async () => {
    const flat = allInvoices().flatMap((i) => i.Payments.map((p) => ({ p, i })));
    const newest = (pairs: typeof flat) =>
      [...pairs]
        .sort((a, b) => Date.parse(b.p.Date) - Date.parse(a.p.Date) || (a.p.Id < b.p.Id ? -1 : 1))
        .map(({ p, i }) => expectedPayment(p, i));
    const multi = first(allInvoices(), "invoice with several payments", (i) => i.Payments.length === 3);
    const from = "2025-06-01";
    const to = "2025-09-30";
    const inRange = flat.filter(({ p }) => p.Date.slice(0, 10) >= from && p.Date.slice(0, 10) <= to);
    expect(inRange.length).toBeGreaterThan(0);
    const ofCustomer = flat.filter(({ i }) => i.CustomerId === multi.CustomerId);
    expect(await all(fresh().lists.payments({}))).toStrictEqual(newest(flat));
    expect(await all(fresh().lists.payments({ customerId: multi.CustomerId }))).toStrictEqual(
      newest(ofCustomer),
    );
    expect(
      await all(fresh().lists.payments({ invoiceId: { invoiceId: multi.Id, customerId: multi.CustomerId } })),
    ).toStrictEqual(newest(flat.filter(({ i }) => i.Id === multi.Id)));
    expect(await all(fresh().lists.payments({ paidFrom: from, paidTo: to }))).toStrictEqual(newest(inRange));
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.invoices]: 1 });
  });

  it("site visits: only with a jobId (events are listed per job), earliest first, with filters", async () => {
    // Without a job there is no list to read: asked of JobCloser alone, that is the caller's mistake.
    for (const filter of [{}, { status: "SCHEDULED" as const, customerId: UNKNOWN_ID }]) {
      let thrown: unknown = null;
      try {
        fresh().lists.siteVisits(filter);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UnsupportedBySourceError);
      expect((thrown as UnsupportedBySourceError).upstream).toBe("jobcloser");
      expect((thrown as UnsupportedBySourceError).extensions).toStrictEqual({
        code: "BAD_USER_INPUT",
        argument: "jobId",
      });
    }
    expect(sim.control.count()).toBe(0);
    const job = first(allJobs(), "job with three visits", (j) => {
      const events = eventsOf(j.Id);
      return events.length === 3 && new Set(events.map((e) => e.StartDate.slice(0, 10))).size === 3;
    });
    const events = eventsOf(job.Id);
    const [, second] = events;
    if (!second) throw new Error("second event");
    const date = second.StartDate.slice(0, 10);
    expect(await all(fresh().lists.siteVisits({ jobId: job.Id }))).toStrictEqual(events.map(expectedVisit));
    expect(await all(fresh().lists.siteVisits({ jobId: job.Id, from: date }))).toStrictEqual(
      events.slice(1).map(expectedVisit),
    );
    expect(await all(fresh().lists.siteVisits({ jobId: job.Id, to: date }))).toStrictEqual(
      events.slice(0, 2).map(expectedVisit),
    );
    expect(await all(fresh().lists.siteVisits({ jobId: job.Id, from: date, to: date }))).toStrictEqual([
      expectedVisit(second),
    ]);
    const status = VISIT_STATUS[second.Status];
    expect(await all(fresh().lists.siteVisits({ jobId: job.Id, status }))).toStrictEqual(
      events.filter((e) => VISIT_STATUS[e.Status] === status).map(expectedVisit),
    );
    expect(await all(fresh().lists.siteVisits({ jobId: job.Id, customerId: UNKNOWN_ID }))).toStrictEqual([]);
    expect(await all(fresh().lists.siteVisits({ jobId: UNKNOWN_ID }))).toStrictEqual([]);
    // The job is checked (one get per request) and its events come with it: filtered here, no events list.
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.job]: 7 });
  });

  it("chemical applications: by job, visit (eventId) and product, in application order", async () => {
    const job = first(allJobs(), "job with applications on several visits and products", (j) => {
      const apps = applicationsOf(j.Id);
      return new Set(apps.map((a) => a.EventId)).size > 1 && new Set(apps.map((a) => a.ProductId)).size > 1;
    });
    const apps = applicationsOf(job.Id);
    const eventId = (apps[0] as JobCloserChemicalApplication).EventId;
    const productId = (apps[0] as JobCloserChemicalApplication).ProductId as string;
    expect(await all(fresh().lists.chemicalApplications({ jobId: job.Id }))).toStrictEqual(
      apps.map(expectedApplication),
    );
    expect(
      await all(fresh().lists.chemicalApplications({ jobId: job.Id, siteVisitId: eventId })),
    ).toStrictEqual(apps.filter((a) => a.EventId === eventId).map(expectedApplication));
    expect(await all(fresh().lists.chemicalApplications({ jobId: job.Id, productId }))).toStrictEqual(
      apps.filter((a) => a.ProductId === productId).map(expectedApplication),
    );
    expect(await all(fresh().lists.chemicalApplications({ jobId: UNKNOWN_ID }))).toStrictEqual([]);
    expect(wire().filter((line) => line.startsWith("/api/chemicalapplicationlocations/"))).toStrictEqual([
      `/api/chemicalapplicationlocations/getall?jobId=${job.Id}`,
      `/api/chemicalapplicationlocations/getall?jobId=${job.Id}&eventId=${eventId}`,
      `/api/chemicalapplicationlocations/getall?jobId=${job.Id}&productId=${productId}`,
    ]);
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.job]: 4, [R.applications]: 3 });
  });

  it("reference lists in the reference's orders; assets and vendors searched upstream", async () => {
    const d = demo();
    expect(await all(fresh().lists.crews())).toStrictEqual(byName(d.crews.values()).map(expectedCrew));
    expect(await all(fresh().lists.employees())).toStrictEqual(
      byText(
        d.employees.values(),
        (e) => e.LastName,
        (e) => e.FirstName,
      ).map(expectedEmployee),
    );
    expect(await all(fresh().lists.products())).toStrictEqual(
      byName(d.products.values()).map(expectedProduct),
    );
    expect(await all(fresh().lists.locations())).toStrictEqual(
      byName(d.locations.values()).map(expectedLocation),
    );
    expect(await all(fresh().lists.assets({}))).toStrictEqual(
      byName(d.trackableAssets.values()).map(expectedAsset),
    );
    expect(await all(fresh().lists.vendors({}))).toStrictEqual(
      byName(d.vendors.values()).map(expectedVendor),
    );
    const asset = first(
      byName(d.trackableAssets.values()),
      "asset with a serial",
      (a) => a.SerialNumber !== null,
    );
    const serial = (asset.SerialNumber as string).toLowerCase();
    expect(await all(fresh().lists.assets({ search: serial }))).toStrictEqual(
      byName(d.trackableAssets.values())
        .filter((a) => [a.Name, a.SerialNumber, a.Description].some((f) => f?.toLowerCase().includes(serial)))
        .map(expectedAsset),
    );
    const vendor = first(byName(d.vendors.values()), "vendor");
    const word = (vendor.Name.split(" ")[0] ?? "").toUpperCase();
    expect(await all(fresh().lists.vendors({ search: word }))).toStrictEqual(
      byName(d.vendors.values())
        .filter((v) =>
          [v.Name, v.ContactName, v.Email, v.Phone].some((f) =>
            f?.toLowerCase().includes(word.toLowerCase()),
          ),
        )
        .map(expectedVendor),
    );
    expect(wire().slice(-2)).toStrictEqual([
      `/api/trackableassets/getall?companyId=${COMPANY}&search=${encodeURIComponent(serial)}`,
      `/api/vendors/getall?companyId=${COMPANY}&search=${encodeURIComponent(word)}`,
    ]);
  });
});

describe("what jobs/get embeds: a job read by id brings its customer, visits, invoices and line items", () => {
  const invoicesOf = (jobId: string) => allInvoices().filter((i) => i.JobId === jobId);
  const itemsOf = (jobId: string) =>
    [...demo().jobItems.values()]
      .filter((i) => i.JobId === jobId)
      .sort((a, b) => a.SortOrder - b.SortOrder || byIdAsc(a, b));
  /**
   * A job with several visits, invoices (one paid twice) and line items, so every order shows. The
   * seed gives a job one invoice at most: a second one, paid twice, is moved onto it for each test.
   */
  let job: JobCloserJob;
  let undoMove: () => void = () => {};
  beforeEach(() => {
    job = first(
      allJobs(),
      "job with visits, an invoice and items",
      (j) => eventsOf(j.Id).length > 1 && invoicesOf(j.Id).length === 1 && itemsOf(j.Id).length > 1,
    );
    const paidTwice = first(allInvoices(), "invoice paid twice", (i) => i.Payments.length > 1);
    undoMove = put(demo().invoices, { ...paidTwice, JobId: job.Id, CustomerId: job.CustomerId });
  });
  afterEach(() => undoMove());
  const paymentsNewestFirst = (i: JobCloserInvoice) =>
    [...i.Payments]
      .sort((a, b) => Date.parse(b.Date) - Date.parse(a.Date) || byIdAsc(a, b))
      .map((p) => expectedPayment(p, i));

  /** Every relation of a job a request can ask of the datasource, with the records they name. */
  async function relations(ds: JobCloserDatasource) {
    const paid = first(invoicesOf(job.Id), "invoice with payments", (i) => i.Payments.length > 1);
    const [payment] = paid.Payments;
    const [event] = eventsOf(job.Id);
    if (!payment || !event) throw new Error("payment, event");
    const loaded = await ds.load(ref("Job", job.Id));
    if (loaded?.__typename !== "Job") throw new Error("the job did not load");
    return Promise.all([
      ds.load(ref("Customer", job.CustomerId)),
      ds.load(ref("Lead", job.CustomerId)),
      all(ds.lists.invoices({ jobId: { jobId: job.Id, customerId: job.CustomerId } })),
      ds.load(ref("Invoice", paid.Id)),
      all(ds.lists.payments({ invoiceId: { invoiceId: paid.Id, customerId: paid.CustomerId } })),
      ds.load(ref("Payment", payment.Id, paid.Id)),
      ds.jobLineItems(loaded),
      all(ds.lists.siteVisits({ jobId: job.Id })),
      ds.load(ref("SiteVisit", event.Id)),
    ]);
  }

  function expectedRelations() {
    const customer = demo().customers.get(job.CustomerId);
    const paid = first(invoicesOf(job.Id), "invoice with payments", (i) => i.Payments.length > 1);
    const [payment] = paid.Payments;
    const [event] = eventsOf(job.Id);
    if (!customer || !payment || !event) throw new Error("customer, payment, event");
    return [
      expectedCustomer(customer),
      expectedLead(customer),
      invoicesOf(job.Id).map(expectedInvoice),
      expectedInvoice(paid),
      paymentsNewestFirst(paid),
      expectedPayment(payment, paid),
      itemsOf(job.Id).map(expectedLineItem),
      eventsOf(job.Id).map(expectedVisit),
      expectedVisit(event),
    ];
  }

  /** The HTTP layer, with `jobs/get` answered by `result` once the simulator has seen (and counted) it. */
  function answeringJobsGet(result: unknown): UpstreamHttp {
    return {
      request: async (upstream, request, options) => {
        const response = await http.request(upstream, request, options);
        if (request.route !== "/jobs/get") return response;
        return { ...response, body: { Success: true, Message: "Success", Result: result } };
      },
      invalidate: (upstream, pathPrefix) => http.invalidate(upstream, pathPrefix),
      observe: (observer) => http.observe(observer),
    };
  }

  it("none of them costs a request more than the job's get, and each reads as the reference says", async () => {
    await signedIn();
    expect(await relations(fresh())).toStrictEqual(expectedRelations());
    expect(sim.control.snapshot()).toStrictEqual({ [R.job]: 1 });
    expect(wire()).toStrictEqual([`/api/jobs/get?id=${job.Id}`]);
  });

  it("read through the job list (which embeds nothing, §4.1), the same relations cost their own endpoints, and read the same", async () => {
    const another = first(allJobs(), "another job", (j) => j.Id !== job.Id);
    await signedIn();
    const ds = fresh();
    // Two ids in one tick: one jobs/getall, whose jobs embed nothing.
    await Promise.all([ds.load(ref("Job", job.Id)), ds.load(ref("Job", another.Id))]);
    expect(await relations(ds)).toStrictEqual(expectedRelations());
    expect(sim.control.snapshot()).toStrictEqual({
      [R.jobs]: 1,
      [R.customer]: 1,
      // One snapshot serves the job's invoices and the invoice's payments.
      [R.invoices]: 1,
      [R.invoice]: 1,
      [R.lineItems]: 1,
      [R.events]: 1,
      [R.event]: 1,
    });
  });

  it("a relation of another job, not read by id, is still read from its endpoint", async () => {
    const another = first(
      allJobs(),
      "another job with items",
      (j) => j.Id !== job.Id && itemsOf(j.Id).length > 0,
    );
    await signedIn();
    const ds = fresh();
    await ds.load(ref("Job", job.Id));
    expect(await ds.jobLineItems(expectedJob(another))).toStrictEqual(
      itemsOf(another.Id).map(expectedLineItem),
    );
    expect(
      await all(ds.lists.invoices({ jobId: { jobId: another.Id, customerId: another.CustomerId } })),
    ).toStrictEqual(invoicesOf(another.Id).map(expectedInvoice));
    expect(sim.control.snapshot()).toStrictEqual({ [R.job]: 1, [R.lineItems]: 1, [R.invoices]: 1 });
  });

  it("embedded invoices are filtered like the invoice list: status, issue dates, customer", async () => {
    const invoices = invoicesOf(job.Id);
    const [newest, older] = invoices;
    if (!newest || !older) throw new Error("invoices");
    const status = INVOICE_STATUS[newest.Status];
    const issued = newest.InvoiceDate.slice(0, 10);
    await signedIn();
    const ds = fresh();
    await ds.load(ref("Job", job.Id));
    const ofJob = { jobId: job.Id, customerId: job.CustomerId };
    const sourceIds = async (filter: Parameters<typeof ds.lists.invoices>[0]) =>
      ids(await all(ds.lists.invoices(filter)));
    expect(await sourceIds({ jobId: ofJob, status })).toStrictEqual(
      invoices.filter((i) => INVOICE_STATUS[i.Status] === status).map((i) => i.Id),
    );
    expect(await sourceIds({ jobId: ofJob, issuedFrom: issued })).toStrictEqual(
      invoices.filter((i) => i.InvoiceDate.slice(0, 10) >= issued).map((i) => i.Id),
    );
    expect(await sourceIds({ jobId: ofJob, issuedTo: issued })).toStrictEqual(
      invoices.filter((i) => i.InvoiceDate.slice(0, 10) <= issued).map((i) => i.Id),
    );
    expect(await sourceIds({ jobId: ofJob, issuedFrom: issued, issuedTo: issued })).toStrictEqual(
      invoices.filter((i) => i.InvoiceDate.slice(0, 10) === issued).map((i) => i.Id),
    );
    expect(await sourceIds({ jobId: { jobId: job.Id, customerId: UNKNOWN_ID } })).toStrictEqual([]);
    expect(sim.control.snapshot()).toStrictEqual({ [R.job]: 1 });
  });

  it("embedded collections in any order read in their lists' orders", async () => {
    const customer = demo().customers.get(job.CustomerId);
    await signedIn();
    const ds = fresh({
      http: answeringJobsGet({
        ...job,
        Customer: customer,
        Events: eventsOf(job.Id).reverse(),
        Invoices: invoicesOf(job.Id).reverse(),
        JobItems: itemsOf(job.Id).reverse(),
      }),
    });
    expect(await relations(ds)).toStrictEqual(expectedRelations());
    expect(sim.control.snapshot()).toStrictEqual({ [R.job]: 1 });
  });

  it("an embedded record lacking what its endpoint's record has is not used: that relation is read from its endpoint, exactly", async () => {
    const customer = demo().customers.get(job.CustomerId);
    if (!customer) throw new Error("customer");
    await signedIn();
    const ds = fresh({
      http: answeringJobsGet({
        ...job,
        // A customer summary, and invoices without their payments (§4.1: nested collections unfilled).
        Customer: { Id: customer.Id, Name: customer.Name },
        Events: eventsOf(job.Id),
        Invoices: invoicesOf(job.Id).map((invoice) => ({ ...invoice, Payments: null })),
        JobItems: itemsOf(job.Id),
      }),
    });
    expect(await relations(ds)).toStrictEqual(expectedRelations());
    // Visits and line items came whole with the job; the customer and invoices from their endpoints.
    expect(sim.control.snapshot()).toStrictEqual({
      [R.job]: 1,
      [R.customer]: 1,
      [R.invoices]: 1,
      [R.invoice]: 1,
    });
  });

  it("another company's records embedded in the tenant's job are never served", async () => {
    const o = other();
    const theirs = {
      // The job's customer id, answered with another company's customer.
      customer: { ...first(o.customers.values(), "other customer"), Id: job.CustomerId },
      invoice: { ...first(o.invoices.values(), "other invoice"), JobId: job.Id },
      item: { ...first(o.jobItems.values(), "other job item"), JobId: job.Id },
      event: { ...first(o.events.values(), "other event"), JobId: job.Id },
    };
    const own = {
      invoices: invoicesOf(job.Id).map(expectedInvoice),
      items: itemsOf(job.Id).map(expectedLineItem),
      visits: eventsOf(job.Id).map(expectedVisit),
    };
    await signedIn();
    await withState(
      [
        put(demo().customers, theirs.customer),
        put(demo().invoices, theirs.invoice),
        put(demo().jobItems, theirs.item),
        put(demo().events, theirs.event),
      ],
      async () => {
        const ds = fresh();
        const loaded = await ds.load(ref("Job", job.Id));
        expect(loaded).toStrictEqual(expectedJob(job));
        if (loaded?.__typename !== "Job") throw new Error("the job did not load");
        expect(await ds.load(ref("Customer", job.CustomerId))).toBeNull();
        expect(
          await all(ds.lists.invoices({ jobId: { jobId: job.Id, customerId: job.CustomerId } })),
        ).toStrictEqual(own.invoices);
        expect(await ds.jobLineItems(loaded)).toStrictEqual(own.items);
        expect(await all(ds.lists.siteVisits({ jobId: job.Id }))).toStrictEqual(own.visits);
        expect(await ds.load(ref("Invoice", theirs.invoice.Id))).toBeNull();
        expect(await ds.load(ref("SiteVisit", theirs.event.Id))).toBeNull();
        // The customer and the stray invoice and visit by id: each from its endpoint, which checks the company.
        expect(sim.control.snapshot()).toStrictEqual({
          [R.job]: 1,
          [R.customer]: 1,
          [R.invoice]: 1,
          [R.event]: 1,
        });
      },
    );
  });

  it("clearLoaders() forgets what jobs embedded: the relations are read afresh", async () => {
    const customer = demo().customers.get(job.CustomerId);
    if (!customer) throw new Error("customer");
    const renamed: JobCloserCustomer = { ...customer, Name: "Renamed Customer LLC" };
    await signedIn();
    const ds = fresh();
    await ds.load(ref("Job", job.Id));
    await withState([put(demo().customers, renamed)], async () => {
      expect(await ds.load(ref("Customer", customer.Id))).toStrictEqual(expectedCustomer(customer));
      ds.clearLoaders();
      expect(await ds.jobLineItems(expectedJob(job))).toStrictEqual(itemsOf(job.Id).map(expectedLineItem));
      expect(await ds.load(ref("Customer", customer.Id))).toStrictEqual(expectedCustomer(renamed));
    });
    expect(sim.control.snapshot()).toStrictEqual({ [R.job]: 1, [R.lineItems]: 1, [R.customer]: 1 });
  });
});

describe("upstream failures", () => {
  const reads: Array<{ what: string; route: string; run: (ds: JobCloserDatasource) => Promise<unknown> }> = [
    {
      what: "a get by id",
      route: R.customer,
      run: (ds) => ds.load(ref("Customer", first(listedCustomers(), "customer").Id)),
    },
    { what: "a company list", route: R.jobs, run: (ds) => all(ds.lists.jobs({})) },
    {
      // Chemical applications are never embedded in a job: they are always listed.
      what: "a job's list",
      route: R.applications,
      run: (ds) => all(ds.lists.chemicalApplications({ jobId: first(allJobs(), "job").Id })),
    },
  ];
  const faults: Array<{ fault: string; rule: FaultRule; code: string; status?: number; message: string }> = [
    {
      fault: "HTTP 500",
      rule: { kind: "status", status: 500 },
      code: "UPSTREAM_ERROR",
      status: 500,
      message: "failed: HTTP 500",
    },
    {
      fault: "HTTP 503",
      rule: { kind: "status", status: 503 },
      code: "UPSTREAM_UNAVAILABLE",
      status: 503,
      message: "failed: HTTP 503",
    },
    {
      fault: "HTTP 502",
      rule: { kind: "status", status: 502 },
      code: "UPSTREAM_UNAVAILABLE",
      status: 502,
      message: "failed: HTTP 502",
    },
    {
      fault: "a 429",
      rule: { kind: "rateLimit" },
      code: "UPSTREAM_RATE_LIMITED",
      status: 429,
      message: "was rate limited by the upstream",
    },
  ];
  const cases = reads.flatMap((read) => faults.map((fault) => ({ ...read, ...fault })));

  it.each(cases)("$fault on $what is $code", async ({ route, run, rule, code, status, message }) => {
    await signedIn();
    sim.control.injectFault({ ...rule, route });
    const error = await rejection(run(fresh()));
    expect(error.extensions).toStrictEqual({
      code,
      source: "jobcloser",
      ...(status === undefined ? {} : { upstreamStatus: status }),
    });
    expect(error.upstream).toBe("jobcloser");
    expect(error.message).toBe(`jobcloser ${route.replace("/api", "")} ${message}`);
    expect(sim.control.count(route)).toBe(1);
  });

  it.each(reads)("a dropped connection on $what is UPSTREAM_UNAVAILABLE", async ({ route, run }) => {
    await signedIn();
    sim.control.injectFault({ kind: "drop", route });
    const error = await rejection(run(fresh()));
    expect(error.extensions).toStrictEqual({ code: "UPSTREAM_UNAVAILABLE", source: "jobcloser" });
    expect(sim.control.count(route)).toBe(1);
  });

  it.each(reads)(
    "a reply slower than the target timeout on $what is UPSTREAM_TIMEOUT",
    async ({ route, run }) => {
      await signedIn();
      sim.control.injectFault({ kind: "slow", delayMs: 1_000, route });
      const error = await rejection(run(fresh({ target: { timeoutMs: 150 } })));
      expect(error.extensions).toStrictEqual({ code: "UPSTREAM_TIMEOUT", source: "jobcloser" });
      expect(error.message).toBe(`jobcloser ${route.replace("/api", "")} timed out after 150 ms`);
      expect(sim.control.count(route)).toBe(1);
    },
  );

  it("an envelope failure (Success false on HTTP 200) is UPSTREAM_ERROR with the upstream's message", async () => {
    const [job, another] = allJobs();
    if (!job || !another) throw new Error("jobs");
    // Read through the job list (two ids in one tick), the job embeds no events: they are listed.
    const ds = fresh();
    await Promise.all([ds.load(ref("Job", job.Id)), ds.load(ref("Job", another.Id))]);
    const visits = await rejection(all(ds.lists.siteVisits({ jobId: job.Id, from: "2026-02-30" })));
    expect(visits.extensions).toStrictEqual({ code: "UPSTREAM_ERROR", source: "jobcloser" });
    expect(visits.message).toBe("jobcloser GET /events/getall failed: date is invalid");
    const invoices = await rejection(all(fresh().lists.invoices({ issuedFrom: "2026-13-01" })));
    expect(invoices.message).toBe("jobcloser GET /invoices/getall failed: start is invalid");
  });

  it("an unknown path (HTTP 404, not the envelope) is UPSTREAM_ERROR with the status", async () => {
    const error = await rejection(
      fresh({ target: { baseUrl: `${sim.baseUrl}/v2` } }).load(ref("Customer", UNKNOWN_ID)),
    );
    expect(error.extensions).toStrictEqual({
      code: "UPSTREAM_ERROR",
      source: "jobcloser",
      upstreamStatus: 404,
    });
    expect(error.message).toBe("jobcloser GET /account/signin answered HTTP 404");
    expect(error.message).not.toContain("password");
  });

  it("a failed by-id read is not remembered: after clearLoaders() the next load asks again", async () => {
    const customer = first(listedCustomers(), "customer");
    await signedIn();
    sim.control.injectFault({ kind: "status", status: 503, route: R.customer, times: 1 });
    const ds = fresh();
    await rejection(ds.load(ref("Customer", customer.Id)));
    ds.clearLoaders();
    expect(await ds.load(ref("Customer", customer.Id))).toStrictEqual(expectedCustomer(customer));
    expect(sim.control.count(R.customer)).toBe(2);
  });

  it("a failed list in a batch fails each id of the batch with its error", async () => {
    const [a, b] = listedCustomers();
    await signedIn();
    sim.control.injectFault({ kind: "status", status: 500, route: R.customers, times: 1 });
    const ds = fresh();
    const results = await Promise.allSettled([a, b].map((c) => ds.load(ref("Customer", c?.Id ?? ""))));
    for (const result of results) {
      expect(result.status).toBe("rejected");
      if (result.status === "rejected") {
        expect((result.reason as UpstreamError).extensions).toStrictEqual({
          code: "UPSTREAM_ERROR",
          source: "jobcloser",
          upstreamStatus: 500,
        });
      }
    }
    expect(sim.control.snapshot()).toStrictEqual({ [R.customers]: 1 });
  });
});

describe("clearLoaders()", () => {
  it("forgets this request's by-id reads: the next load reads the upstream's current record", async () => {
    const customer = first(listedCustomers(), "customer");
    const renamed: JobCloserCustomer = { ...customer, Name: "Renamed Customer LLC" };
    const ds = fresh();
    expect(await ds.load(ref("Customer", customer.Id))).toStrictEqual(expectedCustomer(customer));
    await withState([put(demo().customers, renamed)], async () => {
      expect(await ds.load(ref("Customer", customer.Id))).toStrictEqual(expectedCustomer(customer));
      expect(sim.control.count(R.customer)).toBe(1);
      ds.clearLoaders();
      expect(await ds.load(ref("Customer", customer.Id))).toStrictEqual(expectedCustomer(renamed));
      expect(sim.control.count(R.customer)).toBe(2);
    });
  });

  it("keeps the session: no new sign-in, and list snapshots (and batches read from them) stay until their TTL", async () => {
    const [a, b] = listedCustomers();
    if (!a || !b) throw new Error("customers");
    const renamed: JobCloserCustomer = { ...a, Name: "Renamed Customer LLC" };
    const ds = fresh();
    await all(ds.lists.customers({}));
    await withState([put(demo().customers, renamed)], async () => {
      ds.clearLoaders();
      // Observed: a list, and a batch of ids, still read the session's snapshot (stale until the TTL)...
      expect((await all(ds.lists.customers({})))[listedCustomers().indexOf(renamed)]).toStrictEqual(
        expectedCustomer(a),
      );
      expect(await Promise.all([a, b].map((c) => ds.load(ref("Customer", c.Id))))).toStrictEqual([
        expectedCustomer(a),
        expectedCustomer(b),
      ]);
      // ...while a single id is a `get`, current.
      ds.clearLoaders();
      expect(await ds.load(ref("Customer", a.Id))).toStrictEqual(expectedCustomer(renamed));
      // A new session lists afresh.
      expect(
        (await all(fresh({ session: newSession() }).lists.customers({})))[listedCustomers().indexOf(renamed)],
      ).toStrictEqual(expectedCustomer(renamed));
    });
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 2, [R.customers]: 2, [R.customer]: 1 });
  });
});

describe("company lists checked as pages read them", () => {
  it("a bad record fails the pages and whole-list reads that reach it, and no page before it", async () => {
    const listed = listedCustomers();
    const position = 120;
    const bad = listed[position];
    if (!bad) throw new Error(`the seed has fewer than ${position + 1} listed customers`);
    const name = bad.Name;
    (bad as { Name: unknown }).Name = 42;
    try {
      const stream = offsetStream(fresh().lists.customers({}));
      const page = await stream.fetch(0, 50);
      expect(page.records).toStrictEqual(listed.slice(0, 50).map(expectedCustomer));
      expect(page.total).toBe(listed.length);

      const message = `jobcloser GET /customers/getall returned an unexpected body (${position}.Name: Invalid input: expected string, received number)`;
      const reached = await rejection(stream.fetch(100, 50));
      expect(reached.message).toBe(message);
      expect(reached.extensions).toStrictEqual({ code: "UPSTREAM_ERROR", source: "jobcloser" });
      // Another request reading the whole list (the same snapshot) fails the same way.
      const whole = await rejection(all(fresh().lists.customers({})));
      expect(whole.message).toBe(message);
      expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.customers]: 1 });
    } finally {
      bad.Name = name;
    }
  });
});

describe("company lists read again byte for byte the same (ParsedBodies)", () => {
  it("share their checked records; a changed or bad record is read afresh, never stale", async () => {
    const reusing = new HttpLayer({
      timeoutMs: 2_000,
      retries: 0,
      connections: 4,
      cache: { ttlMs: 0, maxEntries: 100, parsedBodyBytes: 16 * 1024 * 1024 },
    });
    // Snapshots last one answer: every read below asks the upstream.
    const unsnapshotted = newSession(undefined, { ttlMs: 0 });
    const request = () => new JobCloserClient(reusing, target, unsnapshotted);
    const page = (from: number) =>
      offsetStream(new JobCloserDatasource(request(), "USD").lists.customers({})).fetch(from, 50);
    const listed = listedCustomers();
    const renamed = listed[110];
    const bad = listed[120];
    if (!renamed || !bad) throw new Error("the seed has fewer than 121 listed customers");
    const [renamedName, badName] = [renamed.Name, bad.Name];
    try {
      const first = await request().customerRecords({});
      const second = await request().customerRecords({});
      expect(second).toBe(first);
      expect((await page(100)).records).toStrictEqual(listed.slice(100, 150).map(expectedCustomer));

      // A change that keeps the body's length: only the bytes tell.
      const sameLength = "R".repeat(renamedName.length);
      renamed.Name = sameLength;
      const changed = await request().customerRecords({});
      expect(changed).not.toBe(first);
      const afterRename = await page(100);
      expect(afterRename.records[10]?.name).toBe(sameLength);
      expect(afterRename.records).toStrictEqual(listed.slice(100, 150).map(expectedCustomer));

      (bad as { Name: unknown }).Name = 42;
      const failed = await rejection(page(100));
      expect(failed.message).toBe(
        "jobcloser GET /customers/getall returned an unexpected body (120.Name: Invalid input: expected string, received number)",
      );
      // The same bad bytes again fail again: a failed check is never kept as a record.
      expect((await rejection(page(100))).message).toBe(failed.message);
      expect((await page(0)).records).toStrictEqual(listed.slice(0, 50).map(expectedCustomer));

      bad.Name = badName;
      expect((await page(100)).records).toStrictEqual(listed.slice(100, 150).map(expectedCustomer));
      expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.customers]: 9 });
    } finally {
      renamed.Name = renamedName;
      bad.Name = badName;
      await reusing.close();
    }
  });
});
