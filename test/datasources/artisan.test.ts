import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ARTISAN_DEMO_COMPANY,
  ARTISAN_DEMO_TOKEN,
  type ArtisanCompanySpec,
  type ArtisanCompanyState,
  type ArtisanCustomer,
  type ArtisanInvoice,
  type ArtisanJob,
  type ArtisanSim,
  type ArtisanSiteVisit,
  createArtisanSim,
} from "../../sim/artisan/index.js";
import type { FaultRule } from "../../sim/core/server.js";
import { ArtisanClient } from "../../src/datasources/artisan/client.js";
import { ArtisanDatasource } from "../../src/datasources/artisan/datasource.js";
import type {
  InvoiceFilter,
  JobFilter,
  SiteVisitFilter,
  StreamFactories,
} from "../../src/datasources/datasource.js";
import { HttpLayer, type UpstreamTarget } from "../../src/datasources/http.js";
import type { SourceStream } from "../../src/datasources/paging.js";
import type {
  InvoiceStatus,
  JobStatus,
  Money,
  NodeRef,
  SiteVisitStatus,
  UnifiedCompany,
  UnifiedCustomer,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedSiteVisit,
} from "../../src/datasources/unified.js";
import { UpstreamError } from "../../src/errors.js";

/**
 * The Check-in ARTISAN datasource against its simulator over real HTTP: detail vs list
 * representations, company-currency money, tenancy (403 reads as missing), DataLoaders, page
 * planning over page/per_page, filters, and the gateway's UPSTREAM_* codes.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const BASE = "/api/v1";
const ROUTE = {
  company: `GET ${BASE}/company`,
  publicCompany: `GET ${BASE}/companies/{slug}`,
  customer: `GET ${BASE}/customers/{id}`,
  customers: `GET ${BASE}/customers`,
  job: `GET ${BASE}/jobs/{id}`,
  jobs: `GET ${BASE}/jobs`,
  siteVisit: `GET ${BASE}/site-visits/{id}`,
  siteVisits: `GET ${BASE}/site-visits`,
  invoice: `GET ${BASE}/invoices/{id}`,
  invoices: `GET ${BASE}/invoices`,
} as const;

const OTHER_TOKEN = "9|OtherCompanyToken0123456789abcdefghijklmn";
const OTHER_COMPANY: ArtisanCompanySpec = {
  slug: "north-heating",
  name: "North Heating Ltd",
  seed: 11,
  tokens: [OTHER_TOKEN],
  timezone: "Europe/London",
  currency: "GBP",
  locale: "en",
  plan: "solo",
  size: { customers: 6, jobs: 8, siteVisits: 10, invoices: 6 },
};

let sim: ArtisanSim;
let state: ArtisanCompanyState;
let other: ArtisanCompanyState;
let http: HttpLayer;
let target: UpstreamTarget;

beforeAll(async () => {
  sim = createArtisanSim({
    companies: [ARTISAN_DEMO_COMPANY, OTHER_COMPANY],
    rateLimit: { limit: 1_000_000_000, windowMs: 60_000 },
    now: () => NOW,
  });
  await sim.listen(0);
  state = sim.companies.get(ARTISAN_DEMO_COMPANY.slug)!;
  other = sim.companies.get(OTHER_COMPANY.slug)!;
  http = new HttpLayer({
    timeoutMs: 2_000,
    retries: 0,
    connections: 16,
    cache: { ttlMs: 0, maxEntries: 100 },
  });
  target = {
    source: "artisan",
    tenantId: "t1",
    baseUrl: sim.baseUrl,
    headers: { authorization: `Bearer ${ARTISAN_DEMO_TOKEN}` },
    timeoutMs: 2_000,
  };
});

afterAll(async () => {
  await http.close();
  await sim.close();
});

beforeEach(() => sim.control.reset());

/** A datasource as one GraphQL request gets it: fresh DataLoaders, memo and company profile. */
function fresh(options: { http?: HttpLayer; target?: Partial<UpstreamTarget> } = {}): ArtisanDatasource {
  return new ArtisanDatasource(
    new ArtisanClient(options.http ?? http, { ...target, ...options.target }),
    600_000,
  );
}

const ref = (type: NodeRef["type"], id: number | string): NodeRef => ({
  type,
  source: "artisan",
  sourceId: String(id),
});

// ---- Expected unified records, written from the reference independently of the mappers ----

/** Simulator amounts have at most 2 decimals, so this is exact. */
const eur = (amount: number): Money => ({ cents: Math.round(amount * 100), currency: "EUR" });

function expectedCustomer(c: ArtisanCustomer): UnifiedCustomer {
  const parts = [c.address, c.address2, c.zip_code, c.city, c.country];
  return {
    __typename: "Customer",
    source: "artisan",
    sourceId: String(c.id),
    number: null,
    name: c.full_name,
    status: null,
    sourceStatus: null,
    billingAddress: null,
    taxId: null,
    customerType: null,
    firstName: c.first_name,
    lastName: c.last_name,
    email: c.email,
    phone: c.phone,
    mobile: c.mobile,
    address: parts.every((part) => part === null)
      ? null
      : {
          line1: c.address,
          line2: c.address2,
          city: c.city,
          region: null,
          postalCode: c.zip_code,
          country: c.country,
        },
    notes: c.notes,
    smsReminders: c.send_sms,
    walkIn: c.is_walk_in,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

const JOB_STATUS: Record<ArtisanJob["status"], JobStatus> = {
  draft: "UNSCHEDULED",
  open: "SCHEDULED",
  in_progress: "IN_PROGRESS",
  completed: "COMPLETED",
  cancelled: "CANCELLED",
};

/** `detail`: the by-id representation (job type name, visit count) rather than a list record. */
function expectedJob(j: ArtisanJob, detail: boolean): UnifiedJob {
  const visits = [...state.siteVisits.values()].filter((v) => v.job_id === j.id).length;
  return {
    __typename: "Job",
    source: "artisan",
    sourceId: String(j.id),
    ...(detail ? {} : { partial: true as const }),
    number: null,
    customerId: String(j.customer_id),
    crewId: null,
    locationId: null,
    title: j.title,
    description: j.description,
    status: JOB_STATUS[j.status],
    sourceStatus: j.status,
    serviceType: null,
    jobType:
      j.job_type_id === null
        ? null
        : {
            sourceId: String(j.job_type_id),
            name: detail ? (state.jobTypes.get(j.job_type_id)?.name ?? "missing job type") : null,
          },
    scheduledDate: null,
    scheduledTime: null,
    scheduledEndTime: null,
    durationMinutes: null,
    assignee: null,
    address:
      j.address === null
        ? null
        : { line1: j.address, line2: null, city: null, region: null, postalCode: null, country: null },
    price: null,
    notes: null,
    accessNotes: null,
    specialInstructions: null,
    estimateId: null,
    completedAt: null,
    completionNotes: null,
    siteVisitCount: detail ? visits : undefined,
    createdAt: j.created_at,
    updatedAt: j.updated_at,
  };
}

const VISIT_STATUS: Record<ArtisanSiteVisit["status"], SiteVisitStatus> = {
  scheduled: "SCHEDULED",
  completed: "COMPLETED",
  cancelled: "CANCELLED",
};

function expectedVisit(v: ArtisanSiteVisit, detail: boolean): UnifiedSiteVisit {
  return {
    __typename: "SiteVisit",
    source: "artisan",
    sourceId: String(v.id),
    ...(detail ? {} : { partial: true as const }),
    jobId: String(v.job_id),
    customerId: String(v.customer_id),
    title: null,
    scheduledAt: v.scheduled_at,
    endsAt: null,
    allDay: false,
    crewId: null,
    completedAt: null,
    durationMinutes: v.duration_minutes,
    status: VISIT_STATUS[v.status],
    sourceStatus: v.status,
    notes: v.notes,
    teamMember:
      v.team_member_id === null
        ? null
        : {
            sourceId: String(v.team_member_id),
            name: detail ? (state.teamMembers.get(v.team_member_id)?.name ?? "missing member") : null,
          },
    createdAt: v.created_at,
    updatedAt: v.updated_at,
  };
}

function expectedInvoice(i: ArtisanInvoice, detail: boolean): UnifiedInvoice {
  const total = eur(i.total_with_tax);
  return {
    __typename: "Invoice",
    source: "artisan",
    sourceId: String(i.id),
    ...(detail ? {} : { partial: true as const }),
    number: i.invoice_number,
    customerId: String(i.customer_id),
    jobId: null,
    status: i.paid ? "PAID" : "SENT",
    sourceStatus: i.paid ? "paid" : "unpaid",
    lineItems: detail
      ? (state.invoiceLines.get(i.id) ?? []).map((line) => ({
          description: line.description,
          quantity: line.quantity,
          unitPrice: eur(line.unit_price_with_tax),
          discountPercent: line.discount_percent,
          taxRate: null,
          amount: eur(line.line_total_with_tax),
          productId: line.item_id === null ? null : String(line.item_id),
        }))
      : undefined,
    subtotal: null,
    tax: null,
    total,
    amountPaid: i.paid ? total : eur(0),
    discount: null,
    taxInclusive: true,
    // Created-at is rendered in the company's timezone: its date is the local issue date.
    issueDate: i.created_at.slice(0, 10),
    dueDate: null,
    sentAt: null,
    paidAt: null,
    notes: i.notes,
    terms: null,
    hasPdf: false,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
  };
}

function expectedCompany(company: ArtisanCompanyState, withPlan: boolean): UnifiedCompany {
  const p = company.profile;
  return {
    source: "artisan",
    slug: p.slug,
    name: p.name,
    description: p.description,
    openingHours: Object.entries(p.opening_hours ?? {}).map(([day, hours]) => ({ day, hours })),
    email: p.email,
    phone: p.phone ?? p.mobile,
    website: p.website,
    address: [p.address, p.address2, p.zip_code, p.city, p.country].every((part) => part === null)
      ? null
      : {
          line1: p.address,
          line2: p.address2,
          city: p.city,
          region: null,
          postalCode: p.zip_code,
          country: p.country,
        },
    currency: p.currency,
    timezone: p.timezone,
    locale: p.locale,
    plan: withPlan ? p.plan : null,
  };
}

// ---- Simulator state helpers (the reference's list orders) ----

const byIdDesc = <T extends { id: number }>(records: Iterable<T>): T[] =>
  [...records].sort((a, b) => b.id - a.id);
const customers = () => byIdDesc(state.customers.values());
const jobs = () => byIdDesc(state.jobs.values());
const invoices = () => byIdDesc(state.invoices.values());
/** Site visits: `scheduled_at` ascending (as instants), then id ascending. */
const visits = () =>
  [...state.siteVisits.values()].sort(
    (a, b) => Date.parse(a.scheduled_at) - Date.parse(b.scheduled_at) || a.id - b.id,
  );

function oneOfEach<T>(records: T[], shape: (record: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const record of records) {
    const key = shape(record);
    if (!seen.has(key)) seen.set(key, record);
  }
  return [...seen.values()];
}

function first<T>(records: T[], what: string): T {
  const found = records[0];
  if (found === undefined) throw new Error(`no seeded ${what} for this test`);
  return found;
}

function must<F>(factory: F | undefined): F {
  if (factory === undefined) throw new Error("this datasource has no such list");
  return factory;
}

interface Drained<T> {
  records: T[];
  total: number;
  requests: number;
}

async function drain<T>(stream: SourceStream<T> | null, route: string, window = 37): Promise<Drained<T>> {
  if (stream === null) throw new Error("expected a stream, got null");
  sim.control.resetCounts();
  const records: T[] = [];
  let total: number | null = null;
  let offset = 0;
  do {
    const page = await stream.fetch(offset, window);
    if (total === null) total = page.total;
    expect(page.total).toBe(total);
    expect(page.records.length).toBe(Math.min(window, Math.max(0, total - offset)));
    records.push(...page.records);
    offset += window;
  } while (offset < total);
  return { records, total, requests: sim.control.count(route) };
}

const ids = (records: Array<{ sourceId: string }>) => records.map((record) => record.sourceId);
const windows = (total: number, window = 37) => Math.max(1, Math.ceil(total / window));
/** The logged requests are pages of one size ≤ 100, consecutive, that together cover the window. */
function expectConsecutivePages(offset: number, limit: number): void {
  const requested = sim.control.requests
    .map((r) => new URLSearchParams(r.query))
    .map((q) => ({ page: Number(q.get("page")), perPage: Number(q.get("per_page")) }))
    .sort((a, b) => a.page - b.page);
  const perPage = requested[0]?.perPage ?? 0;
  expect(perPage).toBeLessThanOrEqual(100);
  expect(
    requested.every((r, index) => r.perPage === perPage && r.page === (requested[0]?.page ?? 0) + index),
  ).toBe(true);
  expect(((requested[0]?.page ?? 0) - 1) * perPage).toBeLessThanOrEqual(offset);
  expect((requested.at(-1)?.page ?? 0) * perPage).toBeGreaterThanOrEqual(offset + limit);
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

// ---- Tests ----

describe("load(): the detail representation, mapped exactly", () => {
  it("customers, with and without an address, phone or email", async () => {
    const sample = oneOfEach(
      customers(),
      (c) =>
        `${[c.address, c.address2, c.zip_code, c.city, c.country].every((p) => p === null)}|${c.phone === null}|${c.mobile === null}|${c.email === null}|${c.send_sms}`,
    );
    expect(sample.some((c) => expectedCustomer(c).address === null)).toBe(true);
    const ds = fresh();
    const loaded = await Promise.all(sample.map((c) => ds.load(ref("Customer", c.id))));
    expect(loaded).toStrictEqual(sample.map(expectedCustomer));
    expect(sim.control.count(ROUTE.customer)).toBe(sample.length);
  });

  it("jobs: every status, job type name in the company locale, site visit count", async () => {
    const sample = oneOfEach(
      jobs(),
      (j) => `${j.status}|${j.job_type_id === null}|${j.address === null}|${j.description === null}`,
    );
    expect(new Set(sample.map((j) => j.status)).size).toBe(5);
    const ds = fresh();
    const loaded = (await Promise.all(sample.map((j) => ds.load(ref("Job", j.id))))) as UnifiedJob[];
    expect(loaded).toStrictEqual(sample.map((j) => expectedJob(j, true)));
    expect(loaded.every((j) => j.partial === undefined && typeof j.siteVisitCount === "number")).toBe(true);
    expect(loaded.some((j) => (j.siteVisitCount ?? 0) > 1)).toBe(true);
    expect(sim.control.count(ROUTE.job)).toBe(sample.length);
  });

  it("site visits: every status, team member name, unassigned visits", async () => {
    const sample = oneOfEach(
      visits(),
      (v) => `${v.status}|${v.team_member_id === null}|${v.notes === null}|${v.duration_minutes === null}`,
    );
    const ds = fresh();
    const loaded = (await Promise.all(
      sample.map((v) => ds.load(ref("SiteVisit", v.id))),
    )) as UnifiedSiteVisit[];
    expect(loaded).toStrictEqual(sample.map((v) => expectedVisit(v, true)));
    expect(loaded.some((v) => v.teamMember?.name)).toBe(true);
    expect(loaded.some((v) => v.teamMember === null)).toBe(true);
    expect(sim.control.count(ROUTE.siteVisit)).toBe(sample.length);
  });

  it("invoices: lines, company-currency money (EUR), paid and unpaid", async () => {
    const sample = oneOfEach(
      invoices(),
      (i) =>
        `${i.paid}|${(state.invoiceLines.get(i.id) ?? []).length}|${(state.invoiceLines.get(i.id) ?? []).some((l) => l.discount_percent > 0)}|${(state.invoiceLines.get(i.id) ?? []).some((l) => l.item_id === null)}`,
    );
    const ds = fresh();
    const loaded = (await Promise.all(sample.map((i) => ds.load(ref("Invoice", i.id))))) as UnifiedInvoice[];
    expect(loaded).toStrictEqual(sample.map((i) => expectedInvoice(i, true)));
    expect(new Set(loaded.map((i) => i.status))).toStrictEqual(new Set<InvoiceStatus>(["PAID", "SENT"]));
    expect(loaded.every((i) => i.total.currency === "EUR" && (i.lineItems?.length ?? 0) > 0)).toBe(true);
    expect(sim.control.count(ROUTE.invoice)).toBe(sample.length);
    // The company profile (for the currency) is read once for all of them.
    expect(sim.control.count(ROUTE.company)).toBe(1);
  });

  it("unknown ids read as null (404 upstream)", async () => {
    const ds = fresh();
    const unknown = 9_999_999;
    expect(await ds.load(ref("Customer", unknown))).toBeNull();
    expect(await ds.load(ref("Job", unknown))).toBeNull();
    expect(await ds.load(ref("SiteVisit", unknown))).toBeNull();
    expect(await ds.load(ref("Invoice", unknown))).toBeNull();
    expect(sim.control.count(ROUTE.customer)).toBe(1);
    expect(sim.control.count(ROUTE.job)).toBe(1);
    expect(sim.control.count(ROUTE.siteVisit)).toBe(1);
    expect(sim.control.count(ROUTE.invoice)).toBe(1);
  });

  it("another company's records read as null (403 upstream)", async () => {
    const refs = [
      ref("Customer", first([...other.customers.keys()], "other customer")),
      ref("Job", first([...other.jobs.keys()], "other job")),
      ref("SiteVisit", first([...other.siteVisits.keys()], "other visit")),
      ref("Invoice", first([...other.invoices.keys()], "other invoice")),
    ];
    // They exist: their own company's token reads them.
    const owner = fresh({ target: { headers: { authorization: `Bearer ${OTHER_TOKEN}` } } });
    expect((await Promise.all(refs.map((r) => owner.load(r)))).every((node) => node !== null)).toBe(true);
    sim.control.resetCounts();
    const ds = fresh();
    expect(await Promise.all(refs.map((r) => ds.load(r)))).toStrictEqual([null, null, null, null]);
    expect(sim.control.count(ROUTE.customer)).toBe(1);
    expect(sim.control.count(ROUTE.job)).toBe(1);
    expect(sim.control.count(ROUTE.siteVisit)).toBe(1);
    expect(sim.control.count(ROUTE.invoice)).toBe(1);
  });

  it("the other company's invoices are in its own currency (GBP)", async () => {
    const invoice = first([...other.invoices.values()], "other invoice");
    const owner = fresh({ target: { headers: { authorization: `Bearer ${OTHER_TOKEN}` } } });
    const loaded = (await owner.load(ref("Invoice", invoice.id))) as UnifiedInvoice;
    expect(loaded.total).toStrictEqual({ cents: Math.round(invoice.total_with_tax * 100), currency: "GBP" });
    expect(loaded.lineItems?.every((l) => l.amount.currency === "GBP")).toBe(true);
  });

  it("Payment is not an ARTISAN type: null without a request", async () => {
    expect(await fresh().load(ref("Payment", 1))).toBeNull();
    expect(sim.control.count()).toBe(0);
  });
});

describe("company profile", () => {
  it("maps GET /company (EUR, timezone, plan) and is fetched once per datasource instance", async () => {
    const ds = fresh();
    const [a, b] = await Promise.all([ds.company(), ds.company()]);
    expect(a).toStrictEqual(expectedCompany(state, true));
    expect(a).toMatchObject({ currency: "EUR", timezone: "Europe/Paris", plan: "pro", locale: "fr" });
    expect(b).toStrictEqual(a);
    expect(await ds.company()).toStrictEqual(a);
    // Invoices need the currency: still the one profile request.
    await ds.load(ref("Invoice", first(invoices(), "invoice").id));
    await must(ds.lists.invoices)({})?.fetch(0, 5);
    expect(sim.control.count(ROUTE.company)).toBe(1);
    // A new request (no cross-request cache here) reads it again.
    await fresh().company();
    expect(sim.control.count(ROUTE.company)).toBe(2);
  });

  it("each token sees its own company", async () => {
    const owner = fresh({ target: { headers: { authorization: `Bearer ${OTHER_TOKEN}` } } });
    expect(await owner.company()).toStrictEqual(expectedCompany(other, true));
  });

  it("a profile without address parts has a null address; without a phone, the mobile is the phone", async () => {
    const profile = other.profile;
    const saved = { ...profile };
    try {
      Object.assign(profile, {
        address: null,
        address2: null,
        zip_code: null,
        city: null,
        country: null,
        phone: null,
        mobile: "+44 7700 900123",
        opening_hours: null,
      });
      const owner = fresh({ target: { headers: { authorization: `Bearer ${OTHER_TOKEN}` } } });
      const company = await owner.company();
      expect(company).toStrictEqual(expectedCompany(other, true));
      expect(company?.address).toBeNull();
      expect(company?.phone).toBe("+44 7700 900123");
      expect(company?.openingHours).toStrictEqual([]);
    } finally {
      Object.assign(profile, saved);
    }
  });

  it("public profiles by slug have no plan; an unknown slug is null", async () => {
    const ds = fresh();
    expect(await ds.publicCompany(OTHER_COMPANY.slug)).toStrictEqual(expectedCompany(other, false));
    expect(await ds.publicCompany("no-such-company")).toBeNull();
    expect(sim.control.count(ROUTE.publicCompany)).toBe(2);
  });

  it("invoices fail with the profile's error when the profile cannot be read", async () => {
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.company });
    const error = await rejection(fresh().load(ref("Invoice", first(invoices(), "invoice").id)));
    expect(error.extensions).toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      source: "artisan",
      upstreamStatus: 503,
    });
    const listed = await rejection(must(fresh().lists.invoices)({})!.fetch(0, 5));
    expect(listed.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", source: "artisan" });
  });
});

describe("DataLoader batching and priming", () => {
  it("three concurrent loads of one id make one upstream request", async () => {
    const customer = first(customers(), "customer");
    const job = first(jobs(), "job");
    const visit = first(visits(), "visit");
    const invoice = first(invoices(), "invoice");
    const ds = fresh();
    const loads = await Promise.all(
      [
        ref("Customer", customer.id),
        ref("Job", job.id),
        ref("SiteVisit", visit.id),
        ref("Invoice", invoice.id),
      ].flatMap((r) => [ds.load(r), ds.load(r), ds.load(r)]),
    );
    expect(loads).toStrictEqual([
      ...[1, 2, 3].map(() => expectedCustomer(customer)),
      ...[1, 2, 3].map(() => expectedJob(job, true)),
      ...[1, 2, 3].map(() => expectedVisit(visit, true)),
      ...[1, 2, 3].map(() => expectedInvoice(invoice, true)),
    ]);
    expect(sim.control.snapshot()).toStrictEqual({
      [ROUTE.company]: 1,
      [ROUTE.customer]: 1,
      [ROUTE.invoice]: 1,
      [ROUTE.job]: 1,
      [ROUTE.siteVisit]: 1,
    });
  });

  it("customers seen in a list are never fetched by id; partial list records are", async () => {
    const ds = fresh();
    const customerPage = await must(ds.lists.customers)({})!.fetch(0, 37);
    const jobPage = await must(ds.lists.jobs)({})!.fetch(0, 5);
    expect(sim.control.count()).toBe(2);
    const loaded = await Promise.all(customerPage.records.map((c) => ds.load(ref("Customer", c.sourceId))));
    expect(loaded).toStrictEqual(customers().slice(0, 37).map(expectedCustomer));
    expect(sim.control.count()).toBe(2);
    // A list job lacks the detail fields: loading it by id reads the detail.
    const detail = await Promise.all(jobPage.records.map((j) => ds.load(ref("Job", j.sourceId))));
    expect(detail).toStrictEqual(
      jobs()
        .slice(0, 5)
        .map((j) => expectedJob(j, true)),
    );
    expect(sim.control.count(ROUTE.job)).toBe(5);
  });

  // KNOWN BUG (src/datasources/rest.ts, reported): clearLoaders() clears the DataLoaders but not
  // RestClient's per-request memo of GET responses, so the reload is answered from the memo (0
  // requests, the old title). Flip to `it` once RestClient can forget its memo.
  it("clearLoaders() forgets loaded records: the next load reads the upstream's current state", async () => {
    const job = first(jobs(), "job");
    const ds = fresh();
    expect(await ds.load(ref("Job", job.id))).toStrictEqual(expectedJob(job, true));
    const live = state.jobs.get(job.id)!;
    const original = live.title;
    try {
      live.title = "Retitled between events";
      ds.clearLoaders();
      expect(await ds.load(ref("Job", job.id))).toStrictEqual(expectedJob(live, true));
      expect(sim.control.count(ROUTE.job)).toBe(2);
    } finally {
      live.title = original;
    }
  });
});

describe("isValidId", () => {
  it("accepts positive integer ids of the four types, never payments, without a request", () => {
    const ds = fresh();
    for (const type of ["Customer", "Job", "SiteVisit", "Invoice"] as const) {
      expect(ds.isValidId(type, "1")).toBe(true);
      expect(ds.isValidId(type, "1234567890")).toBe(true);
      expect(ds.isValidId(type, "0")).toBe(false);
      expect(ds.isValidId(type, "012")).toBe(false);
      expect(ds.isValidId(type, "-3")).toBe(false);
      expect(ds.isValidId(type, "cus_abc")).toBe(false);
    }
    expect(ds.isValidId("Payment", "1")).toBe(false);
    expect(sim.control.count()).toBe(0);
  });
});

describe("list streams", () => {
  it("customers: every record once, id descending, one request per window", async () => {
    const all = await drain(must(fresh().lists.customers)({}), ROUTE.customers);
    expect(all.total).toBe(state.customers.size);
    expect(all.records).toStrictEqual(customers().map(expectedCustomer));
    expect(all.requests).toBe(windows(state.customers.size));
  });

  it("customers: search matches names, email and phones case-insensitively", async () => {
    for (const search of ["MARTIN", "example.net", "+33 6"]) {
      const needle = search.toLowerCase();
      const expected = customers().filter((c) =>
        [c.first_name, c.last_name, c.full_name, c.email, c.phone, c.mobile].some((v) =>
          v?.toLowerCase().includes(needle),
        ),
      );
      expect(expected.length).toBeGreaterThan(0);
      const all = await drain(must(fresh().lists.customers)({ search }), ROUTE.customers);
      expect(all.total).toBe(expected.length);
      expect(ids(all.records)).toStrictEqual(expected.map((c) => String(c.id)));
    }
  });

  it("jobs: every record once, id descending; list records are partial", async () => {
    const all = await drain(must(fresh().lists.jobs)({}), ROUTE.jobs);
    expect(all.total).toBe(state.jobs.size);
    expect(all.records).toStrictEqual(jobs().map((j) => expectedJob(j, false)));
    expect(all.records.every((j) => j.partial === true && j.siteVisitCount === undefined)).toBe(true);
    expect(all.requests).toBe(windows(state.jobs.size));
  });

  it.each<[JobStatus, ArtisanJob["status"]]>([
    ["UNSCHEDULED", "draft"],
    ["SCHEDULED", "open"],
    ["IN_PROGRESS", "in_progress"],
    ["COMPLETED", "completed"],
    ["CANCELLED", "cancelled"],
  ])("jobs: status %s is upstream status %s", async (status, upstream) => {
    const expected = jobs().filter((j) => j.status === upstream);
    expect(expected.length).toBeGreaterThan(0);
    const all = await drain(must(fresh().lists.jobs)({ status }), ROUTE.jobs);
    expect(all.total).toBe(expected.length);
    expect(ids(all.records)).toStrictEqual(expected.map((j) => String(j.id)));
    expect(all.records.every((j) => j.status === status)).toBe(true);
  });

  it("jobs: customerId, alone and with a status", async () => {
    const job = first(
      jobs().filter((j) => j.status === "completed"),
      "completed job",
    );
    const cases: Array<[JobFilter, ArtisanJob[]]> = [
      [{ customerId: String(job.customer_id) }, jobs().filter((j) => j.customer_id === job.customer_id)],
      [
        { customerId: String(job.customer_id), status: "COMPLETED" },
        jobs().filter((j) => j.customer_id === job.customer_id && j.status === "completed"),
      ],
    ];
    for (const [filter, expected] of cases) {
      const all = await drain(must(fresh().lists.jobs)(filter), ROUTE.jobs);
      expect(all.total).toBe(expected.length);
      expect(all.records).toStrictEqual(expected.map((j) => expectedJob(j, false)));
    }
  });

  it("jobs: a scheduled date or an assignee can never match (visits carry them)", () => {
    const list = must(fresh().lists.jobs);
    expect(list({ scheduledDate: "2026-03-02" })).toBeNull();
    expect(list({ assigneeId: "3" })).toBeNull();
    expect(list({ status: "SCHEDULED", scheduledDate: "2026-03-02" })).toBeNull();
    expect(sim.control.count()).toBe(0);
  });

  it("site visits: every record once, by schedule then id; list records are partial", async () => {
    const all = await drain(must(fresh().lists.siteVisits)({}), ROUTE.siteVisits);
    expect(all.total).toBe(state.siteVisits.size);
    expect(all.records).toStrictEqual(visits().map((v) => expectedVisit(v, false)));
    expect(all.requests).toBe(windows(state.siteVisits.size));
  });

  it.each<[SiteVisitStatus, ArtisanSiteVisit["status"]]>([
    ["SCHEDULED", "scheduled"],
    ["COMPLETED", "completed"],
    ["CANCELLED", "cancelled"],
  ])("site visits: status %s is upstream status %s", async (status, upstream) => {
    const expected = visits().filter((v) => v.status === upstream);
    const all = await drain(must(fresh().lists.siteVisits)({ status }), ROUTE.siteVisits);
    expect(all.total).toBe(expected.length);
    expect(ids(all.records)).toStrictEqual(expected.map((v) => String(v.id)));
  });

  it("site visits: IN_PROGRESS can never match", () => {
    expect(must(fresh().lists.siteVisits)({ status: "IN_PROGRESS" })).toBeNull();
    expect(sim.control.count()).toBe(0);
  });

  it("site visits: jobId, customerId and local-date from/to filters", async () => {
    const perJob = new Map<number, number>();
    for (const v of state.siteVisits.values()) perJob.set(v.job_id, (perJob.get(v.job_id) ?? 0) + 1);
    const busiest = first(
      jobs().sort((a, b) => (perJob.get(b.id) ?? 0) - (perJob.get(a.id) ?? 0)),
      "job",
    );
    const day = (v: ArtisanSiteVisit) => v.scheduled_at.slice(0, 10);
    const from = "2025-11-01";
    const to = "2026-01-31";
    const cases: Array<[SiteVisitFilter, ArtisanSiteVisit[]]> = [
      [{ jobId: String(busiest.id) }, visits().filter((v) => v.job_id === busiest.id)],
      [
        { customerId: String(busiest.customer_id) },
        visits().filter((v) => v.customer_id === busiest.customer_id),
      ],
      [{ from, to }, visits().filter((v) => day(v) >= from && day(v) <= to)],
      [{ from: "2026-03-01" }, visits().filter((v) => day(v) >= "2026-03-01")],
      [{ to: from }, visits().filter((v) => day(v) <= from)],
      [
        { status: "COMPLETED", from, to },
        visits().filter((v) => v.status === "completed" && day(v) >= from && day(v) <= to),
      ],
    ];
    for (const [filter, expected] of cases) {
      expect(expected.length).toBeGreaterThan(0);
      const all = await drain(must(fresh().lists.siteVisits)(filter), ROUTE.siteVisits);
      expect(all.total).toBe(expected.length);
      expect(all.records).toStrictEqual(expected.map((v) => expectedVisit(v, false)));
    }
  });

  it("invoices: every record once, id descending, partial, in EUR", async () => {
    const all = await drain(must(fresh().lists.invoices)({}), ROUTE.invoices);
    expect(all.total).toBe(state.invoices.size);
    expect(all.records).toStrictEqual(invoices().map((i) => expectedInvoice(i, false)));
    expect(all.requests).toBe(windows(state.invoices.size));
    expect(sim.control.count(ROUTE.company)).toBe(1);
  });

  it.each<[InvoiceStatus, boolean]>([
    ["PAID", true],
    ["SENT", false],
  ])("invoices: status %s is paid=%s", async (status, paid) => {
    const expected = invoices().filter((i) => i.paid === paid);
    const all = await drain(must(fresh().lists.invoices)({ status }), ROUTE.invoices);
    expect(all.total).toBe(expected.length);
    expect(ids(all.records)).toStrictEqual(expected.map((i) => String(i.id)));
    expect(
      sim.control.requests
        .filter((r) => r.routeKey === ROUTE.invoices)
        .every((r) => new URLSearchParams(r.query).get("paid") === String(paid)),
    ).toBe(true);
  });

  it("invoices: statuses ARTISAN cannot have, and any job filter, never match", () => {
    const list = must(fresh().lists.invoices);
    for (const status of ["DRAFT", "VIEWED", "PARTIALLY_PAID", "OVERDUE", "VOID"] as const) {
      expect(list({ status })).toBeNull();
    }
    const job = first(jobs(), "job");
    expect(list({ jobId: { jobId: String(job.id), customerId: String(job.customer_id) } })).toBeNull();
    expect(sim.control.count()).toBe(0);
  });

  it("invoices: customerId and local creation-date range", async () => {
    const invoice = first(invoices(), "invoice");
    const day = (i: ArtisanInvoice) => i.created_at.slice(0, 10);
    const from = "2025-06-01";
    const to = "2025-08-31";
    const cases: Array<[InvoiceFilter, ArtisanInvoice[]]> = [
      [
        { customerId: String(invoice.customer_id) },
        invoices().filter((i) => i.customer_id === invoice.customer_id),
      ],
      [{ issuedFrom: from, issuedTo: to }, invoices().filter((i) => day(i) >= from && day(i) <= to)],
      [
        { status: "PAID", issuedFrom: from, issuedTo: to },
        invoices().filter((i) => i.paid && day(i) >= from && day(i) <= to),
      ],
    ];
    for (const [filter, expected] of cases) {
      expect(expected.length).toBeGreaterThan(0);
      const all = await drain(must(fresh().lists.invoices)(filter), ROUTE.invoices);
      expect(all.total).toBe(expected.length);
      expect(all.records).toStrictEqual(expected.map((i) => expectedInvoice(i, false)));
    }
  });

  it("has no payment list (an invoice's `paid` flag is all there is)", () => {
    expect((fresh().lists as StreamFactories).payments).toBeUndefined();
  });
});

describe("page planning over page/per_page", () => {
  it("offset 23, limit 50 is one request whose per_page makes one page cover the window", async () => {
    const page = await must(fresh().lists.jobs)({})!.fetch(23, 50);
    expect(page.total).toBe(state.jobs.size);
    expect(page.records).toStrictEqual(
      jobs()
        .slice(23, 73)
        .map((j) => expectedJob(j, false)),
    );
    // Positions 0..72 on page 1: any per_page from 73 to the maximum 100 holds them.
    expect(sim.control.count(ROUTE.jobs)).toBe(1);
    const [only] = sim.control.requests.map((r) => new URLSearchParams(r.query));
    expect(only?.get("page")).toBe("1");
    expect(Number(only?.get("per_page"))).toBeGreaterThanOrEqual(73);
    expect(Number(only?.get("per_page"))).toBeLessThanOrEqual(100);
  });

  it("a window further on is still one request when some per_page ≤ 100 covers it", async () => {
    const page = await must(fresh().lists.siteVisits)({})!.fetch(1000, 60);
    expect(ids(page.records)).toStrictEqual(
      visits()
        .slice(1000, 1060)
        .map((v) => String(v.id)),
    );
    expect(sim.control.count(ROUTE.siteVisits)).toBe(1);
  });

  it("a window no single page can hold takes two requests of 100", async () => {
    const stream = must(fresh().lists.jobs)({})!;
    const shifted = await stream.fetch(1, 100);
    expect(ids(shifted.records)).toStrictEqual(
      jobs()
        .slice(1, 101)
        .map((j) => String(j.id)),
    );
    expect(sim.control.count(ROUTE.jobs)).toBe(2);
    expectConsecutivePages(1, 100);

    sim.control.resetCounts();
    const wide = await stream.fetch(150, 150);
    expect(ids(wide.records)).toStrictEqual(
      jobs()
        .slice(150, 300)
        .map((j) => String(j.id)),
    );
    expect(sim.control.count(ROUTE.jobs)).toBe(2);
    expectConsecutivePages(150, 150);
  });

  it("a window past the end is empty, with the total", async () => {
    const page = await must(fresh().lists.invoices)({})!.fetch(state.invoices.size + 10, 20);
    expect(page).toStrictEqual({ records: [], total: state.invoices.size });
  });
});

describe("upstream failures through the shared HTTP layer", () => {
  const job = () => first(jobs(), "job");

  it.each<{ what: string; fault: FaultRule; code: string }>([
    { what: "HTTP 500", fault: { kind: "status", status: 500 }, code: "UPSTREAM_ERROR" },
    { what: "HTTP 503", fault: { kind: "status", status: 503 }, code: "UPSTREAM_UNAVAILABLE" },
    { what: "HTTP 429", fault: { kind: "rateLimit" }, code: "UPSTREAM_RATE_LIMITED" },
    { what: "a dropped connection", fault: { kind: "drop" }, code: "UPSTREAM_UNAVAILABLE" },
  ])("$what on a by-id read is $code", async ({ fault, code }) => {
    sim.control.injectFault({ ...fault, route: ROUTE.job });
    const error = await rejection(fresh().load(ref("Job", job().id)));
    expect(error.extensions.code).toBe(code);
    expect(error.extensions.source).toBe("artisan");
    expect(sim.control.count(ROUTE.job)).toBe(1);
  });

  it("a 429 carries the upstream's Retry-After", async () => {
    sim.control.injectFault({ kind: "rateLimit", route: ROUTE.siteVisits });
    const error = await rejection(must(fresh().lists.siteVisits)({})!.fetch(0, 10));
    expect(error.extensions).toMatchObject({
      code: "UPSTREAM_RATE_LIMITED",
      source: "artisan",
      upstreamStatus: 429,
      retryAfterSeconds: 60,
    });
  });

  it("a reply slower than the target timeout is UPSTREAM_TIMEOUT", async () => {
    sim.control.injectFault({ kind: "slow", delayMs: 1_000, route: ROUTE.customers });
    const error = await rejection(
      must(fresh({ target: { timeoutMs: 200 } }).lists.customers)({})!.fetch(0, 10),
    );
    expect(error.extensions).toMatchObject({ code: "UPSTREAM_TIMEOUT", source: "artisan" });
    expect(sim.control.count(ROUTE.customers)).toBe(1);
  });

  it("a refused token (401) is UPSTREAM_ERROR, on reads, lists and the profile", async () => {
    const ds = fresh({
      target: { headers: { authorization: "Bearer 1|wrongwrongwrongwrongwrongwrongwrongwrong" } },
    });
    const byId = await rejection(ds.load(ref("Customer", first(customers(), "c").id)));
    expect(byId.extensions).toMatchObject({ code: "UPSTREAM_ERROR", source: "artisan", upstreamStatus: 401 });
    const list = await rejection(must(ds.lists.jobs)({})!.fetch(0, 5));
    expect(list.extensions).toMatchObject({ code: "UPSTREAM_ERROR", source: "artisan", upstreamStatus: 401 });
    const profile = await rejection(ds.company());
    expect(profile.extensions).toMatchObject({
      code: "UPSTREAM_ERROR",
      source: "artisan",
      upstreamStatus: 401,
    });
  });

  describe("with retries", () => {
    let retrying: HttpLayer;
    beforeAll(() => {
      retrying = new HttpLayer({
        timeoutMs: 2_000,
        retries: 2,
        connections: 4,
        retryBaseDelayMs: 1,
        cache: { ttlMs: 0, maxEntries: 100 },
      });
    });
    afterAll(() => retrying.close());

    it.each<{ what: string; fault: FaultRule }>([
      { what: "HTTP 500", fault: { kind: "status", status: 500 } },
      { what: "HTTP 503", fault: { kind: "status", status: 503 } },
      { what: "a dropped connection", fault: { kind: "drop" } },
      { what: "a slow reply", fault: { kind: "slow", delayMs: 1_000 } },
    ])("one $what is retried: the read succeeds after exactly 2 requests", async ({ fault }) => {
      const record = job();
      sim.control.injectFault({ ...fault, route: ROUTE.job, times: 1 });
      const ds = fresh({ http: retrying, target: { timeoutMs: 200 } });
      expect(await ds.load(ref("Job", record.id))).toStrictEqual(expectedJob(record, true));
      expect(sim.control.count(ROUTE.job)).toBe(2);
    });

    it("a list page is retried the same way", async () => {
      sim.control.injectFault({ kind: "status", status: 502, route: ROUTE.invoices, times: 1 });
      const page = await must(fresh({ http: retrying }).lists.invoices)({})!.fetch(0, 20);
      expect(page.records).toStrictEqual(
        invoices()
          .slice(0, 20)
          .map((i) => expectedInvoice(i, false)),
      );
      expect(sim.control.count(ROUTE.invoices)).toBe(2);
    });
  });
});
