import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createJobCloserSim,
  JOBCLOSER_DEMO_COMPANY,
  JOBCLOSER_DEMO_COMPANY_ID,
  JOBCLOSER_DEMO_USER,
  JOBCLOSER_OTHER_COMPANY,
  type JobCloserCompanyState,
  type JobCloserCustomer,
  type JobCloserInvoice,
  type JobCloserJob,
  type JobCloserSim,
} from "../../sim/jobcloser/index.js";
import { HttpLayer, type UpstreamTarget } from "../../src/datasources/http.js";
import { JobCloserClient, JobCloserSession } from "../../src/datasources/jobcloser/client.js";
import { JobCloserDatasource } from "../../src/datasources/jobcloser/datasource.js";
import type { ListStream } from "../../src/datasources/paging.js";
import type {
  Address,
  InvoiceStatus,
  JobStatus,
  Money,
  UnifiedCustomer,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedNode,
} from "../../src/datasources/unified.js";
import { UpstreamError } from "../../src/errors.js";
import type { ChangeFeed } from "../../src/events/types.js";

/**
 * JobCloser change feeds against the simulator over real HTTP, two companies in one database (the
 * upstream isolates neither): one unpaginated `getall` per list (customers: archived ones too),
 * the signed-in company's records only, mapped as the read path maps them, read from the upstream
 * although the session's list snapshots and the cross-request cache hold the lists (and leaving
 * fresh snapshots for reads), and upstream failures. Expected records are written from the
 * reference (/work/shared/upstreams/jobcloser.md), not from the mappers.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const COMPANY = JOBCLOSER_DEMO_COMPANY_ID;
const LIST_TTL_MS = 60_000;

const R = {
  signIn: "GET /api/account/signin",
  customers: "GET /api/customers/getall",
  jobs: "GET /api/jobs/getall",
  invoices: "GET /api/invoices/getall",
} as const;

let sim: JobCloserSim;
/** No cross-request cache: every request reaches the simulator. */
let http: HttpLayer;
let target: UpstreamTarget;
/** A new session per test: sign-in and list snapshots start afresh, so request counts are exact. */
let session: JobCloserSession;

beforeAll(async () => {
  sim = createJobCloserSim({ companies: [JOBCLOSER_DEMO_COMPANY, JOBCLOSER_OTHER_COMPANY], now: () => NOW });
  await sim.listen(0);
  http = cachingLayer(0);
  target = { source: "jobcloser", tenantId: "t1", baseUrl: sim.baseUrl, headers: {}, timeoutMs: 2_000 };
});

afterAll(async () => {
  await http.close();
  await sim.close();
});

beforeEach(() => {
  sim.control.reset();
  session = new JobCloserSession({ ...JOBCLOSER_DEMO_USER }, LIST_TTL_MS);
});

function cachingLayer(ttlMs: number): HttpLayer {
  return new HttpLayer({ timeoutMs: 2_000, retries: 0, connections: 4, cache: { ttlMs, maxEntries: 1_000 } });
}

/** A datasource as one polling cycle gets it: fresh loaders, the tenant's session. */
const datasource = (layer: HttpLayer = http) =>
  new JobCloserDatasource(new JobCloserClient(layer, target, session), "USD");

function feedOf(ds: JobCloserDatasource, nodeType: ChangeFeed["nodeType"]): ChangeFeed {
  const feed = ds.changeFeeds().find((candidate) => candidate.nodeType === nodeType);
  if (!feed) throw new Error(`no ${nodeType} feed`);
  return feed;
}

const demo = (): JobCloserCompanyState => sim.company(COMPANY);
const other = (): JobCloserCompanyState => sim.company(JOBCLOSER_OTHER_COMPANY);

/** Every request the simulator saw, as `path?query`, in a stable order (lists go out at once). */
const wire = () => sim.control.requests.map((r) => `${r.path}${r.query}`).sort();
const SIGN_IN = "/api/account/signin?email=demo%40jobcloser.com&password=password";

async function everything<T>(stream: ListStream<T> | null | undefined): Promise<T[]> {
  if (!stream || stream.kind === "cursor") throw new Error("expected an offset stream");
  const page = await stream.fetch(0, 1_000);
  expect(page.records.length).toBe(page.total);
  return page.records;
}

const byId = (records: UnifiedNode[]) => new Map(records.map((record) => [record.sourceId, record]));

function first<T>(records: Iterable<T>, what: string, predicate: (record: T) => boolean = () => true): T {
  for (const record of records) if (predicate(record)) return record;
  throw new Error(`no seeded ${what} for this test`);
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

// ---- Expected unified records, from the reference (§5) ----

const money = (amount: number): Money => ({ cents: Math.round(amount * 100), currency: "USD" });

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

const expectedById = <T extends { Id: string }>(records: Iterable<T>, expected: (record: T) => UnifiedNode) =>
  new Map([...records].map((record) => [record.Id, expected(record)]));

describe("JobCloser change feeds", () => {
  it("watch customers, jobs and invoices (events and chemical applications are per job); no request until a snapshot", () => {
    const feeds = datasource().changeFeeds();
    expect(feeds.map(({ nodeType, stale }) => ({ nodeType, stale }))).toStrictEqual([
      { nodeType: "Customer", stale: ["/customers", "/jobs/get"] },
      { nodeType: "Job", stale: ["/jobs", "/customers/get", "/products/getforjob"] },
      { nodeType: "Invoice", stale: ["/invoices", "/customers/get", "/jobs/get"] },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it("customers: every one of the company, archived ones too, in two requests (plus the sign-in, counted)", async () => {
    const customers = [...demo().customers.values()];
    const archived = customers.filter((c) => c.Archived);
    expect(archived.length).toBeGreaterThan(0);

    const { records, requests } = await feedOf(datasource(), "Customer").snapshot();

    expect(records).toHaveLength(customers.length);
    expect(byId(records)).toStrictEqual(expectedById(customers, expectedCustomer));
    expect(requests).toBe(3);
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.customers]: 2 });
    expect(wire()).toStrictEqual([
      SIGN_IN,
      `/api/customers/getall?companyId=${COMPANY}`,
      `/api/customers/getall?companyId=${COMPANY}&archived=true`,
    ]);
    // The listed ones first, as the read path lists them, then the archived ones.
    const listed = await everything(datasource().lists.customers({}));
    expect(records.slice(0, listed.length)).toStrictEqual(listed);
    expect(
      records
        .slice(listed.length)
        .map((record) => record.sourceId)
        .sort(),
    ).toStrictEqual(archived.map((c) => c.Id).sort());
  });

  it("jobs and invoices: every one of the company in one request each, as the read path lists them", async () => {
    const ds = datasource();
    const jobs = await feedOf(ds, "Job").snapshot();
    const invoices = await feedOf(ds, "Invoice").snapshot();

    expect(jobs.records).toHaveLength(demo().jobs.size);
    expect(byId(jobs.records)).toStrictEqual(expectedById(demo().jobs.values(), expectedJob));
    expect(invoices.records).toHaveLength(demo().invoices.size);
    expect(byId(invoices.records)).toStrictEqual(expectedById(demo().invoices.values(), expectedInvoice));
    // The sign-in went with the first snapshot: the session keeps the company.
    expect([jobs.requests, invoices.requests]).toStrictEqual([2, 1]);
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.invoices]: 1, [R.jobs]: 1 });

    expect(jobs.records).toStrictEqual(await everything(datasource().lists.jobs({})));
    expect(invoices.records).toStrictEqual(await everything(datasource().lists.invoices({})));
  });

  it("keep only the signed-in company's records, even when the upstream slips another company's in", async () => {
    const stray = {
      customer: first(other().customers.values(), "other customer", (c) => !c.Archived),
      archived: first(other().customers.values(), "other archived customer", (c) => c.Archived),
      job: first(other().jobs.values(), "other job"),
      invoice: first(other().invoices.values(), "other invoice"),
    };
    const d = demo();
    const own = {
      customers: expectedById(d.customers.values(), expectedCustomer),
      jobs: expectedById(d.jobs.values(), expectedJob),
      invoices: expectedById(d.invoices.values(), expectedInvoice),
    };
    await withState(
      [
        put(d.customers, stray.customer),
        put(d.customers, stray.archived),
        put(d.jobs, stray.job),
        put(d.invoices, stray.invoice),
      ],
      async () => {
        const ds = datasource();
        expect(byId((await feedOf(ds, "Customer").snapshot()).records)).toStrictEqual(own.customers);
        expect(byId((await feedOf(ds, "Job").snapshot()).records)).toStrictEqual(own.jobs);
        expect(byId((await feedOf(ds, "Invoice").snapshot()).records)).toStrictEqual(own.invoices);
      },
    );
  });

  it("a second snapshot sees upstream changes although list snapshots and the cache hold the lists, and leaves fresh snapshots for reads", async () => {
    const cached = cachingLayer(60_000);
    const lead = first(demo().customers.values(), "lead", (c) => c.Status === "Lead" && !c.Archived);
    const archiving = first(
      demo().customers.values(),
      "active customer",
      (c) => c.Status === "Active" && !c.Archived,
    );
    const job = first(demo().jobs.values(), "scheduled job", (j) => j.Status === "Scheduled");
    try {
      // Normal traffic holds the lists: the session's snapshots (60 s) and the HTTP cache (60 s).
      const reads = datasource(cached);
      await everything(reads.lists.customers({}));
      await everything(reads.lists.leads({}));
      await everything(reads.lists.jobs({}));
      await feedOf(datasource(cached), "Customer").snapshot();
      await feedOf(datasource(cached), "Job").snapshot();
      const count = demo().customers.size;

      await withState(
        [
          put(demo().customers, { ...lead, Name: "Renamed Lead" }),
          put(demo().customers, { ...archiving, Archived: true }),
          put(demo().jobs, { ...job, Status: "Completed", DateCompleted: "2026-03-01T06:00:00-06:00" }),
        ],
        async () => {
          sim.control.resetCounts();
          const customers = await feedOf(datasource(cached), "Customer").snapshot();
          const jobs = await feedOf(datasource(cached), "Job").snapshot();

          expect(byId(customers.records).get(lead.Id)).toMatchObject({
            name: "Renamed Lead",
            status: "LEAD",
          });
          // Archiving changes a customer: it stays, INACTIVE, rather than read as deleted.
          expect(customers.records).toHaveLength(count);
          expect(byId(customers.records).get(archiving.Id)).toMatchObject({
            status: "INACTIVE",
            sourceStatus: "Active (archived)",
          });
          expect(byId(jobs.records).get(job.Id)).toMatchObject({
            status: "COMPLETED",
            completedAt: "2026-03-01T06:00:00-06:00",
          });
          expect([customers.requests, jobs.requests]).toStrictEqual([2, 1]);
          expect(sim.control.snapshot()).toStrictEqual({ [R.customers]: 2, [R.jobs]: 1 });

          // Reads then use the fresh list snapshot without a request; a filtered list the snapshot
          // dropped (it could be stale) is read again.
          sim.control.resetCounts();
          const listed = await everything(datasource(cached).lists.customers({}));
          expect(listed.find((c) => c.sourceId === lead.Id)?.name).toBe("Renamed Lead");
          expect(listed.some((c) => c.sourceId === archiving.Id)).toBe(false);
          expect(sim.control.count()).toBe(0);
          const leads = await everything(datasource(cached).lists.leads({}));
          expect(leads.find((l) => l.sourceId === lead.Id)?.name).toBe("Renamed Lead");
          expect(wire()).toStrictEqual([`/api/customers/getall?companyId=${COMPANY}&status=Lead`]);
        },
      );
    } finally {
      await cached.close();
    }
  });

  it("an upstream failure fails the snapshot with the upstream's error, and the next snapshot reads again", async () => {
    sim.control.injectFault({ kind: "status", status: 500, route: R.jobs, times: 1 });
    const error = await feedOf(datasource(), "Job")
      .snapshot()
      .then(
        () => null,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toBe("jobcloser GET /jobs/getall failed: HTTP 500");
    expect((error as UpstreamError).extensions).toMatchObject({
      code: "UPSTREAM_ERROR",
      source: "jobcloser",
    });

    const { records, requests } = await feedOf(datasource(), "Job").snapshot();
    expect(records).toHaveLength(demo().jobs.size);
    expect(requests).toBe(1);
    expect(sim.control.snapshot()).toStrictEqual({ [R.signIn]: 1, [R.jobs]: 2 });
  });
});
