import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CLEANESTIMATE_DEMO_ACCOUNT,
  CLEANESTIMATE_DEMO_KEY,
  CLEANESTIMATE_DEMO_TEST_KEY,
  type CleanEstimateDataSet,
  type CleanEstimateEstimate,
  type CleanEstimateInvoice,
  type CleanEstimateJob,
  type CleanEstimateLead,
  type CleanEstimateSim,
  createCleanEstimateSim,
  estimateView,
  invoiceView,
  type CleanEstimateClient as SimClient,
} from "../../sim/cleanestimate/index.js";
import type { FaultRule } from "../../sim/core/server.js";
import { CleanEstimateClient } from "../../src/datasources/cleanestimate/client.js";
import { CleanEstimateDatasource } from "../../src/datasources/cleanestimate/datasource.js";
import type { StreamFactories } from "../../src/datasources/datasource.js";
import { HttpLayer, type UpstreamTarget } from "../../src/datasources/http.js";
import {
  type CursorPosition,
  type CursorStream,
  decodeCursor,
  encodeCursor,
  type ListStream,
  type Page,
  paginate,
} from "../../src/datasources/paging.js";
import type {
  Address,
  EstimateStatus,
  InvoiceStatus,
  JobStatus,
  LeadStatus,
  Money,
  NodeRef,
  UnifiedCustomer,
  UnifiedEstimate,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedLead,
} from "../../src/datasources/unified.js";
import { BadInputError, UpstreamError } from "../../src/errors.js";

/**
 * The CleanEstimate Pro datasource against its simulator over real HTTP: by-id reads map the
 * simulator's live state exactly (read-time estimate expiry and invoice overdue included), DataLoaders
 * de-duplicate and are primed by lists, cursor streams walk every list exactly once whatever the
 * window and wherever they resume, gateway-side filters match the state exactly, and failures
 * surface as the gateway's UPSTREAM_* codes.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const TODAY = "2026-03-01";
const BASE = "/api/v1";
const ROUTE = {
  lead: `GET ${BASE}/leads/:id`,
  leads: `GET ${BASE}/leads`,
  client: `GET ${BASE}/clients/:id`,
  clients: `GET ${BASE}/clients`,
  estimate: `GET ${BASE}/estimates/:id`,
  estimates: `GET ${BASE}/estimates`,
  job: `GET ${BASE}/jobs/:id`,
  jobs: `GET ${BASE}/jobs`,
  invoice: `GET ${BASE}/invoices/:id`,
  invoices: `GET ${BASE}/invoices`,
} as const;
const NEWEST_FIRST = "sort=created_at&order=desc";
const UNKNOWN_UUID = "0f0e0d0c-0b0a-4908-8706-050403020100";

let sim: CleanEstimateSim;
let live: CleanEstimateDataSet;
let http: HttpLayer;
let target: UpstreamTarget;

beforeAll(async () => {
  sim = createCleanEstimateSim({
    accounts: [CLEANESTIMATE_DEMO_ACCOUNT],
    // Per UTC minute as in the reference, but never reached.
    rateLimit: { limit: 1_000_000_000, windowMs: 60_000 },
    now: () => NOW,
  });
  await sim.listen(0);
  live = sim.account(CLEANESTIMATE_DEMO_ACCOUNT.id).live;
  http = new HttpLayer({
    timeoutMs: 2_000,
    retries: 0,
    connections: 4,
    cache: { ttlMs: 0, maxEntries: 100 },
  });
  target = {
    source: "cleanestimate",
    tenantId: "t1",
    baseUrl: sim.baseUrl,
    headers: { authorization: `Bearer ${CLEANESTIMATE_DEMO_KEY}` },
    timeoutMs: 2_000,
  };
});

afterAll(async () => {
  await http.close();
  await sim.close();
});

beforeEach(() => sim.control.reset());

/** A datasource as one GraphQL request gets it: fresh DataLoaders and per-request memo. */
function fresh(
  options: { http?: HttpLayer; target?: Partial<UpstreamTarget> } = {},
): CleanEstimateDatasource {
  return new CleanEstimateDatasource(
    new CleanEstimateClient(options.http ?? http, { ...target, ...options.target }),
  );
}

const ref = (type: NodeRef["type"], sourceId: string): NodeRef => ({
  type,
  source: "cleanestimate",
  sourceId,
});

// ---- Expected unified records, written from the reference independently of the mappers ----

/** Simulator amounts have at most 2 decimals, so this is exact. */
const usd = (amount: number): Money => ({ cents: Math.round(amount * 100), currency: "USD" });

function address(
  line1: string | null,
  line2: string | null,
  city: string | null,
  state: string | null,
  zip: string | null,
): Address | null {
  if (line1 === null && line2 === null && city === null && state === null && zip === null) return null;
  return { line1, line2, city, region: state, postalCode: zip, country: null };
}

function expectedCustomer(c: SimClient): UnifiedCustomer {
  return {
    __typename: "Customer",
    source: "cleanestimate",
    sourceId: c.id,
    number: null,
    name: c.name,
    status: c.status === "active" ? "ACTIVE" : "INACTIVE",
    sourceStatus: c.status,
    firstName: null,
    lastName: null,
    email: c.email,
    phone: c.phone,
    mobile: null,
    address: address(c.address_line1, c.address_line2, c.city, c.state, c.zip),
    billingAddress: null,
    taxId: null,
    customerType: null,
    notes: c.notes,
    smsReminders: null,
    walkIn: null,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

function expectedLead(l: CleanEstimateLead): UnifiedLead {
  return {
    __typename: "Lead",
    source: "cleanestimate",
    sourceId: l.id,
    name: l.customer_name,
    email: l.customer_email,
    phone: l.customer_phone,
    address: address(l.service_address, null, l.city, l.state, l.zip),
    status: l.status.toUpperCase() as LeadStatus,
    sourceStatus: l.status,
    serviceInterests: l.service_interest,
    notes: l.notes,
    channel: l.source,
    customerId: null,
    createdAt: l.created_at,
    updatedAt: l.updated_at,
  };
}

/** §7.3: a `sent` estimate whose `expires_at` ≤ now reads as `expired`; drafts never expire. */
const wireEstimateStatus = (e: CleanEstimateEstimate): CleanEstimateEstimate["status"] =>
  e.status === "sent" && Date.parse(e.expires_at) <= NOW.getTime() ? "expired" : e.status;

function expectedEstimate(e: CleanEstimateEstimate): UnifiedEstimate {
  const status = wireEstimateStatus(e);
  return {
    __typename: "Estimate",
    source: "cleanestimate",
    sourceId: e.id,
    status: status.toUpperCase() as EstimateStatus,
    sourceStatus: status,
    customerId: e.client_id,
    leadId: e.lead_id,
    customerName: e.customer_name,
    email: e.customer_email,
    phone: e.customer_phone,
    address: address(e.address_line1, e.address_line2, e.city, e.state, e.zip),
    propertyType: e.property_type,
    dirtinessLevel: e.dirtiness_level,
    services: e.services.map((s) => ({
      slug: s.service_slug,
      enabled: s.enabled,
      squareFeet: s.sqft,
      stories: s.stories,
      amount: usd(s.amount),
    })),
    addons: e.addons.map((a) => ({
      slug: a.addon_slug,
      quantity: a.quantity,
      unitPrice: usd(a.unit_price),
      amount: usd(a.amount),
    })),
    customItems: e.custom_items.map((i) => ({
      name: i.name,
      quantity: i.quantity,
      unitPrice: usd(i.unit_price),
      amount: usd(i.amount),
    })),
    total: usd(e.total),
    salesRepId: e.assigned_rep_id,
    channel: e.source,
    expiresAt: e.expires_at,
    acceptedAt: e.accepted_at,
    createdAt: e.created_at,
    updatedAt: e.updated_at,
  };
}

const JOB_STATUS: Record<CleanEstimateJob["status"], JobStatus> = {
  scheduled: "SCHEDULED",
  in_progress: "IN_PROGRESS",
  completed: "COMPLETED",
  cancelled: "CANCELLED",
};

function expectedJob(j: CleanEstimateJob): UnifiedJob {
  return {
    __typename: "Job",
    source: "cleanestimate",
    sourceId: j.id,
    number: null,
    crewId: null,
    locationId: null,
    customerId: j.client_id,
    title: `${j.service_type} - ${j.customer_name}`,
    description: null,
    status: JOB_STATUS[j.status],
    sourceStatus: j.status,
    serviceType: j.service_type,
    jobType: null,
    scheduledDate: j.scheduled_date,
    // `HH:MM:SS` on the wire, `HH:MM` unified.
    scheduledTime: j.scheduled_time_start === null ? null : j.scheduled_time_start.slice(0, 5),
    scheduledEndTime: j.scheduled_time_end === null ? null : j.scheduled_time_end.slice(0, 5),
    durationMinutes: null,
    assignee: null,
    address: address(j.service_address, null, j.service_city, j.service_state, j.service_zip),
    price: j.price === null ? null : usd(j.price),
    notes: j.notes,
    accessNotes: j.access_notes,
    specialInstructions: j.special_instructions,
    estimateId: j.estimate_id,
    completedAt: j.completed_at,
    completionNotes: null,
    siteVisitCount: 0,
    createdAt: j.created_at,
    updatedAt: j.updated_at,
  };
}

const cents = (amount: number) => Math.round(amount * 100);

/** A `sent` invoice past its due date (UTC) and not fully paid reads as `overdue`. */
const wireInvoiceStatus = (i: CleanEstimateInvoice): CleanEstimateInvoice["status"] =>
  i.status === "sent" && i.due_date < TODAY && cents(i.amount_paid) < cents(i.total) ? "overdue" : i.status;

function expectedInvoiceStatus(i: CleanEstimateInvoice): InvoiceStatus {
  switch (wireInvoiceStatus(i)) {
    case "draft":
      return "DRAFT";
    case "sent":
      return i.amount_paid > 0 ? "PARTIALLY_PAID" : "SENT";
    case "paid":
      return "PAID";
    case "overdue":
      return "OVERDUE";
    case "void":
      return "VOID";
  }
}

function expectedInvoice(i: CleanEstimateInvoice): UnifiedInvoice {
  return {
    __typename: "Invoice",
    source: "cleanestimate",
    sourceId: i.id,
    number: i.invoice_number,
    customerId: i.client_id,
    jobId: i.job_id,
    status: expectedInvoiceStatus(i),
    sourceStatus: wireInvoiceStatus(i),
    lineItems: i.line_items.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: usd(line.unit_price),
      discountPercent: 0,
      taxRate: null,
      amount: usd(line.amount),
      productId: null,
    })),
    subtotal: usd(i.subtotal),
    tax: usd(i.tax),
    total: usd(i.total),
    amountPaid: usd(i.amount_paid),
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

// ---- Simulator state helpers ----

/** The reference's default list order: `created_at` descending, ties by `id` descending (§6). */
function upstreamOrder<T extends { id: string; created_at: string }>(records: Iterable<T>): T[] {
  return [...records].sort((a, b) =>
    a.created_at !== b.created_at ? (a.created_at < b.created_at ? 1 : -1) : a.id < b.id ? 1 : -1,
  );
}

const leads = () => upstreamOrder(live.leads.values());
const clients = () => upstreamOrder(live.clients.values());
const estimates = () => upstreamOrder(live.estimates.values());
const jobs = () => upstreamOrder(live.jobs.values());
const invoices = () => upstreamOrder(live.invoices.values());

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

function must<F>(value: F | null | undefined, what = "stream"): F {
  if (value === null || value === undefined) throw new Error(`expected a ${what}`);
  return value;
}

/** Narrows a list stream to the cursor kind every CleanEstimate list must be. */
function cursorStream<T>(stream: ListStream<T> | null): CursorStream<T> {
  const found = must(stream);
  if (found.kind !== "cursor") throw new Error("expected a cursor stream");
  return found;
}

const ids = (records: Array<{ sourceId: string }>) => records.map((record) => record.sourceId);

/** Query strings of the requests on one route, in order. */
const queries = (route: string) =>
  sim.control.requests.filter((request) => request.routeKey === route).map((request) => request.query);

/** A query as the client must send it: the reference's documented order of parameters. */
const query = (limit: number, extra: { status?: string; cursor?: string | null } = {}) =>
  `?limit=${limit}&${NEWEST_FIRST}${extra.status ? `&status=${extra.status}` : ""}${
    extra.cursor ? `&cursor=${extra.cursor}` : ""
  }`;

interface RawPage {
  data: Array<{ id: string }>;
  has_more: boolean;
  next_cursor: string | null;
}

/**
 * The upstream's own `next_cursor` chain for a list walked `limit` at a time, read with plain
 * `fetch` (not the client under test). Resets the simulator's counters afterwards.
 */
async function cursorChain(path: string, limit: number, status?: string): Promise<string[]> {
  const chain: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const response = await fetch(`${sim.baseUrl}${path}${query(limit, { status, cursor })}`, {
      headers: { authorization: `Bearer ${CLEANESTIMATE_DEMO_KEY}` },
    });
    expect(response.status).toBe(200);
    const page = (await response.json()) as RawPage;
    if (!page.has_more) break;
    expect(page.next_cursor).toEqual(expect.any(String));
    cursor = page.next_cursor;
    chain.push(cursor ?? "");
  }
  sim.control.resetCounts();
  return chain;
}

interface Walked<T> {
  records: T[];
  /** The position handed out after each record. */
  positions: CursorPosition[];
  queries: string[];
}

/** Walks a stream through `fetchFrom` to its end, `limit` at a time, from the start. */
async function walk<T>(stream: ListStream<T> | null, route: string, limit: number): Promise<Walked<T>> {
  const cursor = cursorStream(stream);
  sim.control.resetCounts();
  const records: T[] = [];
  const positions: CursorPosition[] = [];
  let from: CursorPosition = { c: null, s: 0 };
  for (let pages = 1; ; pages++) {
    const page = await cursor.fetchFrom(from, limit);
    expect(page.after).toHaveLength(page.records.length);
    records.push(...page.records);
    positions.push(...page.after);
    if (page.done) break;
    // Not the end: a whole window came back, and the next one starts at the upstream's next page.
    expect(page.records).toHaveLength(limit);
    from = must(page.after.at(-1), "position");
    expect(from.s).toBe(0);
    expect(pages).toBeLessThan(200);
  }
  return { records, positions, queries: queries(route) };
}

/** The merge order of the gateway's lists: newest first, then by id. */
const newestFirst = (
  a: { createdAt: string; sourceId: string },
  b: { createdAt: string; sourceId: string },
) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.sourceId < b.sourceId ? 1 : -1);

function pageOf<T extends { createdAt: string; sourceId: string }>(
  stream: ListStream<T> | null,
  first: number,
  after: string | null,
): Promise<Page<T>> {
  return paginate([must(stream)], { first, after, compare: newestFirst, cursorSources: ["cleanestimate"] });
}

/** Pages a list through the paging engine to its end; every page reports `totalCount: null`. */
async function pageAll<T extends { createdAt: string; sourceId: string }>(
  open: () => ListStream<T> | null,
  first: number,
): Promise<{ nodes: T[]; pages: Array<Page<T>> }> {
  const nodes: T[] = [];
  const pages: Array<Page<T>> = [];
  let after: string | null = null;
  for (;;) {
    const page: Page<T> = await pageOf(open(), first, after);
    pages.push(page);
    expect(page.errors).toStrictEqual([]);
    expect(page.totalCount).toBeNull();
    expect(page.hasPreviousPage).toBe(after !== null);
    nodes.push(...page.edges.map((edge) => edge.node));
    // Only a last page may be empty (see the report on paging.ts: a filtered list may say
    // hasNextPage after its last match, and then answer an empty page).
    if (page.edges.length === 0) expect(page.hasNextPage).toBe(false);
    if (!page.hasNextPage) break;
    after = must(page.edges.at(-1), "edge").cursor;
    expect(pages.length).toBeLessThan(200);
  }
  return { nodes, pages };
}

const positionOf = (cursor: string | undefined) =>
  decodeCursor(must(cursor, "cursor"), ["cleanestimate"]).cleanestimate;

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

// ---- Tests ----

describe("the simulator's state at the pinned clock (what the expectations rest on)", () => {
  it("the read-time rules agree with the simulator's own views", () => {
    for (const e of live.estimates.values()) expect(wireEstimateStatus(e)).toBe(estimateView(e, NOW).status);
    for (const i of live.invoices.values()) expect(wireInvoiceStatus(i)).toBe(invoiceView(i, NOW).status);
    // Expiry moves sent estimates at this clock (invoices are seeded overdue already).
    expect(estimates().filter((e) => e.status === "sent" && wireEstimateStatus(e) === "expired").length).toBe(
      125,
    );
  });
});

describe("load(): each record type maps the simulator's record exactly", () => {
  it("customers (clients), active and inactive, with and without contact details and address", async () => {
    const sample = oneOfEach(
      clients(),
      (c) =>
        `${c.status}|${c.email === null}|${c.phone === null}|${c.address_line1 === null}|${c.address_line2 === null}|${c.notes === null}`,
    );
    expect(new Set(sample.map((c) => c.status))).toStrictEqual(new Set(["active", "inactive"]));
    const ds = fresh();
    const loaded = await Promise.all(sample.map((c) => ds.load(ref("Customer", c.id))));
    expect(loaded).toStrictEqual(sample.map(expectedCustomer));
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.client]: sample.length });
  });

  it("a client with an address reads it as the unified address", async () => {
    const client = first(
      clients().filter((c) => c.address_line1 !== null && c.city !== null),
      "client with an address",
    );
    const loaded = (await fresh().load(ref("Customer", client.id))) as UnifiedCustomer;
    expect(loaded.address).toStrictEqual({
      line1: client.address_line1,
      line2: client.address_line2,
      city: client.city,
      region: client.state,
      postalCode: client.zip,
      country: null,
    });
  });

  it("leads of every status, with and without interests, email, phone, address and notes", async () => {
    const sample = oneOfEach(
      leads(),
      (l) =>
        `${l.status}|${l.service_interest.length > 0}|${l.customer_email === null}|${l.customer_phone === null}|${l.service_address === null}|${l.notes === null}`,
    );
    expect(new Set(sample.map((l) => l.status))).toStrictEqual(
      new Set(["new", "contacted", "quoted", "won", "lost"]),
    );
    const ds = fresh();
    const loaded = await Promise.all(sample.map((l) => ds.load(ref("Lead", l.id))));
    expect(loaded).toStrictEqual(sample.map(expectedLead));
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.lead]: sample.length });
  });

  it("estimates of every read status, with services, addons and custom items priced in USD cents", async () => {
    const sample = oneOfEach(
      estimates(),
      (e) =>
        `${wireEstimateStatus(e)}|${e.client_id === null}|${e.lead_id === null}|${e.addons.length > 0}|${e.custom_items.length > 0}|${e.property_type}|${e.dirtiness_level}|${e.accepted_at === null}`,
    );
    expect(new Set(sample.map(wireEstimateStatus))).toStrictEqual(
      new Set(["draft", "sent", "accepted", "declined", "expired"]),
    );
    const ds = fresh();
    const loaded = (await Promise.all(
      sample.map((e) => ds.load(ref("Estimate", e.id))),
    )) as UnifiedEstimate[];
    expect(loaded).toStrictEqual(sample.map(expectedEstimate));
    expect(new Set(loaded.map((e) => e.status))).toStrictEqual(
      new Set(["DRAFT", "SENT", "ACCEPTED", "DECLINED", "EXPIRED"]),
    );
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.estimate]: sample.length });
  });

  it("an estimate's total is the exact sum of its lines, in cents", async () => {
    const estimate = first(
      estimates().filter(
        (e) => e.addons.length > 0 && e.custom_items.length > 0 && cents(e.total) % 100 !== 0,
      ),
      "estimate with addons, custom items and a fractional total",
    );
    const loaded = (await fresh().load(ref("Estimate", estimate.id))) as UnifiedEstimate;
    const lines = [...loaded.services, ...loaded.addons, ...loaded.customItems];
    expect(lines.reduce((sum, line) => sum + line.amount.cents, 0)).toBe(loaded.total.cents);
    expect(loaded.total).toStrictEqual({ cents: cents(estimate.total), currency: "USD" });
  });

  it("a sent estimate past expires_at reads EXPIRED, with its stored expiry, and without a write", async () => {
    const estimate = first(
      estimates().filter((e) => e.status === "sent" && Date.parse(e.expires_at) <= NOW.getTime()),
      "expired sent estimate",
    );
    const loaded = (await fresh().load(ref("Estimate", estimate.id))) as UnifiedEstimate;
    expect(loaded.status).toBe("EXPIRED");
    expect(loaded.sourceStatus).toBe("expired");
    expect(loaded.expiresAt).toBe(estimate.expires_at);
    expect(loaded.updatedAt).toBe(estimate.updated_at);
    expect(live.estimates.get(estimate.id)?.status).toBe("sent");
  });

  it("jobs of every status: title, HH:MM times, estimate link, price, access notes", async () => {
    const sample = oneOfEach(
      jobs(),
      (j) =>
        `${j.status}|${j.scheduled_time_start === null}|${j.estimate_id === null}|${j.price === null}|${j.access_notes === null}|${j.service_address === null}|${j.completed_at === null}`,
    );
    expect(new Set(sample.map((j) => j.status))).toStrictEqual(
      new Set(["scheduled", "in_progress", "completed", "cancelled"]),
    );
    const ds = fresh();
    const loaded = await Promise.all(sample.map((j) => ds.load(ref("Job", j.id))));
    expect(loaded).toStrictEqual(sample.map(expectedJob));
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.job]: sample.length });
  });

  it("a job's literal fields: `service_type - customer_name`, `09:00`, estimate id and notes", async () => {
    const job = first(
      jobs().filter(
        (j) =>
          j.scheduled_time_start !== null &&
          j.estimate_id !== null &&
          j.access_notes !== null &&
          j.special_instructions !== null &&
          j.price !== null,
      ),
      "job with times, estimate, notes and price",
    );
    const loaded = (await fresh().load(ref("Job", job.id))) as UnifiedJob;
    expect(loaded.title).toBe(`${job.service_type} - ${job.customer_name}`);
    expect(loaded.scheduledTime).toMatch(/^\d{2}:\d{2}$/);
    expect(`${loaded.scheduledTime}:00`).toBe(job.scheduled_time_start);
    expect(`${loaded.scheduledEndTime}:00`).toBe(job.scheduled_time_end);
    expect(loaded.estimateId).toBe(job.estimate_id);
    expect(loaded.accessNotes).toBe(job.access_notes);
    expect(loaded.specialInstructions).toBe(job.special_instructions);
    expect(loaded.price).toStrictEqual({ cents: cents(job.price ?? 0), currency: "USD" });
  });

  it("invoices of every read status, SENT vs PARTIALLY_PAID, partly paid overdue stays OVERDUE", async () => {
    const sample = oneOfEach(
      invoices(),
      (i) =>
        `${wireInvoiceStatus(i)}|${i.amount_paid > 0 && i.amount_paid < i.total}|${i.job_id === null}|${i.sent_at === null}`,
    );
    const ds = fresh();
    const loaded = (await Promise.all(sample.map((i) => ds.load(ref("Invoice", i.id))))) as UnifiedInvoice[];
    expect(loaded).toStrictEqual(sample.map(expectedInvoice));
    expect(new Set(loaded.map((i) => `${i.status}|${i.sourceStatus}`))).toStrictEqual(
      new Set([
        "DRAFT|draft",
        "SENT|sent",
        "PARTIALLY_PAID|sent",
        "PAID|paid",
        "OVERDUE|overdue",
        "VOID|void",
      ]),
    );
    const partlyPaidOverdue = loaded.filter(
      (i) =>
        i.sourceStatus === "overdue" &&
        (i.amountPaid?.cents ?? 0) > 0 &&
        (i.amountPaid?.cents ?? 0) < i.total.cents,
    );
    expect(partlyPaidOverdue.length).toBeGreaterThan(0);
    expect(partlyPaidOverdue.every((i) => i.status === "OVERDUE")).toBe(true);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.invoice]: sample.length });
  });

  it("a sent invoice with part paid reads PARTIALLY_PAID with its exact amounts", async () => {
    const invoice = first(
      invoices().filter(
        (i) => wireInvoiceStatus(i) === "sent" && i.amount_paid > 0 && i.amount_paid < i.total,
      ),
      "partly paid sent invoice",
    );
    const loaded = (await fresh().load(ref("Invoice", invoice.id))) as UnifiedInvoice;
    expect(loaded.status).toBe("PARTIALLY_PAID");
    expect(loaded.sourceStatus).toBe("sent");
    expect(loaded.amountPaid).toStrictEqual({ cents: cents(invoice.amount_paid), currency: "USD" });
    expect(loaded.total).toStrictEqual({ cents: cents(invoice.total), currency: "USD" });
    expect(loaded.total.cents).toBe(cents(invoice.subtotal) + cents(invoice.tax));
  });

  it("a sent invoice whose due date passed reads OVERDUE, by id and in the OVERDUE list", async () => {
    const invoice = first(
      invoices().filter((i) => wireInvoiceStatus(i) === "sent" && i.amount_paid > 0),
      "partly paid sent invoice",
    );
    const dueDate = invoice.due_date;
    try {
      invoice.due_date = "2026-02-28";
      expect(wireInvoiceStatus(invoice)).toBe("overdue");
      const loaded = (await fresh().load(ref("Invoice", invoice.id))) as UnifiedInvoice;
      expect(loaded).toStrictEqual(expectedInvoice(invoice));
      expect(loaded.status).toBe("OVERDUE");
      expect(loaded.sourceStatus).toBe("overdue");
      const overdue = await walk(
        cursorStream(must(fresh().lists.invoices)({ status: "OVERDUE" })),
        ROUTE.invoices,
        100,
      );
      expect(ids(overdue.records)).toContain(invoice.id);
      const partly = await walk(
        cursorStream(must(fresh().lists.invoices)({ status: "PARTIALLY_PAID" })),
        ROUTE.invoices,
        100,
      );
      expect(ids(partly.records)).not.toContain(invoice.id);
      // Due today is not overdue yet.
      invoice.due_date = TODAY;
      expect(((await fresh().load(ref("Invoice", invoice.id))) as UnifiedInvoice).status).toBe(
        "PARTIALLY_PAID",
      );
    } finally {
      invoice.due_date = dueDate;
    }
  });

  it("an invoice paid in the app after a load reads PAID once reloaded in a new request", async () => {
    const invoice = first(
      invoices().filter((i) => wireInvoiceStatus(i) === "sent" && i.amount_paid === 0),
      "unpaid sent invoice",
    );
    const before = { ...invoice };
    try {
      expect(((await fresh().load(ref("Invoice", invoice.id))) as UnifiedInvoice).status).toBe("SENT");
      sim.recordInvoicePayment(CLEANESTIMATE_DEMO_ACCOUNT.id, invoice.id, 1);
      expect(((await fresh().load(ref("Invoice", invoice.id))) as UnifiedInvoice).status).toBe(
        "PARTIALLY_PAID",
      );
      sim.recordInvoicePayment(CLEANESTIMATE_DEMO_ACCOUNT.id, invoice.id);
      const paid = (await fresh().load(ref("Invoice", invoice.id))) as UnifiedInvoice;
      expect(paid).toStrictEqual(expectedInvoice(must(live.invoices.get(invoice.id), "invoice")));
      expect(paid.status).toBe("PAID");
      expect(paid.paidAt).toBe(NOW.toISOString());
    } finally {
      live.invoices.set(invoice.id, before);
    }
  });

  it("unknown UUIDs read as null (404 upstream), one request each", async () => {
    const ds = fresh();
    for (const type of ["Customer", "Lead", "Estimate", "Job", "Invoice"] as const) {
      expect(await ds.load(ref(type, UNKNOWN_UUID))).toBeNull();
    }
    expect(sim.control.snapshot()).toStrictEqual({
      [ROUTE.client]: 1,
      [ROUTE.estimate]: 1,
      [ROUTE.invoice]: 1,
      [ROUTE.job]: 1,
      [ROUTE.lead]: 1,
    });
    expect(sim.control.requests.map((r) => r.path)).toStrictEqual([
      `${BASE}/clients/${UNKNOWN_UUID}`,
      `${BASE}/leads/${UNKNOWN_UUID}`,
      `${BASE}/estimates/${UNKNOWN_UUID}`,
      `${BASE}/jobs/${UNKNOWN_UUID}`,
      `${BASE}/invoices/${UNKNOWN_UUID}`,
    ]);
  });

  it("an id of one type read as another type is null (ids are per resource)", async () => {
    const job = first(jobs(), "job");
    const ds = fresh();
    expect(await ds.load(ref("Invoice", job.id))).toBeNull();
    expect(await ds.load(ref("Customer", job.id))).toBeNull();
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.client]: 1, [ROUTE.invoice]: 1 });
  });

  it("SiteVisit and Payment are not CleanEstimate types: null without a request", async () => {
    const ds = fresh();
    const invoice = first(invoices(), "invoice");
    expect(await ds.load(ref("SiteVisit", first(jobs(), "job").id))).toBeNull();
    expect(await ds.load(ref("Payment", invoice.id))).toBeNull();
    expect(sim.control.count()).toBe(0);
  });
});

describe("isValidId", () => {
  it("accepts lowercase UUIDs for the five CleanEstimate types only, without a request", () => {
    const ds = fresh();
    const id = first(jobs(), "job").id;
    for (const type of ["Customer", "Lead", "Estimate", "Job", "Invoice"] as const) {
      expect(ds.isValidId(type, id)).toBe(true);
      expect(ds.isValidId(type, UNKNOWN_UUID)).toBe(true);
      expect(ds.isValidId(type, id.toUpperCase())).toBe(false);
      expect(ds.isValidId(type, id.replaceAll("-", ""))).toBe(false);
      expect(ds.isValidId(type, `${id}0`)).toBe(false);
      expect(ds.isValidId(type, ` ${id}`)).toBe(false);
      expect(ds.isValidId(type, "42")).toBe(false);
      expect(ds.isValidId(type, "job_abcdefghijklmnopqrstuvwx")).toBe(false);
      expect(ds.isValidId(type, "")).toBe(false);
    }
    expect(ds.isValidId("SiteVisit", id)).toBe(false);
    expect(ds.isValidId("Payment", id)).toBe(false);
    expect(sim.control.count()).toBe(0);
  });
});

describe("DataLoader de-duplication and priming", () => {
  it("three concurrent loads of one id make one upstream request, per type", async () => {
    const lead = first(leads(), "lead");
    const client = first(clients(), "client");
    const estimate = first(estimates(), "estimate");
    const job = first(jobs(), "job");
    const invoice = first(invoices(), "invoice");
    const ds = fresh();
    const three = [1, 2, 3];
    const loads = await Promise.all([
      ...three.map(() => ds.load(ref("Lead", lead.id))),
      ...three.map(() => ds.load(ref("Customer", client.id))),
      ...three.map(() => ds.load(ref("Estimate", estimate.id))),
      ...three.map(() => ds.load(ref("Job", job.id))),
      ...three.map(() => ds.load(ref("Invoice", invoice.id))),
    ]);
    expect(loads).toStrictEqual([
      ...three.map(() => expectedLead(lead)),
      ...three.map(() => expectedCustomer(client)),
      ...three.map(() => expectedEstimate(estimate)),
      ...three.map(() => expectedJob(job)),
      ...three.map(() => expectedInvoice(invoice)),
    ]);
    expect(sim.control.snapshot()).toStrictEqual({
      [ROUTE.client]: 1,
      [ROUTE.estimate]: 1,
      [ROUTE.invoice]: 1,
      [ROUTE.job]: 1,
      [ROUTE.lead]: 1,
    });
    // Loaded once: later loads in the same request are free, null results included.
    await ds.load(ref("Job", job.id));
    await Promise.all(three.map(() => ds.load(ref("Job", UNKNOWN_UUID))));
    expect(sim.control.count()).toBe(6);
    expect(await ds.load(ref("Job", UNKNOWN_UUID))).toBeNull();
    expect(sim.control.count()).toBe(6);
  });

  it("records of a list page are never fetched again by id", async () => {
    const ds = fresh();
    const from = { c: null, s: 0 };
    const leadPage = await cursorStream(must(ds.lists.leads)({})).fetchFrom(from, 23);
    const clientPage = await cursorStream(must(ds.lists.customers)({})).fetchFrom(from, 23);
    const estimatePage = await cursorStream(must(ds.lists.estimates)({})).fetchFrom(from, 23);
    const jobPage = await cursorStream(must(ds.lists.jobs)({})).fetchFrom(from, 23);
    const invoicePage = await cursorStream(must(ds.lists.invoices)({})).fetchFrom(from, 23);
    expect(sim.control.count()).toBe(5);
    const refs = [
      ...leadPage.records.map((r) => ref("Lead", r.sourceId)),
      ...clientPage.records.map((r) => ref("Customer", r.sourceId)),
      ...estimatePage.records.map((r) => ref("Estimate", r.sourceId)),
      ...jobPage.records.map((r) => ref("Job", r.sourceId)),
      ...invoicePage.records.map((r) => ref("Invoice", r.sourceId)),
    ];
    expect(refs).toHaveLength(5 * 23);
    const loaded = await Promise.all(refs.map((r) => ds.load(r)));
    expect(loaded).toStrictEqual([
      ...leads().slice(0, 23).map(expectedLead),
      ...clients().slice(0, 23).map(expectedCustomer),
      ...estimates().slice(0, 23).map(expectedEstimate),
      ...jobs().slice(0, 23).map(expectedJob),
      ...invoices().slice(0, 23).map(expectedInvoice),
    ]);
    expect(sim.control.count()).toBe(5);
  });

  it("records scanned by a filtered list prime the loaders too, matches or not", async () => {
    const ds = fresh();
    const page = await cursorStream(must(ds.lists.customers)({ search: "zz-no-such-customer" })).fetchFrom(
      { c: null, s: 0 },
      100,
    );
    expect(page.records).toStrictEqual(clients().slice(0, 100).map(expectedCustomer));
    const loaded = await Promise.all(
      clients()
        .slice(0, 100)
        .map((c) => ds.load(ref("Customer", c.id))),
    );
    expect(loaded).toStrictEqual(clients().slice(0, 100).map(expectedCustomer));
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.clients]: 1 });
  });

  it("clearLoaders() forgets loaded records: the next load reads the upstream's current state", async () => {
    const client = first(clients(), "client");
    const job = first(jobs(), "job");
    const ds = fresh();
    expect(await ds.load(ref("Customer", client.id))).toStrictEqual(expectedCustomer(client));
    const jobPage = await cursorStream(must(ds.lists.jobs)({})).fetchFrom({ c: null, s: 0 }, 5);
    expect(ids(jobPage.records)).toContain(job.id);
    const liveClient = must(live.clients.get(client.id), "client");
    const liveJob = must(live.jobs.get(job.id), "job");
    const originalName = liveClient.name;
    const originalNotes = liveJob.access_notes;
    try {
      liveClient.name = "Renamed Between Events";
      liveJob.access_notes = "Gate code changed to 9090.";
      // Without clearing, this request keeps what it read.
      expect(await ds.load(ref("Customer", client.id))).toStrictEqual({
        ...expectedCustomer(liveClient),
        name: originalName,
      });
      expect(((await ds.load(ref("Job", job.id))) as UnifiedJob).accessNotes).toBe(originalNotes);
      expect(sim.control.count()).toBe(2);
      ds.clearLoaders();
      expect(await ds.load(ref("Customer", client.id))).toStrictEqual(expectedCustomer(liveClient));
      expect(await ds.load(ref("Job", job.id))).toStrictEqual(expectedJob(liveJob));
      expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.client]: 2, [ROUTE.job]: 1, [ROUTE.jobs]: 1 });
      // A list page read again after clearing goes upstream again too.
      const again = await cursorStream(must(ds.lists.jobs)({})).fetchFrom({ c: null, s: 0 }, 5);
      expect(again.records).toStrictEqual(jobs().slice(0, 5).map(expectedJob));
      expect(sim.control.count(ROUTE.jobs)).toBe(2);
    } finally {
      liveClient.name = originalName;
      liveJob.access_notes = originalNotes;
    }
  });
});

describe("cursor streams through fetchFrom", () => {
  const lists: Array<{
    name: string;
    path: string;
    route: string;
    window: number;
    all: () => unknown[];
    run: (window: number) => Promise<Walked<unknown>>;
  }> = [
    {
      name: "leads",
      path: "/leads",
      route: ROUTE.leads,
      window: 23,
      all: () => leads().map(expectedLead),
      run: (window) => walk(must(fresh().lists.leads)({}), ROUTE.leads, window),
    },
    {
      name: "customers",
      path: "/clients",
      route: ROUTE.clients,
      window: 37,
      all: () => clients().map(expectedCustomer),
      run: (window) => walk(must(fresh().lists.customers)({}), ROUTE.clients, window),
    },
    {
      name: "estimates",
      path: "/estimates",
      route: ROUTE.estimates,
      window: 41,
      all: () => estimates().map(expectedEstimate),
      run: (window) => walk(must(fresh().lists.estimates)({}), ROUTE.estimates, window),
    },
    {
      name: "jobs",
      path: "/jobs",
      route: ROUTE.jobs,
      window: 37,
      all: () => jobs().map(expectedJob),
      run: (window) => walk(must(fresh().lists.jobs)({}), ROUTE.jobs, window),
    },
    {
      name: "invoices",
      path: "/invoices",
      route: ROUTE.invoices,
      window: 29,
      all: () => invoices().map(expectedInvoice),
      run: (window) => walk(must(fresh().lists.invoices)({}), ROUTE.invoices, window),
    },
  ];

  it.each(lists)(
    "$name: walked $window at a time, every record once in upstream order, along the upstream's cursors",
    async ({ path, window, all, run }) => {
      const expected = all();
      expect(expected.length % window).not.toBe(0);
      const chain = await cursorChain(path, window);
      expect(chain).toHaveLength(Math.ceil(expected.length / window) - 1);
      const walked = await run(window);
      expect(walked.records).toStrictEqual(expected);
      // Each request after the first starts from the previous page's `next_cursor`.
      expect(walked.queries).toStrictEqual([
        query(window),
        ...chain.map((cursor) => query(window, { cursor })),
      ]);
      // The position after a page's last record is that page's `next_cursor`; within a page, the
      // page's own cursor and how many of its records are consumed.
      const pageStarts = [null, ...chain];
      walked.positions.forEach((position, index) => {
        const pageIndex = Math.floor(index / window);
        const inPage = (index % window) + 1;
        const isLastOfPage = inPage === window && pageIndex < chain.length;
        expect(position).toStrictEqual(
          isLastOfPage ? { c: chain[pageIndex], s: 0 } : { c: pageStarts[pageIndex], s: inPage },
        );
      });
    },
  );

  it("a list whose length is a multiple of the window ends on its last full page, without an extra request", async () => {
    expect(live.leads.size).toBe(200);
    const chain = await cursorChain("/leads", 40);
    expect(chain).toHaveLength(4);
    const walked = await walk(must(fresh().lists.leads)({}), ROUTE.leads, 40);
    expect(walked.records).toStrictEqual(leads().map(expectedLead));
    expect(walked.queries).toStrictEqual([query(40), ...chain.map((cursor) => query(40, { cursor }))]);
    // The last record's position stays on the last page; from there: nothing, done.
    const end = must(walked.positions.at(-1), "position");
    expect(end).toStrictEqual({ c: chain[3], s: 40 });
    sim.control.resetCounts();
    const past = await cursorStream(must(fresh().lists.leads)({})).fetchFrom(end, 40);
    expect(past).toStrictEqual({ records: [], after: [], done: true });
    expect(queries(ROUTE.leads)).toStrictEqual([query(80, { cursor: chain[3] })]);
  });

  it("resuming mid-page re-reads from that page's cursor and skips exactly the consumed records", async () => {
    const all = jobs().map(expectedJob);
    const [c1, c2] = await cursorChain("/jobs", 37);
    const stream = cursorStream(must(fresh().lists.jobs)({}));

    // First page, 10 consumed: the page is read again from the start (no cursor), 10 + 37 long.
    const mid = await stream.fetchFrom({ c: null, s: 10 }, 37);
    expect(mid.records).toStrictEqual(all.slice(10, 47));
    expect(mid.done).toBe(false);
    expect(queries(ROUTE.jobs)).toStrictEqual([query(47)]);
    // That upstream page was 47 long, so its end is the cursor of a 47-record first page.
    const [c47] = await cursorChain("/jobs", 47);
    expect(mid.after.at(-1)).toStrictEqual({ c: c47, s: 0 });
    expect(mid.after.at(0)).toStrictEqual({ c: null, s: 11 });
    expect(mid.after.at(-2)).toStrictEqual({ c: null, s: 46 });

    // Second page, 5 consumed: from the first page's next_cursor, 5 + 20 long.
    const second = await stream.fetchFrom({ c: c1 ?? null, s: 5 }, 20);
    expect(second.records).toStrictEqual(all.slice(42, 62));
    expect(queries(ROUTE.jobs)).toStrictEqual([query(25, { cursor: c1 })]);
    expect(second.after.at(-2)).toStrictEqual({ c: c1, s: 24 });
    // That 25-record page has more after it: its last position is its own next_cursor, from which
    // the list goes on at record 62.
    const afterSecond = must(second.after.at(-1), "position");
    expect(afterSecond.s).toBe(0);
    expect(afterSecond.c).not.toBe(c1);
    sim.control.resetCounts();
    const onward = await stream.fetchFrom(afterSecond, 4);
    expect(onward.records).toStrictEqual(all.slice(62, 66));
    expect(queries(ROUTE.jobs)).toStrictEqual([query(4, { cursor: afterSecond.c })]);

    // Any page start is a valid position: the 37-window chain's second cursor starts at record 74.
    sim.control.resetCounts();
    const third = await stream.fetchFrom({ c: c2 ?? null, s: 0 }, 3);
    expect(third.records).toStrictEqual(all.slice(74, 77));
    expect(queries(ROUTE.jobs)).toStrictEqual([query(3, { cursor: c2 })]);
  });

  it("the upstream limit never exceeds 100: a wide window returns one page, a deep skip what is left of it", async () => {
    const all = invoices().map(expectedInvoice);
    const stream = cursorStream(must(fresh().lists.invoices)({}));
    const [c100] = await cursorChain("/invoices", 100);

    const wide = await stream.fetchFrom({ c: null, s: 0 }, 250);
    expect(wide.records).toStrictEqual(all.slice(0, 100));
    expect(wide.done).toBe(false);
    expect(wide.after.at(-1)).toStrictEqual({ c: c100, s: 0 });

    const deep = await stream.fetchFrom({ c: null, s: 90 }, 100);
    expect(deep.records).toStrictEqual(all.slice(90, 100));
    expect(deep.after.at(-1)).toStrictEqual({ c: c100, s: 0 });

    const next = await stream.fetchFrom({ c: c100 ?? null, s: 0 }, 1000);
    expect(next.records).toStrictEqual(all.slice(100, 200));
    // The deep read asked for the same upstream page again: answered from the request's memo.
    expect(queries(ROUTE.invoices)).toStrictEqual([query(100), query(100, { cursor: c100 })]);
  });

  it("a walk in windows of 100 takes the fewest requests", async () => {
    const walked = await walk(must(fresh().lists.estimates)({}), ROUTE.estimates, 100);
    expect(walked.records).toStrictEqual(estimates().map(expectedEstimate));
    expect(walked.queries).toHaveLength(6);
    expect(walked.queries.every((q) => new URLSearchParams(q).get("limit") === "100")).toBe(true);
  });
});

describe("cursor streams through paginate()", () => {
  it("jobs, 37 per page: every record once in order, cursors on the upstream's next_cursor, totalCount null", async () => {
    const chain = await cursorChain("/jobs", 37);
    const { nodes, pages } = await pageAll(() => must(fresh().lists.jobs)({}), 37);
    expect(nodes).toStrictEqual(jobs().map(expectedJob));
    expect(pages).toHaveLength(14);
    expect(queries(ROUTE.jobs)).toStrictEqual([query(37), ...chain.map((cursor) => query(37, { cursor }))]);
    pages.forEach((page, index) => {
      expect(page.hasNextPage).toBe(index < pages.length - 1);
      if (index < chain.length) {
        expect(positionOf(page.edges.at(-1)?.cursor)).toStrictEqual({ c: chain[index], s: 0 });
      }
    });
    // The last page is short and ends the list.
    expect(pages.at(-1)?.edges).toHaveLength(500 - 13 * 37);
  });

  it("resuming from an edge in the middle of a page skips exactly the records before it", async () => {
    const all = jobs().map(expectedJob);
    const firstPage = await pageOf(must(fresh().lists.jobs)({}), 37, null);
    const tenth = firstPage.edges[9]?.cursor;
    expect(positionOf(tenth)).toStrictEqual({ c: null, s: 10 });
    sim.control.resetCounts();
    const resumed = await pageOf(must(fresh().lists.jobs)({}), 37, tenth ?? null);
    expect(resumed.edges.map((edge) => edge.node)).toStrictEqual(all.slice(10, 47));
    expect(resumed.hasPreviousPage).toBe(true);
    expect(resumed.hasNextPage).toBe(true);
    expect(resumed.totalCount).toBeNull();
    expect(queries(ROUTE.jobs)).toStrictEqual([query(47)]);
  });

  it("leads and estimates page to the end in odd page sizes", async () => {
    const leadPages = await pageAll(() => must(fresh().lists.leads)({}), 13);
    expect(leadPages.nodes).toStrictEqual(leads().map(expectedLead));
    expect(leadPages.pages).toHaveLength(Math.ceil(200 / 13));
    const estimatePages = await pageAll(() => must(fresh().lists.estimates)({}), 99);
    expect(estimatePages.nodes).toStrictEqual(estimates().map(expectedEstimate));
    expect(estimatePages.pages).toHaveLength(Math.ceil(600 / 99));
  });

  it("a page wider than 100 is several upstream pages of at most 100", async () => {
    const page = await pageOf(must(fresh().lists.invoices)({}), 250, null);
    expect(page.edges.map((edge) => edge.node)).toStrictEqual(invoices().slice(0, 250).map(expectedInvoice));
    const limits = queries(ROUTE.invoices).map((q) => Number(new URLSearchParams(q).get("limit")));
    expect(limits).toStrictEqual([100, 100, 50]);
  });
});

describe("list filters", () => {
  it.each<[LeadStatus, CleanEstimateLead["status"]]>([
    ["NEW", "new"],
    ["CONTACTED", "contacted"],
    ["QUOTED", "quoted"],
    ["WON", "won"],
    ["LOST", "lost"],
  ])("leads: status %s is upstream status=%s", async (status, upstream) => {
    const expected = leads().filter((l) => l.status === upstream);
    expect(expected.length).toBeGreaterThan(0);
    const stream = cursorStream(must(fresh().lists.leads)({ status }));
    expect(stream.accept).toBeUndefined();
    const walked = await walk(stream, ROUTE.leads, 7);
    expect(walked.records).toStrictEqual(expected.map(expectedLead));
    expect(walked.queries).toHaveLength(Math.ceil(expected.length / 7));
    expect(walked.queries[0]).toBe(query(7, { status: upstream }));
    expect(walked.queries.every((q) => new URLSearchParams(q).get("status") === upstream)).toBe(true);
  });

  it.each<[EstimateStatus, CleanEstimateEstimate["status"]]>([
    ["DRAFT", "draft"],
    ["SENT", "sent"],
    ["ACCEPTED", "accepted"],
    ["DECLINED", "declined"],
    ["EXPIRED", "expired"],
  ])("estimates: status %s is upstream status=%s (read-time expiry included)", async (status, upstream) => {
    const expected = estimates().filter((e) => wireEstimateStatus(e) === upstream);
    expect(expected.length).toBeGreaterThan(0);
    const stream = cursorStream(must(fresh().lists.estimates)({ status }));
    expect(stream.accept).toBeUndefined();
    const walked = await walk(stream, ROUTE.estimates, 31);
    expect(walked.records).toStrictEqual(expected.map(expectedEstimate));
    expect(walked.queries).toHaveLength(Math.max(1, Math.ceil(expected.length / 31)));
    expect(walked.queries[0]).toBe(query(31, { status: upstream }));
  });

  it.each<[JobStatus, CleanEstimateJob["status"]]>([
    ["SCHEDULED", "scheduled"],
    ["IN_PROGRESS", "in_progress"],
    ["COMPLETED", "completed"],
    ["CANCELLED", "cancelled"],
  ])("jobs: status %s is upstream status=%s", async (status, upstream) => {
    const expected = jobs().filter((j) => j.status === upstream);
    expect(expected.length).toBeGreaterThan(0);
    const stream = cursorStream(must(fresh().lists.jobs)({ status }));
    expect(stream.accept).toBeUndefined();
    const walked = await walk(stream, ROUTE.jobs, 37);
    expect(walked.records).toStrictEqual(expected.map(expectedJob));
    expect(walked.queries).toHaveLength(Math.max(1, Math.ceil(expected.length / 37)));
    expect(walked.queries[0]).toBe(query(37, { status: upstream }));
  });

  it.each<[InvoiceStatus, CleanEstimateInvoice["status"]]>([
    ["DRAFT", "draft"],
    ["PAID", "paid"],
    ["OVERDUE", "overdue"],
    ["VOID", "void"],
  ])("invoices: status %s is upstream status=%s, filtered upstream only", async (status, upstream) => {
    const expected = invoices().filter((i) => wireInvoiceStatus(i) === upstream);
    expect(expected.length).toBeGreaterThan(0);
    const stream = cursorStream(must(fresh().lists.invoices)({ status }));
    // The upstream filters these exactly: no gateway-side scan in 100-record pages.
    expect(stream.accept).toBeUndefined();
    const walked = await walk(stream, ROUTE.invoices, 9);
    expect(walked.records).toStrictEqual(expected.map(expectedInvoice));
    expect(walked.queries[0]).toBe(query(9, { status: upstream }));
    expect(walked.queries).toHaveLength(Math.ceil(expected.length / 9));
    expect(walked.records.every((i) => i.status === status)).toBe(true);
    // Through the engine, a page asks the upstream for just that page.
    sim.control.resetCounts();
    const page = await pageOf(must(fresh().lists.invoices)({ status }), 5, null);
    expect(page.edges.map((edge) => edge.node)).toStrictEqual(expected.slice(0, 5).map(expectedInvoice));
    expect(queries(ROUTE.invoices)).toStrictEqual([query(5, { status: upstream })]);
  });

  it("invoices: SENT and PARTIALLY_PAID both read upstream `sent` and split it gateway-side", async () => {
    const sent = invoices().filter((i) => wireInvoiceStatus(i) === "sent");
    const partly = sent.filter((i) => i.amount_paid > 0);
    const unpaid = sent.filter((i) => i.amount_paid === 0);
    expect(partly.length).toBeGreaterThan(0);
    expect(unpaid.length).toBeGreaterThan(0);
    for (const [status, expected] of [
      ["SENT", unpaid],
      ["PARTIALLY_PAID", partly],
    ] as const) {
      const stream = cursorStream(must(fresh().lists.invoices)({ status }));
      const accept = must(stream.accept, "gateway-side predicate");
      const walked = await walk(stream, ROUTE.invoices, 100);
      expect(ids(walked.records)).toStrictEqual(sent.map((i) => i.id));
      expect(walked.queries).toStrictEqual([query(100, { status: "sent" })]);
      expect(walked.records.filter(accept)).toStrictEqual(expected.map(expectedInvoice));

      sim.control.resetCounts();
      const page = await pageOf(must(fresh().lists.invoices)({ status }), 50, null);
      expect(page.edges.map((edge) => edge.node)).toStrictEqual(expected.map(expectedInvoice));
      expect(page.totalCount).toBeNull();
      expect(page.hasNextPage).toBe(false);
      expect(queries(ROUTE.invoices)).toStrictEqual([query(100, { status: "sent" })]);
    }
  });

  it("no stream and no request for what can never match: UNSCHEDULED jobs, VIEWED invoices, jobs by assignee", () => {
    const ds = fresh();
    const customerId = first(clients(), "client").id;
    expect(must(ds.lists.jobs, "factory")({ status: "UNSCHEDULED" })).toBeNull();
    expect(must(ds.lists.jobs, "factory")({ status: "UNSCHEDULED", customerId })).toBeNull();
    expect(must(ds.lists.jobs, "factory")({ assigneeId: UNKNOWN_UUID })).toBeNull();
    expect(must(ds.lists.jobs, "factory")({ status: "COMPLETED", assigneeId: UNKNOWN_UUID })).toBeNull();
    expect(must(ds.lists.invoices, "factory")({ status: "VIEWED" })).toBeNull();
    expect(must(ds.lists.invoices, "factory")({ status: "VIEWED", customerId })).toBeNull();
    expect(sim.control.count()).toBe(0);
  });

  it("has no site visit or payment list", () => {
    const factories = fresh().lists as StreamFactories;
    expect(factories.siteVisits).toBeUndefined();
    expect(factories.payments).toBeUndefined();
  });

  /**
   * A gateway-side filter: the stream scans the whole unfiltered list (in 100-record pages through
   * `fetchFrom`) and its `accept` keeps exactly the expected records; through the engine, the
   * matches come out in order, page after page, with `totalCount: null`.
   */
  async function expectGatewayFilter<T extends { sourceId: string; createdAt: string }>(
    open: () => ListStream<T> | null,
    route: string,
    scanned: T[],
    expected: T[],
  ): Promise<void> {
    const stream = cursorStream(open());
    const accept = must(stream.accept, "gateway-side predicate");
    const walked = await walk(stream, route, 100);
    expect(walked.records).toStrictEqual(scanned);
    expect(walked.queries).toHaveLength(Math.ceil(scanned.length / 100));
    expect(walked.queries.every((q) => new URLSearchParams(q).get("limit") === "100")).toBe(true);
    expect(walked.records.filter(accept)).toStrictEqual(expected);

    // One engine page wider than the matches: the whole list scanned once, then the end.
    sim.control.resetCounts();
    const whole = await pageOf(open(), expected.length + 1, null);
    expect(whole.edges.map((edge) => edge.node)).toStrictEqual(expected);
    expect(whole.hasNextPage).toBe(false);
    expect(whole.totalCount).toBeNull();
    expect(queries(route)).toHaveLength(Math.ceil(scanned.length / 100));

    // Small pages: the same matches, each once, in order.
    const small = await pageAll(open, 3);
    expect(small.nodes).toStrictEqual(expected);
  }

  it("customers: search is a case-insensitive match on name, email or phone", async () => {
    const all = clients();
    const cases: Array<[string, SimClient[]]> = [
      ["dental", all.filter((c) => c.name.toLowerCase().includes("dental"))],
      ["EXAMPLE.ORG", all.filter((c) => c.email?.toLowerCase().includes("example.org"))],
      ["+1980", all.filter((c) => c.phone?.includes("+1980"))],
    ];
    for (const [search, expected] of cases) {
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length);
      await expectGatewayFilter(
        () => must(fresh().lists.customers)({ search }),
        ROUTE.clients,
        all.map(expectedCustomer),
        expected.map(expectedCustomer),
      );
    }
  });

  it("leads: search and status together, status upstream and search gateway-side", async () => {
    const won = leads().filter((l) => l.status === "won");
    const expected = won.filter((l) =>
      [l.customer_name, l.customer_email, l.customer_phone].some((v) =>
        v?.toLowerCase().includes("example.com"),
      ),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(won.length);
    const stream = cursorStream(must(fresh().lists.leads)({ status: "WON", search: "Example.COM" }));
    const walked = await walk(stream, ROUTE.leads, 100);
    expect(walked.queries).toStrictEqual([query(100, { status: "won" })]);
    expect(walked.records.filter(must(stream.accept))).toStrictEqual(expected.map(expectedLead));
  });

  it("estimates: by customerId and by leadId, alone and with a status", async () => {
    const all = estimates();
    const perClient = new Map<string, number>();
    for (const e of all) if (e.client_id) perClient.set(e.client_id, (perClient.get(e.client_id) ?? 0) + 1);
    const clientId = must(
      [...perClient.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id)[0],
      "client with estimates",
    );
    const leadId = first(
      all.filter((e) => e.lead_id !== null),
      "estimate of a lead",
    ).lead_id as string;
    const cases: Array<[Parameters<NonNullable<StreamFactories["estimates"]>>[0], CleanEstimateEstimate[]]> =
      [
        [{ customerId: clientId }, all.filter((e) => e.client_id === clientId)],
        [{ leadId }, all.filter((e) => e.lead_id === leadId)],
      ];
    for (const [filter, expected] of cases) {
      expect(expected.length).toBeGreaterThan(0);
      await expectGatewayFilter(
        () => must(fresh().lists.estimates)(filter),
        ROUTE.estimates,
        all.map(expectedEstimate),
        expected.map(expectedEstimate),
      );
    }
    // With a status: the upstream filters the status, the gateway the customer.
    const accepted = all.filter((e) => wireEstimateStatus(e) === "accepted");
    const stream = cursorStream(must(fresh().lists.estimates)({ status: "ACCEPTED", customerId: clientId }));
    const walked = await walk(stream, ROUTE.estimates, 100);
    expect(walked.records).toStrictEqual(accepted.map(expectedEstimate));
    expect(walked.queries[0]).toBe(query(100, { status: "accepted" }));
    expect(walked.records.filter(must(stream.accept))).toStrictEqual(
      accepted.filter((e) => e.client_id === clientId).map(expectedEstimate),
    );
    // An id nothing has: scanned in full, nothing matches.
    const none = await pageOf(must(fresh().lists.estimates)({ leadId: UNKNOWN_UUID }), 10, null);
    expect(none.edges).toStrictEqual([]);
    expect(none.hasNextPage).toBe(false);
  });

  it("jobs: by customerId and by scheduledDate, alone and combined with a status", async () => {
    const all = jobs();
    const perClient = new Map<string, number>();
    for (const j of all) perClient.set(j.client_id, (perClient.get(j.client_id) ?? 0) + 1);
    const clientId = must(
      [...perClient.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id)[0],
      "client with jobs",
    );
    const perDate = new Map<string, number>();
    for (const j of all) perDate.set(j.scheduled_date, (perDate.get(j.scheduled_date) ?? 0) + 1);
    const date = must(
      [...perDate.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([d]) => d)[0],
      "busy date",
    );
    const cases: Array<[Parameters<NonNullable<StreamFactories["jobs"]>>[0], CleanEstimateJob[]]> = [
      [{ customerId: clientId }, all.filter((j) => j.client_id === clientId)],
      [{ scheduledDate: date }, all.filter((j) => j.scheduled_date === date)],
    ];
    for (const [filter, expected] of cases) {
      expect(expected.length).toBeGreaterThan(1);
      await expectGatewayFilter(
        () => must(fresh().lists.jobs)(filter),
        ROUTE.jobs,
        all.map(expectedJob),
        expected.map(expectedJob),
      );
    }
    const completed = all.filter((j) => j.status === "completed");
    const stream = cursorStream(must(fresh().lists.jobs)({ status: "COMPLETED", customerId: clientId }));
    const walked = await walk(stream, ROUTE.jobs, 100);
    expect(walked.records).toStrictEqual(completed.map(expectedJob));
    expect(walked.queries[0]).toBe(query(100, { status: "completed" }));
    expect(walked.records.filter(must(stream.accept))).toStrictEqual(
      completed.filter((j) => j.client_id === clientId).map(expectedJob),
    );
  });

  it("invoices: by customerId, by job and by issue date range", async () => {
    const all = invoices();
    const perClient = new Map<string, number>();
    for (const i of all) perClient.set(i.client_id, (perClient.get(i.client_id) ?? 0) + 1);
    const clientId = must(
      [...perClient.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id)[0],
      "client with invoices",
    );
    const withJob = first(
      all.filter((i) => i.job_id !== null),
      "invoice of a job",
    );
    const jobId = withJob.job_id as string;
    const jobClient = must(live.jobs.get(jobId), "job").client_id;
    const from = "2025-06-01";
    const to = "2025-09-30";
    const cases: Array<[Parameters<NonNullable<StreamFactories["invoices"]>>[0], CleanEstimateInvoice[]]> = [
      [{ customerId: clientId }, all.filter((i) => i.client_id === clientId)],
      [{ jobId: { jobId, customerId: jobClient } }, all.filter((i) => i.job_id === jobId)],
      [{ issuedFrom: from, issuedTo: to }, all.filter((i) => i.issue_date >= from && i.issue_date <= to)],
      [{ issuedFrom: to }, all.filter((i) => i.issue_date >= to)],
      [{ issuedTo: from }, all.filter((i) => i.issue_date <= from)],
      // Both bounds inclusive: one day.
      [
        { issuedFrom: withJob.issue_date, issuedTo: withJob.issue_date },
        all.filter((i) => i.issue_date === withJob.issue_date),
      ],
    ];
    for (const [filter, expected] of cases) {
      expect(expected.length).toBeGreaterThan(0);
      await expectGatewayFilter(
        () => must(fresh().lists.invoices)(filter),
        ROUTE.invoices,
        all.map(expectedInvoice),
        expected.map(expectedInvoice),
      );
    }
  });

  it("invoices: status, customer and date range together", async () => {
    const paid = invoices().filter((i) => wireInvoiceStatus(i) === "paid");
    const perClient = new Map<string, number>();
    for (const i of paid) perClient.set(i.client_id, (perClient.get(i.client_id) ?? 0) + 1);
    const clientId = must(
      [...perClient.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id)[0],
      "client with paid invoices",
    );
    const from = "2025-03-01";
    const expected = paid.filter((i) => i.client_id === clientId && i.issue_date >= from);
    expect(expected.length).toBeGreaterThan(0);
    const open = () =>
      must(fresh().lists.invoices)({ status: "PAID", customerId: clientId, issuedFrom: from });
    const stream = cursorStream(open());
    const walked = await walk(stream, ROUTE.invoices, 100);
    expect(walked.records).toStrictEqual(paid.map(expectedInvoice));
    expect(walked.queries.every((q) => new URLSearchParams(q).get("status") === "paid")).toBe(true);
    expect(walked.records.filter(must(stream.accept))).toStrictEqual(expected.map(expectedInvoice));
    expect((await pageAll(open, 2)).nodes).toStrictEqual(expected.map(expectedInvoice));
  });
});

describe("upstream failures", () => {
  const job = () => first(jobs(), "job");
  const listJobs = (ds = fresh()) => cursorStream(must(ds.lists.jobs)({})).fetchFrom({ c: null, s: 0 }, 10);

  it.each<{ what: string; fault: FaultRule; code: string; status?: number }>([
    { what: "HTTP 500", fault: { kind: "status", status: 500 }, code: "UPSTREAM_ERROR", status: 500 },
    { what: "HTTP 503", fault: { kind: "status", status: 503 }, code: "UPSTREAM_UNAVAILABLE", status: 503 },
    { what: "HTTP 429", fault: { kind: "rateLimit" }, code: "UPSTREAM_RATE_LIMITED", status: 429 },
    { what: "a dropped connection", fault: { kind: "drop" }, code: "UPSTREAM_UNAVAILABLE" },
  ])("$what is $code, on a by-id read and on a list page", async ({ fault, code, status }) => {
    sim.control.injectFault({ ...fault, route: ROUTE.job });
    const byId = await rejection(fresh().load(ref("Job", job().id)));
    expect(byId.extensions).toMatchObject({ code, source: "cleanestimate" });
    expect(byId.extensions.upstreamStatus).toBe(status);
    expect(byId.upstream).toBe("cleanestimate");
    expect(sim.control.count(ROUTE.job)).toBe(1);

    sim.control.clearFaults();
    sim.control.injectFault({ ...fault, route: ROUTE.jobs });
    const list = await rejection(listJobs());
    expect(list.extensions).toMatchObject({ code, source: "cleanestimate" });
    expect(sim.control.count(ROUTE.jobs)).toBe(1);
  });

  it("a 429 carries the upstream's Retry-After as retryAfterSeconds", async () => {
    sim.control.injectFault({ kind: "rateLimit", route: ROUTE.invoices });
    const error = await rejection(
      cursorStream(must(fresh().lists.invoices)({})).fetchFrom({ c: null, s: 0 }, 10),
    );
    // The pinned clock is 12:30:00 UTC; the per-minute window resets at 12:31:00.
    expect(error.extensions).toStrictEqual({
      code: "UPSTREAM_RATE_LIMITED",
      source: "cleanestimate",
      upstreamStatus: 429,
      retryAfterSeconds: 60,
    });
  });

  it("the upstream's own 429 once a key's window quota is spent is UPSTREAM_RATE_LIMITED too", async () => {
    const limited = createCleanEstimateSim({
      accounts: [
        { ...CLEANESTIMATE_DEMO_ACCOUNT, size: { leads: 1, clients: 1, estimates: 1, jobs: 1, invoices: 1 } },
      ],
      rateLimit: { limit: 2, windowMs: 60_000 },
      now: () => NOW,
    });
    await limited.listen(0);
    try {
      const id = first([...limited.account().live.clients.keys()], "client");
      const ds = fresh({ target: { baseUrl: limited.baseUrl } });
      expect(await ds.load(ref("Customer", id))).not.toBeNull();
      expect(await ds.load(ref("Customer", UNKNOWN_UUID))).toBeNull();
      const error = await rejection(ds.load(ref("Lead", UNKNOWN_UUID)));
      expect(error.extensions).toStrictEqual({
        code: "UPSTREAM_RATE_LIMITED",
        source: "cleanestimate",
        upstreamStatus: 429,
        retryAfterSeconds: 60,
      });
      expect(limited.control.count()).toBe(3);
    } finally {
      await limited.close();
    }
  });

  it("a reply slower than the target timeout is UPSTREAM_TIMEOUT", async () => {
    sim.control.injectFault({ kind: "slow", delayMs: 1_000, route: ROUTE.estimates });
    const error = await rejection(
      cursorStream(must(fresh({ target: { timeoutMs: 200 } }).lists.estimates)({})).fetchFrom(
        { c: null, s: 0 },
        5,
      ),
    );
    expect(error.extensions).toMatchObject({ code: "UPSTREAM_TIMEOUT", source: "cleanestimate" });
    expect(sim.control.count(ROUTE.estimates)).toBe(1);
  });

  it("a refused API key (401) is UPSTREAM_ERROR, on reads and lists", async () => {
    const ds = fresh({
      target: { headers: { authorization: "Bearer ce_live_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbb" } },
    });
    const byId = await rejection(ds.load(ref("Customer", first(clients(), "client").id)));
    expect(byId.extensions).toStrictEqual({
      code: "UPSTREAM_ERROR",
      source: "cleanestimate",
      upstreamStatus: 401,
    });
    expect(byId.message).toContain("Invalid or missing API key");
    const list = await rejection(cursorStream(must(ds.lists.leads)({})).fetchFrom({ c: null, s: 0 }, 5));
    expect(list.extensions).toStrictEqual({
      code: "UPSTREAM_ERROR",
      source: "cleanestimate",
      upstreamStatus: 401,
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.client]: 1, [ROUTE.leads]: 1 });
  });

  it("through paginate, the only source failing throws its error", async () => {
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.clients });
    const error = await rejection(pageOf(must(fresh().lists.customers)({}), 10, null));
    expect(error.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", source: "cleanestimate" });
  });

  it("a failed load is not remembered as null, and a failed list page not memoised", async () => {
    const record = job();
    sim.control.injectFault({ kind: "status", status: 500, route: ROUTE.jobs, times: 1 });
    const ds = fresh();
    await rejection(listJobs(ds));
    const page = await listJobs(ds);
    expect(page.records).toStrictEqual(jobs().slice(0, 10).map(expectedJob));
    expect(sim.control.count(ROUTE.jobs)).toBe(2);
    expect(await ds.load(ref("Job", record.id))).toStrictEqual(expectedJob(record));
    expect(sim.control.count(ROUTE.job)).toBe(0);
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

    it("a list page is retried the same way, with the same query", async () => {
      sim.control.injectFault({ kind: "status", status: 502, route: ROUTE.invoices, times: 1 });
      const page = await cursorStream(must(fresh({ http: retrying }).lists.invoices)({})).fetchFrom(
        { c: null, s: 0 },
        20,
      );
      expect(page.records).toStrictEqual(invoices().slice(0, 20).map(expectedInvoice));
      expect(queries(ROUTE.invoices)).toStrictEqual([query(20), query(20)]);
    });

    it("a 429 whose Retry-After is beyond the layer's patience is not retried", async () => {
      sim.control.injectFault({ kind: "rateLimit", route: ROUTE.job, times: 1 });
      const error = await rejection(fresh({ http: retrying }).load(ref("Job", job().id)));
      expect(error.extensions.code).toBe("UPSTREAM_RATE_LIMITED");
      expect(sim.control.count(ROUTE.job)).toBe(1);
    });
  });
});

describe("gateway cursors the upstream rejects", () => {
  it("an upstream cursor of another list, or a forged one, is BAD_USER_INPUT on `after`", async () => {
    const jobsPage = await pageOf(must(fresh().lists.jobs)({}), 5, null);
    const foreign = must(jobsPage.edges.at(-1), "edge").cursor;
    expect(positionOf(foreign)).toStrictEqual({ c: expect.any(String), s: 0 });
    const forged = encodeCursor({ cleanestimate: { c: "bm90LWEtY3Vyc29y", s: 3 } });
    for (const after of [foreign, forged]) {
      sim.control.resetCounts();
      const error = await pageOf(must(fresh().lists.invoices)({}), 5, after).then(
        () => null,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(BadInputError);
      expect((error as BadInputError).extensions).toStrictEqual({
        code: "BAD_USER_INPUT",
        argument: "after",
      });
      expect(sim.control.count(ROUTE.invoices)).toBe(1);
    }
  });
});

describe("test mode", () => {
  const testKey = () =>
    fresh({ target: { headers: { authorization: `Bearer ${CLEANESTIMATE_DEMO_TEST_KEY}` } } });

  it("the test-mode key sees the test data set only", async () => {
    const testSet = sim.account().test;
    const testClient = first(upstreamOrder(testSet.clients.values()), "test client");
    const testJob = first(upstreamOrder(testSet.jobs.values()), "test job");
    const liveClient = first(clients(), "live client");
    expect(live.clients.has(testClient.id)).toBe(false);
    expect(testSet.clients.has(liveClient.id)).toBe(false);

    const ds = testKey();
    expect(await ds.load(ref("Customer", testClient.id))).toStrictEqual(expectedCustomer(testClient));
    expect(await ds.load(ref("Job", testJob.id))).toStrictEqual(expectedJob(testJob));
    expect(await ds.load(ref("Customer", liveClient.id))).toBeNull();
    // And the live key does not see the test set.
    expect(await fresh().load(ref("Customer", testClient.id))).toBeNull();

    const walked = await walk(must(testKey().lists.customers)({}), ROUTE.clients, 7);
    expect(walked.records).toStrictEqual(upstreamOrder(testSet.clients.values()).map(expectedCustomer));
    expect(walked.queries).toHaveLength(Math.ceil(testSet.clients.size / 7));
    const invoicesWalked = await walk(must(testKey().lists.invoices)({}), ROUTE.invoices, 100);
    expect(invoicesWalked.records).toStrictEqual(
      upstreamOrder(testSet.invoices.values()).map(expectedInvoice),
    );
  });
});
