import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  CLEANITALL_DEMO_ACCOUNT,
  CLEANITALL_DEMO_KEY,
  type CleanItAllAccount,
  type CleanItAllAddress,
  type CleanItAllCustomer,
  type CleanItAllInvoice,
  type CleanItAllJob,
  type CleanItAllPayment,
  type CleanItAllSim,
  createCleanItAllSim,
} from "../../sim/cleanitall/index.js";
import type { FaultRule } from "../../sim/core/server.js";
import { CleanItAllClient } from "../../src/datasources/cleanitall/client.js";
import { CleanItAllDatasource } from "../../src/datasources/cleanitall/datasource.js";
import type { StreamFactories } from "../../src/datasources/datasource.js";
import { HttpLayer, type UpstreamTarget } from "../../src/datasources/http.js";
import type { SourceStream } from "../../src/datasources/paging.js";
import type {
  Address,
  InvoiceStatus,
  JobStatus,
  Money,
  NodeRef,
  UnifiedCustomer,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedPayment,
} from "../../src/datasources/unified.js";
import { UpstreamError } from "../../src/errors.js";

/**
 * The CleanItAll datasource against its simulator over real HTTP: every read maps the simulator's
 * live state exactly, DataLoaders batch and prime, streams page and filter exactly as the upstream
 * does, and transport failures surface as the gateway's UPSTREAM_* codes.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const BASE = "/api/v1";
const ROUTE = {
  customer: `GET ${BASE}/customers/:id`,
  customers: `GET ${BASE}/customers`,
  job: `GET ${BASE}/jobs/:id`,
  jobs: `GET ${BASE}/jobs`,
  invoice: `GET ${BASE}/invoices/:id`,
  invoices: `GET ${BASE}/invoices`,
  payments: `GET ${BASE}/payments`,
} as const;

let sim: CleanItAllSim;
let state: CleanItAllAccount;
let http: HttpLayer;
let target: UpstreamTarget;

beforeAll(async () => {
  sim = createCleanItAllSim({
    accounts: [CLEANITALL_DEMO_ACCOUNT],
    rateLimit: { limit: 1_000_000_000, windowMs: 3_600_000 },
    now: () => NOW,
  });
  await sim.listen(0);
  state = sim.account(CLEANITALL_DEMO_ACCOUNT.id);
  http = new HttpLayer({
    timeoutMs: 2_000,
    retries: 0,
    connections: 16,
    cache: { ttlMs: 0, maxEntries: 100 },
  });
  target = {
    source: "cleanitall",
    tenantId: "t1",
    baseUrl: sim.baseUrl,
    headers: { "x-api-key": CLEANITALL_DEMO_KEY },
    timeoutMs: 2_000,
  };
});

afterAll(async () => {
  await http.close();
  await sim.close();
});

beforeEach(() => sim.control.reset());

/** A datasource as one GraphQL request gets it: fresh DataLoaders and per-request memo. */
function fresh(options: { http?: HttpLayer; target?: Partial<UpstreamTarget> } = {}): CleanItAllDatasource {
  return new CleanItAllDatasource(
    new CleanItAllClient(options.http ?? http, { ...target, ...options.target }),
    "USD",
  );
}

const ref = (type: NodeRef["type"], sourceId: string, locator?: string): NodeRef => ({
  type,
  source: "cleanitall",
  sourceId,
  ...(locator ? { locator } : {}),
});

// ---- Expected unified records, written from the reference independently of the mappers ----

/** Simulator amounts have at most 2 decimals, so this is exact. */
const usd = (amount: number): Money => ({ cents: Math.round(amount * 100), currency: "USD" });

function address(value: CleanItAllAddress | null): Address | null {
  if (value === null) return null;
  return {
    line1: value.line1,
    line2: value.line2,
    city: value.city,
    region: value.state,
    postalCode: value.postal_code,
    country: value.country,
  };
}

function expectedCustomer(c: CleanItAllCustomer): UnifiedCustomer {
  return {
    __typename: "Customer",
    source: "cleanitall",
    sourceId: c.id,
    number: null,
    name: c.name,
    status: null,
    sourceStatus: null,
    billingAddress: null,
    taxId: null,
    customerType: null,
    firstName: null,
    lastName: null,
    email: c.email,
    phone: c.phone,
    mobile: null,
    address: address(c.address),
    notes: c.notes,
    smsReminders: null,
    walkIn: null,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

const JOB_STATUS: Record<CleanItAllJob["status"], JobStatus> = {
  pending: "SCHEDULED",
  in_progress: "IN_PROGRESS",
  completed: "COMPLETED",
  cancelled: "CANCELLED",
};

function expectedJob(j: CleanItAllJob): UnifiedJob {
  return {
    __typename: "Job",
    source: "cleanitall",
    sourceId: j.id,
    number: null,
    customerId: j.customer_id,
    crewId: null,
    locationId: null,
    title: j.title,
    description: j.description,
    status: JOB_STATUS[j.status],
    sourceStatus: j.status,
    serviceType: j.service_type,
    jobType: null,
    scheduledDate: j.scheduled_date,
    scheduledTime: j.scheduled_time,
    scheduledEndTime: null,
    durationMinutes: j.duration_minutes,
    assignee: j.assigned_to === null ? null : { sourceId: j.assigned_to, name: null },
    address: address(j.address),
    price: j.price === null ? null : usd(j.price),
    notes: j.notes,
    accessNotes: null,
    specialInstructions: null,
    estimateId: null,
    completedAt: j.completed_at,
    completionNotes: j.completion_notes,
    // A CleanItAll job is itself the one visit: its siteVisits list is empty.
    siteVisitCount: 0,
    createdAt: j.created_at,
    updatedAt: j.updated_at,
  };
}

function unifiedInvoiceStatus(i: CleanItAllInvoice): InvoiceStatus {
  switch (i.status) {
    case "draft":
      return "DRAFT";
    case "pending":
      return i.amount_paid > 0 ? "PARTIALLY_PAID" : "SENT";
    case "paid":
      return "PAID";
    case "overdue":
      return "OVERDUE";
    case "cancelled":
      return "VOID";
  }
}

function expectedInvoice(i: CleanItAllInvoice): UnifiedInvoice {
  const money = (amount: number): Money => ({ cents: Math.round(amount * 100), currency: i.currency });
  return {
    __typename: "Invoice",
    source: "cleanitall",
    sourceId: i.id,
    number: i.number,
    customerId: i.customer_id,
    jobId: i.job_id,
    status: unifiedInvoiceStatus(i),
    sourceStatus: i.status,
    lineItems: i.line_items.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: money(line.unit_price),
      discountPercent: 0,
      taxRate: null,
      amount: money(line.amount),
      productId: null,
    })),
    subtotal: money(i.subtotal),
    tax: money(i.tax),
    total: money(i.total),
    amountPaid: money(i.amount_paid),
    discount: null,
    taxInclusive: false,
    issueDate: i.issue_date,
    dueDate: i.due_date,
    sentAt: i.sent_at,
    paidAt: i.paid_at,
    notes: null,
    terms: null,
    hasPdf: false,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
  };
}

function expectedPayment(p: CleanItAllPayment): UnifiedPayment {
  return {
    __typename: "Payment",
    source: "cleanitall",
    sourceId: p.id,
    invoiceId: p.invoice_id,
    customerId: p.customer_id,
    amount: { cents: Math.round(p.amount * 100), currency: p.currency },
    method: p.method.toUpperCase() as UnifiedPayment["method"],
    sourceMethod: p.method,
    paidAt: p.paid_at,
    reference: p.reference,
    notes: p.notes,
    createdAt: p.created_at,
    updatedAt: null,
  };
}

// ---- Simulator state helpers ----

/** The reference's list order: `created_at` descending, then `id` descending. */
function upstreamOrder<T extends { id: string; created_at: string }>(records: Iterable<T>): T[] {
  return [...records].sort((a, b) =>
    a.created_at !== b.created_at ? (a.created_at < b.created_at ? 1 : -1) : a.id < b.id ? 1 : -1,
  );
}

const customers = () => upstreamOrder(state.customers.values());
const jobs = () => upstreamOrder(state.jobs.values());
const invoices = () => upstreamOrder(state.invoices.values());
const payments = () => upstreamOrder(state.payments.values());

/** One record per distinct shape (nulls, statuses...), so every mapping branch is loaded once. */
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

/** Pages a stream to its end in windows of `window`, counting the upstream requests on `route`. */
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

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

// ---- Tests ----

describe("load(): each record type maps the simulator's record exactly", () => {
  it("customers, including ones without address, email or phone", async () => {
    const sample = oneOfEach(
      customers(),
      (c) => `${c.address === null}|${c.email === null}|${c.phone === null}|${c.notes === null}`,
    );
    expect(sample.length).toBeGreaterThanOrEqual(8);
    const ds = fresh();
    const loaded = await Promise.all(sample.map((c) => ds.load(ref("Customer", c.id))));
    expect(loaded).toStrictEqual(sample.map(expectedCustomer));
    expect(sim.control.count(ROUTE.customer)).toBe(sample.length);
  });

  it("jobs of every status, with and without price, assignee, address and time", async () => {
    const sample = oneOfEach(
      jobs(),
      (j) =>
        `${j.status}|${j.price === null}|${j.assigned_to === null}|${j.address === null}|${j.scheduled_time === null}|${j.completed_at === null}`,
    );
    expect(new Set(sample.map((j) => j.status))).toStrictEqual(
      new Set(["pending", "in_progress", "completed", "cancelled"]),
    );
    const ds = fresh();
    const loaded = await Promise.all(sample.map((j) => ds.load(ref("Job", j.id))));
    expect(loaded).toStrictEqual(sample.map(expectedJob));
    expect(sim.control.count(ROUTE.job)).toBe(sample.length);
  });

  it("a job's price is in the account currency, in exact cents", async () => {
    const job = first(
      jobs().filter((j) => j.price !== null && Math.round(j.price * 100) % 100 !== 0),
      "job with a fractional price",
    );
    const loaded = (await fresh().load(ref("Job", job.id))) as UnifiedJob;
    expect(loaded.price).toStrictEqual({ cents: Math.round((job.price ?? 0) * 100), currency: "USD" });
  });

  it("job prices are in the account currency the datasource is configured with", async () => {
    const job = first(
      jobs().filter((j) => j.price !== null),
      "priced job",
    );
    const cad = new CleanItAllDatasource(new CleanItAllClient(http, target), "CAD");
    const loaded = (await cad.load(ref("Job", job.id))) as UnifiedJob;
    expect(loaded.price).toStrictEqual({ cents: Math.round((job.price ?? 0) * 100), currency: "CAD" });
  });

  it("an invoice and its payments keep their own currency, not the account's", async () => {
    const payment = first(payments(), "payment");
    const invoice = state.invoices.get(payment.invoice_id)!;
    const livePayment = state.payments.get(payment.id)!;
    try {
      invoice.currency = "EUR";
      livePayment.currency = "EUR";
      const ds = fresh();
      const [loadedInvoice, loadedPayment] = await Promise.all([
        ds.load(ref("Invoice", invoice.id)),
        ds.load(ref("Payment", payment.id, payment.invoice_id)),
      ]);
      expect(loadedInvoice).toStrictEqual(expectedInvoice(invoice));
      expect((loadedInvoice as UnifiedInvoice).total.currency).toBe("EUR");
      expect((loadedInvoice as UnifiedInvoice).lineItems?.every((l) => l.amount.currency === "EUR")).toBe(
        true,
      );
      expect(loadedPayment).toStrictEqual(expectedPayment(livePayment));
      expect((loadedPayment as UnifiedPayment).amount.currency).toBe("EUR");
    } finally {
      invoice.currency = "USD";
      livePayment.currency = "USD";
    }
  });

  it("invoices of every status, SENT vs PARTIALLY_PAID from amount_paid, with and without a job", async () => {
    const sample = oneOfEach(
      invoices(),
      (i) => `${i.status}|${i.amount_paid > 0 && i.amount_paid < i.total}|${i.job_id === null}`,
    );
    const ds = fresh();
    const loaded = (await Promise.all(sample.map((i) => ds.load(ref("Invoice", i.id))))) as UnifiedInvoice[];
    expect(loaded).toStrictEqual(sample.map(expectedInvoice));
    expect(new Set(loaded.map((i) => i.status))).toStrictEqual(
      new Set(["DRAFT", "SENT", "PARTIALLY_PAID", "PAID", "OVERDUE", "VOID"]),
    );
    expect(sim.control.count(ROUTE.invoice)).toBe(sample.length);
  });

  it("a partially paid pending invoice reads PARTIALLY_PAID with its exact paid amount", async () => {
    const invoice = first(
      invoices().filter((i) => i.status === "pending" && i.amount_paid > 0),
      "partially paid invoice",
    );
    const loaded = (await fresh().load(ref("Invoice", invoice.id))) as UnifiedInvoice;
    expect(loaded.status).toBe("PARTIALLY_PAID");
    expect(loaded.sourceStatus).toBe("pending");
    expect(loaded.amountPaid).toStrictEqual({
      cents: Math.round(invoice.amount_paid * 100),
      currency: "USD",
    });
    expect(loaded.total).toStrictEqual({ cents: Math.round(invoice.total * 100), currency: "USD" });
  });

  it("payments of every method, through their invoice (the locator)", async () => {
    const sample = oneOfEach(payments(), (p) => `${p.method}|${p.reference === null}|${p.notes === null}`);
    const ds = fresh();
    const loaded = await Promise.all(sample.map((p) => ds.load(ref("Payment", p.id, p.invoice_id))));
    expect(loaded).toStrictEqual(sample.map(expectedPayment));
    // One payment list request per distinct invoice.
    expect(sim.control.count(ROUTE.payments)).toBe(new Set(sample.map((p) => p.invoice_id)).size);
    expect(sim.control.requests.map((r) => r.query).sort()).toStrictEqual(
      [...new Set(sample.map((p) => p.invoice_id))]
        .map((id) => `?invoice_id=${id}&limit=100&offset=0`)
        .sort(),
    );
  });

  it("unknown ids read as null (404 upstream), one request each", async () => {
    const ds = fresh();
    const unknown = "abcdefghijklmnopqrstuvwx";
    expect(await ds.load(ref("Customer", `cus_${unknown}`))).toBeNull();
    expect(await ds.load(ref("Job", `job_${unknown}`))).toBeNull();
    expect(await ds.load(ref("Invoice", `inv_${unknown}`))).toBeNull();
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.customer]: 1, [ROUTE.invoice]: 1, [ROUTE.job]: 1 });
  });

  it("a payment that its invoice does not have, or without a locator, is null", async () => {
    const payment = first(payments(), "payment");
    const otherInvoice = first(
      invoices().filter((i) => i.id !== payment.invoice_id),
      "invoice",
    );
    const ds = fresh();
    expect(await ds.load(ref("Payment", payment.id, otherInvoice.id))).toBeNull();
    expect(await ds.load(ref("Payment", "pay_abcdefghijklmnopqrstuvwx", payment.invoice_id))).toBeNull();
    expect(sim.control.count(ROUTE.payments)).toBe(2);
    expect(await ds.load(ref("Payment", payment.id))).toBeNull();
    expect(sim.control.count()).toBe(2);
  });

  it("SiteVisit is not a CleanItAll type: null without a request", async () => {
    expect(await fresh().load(ref("SiteVisit", "job_abcdefghijklmnopqrstuvwx"))).toBeNull();
    expect(sim.control.count()).toBe(0);
  });
});

describe("DataLoader batching and priming", () => {
  it("three concurrent loads of one id make one upstream request", async () => {
    const job = first(jobs(), "job");
    const customer = first(customers(), "customer");
    const invoice = first(invoices(), "invoice");
    const payment = first(payments(), "payment");
    const ds = fresh();
    const loads = await Promise.all([
      ...[1, 2, 3].map(() => ds.load(ref("Job", job.id))),
      ...[1, 2, 3].map(() => ds.load(ref("Customer", customer.id))),
      ...[1, 2, 3].map(() => ds.load(ref("Invoice", invoice.id))),
      ...[1, 2, 3].map(() => ds.load(ref("Payment", payment.id, payment.invoice_id))),
    ]);
    expect(loads).toStrictEqual([
      ...[1, 2, 3].map(() => expectedJob(job)),
      ...[1, 2, 3].map(() => expectedCustomer(customer)),
      ...[1, 2, 3].map(() => expectedInvoice(invoice)),
      ...[1, 2, 3].map(() => expectedPayment(payment)),
    ]);
    expect(sim.control.snapshot()).toStrictEqual({
      [ROUTE.customer]: 1,
      [ROUTE.invoice]: 1,
      [ROUTE.job]: 1,
      [ROUTE.payments]: 1,
    });
    // Loaded once: later loads in the same request are free.
    await ds.load(ref("Job", job.id));
    expect(sim.control.count()).toBe(4);
  });

  it("payments of one invoice share one payment-list request", async () => {
    const byInvoice = new Map<string, CleanItAllPayment[]>();
    for (const p of payments()) byInvoice.set(p.invoice_id, [...(byInvoice.get(p.invoice_id) ?? []), p]);
    const several = first(
      [...byInvoice.values()].filter((list) => list.length >= 2),
      "invoice with several payments",
    );
    const ds = fresh();
    const loaded = await Promise.all(several.map((p) => ds.load(ref("Payment", p.id, p.invoice_id))));
    expect(loaded).toStrictEqual(several.map(expectedPayment));
    expect(sim.control.count(ROUTE.payments)).toBe(1);
  });

  it("records seen in a list result are never fetched again by id", async () => {
    const ds = fresh();
    const customerPage = await must(ds.lists.customers)({})?.fetch(0, 37);
    const jobPage = await must(ds.lists.jobs)({})?.fetch(0, 37);
    const invoicePage = await must(ds.lists.invoices)({})?.fetch(0, 37);
    const paymentPage = await must(ds.lists.payments)({})?.fetch(0, 37);
    expect(sim.control.count()).toBe(4);
    const refs = [
      ...(customerPage?.records ?? []).map((c) => ref("Customer", c.sourceId)),
      ...(jobPage?.records ?? []).map((j) => ref("Job", j.sourceId)),
      ...(invoicePage?.records ?? []).map((i) => ref("Invoice", i.sourceId)),
      ...(paymentPage?.records ?? []).map((p) => ref("Payment", p.sourceId, p.invoiceId)),
    ];
    expect(refs).toHaveLength(4 * 37);
    const loaded = await Promise.all(refs.map((r) => ds.load(r)));
    expect(loaded).toStrictEqual([
      ...customers().slice(0, 37).map(expectedCustomer),
      ...jobs().slice(0, 37).map(expectedJob),
      ...invoices().slice(0, 37).map(expectedInvoice),
      ...payments().slice(0, 37).map(expectedPayment),
    ]);
    expect(sim.control.count()).toBe(4);
  });

  // KNOWN BUG (src/datasources/rest.ts, reported): clearLoaders() clears the DataLoaders but not
  // RestClient's per-request memo of GET responses, so the reload is answered from the memo (0
  // requests, the old name). Flip to `it` once RestClient can forget its memo.
  it("clearLoaders() forgets loaded records: the next load reads the upstream's current state", async () => {
    const customer = first(customers(), "customer");
    const ds = fresh();
    expect(await ds.load(ref("Customer", customer.id))).toStrictEqual(expectedCustomer(customer));
    const live = state.customers.get(customer.id)!;
    const original = live.name;
    try {
      live.name = "Renamed Between Events";
      ds.clearLoaders();
      expect(await ds.load(ref("Customer", customer.id))).toStrictEqual(expectedCustomer(live));
      expect(sim.control.count(ROUTE.customer)).toBe(2);
    } finally {
      live.name = original;
    }
  });
});

describe("list streams", () => {
  it("customers: every record once, in upstream order, in windows of 37", async () => {
    const all = await drain(must(fresh().lists.customers)({}), ROUTE.customers);
    expect(all.total).toBe(state.customers.size);
    expect(all.records).toStrictEqual(customers().map(expectedCustomer));
    expect(all.requests).toBe(windows(state.customers.size));
  });

  it("customers: search is the upstream's case-insensitive match on name, email or phone", async () => {
    for (const search of ["OFFICE", "example.org", "555"]) {
      const needle = search.toLowerCase();
      const expected = customers().filter((c) =>
        [c.name, c.email, c.phone].some((v) => v?.toLowerCase().includes(needle)),
      );
      expect(expected.length).toBeGreaterThan(0);
      const all = await drain(must(fresh().lists.customers)({ search }), ROUTE.customers);
      expect(all.total).toBe(expected.length);
      expect(ids(all.records)).toStrictEqual(expected.map((c) => c.id));
      expect(sim.control.requests.every((r) => new URLSearchParams(r.query).get("search") === search)).toBe(
        true,
      );
    }
  });

  it("jobs: every record once, in upstream order, with windows wider than a page split into pages", async () => {
    const all = await drain(must(fresh().lists.jobs)({}), ROUTE.jobs);
    expect(all.total).toBe(state.jobs.size);
    expect(ids(all.records)).toStrictEqual(jobs().map((j) => j.id));
    expect(all.records.slice(0, 50)).toStrictEqual(jobs().slice(0, 50).map(expectedJob));
    expect(all.requests).toBe(windows(state.jobs.size));

    // A 250-record window is three upstream pages (100 + 100 + 50), sent at once.
    const ds = fresh();
    sim.control.resetCounts();
    const page = await must(ds.lists.jobs)({})!.fetch(10, 250);
    expect(ids(page.records)).toStrictEqual(
      jobs()
        .slice(10, 260)
        .map((j) => j.id),
    );
    expect(sim.control.requests.map((r) => r.query)).toStrictEqual(
      expect.arrayContaining(["?limit=100&offset=10", "?limit=100&offset=110", "?limit=50&offset=210"]),
    );
    expect(sim.control.count(ROUTE.jobs)).toBe(3);
  });

  it.each<[JobStatus, CleanItAllJob["status"]]>([
    ["SCHEDULED", "pending"],
    ["IN_PROGRESS", "in_progress"],
    ["COMPLETED", "completed"],
    ["CANCELLED", "cancelled"],
  ])("jobs: status %s is upstream status %s", async (status, upstream) => {
    const expected = jobs().filter((j) => j.status === upstream);
    expect(expected.length).toBeGreaterThan(0);
    const all = await drain(must(fresh().lists.jobs)({ status }), ROUTE.jobs);
    expect(all.total).toBe(expected.length);
    expect(ids(all.records)).toStrictEqual(expected.map((j) => j.id));
    expect(all.records.every((j) => j.status === status && j.sourceStatus === upstream)).toBe(true);
    expect(all.requests).toBe(windows(expected.length));
  });

  it("jobs: UNSCHEDULED can never match, so no stream and no request", () => {
    expect(must(fresh().lists.jobs)({ status: "UNSCHEDULED" })).toBeNull();
    expect(
      must(fresh().lists.jobs)({ status: "UNSCHEDULED", customerId: first(customers(), "c").id }),
    ).toBeNull();
    expect(sim.control.count()).toBe(0);
  });

  it("jobs: customerId, assigneeId and scheduledDate filters, alone and combined", async () => {
    const job = first(
      jobs().filter((j) => j.assigned_to !== null && j.status === "completed"),
      "assigned completed job",
    );
    const cases: Array<[Parameters<NonNullable<CleanItAllDatasource["lists"]["jobs"]>>[0], CleanItAllJob[]]> =
      [
        [{ customerId: job.customer_id }, jobs().filter((j) => j.customer_id === job.customer_id)],
        [{ assigneeId: job.assigned_to ?? "" }, jobs().filter((j) => j.assigned_to === job.assigned_to)],
        [
          { scheduledDate: job.scheduled_date },
          jobs().filter((j) => j.scheduled_date === job.scheduled_date),
        ],
        [
          { customerId: job.customer_id, status: "COMPLETED", assigneeId: job.assigned_to ?? "" },
          jobs().filter(
            (j) =>
              j.customer_id === job.customer_id &&
              j.status === "completed" &&
              j.assigned_to === job.assigned_to,
          ),
        ],
        [{ customerId: "cus_abcdefghijklmnopqrstuvwx" }, []],
      ];
    for (const [filter, expected] of cases) {
      const all = await drain(must(fresh().lists.jobs)(filter), ROUTE.jobs);
      expect(all.total).toBe(expected.length);
      expect(all.records).toStrictEqual(expected.map(expectedJob));
    }
  });

  it("invoices: every record once, in upstream order", async () => {
    const all = await drain(must(fresh().lists.invoices)({}), ROUTE.invoices);
    expect(all.total).toBe(state.invoices.size);
    expect(ids(all.records)).toStrictEqual(invoices().map((i) => i.id));
    expect(all.records.slice(0, 40)).toStrictEqual(invoices().slice(0, 40).map(expectedInvoice));
    expect(all.requests).toBe(windows(state.invoices.size));
  });

  it.each<[InvoiceStatus, CleanItAllInvoice["status"]]>([
    ["DRAFT", "draft"],
    ["PAID", "paid"],
    ["OVERDUE", "overdue"],
    ["VOID", "cancelled"],
  ])("invoices: status %s is upstream status %s, filtered upstream", async (status, upstream) => {
    const stream = must(fresh().lists.invoices)({ status });
    expect(stream?.accept).toBeUndefined();
    const expected = invoices().filter((i) => i.status === upstream);
    const all = await drain(stream, ROUTE.invoices);
    expect(all.total).toBe(expected.length);
    expect(ids(all.records)).toStrictEqual(expected.map((i) => i.id));
    expect(all.records.every((i) => i.status === status)).toBe(true);
  });

  it("invoices: SENT and PARTIALLY_PAID both ask for `pending` and split it with accept predicates", async () => {
    const pending = invoices().filter((i) => i.status === "pending");
    const partially = pending.filter((i) => i.amount_paid > 0);
    const sent = pending.filter((i) => i.amount_paid === 0);
    expect(partially.length).toBeGreaterThan(0);
    expect(sent.length).toBeGreaterThan(0);
    for (const [status, expected] of [
      ["SENT", sent],
      ["PARTIALLY_PAID", partially],
    ] as const) {
      const stream = must(fresh().lists.invoices)({ status });
      const accept = stream?.accept;
      if (!accept) throw new Error(`${status} needs a gateway-side predicate`);
      const all = await drain(stream, ROUTE.invoices);
      expect(all.total).toBe(pending.length);
      expect(ids(all.records)).toStrictEqual(pending.map((i) => i.id));
      expect(
        sim.control.requests.every((r) => new URLSearchParams(r.query).get("status") === "pending"),
      ).toBe(true);
      expect(all.records.filter(accept)).toStrictEqual(expected.map(expectedInvoice));
    }
  });

  it("invoices: VIEWED can never match; nor can a job of another customer", () => {
    const invoice = first(
      invoices().filter((i) => i.job_id !== null),
      "invoice with a job",
    );
    const other = first(
      customers().filter((c) => c.id !== invoice.customer_id),
      "other customer",
    );
    const list = must(fresh().lists.invoices);
    expect(list({ status: "VIEWED" })).toBeNull();
    expect(
      list({ customerId: other.id, jobId: { jobId: invoice.job_id ?? "", customerId: invoice.customer_id } }),
    ).toBeNull();
    expect(sim.control.count()).toBe(0);
  });

  it("invoices: customerId and issue-date range are upstream filters", async () => {
    const customer = first(
      customers().filter((c) => invoices().filter((i) => i.customer_id === c.id).length > 40),
      "customer with many invoices",
    );
    const from = "2025-06-01";
    const to = "2025-09-30";
    const cases: Array<
      [Parameters<NonNullable<CleanItAllDatasource["lists"]["invoices"]>>[0], CleanItAllInvoice[]]
    > = [
      [{ customerId: customer.id }, invoices().filter((i) => i.customer_id === customer.id)],
      [
        { issuedFrom: from, issuedTo: to },
        invoices().filter((i) => i.issue_date >= from && i.issue_date <= to),
      ],
      [{ issuedFrom: to }, invoices().filter((i) => i.issue_date >= to)],
      [{ issuedTo: from }, invoices().filter((i) => i.issue_date <= from)],
      [
        { customerId: customer.id, status: "PAID", issuedFrom: from },
        invoices().filter(
          (i) => i.customer_id === customer.id && i.status === "paid" && i.issue_date >= from,
        ),
      ],
    ];
    for (const [filter, expected] of cases) {
      expect(expected.length).toBeGreaterThan(0);
      const all = await drain(must(fresh().lists.invoices)(filter), ROUTE.invoices);
      expect(all.total).toBe(expected.length);
      expect(all.records).toStrictEqual(expected.map(expectedInvoice));
    }
  });

  it("invoices of a job: the job's customer's invoices, narrowed by an accept predicate", async () => {
    const invoice = first(
      invoices().filter(
        (i) => i.job_id !== null && invoices().filter((o) => o.customer_id === i.customer_id).length > 37,
      ),
      "job invoice of a customer with many invoices",
    );
    const jobId = invoice.job_id ?? "";
    const stream = must(fresh().lists.invoices)({ jobId: { jobId, customerId: invoice.customer_id } });
    const accept = stream?.accept;
    if (!accept) throw new Error("a job filter needs a gateway-side predicate");
    const ofCustomer = invoices().filter((i) => i.customer_id === invoice.customer_id);
    const all = await drain(stream, ROUTE.invoices);
    expect(all.total).toBe(ofCustomer.length);
    expect(ids(all.records)).toStrictEqual(ofCustomer.map((i) => i.id));
    expect(
      sim.control.requests.every(
        (r) => new URLSearchParams(r.query).get("customer_id") === invoice.customer_id,
      ),
    ).toBe(true);
    expect(all.records.filter(accept)).toStrictEqual(
      invoices()
        .filter((i) => i.job_id === jobId)
        .map(expectedInvoice),
    );

    // Combined with a status split: both predicates hold.
    const paidOfJob = must(fresh().lists.invoices)({
      status: "PAID",
      customerId: invoice.customer_id,
      jobId: { jobId, customerId: invoice.customer_id },
    });
    const paid = await drain(paidOfJob, ROUTE.invoices);
    expect(paid.records.filter(paidOfJob?.accept ?? (() => true))).toStrictEqual(
      invoices()
        .filter((i) => i.job_id === jobId && i.status === "paid")
        .map(expectedInvoice),
    );
  });

  it("payments: every record once, in upstream order", async () => {
    const all = await drain(must(fresh().lists.payments)({}), ROUTE.payments);
    expect(all.total).toBe(state.payments.size);
    expect(all.records).toStrictEqual(payments().map(expectedPayment));
    expect(all.requests).toBe(windows(state.payments.size));
  });

  it("payments: customerId and paid-date range (UTC date of paid_at) are upstream filters", async () => {
    const payment = first(payments(), "payment");
    const from = "2025-10-01";
    const to = "2025-12-31";
    const day = (p: CleanItAllPayment) => p.paid_at.slice(0, 10);
    const cases: Array<
      [Parameters<NonNullable<CleanItAllDatasource["lists"]["payments"]>>[0], CleanItAllPayment[]]
    > = [
      [{ customerId: payment.customer_id }, payments().filter((p) => p.customer_id === payment.customer_id)],
      [{ paidFrom: from, paidTo: to }, payments().filter((p) => day(p) >= from && day(p) <= to)],
      [
        { customerId: payment.customer_id, paidFrom: from },
        payments().filter((p) => p.customer_id === payment.customer_id && day(p) >= from),
      ],
    ];
    for (const [filter, expected] of cases) {
      expect(expected.length).toBeGreaterThan(0);
      const all = await drain(must(fresh().lists.payments)(filter), ROUTE.payments);
      expect(all.total).toBe(expected.length);
      expect(all.records).toStrictEqual(expected.map(expectedPayment));
    }
  });

  it("payments of an invoice: its customer's payments, narrowed by an accept predicate", async () => {
    const perCustomer = new Map<string, number>();
    for (const p of payments()) perCustomer.set(p.customer_id, (perCustomer.get(p.customer_id) ?? 0) + 1);
    const payment = first(
      payments().filter((p) => (perCustomer.get(p.customer_id) ?? 0) > 100),
      "payment of a customer with over 100 payments",
    );
    const filter = { invoiceId: { invoiceId: payment.invoice_id, customerId: payment.customer_id } };
    const stream = must(fresh().lists.payments)(filter);
    const accept = stream?.accept;
    if (!accept) throw new Error("an invoice filter needs a gateway-side predicate");
    const ofCustomer = payments().filter((p) => p.customer_id === payment.customer_id);
    const all = await drain(stream, ROUTE.payments, 100);
    expect(all.total).toBe(ofCustomer.length);
    expect(ids(all.records)).toStrictEqual(ofCustomer.map((p) => p.id));
    expect(all.requests).toBe(Math.ceil(ofCustomer.length / 100));
    expect(all.records.filter(accept)).toStrictEqual(
      payments()
        .filter((p) => p.invoice_id === payment.invoice_id)
        .map(expectedPayment),
    );
    // The invoice's customer must agree with a customer filter.
    const otherCustomer = first(
      customers().filter((c) => c.id !== payment.customer_id),
      "other customer",
    );
    expect(must(fresh().lists.payments)({ ...filter, customerId: otherCustomer.id })).toBeNull();
  });

  it("has no site visit list (a CleanItAll job is itself the visit)", () => {
    expect((fresh().lists as StreamFactories).siteVisits).toBeUndefined();
  });
});

describe("isValidId", () => {
  it("accepts the prefixed ids of each type and nothing else, without a request", () => {
    const ds = fresh();
    const suffix = "abcdefghijklmnopqrstuv12";
    expect(ds.isValidId("Customer", `cus_${suffix}`)).toBe(true);
    expect(ds.isValidId("Job", `job_${suffix}`)).toBe(true);
    expect(ds.isValidId("Invoice", `inv_${suffix}`)).toBe(true);
    expect(ds.isValidId("Payment", `pay_${suffix}`)).toBe(true);
    expect(ds.isValidId("Customer", `job_${suffix}`)).toBe(false);
    expect(ds.isValidId("Job", "42")).toBe(false);
    expect(ds.isValidId("Invoice", `inv_${suffix.toUpperCase()}`)).toBe(false);
    expect(ds.isValidId("SiteVisit", `job_${suffix}`)).toBe(false);
    expect(sim.control.count()).toBe(0);
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
    expect(error.extensions.source).toBe("cleanitall");
    expect(error.upstream).toBe("cleanitall");
    expect(sim.control.count(ROUTE.job)).toBe(1);
  });

  it("a 500 carries the upstream status; a 429 carries the upstream's Retry-After", async () => {
    sim.control.injectFault({ kind: "status", status: 500, route: ROUTE.job });
    const failed = await rejection(fresh().load(ref("Job", job().id)));
    expect(failed.extensions).toMatchObject({
      code: "UPSTREAM_ERROR",
      source: "cleanitall",
      upstreamStatus: 500,
    });
    sim.control.clearFaults();
    sim.control.injectFault({ kind: "rateLimit", route: ROUTE.invoices });
    const limited = await rejection(must(fresh().lists.invoices)({})!.fetch(0, 10));
    // The pinned clock is 12:30 UTC; the hourly window resets at 13:00.
    expect(limited.extensions).toMatchObject({
      code: "UPSTREAM_RATE_LIMITED",
      source: "cleanitall",
      upstreamStatus: 429,
      retryAfterSeconds: 1800,
    });
  });

  it("a reply slower than the target timeout is UPSTREAM_TIMEOUT", async () => {
    sim.control.injectFault({ kind: "slow", delayMs: 1_000, route: ROUTE.customers });
    const error = await rejection(
      must(fresh({ target: { timeoutMs: 200 } }).lists.customers)({})!.fetch(0, 10),
    );
    expect(error.extensions).toMatchObject({ code: "UPSTREAM_TIMEOUT", source: "cleanitall" });
    expect(sim.control.count(ROUTE.customers)).toBe(1);
  });

  it("a refused API key (401) is UPSTREAM_ERROR, on reads and lists", async () => {
    const ds = fresh({ target: { headers: { "x-api-key": `jt_live_${"x".repeat(32)}` } } });
    const byId = await rejection(ds.load(ref("Customer", first(customers(), "c").id)));
    expect(byId.extensions).toMatchObject({
      code: "UPSTREAM_ERROR",
      source: "cleanitall",
      upstreamStatus: 401,
    });
    const list = await rejection(must(ds.lists.jobs)({})!.fetch(0, 5));
    expect(list.extensions).toMatchObject({
      code: "UPSTREAM_ERROR",
      source: "cleanitall",
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

    it.each<[string, FaultRule]>([
      ["HTTP 500", { kind: "status", status: 500 }],
      ["HTTP 503", { kind: "status", status: 503 }],
      ["a dropped connection", { kind: "drop" }],
      ["a slow reply", { kind: "slow", delayMs: 1_000 }],
    ])("one %s is retried: the read succeeds after exactly 2 requests", async (_what, fault) => {
      const record = job();
      sim.control.injectFault({ ...fault, route: ROUTE.job, times: 1 });
      const ds = fresh({ http: retrying, target: { timeoutMs: 200 } });
      expect(await ds.load(ref("Job", record.id))).toStrictEqual(expectedJob(record));
      expect(sim.control.count(ROUTE.job)).toBe(2);
    });

    it("a list page is retried the same way", async () => {
      sim.control.injectFault({ kind: "status", status: 502, route: ROUTE.invoices, times: 1 });
      const page = await must(fresh({ http: retrying }).lists.invoices)({})!.fetch(0, 20);
      expect(page.records).toStrictEqual(invoices().slice(0, 20).map(expectedInvoice));
      expect(sim.control.count(ROUTE.invoices)).toBe(2);
    });

    // KNOWN BUG (src/datasources/http.ts, reported): CleanItAll sends X-RateLimit-Reset (the start of
    // the next UTC hour) on every response, errors included. The layer reads it as a retry delay for
    // 5xx answers too, so a real 500 is not retried (the "delay" exceeds maxRetryAfterMs) and reports
    // retryAfterSeconds of up to an hour. Flip to `it` once only 429s honour X-RateLimit-Reset.
    it("a real 500 (with the upstream's rate-limit headers) is retried like any 5xx", async () => {
      // Its own simulator, clocked half an hour ahead of the real clock the layer uses, so the
      // window reset is always well beyond the layer's patience (pinned: read once).
      const ahead = new Date(Date.now() + 30 * 60_000);
      const live = createCleanItAllSim({
        accounts: [{ ...CLEANITALL_DEMO_ACCOUNT, size: { customers: 2, jobs: 2, invoices: 2 } }],
        rateLimit: { limit: 1_000_000_000, windowMs: 3_600_000 },
        now: () => ahead,
      });
      await live.listen(0);
      const silence = vi.spyOn(console, "error").mockImplementation(() => undefined);
      try {
        // A record that makes every request of the account fail inside the API: a genuine 500.
        const poisoned = Object.defineProperty({}, "status", {
          get() {
            throw new Error("simulated upstream defect");
          },
        }) as CleanItAllInvoice;
        live.account().invoices.set("inv_poisoned", poisoned);
        const jobId = first([...live.account().jobs.keys()], "job");
        const ds = fresh({ http: retrying, target: { baseUrl: live.baseUrl } });
        const error = await rejection(ds.load(ref("Job", jobId)));
        expect(live.control.count(ROUTE.job)).toBe(3);
        expect(error.extensions).toStrictEqual({
          code: "UPSTREAM_ERROR",
          source: "cleanitall",
          upstreamStatus: 500,
        });
      } finally {
        silence.mockRestore();
        await live.close();
      }
    });

    it("a 429 whose Retry-After is beyond the layer's patience is not retried", async () => {
      sim.control.injectFault({ kind: "rateLimit", route: ROUTE.job, times: 1 });
      const error = await rejection(fresh({ http: retrying }).load(ref("Job", job().id)));
      expect(error.extensions.code).toBe("UPSTREAM_RATE_LIMITED");
      expect(sim.control.count(ROUTE.job)).toBe(1);
    });
  });
});
