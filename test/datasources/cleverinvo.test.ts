import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CLEVERINVO_DEMO_ACCOUNT,
  CLEVERINVO_DEMO_KEY,
  type CleverInvoAccount,
  type CleverInvoAccountSpec,
  type CleverInvoInvoiceRecord,
  type CleverInvoInvoiceStatus,
  type CleverInvoSim,
  createCleverInvoSim,
  renderInvoicePdf,
  type CleverInvoClient as SimClient,
} from "../../sim/cleverinvo/index.js";
import type { FaultRule } from "../../sim/core/server.js";
import { CleverInvoClient } from "../../src/datasources/cleverinvo/client.js";
import { CleverInvoDatasource } from "../../src/datasources/cleverinvo/datasource.js";
import type { InvoiceFilter, StreamFactories } from "../../src/datasources/datasource.js";
import { HttpLayer, type UpstreamTarget } from "../../src/datasources/http.js";
import { type Page, paginate, type SourceStream } from "../../src/datasources/paging.js";
import type {
  InvoiceStatus,
  Money,
  NodeRef,
  UnifiedCustomer,
  UnifiedInvoice,
} from "../../src/datasources/unified.js";
import { UpstreamError } from "../../src/errors.js";

/**
 * The CleverInvo datasource against its simulator over real HTTP: clients (soft-deleted ones
 * readable by id, lists active only) and invoices (detail vs partial list records, money in the
 * invoice's currency, amount paid from the status), DataLoaders, page planning over page/limit,
 * gateway-side issue-date filtering, the invoice PDF, and the gateway's UPSTREAM_* codes.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const BASE = "/api/v1";
const ROUTE = {
  client: `GET ${BASE}/clients/:id`,
  clients: `GET ${BASE}/clients`,
  invoice: `GET ${BASE}/invoices/:id`,
  invoices: `GET ${BASE}/invoices`,
  pdf: `GET ${BASE}/invoices/:id/pdf`,
} as const;

/** Well-formed cuids no account has. */
const UNKNOWN_CLIENT = "cabcdefghijklmnopqrstuvwx";
const UNKNOWN_INVOICE = "c0123456789abcdefghijklmn";

/** A second account on the same simulator, for tenancy. */
const OTHER_KEY = `cinv_${"Q".repeat(16)}${"7".repeat(16)}`;
const OTHER_ACCOUNT: CleverInvoAccountSpec = {
  id: "other",
  seed: 11,
  apiKeys: [OTHER_KEY],
  size: { clients: 4, invoices: 6 },
};

let sim: CleverInvoSim;
let state: CleverInvoAccount;
let http: HttpLayer;
let target: UpstreamTarget;

beforeAll(async () => {
  sim = createCleverInvoSim({
    accounts: [CLEVERINVO_DEMO_ACCOUNT, OTHER_ACCOUNT],
    // A huge limit in UTC-minute windows: the pinned clock sits at the start of a minute, so a
    // fault-injected 429 says 60 seconds.
    rateLimit: { limit: 1_000_000_000, windowMs: 60_000 },
    now: () => NOW,
  });
  await sim.listen(0);
  state = sim.account(CLEVERINVO_DEMO_ACCOUNT.id);
  // The API moves past-due SENT/VIEWED invoices to OVERDUE on every request: settle that once, so
  // expected records built from the live state before a test's first request are current.
  await fetch(`${sim.baseUrl}/clients?limit=1`, {
    headers: { authorization: `Bearer ${CLEVERINVO_DEMO_KEY}` },
  });
  http = new HttpLayer({
    timeoutMs: 2_000,
    retries: 0,
    connections: 4,
    cache: { ttlMs: 0, maxEntries: 100 },
  });
  target = {
    source: "cleverinvo",
    tenantId: "t1",
    baseUrl: sim.baseUrl,
    headers: { authorization: `Bearer ${CLEVERINVO_DEMO_KEY}` },
    timeoutMs: 2_000,
  };
});

afterAll(async () => {
  await http.close();
  await sim.close();
});

beforeEach(() => sim.control.reset());

/** A datasource as one GraphQL request gets it: fresh DataLoaders and per-request memo. */
function fresh(options: { http?: HttpLayer; target?: Partial<UpstreamTarget> } = {}): CleverInvoDatasource {
  return new CleverInvoDatasource(
    new CleverInvoClient(options.http ?? http, { ...target, ...options.target }),
  );
}

const ref = (type: NodeRef["type"], sourceId: string): NodeRef => ({ type, source: "cleverinvo", sourceId });

// ---- Expected unified records, written from the reference independently of the mappers ----

/** Reference amounts have 2 decimals, so this is exact. */
const money = (amount: number, currency: string): Money => ({ cents: Math.round(amount * 100), currency });

function expectedCustomer(c: SimClient): UnifiedCustomer {
  return {
    __typename: "Customer",
    source: "cleverinvo",
    sourceId: c.id,
    number: null,
    name: c.name,
    status: c.isActive ? "ACTIVE" : "INACTIVE",
    sourceStatus: c.isActive ? "active" : "inactive",
    firstName: null,
    lastName: null,
    email: c.email,
    phone: c.phone,
    mobile: null,
    // One free-text address: all of it is the first line.
    address:
      c.address === null
        ? null
        : { line1: c.address, line2: null, city: null, region: null, postalCode: null, country: null },
    billingAddress: null,
    taxId: c.taxId,
    customerType: null,
    notes: c.notes,
    smsReminders: null,
    walkIn: null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** PAID = paid in full; PARTIALLY_PAID = unknown; DRAFT/SENT/VIEWED/OVERDUE = nothing paid. */
function expectedAmountPaid(i: CleverInvoInvoiceRecord): Money | null {
  if (i.status === "PAID") return money(i.total, i.currency);
  if (i.status === "PARTIALLY_PAID") return null;
  return { cents: 0, currency: i.currency };
}

/** The invoice as `GET /invoices/:id` gives it. */
function expectedInvoice(i: CleverInvoInvoiceRecord): UnifiedInvoice {
  const m = (amount: number) => money(amount, i.currency);
  return {
    __typename: "Invoice",
    source: "cleverinvo",
    sourceId: i.id,
    number: i.invoiceNumber,
    customerId: i.clientId,
    jobId: null,
    // The six CleverInvo statuses are the unified ones, by name.
    status: i.status,
    sourceStatus: i.status,
    lineItems: i.lineItems.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: m(line.unitPrice),
      discountPercent: 0,
      taxRate: line.taxRate,
      amount: m(line.amount),
      productId: null,
    })),
    subtotal: m(i.subtotal),
    tax: m(i.taxTotal),
    total: m(i.total),
    amountPaid: expectedAmountPaid(i),
    discount: m(i.discountTotal),
    taxInclusive: false,
    issueDate: i.issueDate,
    dueDate: i.dueDate,
    sentAt: i.sentAt,
    paidAt: i.paidAt,
    notes: i.notes,
    terms: i.terms,
    hasPdf: true,
    createdAt: i.createdAt,
    updatedAt: null,
  };
}

/** The invoice as `GET /invoices` gives it: no lines, notes, terms, sentAt or paidAt. */
function expectedListInvoice(i: CleverInvoInvoiceRecord): UnifiedInvoice {
  return {
    ...expectedInvoice(i),
    partial: true,
    lineItems: undefined,
    sentAt: undefined,
    paidAt: undefined,
    notes: undefined,
    terms: undefined,
  };
}

// ---- Simulator state helpers ----

/** The reference's list order (§5): `createdAt` descending, then `id` descending. */
function upstreamOrder<T extends { id: string; createdAt: string }>(records: Iterable<T>): T[] {
  return [...records].sort((a, b) =>
    a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : -1,
  );
}

const clients = () => upstreamOrder(state.clients.values());
const activeClients = () => clients().filter((c) => c.isActive);
const invoices = () => upstreamOrder(state.invoices.values());

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

function must<T>(value: T | null | undefined, what = "value"): T {
  if (value === null || value === undefined) throw new Error(`expected a ${what}`);
  return value;
}

/** Whether positions [offset, offset + limit) fit in one page of some size 1–100 (the fewest requests). */
function fitsOnePage(offset: number, limit: number): boolean {
  for (let size = 1; size <= 100; size++) {
    if (Math.floor(offset / size) === Math.floor((offset + limit - 1) / size)) return true;
  }
  return false;
}

interface Drained<T> {
  records: T[];
  total: number;
  requests: number;
}

/**
 * Pages a stream to its end in windows cycling through `sizes`, checking each window's length and
 * request count on `route` (one request when one page can hold the window, else two: sizes ≤ 100).
 */
async function drain<T>(
  stream: SourceStream<T> | null | undefined,
  route: string,
  sizes: number[] = [37],
): Promise<Drained<T>> {
  const s = must(stream, "stream");
  sim.control.resetCounts();
  const records: T[] = [];
  let total: number | null = null;
  let offset = 0;
  let step = 0;
  let requests = 0;
  do {
    const size = sizes[step++ % sizes.length] ?? 37;
    const before = sim.control.count(route);
    const page = await s.fetch(offset, size);
    const made = sim.control.count(route) - before;
    expect(made).toBe(fitsOnePage(offset, size) ? 1 : 2);
    requests += made;
    if (total === null) total = page.total;
    expect(page.total).toBe(total);
    expect(page.records.length).toBe(Math.min(size, Math.max(0, total - offset)));
    records.push(...page.records);
    offset += size;
  } while (offset < total);
  expect(sim.control.count()).toBe(requests);
  return { records, total, requests };
}

const ids = (records: Array<{ sourceId: string }>) => records.map((record) => record.sourceId);
const windows = (total: number, window = 37) => Math.max(1, Math.ceil(total / window));
const queries = () => sim.control.requests.map((r) => new URLSearchParams(r.query));

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

/** Adds a record to the live state for one test, removed afterwards. */
async function withRecord<T extends { id: string }>(
  map: Map<string, T>,
  record: T,
  body: () => Promise<void>,
): Promise<void> {
  map.set(record.id, record);
  try {
    await body();
  } finally {
    map.delete(record.id);
  }
}

// ---- Tests ----

describe("load(): records map the simulator's records exactly", () => {
  it("clients with every combination of missing fields, active and soft-deleted", async () => {
    const sample = oneOfEach(
      clients(),
      (c) =>
        `${c.isActive}|${c.email === null}|${c.address === null}|${c.taxId === null}|${c.phone === null}|${c.notes === null}`,
    );
    expect(sample.length).toBeGreaterThanOrEqual(20);
    expect(sample.some((c) => !c.isActive)).toBe(true);
    const ds = fresh();
    const loaded = await Promise.all(sample.map((c) => ds.load(ref("Customer", c.id))));
    expect(loaded).toStrictEqual(sample.map(expectedCustomer));
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.client]: sample.length });
  });

  it("the reference's example client, literally", async () => {
    const acme: SimClient = {
      id: "clx8k2m4n6p8q0r2s4t6v8w0y",
      name: "Acme Corp",
      email: "billing@acme.com",
      address: "123 Main St, New York, NY 10001",
      taxId: "US-123456789",
      phone: "+1-555-0100",
      notes: "Net 30 terms",
      isActive: true,
      createdAt: "2024-01-15T00:00:00.000Z",
      updatedAt: "2024-01-15T00:00:00.000Z",
    };
    await withRecord(state.clients, acme, async () => {
      expect(await fresh().load(ref("Customer", acme.id))).toStrictEqual({
        __typename: "Customer",
        source: "cleverinvo",
        sourceId: "clx8k2m4n6p8q0r2s4t6v8w0y",
        number: null,
        name: "Acme Corp",
        status: "ACTIVE",
        sourceStatus: "active",
        firstName: null,
        lastName: null,
        email: "billing@acme.com",
        phone: "+1-555-0100",
        mobile: null,
        address: {
          line1: "123 Main St, New York, NY 10001",
          line2: null,
          city: null,
          region: null,
          postalCode: null,
          country: null,
        },
        billingAddress: null,
        taxId: "US-123456789",
        customerType: null,
        notes: "Net 30 terms",
        smsReminders: null,
        walkIn: null,
        createdAt: "2024-01-15T00:00:00.000Z",
        updatedAt: "2024-01-15T00:00:00.000Z",
      } satisfies UnifiedCustomer);
    });
  });

  it("a soft-deleted client is readable by id and INACTIVE", async () => {
    const deleted = first(
      clients().filter((c) => !c.isActive),
      "soft-deleted client",
    );
    const loaded = (await fresh().load(ref("Customer", deleted.id))) as UnifiedCustomer;
    expect(loaded).toStrictEqual(expectedCustomer(deleted));
    expect(loaded.status).toBe("INACTIVE");
    expect(sim.control.count(ROUTE.client)).toBe(1);
  });

  it("invoices of every status, currency, with and without discount, notes and terms", async () => {
    const sample = oneOfEach(
      invoices(),
      (i) =>
        `${i.status}|${i.currency}|${i.discountTotal > 0}|${i.notes === null}|${i.terms === null}|${i.sentAt === null}|${i.paidAt === null}`,
    );
    const ds = fresh();
    const loaded = (await Promise.all(sample.map((i) => ds.load(ref("Invoice", i.id))))) as UnifiedInvoice[];
    expect(loaded).toStrictEqual(sample.map(expectedInvoice));
    expect(new Set(loaded.map((i) => i.status))).toStrictEqual(
      new Set<InvoiceStatus>(["DRAFT", "SENT", "VIEWED", "PAID", "PARTIALLY_PAID", "OVERDUE"]),
    );
    expect(new Set(loaded.map((i) => i.total.currency))).toStrictEqual(new Set(["USD", "EUR", "GBP", "CAD"]));
    expect(loaded.some((i) => (i.discount?.cents ?? 0) > 0)).toBe(true);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.invoice]: sample.length });
  });

  it("amountPaid: PAID = total, PARTIALLY_PAID = unknown (null), the others 0, in the invoice currency", async () => {
    const byStatus = (status: CleverInvoInvoiceStatus) =>
      first(
        invoices().filter((i) => i.status === status && i.currency !== "USD"),
        `${status} non-USD invoice`,
      );
    const ds = fresh();
    const paid = byStatus("PAID");
    const partially = byStatus("PARTIALLY_PAID");
    const overdue = byStatus("OVERDUE");
    const draft = byStatus("DRAFT");
    const [p, pp, o, d] = (await Promise.all(
      [paid, partially, overdue, draft].map((i) => ds.load(ref("Invoice", i.id))),
    )) as UnifiedInvoice[];
    expect(p?.amountPaid).toStrictEqual({ cents: Math.round(paid.total * 100), currency: paid.currency });
    expect(p?.amountPaid).toStrictEqual(p?.total);
    expect(pp?.amountPaid).toBeNull();
    expect(o?.amountPaid).toStrictEqual({ cents: 0, currency: overdue.currency });
    expect(d?.amountPaid).toStrictEqual({ cents: 0, currency: draft.currency });
  });

  it("a discounted invoice: total = subtotal + tax − discount, to the cent", async () => {
    const discounted = first(
      invoices().filter((i) => i.discountTotal > 0),
      "discounted invoice",
    );
    const loaded = (await fresh().load(ref("Invoice", discounted.id))) as UnifiedInvoice;
    expect(loaded).toStrictEqual(expectedInvoice(discounted));
    const cents = (m: Money | null) => m?.cents ?? Number.NaN;
    expect(cents(loaded.total)).toBe(cents(loaded.subtotal) + cents(loaded.tax) - cents(loaded.discount));
    expect(cents(loaded.discount)).toBeGreaterThan(0);
  });

  it("the reference's example invoice, literally (40 × 125.00 at 10 % = 5500.00 USD)", async () => {
    const client = first(activeClients(), "client");
    const example: CleverInvoInvoiceRecord = {
      id: "clx9a1b3c5d7e9f1g3h5j7k9m",
      clientId: client.id,
      invoiceNumber: "INV-0042",
      currency: "USD",
      issueDate: "2024-06-01",
      dueDate: "2024-07-01",
      lineItems: [
        { description: "Web Development", quantity: 40, unitPrice: 125, amount: 5000, taxRate: 10 },
      ],
      subtotal: 5000,
      taxTotal: 500,
      discountTotal: 0,
      total: 5500,
      status: "SENT",
      notes: "Thank you for your business",
      terms: "Payment due within 30 days",
      sentViaEmail: true,
      sentAt: "2024-06-01T12:00:00.000Z",
      paidAt: null,
      createdAt: "2024-06-01T00:00:00.000Z",
    };
    await withRecord(state.invoices, example, async () => {
      const loaded = await fresh().load(ref("Invoice", example.id));
      // Its due date is long past with nothing paid: the upstream itself answers OVERDUE.
      expect(example.status).toBe("OVERDUE");
      const usd = (cents: number): Money => ({ cents, currency: "USD" });
      expect(loaded).toStrictEqual({
        __typename: "Invoice",
        source: "cleverinvo",
        sourceId: "clx9a1b3c5d7e9f1g3h5j7k9m",
        number: "INV-0042",
        customerId: client.id,
        jobId: null,
        status: "OVERDUE",
        sourceStatus: "OVERDUE",
        lineItems: [
          {
            description: "Web Development",
            quantity: 40,
            unitPrice: usd(12_500),
            discountPercent: 0,
            taxRate: 10,
            amount: usd(500_000),
            productId: null,
          },
        ],
        subtotal: usd(500_000),
        tax: usd(50_000),
        total: usd(550_000),
        amountPaid: usd(0),
        discount: usd(0),
        taxInclusive: false,
        issueDate: "2024-06-01",
        dueDate: "2024-07-01",
        sentAt: "2024-06-01T12:00:00.000Z",
        paidAt: null,
        notes: "Thank you for your business",
        terms: "Payment due within 30 days",
        hasPdf: true,
        createdAt: "2024-06-01T00:00:00.000Z",
        updatedAt: null,
      } satisfies UnifiedInvoice);
    });
  });

  it("a PAID invoice carries sentAt and paidAt; a DRAFT neither", async () => {
    const paid = first(
      invoices().filter((i) => i.status === "PAID"),
      "paid invoice",
    );
    const draft = first(
      invoices().filter((i) => i.status === "DRAFT"),
      "draft invoice",
    );
    const ds = fresh();
    const [p, d] = (await Promise.all([
      ds.load(ref("Invoice", paid.id)),
      ds.load(ref("Invoice", draft.id)),
    ])) as UnifiedInvoice[];
    expect([p?.sentAt, p?.paidAt]).toStrictEqual([paid.sentAt, paid.paidAt]);
    expect(typeof p?.sentAt).toBe("string");
    expect(typeof p?.paidAt).toBe("string");
    expect([d?.sentAt, d?.paidAt]).toStrictEqual([null, null]);
    expect(p?.partial).toBeUndefined();
  });

  it("unknown ids read as null (404 upstream), one request each", async () => {
    const ds = fresh();
    expect(await ds.load(ref("Customer", UNKNOWN_CLIENT))).toBeNull();
    expect(await ds.load(ref("Invoice", UNKNOWN_INVOICE))).toBeNull();
    // An invoice id is not a client id, nor the reverse.
    expect(await ds.load(ref("Customer", first(invoices(), "invoice").id))).toBeNull();
    expect(await ds.load(ref("Invoice", first(clients(), "client").id))).toBeNull();
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.client]: 2, [ROUTE.invoice]: 2 });
  });

  it("another account's client, invoice and PDF read as missing (the upstream answers 404)", async () => {
    const other = sim.account(OTHER_ACCOUNT.id);
    const client = first(upstreamOrder(other.clients.values()), "other account's client");
    const invoice = first(upstreamOrder(other.invoices.values()), "other account's invoice");
    const ds = fresh();
    expect(await ds.load(ref("Customer", client.id))).toBeNull();
    expect(await ds.load(ref("Invoice", invoice.id))).toBeNull();
    expect(await ds.invoicePdf(invoice.id)).toBeNull();
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.client]: 1, [ROUTE.invoice]: 1, [ROUTE.pdf]: 1 });
    // The same ids through the other account's key are found.
    const theirs = fresh({ target: { tenantId: "t2", headers: { authorization: `Bearer ${OTHER_KEY}` } } });
    expect(await theirs.load(ref("Customer", client.id))).toStrictEqual(expectedCustomer(client));
    expect(await theirs.load(ref("Invoice", invoice.id))).toStrictEqual(expectedInvoice(invoice));
  });

  it("Job, SiteVisit and Payment are not CleverInvo types: null without a request", async () => {
    const ds = fresh();
    const id = first(invoices(), "invoice").id;
    expect(await ds.load(ref("Job", id))).toBeNull();
    expect(await ds.load(ref("SiteVisit", id))).toBeNull();
    expect(await ds.load(ref("Payment", id))).toBeNull();
    expect(sim.control.count()).toBe(0);
  });
});

describe("isValidId", () => {
  it("accepts cuids (c + 24 [a-z0-9]) for Customer and Invoice only, without a request", () => {
    const ds = fresh();
    const seeded = first(clients(), "client").id;
    expect(ds.isValidId("Customer", seeded)).toBe(true);
    expect(ds.isValidId("Invoice", first(invoices(), "invoice").id)).toBe(true);
    expect(ds.isValidId("Customer", "clx8k2m4n6p8q0r2s4t6v8w0y")).toBe(true);
    expect(ds.isValidId("Invoice", UNKNOWN_INVOICE)).toBe(true);
    for (const bad of [
      "clx8k2m4n6p8q0r2s4t6v8w0",
      "clx8k2m4n6p8q0r2s4t6v8w0yz",
      "xlx8k2m4n6p8q0r2s4t6v8w0y",
      "cLX8K2M4N6P8Q0R2S4T6V8W0Y",
      "clx8k2m4n6p8q0r2s4t6v8w0-",
      "",
      "42",
    ]) {
      expect(ds.isValidId("Customer", bad)).toBe(false);
      expect(ds.isValidId("Invoice", bad)).toBe(false);
    }
    for (const type of ["Job", "SiteVisit", "Payment"] as const)
      expect(ds.isValidId(type, seeded)).toBe(false);
    expect(sim.control.count()).toBe(0);
  });
});

describe("DataLoader de-duplication and priming", () => {
  it("three concurrent loads of one id make one upstream request", async () => {
    const client = first(clients(), "client");
    const invoice = first(invoices(), "invoice");
    const ds = fresh();
    const loads = await Promise.all([
      ...[1, 2, 3].map(() => ds.load(ref("Customer", client.id))),
      ...[1, 2, 3].map(() => ds.load(ref("Invoice", invoice.id))),
    ]);
    expect(loads).toStrictEqual([
      ...[1, 2, 3].map(() => expectedCustomer(client)),
      ...[1, 2, 3].map(() => expectedInvoice(invoice)),
    ]);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.client]: 1, [ROUTE.invoice]: 1 });
    // Loaded once: later loads in the same request are free.
    await ds.load(ref("Customer", client.id));
    await ds.load(ref("Invoice", invoice.id));
    expect(sim.control.count()).toBe(2);
  });

  it("clients seen in a list are never fetched again by id", async () => {
    const ds = fresh();
    const page = await must(ds.lists.customers)({}).fetch(0, 37);
    expect(sim.control.count()).toBe(1);
    const loaded = await Promise.all(page.records.map((c) => ds.load(ref("Customer", c.sourceId))));
    expect(loaded).toStrictEqual(activeClients().slice(0, 37).map(expectedCustomer));
    expect(sim.control.count()).toBe(1);
    // A soft-deleted client is never in a list: it costs its own request.
    const deleted = first(
      clients().filter((c) => !c.isActive),
      "soft-deleted client",
    );
    expect(await ds.load(ref("Customer", deleted.id))).toStrictEqual(expectedCustomer(deleted));
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.clients]: 1, [ROUTE.client]: 1 });
  });

  it("list invoices are partial, so they do not prime: a by-id load fetches the detail", async () => {
    const ds = fresh();
    const page = await must(ds.lists.invoices)({})?.fetch(0, 3);
    expect(page?.records.every((i) => i.partial === true)).toBe(true);
    const loaded = await Promise.all((page?.records ?? []).map((i) => ds.load(ref("Invoice", i.sourceId))));
    expect(loaded).toStrictEqual(invoices().slice(0, 3).map(expectedInvoice));
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.invoices]: 1, [ROUTE.invoice]: 3 });
  });
});

describe("clearLoaders()", () => {
  it("forgets loaded records: the next load reads the upstream's current state", async () => {
    const client = first(activeClients(), "client");
    const draft = first(
      invoices().filter((i) => i.status === "DRAFT" && i.dueDate >= "2026-03-01"),
      "draft invoice not yet due",
    );
    const ds = fresh();
    expect(await ds.load(ref("Customer", client.id))).toStrictEqual(expectedCustomer(client));
    expect(await ds.load(ref("Invoice", draft.id))).toStrictEqual(expectedInvoice(draft));
    const live = must(state.clients.get(client.id));
    const original = live.name;
    try {
      live.name = "Renamed Between Events";
      sim.sendInvoice(draft.id);
      // Without clearing, the request keeps what it loaded.
      expect(await ds.load(ref("Customer", client.id))).toStrictEqual({
        ...expectedCustomer(client),
        name: original,
      });
      expect(sim.control.count()).toBe(2);
      ds.clearLoaders();
      const [customer, invoice] = await Promise.all([
        ds.load(ref("Customer", client.id)),
        ds.load(ref("Invoice", draft.id)),
      ]);
      expect(customer).toStrictEqual(expectedCustomer(live));
      expect((customer as UnifiedCustomer).name).toBe("Renamed Between Events");
      expect(invoice).toStrictEqual(expectedInvoice(must(state.invoices.get(draft.id))));
      expect((invoice as UnifiedInvoice).status).toBe("SENT");
      expect((invoice as UnifiedInvoice).sentAt).toBe(NOW.toISOString());
      expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.client]: 2, [ROUTE.invoice]: 2 });
    } finally {
      live.name = original;
      const invoice = must(state.invoices.get(draft.id));
      invoice.status = "DRAFT";
      invoice.sentViaEmail = false;
      invoice.sentAt = null;
    }
  });

  it("forgets list pages too: a client soft-deleted meanwhile leaves the list", async () => {
    const ds = fresh();
    const stream = must(ds.lists.customers)({});
    const before = await stream.fetch(0, 5);
    expect(ids(before.records)).toStrictEqual(
      activeClients()
        .slice(0, 5)
        .map((c) => c.id),
    );
    const victim = must(state.clients.get(before.records[0]?.sourceId ?? ""));
    try {
      victim.isActive = false;
      ds.clearLoaders();
      const after = await stream.fetch(0, 5);
      expect(after.total).toBe(before.total - 1);
      expect(after.records).toStrictEqual(activeClients().slice(0, 5).map(expectedCustomer));
      expect(sim.control.count(ROUTE.clients)).toBe(2);
    } finally {
      victim.isActive = true;
    }
  });
});

describe("list streams", () => {
  it("customers: active clients only, every one once, in upstream order, in windows of 37", async () => {
    const all = await drain(must(fresh().lists.customers)({}), ROUTE.clients);
    const active = activeClients();
    expect(active.length).toBeLessThan(state.clients.size);
    expect(all.total).toBe(active.length);
    expect(all.records).toStrictEqual(active.map(expectedCustomer));
    expect(all.requests).toBe(windows(active.length));
  });

  it("customers: misaligned windows (13, 41, 7, 100, 64) give the same records, fewest requests each", async () => {
    const all = await drain(must(fresh().lists.customers)({}), ROUTE.clients, [13, 41, 7, 100, 64]);
    expect(all.total).toBe(activeClients().length);
    expect(all.records).toStrictEqual(activeClients().map(expectedCustomer));
  });

  it("customers: search is the upstream's case-insensitive substring match on name or email", async () => {
    // "& s" checks the query-string encoding ("Perez & Sons").
    for (const needle of ["ACME", "Billing@", "example.ORG", "& s"]) {
      const lower = needle.toLowerCase();
      const expected = activeClients().filter(
        (c) => c.name.toLowerCase().includes(lower) || (c.email?.toLowerCase().includes(lower) ?? false),
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(activeClients().length);
      const all = await drain(must(fresh().lists.customers)({ search: needle }), ROUTE.clients, [23]);
      expect(all.total).toBe(expected.length);
      expect(all.records).toStrictEqual(expected.map(expectedCustomer));
      expect(queries().every((q) => q.get("search") === needle)).toBe(true);
    }
  });

  it("invoices: every record once, partial, in upstream order, in windows of 37", async () => {
    const all = await drain(must(fresh().lists.invoices)({}), ROUTE.invoices);
    expect(all.total).toBe(state.invoices.size);
    expect(all.records).toStrictEqual(invoices().map(expectedListInvoice));
    expect(all.requests).toBe(windows(state.invoices.size));
    for (const record of all.records) {
      expect(record.partial).toBe(true);
      expect(record.lineItems).toBeUndefined();
      expect(record.notes).toBeUndefined();
      expect(record.terms).toBeUndefined();
      expect(record.sentAt).toBeUndefined();
      expect(record.paidAt).toBeUndefined();
    }
  });

  it("invoices: misaligned windows (29, 100, 51, 3) give the same records", async () => {
    const all = await drain(must(fresh().lists.invoices)({}), ROUTE.invoices, [29, 100, 51, 3]);
    expect(all.total).toBe(state.invoices.size);
    expect(ids(all.records)).toStrictEqual(invoices().map((i) => i.id));
  });

  it("invoices: each status is the upstream's status filter", async () => {
    for (const status of ["DRAFT", "SENT", "VIEWED", "PAID", "PARTIALLY_PAID", "OVERDUE"] as const) {
      const expected = invoices().filter((i) => i.status === status);
      expect(expected.length).toBeGreaterThan(0);
      const stream = must(fresh().lists.invoices)({ status });
      expect(stream?.accept).toBeUndefined();
      const all = await drain(stream, ROUTE.invoices, [41]);
      expect(all.total).toBe(expected.length);
      expect(all.records).toStrictEqual(expected.map(expectedListInvoice));
      expect(queries().every((q) => q.get("status") === status && !q.has("clientId"))).toBe(true);
    }
  });

  it("invoices: VOID and any job filter can never match, without a request", () => {
    const invoice = first(invoices(), "invoice");
    const list = must(fresh().lists.invoices);
    expect(list({ status: "VOID" })).toBeNull();
    expect(list({ jobId: { jobId: "job_1", customerId: invoice.clientId } })).toBeNull();
    expect(
      list({ customerId: invoice.clientId, jobId: { jobId: "j", customerId: invoice.clientId } }),
    ).toBeNull();
    expect(sim.control.count()).toBe(0);
  });

  it("invoices: customerId is the upstream's clientId filter, alone and with a status", async () => {
    const perClient = new Map<string, number>();
    for (const i of invoices()) perClient.set(i.clientId, (perClient.get(i.clientId) ?? 0) + 1);
    const client = first(
      clients().filter((c) => (perClient.get(c.id) ?? 0) > 30),
      "client with over 30 invoices",
    );
    const cases: Array<[InvoiceFilter, CleverInvoInvoiceRecord[]]> = [
      [{ customerId: client.id }, invoices().filter((i) => i.clientId === client.id)],
      [
        { customerId: client.id, status: "PAID" },
        invoices().filter((i) => i.clientId === client.id && i.status === "PAID"),
      ],
    ];
    for (const [filter, expected] of cases) {
      expect(expected.length).toBeGreaterThan(0);
      const all = await drain(must(fresh().lists.invoices)(filter), ROUTE.invoices, [9]);
      expect(all.total).toBe(expected.length);
      expect(all.records).toStrictEqual(expected.map(expectedListInvoice));
      expect(
        queries().every(
          (q) => q.get("clientId") === client.id && q.get("status") === (filter.status ?? null),
        ),
      ).toBe(true);
    }
    // A soft-deleted client's invoices are still listed.
    const deleted = first(
      clients().filter((c) => !c.isActive && (perClient.get(c.id) ?? 0) > 0),
      "soft-deleted client with invoices",
    );
    const ofDeleted = await drain(must(fresh().lists.invoices)({ customerId: deleted.id }), ROUTE.invoices);
    expect(ofDeleted.records).toStrictEqual(
      invoices()
        .filter((i) => i.clientId === deleted.id)
        .map(expectedListInvoice),
    );
    // An unknown client has no invoices (an empty list, not an error).
    const none = await must(fresh().lists.invoices)({ customerId: UNKNOWN_CLIENT })?.fetch(0, 10);
    expect(none).toStrictEqual({ records: [], total: 0 });
  });

  it("invoices: issue-date bounds are inclusive gateway-side predicates over the unfiltered list", async () => {
    const dates = [...new Set(invoices().map((i) => i.issueDate))].sort();
    const from = must(dates[Math.floor(dates.length / 3)]);
    const to = must(dates[Math.floor((dates.length * 2) / 3)]);
    const paidClient = first(
      clients().filter(
        (c) =>
          invoices().filter((i) => i.clientId === c.id && i.status === "PAID" && i.issueDate >= from).length >
            3 && invoices().some((i) => i.clientId === c.id && i.status === "PAID" && i.issueDate < from),
      ),
      "client with paid invoices before and after `from`",
    );
    const cases: Array<[InvoiceFilter, CleverInvoInvoiceRecord[], CleverInvoInvoiceRecord[]]> = [
      [
        { issuedFrom: from, issuedTo: to },
        invoices(),
        invoices().filter((i) => i.issueDate >= from && i.issueDate <= to),
      ],
      [{ issuedFrom: to }, invoices(), invoices().filter((i) => i.issueDate >= to)],
      [{ issuedTo: from }, invoices(), invoices().filter((i) => i.issueDate <= from)],
      [{ issuedFrom: from, issuedTo: from }, invoices(), invoices().filter((i) => i.issueDate === from)],
      [
        { customerId: paidClient.id, status: "PAID", issuedFrom: from },
        invoices().filter((i) => i.clientId === paidClient.id && i.status === "PAID"),
        invoices().filter((i) => i.clientId === paidClient.id && i.status === "PAID" && i.issueDate >= from),
      ],
    ];
    for (const [filter, scanned, expected] of cases) {
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(scanned.length);
      const stream = must(fresh().lists.invoices)(filter);
      const accept = must(stream?.accept, "gateway-side predicate");
      const all = await drain(stream, ROUTE.invoices, [100]);
      // The upstream cannot filter dates: the stream is the upstream-filtered list, in full.
      expect(all.total).toBe(scanned.length);
      expect(ids(all.records)).toStrictEqual(scanned.map((i) => i.id));
      const upstreamKeys = [
        "limit",
        "page",
        ...(filter.customerId ? ["clientId"] : []),
        ...(filter.status ? ["status"] : []),
      ];
      expect(queries().every((q) => [...q.keys()].sort().join() === upstreamKeys.sort().join())).toBe(true);
      expect(all.records.filter(accept)).toStrictEqual(expected.map(expectedListInvoice));
    }
  });

  it("invoices: through the paging engine, an issue-date range yields exactly the matches, page by page", async () => {
    const from = "2025-06-01";
    const to = "2025-08-31";
    const expected = invoices().filter((i) => i.issueDate >= from && i.issueDate <= to);
    expect(expected.length).toBeGreaterThan(25);
    const ds = fresh();
    const seen: UnifiedInvoice[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const stream = must(ds.lists.invoices)({ issuedFrom: from, issuedTo: to });
      const page: Page<UnifiedInvoice> = await paginate([must(stream)], {
        first: 25,
        after,
        compare: () => 0,
        cursorSources: ["cleverinvo"],
      });
      pages++;
      expect(page.errors).toStrictEqual([]);
      // Not knowable without scanning everything.
      expect(page.totalCount).toBeNull();
      seen.push(...page.edges.map((edge) => edge.node));
      if (!page.hasNextPage) break;
      after = page.edges.at(-1)?.cursor ?? null;
      expect(pages).toBeLessThan(20);
    }
    expect(seen).toStrictEqual(expected.map(expectedListInvoice));
    expect(pages).toBe(Math.ceil(expected.length / 25));
  });

  it("has no job, site visit or payment list", () => {
    const lists = fresh().lists as StreamFactories;
    expect(lists.jobs).toBeUndefined();
    expect(lists.siteVisits).toBeUndefined();
    expect(lists.payments).toBeUndefined();
  });
});

describe("page planning over page/limit (≤ 100)", () => {
  it.each<[number, number, string[]]>([
    [23, 50, ["page=1&limit=73"]],
    [0, 37, ["page=1&limit=37"]],
    [37, 37, ["page=2&limit=37"]],
    [0, 100, ["page=1&limit=100"]],
    [150, 100, ["page=4&limit=50", "page=5&limit=50"]],
    [99, 2, ["page=34&limit=3"]],
    [680, 50, ["page=12&limit=61"]],
    // The smallest page size that holds [190, 220) in one page: 37 (positions 185–221).
    [190, 30, ["page=6&limit=37"]],
  ])("a window at offset %i limit %i is %j", async (offset, limit, expected) => {
    const page = await must(fresh().lists.invoices)({})?.fetch(offset, limit);
    expect(sim.control.requests.map((r) => r.query.slice(1)).sort()).toStrictEqual([...expected].sort());
    expect(page?.total).toBe(state.invoices.size);
    expect(ids(page?.records ?? [])).toStrictEqual(
      invoices()
        .slice(offset, offset + limit)
        .map((i) => i.id),
    );
  });

  it("a window past the end is empty with the right total", async () => {
    const page = await must(fresh().lists.customers)({})?.fetch(500, 10);
    expect(page).toStrictEqual({ records: [], total: activeClients().length });
    expect(sim.control.count(ROUTE.clients)).toBe(1);
  });
});

describe("invoicePdf()", () => {
  it("the upstream's PDF bytes, named after the invoice number, in one request", async () => {
    const invoice = first(
      invoices().filter((i) => i.status === "PAID"),
      "invoice",
    );
    const pdf = must(await fresh().invoicePdf(invoice.id), "PDF");
    expect(pdf.bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pdf.fileName).toBe(`${invoice.invoiceNumber}.pdf`);
    expect(pdf.bytes.equals(renderInvoicePdf(invoice, must(state.clients.get(invoice.clientId))))).toBe(true);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.pdf]: 1 });
  });

  it("an unknown invoice has no PDF (null), one request", async () => {
    expect(await fresh().invoicePdf(UNKNOWN_INVOICE)).toBeNull();
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.pdf]: 1 });
  });
});

describe("upstream failures through the shared HTTP layer", () => {
  const client = () => first(clients(), "client");
  const invoice = () => first(invoices(), "invoice");

  const reads: Array<{ what: string; route: string; run: (ds: CleverInvoDatasource) => Promise<unknown> }> = [
    { what: "a client by id", route: ROUTE.client, run: (ds) => ds.load(ref("Customer", client().id)) },
    { what: "an invoice by id", route: ROUTE.invoice, run: (ds) => ds.load(ref("Invoice", invoice().id)) },
    { what: "a client page", route: ROUTE.clients, run: (ds) => must(ds.lists.customers)({}).fetch(0, 10) },
    {
      what: "an invoice page",
      route: ROUTE.invoices,
      run: (ds) => must(must(ds.lists.invoices)({})).fetch(0, 10),
    },
    { what: "the invoice PDF", route: ROUTE.pdf, run: (ds) => ds.invoicePdf(invoice().id) },
  ];

  const faults: Array<{ fault: string; rule: FaultRule; code: string; extra: Record<string, number> }> = [
    {
      fault: "HTTP 500",
      rule: { kind: "status", status: 500 },
      code: "UPSTREAM_ERROR",
      extra: { upstreamStatus: 500 },
    },
    {
      fault: "HTTP 503",
      rule: { kind: "status", status: 503 },
      code: "UPSTREAM_UNAVAILABLE",
      extra: { upstreamStatus: 503 },
    },
    {
      fault: "HTTP 429",
      rule: { kind: "rateLimit" },
      code: "UPSTREAM_RATE_LIMITED",
      // The pinned clock is 12:30:00 UTC: the minute window resets in 60 seconds.
      extra: { upstreamStatus: 429, retryAfterSeconds: 60 },
    },
    { fault: "a dropped connection", rule: { kind: "drop" }, code: "UPSTREAM_UNAVAILABLE", extra: {} },
  ];

  const cases = reads.flatMap((read) => faults.map((fault) => ({ ...read, ...fault })));

  it.each(cases)("$fault on $what is $code", async ({ route, run, rule, code, extra }) => {
    sim.control.injectFault({ ...rule, route });
    const error = await rejection(run(fresh()));
    expect(error.extensions).toStrictEqual({ code, source: "cleverinvo", ...extra });
    expect(error.upstream).toBe("cleverinvo");
    expect(sim.control.count()).toBe(1);
    expect(sim.control.count(route)).toBe(1);
  });

  it.each(reads)(
    "a reply slower than the target timeout on $what is UPSTREAM_TIMEOUT",
    async ({ route, run }) => {
      sim.control.injectFault({ kind: "slow", delayMs: 1_000, route });
      const error = await rejection(run(fresh({ target: { timeoutMs: 150 } })));
      expect(error.extensions).toStrictEqual({ code: "UPSTREAM_TIMEOUT", source: "cleverinvo" });
      expect(sim.control.count(route)).toBe(1);
    },
  );

  it.each(reads)("a refused API key (401) on $what is UPSTREAM_ERROR", async ({ route, run }) => {
    const ds = fresh({ target: { headers: { authorization: `Bearer cinv_${"x".repeat(32)}` } } });
    const error = await rejection(run(ds));
    expect(error.extensions).toStrictEqual({
      code: "UPSTREAM_ERROR",
      source: "cleverinvo",
      upstreamStatus: 401,
    });
    expect(error.message).toContain("Invalid or missing API key");
    expect(sim.control.count(route)).toBe(1);
  });

  it("the upstream's own rate limit (429, Retry-After to the end of the UTC minute) is UPSTREAM_RATE_LIMITED", async () => {
    const relaxed = sim.limiter.settings;
    sim.limiter.settings = { limit: 2, windowMs: 60_000, aligned: true };
    sim.limiter.reset();
    try {
      const ds = fresh();
      await ds.load(ref("Customer", client().id));
      await ds.load(ref("Invoice", invoice().id));
      const error = await rejection(ds.invoicePdf(invoice().id));
      expect(error.extensions).toStrictEqual({
        code: "UPSTREAM_RATE_LIMITED",
        source: "cleverinvo",
        upstreamStatus: 429,
        retryAfterSeconds: 60,
      });
      expect(sim.control.count()).toBe(3);
    } finally {
      sim.limiter.settings = relaxed;
      sim.limiter.reset();
    }
  });

  it("an account without API access (403) is UPSTREAM_ERROR naming the plan", async () => {
    state.plan.apiAccess = false;
    try {
      const error = await rejection(fresh().load(ref("Invoice", invoice().id)));
      expect(error.extensions).toStrictEqual({
        code: "UPSTREAM_ERROR",
        source: "cleverinvo",
        upstreamStatus: 403,
      });
      expect(error.message).toContain("API access is not available on your plan");
      const list = await rejection(must(fresh().lists.customers)({}).fetch(0, 10));
      expect(list.extensions).toStrictEqual({
        code: "UPSTREAM_ERROR",
        source: "cleverinvo",
        upstreamStatus: 403,
      });
    } finally {
      state.plan.apiAccess = true;
    }
  });

  it("a failed read is not memoised: after clearLoaders() the next load asks the upstream again", async () => {
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.client, times: 1 });
    const ds = fresh();
    await rejection(ds.load(ref("Customer", client().id)));
    ds.clearLoaders();
    expect(await ds.load(ref("Customer", client().id))).toStrictEqual(expectedCustomer(client()));
    expect(sim.control.count(ROUTE.client)).toBe(2);
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
    ])("one %s is retried: each read succeeds after exactly 2 requests", async (_what, fault) => {
      const ds = () => fresh({ http: retrying, target: { timeoutMs: 150 } });
      const i = invoice();

      sim.control.injectFault({ ...fault, route: ROUTE.invoice, times: 1 });
      expect(await ds().load(ref("Invoice", i.id))).toStrictEqual(expectedInvoice(i));
      expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.invoice]: 2 });

      sim.control.reset();
      sim.control.injectFault({ ...fault, route: ROUTE.clients, times: 1 });
      const page = await must(ds().lists.customers)({}).fetch(0, 20);
      expect(page.records).toStrictEqual(activeClients().slice(0, 20).map(expectedCustomer));
      expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.clients]: 2 });

      sim.control.reset();
      sim.control.injectFault({ ...fault, route: ROUTE.pdf, times: 1 });
      const pdf = must(await ds().invoicePdf(i.id), "PDF");
      expect(pdf.fileName).toBe(`${i.invoiceNumber}.pdf`);
      expect(pdf.bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
      expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.pdf]: 2 });
    });

    it("a 429 whose Retry-After (60 s) is beyond the layer's patience is not retried", async () => {
      sim.control.injectFault({ kind: "rateLimit", route: ROUTE.pdf, times: 1 });
      const error = await rejection(fresh({ http: retrying }).invoicePdf(invoice().id));
      expect(error.extensions).toStrictEqual({
        code: "UPSTREAM_RATE_LIMITED",
        source: "cleverinvo",
        upstreamStatus: 429,
        retryAfterSeconds: 60,
      });
      expect(sim.control.count(ROUTE.pdf)).toBe(1);
    });

    it("a 401 is not retried", async () => {
      const ds = fresh({
        http: retrying,
        target: { headers: { authorization: `Bearer cinv_${"y".repeat(32)}` } },
      });
      const error = await rejection(ds.load(ref("Invoice", invoice().id)));
      expect(error.extensions.code).toBe("UPSTREAM_ERROR");
      expect(sim.control.count(ROUTE.invoice)).toBe(1);
    });
  });
});
