import { spawnSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CLEVERINVO_DEMO_ACCOUNT,
  CLEVERINVO_DEMO_KEY,
  type CleverInvoAccount,
  type CleverInvoAccountSpec,
  type CleverInvoClient,
  type CleverInvoInvoice,
  type CleverInvoInvoiceListItem,
  type CleverInvoInvoiceRecord,
  type CleverInvoInvoiceStatus,
  type CleverInvoList,
  type CleverInvoSim,
  type CleverInvoSimOptions,
  createCleverInvoSim,
  INVOICE_STATUSES,
  renderInvoicePdf,
  seedAccount,
} from "../../sim/cleverinvo/index.js";

/** 30 seconds into the UTC minute, 30 seconds after SEED_ANCHOR (2026-03-01T12:00:00Z). */
const T0 = Date.parse("2026-03-01T12:00:30.000Z");
const NOW = "2026-03-01T12:00:30.000Z";
const TODAY = "2026-03-01";

const SECOND_KEY = `cinv_${"S".repeat(16)}${"2".repeat(16)}`;
const OTHER_KEY = `cinv_${"o".repeat(32)}`;
const LOCKED_KEY = `cinv_${"L".repeat(32)}`;

const DEMO: CleverInvoAccountSpec = {
  ...CLEVERINVO_DEMO_ACCOUNT,
  apiKeys: [...CLEVERINVO_DEMO_ACCOUNT.apiKeys, SECOND_KEY],
};
const OTHER: CleverInvoAccountSpec = {
  id: "other",
  seed: 11,
  apiKeys: [OTHER_KEY],
  size: { clients: 5, invoices: 12 },
};
const LOCKED: CleverInvoAccountSpec = {
  id: "locked",
  seed: 12,
  apiKeys: [LOCKED_KEY],
  size: { clients: 2, invoices: 2 },
  plan: { apiAccess: false },
};

interface Started {
  sim: CleverInvoSim;
  base: string;
  clock: { ms: number };
}

/** Reads and writes run with a relaxed limit; the rate-limit tests use the reference's own. */
async function start(options: CleverInvoSimOptions = {}): Promise<Started> {
  const clock = { ms: T0 };
  const sim = createCleverInvoSim({
    accounts: [DEMO, OTHER, LOCKED],
    now: () => new Date(clock.ms),
    rateLimit: { limit: 1_000_000, windowMs: 60_000 },
    ...options,
  });
  const base = await sim.listen(0);
  return { sim, base, clock };
}

interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function call<T = unknown>(
  base: string,
  method: string,
  path: string,
  options: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? CLEVERINVO_DEMO_KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let payload: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    headers["content-type"] = "application/json";
    payload = options.raw ?? JSON.stringify(options.body);
  }
  const response = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as T,
    text,
  };
}

async function download(base: string, path: string, key = CLEVERINVO_DEMO_KEY) {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return {
    status: response.status,
    headers: response.headers,
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

const err = (error: string) => ({ error });
const CUID = /^c[a-z0-9]{24}$/;

/** §5's order, computed independently from the live state. */
function newestFirst<T extends { id: string; createdAt: string }>(records: Iterable<T>): T[] {
  return [...records].sort((a, b) =>
    a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
  );
}

/** Walks a list to the end, page by page. */
async function walk<T extends { id: string }>(
  base: string,
  path: string,
  limit: number,
): Promise<{ items: T[]; pages: Array<CleverInvoList<T>> }> {
  const items: T[] = [];
  const pages: Array<CleverInvoList<T>> = [];
  const separator = path.includes("?") ? "&" : "?";
  for (let page = 1; ; page++) {
    const answer = await call<CleverInvoList<T>>(
      base,
      "GET",
      `${path}${separator}page=${page}&limit=${limit}`,
    );
    expect(answer.status).toBe(200);
    pages.push(answer.body);
    if (answer.body.data.length === 0) break;
    items.push(...answer.body.data);
  }
  return { items, pages };
}

/** Exact decimal arithmetic written independently of the simulator's own. */
function decimal(value: number): [bigint, number] {
  const text = String(value);
  if (/e/i.test(text)) throw new Error(`test helper: exponent in ${text}`);
  const [whole = "0", fraction = ""] = text.split(".");
  return [BigInt(`${whole}${fraction}`), fraction.length];
}
function halfUp(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  return (numerator % denominator) * 2n >= denominator ? quotient + 1n : quotient;
}
const lineCents = (quantity: number, unitPrice: number) => {
  const [q, qs] = decimal(quantity);
  const [p, ps] = decimal(unitPrice);
  return halfUp(q * p * 100n, 10n ** BigInt(qs + ps));
};
const taxCents = (amountCents: bigint, rate: number) => {
  const [r, rs] = decimal(rate);
  return halfUp(amountCents * r, 100n * 10n ** BigInt(rs));
};
const cents = (value: number) => {
  const [digits, scale] = decimal(value);
  return scale <= 2 ? digits * 10n ** BigInt(2 - scale) : Number.NaN;
};

function hasPdftotext(): boolean {
  return spawnSync("pdftotext", ["-v"]).error === undefined;
}
function pdftotext(bytes: Buffer): string {
  const result = spawnSync("pdftotext", ["-layout", "-", "-"], { input: bytes });
  expect(result.status, result.stderr.toString()).toBe(0);
  expect(result.stderr.toString()).toBe("");
  return result.stdout.toString("utf8");
}

/** Structural PDF checks that need no reader: header, xref offsets, trailer, startxref. */
function checkPdfStructure(bytes: Buffer): { objects: number; pages: number; text: string } {
  const text = bytes.toString("latin1");
  expect(text.startsWith("%PDF-1.4\n")).toBe(true);
  expect(text.endsWith("%%EOF\n")).toBe(true);
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
  expect(text.slice(startxref, startxref + 5)).toBe("xref\n");
  const header = /^xref\n0 (\d+)\n/.exec(text.slice(startxref));
  const size = Number(header?.[1]);
  const table = text.slice(startxref + (header?.[0].length ?? 0)).split("\n");
  expect(table[0]).toBe("0000000000 65535 f ");
  for (let n = 1; n < size; n++) {
    const entry = table[n] ?? "";
    expect(entry).toMatch(/^\d{10} 00000 n $/);
    const offset = Number(entry.slice(0, 10));
    expect(text.slice(offset, offset + `${n} 0 obj\n`.length)).toBe(`${n} 0 obj\n`);
  }
  expect(text).toContain(`trailer\n<< /Size ${size} /Root 1 0 R`);
  // Every stream's /Length is its exact byte length.
  for (const match of text.matchAll(/<< \/Length (\d+) >>\nstream\n/g)) {
    const start = (match.index ?? 0) + match[0].length;
    expect(text.slice(start + Number(match[1]), start + Number(match[1]) + 10)).toBe("endstream\n");
  }
  const pages = Number(/\/Type \/Pages \/Kids \[[^\]]*\] \/Count (\d+)/.exec(text)?.[1]);
  return { objects: size - 1, pages, text };
}

// -------------------------------------------------------------------------------------------------

describe("CleverInvo seed data", () => {
  it("generates ~200 clients and 700 invoices quickly, consistently and exactly", () => {
    const started = performance.now();
    const account = seedAccount(CLEVERINVO_DEMO_ACCOUNT);
    expect(performance.now() - started).toBeLessThan(300);
    expect(account.clients.size).toBe(200);
    expect(account.invoices.size).toBe(700);
    const inactive = [...account.clients.values()].filter((client) => !client.isActive);
    expect(inactive).toHaveLength(6);

    const ids = new Set<string>();
    for (const client of account.clients.values()) {
      expect(client.id).toMatch(CUID);
      ids.add(client.id);
      expect(client.createdAt <= client.updatedAt).toBe(true);
      expect(client.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      if (client.email !== null) expect(client.email).toMatch(/^[^\s@]+@[^\s@]+\.[^\s@]+$/);
    }
    const statuses = new Map<CleverInvoInvoiceStatus, number>();
    const currencies = new Set<string>();
    const numbers = new Set<string>();
    for (const invoice of account.invoices.values()) {
      expect(invoice.id).toMatch(CUID);
      ids.add(invoice.id);
      numbers.add(invoice.invoiceNumber);
      currencies.add(invoice.currency);
      statuses.set(invoice.status, (statuses.get(invoice.status) ?? 0) + 1);
      const client = account.clients.get(invoice.clientId);
      expect(client).toBeDefined();
      expect(invoice.createdAt > client!.createdAt).toBe(true);
      expect(invoice.issueDate).toBe(invoice.createdAt.slice(0, 10));
      expect(invoice.dueDate >= invoice.issueDate).toBe(true);
      expect(invoice.lineItems.length).toBeGreaterThanOrEqual(1);
      expect(invoice.lineItems.length).toBeLessThanOrEqual(6);
      // Totals, exactly.
      let subtotal = 0n;
      let tax = 0n;
      for (const item of invoice.lineItems) {
        const amount = lineCents(item.quantity, item.unitPrice);
        expect(cents(item.amount)).toBe(amount);
        subtotal += amount;
        tax += taxCents(amount, item.taxRate);
      }
      expect(cents(invoice.subtotal)).toBe(subtotal);
      expect(cents(invoice.taxTotal)).toBe(tax);
      expect(cents(invoice.total)).toBe(subtotal + tax - BigInt(cents(invoice.discountTotal)));
      // Statuses agree with the dates as of the anchor.
      const pastDue = invoice.dueDate < TODAY;
      if (invoice.status === "DRAFT") {
        expect([invoice.sentViaEmail, invoice.sentAt, invoice.paidAt, invoice.discountTotal]).toEqual([
          false,
          null,
          null,
          0,
        ]);
      } else {
        expect(invoice.sentViaEmail).toBe(true);
        expect(invoice.sentAt! >= invoice.createdAt).toBe(true);
      }
      if (invoice.status === "PAID") expect(invoice.paidAt! > invoice.sentAt!).toBe(true);
      else expect(invoice.paidAt).toBeNull();
      if (invoice.status === "SENT" || invoice.status === "VIEWED") expect(pastDue).toBe(false);
      if (invoice.status === "OVERDUE") expect(pastDue).toBe(true);
    }
    expect(ids.size).toBe(900);
    expect(numbers.size).toBe(700);
    expect(numbers.has("INV-0001")).toBe(true);
    expect([...statuses.keys()].sort()).toEqual([...INVOICE_STATUSES].sort());
    for (const count of statuses.values()) expect(count).toBeGreaterThanOrEqual(10);
    expect([...currencies].sort()).toEqual(["CAD", "EUR", "GBP", "USD"]);
    expect([...account.invoices.values()].some((invoice) => invoice.discountTotal > 0)).toBe(true);
    expect([...account.invoices.values()].some((invoice) => !/^INV-\d+$/.test(invoice.invoiceNumber))).toBe(
      true,
    );
  });

  it("is deterministic per spec and differs between seeds", () => {
    const a = seedAccount(CLEVERINVO_DEMO_ACCOUNT);
    const b = seedAccount(CLEVERINVO_DEMO_ACCOUNT);
    const dump = (account: CleverInvoAccount) =>
      JSON.stringify([[...account.clients.values()], [...account.invoices.values()]]);
    expect(dump(b)).toBe(dump(a));
    expect(dump(seedAccount({ ...CLEVERINVO_DEMO_ACCOUNT, seed: 7 }))).not.toBe(dump(a));
    const small = seedAccount({ id: "s", seed: 3, apiKeys: [], size: { clients: 3, invoices: 0 } });
    expect([small.clients.size, small.invoices.size]).toEqual([3, 0]);
  });
});

// -------------------------------------------------------------------------------------------------

describe("CleverInvo simulator: auth and rate limit", () => {
  let s: Started;
  beforeAll(async () => {
    s = await start({ rateLimit: undefined });
  });
  afterAll(() => s.sim.close());
  afterEach(() => {
    s.sim.limiter.reset();
    s.sim.control.reset();
    s.clock.ms = T0;
  });

  it("answers 401 for missing, malformed, unknown and revoked keys, before anything else", async () => {
    const demo = s.sim.account("demo");
    const revoked = `cinv_${"R".repeat(32)}`;
    demo.apiKeys.push(revoked);
    expect((await call(s.base, "GET", "/clients?limit=1", { key: revoked })).status).toBe(200);
    demo.apiKeys.pop();
    const cases: Array<Record<string, string> | null> = [
      null,
      { authorization: "" },
      { authorization: `Basic ${CLEVERINVO_DEMO_KEY}` },
      { authorization: CLEVERINVO_DEMO_KEY },
      { authorization: "Bearer cinv_short" },
      { authorization: `Bearer ${CLEVERINVO_DEMO_KEY}x` },
      { authorization: `Bearer cinv_${"a".repeat(31)}-` },
      { authorization: `Bearer cinv_${"z".repeat(32)}` },
      { authorization: `Bearer ${revoked}` },
      { "x-api-key": CLEVERINVO_DEMO_KEY },
    ];
    for (const headers of cases) {
      const answer = await call(s.base, "GET", "/clients", { key: null, headers: headers ?? {} });
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(answer.body).toEqual(err("Invalid or missing API key"));
      expect(answer.headers.get("retry-after")).toBeNull();
    }
    // Unknown paths and writes sit behind authentication too; the scheme is case-insensitive.
    expect((await call(s.base, "GET", "/nowhere", { key: null })).status).toBe(401);
    expect((await call(s.base, "DELETE", "/clients/x", { key: null })).status).toBe(401);
    const lower = await call(s.base, "GET", "/clients?limit=1", {
      key: null,
      headers: { authorization: `bearer ${CLEVERINVO_DEMO_KEY}` },
    });
    expect(lower.status).toBe(200);
  });

  it("allows 120 requests per UTC minute per key; the 121st gets 429 with Retry-After only", async () => {
    const client = [...s.sim.account("demo").clients.values()][0]!;
    // Errors count too (404s, 400s); 401s do not.
    for (let i = 0; i < 120; i++) {
      const path =
        i % 3 === 0 ? "/clients/cmissing" : i % 3 === 1 ? "/clients?page=0" : `/clients/${client.id}`;
      const answer = await call(s.base, "GET", path);
      expect(answer.status).toBe([404, 400, 200][i % 3]);
      expect(answer.headers.get("x-ratelimit-limit")).toBeNull();
      expect(answer.headers.get("retry-after")).toBeNull();
    }
    expect((await call(s.base, "GET", "/clients", { key: `cinv_${"q".repeat(32)}` })).status).toBe(401);
    const refused = await call(s.base, "GET", "/clients?limit=1");
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(err("Rate limit exceeded"));
    expect(refused.headers.get("retry-after")).toBe("30");
    expect([...refused.headers.keys()].filter((name) => name.startsWith("x-ratelimit"))).toEqual([]);
    // 429 comes before 404 and 400; 429s do not count, so the window just stays exhausted.
    expect((await call(s.base, "GET", "/clients/cmissing")).status).toBe(429);
    expect((await call(s.base, "POST", "/clients", { raw: "{" })).status).toBe(429);
    s.clock.ms = T0 + 29_001;
    const later = await call(s.base, "GET", "/clients?limit=1");
    expect([later.status, later.headers.get("retry-after")]).toEqual([429, "1"]);
    // Per key: the account's second key has its own window.
    expect((await call(s.base, "GET", "/clients?limit=1", { key: SECOND_KEY })).status).toBe(200);
    // The next UTC minute opens a fresh window.
    s.clock.ms = Date.parse("2026-03-01T12:01:00.000Z");
    expect((await call(s.base, "GET", "/clients?limit=1")).status).toBe(200);
  });

  it("answers 403 on every endpoint of an account without API access, after 401 and 429", async () => {
    const paths: Array<[string, string]> = [
      ["GET", "/clients"],
      ["POST", "/clients"],
      ["GET", "/clients/cmissing"],
      ["PUT", "/clients/cmissing"],
      ["DELETE", "/clients/cmissing"],
      ["GET", "/invoices"],
      ["POST", "/invoices"],
      ["GET", "/invoices/cmissing"],
      ["PATCH", "/invoices/cmissing"],
      ["DELETE", "/invoices/cmissing"],
      ["GET", "/invoices/cmissing/pdf"],
      ["GET", "/nowhere"],
    ];
    for (const [method, path] of paths) {
      const answer = await call(s.base, method, path, {
        key: LOCKED_KEY,
        raw: method === "GET" ? undefined : "{",
      });
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body).toEqual(err("API access is not available on your plan"));
    }
    s.sim.limiter.settings.limit = paths.length;
    expect((await call(s.base, "GET", "/clients", { key: LOCKED_KEY })).status).toBe(429);
    s.sim.limiter.settings.limit = 120;
  });

  it("injects reference-exact faults: 5xx bodies, 429 with Retry-After, drops and delays", async () => {
    s.sim.control.injectFault({ kind: "status", status: 503, route: "GET /api/v1/invoices/:id", times: 1 });
    const faulted = await call(s.base, "GET", "/invoices/cmissing");
    expect([faulted.status, faulted.body]).toEqual([503, err("Internal server error")]);
    expect((await call(s.base, "GET", "/invoices/cmissing")).status).toBe(404);

    s.sim.control.injectFault({ kind: "status", times: 1 });
    expect(await call(s.base, "GET", "/clients?limit=1")).toMatchObject({
      status: 500,
      body: err("Internal server error"),
    });

    s.sim.control.injectFault({ kind: "rateLimit", times: 1 });
    const limited = await call(s.base, "GET", "/clients?limit=1", { key: null });
    expect([limited.status, limited.body, limited.headers.get("retry-after")]).toEqual([
      429,
      err("Rate limit exceeded"),
      "30",
    ]);

    s.sim.control.injectFault({ kind: "drop", times: 1 });
    await expect(call(s.base, "GET", "/clients?limit=1")).rejects.toThrow();
    s.sim.control.injectFault({ kind: "slow", delayMs: 150, times: 1 });
    const started = Date.now();
    expect((await call(s.base, "GET", "/clients?limit=1")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(s.sim.control.requests.map((request) => request.faulted)).toEqual([
      "status",
      null,
      "status",
      "rateLimit",
      "drop",
      "slow",
    ]);
  });

  it("counts requests per route key, PDF downloads and aliases apart", async () => {
    const invoice = [...s.sim.account("demo").invoices.values()][0]!;
    s.sim.control.resetCounts();
    await call(s.base, "GET", `/invoices/${invoice.id}`);
    await call(s.base, "GET", `/invoices/${invoice.id}`);
    await call(s.base, "GET", "/invoices/cmissing");
    await call(s.base, "GET", `/invoices/${invoice.id}`, { key: null });
    await download(s.base, `/invoices/${invoice.id}/pdf`);
    await call(s.base, "PATCH", "/invoices/cmissing", { body: {} });
    await call(s.base, "GET", "/nowhere");
    expect(s.sim.control.count("GET /api/v1/invoices/:id")).toBe(4);
    expect(s.sim.control.count("GET /api/v1/invoices/:id/pdf")).toBe(1);
    expect(s.sim.control.count("PATCH /api/v1/invoices/:id")).toBe(1);
    expect(s.sim.control.count("PUT /api/v1/invoices/:id")).toBe(0);
    expect(s.sim.control.count("GET <unmatched>")).toBe(1);
    expect(s.sim.control.count()).toBe(7);
  });
});

// -------------------------------------------------------------------------------------------------

describe("CleverInvo simulator: reads", () => {
  let s: Started;
  let demo: CleverInvoAccount;
  let activeClients: CleverInvoClient[];
  let invoices: CleverInvoInvoiceRecord[];
  beforeAll(async () => {
    s = await start();
    demo = s.sim.account("demo");
    activeClients = newestFirst([...demo.clients.values()].filter((client) => client.isActive));
    invoices = newestFirst(demo.invoices.values());
  });
  afterAll(() => s.sim.close());

  const listItem = (invoice: CleverInvoInvoiceRecord): CleverInvoInvoiceListItem => {
    const client = demo.clients.get(invoice.clientId)!;
    return {
      id: invoice.id,
      clientId: invoice.clientId,
      invoiceNumber: invoice.invoiceNumber,
      currency: invoice.currency,
      issueDate: invoice.issueDate,
      dueDate: invoice.dueDate,
      subtotal: invoice.subtotal,
      taxTotal: invoice.taxTotal,
      discountTotal: invoice.discountTotal,
      total: invoice.total,
      status: invoice.status,
      createdAt: invoice.createdAt,
      client: { name: client.name, email: client.email },
    };
  };

  describe("pagination", () => {
    it("walks every active client once, newest first, with exact totals", async () => {
      expect(activeClients).toHaveLength(194);
      for (const limit of [100, 7]) {
        const { items, pages } = await walk<CleverInvoClient>(s.base, "/clients", limit);
        expect(items).toEqual(activeClients);
        const totalPages = Math.ceil(194 / limit);
        expect(pages).toHaveLength(totalPages + 1);
        pages.forEach((page, index) => {
          expect([page.total, page.page, page.limit, page.totalPages]).toEqual([
            194,
            index + 1,
            limit,
            totalPages,
          ]);
        });
      }
    });

    it("walks every invoice once as list items, newest first", async () => {
      const { items, pages } = await walk<CleverInvoInvoiceListItem>(s.base, "/invoices", 100);
      expect(items).toEqual(invoices.map(listItem));
      expect(new Set(items.map((item) => item.id)).size).toBe(700);
      expect(pages.map((page) => page.data.length)).toEqual([100, 100, 100, 100, 100, 100, 100, 0]);
      expect(pages[7]).toEqual({ data: [], total: 700, page: 8, limit: 100, totalPages: 7 });
      // Keys exactly as the reference's list item, in its order.
      expect(Object.keys(items[0]!)).toEqual([
        "id",
        "clientId",
        "invoiceNumber",
        "currency",
        "issueDate",
        "dueDate",
        "subtotal",
        "taxTotal",
        "discountTotal",
        "total",
        "status",
        "createdAt",
        "client",
      ]);
    });

    it("defaults to page 1, limit 20; empty values count as absent; totalPages 0 for nothing", async () => {
      const first = await call<CleverInvoList<CleverInvoClient>>(s.base, "GET", "/clients");
      expect(first.body).toEqual({
        data: activeClients.slice(0, 20),
        total: 194,
        page: 1,
        limit: 20,
        totalPages: 10,
      });
      const empty = await call(s.base, "GET", "/clients?page=&limit=&search=");
      expect(empty.body).toEqual(first.body);
      const last = await call<CleverInvoList<CleverInvoClient>>(s.base, "GET", "/clients?page=10");
      expect(last.body.data).toEqual(activeClients.slice(180));
      const past = await call(s.base, "GET", "/invoices?page=99999&limit=100");
      expect(past.body).toEqual({ data: [], total: 700, page: 99999, limit: 100, totalPages: 7 });
      const none = await call(s.base, "GET", "/invoices?search=zzzz-no-match");
      expect(none.body).toEqual({ data: [], total: 0, page: 1, limit: 20, totalPages: 0 });
      const padded = await call<CleverInvoList<CleverInvoClient>>(
        s.base,
        "GET",
        "/clients?page=02&limit=005",
      );
      expect([padded.body.page, padded.body.limit]).toEqual([2, 5]);
    });

    it("rejects invalid page, limit, search and status values, first in table order", async () => {
      const cases: Array<[string, string]> = [
        ["/clients?page=0", "page"],
        ["/clients?page=-1", "page"],
        ["/clients?page=abc", "page"],
        ["/clients?page=1.5", "page"],
        ["/invoices?page=1e2", "page"],
        ["/clients?limit=0", "limit"],
        ["/clients?limit=101", "limit"],
        ["/invoices?limit=ten", "limit"],
        ["/invoices?limit=%2010", "limit"],
        [`/clients?search=${"a".repeat(256)}`, "search"],
        [`/invoices?search=${"é".repeat(256)}`, "search"],
        ["/invoices?status=paid", "status"],
        ["/invoices?status=CANCELLED", "status"],
        ["/invoices?status=DRAFT,SENT", "status"],
        ["/invoices?limit=0&page=0", "page"],
        ["/invoices?status=x&limit=500", "limit"],
        [`/invoices?status=x&search=${"a".repeat(300)}`, "search"],
      ];
      for (const [path, param] of cases) {
        const answer = await call(s.base, "GET", path);
        expect(answer.status, path).toBe(400);
        expect(answer.body).toEqual(err(`Invalid query parameter: ${param}`));
      }
      expect((await call(s.base, "GET", `/clients?search=${"é".repeat(255)}`)).status).toBe(200);
      expect((await call(s.base, "GET", "/clients?limit=100&page=1")).status).toBe(200);
      // `clientId` and `status` are invoice filters; on /clients they are unknown and ignored.
      const ignored = await call<CleverInvoList<CleverInvoClient>>(
        s.base,
        "GET",
        "/clients?status=nope&clientId=x",
      );
      expect(ignored.body.total).toBe(194);
    });
  });

  describe("filters", () => {
    it("searches active clients by name or e-mail, case-insensitively", async () => {
      const sample = activeClients.find((client) => client.name.includes("&") && client.email !== null)!;
      const word = sample.name.split(" ")[0]!.toUpperCase();
      const expected = activeClients.filter(
        (client) =>
          client.name.toLowerCase().includes(word.toLowerCase()) ||
          client.email?.toLowerCase().includes(word.toLowerCase()),
      );
      const byName = await walk<CleverInvoClient>(s.base, `/clients?search=${encodeURIComponent(word)}`, 100);
      expect(byName.items).toEqual(expected);
      expect(byName.pages[0]!.total).toBe(expected.length);

      const domain = "mail.example.com";
      const byEmail = await walk<CleverInvoClient>(s.base, `/clients?search=${domain.toUpperCase()}`, 100);
      expect(byEmail.items).toEqual(activeClients.filter((client) => client.email?.includes(domain)));
      expect(byEmail.items.length).toBeGreaterThan(10);

      // Phone, address and notes are not searched; inactive clients never appear.
      const phone = activeClients.find((client) => client.phone?.startsWith("+1-"))!.phone!;
      expect(
        (await call<CleverInvoList<CleverInvoClient>>(s.base, "GET", `/clients?search=${phone}`)).body.total,
      ).toBe(0);
      const gone = [...demo.clients.values()].find((client) => !client.isActive)!;
      const search = await call<CleverInvoList<CleverInvoClient>>(
        s.base,
        "GET",
        `/clients?limit=100&search=${encodeURIComponent(gone.name)}`,
      );
      expect(search.body.data.map((client) => client.id)).not.toContain(gone.id);
    });

    it("filters invoices by status, by client (walking a busy client), and combined", async () => {
      for (const status of INVOICE_STATUSES) {
        const { items, pages } = await walk<CleverInvoInvoiceListItem>(
          s.base,
          `/invoices?status=${status}`,
          100,
        );
        const expected = invoices.filter((invoice) => invoice.status === status);
        expect(items).toEqual(expected.map(listItem));
        expect(pages[0]!.total).toBe(expected.length);
        expect(expected.length).toBeGreaterThan(0);
      }
      const counts = new Map<string, number>();
      for (const invoice of invoices) counts.set(invoice.clientId, (counts.get(invoice.clientId) ?? 0) + 1);
      const [busyId, busyCount] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
      expect(busyCount).toBeGreaterThan(20);
      const busy = await walk<CleverInvoInvoiceListItem>(s.base, `/invoices?clientId=${busyId}`, 20);
      expect(busy.items).toEqual(invoices.filter((invoice) => invoice.clientId === busyId).map(listItem));
      expect(busy.pages[0]!.totalPages).toBe(Math.ceil(busyCount / 20));

      const combined = await walk<CleverInvoInvoiceListItem>(
        s.base,
        `/invoices?clientId=${busyId}&status=PAID`,
        100,
      );
      expect(combined.items).toEqual(
        invoices.filter((invoice) => invoice.clientId === busyId && invoice.status === "PAID").map(listItem),
      );
      const unknown = await call(s.base, "GET", "/invoices?clientId=cnobody");
      expect(unknown.body).toEqual({ data: [], total: 0, page: 1, limit: 20, totalPages: 0 });
      // Invoices of soft-deleted clients are kept and listed.
      const gone = [...demo.clients.values()].find(
        (client) => !client.isActive && invoices.some((invoice) => invoice.clientId === client.id),
      )!;
      const kept = await call<CleverInvoList<CleverInvoInvoiceListItem>>(
        s.base,
        "GET",
        `/invoices?clientId=${gone.id}`,
      );
      expect(kept.body.total).toBe(invoices.filter((invoice) => invoice.clientId === gone.id).length);
      expect(kept.body.total).toBeGreaterThan(0);
    });

    it("searches invoices by number, client name and client e-mail", async () => {
      const byNumber = await call<CleverInvoList<CleverInvoInvoiceListItem>>(
        s.base,
        "GET",
        "/invoices?search=inv-0042",
      );
      expect(byNumber.body.data.map((item) => item.invoiceNumber)).toEqual(["INV-0042"]);
      const custom = invoices.find((invoice) => !/^INV-\d+$/.test(invoice.invoiceNumber))!;
      const year = await call<CleverInvoList<CleverInvoInvoiceListItem>>(
        s.base,
        "GET",
        `/invoices?search=${custom.invoiceNumber.slice(0, 9)}`,
      );
      expect(year.body.data.map((item) => item.id)).toContain(custom.id);

      const client = activeClients.find(
        (c) => c.email !== null && invoices.some((i) => i.clientId === c.id),
      )!;
      for (const needle of [client.name, client.email!.toUpperCase()]) {
        const lower = needle.toLowerCase();
        const expected = invoices.filter((invoice) => {
          const owner = demo.clients.get(invoice.clientId)!;
          return (
            invoice.invoiceNumber.toLowerCase().includes(lower) ||
            owner.name.toLowerCase().includes(lower) ||
            owner.email?.toLowerCase().includes(lower) === true
          );
        });
        const found = await walk<CleverInvoInvoiceListItem>(
          s.base,
          `/invoices?search=${encodeURIComponent(needle)}`,
          100,
        );
        expect(found.items).toEqual(expected.map(listItem));
        expect(found.items.length).toBeGreaterThan(0);
      }
    });
  });

  describe("by id", () => {
    it("returns clients (inactive ones too) and 404 for unknown or other-tenant ids", async () => {
      const client = activeClients[5]!;
      const answer = await call<{ data: CleverInvoClient }>(s.base, "GET", `/clients/${client.id}`);
      expect(answer.body).toEqual({ data: client });
      expect(Object.keys(answer.body.data)).toEqual([
        "id",
        "name",
        "email",
        "address",
        "taxId",
        "phone",
        "notes",
        "isActive",
        "createdAt",
        "updatedAt",
      ]);
      const gone = [...demo.clients.values()].find((c) => !c.isActive)!;
      expect((await call(s.base, "GET", `/clients/${gone.id}`)).body).toEqual({ data: gone });

      const otherClient = [...s.sim.account("other").clients.values()][0]!;
      const otherInvoice = [...s.sim.account("other").invoices.values()][0]!;
      for (const path of ["/clients/cmissing", `/clients/${otherClient.id}`, "/clients/%20"]) {
        expect(await call(s.base, "GET", path)).toMatchObject({ status: 404, body: err("Client not found") });
      }
      for (const path of [
        "/invoices/cmissing",
        `/invoices/${otherInvoice.id}`,
        `/invoices/${otherInvoice.id}/pdf`,
      ]) {
        expect(await call(s.base, "GET", path)).toMatchObject({
          status: 404,
          body: err("Invoice not found"),
        });
      }
      expect((await call(s.base, "GET", `/clients/${otherClient.id}`, { key: OTHER_KEY })).status).toBe(200);
    });

    it("returns the full invoice with line items and the client's name and e-mail", async () => {
      const invoice = invoices.find(
        (i) => i.status === "PAID" && i.lineItems.length > 2 && i.notes !== null,
      )!;
      const client = demo.clients.get(invoice.clientId)!;
      const answer = await call<{ data: CleverInvoInvoice }>(s.base, "GET", `/invoices/${invoice.id}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        data: { ...invoice, client: { name: client.name, email: client.email } },
      });
      expect(Object.keys(answer.body.data)).toEqual([
        "id",
        "clientId",
        "invoiceNumber",
        "currency",
        "issueDate",
        "dueDate",
        "lineItems",
        "subtotal",
        "taxTotal",
        "discountTotal",
        "total",
        "status",
        "notes",
        "terms",
        "sentViaEmail",
        "sentAt",
        "paidAt",
        "createdAt",
        "client",
      ]);
      expect(Object.keys(answer.body.data.lineItems[0]!)).toEqual([
        "description",
        "quantity",
        "unitPrice",
        "amount",
        "taxRate",
      ]);
    });

    it("answers 404 Not found for unknown paths and methods under the base path", async () => {
      for (const [method, path] of [
        ["GET", "/nowhere"],
        ["GET", ""],
        ["POST", "/clients/cabc"],
        ["PUT", "/clients"],
        ["DELETE", "/invoices"],
        ["POST", "/invoices/cabc/pdf"],
        ["GET", "/invoices/cabc/pdf/extra"],
      ] as const) {
        const answer = await call(s.base, method, path);
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(answer.body).toEqual(err("Not found"));
      }
      const outside = await fetch(`${s.base.replace("/api/v1", "")}/elsewhere`);
      expect([outside.status, await outside.json()]).toEqual([404, err("Not found")]);
    });
  });

  it("serves identical answers from two simulators with the same seed", async () => {
    const twin = await start();
    try {
      for (const path of [
        "/clients?limit=100",
        "/invoices?limit=100&page=3",
        `/invoices/${invoices[9]!.id}`,
      ]) {
        const mine = await call(s.base, "GET", path);
        const theirs = await call(twin.base, "GET", path);
        expect(theirs.text).toBe(mine.text);
      }
      const pdfs = await Promise.all(
        [s.base, twin.base].map((base) => download(base, `/invoices/${invoices[3]!.id}/pdf`)),
      );
      expect(pdfs[0]!.bytes.equals(pdfs[1]!.bytes)).toBe(true);
    } finally {
      await twin.sim.close();
    }
  });
});

// -------------------------------------------------------------------------------------------------

describe("CleverInvo simulator: PDF", () => {
  let s: Started;
  let demo: CleverInvoAccount;
  beforeAll(async () => {
    s = await start();
    demo = s.sim.account("demo");
  });
  afterAll(() => s.sim.close());

  it("downloads a valid PDF 1.4 with the invoice number, client, lines and totals", async () => {
    const invoice = [...demo.invoices.values()].find((i) => i.lineItems.length >= 3 && i.currency === "USD")!;
    const client = demo.clients.get(invoice.clientId)!;
    const answer = await download(s.base, `/invoices/${invoice.id}/pdf`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/pdf");
    expect(answer.headers.get("content-disposition")).toBe(
      `attachment; filename="${invoice.invoiceNumber}.pdf"`,
    );
    expect(answer.headers.get("content-length")).toBe(String(answer.bytes.length));
    expect(answer.bytes.equals(renderInvoicePdf(invoice, client))).toBe(true);

    const { pages, text } = checkPdfStructure(answer.bytes);
    expect(pages).toBe(1);
    // The content streams are uncompressed: the text is there as PDF string literals.
    expect(text).toContain(`(${invoice.invoiceNumber}) Tj`);
    const total = invoice.total.toLocaleString("en-US", {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    expect(text).toContain(`(USD ${total}) Tj`);

    if (hasPdftotext()) {
      const extracted = pdftotext(answer.bytes);
      expect(extracted).toContain(invoice.invoiceNumber);
      expect(extracted).toContain(client.name);
      for (const item of invoice.lineItems) expect(extracted).toContain(item.description);
      expect(extracted).toMatch(new RegExp(`Total:\\s+USD ${total.replace(/[.,]/g, "\\$&")}`));
      expect(extracted).toContain(`Status: ${invoice.status}`);
      const info = spawnSync("pdfinfo", ["-"], { input: answer.bytes });
      expect(info.stderr.toString()).toBe("");
      expect(info.stdout.toString()).toMatch(/PDF version:\s+1\.4/);
      expect(info.stdout.toString()).toMatch(/Pages:\s+1\n/);
      expect(info.stdout.toString()).toContain(`Invoice ${invoice.invoiceNumber}`);
    }
  });

  it("flows a 100-line invoice with long text and non-ASCII over several valid pages", async () => {
    const client = [...demo.clients.values()].find((c) => c.isActive)!;
    const lineItems = Array.from({ length: 100 }, (_, index) => ({
      description: `Tâche n°${index + 1} – ${"révision (détaillée) \\ ".repeat(index % 4 === 0 ? 20 : 1)}`,
      quantity: 1.5,
      unitPrice: 0.125,
      taxRate: 8.875,
    }));
    const created = await call<{ data: { id: string } }>(s.base, "POST", "/invoices", {
      body: {
        clientId: client.id,
        invoiceNumber: "FAC-2026/€-001",
        currency: "EUR",
        lineItems,
        notes: "Merci ! ".repeat(240),
        terms: "Paiement à 30 jours",
      },
    });
    expect(created.status).toBe(201);
    const answer = await download(s.base, `/invoices/${created.body.data.id}/pdf`);
    expect(answer.headers.get("content-disposition")).toBe('attachment; filename="FAC-2026/_-001.pdf"');
    const { pages } = checkPdfStructure(answer.bytes);
    expect(pages).toBeGreaterThan(3);
    if (hasPdftotext()) {
      const extracted = pdftotext(answer.bytes);
      expect(extracted).toContain("FAC-2026/€-001");
      expect(extracted).toContain("Tâche n°100 – révision (détaillée) \\");
      expect(extracted).toContain(`Page ${pages} of ${pages}`);
      // 100 × round2(1.5 × 0.125 = 0.1875) = 100 × 0.19; tax 100 × round2(0.19 × 8.875 %) = 100 × 0.02.
      expect(extracted).toMatch(/Subtotal:\s+EUR 19\.00/);
      expect(extracted).toMatch(/Total:\s+EUR 21\.00/);
    }
  });

  it("reflects updates and disappears with the invoice", async () => {
    const client = [...demo.clients.values()].find((c) => c.isActive)!;
    const created = await call<{ data: { id: string; invoiceNumber: string } }>(s.base, "POST", "/invoices", {
      body: { clientId: client.id, lineItems: [{ description: "Audit", quantity: 1, unitPrice: 100 }] },
    });
    const id = created.body.data.id;
    const before = await download(s.base, `/invoices/${id}/pdf`);
    await call(s.base, "PUT", `/invoices/${id}`, {
      body: { lineItems: [{ description: "Audit", quantity: 3, unitPrice: 100 }] },
    });
    const after = await download(s.base, `/invoices/${id}/pdf`);
    expect(after.bytes.equals(before.bytes)).toBe(false);
    expect(checkPdfStructure(after.bytes).text).toContain("(USD 300.00) Tj");
    expect((await call(s.base, "DELETE", `/invoices/${id}`)).status).toBe(204);
    const gone = await call(s.base, "GET", `/invoices/${id}/pdf`);
    expect([gone.status, gone.body, gone.headers.get("content-type")]).toEqual([
      404,
      err("Invoice not found"),
      "application/json",
    ]);
  });
});

// -------------------------------------------------------------------------------------------------

describe("CleverInvo simulator: client writes", () => {
  let s: Started;
  let demo: CleverInvoAccount;
  beforeAll(async () => {
    s = await start();
    demo = s.sim.account("demo");
  });
  afterAll(() => s.sim.close());
  afterEach(() => {
    s.clock.ms = T0;
  });

  const DOC_CLIENT = {
    name: "Acme Corp",
    email: "billing@acme.com",
    address: "123 Main St, New York, NY 10001",
    taxId: "US-123456789",
    phone: "+1-555-0100",
    notes: "Net 30 terms",
  };

  it("creates a client (201), visible by id and first in the list", async () => {
    const created = await call<{ data: CleverInvoClient }>(s.base, "POST", "/clients", {
      body: { ...DOC_CLIENT, isActive: false, id: "cmine", createdAt: "2020-01-01T00:00:00.000Z" },
    });
    expect(created.status).toBe(201);
    const client = created.body.data;
    expect(client).toEqual({
      id: expect.stringMatching(CUID),
      ...DOC_CLIENT,
      isActive: true,
      createdAt: NOW,
      updatedAt: NOW,
    });
    expect((await call(s.base, "GET", `/clients/${client.id}`)).body).toEqual({ data: client });
    const list = await call<CleverInvoList<CleverInvoClient>>(s.base, "GET", "/clients?limit=1");
    expect(list.body).toEqual({ data: [client], total: 195, page: 1, limit: 1, totalPages: 195 });
    expect(demo.clients.get(client.id)).toEqual(client);

    const minimal = await call<{ data: CleverInvoClient }>(s.base, "POST", "/clients", {
      body: { name: "Solo" },
    });
    expect(minimal.body.data).toMatchObject({
      name: "Solo",
      email: null,
      address: null,
      taxId: null,
      phone: null,
      notes: null,
      isActive: true,
    });
    const nulls = await call<{ data: CleverInvoClient }>(s.base, "POST", "/clients", {
      body: { name: "Nulls", email: null, address: null, taxId: null, phone: null, notes: null },
    });
    expect(nulls.status).toBe(201);
  });

  it("validates client bodies field by field, reporting the first failure", async () => {
    const cases: Array<[string | unknown, string]> = [
      ["", "Invalid JSON body"],
      ["{", "Invalid JSON body"],
      ["[]", "Invalid JSON body"],
      ['"name"', "Invalid JSON body"],
      ["null", "Invalid JSON body"],
      [{}, "Missing required field: name"],
      [{ name: null }, "Missing required field: name"],
      [{ name: "" }, "Invalid field: name"],
      [{ name: "   " }, "Invalid field: name"],
      [{ name: 42 }, "Invalid field: name"],
      [{ name: "x".repeat(256) }, "Invalid field: name"],
      [{ email: "nope" }, "Missing required field: name"],
      [{ name: "A", email: "nope" }, "Invalid field: email"],
      [{ name: "A", email: "a@b" }, "Invalid field: email"],
      [{ name: "A", email: `${"a".repeat(250)}@b.com` }, "Invalid field: email"],
      [{ name: "A", email: 7 }, "Invalid field: email"],
      [{ name: "A", address: "x".repeat(501), email: "bad" }, "Invalid field: email"],
      [{ name: "A", address: "x".repeat(501) }, "Invalid field: address"],
      [{ name: "A", taxId: "x".repeat(101) }, "Invalid field: taxId"],
      [{ name: "A", phone: "x".repeat(51) }, "Invalid field: phone"],
      [{ name: "A", phone: 5550100 }, "Invalid field: phone"],
      [{ name: "A", notes: "x".repeat(2001) }, "Invalid field: notes"],
    ];
    const before = demo.clients.size;
    for (const [body, message] of cases) {
      const answer = await call(
        s.base,
        "POST",
        "/clients",
        typeof body === "string" ? { raw: body } : { body },
      );
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toEqual(err(message));
    }
    expect(demo.clients.size).toBe(before);
    // Limits are inclusive; lengths count characters.
    const edge = await call(s.base, "POST", "/clients", {
      body: {
        name: "é".repeat(255),
        address: "x".repeat(500),
        taxId: "x".repeat(100),
        notes: "😀".repeat(2000),
      },
    });
    expect(edge.status).toBe(201);
  });

  it("enforces the plan's client limit on active clients, after validation", async () => {
    const active = () => [...demo.clients.values()].filter((client) => client.isActive).length;
    demo.plan.clientLimit = active();
    try {
      expect((await call(s.base, "POST", "/clients", { body: {} })).body).toEqual(
        err("Missing required field: name"),
      );
      const refused = await call(s.base, "POST", "/clients", { body: { name: "One too many" } });
      expect([refused.status, refused.body]).toEqual([403, err("Client limit reached for your plan")]);
      // Soft-deleting one frees a slot.
      const victim = [...demo.clients.values()].find((client) => client.isActive)!;
      expect((await call(s.base, "DELETE", `/clients/${victim.id}`)).status).toBe(204);
      expect((await call(s.base, "POST", "/clients", { body: { name: "Fits" } })).status).toBe(201);
    } finally {
      demo.plan.clientLimit = null;
    }
  });

  it("updates with PUT and PATCH (partial, null clears), with 404 before 400", async () => {
    const created = await call<{ data: CleverInvoClient }>(s.base, "POST", "/clients", { body: DOC_CLIENT });
    const id = created.body.data.id;
    s.clock.ms = Date.parse("2026-03-01T12:00:45.123Z");
    const put = await call<{ data: CleverInvoClient }>(s.base, "PUT", `/clients/${id}`, {
      body: { name: "Acme Corporation", email: "billing@acme.com", phone: "+1-555-0200" },
    });
    expect(put.status).toBe(200);
    expect(put.body.data).toEqual({
      ...created.body.data,
      name: "Acme Corporation",
      phone: "+1-555-0200",
      updatedAt: "2026-03-01T12:00:45.123Z",
    });
    const patch = await call<{ data: CleverInvoClient }>(s.base, "PATCH", `/clients/${id}`, {
      body: { notes: null, address: null, taxId: "EU-1" },
    });
    expect(patch.body.data).toMatchObject({
      name: "Acme Corporation",
      notes: null,
      address: null,
      taxId: "EU-1",
    });
    expect((await call(s.base, "GET", `/clients/${id}`)).body).toEqual({ data: patch.body.data });
    // An empty object changes nothing but updatedAt.
    expect((await call(s.base, "PUT", `/clients/${id}`, { body: {} })).status).toBe(200);

    const cases: Array<[unknown, string]> = [
      [{ name: null }, "Invalid field: name"],
      [{ name: "" }, "Invalid field: name"],
      [{ email: "nope", name: "" }, "Invalid field: name"],
      [{ email: "nope" }, "Invalid field: email"],
      [{ phone: ["x"] }, "Invalid field: phone"],
      [{ isActive: "yes" }, "Invalid field: isActive"],
      [{ isActive: null }, "Invalid field: isActive"],
    ];
    for (const [body, message] of cases) {
      expect(await call(s.base, "PUT", `/clients/${id}`, { body })).toMatchObject({
        status: 400,
        body: err(message),
      });
    }
    expect(await call(s.base, "PUT", `/clients/${id}`, { raw: "nope" })).toMatchObject({
      status: 400,
      body: err("Invalid JSON body"),
    });
    expect(await call(s.base, "PUT", "/clients/cmissing", { raw: "nope" })).toMatchObject({
      status: 404,
      body: err("Client not found"),
    });
    expect(demo.clients.get(id)).toMatchObject({ name: "Acme Corporation", email: "billing@acme.com" });
  });

  it("soft-deletes: 204, gone from the list, still by id, no new invoices, reactivated by PUT", async () => {
    const created = await call<{ data: CleverInvoClient }>(s.base, "POST", "/clients", {
      body: { name: "Leaving" },
    });
    const id = created.body.data.id;
    const invoice = await call<{ data: { id: string } }>(s.base, "POST", "/invoices", {
      body: { clientId: id, lineItems: [{ description: "Work", quantity: 1, unitPrice: 10 }] },
    });
    expect(invoice.status).toBe(201);
    const totalBefore = (await call<CleverInvoList<CleverInvoClient>>(s.base, "GET", "/clients?limit=1")).body
      .total;

    s.clock.ms = Date.parse("2026-03-01T12:00:50.000Z");
    const deleted = await call(s.base, "DELETE", `/clients/${id}`);
    expect([deleted.status, deleted.text, deleted.headers.get("content-type")]).toEqual([204, "", null]);
    const list = await call<CleverInvoList<CleverInvoClient>>(
      s.base,
      "GET",
      "/clients?limit=100&search=Leaving",
    );
    expect(list.body.data.map((client) => client.id)).not.toContain(id);
    expect((await call<CleverInvoList<CleverInvoClient>>(s.base, "GET", "/clients?limit=1")).body.total).toBe(
      totalBefore - 1,
    );
    const byId = await call<{ data: CleverInvoClient }>(s.base, "GET", `/clients/${id}`);
    expect(byId.body.data).toMatchObject({ isActive: false, updatedAt: "2026-03-01T12:00:50.000Z" });

    // Again: 204, unchanged.
    s.clock.ms = Date.parse("2026-03-01T12:00:55.000Z");
    expect((await call(s.base, "DELETE", `/clients/${id}`)).status).toBe(204);
    expect(demo.clients.get(id)?.updatedAt).toBe("2026-03-01T12:00:50.000Z");
    expect(await call(s.base, "DELETE", "/clients/cmissing")).toMatchObject({
      status: 404,
      body: err("Client not found"),
    });

    // Its invoices are kept; it cannot receive new ones or be moved onto a DRAFT.
    expect((await call(s.base, "GET", `/invoices/${invoice.body.data.id}`)).status).toBe(200);
    const refused = await call(s.base, "POST", "/invoices", {
      body: { clientId: id, lineItems: [{ description: "Work", quantity: 1, unitPrice: 10 }] },
    });
    expect([refused.status, refused.body]).toEqual([404, err("Client not found")]);
    expect(
      await call(s.base, "PUT", `/invoices/${invoice.body.data.id}`, { body: { clientId: id } }),
    ).toMatchObject({ status: 404, body: err("Client not found") });
    // Editing a DRAFT of an inactive client without touching clientId is fine.
    expect(
      (await call(s.base, "PUT", `/invoices/${invoice.body.data.id}`, { body: { notes: "x" } })).status,
    ).toBe(200);

    const back = await call<{ data: CleverInvoClient }>(s.base, "PUT", `/clients/${id}`, {
      body: { isActive: true },
    });
    expect(back.body.data.isActive).toBe(true);
    const again = await call<CleverInvoList<CleverInvoClient>>(
      s.base,
      "GET",
      "/clients?limit=100&search=Leaving",
    );
    expect(again.body.data.map((c) => c.id)).toContain(id);
    expect((await call<CleverInvoList<CleverInvoClient>>(s.base, "GET", "/clients?limit=1")).body.total).toBe(
      totalBefore,
    );
  });
});

// -------------------------------------------------------------------------------------------------

describe("CleverInvo simulator: invoice writes", () => {
  let s: Started;
  let demo: CleverInvoAccount;
  let client: CleverInvoClient;
  beforeAll(async () => {
    s = await start();
    demo = s.sim.account("demo");
    client = [...demo.clients.values()].find((c) => c.isActive && c.email !== null)!;
  });
  afterAll(() => s.sim.close());
  afterEach(() => {
    s.clock.ms = T0;
  });

  const DOC_INVOICE = {
    invoiceNumber: "INV-0042-DOC",
    currency: "USD",
    issueDate: "2024-06-01",
    dueDate: "2024-07-01",
    lineItems: [{ description: "Web Development", quantity: 40, unitPrice: 125.0, taxRate: 10 }],
    notes: "Thank you for your business",
    terms: "Payment due within 30 days",
  };
  const line = (extra: Record<string, unknown> = {}) => ({
    description: "Work",
    quantity: 1,
    unitPrice: 10,
    ...extra,
  });

  it("creates the documented invoice: 201 summary, then the full DRAFT by id and in the list", async () => {
    const created = await call<{ data: { id: string } }>(s.base, "POST", "/invoices", {
      body: { clientId: client.id, ...DOC_INVOICE },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      data: { id: expect.stringMatching(CUID), invoiceNumber: "INV-0042-DOC", total: 5500, status: "DRAFT" },
    });
    expect(created.text).toContain('"total":5500,');
    const id = created.body.data.id;
    const full = await call<{ data: CleverInvoInvoice }>(s.base, "GET", `/invoices/${id}`);
    expect(full.body).toEqual({
      data: {
        id,
        clientId: client.id,
        invoiceNumber: "INV-0042-DOC",
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
        status: "DRAFT",
        notes: "Thank you for your business",
        terms: "Payment due within 30 days",
        sentViaEmail: false,
        sentAt: null,
        paidAt: null,
        createdAt: NOW,
        client: { name: client.name, email: client.email },
      },
    });
    const list = await call<CleverInvoList<CleverInvoInvoiceListItem>>(s.base, "GET", "/invoices?limit=1");
    expect(list.body.data[0]?.id).toBe(id);
    const drafts = await call<CleverInvoList<CleverInvoInvoiceListItem>>(
      s.base,
      "GET",
      `/invoices?status=DRAFT&clientId=${client.id}&search=0042-doc`,
    );
    expect(drafts.body.data.map((item) => item.id)).toEqual([id]);
    // A DRAFT past its due date stays DRAFT (only issued invoices go overdue).
    expect(demo.invoices.get(id)?.status).toBe("DRAFT");
    // The client's current name shows on its invoices.
    await call(s.base, "PATCH", `/clients/${client.id}`, { body: { name: "Renamed Client" } });
    const renamed = await call<{ data: CleverInvoInvoice }>(s.base, "GET", `/invoices/${id}`);
    expect(renamed.body.data.client).toEqual({ name: "Renamed Client", email: client.email });
    client = demo.clients.get(client.id)!;
  });

  it("applies defaults: next INV number, USD, today, +30 days, taxRate 0, nulls", async () => {
    const highest = Math.max(
      ...[...demo.invoices.values()]
        .map((invoice) => /^INV-(\d+)$/.exec(invoice.invoiceNumber)?.[1])
        .filter((suffix): suffix is string => suffix !== undefined)
        .map(Number),
    );
    expect(highest).toBe(695);
    const created = await call<{ data: { id: string; invoiceNumber: string } }>(s.base, "POST", "/invoices", {
      body: { clientId: client.id, lineItems: [line()] },
    });
    expect(created.body.data).toMatchObject({ invoiceNumber: "INV-0696", total: 10, status: "DRAFT" });
    expect(demo.invoices.get(created.body.data.id)).toMatchObject({
      currency: "USD",
      issueDate: TODAY,
      dueDate: "2026-03-31",
      lineItems: [{ description: "Work", quantity: 1, unitPrice: 10, amount: 10, taxRate: 0 }],
      notes: null,
      terms: null,
    });
    // Explicit dates: the due date defaults from the given issue date; custom numbers are skipped.
    const dated = await call<{ data: { id: string; invoiceNumber: string } }>(s.base, "POST", "/invoices", {
      body: { clientId: client.id, issueDate: "2026-12-15", currency: "EUR", lineItems: [line()] },
    });
    expect(dated.body.data.invoiceNumber).toBe("INV-0697");
    expect(demo.invoices.get(dated.body.data.id)).toMatchObject({
      currency: "EUR",
      issueDate: "2026-12-15",
      dueDate: "2027-01-14",
    });
    await call(s.base, "POST", "/invoices", {
      body: { clientId: client.id, invoiceNumber: "INV-9", lineItems: [line()] },
    });
    await call(s.base, "POST", "/invoices", {
      body: { clientId: client.id, invoiceNumber: "INV-01000", lineItems: [line()] },
    });
    const next = await call<{ data: { invoiceNumber: string } }>(s.base, "POST", "/invoices", {
      body: { clientId: client.id, lineItems: [line()] },
    });
    expect(next.body.data.invoiceNumber).toBe("INV-1001");
  });

  it("computes line amounts, tax and totals exactly, half away from zero per line", async () => {
    const lineItems = [
      { description: "Hosting", quantity: 2.5, unitPrice: 29.99, taxRate: 8.875 }, // 74.975 → 74.98; 6.654475 → 6.65
      { description: "Fraction", quantity: 3, unitPrice: 0.1, taxRate: 0 }, // 0.3 (0.30000000000000004 in floats)
      { description: "Half cent", quantity: 0.5, unitPrice: 0.01, taxRate: 50 }, // 0.005 → 0.01; 0.005 → 0.01
      { description: "Float trap", quantity: 1, unitPrice: 1.005, taxRate: 10 }, // 1.01 (1.00 in floats); 0.101 → 0.10
      { description: "Free", quantity: 7, unitPrice: 0, taxRate: 100 },
      { description: "Hours", quantity: 0.25, unitPrice: 110, taxRate: 14.975 }, // 27.5; 4.118125 → 4.12
    ];
    const created = await call<{ data: { id: string; total: number } }>(s.base, "POST", "/invoices", {
      body: { clientId: client.id, lineItems },
    });
    expect(created.status).toBe(201);
    const invoice = demo.invoices.get(created.body.data.id)!;
    expect(invoice.lineItems.map((item) => item.amount)).toEqual([74.98, 0.3, 0.01, 1.01, 0, 27.5]);
    expect(invoice.subtotal).toBe(103.8);
    expect(invoice.taxTotal).toBe(10.88); // 6.65 + 0 + 0.01 + 0.10 + 0 + 4.12
    expect(invoice.total).toBe(114.68);
    expect(created.body.data.total).toBe(114.68);
    expect(invoice.lineItems[0]).toEqual({
      description: "Hosting",
      quantity: 2.5,
      unitPrice: 29.99,
      amount: 74.98,
      taxRate: 8.875,
    });
  });

  it("validates invoice bodies in table order with the reference's messages", async () => {
    const other = [...s.sim.account("other").clients.values()][0]!;
    const inactive = [...demo.clients.values()].find((c) => !c.isActive)!;
    const taken = [...demo.invoices.values()][0]!.invoiceNumber;
    const ok = { clientId: client.id, lineItems: [line()] };
    const cases: Array<[unknown, number, string]> = [
      ["", 400, "Invalid JSON body"],
      ["{", 400, "Invalid JSON body"],
      ["[1]", 400, "Invalid JSON body"],
      [{}, 400, "Missing required field: clientId"],
      [{ lineItems: [] }, 400, "Missing required field: clientId"],
      [{ clientId: null, lineItems: [line()] }, 400, "Missing required field: clientId"],
      [{ clientId: 12, lineItems: [line()] }, 400, "Invalid field: clientId"],
      [{ clientId: "cnobody", lineItems: [] }, 404, "Client not found"],
      [{ ...ok, clientId: other.id }, 404, "Client not found"],
      [{ ...ok, clientId: inactive.id }, 404, "Client not found"],
      [{ ...ok, invoiceNumber: "" }, 400, "Invalid field: invoiceNumber"],
      [{ ...ok, invoiceNumber: null }, 400, "Invalid field: invoiceNumber"],
      [{ ...ok, invoiceNumber: "X".repeat(51) }, 400, "Invalid field: invoiceNumber"],
      [{ ...ok, invoiceNumber: taken, currency: "usd" }, 400, "Invoice number already exists"],
      [{ ...ok, currency: "usd" }, 400, "Invalid field: currency"],
      [{ ...ok, currency: "USDX" }, 400, "Invalid field: currency"],
      [{ ...ok, currency: 840 }, 400, "Invalid field: currency"],
      [{ ...ok, issueDate: "2026-02-30" }, 400, "Invalid field: issueDate"],
      [{ ...ok, issueDate: "2026-03-01T00:00:00Z" }, 400, "Invalid field: issueDate"],
      [{ ...ok, dueDate: "03/31/2026" }, 400, "Invalid field: dueDate"],
      [{ ...ok, issueDate: "2026-03-10", dueDate: "2026-03-09" }, 400, "Invalid field: dueDate"],
      [{ ...ok, dueDate: "2026-02-28" }, 400, "Invalid field: dueDate"],
      [{ clientId: client.id }, 400, "Missing required field: lineItems"],
      [{ clientId: client.id, lineItems: null }, 400, "Missing required field: lineItems"],
      [{ clientId: client.id, lineItems: [] }, 400, "Invalid field: lineItems"],
      [{ clientId: client.id, lineItems: line() }, 400, "Invalid field: lineItems"],
      [
        { clientId: client.id, lineItems: Array.from({ length: 101 }, () => line()) },
        400,
        "Invalid field: lineItems",
      ],
      [{ clientId: client.id, lineItems: [line(), "x"] }, 400, "Invalid field: lineItems[1]"],
      [
        { clientId: client.id, lineItems: [{ quantity: 1, unitPrice: 1 }] },
        400,
        "Missing required field: lineItems[0].description",
      ],
      [
        { clientId: client.id, lineItems: [line({ description: "" })] },
        400,
        "Invalid field: lineItems[0].description",
      ],
      [
        { clientId: client.id, lineItems: [line({ description: "x".repeat(501) })] },
        400,
        "Invalid field: lineItems[0].description",
      ],
      [
        { clientId: client.id, lineItems: [line(), line({ quantity: 0 })] },
        400,
        "Invalid field: lineItems[1].quantity",
      ],
      [
        { clientId: client.id, lineItems: [line({ quantity: -1 })] },
        400,
        "Invalid field: lineItems[0].quantity",
      ],
      [
        { clientId: client.id, lineItems: [line({ quantity: "2" })] },
        400,
        "Invalid field: lineItems[0].quantity",
      ],
      [
        { clientId: client.id, lineItems: [line({ quantity: null })] },
        400,
        "Missing required field: lineItems[0].quantity",
      ],
      [
        { clientId: client.id, lineItems: [{ description: "Web", quantity: 40 }] },
        400,
        "Missing required field: lineItems[0].unitPrice",
      ],
      [
        { clientId: client.id, lineItems: [line({ unitPrice: -0.01 })] },
        400,
        "Invalid field: lineItems[0].unitPrice",
      ],
      [
        { clientId: client.id, lineItems: [line({ taxRate: 100.01 })] },
        400,
        "Invalid field: lineItems[0].taxRate",
      ],
      [
        { clientId: client.id, lineItems: [line({ taxRate: -1 })] },
        400,
        "Invalid field: lineItems[0].taxRate",
      ],
      [
        { clientId: client.id, lineItems: [line({ taxRate: "10" })] },
        400,
        "Invalid field: lineItems[0].taxRate",
      ],
      [
        { clientId: client.id, lineItems: [line({ taxRate: null })] },
        400,
        "Invalid field: lineItems[0].taxRate",
      ],
      [{ ...ok, notes: "x".repeat(2001) }, 400, "Invalid field: notes"],
      [{ ...ok, notes: 1, terms: "x".repeat(2001) }, 400, "Invalid field: notes"],
      [{ ...ok, terms: "x".repeat(2001) }, 400, "Invalid field: terms"],
      [{ ...ok, terms: false }, 400, "Invalid field: terms"],
    ];
    const before = demo.invoices.size;
    for (const [body, status, message] of cases) {
      const answer = await call(
        s.base,
        "POST",
        "/invoices",
        typeof body === "string" ? { raw: body } : { body },
      );
      expect([answer.status, answer.body], JSON.stringify(body).slice(0, 200)).toEqual([
        status,
        err(message),
      ]);
    }
    expect(demo.invoices.size).toBe(before);
    // Boundaries accepted: 100 items, taxRate 0 and 100, unitPrice 0, 500-char description, null notes.
    const edge = await call(s.base, "POST", "/invoices", {
      body: {
        clientId: client.id,
        invoiceNumber: "X".repeat(50),
        dueDate: TODAY,
        lineItems: Array.from({ length: 100 }, (_, i) =>
          line({ description: "d".repeat(500), taxRate: i % 2 === 0 ? 0 : 100, unitPrice: i === 0 ? 0 : 1 }),
        ),
        notes: null,
        terms: "t".repeat(2000),
      },
    });
    expect(edge.status).toBe(201);
    expect(edge.body).toMatchObject({ data: { total: 149 } }); // 99 × 1 + 50 × 1 tax
  });

  it("enforces the monthly invoice limit after validation, counting this UTC month's invoices", async () => {
    const thisMonth = [...demo.invoices.values()].filter((invoice) =>
      invoice.createdAt.startsWith("2026-03"),
    ).length;
    expect(thisMonth).toBeGreaterThan(0);
    demo.plan.monthlyInvoiceLimit = thisMonth;
    try {
      expect((await call(s.base, "POST", "/invoices", { body: { clientId: client.id } })).status).toBe(400);
      expect((await call(s.base, "POST", "/invoices", { body: { clientId: "cnobody" } })).status).toBe(404);
      const refused = await call(s.base, "POST", "/invoices", {
        body: { clientId: client.id, lineItems: [line()] },
      });
      expect([refused.status, refused.body]).toEqual([403, err("Invoice limit reached for your plan")]);
      // Updates are not limited; a new month is a new budget.
      s.clock.ms = Date.parse("2026-04-01T00:00:00.000Z");
      expect(
        (await call(s.base, "POST", "/invoices", { body: { clientId: client.id, lineItems: [line()] } }))
          .status,
      ).toBe(201);
    } finally {
      demo.plan.monthlyInvoiceLimit = null;
    }
  });

  it("updates DRAFTs only (PUT and PATCH), recomputing totals; the documented update gives 6875", async () => {
    const created = await call<{ data: { id: string } }>(s.base, "POST", "/invoices", {
      body: { clientId: client.id, ...DOC_INVOICE, invoiceNumber: "DOC-UPDATE" },
    });
    const id = created.body.data.id;
    const updated = await call(s.base, "PUT", `/invoices/${id}`, {
      body: {
        dueDate: "2024-07-15",
        lineItems: [{ description: "Web Development", quantity: 50, unitPrice: 125.0, taxRate: 10 }],
        notes: "Updated scope",
      },
    });
    expect([updated.status, updated.body]).toEqual([
      200,
      { data: { id, invoiceNumber: "DOC-UPDATE", total: 6875, status: "DRAFT" } },
    ]);
    expect(demo.invoices.get(id)).toMatchObject({
      dueDate: "2024-07-15",
      issueDate: "2024-06-01",
      subtotal: 6250,
      taxTotal: 625,
      total: 6875,
      notes: "Updated scope",
      terms: "Payment due within 30 days",
      lineItems: [
        { description: "Web Development", quantity: 50, unitPrice: 125, amount: 6250, taxRate: 10 },
      ],
    });

    const another = [...demo.clients.values()].find((c) => c.isActive && c.id !== client.id)!;
    const patched = await call(s.base, "PATCH", `/invoices/${id}`, {
      body: {
        clientId: another.id,
        invoiceNumber: "DOC-UPDATE",
        currency: "GBP",
        terms: null,
        issueDate: "2024-07-15",
      },
    });
    expect(patched.status).toBe(200);
    const full = await call<{ data: CleverInvoInvoice }>(s.base, "GET", `/invoices/${id}`);
    expect(full.body.data).toMatchObject({
      clientId: another.id,
      currency: "GBP",
      terms: null,
      issueDate: "2024-07-15",
      dueDate: "2024-07-15",
      total: 6875,
      client: { name: another.name, email: another.email },
      createdAt: NOW,
    });

    const taken = [...demo.invoices.values()].find((invoice) => invoice.id !== id)!.invoiceNumber;
    const cases: Array<[unknown, number, string]> = [
      [{ invoiceNumber: taken }, 400, "Invoice number already exists"],
      [{ clientId: "cnobody" }, 404, "Client not found"],
      [{ clientId: null }, 400, "Invalid field: clientId"],
      [{ currency: null }, 400, "Invalid field: currency"],
      [{ issueDate: "2024-07-16" }, 400, "Invalid field: dueDate"],
      [{ dueDate: "2024-07-14" }, 400, "Invalid field: dueDate"],
      [{ lineItems: [] }, 400, "Invalid field: lineItems"],
      [{ lineItems: null }, 400, "Invalid field: lineItems"],
      [{ lineItems: [line({ quantity: 0 })] }, 400, "Invalid field: lineItems[0].quantity"],
      [{ notes: "x".repeat(2001) }, 400, "Invalid field: notes"],
    ];
    for (const [body, status, message] of cases) {
      const answer = await call(s.base, "PUT", `/invoices/${id}`, { body });
      expect([answer.status, answer.body], JSON.stringify(body)).toEqual([status, err(message)]);
    }
    expect(demo.invoices.get(id)).toMatchObject({ total: 6875, clientId: another.id, currency: "GBP" });
    expect(await call(s.base, "PUT", "/invoices/cmissing", { raw: "{" })).toMatchObject({
      status: 404,
      body: err("Invoice not found"),
    });

    // Issued invoices cannot be modified; the status check comes before the body.
    for (const status of ["SENT", "VIEWED", "PAID", "PARTIALLY_PAID", "OVERDUE"] as const) {
      const issued = [...demo.invoices.values()].find((invoice) => invoice.status === status)!;
      for (const [method, options] of [
        ["PUT", { body: { notes: "x" } }],
        ["PATCH", { raw: "{" }],
        ["PUT", { body: { lineItems: [] } }],
      ] as const) {
        const answer = await call(s.base, method, `/invoices/${issued.id}`, options);
        expect([answer.status, answer.body]).toEqual([400, err("Only DRAFT invoices can be modified")]);
      }
    }
  });

  it("deletes invoices of any status permanently", async () => {
    const paid = [...demo.invoices.values()].find((invoice) => invoice.status === "PAID")!;
    const total = (await call<CleverInvoList<unknown>>(s.base, "GET", "/invoices?limit=1")).body.total;
    const deleted = await call(s.base, "DELETE", `/invoices/${paid.id}`);
    expect([deleted.status, deleted.text]).toEqual([204, ""]);
    expect(await call(s.base, "GET", `/invoices/${paid.id}`)).toMatchObject({
      status: 404,
      body: err("Invoice not found"),
    });
    expect((await call<CleverInvoList<unknown>>(s.base, "GET", "/invoices?limit=1")).body.total).toBe(
      total - 1,
    );
    expect((await call(s.base, "DELETE", `/invoices/${paid.id}`)).status).toBe(404);
    expect(demo.invoices.has(paid.id)).toBe(false);
    // Its number is free again.
    const reused = await call(s.base, "POST", "/invoices", {
      body: { clientId: client.id, invoiceNumber: paid.invoiceNumber, lineItems: [line()] },
    });
    expect(reused.status).toBe(201);
  });

  it("repeats run-time IDs for the same writes on a same-seed simulator", async () => {
    const a = await start();
    const b = await start();
    try {
      const ids = await Promise.all(
        [a, b].map(async (started) => {
          const c = await call<{ data: CleverInvoClient }>(started.base, "POST", "/clients", {
            body: { name: "Twin" },
          });
          const i = await call<{ data: { id: string } }>(started.base, "POST", "/invoices", {
            body: { clientId: c.body.data.id, lineItems: [line()] },
          });
          return [c.body.data.id, i.body.data.id];
        }),
      );
      expect(ids[0]).toEqual(ids[1]);
      expect(ids[0]![0]!.slice(0, 9)).toBe(`c${T0.toString(36)}`);
    } finally {
      await Promise.all([a.sim.close(), b.sim.close()]);
    }
  });
});

// -------------------------------------------------------------------------------------------------

describe("CleverInvo simulator: status changes outside the API", () => {
  let s: Started;
  let demo: CleverInvoAccount;
  beforeAll(async () => {
    s = await start();
    demo = s.sim.account("demo");
  });
  afterAll(() => s.sim.close());

  it("sends, views and pays through the sim, and turns unpaid invoices OVERDUE as time passes", async () => {
    const client = [...demo.clients.values()].find((c) => c.isActive)!;
    const created = await call<{ data: { id: string } }>(s.base, "POST", "/invoices", {
      body: {
        clientId: client.id,
        dueDate: "2026-03-05",
        lineItems: [{ description: "W", quantity: 1, unitPrice: 5 }],
      },
    });
    const id = created.body.data.id;
    s.sim.sendInvoice(id);
    const sent = await call<{ data: CleverInvoInvoice }>(s.base, "GET", `/invoices/${id}`);
    expect(sent.body.data).toMatchObject({ status: "SENT", sentViaEmail: true, sentAt: NOW, paidAt: null });
    expect((await call(s.base, "PUT", `/invoices/${id}`, { body: {} })).body).toEqual(
      err("Only DRAFT invoices can be modified"),
    );
    s.sim.viewInvoice(id);
    expect(demo.invoices.get(id)?.status).toBe("VIEWED");

    const partial = [...demo.invoices.values()].find(
      (invoice) =>
        invoice.status === "PARTIALLY_PAID" && invoice.dueDate >= TODAY && invoice.dueDate < "2026-03-06",
    );
    const sentSeeded = [...demo.invoices.values()].filter(
      (invoice) =>
        (invoice.status === "SENT" || invoice.status === "VIEWED") && invoice.dueDate < "2026-03-06",
    );
    // Next week: every SENT/VIEWED invoice due before then is OVERDUE; PARTIALLY_PAID stays.
    s.clock.ms = Date.parse("2026-03-06T09:00:00.000Z");
    const overdue = await call<CleverInvoList<CleverInvoInvoiceListItem>>(
      s.base,
      "GET",
      `/invoices?status=OVERDUE&clientId=${client.id}`,
    );
    expect(overdue.body.data.map((item) => item.id)).toContain(id);
    for (const invoice of sentSeeded) expect(demo.invoices.get(invoice.id)?.status).toBe("OVERDUE");
    if (partial) expect(demo.invoices.get(partial.id)?.status).toBe("PARTIALLY_PAID");

    s.sim.recordPayment(id, { partial: true });
    expect(demo.invoices.get(id)?.status).toBe("PARTIALLY_PAID");
    s.sim.recordPayment(id);
    const paid = await call<{ data: CleverInvoInvoice }>(s.base, "GET", `/invoices/${id}`);
    expect(paid.body.data).toMatchObject({ status: "PAID", paidAt: "2026-03-06T09:00:00.000Z" });
    expect(() => s.sim.recordPayment(id)).toThrow();
    expect(() => s.sim.sendInvoice(id)).toThrow();
  });
});
