import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CLEVERINVO_DEMO_ACCOUNT,
  CLEVERINVO_DEMO_KEY,
  type CleverInvoAccount,
  type CleverInvoAccountSpec,
  type CleverInvoInvoiceRecord,
  type CleverInvoSim,
  createCleverInvoSim,
  type CleverInvoClient as SimClient,
} from "../../sim/cleverinvo/index.js";
import { CleverInvoClient } from "../../src/datasources/cleverinvo/client.js";
import { CleverInvoDatasource } from "../../src/datasources/cleverinvo/datasource.js";
import { HttpLayer, type UpstreamTarget } from "../../src/datasources/http.js";
import type { ListStream } from "../../src/datasources/paging.js";
import type { Money, UnifiedCustomer, UnifiedInvoice, UnifiedNode } from "../../src/datasources/unified.js";
import { UpstreamError } from "../../src/errors.js";
import type { ChangeFeed } from "../../src/events/types.js";

/**
 * CleverInvo change feeds against the simulator over real HTTP: whole lists at limit=100 in the
 * fewest requests, mapped as the list read path maps them, read from the upstream even when the
 * cross-request cache holds the pages (and leaving the fresh pages for reads), dashboard-only
 * changes (sending) and soft deletes, lists that move while they are read, and upstream failures.
 * Expected records are written from the reference (/work/shared/upstreams/cleverinvo.md).
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const BASE = "/api/v1";
const ROUTE = { clients: `GET ${BASE}/clients`, invoices: `GET ${BASE}/invoices` } as const;

const OTHER_KEY = `cinv_${"Q".repeat(16)}${"7".repeat(16)}`;
const OTHER_ACCOUNT: CleverInvoAccountSpec = {
  id: "other",
  seed: 11,
  apiKeys: [OTHER_KEY],
  size: { clients: 4, invoices: 6 },
};

let sim: CleverInvoSim;
let state: CleverInvoAccount;
/** No cross-request cache: every request reaches the simulator. */
let http: HttpLayer;
let target: UpstreamTarget;

beforeAll(async () => {
  sim = createCleverInvoSim({
    accounts: [CLEVERINVO_DEMO_ACCOUNT, OTHER_ACCOUNT],
    rateLimit: { limit: 1_000_000_000, windowMs: 60_000 },
    now: () => NOW,
  });
  await sim.listen(0);
  state = sim.account(CLEVERINVO_DEMO_ACCOUNT.id);
  // The API moves past-due SENT/VIEWED invoices to OVERDUE on every request: settle that once, so
  // expected records built from the live state before a test's first request are current.
  await api("GET", "/clients?limit=1");
  http = cachingLayer(0);
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

function cachingLayer(ttlMs: number): HttpLayer {
  return new HttpLayer({
    timeoutMs: 2_000,
    retries: 0,
    connections: 16,
    cache: { ttlMs, maxEntries: 1_000 },
  });
}

/** A datasource as one polling cycle gets it. */
const datasource = (layer: HttpLayer = http) => new CleverInvoDatasource(new CleverInvoClient(layer, target));

function feedOf(ds: CleverInvoDatasource, nodeType: ChangeFeed["nodeType"]): ChangeFeed {
  const feed = ds.changeFeeds().find((candidate) => candidate.nodeType === nodeType);
  if (!feed) throw new Error(`no ${nodeType} feed`);
  return feed;
}

/** Every request the simulator saw, as `path?query`, in a stable order (pages go out at once). */
const wire = () => sim.control.requests.map((r) => `${r.path}${r.query}`).sort();

const pageQueries = (path: string, pages: number) =>
  Array.from({ length: pages }, (_, index) => `${BASE}${path}?page=${index + 1}&limit=100`).sort();

async function everything<T>(stream: ListStream<T> | null | undefined, total: number): Promise<T[]> {
  if (!stream || stream.kind === "cursor") throw new Error("expected an offset stream");
  const page = await stream.fetch(0, total);
  expect(page.total).toBe(total);
  return page.records;
}

const byId = (records: UnifiedNode[]) => new Map(records.map((record) => [record.sourceId, record]));

/** The reference's list order (§5): `createdAt` descending, then `id` descending. */
function upstreamOrder<T extends { id: string; createdAt: string }>(records: Iterable<T>): T[] {
  return [...records].sort((a, b) =>
    a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : -1,
  );
}

const activeClients = () => upstreamOrder(state.clients.values()).filter((c) => c.isActive);
const invoices = () => upstreamOrder(state.invoices.values());

function firstAndLast<T>(records: T[]): T[] {
  const first = records[0];
  const last = records.at(-1);
  if (first === undefined || last === undefined) throw new Error("no seeded records");
  return [first, last];
}

function client(id: string): SimClient {
  const found = state.clients.get(id);
  if (!found) throw new Error(`no simulated client ${id}`);
  return found;
}

/** Calls `react` with the 1-based number of each upstream answer on `route`, as it arrives. */
function onAnswers(layer: HttpLayer, route: string, react: (answer: number) => void): () => void {
  let answers = 0;
  return layer.observe((event) => {
    if (event.route === route && !event.cached) react(++answers);
  });
}

async function api(
  method: "GET" | "PUT" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${CLEVERINVO_DEMO_KEY}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}`);
  return response.status === 204 ? null : response.json();
}

// ---- Expected list records, from the reference ----

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

/** An invoice as `GET /invoices` gives it: no lines, notes, terms, sentAt or paidAt. */
function expectedInvoice(i: CleverInvoInvoiceRecord): UnifiedInvoice {
  const m = (amount: number) => money(amount, i.currency);
  return {
    __typename: "Invoice",
    source: "cleverinvo",
    sourceId: i.id,
    partial: true,
    number: i.invoiceNumber,
    customerId: i.clientId,
    jobId: null,
    status: i.status,
    sourceStatus: i.status,
    lineItems: undefined,
    subtotal: m(i.subtotal),
    tax: m(i.taxTotal),
    total: m(i.total),
    // PAID = paid in full; PARTIALLY_PAID = unknown; the others = nothing paid.
    amountPaid: i.status === "PAID" ? m(i.total) : i.status === "PARTIALLY_PAID" ? null : m(0),
    discount: m(i.discountTotal),
    taxInclusive: false,
    issueDate: i.issueDate,
    dueDate: i.dueDate,
    sentAt: undefined,
    paidAt: undefined,
    notes: undefined,
    terms: undefined,
    hasPdf: true,
    createdAt: i.createdAt,
    updatedAt: null,
  };
}

/** Each feed's list: route, path, simulator records, another account's ids, the read path's list. */
const LISTS = [
  {
    nodeType: "Customer",
    route: ROUTE.clients,
    path: "/clients",
    size: () => activeClients().length,
    others: () => sim.account(OTHER_ACCOUNT.id).clients.keys(),
    readPath: (ds: CleverInvoDatasource, total: number): Promise<UnifiedNode[]> =>
      everything(ds.lists.customers({}), total),
  },
  {
    nodeType: "Invoice",
    route: ROUTE.invoices,
    path: "/invoices",
    size: () => state.invoices.size,
    others: () => sim.account(OTHER_ACCOUNT.id).invoices.keys(),
    readPath: (ds: CleverInvoDatasource, total: number): Promise<UnifiedNode[]> =>
      everything(ds.lists.invoices({}), total),
  },
] as const;

describe("CleverInvo change feeds", () => {
  it("watch clients (customers) and invoices, dropping what their writes drop; no request until a snapshot", () => {
    const feeds = datasource().changeFeeds();
    expect(feeds.map(({ nodeType, stale }) => ({ nodeType, stale }))).toStrictEqual([
      { nodeType: "Customer", stale: ["/clients", "/invoices"] },
      { nodeType: "Invoice", stale: ["/invoices"] },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it.each(LISTS)(
    "$nodeType: every record of the account, as the list read path maps it, in ceil(N / 100) requests",
    async (list) => {
      const size = list.size();
      const pages = Math.ceil(size / 100);
      expect(size).toBeGreaterThan(100);

      const { records, requests } = await feedOf(datasource(), list.nodeType).snapshot();

      expect(records).toHaveLength(size);
      expect(new Set(records.map((record) => record.sourceId)).size).toBe(size);
      expect(requests).toBe(pages);
      expect(sim.control.snapshot()).toStrictEqual({ [list.route]: pages });
      expect(wire()).toStrictEqual(pageQueries(list.path, pages));
      const ids = new Set(records.map((record) => record.sourceId));
      expect([...list.others()].filter((id) => ids.has(id))).toStrictEqual([]);
      expect(records).toStrictEqual(await list.readPath(datasource(), size));
    },
  );

  it("maps list records exactly (newest and oldest of each kind); soft-deleted clients are not listed", async () => {
    const ds = datasource();
    const customers = byId((await feedOf(ds, "Customer").snapshot()).records);
    const listed = byId((await feedOf(ds, "Invoice").snapshot()).records);
    for (const c of firstAndLast(activeClients()))
      expect(customers.get(c.id)).toStrictEqual(expectedCustomer(c));
    for (const i of firstAndLast(invoices())) expect(listed.get(i.id)).toStrictEqual(expectedInvoice(i));
    const inactive = [...state.clients.values()].filter((c) => !c.isActive);
    expect(inactive.length).toBeGreaterThan(0);
    expect(inactive.filter((c) => customers.has(c.id))).toStrictEqual([]);
  });

  it("a second snapshot sees upstream and dashboard changes although the cache holds the pages, and leaves fresh pages for reads", async () => {
    const cached = cachingLayer(60_000);
    try {
      const before = {
        clients: await feedOf(datasource(cached), "Customer").snapshot(),
        invoices: await feedOf(datasource(cached), "Invoice").snapshot(),
      };
      const [renamed, removed] = activeClients() as [SimClient, SimClient];
      // Not yet due: a sent invoice past its due date would turn OVERDUE.
      const draft = invoices().find((i) => i.status === "DRAFT" && i.dueDate >= "2026-03-01");
      if (!draft) throw new Error("no seeded draft invoice");
      sim.control.resetCounts();
      await datasource(cached).lists.customers({}).fetch(0, 100);
      expect(sim.control.count()).toBe(0);

      await api("PUT", `/clients/${renamed.id}`, { name: "Acme Corporation" });
      await api("DELETE", `/clients/${removed.id}`);
      sim.sendInvoice(draft.id);
      sim.control.resetCounts();

      const clients = await feedOf(datasource(cached), "Customer").snapshot();
      const listed = await feedOf(datasource(cached), "Invoice").snapshot();

      expect(byId(clients.records).get(renamed.id)).toStrictEqual(expectedCustomer(client(renamed.id)));
      expect(byId(clients.records).get(renamed.id)).toMatchObject({ name: "Acme Corporation" });
      expect(clients.records).toHaveLength(before.clients.records.length - 1);
      expect(byId(clients.records).has(removed.id)).toBe(false);
      expect(byId(listed.records).get(draft.id)).toMatchObject({ status: "SENT", sourceStatus: "SENT" });
      expect(byId(listed.records).get(draft.id)).toStrictEqual(expectedInvoice(draft));
      expect(listed.records).toHaveLength(before.invoices.records.length);
      const pages = (size: number) => Math.ceil(size / 100);
      expect([clients.requests, listed.requests]).toStrictEqual([
        pages(activeClients().length),
        pages(state.invoices.size),
      ]);
      expect(sim.control.snapshot()).toStrictEqual({
        [ROUTE.clients]: pages(activeClients().length),
        [ROUTE.invoices]: pages(state.invoices.size),
      });

      sim.control.resetCounts();
      const page = await datasource(cached).lists.customers({}).fetch(0, 100);
      expect(page.records.find((record) => record.sourceId === renamed.id)?.name).toBe("Acme Corporation");
      expect(sim.control.count()).toBe(0);
    } finally {
      await cached.close();
    }
  });

  it("a list that moves between its page requests is read again, so no record goes missing", async () => {
    // Deactivating the newest client once page 1 is in shifts page 2 up by one: the record that was
    // first on page 2 would be skipped, and read as deleted by the poller.
    const newest = activeClients()[0] as SimClient;
    const stop = onAnswers(http, "/clients", (answer) => {
      if (answer === 1) newest.isActive = false;
    });
    try {
      const { records, requests } = await feedOf(datasource(), "Customer").snapshot();
      const pages = Math.ceil(activeClients().length / 100);
      expect(requests).toBe(2 * pages);
      expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.clients]: 2 * pages });
      expect(records.map((record) => record.sourceId)).toStrictEqual(activeClients().map((c) => c.id));
    } finally {
      stop();
      newest.isActive = true;
    }
  });

  it("a list that keeps moving fails the snapshot after two reads, rather than report records as deleted", async () => {
    const deactivated: SimClient[] = [];
    const pages = Math.ceil(activeClients().length / 100);
    const stop = onAnswers(http, "/clients", (answer) => {
      if (answer % pages === 1) {
        const newest = activeClients()[0] as SimClient;
        newest.isActive = false;
        deactivated.push(newest);
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
        "cleverinvo GET /clients changed while it was being read, 2 times in a row: no consistent snapshot of the list",
      );
      expect((error as UpstreamError).extensions).toMatchObject({
        code: "UPSTREAM_ERROR",
        source: "cleverinvo",
      });
      expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.clients]: 2 * pages });
    } finally {
      stop();
      for (const c of deactivated) c.isActive = true;
    }
  });

  it("an upstream failure fails the snapshot with the upstream's error", async () => {
    sim.control.injectFault({ kind: "status", status: 500, route: ROUTE.invoices, times: 1 });
    const error = await feedOf(datasource(), "Invoice")
      .snapshot()
      .then(
        () => null,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toBe("cleverinvo GET /invoices failed: HTTP 500");
    expect((error as UpstreamError).extensions).toMatchObject({
      code: "UPSTREAM_ERROR",
      source: "cleverinvo",
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.invoices]: 1 });
  });
});
