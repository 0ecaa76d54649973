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
import { ArtisanClient } from "../../src/datasources/artisan/client.js";
import { ArtisanDatasource } from "../../src/datasources/artisan/datasource.js";
import { HttpLayer, type UpstreamTarget } from "../../src/datasources/http.js";
import type { ListStream } from "../../src/datasources/paging.js";
import type {
  JobStatus,
  Money,
  SiteVisitStatus,
  UnifiedCustomer,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedNode,
  UnifiedSiteVisit,
} from "../../src/datasources/unified.js";
import { UpstreamError } from "../../src/errors.js";
import type { ChangeFeed } from "../../src/events/types.js";

/**
 * Check-in ARTISAN change feeds against the simulator over real HTTP: whole lists at per_page=100
 * in the fewest requests, mapped as the list read path maps them, read from the upstream even
 * when the cross-request cache holds the pages (and leaving the fresh pages for reads), lists
 * that move while they are read, and upstream failures. Expected records are written from the
 * reference (/work/shared/upstreams/artisan.md), not from the mappers.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const BASE = "/api/v1";
const ROUTE = {
  company: `GET ${BASE}/company`,
  customers: `GET ${BASE}/customers`,
  jobs: `GET ${BASE}/jobs`,
  siteVisits: `GET ${BASE}/site-visits`,
  invoices: `GET ${BASE}/invoices`,
} as const;
const PROFILE_TTL_MS = 600_000;

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
/** No cross-request cache: every request reaches the simulator. */
let http: HttpLayer;
let target: UpstreamTarget;

beforeAll(async () => {
  sim = createArtisanSim({
    companies: [ARTISAN_DEMO_COMPANY, OTHER_COMPANY],
    rateLimit: { limit: 1_000_000_000, windowMs: 60_000 },
    now: () => NOW,
  });
  await sim.listen(0);
  state = companyState(ARTISAN_DEMO_COMPANY.slug);
  other = companyState(OTHER_COMPANY.slug);
  http = cachingLayer(0);
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

function companyState(slug: string): ArtisanCompanyState {
  const company = sim.companies.get(slug);
  if (!company) throw new Error(`no simulated company ${slug}`);
  return company;
}

function cachingLayer(ttlMs: number): HttpLayer {
  return new HttpLayer({
    timeoutMs: 2_000,
    retries: 0,
    connections: 16,
    cache: { ttlMs, maxEntries: 1_000 },
  });
}

/** A datasource as one polling cycle gets it. */
const datasource = (layer: HttpLayer = http) =>
  new ArtisanDatasource(new ArtisanClient(layer, target), PROFILE_TTL_MS);

function feedOf(ds: ArtisanDatasource, nodeType: ChangeFeed["nodeType"]): ChangeFeed {
  const feed = ds.changeFeeds().find((candidate) => candidate.nodeType === nodeType);
  if (!feed) throw new Error(`no ${nodeType} feed`);
  return feed;
}

/** Every request the simulator saw, as `path?query`, in a stable order (pages go out at once). */
const wire = () => sim.control.requests.map((r) => `${r.path}${r.query}`).sort();

const pageQueries = (path: string, pages: number) =>
  Array.from({ length: pages }, (_, index) => `${BASE}${path}?page=${index + 1}&per_page=100`).sort();

async function everything<T>(stream: ListStream<T> | null | undefined, total: number): Promise<T[]> {
  if (!stream || stream.kind === "cursor") throw new Error("expected an offset stream");
  const page = await stream.fetch(0, total);
  expect(page.total).toBe(total);
  return page.records;
}

const byId = (records: UnifiedNode[]) => new Map(records.map((record) => [record.sourceId, record]));

function firstAndLast<T>(records: Map<number, T>): T[] {
  const values = [...records.values()];
  const first = values[0];
  const last = values.at(-1);
  if (first === undefined || last === undefined) throw new Error("no seeded records");
  return [first, last];
}

/** Calls `react` with the 1-based number of each upstream answer on `route`, as it arrives. */
function onAnswers(layer: HttpLayer, route: string, react: (answer: number) => void): () => void {
  let answers = 0;
  return layer.observe((event) => {
    if (event.route === route && !event.cached) react(++answers);
  });
}

async function api(method: "PUT" | "POST" | "DELETE", path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ARTISAN_DEMO_TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}`);
  return response.status === 204 ? null : response.json();
}

// ---- Expected list records, from the reference (list fields only: `partial` where details lack) ----

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

function expectedJob(j: ArtisanJob): UnifiedJob {
  return {
    __typename: "Job",
    source: "artisan",
    sourceId: String(j.id),
    partial: true,
    number: null,
    customerId: String(j.customer_id),
    crewId: null,
    locationId: null,
    title: j.title,
    description: j.description,
    status: JOB_STATUS[j.status],
    sourceStatus: j.status,
    serviceType: null,
    // A list job names its type's id only.
    jobType: j.job_type_id === null ? null : { sourceId: String(j.job_type_id), name: null },
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
    siteVisitCount: undefined,
    createdAt: j.created_at,
    updatedAt: j.updated_at,
  };
}

const VISIT_STATUS: Record<ArtisanSiteVisit["status"], SiteVisitStatus> = {
  scheduled: "SCHEDULED",
  completed: "COMPLETED",
  cancelled: "CANCELLED",
};

function expectedVisit(v: ArtisanSiteVisit): UnifiedSiteVisit {
  return {
    __typename: "SiteVisit",
    source: "artisan",
    sourceId: String(v.id),
    partial: true,
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
    teamMember: v.team_member_id === null ? null : { sourceId: String(v.team_member_id), name: null },
    createdAt: v.created_at,
    updatedAt: v.updated_at,
  };
}

function expectedInvoice(i: ArtisanInvoice): UnifiedInvoice {
  const total = eur(i.total_with_tax);
  return {
    __typename: "Invoice",
    source: "artisan",
    sourceId: String(i.id),
    partial: true,
    number: i.invoice_number,
    customerId: String(i.customer_id),
    jobId: null,
    status: i.paid ? "PAID" : "SENT",
    sourceStatus: i.paid ? "paid" : "unpaid",
    lineItems: undefined,
    subtotal: null,
    tax: null,
    total,
    amountPaid: i.paid ? total : eur(0),
    discount: null,
    taxInclusive: true,
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

/** Each feed's list: route, path, simulator records, another company's ids, the read path's list. */
const LISTS = [
  {
    nodeType: "Customer",
    route: ROUTE.customers,
    path: "/customers",
    size: () => state.customers.size,
    others: () => other.customers.keys(),
    readPath: (ds: ArtisanDatasource, total: number): Promise<UnifiedNode[]> =>
      everything(ds.lists.customers({}), total),
  },
  {
    nodeType: "Job",
    route: ROUTE.jobs,
    path: "/jobs",
    size: () => state.jobs.size,
    others: () => other.jobs.keys(),
    readPath: (ds: ArtisanDatasource, total: number): Promise<UnifiedNode[]> =>
      everything(ds.lists.jobs({}), total),
  },
  {
    nodeType: "SiteVisit",
    route: ROUTE.siteVisits,
    path: "/site-visits",
    size: () => state.siteVisits.size,
    others: () => other.siteVisits.keys(),
    readPath: (ds: ArtisanDatasource, total: number): Promise<UnifiedNode[]> =>
      everything(ds.lists.siteVisits({}), total),
  },
  {
    nodeType: "Invoice",
    route: ROUTE.invoices,
    path: "/invoices",
    size: () => state.invoices.size,
    others: () => other.invoices.keys(),
    readPath: (ds: ArtisanDatasource, total: number): Promise<UnifiedNode[]> =>
      everything(ds.lists.invoices({}), total),
  },
] as const;

describe("Check-in ARTISAN change feeds", () => {
  it("watch customers, jobs, site visits and invoices, dropping what their writes drop; no request until a snapshot", () => {
    const feeds = datasource().changeFeeds();
    expect(feeds.map(({ nodeType, stale }) => ({ nodeType, stale }))).toStrictEqual([
      { nodeType: "Customer", stale: ["/customers", "/jobs", "/site-visits", "/invoices"] },
      { nodeType: "Job", stale: ["/jobs", "/site-visits", "/customers"] },
      { nodeType: "SiteVisit", stale: ["/site-visits", "/jobs"] },
      { nodeType: "Invoice", stale: ["/invoices"] },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it.each(LISTS)(
    "$nodeType: every record of the company, as the list read path maps it, in ceil(N / 100) requests",
    async (list) => {
      const size = list.size();
      const pages = Math.ceil(size / 100);
      expect(size).toBeGreaterThan(200);

      const { records, requests } = await feedOf(datasource(), list.nodeType).snapshot();

      expect(records).toHaveLength(size);
      expect(new Set(records.map((record) => record.sourceId)).size).toBe(size);
      // Invoice amounts need the company currency: one profile read (this layer caches nothing).
      const profile = list.nodeType === "Invoice" ? 1 : 0;
      expect(requests).toBe(pages + profile);
      expect(sim.control.snapshot()).toStrictEqual({
        ...(profile ? { [ROUTE.company]: 1 } : {}),
        [list.route]: pages,
      });
      expect(wire()).toStrictEqual(
        [...pageQueries(list.path, pages), ...(profile ? [`${BASE}/company`] : [])].sort(),
      );
      // The token's company only (ids are unique across the simulated database).
      const ids = new Set(records.map((record) => record.sourceId));
      expect([...list.others()].filter((id) => ids.has(String(id)))).toStrictEqual([]);
      // The same records, in the same order, as the read path's list.
      expect(records).toStrictEqual(await list.readPath(datasource(), size));
    },
  );

  it("maps list records exactly (first and last of each kind)", async () => {
    const ds = datasource();
    const [customers, jobs, visits, invoices] = await Promise.all(
      (["Customer", "Job", "SiteVisit", "Invoice"] as const).map(async (nodeType) =>
        byId((await feedOf(ds, nodeType).snapshot()).records),
      ),
    );
    for (const c of firstAndLast(state.customers))
      expect(customers?.get(String(c.id))).toStrictEqual(expectedCustomer(c));
    for (const j of firstAndLast(state.jobs)) expect(jobs?.get(String(j.id))).toStrictEqual(expectedJob(j));
    for (const v of firstAndLast(state.siteVisits))
      expect(visits?.get(String(v.id))).toStrictEqual(expectedVisit(v));
    for (const i of firstAndLast(state.invoices))
      expect(invoices?.get(String(i.id))).toStrictEqual(expectedInvoice(i));
  });

  it("a second snapshot sees upstream changes although the cache holds the pages, and leaves fresh pages for reads", async () => {
    const cached = cachingLayer(60_000);
    try {
      const before = {
        customers: await feedOf(datasource(cached), "Customer").snapshot(),
        jobs: await feedOf(datasource(cached), "Job").snapshot(),
        invoices: await feedOf(datasource(cached), "Invoice").snapshot(),
      };
      const renamed = firstAndLast(state.customers)[1] as ArtisanCustomer;
      const removed = firstAndLast(state.jobs)[0] as ArtisanJob;
      expect(byId(before.customers.records).get(String(renamed.id))).toMatchObject({
        firstName: renamed.first_name,
      });
      expect(byId(before.jobs.records).has(String(removed.id))).toBe(true);
      // Reads of page 1 are answered by the cache the snapshots filled.
      sim.control.resetCounts();
      await datasource(cached).lists.customers({}).fetch(0, 100);
      expect(sim.control.count()).toBe(0);

      await api("PUT", `/customers/${renamed.id}`, { first_name: "Renée" });
      await api("DELETE", `/jobs/${removed.id}`);
      const created = (await api("POST", "/invoices", {
        customer_id: renamed.id,
        lines: [{ description: "Boiler service", quantity: 1, price_with_tax: 180 }],
      })) as { data: { id: number } };
      sim.control.resetCounts();

      const customers = await feedOf(datasource(cached), "Customer").snapshot();
      const jobs = await feedOf(datasource(cached), "Job").snapshot();
      const invoices = await feedOf(datasource(cached), "Invoice").snapshot();

      expect(byId(customers.records).get(String(renamed.id))).toStrictEqual(expectedCustomer(renamed));
      expect(byId(customers.records).get(String(renamed.id))).toMatchObject({
        firstName: "Renée",
        name: `Renée ${renamed.last_name}`,
      });
      expect(jobs.records).toHaveLength(before.jobs.records.length - 1);
      expect(byId(jobs.records).has(String(removed.id))).toBe(false);
      expect(invoices.records).toHaveLength(before.invoices.records.length + 1);
      const invoice = state.invoices.get(created.data.id);
      if (!invoice) throw new Error("the created invoice is not in the simulator");
      expect(invoices.records[0]).toStrictEqual(expectedInvoice(invoice));
      // Every page from the upstream; the profile from its own cache (not a list).
      const pages = (size: number) => Math.ceil(size / 100);
      expect([customers.requests, jobs.requests, invoices.requests]).toStrictEqual([
        pages(state.customers.size),
        pages(state.jobs.size),
        pages(state.invoices.size),
      ]);
      expect(sim.control.snapshot()).toStrictEqual({
        [ROUTE.customers]: pages(state.customers.size),
        [ROUTE.invoices]: pages(state.invoices.size),
        [ROUTE.jobs]: pages(state.jobs.size),
      });

      // Normal traffic then reads the snapshot's fresh page 1 from the cache: no request, new name.
      sim.control.resetCounts();
      const page = await datasource(cached).lists.customers({}).fetch(0, 100);
      expect(page.records.find((record) => record.sourceId === String(renamed.id))?.firstName).toBe("Renée");
      expect(sim.control.count()).toBe(0);
    } finally {
      await cached.close();
    }
  });

  it("invoices read the company profile through its cache: a request only when the cache is cold", async () => {
    const cached = cachingLayer(60_000);
    try {
      const pages = Math.ceil(state.invoices.size / 100);
      const first = await feedOf(datasource(cached), "Invoice").snapshot();
      const second = await feedOf(datasource(cached), "Invoice").snapshot();
      expect([first.requests, second.requests]).toStrictEqual([pages + 1, pages]);
      expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.company]: 1, [ROUTE.invoices]: 2 * pages });
      expect(first.records).toStrictEqual(second.records);
    } finally {
      await cached.close();
    }
  });

  it("a list that moves between its page requests is read again, so no record goes missing", async () => {
    // Deleting the newest customer once page 1 is in shifts pages 2 and 3 up by one: the record
    // that was first on page 2 would be skipped, and read as deleted by the poller.
    const newest = firstAndLast(state.customers)[1] as ArtisanCustomer;
    const stop = onAnswers(http, "/customers", (answer) => {
      if (answer === 1) state.customers.delete(newest.id);
    });
    try {
      const { records, requests } = await feedOf(datasource(), "Customer").snapshot();
      const pages = Math.ceil(state.customers.size / 100);
      expect(requests).toBe(2 * pages);
      expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.customers]: 2 * pages });
      expect(records.map((record) => record.sourceId)).toStrictEqual(
        [...state.customers.keys()].reverse().map(String),
      );
      expect(records).toStrictEqual(await everything(datasource().lists.customers({}), state.customers.size));
    } finally {
      stop();
      state.customers.set(newest.id, newest);
    }
  });

  it("a list that keeps moving fails the snapshot after two reads, rather than report records as deleted", async () => {
    const removed: ArtisanCustomer[] = [];
    const stop = onAnswers(http, "/customers", (answer) => {
      // Page 1 of each read (the other pages follow it): the newest customer goes.
      if (answer % 3 === 1) {
        const newest = firstAndLast(state.customers)[1] as ArtisanCustomer;
        state.customers.delete(newest.id);
        removed.unshift(newest);
      }
    });
    try {
      const error = await feedOf(datasource(), "Customer")
        .snapshot()
        .then(
          () => null,
          (reason: unknown) => reason,
        );
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).message).toBe(
        "artisan GET /customers changed while it was being read, 2 times in a row: no consistent snapshot of the list",
      );
      expect((error as UpstreamError).extensions).toMatchObject({
        code: "UPSTREAM_ERROR",
        source: "artisan",
      });
      expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.customers]: 6 });
    } finally {
      stop();
      for (const customer of removed) state.customers.set(customer.id, customer);
    }
  });

  it("an upstream failure fails the snapshot with the upstream's error", async () => {
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.siteVisits, times: 1 });
    const error = await feedOf(datasource(), "SiteVisit")
      .snapshot()
      .then(
        () => null,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toBe("artisan GET /site-visits failed: HTTP 503");
    expect((error as UpstreamError).extensions).toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      source: "artisan",
    });
    // Page 1 failed: no other page was asked for.
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.siteVisits]: 1 });
  });
});
