import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  CLEANITALL_DEMO_ACCOUNT,
  CLEANITALL_DEMO_KEY,
  type CleanItAllAccount,
  type CleanItAllAccountSpec,
  type CleanItAllCustomer,
  type CleanItAllEvent,
  type CleanItAllInvoice,
  type CleanItAllJob,
  type CleanItAllPayment,
  type CleanItAllSim,
  type CleanItAllSimOptions,
  createCleanItAllSim,
  seedAccount,
} from "../../sim/cleanitall/index.js";

/** 30 minutes after SEED_ANCHOR: no seeded pending invoice is past due yet. */
const T0 = Date.parse("2026-03-01T12:30:00Z");
/** Start of the next UTC hour after T0, in Unix seconds. */
const T0_RESET = Date.parse("2026-03-01T13:00:00Z") / 1000;

const READ_KEY = `jt_live_${"r".repeat(32)}`;
const WRITE_KEY = `jt_live_${"w".repeat(32)}`;
const DELETE_KEY = `jt_live_${"d".repeat(32)}`;
const OTHER_KEY = `jt_live_${"o".repeat(32)}`;

const DEMO: CleanItAllAccountSpec = {
  ...CLEANITALL_DEMO_ACCOUNT,
  apiKeys: [
    ...CLEANITALL_DEMO_ACCOUNT.apiKeys,
    { key: READ_KEY, scopes: ["read"] },
    { key: WRITE_KEY, scopes: ["write"] },
    { key: DELETE_KEY, scopes: ["delete"] },
  ],
};
const OTHER: CleanItAllAccountSpec = {
  id: "other",
  seed: 7,
  apiKeys: [{ key: OTHER_KEY, scopes: ["read", "write", "delete"] }],
  size: { customers: 4, jobs: 12, invoices: 5 },
};

interface Started {
  sim: CleanItAllSim;
  base: string;
  clock: { ms: number };
}

async function start(options: CleanItAllSimOptions = {}): Promise<Started> {
  const clock = { ms: T0 };
  const sim = createCleanItAllSim({ accounts: [DEMO, OTHER], now: () => new Date(clock.ms), ...options });
  const base = await sim.listen(0);
  return { sim, base, clock };
}

interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ field: string; message: string }> };
}
interface ListBody<T> {
  data: T[];
  meta: { total: number; limit: number; offset: number };
}

interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

async function call<T = unknown>(
  base: string,
  method: string,
  path: string,
  options: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? CLEANITALL_DEMO_KEY : options.key;
  if (key !== null) headers["x-api-key"] = key;
  let payload: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    headers["content-type"] = "application/json";
    payload = options.raw ?? JSON.stringify(options.body);
  }
  const response = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

const rateHeaders = (headers: Headers) => ({
  limit: headers.get("x-ratelimit-limit"),
  remaining: headers.get("x-ratelimit-remaining"),
  reset: headers.get("x-ratelimit-reset"),
  retryAfter: headers.get("retry-after"),
});

/** The reference's order (§5), computed independently from the live state. */
function expectedList<T extends { id: string; created_at: string }>(
  records: Iterable<T>,
  matches: (record: T) => boolean = () => true,
): T[] {
  return [...records]
    .filter(matches)
    .sort((a, b) =>
      a.created_at === b.created_at ? b.id.localeCompare(a.id) : b.created_at.localeCompare(a.created_at),
    );
}

const ids = (records: Array<{ id: string }>) => records.map((record) => record.id);

const ID = (prefix: string) => new RegExp(`^${prefix}_[a-z0-9]{24}$`);

function validationError(...details: Array<[string, string]>): ErrorBody {
  return {
    error: {
      code: "validation_error",
      message: "Validation failed",
      details: details.map(([field, message]) => ({ field, message })),
    },
  };
}
const errorOf = (code: string, message: string): ErrorBody => ({ error: { code, message } });

describe("CleanItAll seed data", () => {
  it("generates the default sizes quickly and consistently", () => {
    const started = performance.now();
    const account = seedAccount(CLEANITALL_DEMO_ACCOUNT);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(1000);
    expect(account.customers.size).toBe(300);
    expect(account.jobs.size).toBe(2500);
    expect(account.invoices.size).toBe(1500);
    expect(account.payments.size).toBeGreaterThan(900);
    expect(account.teamMemberIds).toHaveLength(12);
    expect(account.nextInvoiceNumber).toBe(1501);

    for (const id of account.customers.keys()) expect(id).toMatch(ID("cus"));
    for (const id of account.teamMemberIds) expect(id).toMatch(ID("tm"));
    const jobsPerCustomer = new Map<string, number>();
    for (const job of account.jobs.values()) {
      expect(job.id).toMatch(ID("job"));
      expect(account.customers.has(job.customer_id)).toBe(true);
      if (job.assigned_to !== null) expect(account.teamMemberIds).toContain(job.assigned_to);
      if (job.status === "completed") expect(job.completed_at).not.toBeNull();
      else expect(job.completed_at).toBeNull();
      jobsPerCustomer.set(job.customer_id, (jobsPerCustomer.get(job.customer_id) ?? 0) + 1);
    }
    expect(Math.max(...jobsPerCustomer.values())).toBeGreaterThan(100);

    // Numbers follow creation order; money adds up exactly in cents.
    const byCreation = [...account.invoices.values()].sort((a, b) =>
      a.created_at.localeCompare(b.created_at),
    );
    byCreation.forEach((invoice, index) => {
      expect(invoice.number).toBe(`INV-${String(index + 1).padStart(4, "0")}`);
    });
    const paidCents = new Map<string, number>();
    for (const payment of account.payments.values()) {
      expect(payment.id).toMatch(ID("pay"));
      const invoice = account.invoices.get(payment.invoice_id);
      expect(payment.customer_id).toBe(invoice?.customer_id);
      paidCents.set(
        payment.invoice_id,
        (paidCents.get(payment.invoice_id) ?? 0) + Math.round(payment.amount * 100),
      );
    }
    for (const invoice of account.invoices.values()) {
      const cents = (value: number) => Math.round(value * 100);
      const lineCents = invoice.line_items.reduce((sum, item) => sum + cents(item.amount), 0);
      expect(invoice.line_items.length).toBeGreaterThanOrEqual(1);
      expect(invoice.line_items.length).toBeLessThanOrEqual(5);
      expect(cents(invoice.subtotal)).toBe(lineCents);
      expect(cents(invoice.total)).toBe(lineCents + cents(invoice.tax));
      expect(cents(invoice.amount_paid)).toBe(paidCents.get(invoice.id) ?? 0);
      if (invoice.status === "paid") expect(invoice.amount_paid).toBe(invoice.total);
      if (invoice.status === "pending") expect(invoice.due_date >= "2026-03-01").toBe(true);
      if (invoice.status === "overdue") expect(invoice.due_date < "2026-03-01").toBe(true);
      if (invoice.job_id !== null) {
        const job = account.jobs.get(invoice.job_id);
        expect(job?.status).toBe("completed");
        expect(job?.customer_id).toBe(invoice.customer_id);
      }
    }
    const statuses = new Set([...account.invoices.values()].map((invoice) => invoice.status));
    expect([...statuses].sort()).toEqual(["cancelled", "draft", "overdue", "paid", "pending"]);
  });

  it("is deterministic per seed", () => {
    const first = seedAccount(CLEANITALL_DEMO_ACCOUNT);
    const second = seedAccount(CLEANITALL_DEMO_ACCOUNT);
    const dump = (account: CleanItAllAccount) =>
      JSON.stringify([
        [...account.customers.values()],
        [...account.jobs.values()],
        [...account.invoices.values()],
        [...account.payments.values()],
        account.teamMemberIds,
      ]);
    expect(dump(first)).toBe(dump(second));
    expect(dump(seedAccount({ ...CLEANITALL_DEMO_ACCOUNT, seed: 2 }))).not.toBe(dump(first));
  });
});

describe("CleanItAll simulator: auth, rate limit, reads", () => {
  let s: Started;
  let demo: CleanItAllAccount;
  beforeAll(async () => {
    s = await start();
    demo = s.sim.account("demo");
  });
  afterAll(() => s.sim.close());
  afterEach(() => {
    s.sim.limiter.reset();
    s.sim.control.reset();
  });

  describe("authentication and scopes", () => {
    const unauthorized = errorOf("unauthorized", "Invalid or missing API key");

    it("answers 401 without rate-limit headers for missing, malformed, unknown and revoked keys", async () => {
      const revoked = `jt_live_${"x".repeat(32)}`;
      demo.apiKeys.push({ key: revoked, scopes: ["read"] });
      expect((await call(s.base, "GET", "/jobs?limit=1", { key: revoked })).status).toBe(200);
      demo.apiKeys.pop();
      for (const key of [
        null,
        "",
        "jt_live_short",
        `jt_test_${"a".repeat(32)}`,
        `jt_live_${"z".repeat(32)}`,
        revoked,
      ]) {
        const answer = await call(s.base, "GET", "/jobs", { key });
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual(unauthorized);
        expect(rateHeaders(answer.headers)).toEqual({
          limit: null,
          remaining: null,
          reset: null,
          retryAfter: null,
        });
      }
      // Unknown paths sit behind authentication too.
      expect((await call(s.base, "GET", "/nowhere", { key: null })).status).toBe(401);
    });

    it("accepts Authorization: Bearer, and X-API-Key wins when both are sent", async () => {
      const bearer = await call(s.base, "GET", "/jobs?limit=1", {
        key: null,
        headers: { authorization: `Bearer ${CLEANITALL_DEMO_KEY}` },
      });
      expect(bearer.status).toBe(200);
      const badHeaderGoodBearer = await call(s.base, "GET", "/jobs?limit=1", {
        key: "jt_live_wrong",
        headers: { authorization: `Bearer ${CLEANITALL_DEMO_KEY}` },
      });
      expect(badHeaderGoodBearer.status).toBe(401);
      const goodHeaderBadBearer = await call(s.base, "GET", "/jobs?limit=1", {
        headers: { authorization: "Bearer jt_live_wrong" },
      });
      expect(goodHeaderBadBearer.status).toBe(200);
    });

    it("answers 403 naming the missing scope, per method, with rate-limit headers", async () => {
      const job = expectedList(demo.jobs.values())[0]!;
      const cases: Array<[string, string, string, string]> = [
        [WRITE_KEY, "GET", "/jobs", "read"],
        [DELETE_KEY, "GET", `/customers/${job.customer_id}`, "read"],
        [READ_KEY, "POST", "/jobs", "write"],
        [READ_KEY, "PATCH", `/jobs/${job.id}`, "write"],
        [READ_KEY, "PUT", `/jobs/${job.id}`, "write"],
        [DELETE_KEY, "POST", `/jobs/${job.id}/complete`, "write"],
        [READ_KEY, "POST", "/invoices/inv_x/send", "write"],
        [READ_KEY, "DELETE", `/jobs/${job.id}`, "delete"],
        [WRITE_KEY, "DELETE", `/jobs/${job.id}`, "delete"],
      ];
      for (const [key, method, path, scope] of cases) {
        const answer = await call(s.base, method, path, { key, body: method === "GET" ? undefined : {} });
        expect(answer.status, `${method} ${path}`).toBe(403);
        expect(answer.body).toEqual(errorOf("insufficient_scope", `API key lacks required scope: ${scope}`));
        expect(answer.headers.get("x-ratelimit-limit")).toBe("1000");
      }
      // 403 comes before 404: the scope is checked before the record lookup.
      expect((await call(s.base, "DELETE", "/jobs/job_missing", { key: READ_KEY })).status).toBe(403);
      expect((await call(s.base, "GET", "/jobs?limit=1", { key: READ_KEY })).status).toBe(200);
      expect((await call(s.base, "DELETE", "/jobs/job_missing", { key: DELETE_KEY })).status).toBe(404);
    });
  });

  describe("rate limiting", () => {
    it("sends the headers on every answer to a valid key, counting errors too", async () => {
      const ok = await call(s.base, "GET", "/jobs?limit=1");
      expect(rateHeaders(ok.headers)).toEqual({
        limit: "1000",
        remaining: "999",
        reset: String(T0_RESET),
        retryAfter: null,
      });
      const missing = await call(s.base, "GET", "/jobs/job_missing");
      expect(missing.status).toBe(404);
      expect(missing.headers.get("x-ratelimit-remaining")).toBe("998");
      const invalid = await call(s.base, "GET", "/jobs?limit=0");
      expect(invalid.headers.get("x-ratelimit-remaining")).toBe("997");
      // 401s neither carry headers nor count; other keys have their own budget.
      await call(s.base, "GET", "/jobs", { key: null });
      expect((await call(s.base, "GET", "/jobs?limit=1")).headers.get("x-ratelimit-remaining")).toBe("996");
      expect(
        (await call(s.base, "GET", "/jobs?limit=1", { key: READ_KEY })).headers.get("x-ratelimit-remaining"),
      ).toBe("999");
    });

    it("answers 429 with Retry-After when the hourly window is used up; 429s do not count", async () => {
      const small = await start({ rateLimit: { limit: 3, windowMs: 3_600_000 } });
      try {
        const remaining: Array<string | null> = [];
        for (let i = 0; i < 3; i++) {
          remaining.push(
            (await call(small.base, "GET", "/customers?limit=1")).headers.get("x-ratelimit-remaining"),
          );
        }
        expect(remaining).toEqual(["2", "1", "0"]);
        for (let i = 0; i < 3; i++) {
          const refused = await call(small.base, "GET", "/customers?limit=1");
          expect(refused.status).toBe(429);
          expect(refused.body).toEqual(
            errorOf("rate_limit_exceeded", "Rate limit exceeded. Try again later."),
          );
          expect(rateHeaders(refused.headers)).toEqual({
            limit: "3",
            remaining: "0",
            reset: String(T0_RESET),
            retryAfter: "1800",
          });
        }
        // 429 comes before 403 and 404.
        expect((await call(small.base, "DELETE", "/jobs/job_missing")).status).toBe(429);
        // Raising the limit shows the refused requests were not counted: 3 used of 5.
        small.sim.limiter.settings.limit = 5;
        expect(
          (await call(small.base, "GET", "/customers?limit=1")).headers.get("x-ratelimit-remaining"),
        ).toBe("1");
        small.sim.limiter.settings.limit = 3;
        // The window is the UTC clock hour: at 13:00:00 a new one starts.
        small.clock.ms = T0_RESET * 1000;
        const next = await call(small.base, "GET", "/customers?limit=1");
        expect(rateHeaders(next.headers)).toEqual({
          limit: "3",
          remaining: "2",
          reset: String(T0_RESET + 3600),
          retryAfter: null,
        });
      } finally {
        await small.sim.close();
      }
    });
  });

  describe("pagination", () => {
    it("walks every customer once, newest first, with exact meta", async () => {
      const seen: string[] = [];
      for (let offset = 0; ; offset += 100) {
        const page = await call<ListBody<CleanItAllCustomer>>(
          s.base,
          "GET",
          `/customers?limit=100&offset=${offset}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.meta).toEqual({ total: 300, limit: 100, offset });
        if (page.body.data.length === 0) break;
        seen.push(...ids(page.body.data));
      }
      expect(seen).toHaveLength(300);
      expect(new Set(seen).size).toBe(300);
      expect(seen).toEqual(ids(expectedList(demo.customers.values())));
    });

    it("pages through one busy customer's jobs (more than 100) without gaps", async () => {
      const counts = new Map<string, number>();
      for (const job of demo.jobs.values())
        counts.set(job.customer_id, (counts.get(job.customer_id) ?? 0) + 1);
      const [busy, total] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
      expect(total).toBeGreaterThan(100);
      const seen: CleanItAllJob[] = [];
      let offset = 0;
      while (offset < total) {
        const page = await call<ListBody<CleanItAllJob>>(
          s.base,
          "GET",
          `/jobs?customer_id=${busy}&limit=40&offset=${offset}`,
        );
        expect(page.body.meta).toEqual({ total, limit: 40, offset });
        seen.push(...page.body.data);
        offset += 40;
      }
      expect(seen).toEqual(expectedList(demo.jobs.values(), (job) => job.customer_id === busy));
    });

    it("defaults to limit 50, offset 0; an offset past the end is an empty page", async () => {
      const first = await call<ListBody<CleanItAllJob>>(s.base, "GET", "/jobs");
      expect(first.body.meta).toEqual({ total: 2500, limit: 50, offset: 0 });
      expect(first.body.data).toEqual(expectedList(demo.jobs.values()).slice(0, 50));
      const past = await call<ListBody<CleanItAllJob>>(s.base, "GET", "/jobs?offset=5000&limit=10");
      expect(past.body).toEqual({ data: [], meta: { total: 2500, limit: 10, offset: 5000 } });
      const last = await call<ListBody<CleanItAllPayment>>(
        s.base,
        "GET",
        `/payments?limit=100&offset=${demo.payments.size - 3}`,
      );
      expect(last.body.data).toHaveLength(3);
    });

    it("rejects limit outside 1–100 and negative or non-integer offsets", async () => {
      for (const limit of ["0", "101", "-1", "abc", "1.5"]) {
        const answer = await call(s.base, "GET", `/jobs?limit=${limit}`);
        expect(answer.status, limit).toBe(400);
        expect(answer.body).toEqual(validationError(["limit", "is invalid"]));
      }
      for (const path of ["/customers?offset=-1", "/invoices?offset=x", "/payments?offset=2.5"]) {
        expect((await call(s.base, "GET", path)).body).toEqual(validationError(["offset", "is invalid"]));
      }
      expect((await call(s.base, "GET", "/payments?limit=500&offset=-5")).body).toEqual(
        validationError(["limit", "is invalid"], ["offset", "is invalid"]),
      );
      expect((await call<ListBody<CleanItAllJob>>(s.base, "GET", "/jobs?limit=100")).body.meta.limit).toBe(
        100,
      );
      expect((await call<ListBody<CleanItAllJob>>(s.base, "GET", "/jobs?limit=1")).body.data).toHaveLength(1);
    });
  });

  describe("filters", () => {
    async function expectFilter<T extends { id: string; created_at: string }>(
      path: string,
      records: Iterable<T>,
      matches: (record: T) => boolean,
    ): Promise<number> {
      const expected = expectedList(records, matches);
      const answer = await call<ListBody<T>>(
        s.base,
        "GET",
        `${path}${path.includes("?") ? "&" : "?"}limit=100`,
      );
      expect(answer.status, path).toBe(200);
      expect(answer.body.meta.total, path).toBe(expected.length);
      expect(ids(answer.body.data), path).toEqual(ids(expected.slice(0, 100)));
      return expected.length;
    }

    it("filters jobs by status, customer, assignee and scheduled date, combined with AND", async () => {
      const jobs = demo.jobs.values.bind(demo.jobs);
      for (const status of ["pending", "in_progress", "completed", "cancelled"]) {
        expect(
          await expectFilter(`/jobs?status=${status}`, jobs(), (job) => job.status === status),
        ).toBeGreaterThan(0);
      }
      const sample = [...demo.jobs.values()].find(
        (job) => job.assigned_to !== null && job.status === "completed",
      )!;
      await expectFilter(
        `/jobs?customer_id=${sample.customer_id}`,
        jobs(),
        (job) => job.customer_id === sample.customer_id,
      );
      await expectFilter(
        `/jobs?assigned_to=${sample.assigned_to}`,
        jobs(),
        (job) => job.assigned_to === sample.assigned_to,
      );
      await expectFilter(
        `/jobs?scheduled_date=${sample.scheduled_date}`,
        jobs(),
        (job) => job.scheduled_date === sample.scheduled_date,
      );
      const combined = await expectFilter(
        `/jobs?status=completed&customer_id=${sample.customer_id}&assigned_to=${sample.assigned_to}&scheduled_date=${sample.scheduled_date}&unknown=1`,
        jobs(),
        (job) =>
          job.status === "completed" &&
          job.customer_id === sample.customer_id &&
          job.assigned_to === sample.assigned_to &&
          job.scheduled_date === sample.scheduled_date,
      );
      expect(combined).toBeGreaterThanOrEqual(1);
      expect(await expectFilter("/jobs?customer_id=cus_unknown", jobs(), () => false)).toBe(0);
    });

    it("rejects invalid job filter values", async () => {
      expect((await call(s.base, "GET", "/jobs?status=done&scheduled_date=2026-02-30&limit=0")).body).toEqual(
        validationError(
          ["status", "must be one of: pending, in_progress, completed, cancelled"],
          ["scheduled_date", "is invalid"],
          ["limit", "is invalid"],
        ),
      );
      expect((await call(s.base, "GET", "/jobs?scheduled_date=03/01/2026")).body).toEqual(
        validationError(["scheduled_date", "is invalid"]),
      );
    });

    it("searches customers case-insensitively by name, e-mail or phone", async () => {
      const customers = demo.customers.values.bind(demo.customers);
      const withAll = [...demo.customers.values()].find((c) => c.email && c.phone)!;
      const contains = (value: string | null, needle: string) =>
        value?.toLowerCase().includes(needle) === true;
      const matcher = (needle: string) => (customer: CleanItAllCustomer) =>
        contains(customer.name, needle) ||
        contains(customer.email, needle) ||
        contains(customer.phone, needle);
      const lastName = withAll.name.split(" ").at(-1)!;
      expect(
        await expectFilter(
          `/customers?search=${lastName.toUpperCase()}`,
          customers(),
          matcher(lastName.toLowerCase()),
        ),
      ).toBeGreaterThan(0);
      const emailPart = withAll.email!.split("@")[0]!;
      expect(
        await expectFilter(`/customers?search=${emailPart}`, customers(), matcher(emailPart)),
      ).toBeGreaterThan(0);
      const phonePart = withAll.phone!.slice(-6);
      expect(
        await expectFilter(`/customers?search=${phonePart}`, customers(), matcher(phonePart)),
      ).toBeGreaterThan(0);
      expect(
        await expectFilter("/customers?search=example.org", customers(), matcher("example.org")),
      ).toBeGreaterThan(0);
      expect(await expectFilter("/customers?search=zzzzzz", customers(), () => false)).toBe(0);
    });

    it("filters invoices by status, customer and issue-date range", async () => {
      const invoices = demo.invoices.values.bind(demo.invoices);
      for (const status of ["draft", "pending", "paid", "overdue", "cancelled"]) {
        expect(
          await expectFilter(`/invoices?status=${status}`, invoices(), (inv) => inv.status === status),
        ).toBeGreaterThan(0);
      }
      const sample = [...demo.invoices.values()][700]!;
      await expectFilter(
        `/invoices?customer_id=${sample.customer_id}`,
        invoices(),
        (inv) => inv.customer_id === sample.customer_id,
      );
      const inRange = await expectFilter(
        "/invoices?from_date=2025-06-01&to_date=2025-06-30",
        invoices(),
        (inv) => inv.issue_date >= "2025-06-01" && inv.issue_date <= "2025-06-30",
      );
      expect(inRange).toBeGreaterThan(10);
      await expectFilter(
        "/invoices?from_date=2026-02-01",
        invoices(),
        (inv) => inv.issue_date >= "2026-02-01",
      );
      await expectFilter(
        `/invoices?to_date=${sample.issue_date}&status=paid`,
        invoices(),
        (inv) => inv.issue_date <= sample.issue_date && inv.status === "paid",
      );
      expect(
        (await call(s.base, "GET", "/invoices?status=sent&from_date=2025-1-1&to_date=tomorrow")).body,
      ).toEqual(
        validationError(
          ["status", "must be one of: draft, pending, paid, overdue, cancelled"],
          ["from_date", "is invalid"],
          ["to_date", "is invalid"],
        ),
      );
    });

    it("filters payments by customer, invoice and the UTC date of paid_at", async () => {
      const payments = demo.payments.values.bind(demo.payments);
      const sample = [...demo.payments.values()][300]!;
      await expectFilter(
        `/payments?customer_id=${sample.customer_id}`,
        payments(),
        (p) => p.customer_id === sample.customer_id,
      );
      expect(
        await expectFilter(
          `/payments?invoice_id=${sample.invoice_id}`,
          payments(),
          (p) => p.invoice_id === sample.invoice_id,
        ),
      ).toBeGreaterThanOrEqual(1);
      const day = sample.paid_at.slice(0, 10);
      expect(
        await expectFilter(`/payments?from_date=${day}&to_date=${day}`, payments(), (p) =>
          p.paid_at.startsWith(day),
        ),
      ).toBeGreaterThanOrEqual(1);
      await expectFilter(
        "/payments?from_date=2025-12-01",
        payments(),
        (p) => p.paid_at.slice(0, 10) >= "2025-12-01",
      );
      expect((await call(s.base, "GET", "/payments?from_date=2025-02-29")).body).toEqual(
        validationError(["from_date", "is invalid"]),
      );
    });
  });

  describe("by id", () => {
    it("returns each record as stored, and 404 for unknown, malformed or other-tenant ids", async () => {
      const job = [...demo.jobs.values()][42]!;
      const customer = demo.customers.get(job.customer_id)!;
      const invoice = [...demo.invoices.values()][42]!;
      expect((await call(s.base, "GET", `/jobs/${job.id}`)).body).toEqual({ data: job });
      expect((await call(s.base, "GET", `/customers/${customer.id}`)).body).toEqual({ data: customer });
      expect((await call(s.base, "GET", `/invoices/${invoice.id}`)).body).toEqual({ data: invoice });

      const otherJob = [...s.sim.account("other").jobs.values()][0]!;
      const cases: Array<[string, string]> = [
        [`/jobs/job_${"0".repeat(24)}`, "Job not found"],
        ["/jobs/not-an-id", "Job not found"],
        [`/jobs/${otherJob.id}`, "Job not found"],
        [`/customers/${job.id}`, "Customer not found"],
        ["/invoices/inv_nope", "Invoice not found"],
        ["/payments/pay_x", "Route not found"],
        ["/team_members", "Route not found"],
      ];
      for (const [path, message] of cases) {
        const answer = await call(s.base, "GET", path);
        expect(answer.status, path).toBe(404);
        expect(answer.body).toEqual(errorOf("not_found", message));
      }
      // The other tenant sees its own job.
      expect((await call(s.base, "GET", `/jobs/${otherJob.id}`, { key: OTHER_KEY })).status).toBe(200);
      // Unsupported methods on known paths are unknown routes too.
      expect((await call(s.base, "DELETE", `/customers/${customer.id}`)).body).toEqual(
        errorOf("not_found", "Route not found"),
      );
    });
  });

  describe("control: counters, faults, latency", () => {
    it("counts requests per route key", async () => {
      const job = [...demo.jobs.values()][0]!;
      s.sim.control.resetCounts();
      await call(s.base, "GET", `/jobs/${job.id}`);
      await call(s.base, "GET", `/jobs/${job.id}`);
      await call(s.base, "GET", "/jobs/job_missing");
      await call(s.base, "GET", "/jobs", { key: null });
      expect(s.sim.control.count("GET /api/v1/jobs/:id")).toBe(3);
      expect(s.sim.control.count("GET /api/v1/jobs")).toBe(1);
      expect(s.sim.control.count()).toBe(4);
    });

    it("injects status faults with the upstream's 500 body", async () => {
      s.sim.control.injectFault({ kind: "status", status: 503, route: "GET /api/v1/jobs", times: 1 });
      const faulted = await call(s.base, "GET", "/jobs?limit=1");
      expect(faulted.status).toBe(503);
      expect(faulted.body).toEqual(errorOf("internal_error", "Internal server error"));
      expect((await call(s.base, "GET", "/jobs?limit=1")).status).toBe(200);
    });

    it("injects reference-exact 429s", async () => {
      s.sim.control.injectFault({ kind: "rateLimit", times: 1 });
      const faulted = await call(s.base, "GET", "/customers?limit=1");
      expect(faulted.status).toBe(429);
      expect(faulted.body).toEqual(errorOf("rate_limit_exceeded", "Rate limit exceeded. Try again later."));
      expect(rateHeaders(faulted.headers)).toEqual({
        limit: "1000",
        remaining: "0",
        reset: String(T0_RESET),
        retryAfter: "1800",
      });
    });

    it("drops connections, slows answers and adds latency", async () => {
      s.sim.control.injectFault({ kind: "drop", times: 1 });
      await expect(call(s.base, "GET", "/jobs?limit=1")).rejects.toThrow();
      s.sim.control.injectFault({ kind: "slow", delayMs: 150, times: 1 });
      let started = Date.now();
      expect((await call(s.base, "GET", "/jobs?limit=1")).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      s.sim.control.setLatency(100);
      started = Date.now();
      expect((await call(s.base, "GET", "/jobs?limit=1")).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(s.sim.control.requests.map((request) => request.faulted)).toEqual(["drop", "slow", null]);
    });
  });

  it("serves identical first pages from two simulators with the same seed", async () => {
    const twin = await start();
    try {
      for (const path of ["/jobs", "/customers", "/invoices", "/payments"]) {
        const mine = await call(s.base, "GET", `${path}?limit=100`);
        const theirs = await call(twin.base, "GET", `${path}?limit=100`);
        expect(JSON.stringify(theirs.body)).toBe(JSON.stringify(mine.body));
      }
    } finally {
      await twin.sim.close();
    }
  });
});

describe("CleanItAll simulator: writes", () => {
  let s: Started;
  let demo: CleanItAllAccount;
  beforeAll(async () => {
    s = await start();
    demo = s.sim.account("demo");
  });
  afterAll(() => s.sim.close());

  const NOW = "2026-03-01T12:30:00Z";
  /** Events recorded by the writes of `run`. */
  async function eventsOf(run: () => Promise<unknown>): Promise<CleanItAllEvent[]> {
    const before = demo.events.length;
    await run();
    return demo.events.slice(before);
  }
  const customerWith = (test: (customer: CleanItAllCustomer) => boolean) =>
    [...demo.customers.values()].find(test)!;
  const jobWith = (test: (job: CleanItAllJob) => boolean) => [...demo.jobs.values()].find(test)!;
  const invoiceWith = (test: (invoice: CleanItAllInvoice) => boolean) =>
    [...demo.invoices.values()].find(test)!;

  describe("customers", () => {
    it("creates a customer (201), visible to later reads, and emits customer.created", async () => {
      let created: Answer<{ data: CleanItAllCustomer }> | undefined;
      const events = await eventsOf(async () => {
        created = await call(s.base, "POST", "/customers", {
          body: {
            name: "Ada Lovelace",
            email: "ada@example.com",
            address: { line1: "1 Analytical Way", city: "Austin", country: "US" },
            unknown_field: true,
          },
        });
      });
      expect(created?.status).toBe(201);
      const customer = created!.body.data;
      expect(customer.id).toMatch(ID("cus"));
      expect(customer).toEqual({
        id: customer.id,
        name: "Ada Lovelace",
        email: "ada@example.com",
        phone: null,
        address: {
          line1: "1 Analytical Way",
          line2: null,
          city: "Austin",
          state: null,
          postal_code: null,
          country: "US",
        },
        notes: null,
        created_at: NOW,
        updated_at: NOW,
      });
      expect((await call(s.base, "GET", `/customers/${customer.id}`)).body).toEqual({ data: customer });
      const list = await call<ListBody<CleanItAllCustomer>>(s.base, "GET", "/customers?search=lovelace");
      expect(list.body).toEqual({ data: [customer], meta: { total: 1, limit: 50, offset: 0 } });
      expect(events).toEqual([
        { id: expect.stringMatching(ID("evt")), event: "customer.created", created_at: NOW, data: customer },
      ]);
    });

    it("validates every field and rejects malformed JSON", async () => {
      const answer = await call(s.base, "POST", "/customers", {
        body: {
          email: "not-an-email",
          phone: "1".repeat(51),
          address: { postal_code: "x".repeat(21), country: "USA" },
          notes: 5,
        },
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual(
        validationError(
          ["name", "is required"],
          ["email", "is invalid"],
          ["phone", "is invalid"],
          ["address.postal_code", "is invalid"],
          ["address.country", "is invalid"],
          ["notes", "is invalid"],
        ),
      );
      expect((await call(s.base, "POST", "/customers", { body: { name: "" } })).body).toEqual(
        validationError(["name", "is invalid"]),
      );
      const malformed = await call(s.base, "POST", "/customers", { raw: '{"name": "x",' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual(errorOf("bad_request", "Malformed JSON body"));
    });

    it("updates with PATCH and PUT (partial), null clears, name cannot be null", async () => {
      const customer = customerWith((c) => c.email !== null && c.phone !== null);
      const events = await eventsOf(async () => {
        const patched = await call<{ data: CleanItAllCustomer }>(
          s.base,
          "PATCH",
          `/customers/${customer.id}`,
          {
            body: { phone: null, notes: "Ring twice" },
          },
        );
        expect(patched.status).toBe(200);
        expect(patched.body.data).toEqual({
          ...patched.body.data,
          phone: null,
          notes: "Ring twice",
          updated_at: NOW,
        });
        expect(patched.body.data.email).not.toBeNull();
        const put = await call<{ data: CleanItAllCustomer }>(s.base, "PUT", `/customers/${customer.id}`, {
          body: { name: "Renamed Customer" },
        });
        expect(put.body.data.name).toBe("Renamed Customer");
        expect(put.body.data.notes).toBe("Ring twice");
      });
      expect(events.map((event) => event.event)).toEqual(["customer.updated", "customer.updated"]);
      expect((events[1]!.data as CleanItAllCustomer).name).toBe("Renamed Customer");
      expect((await call(s.base, "GET", `/customers/${customer.id}`)).body).toEqual({
        data: demo.customers.get(customer.id),
      });

      expect(
        (await call(s.base, "PATCH", `/customers/${customer.id}`, { body: { name: null } })).body,
      ).toEqual(validationError(["name", "is invalid"]));
      // 404 comes before validation.
      const missing = await call(s.base, "PATCH", "/customers/cus_missing", { raw: "{oops" });
      expect(missing.body).toEqual(errorOf("not_found", "Customer not found"));
    });
  });

  describe("jobs", () => {
    it("creates a job with defaults (address copied from the customer) and emits job.created", async () => {
      const customer = customerWith((c) => c.address !== null);
      let body: { data: CleanItAllJob } | undefined;
      const events = await eventsOf(async () => {
        const answer = await call<{ data: CleanItAllJob }>(s.base, "POST", "/jobs", {
          body: { customer_id: customer.id, title: "Standard clean", scheduled_date: "2026-03-10" },
        });
        expect(answer.status).toBe(201);
        body = answer.body;
      });
      const job = body!.data;
      expect(job).toEqual({
        id: expect.stringMatching(ID("job")),
        customer_id: customer.id,
        title: "Standard clean",
        description: null,
        service_type: null,
        status: "pending",
        scheduled_date: "2026-03-10",
        scheduled_time: null,
        duration_minutes: null,
        assigned_to: null,
        address: customer.address,
        price: null,
        notes: null,
        completed_at: null,
        completion_notes: null,
        created_at: NOW,
        updated_at: NOW,
      });
      expect(events.map((event) => [event.event, event.data])).toEqual([["job.created", job]]);
      // Newest first: the new job heads the list.
      const first = await call<ListBody<CleanItAllJob>>(s.base, "GET", "/jobs?limit=1");
      expect(first.body.data).toEqual([job]);
      expect(first.body.meta.total).toBe(demo.jobs.size);
    });

    it("stores every optional field, rounding money half away from zero", async () => {
      const customer = customerWith((c) => c.address === null);
      const answer = await call<{ data: CleanItAllJob }>(s.base, "POST", "/jobs", {
        body: {
          customer_id: customer.id,
          title: "Deep clean",
          scheduled_date: "2026-03-12",
          description: "Kitchen",
          service_type: "deep_cleaning",
          scheduled_time: "09:30",
          duration_minutes: 180,
          assigned_to: demo.teamMemberIds[3],
          address: null,
          price: 10.005,
          notes: "Side door",
          status: "in_progress",
        },
      });
      expect(answer.status).toBe(201);
      expect(answer.body.data).toMatchObject({
        description: "Kitchen",
        service_type: "deep_cleaning",
        status: "in_progress",
        scheduled_time: "09:30",
        duration_minutes: 180,
        assigned_to: demo.teamMemberIds[3],
        address: null,
        price: 10.01,
        notes: "Side door",
      });
    });

    it("lists every failing field of a job", async () => {
      const answer = await call(s.base, "POST", "/jobs", {
        body: {
          customer_id: "cus_nope",
          title: "x".repeat(256),
          scheduled_date: "2026-3-1",
          scheduled_time: "9:00",
          duration_minutes: 0,
          assigned_to: "tm_nope",
          address: "here",
          price: -1,
          status: "completed",
        },
      });
      expect(answer.body).toEqual(
        validationError(
          ["customer_id", "does not exist"],
          ["title", "is invalid"],
          ["scheduled_date", "is invalid"],
          ["scheduled_time", "is invalid"],
          ["duration_minutes", "is invalid"],
          ["assigned_to", "does not exist"],
          ["address", "is invalid"],
          ["price", "is invalid"],
          ["status", "must be one of: pending, in_progress"],
        ),
      );
      expect((await call(s.base, "POST", "/jobs", { body: {} })).body).toEqual(
        validationError(
          ["customer_id", "is required"],
          ["title", "is required"],
          ["scheduled_date", "is required"],
        ),
      );
      expect(
        (await call(s.base, "POST", "/jobs", { body: { duration_minutes: 1.5, customer_id: 5 } })).body,
      ).toEqual(
        validationError(
          ["customer_id", "is invalid"],
          ["title", "is required"],
          ["scheduled_date", "is required"],
          ["duration_minutes", "is invalid"],
        ),
      );
    });

    it("patches fields; moving to cancelled emits job.cancelled, then status is frozen", async () => {
      const job = jobWith((j) => j.status === "pending");
      const events = await eventsOf(async () => {
        const renamed = await call<{ data: CleanItAllJob }>(s.base, "PATCH", `/jobs/${job.id}`, {
          body: { title: "Renamed", price: 99.5, scheduled_time: null },
        });
        expect(renamed.status).toBe(200);
        expect(renamed.body.data).toMatchObject({
          title: "Renamed",
          price: 99.5,
          scheduled_time: null,
          updated_at: NOW,
        });
        const cancelled = await call<{ data: CleanItAllJob }>(s.base, "PUT", `/jobs/${job.id}`, {
          body: { status: "cancelled" },
        });
        expect(cancelled.body.data.status).toBe("cancelled");
        // Other fields stay editable on a cancelled job.
        const noted = await call<{ data: CleanItAllJob }>(s.base, "PATCH", `/jobs/${job.id}`, {
          body: { notes: "Customer moved", status: "cancelled" },
        });
        expect(noted.status).toBe(200);
      });
      expect(events.map((event) => event.event)).toEqual(["job.updated", "job.cancelled", "job.updated"]);
      expect((await call(s.base, "GET", `/jobs/${job.id}`)).body).toEqual({ data: demo.jobs.get(job.id) });

      expect((await call(s.base, "PATCH", `/jobs/${job.id}`, { body: { status: "pending" } })).body).toEqual(
        errorOf("invalid_state", "Job status cannot be changed from cancelled"),
      );
      const completed = jobWith((j) => j.status === "completed");
      expect(
        (await call(s.base, "PATCH", `/jobs/${completed.id}`, { body: { status: "in_progress" } })).body,
      ).toEqual(errorOf("invalid_state", "Job status cannot be changed from completed"));
      // Validation comes before the state rule.
      expect(
        (
          await call(s.base, "PATCH", `/jobs/${job.id}`, {
            body: { status: "completed", title: null, customer_id: null },
          })
        ).body,
      ).toEqual(
        validationError(
          ["customer_id", "is invalid"],
          ["title", "is invalid"],
          ["status", "must be one of: pending, in_progress, cancelled"],
        ),
      );
      expect((await call(s.base, "PATCH", "/jobs/job_missing", { body: { title: null } })).body).toEqual(
        errorOf("not_found", "Job not found"),
      );
    });

    it("completes a job with or without a body, and refuses completed or cancelled ones", async () => {
      const [first, second] = [...demo.jobs.values()].filter(
        (j) => j.status === "pending" || j.status === "in_progress",
      );
      const events = await eventsOf(async () => {
        const done = await call<{ data: CleanItAllJob }>(s.base, "POST", `/jobs/${first!.id}/complete`, {
          body: { completed_at: "2026-03-01T08:15:30.250-05:00", completion_notes: "All rooms done" },
        });
        expect(done.status).toBe(200);
        expect(done.body.data).toMatchObject({
          status: "completed",
          completed_at: "2026-03-01T13:15:30Z",
          completion_notes: "All rooms done",
          updated_at: NOW,
        });
        const bare = await call<{ data: CleanItAllJob }>(s.base, "POST", `/jobs/${second!.id}/complete`);
        expect(bare.body.data).toMatchObject({
          status: "completed",
          completed_at: NOW,
          completion_notes: null,
        });
      });
      expect(events.map((event) => [event.event, (event.data as CleanItAllJob).id])).toEqual([
        ["job.completed", first!.id],
        ["job.completed", second!.id],
      ]);
      expect((await call(s.base, "POST", `/jobs/${first!.id}/complete`)).body).toEqual(
        errorOf("invalid_state", "Job is already completed"),
      );
      const cancelled = jobWith((j) => j.status === "cancelled");
      expect((await call(s.base, "POST", `/jobs/${cancelled.id}/complete`)).body).toEqual(
        errorOf("invalid_state", "Cancelled jobs cannot be completed"),
      );
      expect(
        (
          await call(s.base, "POST", `/jobs/${cancelled.id}/complete`, {
            body: { completed_at: "yesterday" },
          })
        ).body,
      ).toEqual(validationError(["completed_at", "is invalid"]));
    });

    it("deletes a job without invoices (no event) and refuses one with invoices", async () => {
      const invoiced = [...demo.invoices.values()].find((invoice) => invoice.job_id !== null)!;
      expect((await call(s.base, "DELETE", `/jobs/${invoiced.job_id}`)).body).toEqual(
        errorOf("invalid_state", "Job has invoices and cannot be deleted"),
      );
      const billed = new Set([...demo.invoices.values()].map((invoice) => invoice.job_id));
      const free = jobWith((j) => !billed.has(j.id));
      const events = await eventsOf(async () => {
        const deleted = await call(s.base, "DELETE", `/jobs/${free.id}`, { key: DELETE_KEY });
        expect(deleted.status).toBe(200);
        expect(deleted.body).toEqual({ data: { id: free.id, deleted: true } });
      });
      expect(events).toEqual([]);
      expect(demo.jobs.has(free.id)).toBe(false);
      expect((await call(s.base, "GET", `/jobs/${free.id}`)).status).toBe(404);
      expect((await call(s.base, "DELETE", `/jobs/${free.id}`)).body).toEqual(
        errorOf("not_found", "Job not found"),
      );
    });
  });

  describe("invoices and payments", () => {
    it("creates a draft invoice with computed amounts and the next number", async () => {
      const job = jobWith((j) => j.status === "completed");
      let invoice: CleanItAllInvoice | undefined;
      const events = await eventsOf(async () => {
        const answer = await call<{ data: CleanItAllInvoice }>(s.base, "POST", "/invoices", {
          body: {
            customer_id: job.customer_id,
            job_id: job.id,
            line_items: [
              { description: "Deep clean", quantity: 1.5, unit_price: 33.33 },
              { description: "Supplies", unit_price: 10 },
            ],
            tax: 4.95,
          },
        });
        expect(answer.status).toBe(201);
        invoice = answer.body.data;
      });
      expect(invoice).toEqual({
        id: expect.stringMatching(ID("inv")),
        number: "INV-1501",
        customer_id: job.customer_id,
        job_id: job.id,
        status: "draft",
        line_items: [
          { description: "Deep clean", quantity: 1.5, unit_price: 33.33, amount: 50 },
          { description: "Supplies", quantity: 1, unit_price: 10, amount: 10 },
        ],
        subtotal: 60,
        tax: 4.95,
        total: 64.95,
        amount_paid: 0,
        currency: "USD",
        issue_date: "2026-03-01",
        due_date: "2026-03-31",
        sent_at: null,
        paid_at: null,
        created_at: NOW,
        updated_at: NOW,
      });
      expect(events.map((event) => [event.event, event.data])).toEqual([["invoice.created", invoice]]);
      expect((await call(s.base, "GET", `/invoices/${invoice!.id}`)).body).toEqual({ data: invoice });

      const second = await call<{ data: CleanItAllInvoice }>(s.base, "POST", "/invoices", {
        body: {
          customer_id: job.customer_id,
          line_items: [{ description: "Fee", unit_price: 0.1, quantity: 3 }],
          currency: "EUR",
          issue_date: "2026-02-01",
          due_date: "2026-02-01",
        },
      });
      expect(second.body.data).toMatchObject({
        number: "INV-1502",
        job_id: null,
        subtotal: 0.3,
        tax: 0,
        total: 0.3,
        currency: "EUR",
        issue_date: "2026-02-01",
        due_date: "2026-02-01",
      });
    });

    it("validates invoices, line items included", async () => {
      const job = jobWith((j) => j.status === "completed");
      const otherCustomer = customerWith((c) => c.id !== job.customer_id);
      const answer = await call(s.base, "POST", "/invoices", {
        body: {
          customer_id: otherCustomer.id,
          job_id: job.id,
          line_items: [{ description: "", quantity: 0 }, "x", { description: "ok", unit_price: -1 }],
          tax: -2,
          currency: "usd",
          issue_date: "2026-03-10",
          due_date: "2026-03-09",
        },
      });
      expect(answer.body).toEqual(
        validationError(
          ["job_id", "is invalid"],
          ["line_items.0.description", "is invalid"],
          ["line_items.0.quantity", "is invalid"],
          ["line_items.0.unit_price", "is required"],
          ["line_items.1", "is invalid"],
          ["line_items.2.unit_price", "is invalid"],
          ["tax", "is invalid"],
          ["currency", "is invalid"],
          ["due_date", "is invalid"],
        ),
      );
      expect(
        (
          await call(s.base, "POST", "/invoices", {
            body: { customer_id: "cus_x", job_id: "job_x", line_items: [] },
          })
        ).body,
      ).toEqual(
        validationError(
          ["customer_id", "does not exist"],
          ["job_id", "does not exist"],
          ["line_items", "is invalid"],
        ),
      );
      expect((await call(s.base, "POST", "/invoices", { body: {} })).body).toEqual(
        validationError(["customer_id", "is required"], ["line_items", "is required"]),
      );
      const tooMany = Array.from({ length: 101 }, () => ({ description: "x", unit_price: 1 }));
      expect(
        (
          await call(s.base, "POST", "/invoices", {
            body: { customer_id: job.customer_id, line_items: tooMany },
          })
        ).body,
      ).toEqual(validationError(["line_items", "is invalid"]));
    });

    it("sends an invoice: draft becomes pending; no e-mail or paid is refused", async () => {
      const withEmail = customerWith((c) => c.email !== null);
      const created = await call<{ data: CleanItAllInvoice }>(s.base, "POST", "/invoices", {
        body: { customer_id: withEmail.id, line_items: [{ description: "Clean", unit_price: 120 }] },
      });
      s.clock.ms = T0 + 60_000;
      let sent: Answer<{ data: CleanItAllInvoice }> | undefined;
      const events = await eventsOf(async () => {
        sent = await call(s.base, "POST", `/invoices/${created.body.data.id}/send`);
      });
      s.clock.ms = T0;
      expect(sent?.status).toBe(200);
      expect(sent?.body.data).toEqual({
        ...created.body.data,
        status: "pending",
        sent_at: "2026-03-01T12:31:00Z",
        updated_at: "2026-03-01T12:31:00Z",
      });
      expect(events.map((event) => [event.event, event.data])).toEqual([["invoice.sent", sent?.body.data]]);

      const overdue = invoiceWith(
        (i) => i.status === "overdue" && demo.customers.get(i.customer_id)?.email !== null,
      );
      const resent = await call<{ data: CleanItAllInvoice }>(s.base, "POST", `/invoices/${overdue.id}/send`);
      expect(resent.body.data).toMatchObject({ status: "overdue", sent_at: NOW });

      const paid = invoiceWith(
        (i) => i.status === "paid" && demo.customers.get(i.customer_id)?.email !== null,
      );
      expect((await call(s.base, "POST", `/invoices/${paid.id}/send`)).body).toEqual(
        errorOf("invalid_state", "Invoice cannot be sent in status paid"),
      );
      const noEmail = invoiceWith((i) => demo.customers.get(i.customer_id)?.email === null);
      expect((await call(s.base, "POST", `/invoices/${noEmail.id}/send`)).body).toEqual(
        validationError(["customer_id", "customer has no email address"]),
      );
      expect((await call(s.base, "POST", "/invoices/inv_missing/send")).body).toEqual(
        errorOf("not_found", "Invoice not found"),
      );
    });

    it("marks an invoice paid: a payment for the amount, then paid; emits payment.received then invoice.paid", async () => {
      const invoice = invoiceWith((i) => i.status === "overdue" && i.amount_paid === 0 && i.total > 20);
      const events = await eventsOf(async () => {
        const answer = await call<{ data: CleanItAllInvoice }>(
          s.base,
          "POST",
          `/invoices/${invoice.id}/mark-paid`,
          {
            body: { amount: 20, payment_method: "check", reference: "1042", paid_at: "2026-03-01T10:00:00Z" },
          },
        );
        expect(answer.status).toBe(200);
        expect(answer.body.data).toMatchObject({
          status: "paid",
          amount_paid: 20,
          paid_at: "2026-03-01T10:00:00Z",
          updated_at: NOW,
        });
      });
      expect(events.map((event) => event.event)).toEqual(["payment.received", "invoice.paid"]);
      const payment = events[0]?.data as CleanItAllPayment;
      expect(payment).toEqual({
        id: expect.stringMatching(ID("pay")),
        invoice_id: invoice.id,
        customer_id: invoice.customer_id,
        amount: 20,
        currency: "USD",
        method: "check",
        paid_at: "2026-03-01T10:00:00Z",
        reference: "1042",
        notes: null,
        created_at: NOW,
      });
      expect(events[1]?.data).toEqual(demo.invoices.get(invoice.id));
      const listed = await call<ListBody<CleanItAllPayment>>(
        s.base,
        "GET",
        `/payments?invoice_id=${invoice.id}`,
      );
      expect(listed.body.data).toEqual([payment]);

      expect((await call(s.base, "POST", `/invoices/${invoice.id}/mark-paid`)).body).toEqual(
        errorOf("invalid_state", "Invoice is already paid"),
      );
      const cancelled = invoiceWith((i) => i.status === "cancelled");
      expect((await call(s.base, "POST", `/invoices/${cancelled.id}/mark-paid`)).body).toEqual(
        errorOf("invalid_state", "Invoice is already cancelled"),
      );

      // Defaults: the whole balance, method `other`, paid now.
      const open = invoiceWith((i) => i.status === "pending" && i.amount_paid > 0);
      const balance = Math.round((open.total - open.amount_paid) * 100) / 100;
      const defaults = await eventsOf(() =>
        call(s.base, "POST", `/invoices/${open.id}/mark-paid`, { body: {} }),
      );
      expect(defaults.map((event) => event.event)).toEqual(["payment.received", "invoice.paid"]);
      expect(defaults[0]?.data).toMatchObject({
        amount: balance,
        method: "other",
        paid_at: NOW,
        reference: null,
      });
      expect(demo.invoices.get(open.id)).toMatchObject({
        status: "paid",
        amount_paid: open.total,
        paid_at: NOW,
      });

      const draft = invoiceWith((i) => i.status === "draft" && i.total > 1);
      expect(
        (
          await call(s.base, "POST", `/invoices/${draft.id}/mark-paid`, {
            body: { amount: draft.total + 1, payment_method: "paypal", paid_at: "soon", reference: 7 },
          })
        ).body,
      ).toEqual(
        validationError(
          ["paid_at", "is invalid"],
          ["payment_method", "must be one of: card, cash, check, bank_transfer, other"],
          ["amount", "is invalid"],
          ["reference", "is invalid"],
        ),
      );
    });

    it("records payments; the one that settles the balance marks the invoice paid", async () => {
      const created = await call<{ data: CleanItAllInvoice }>(s.base, "POST", "/invoices", {
        body: {
          customer_id: customerWith(() => true).id,
          line_items: [{ description: "Clean", unit_price: 100 }],
          tax: 8.25,
        },
      });
      const invoice = created.body.data;
      await call(s.base, "POST", `/invoices/${invoice.id}/send`);

      const partialEvents = await eventsOf(async () => {
        const partial = await call<{ data: CleanItAllPayment }>(s.base, "POST", "/payments", {
          body: {
            invoice_id: invoice.id,
            amount: 50.004,
            method: "card",
            reference: "ch_1",
            notes: "Deposit",
          },
        });
        expect(partial.status).toBe(201);
        expect(partial.body.data).toEqual({
          id: expect.stringMatching(ID("pay")),
          invoice_id: invoice.id,
          customer_id: invoice.customer_id,
          amount: 50,
          currency: "USD",
          method: "card",
          paid_at: NOW,
          reference: "ch_1",
          notes: "Deposit",
          created_at: NOW,
        });
      });
      expect(partialEvents.map((event) => event.event)).toEqual(["payment.received"]);
      expect(
        (await call<{ data: CleanItAllInvoice }>(s.base, "GET", `/invoices/${invoice.id}`)).body.data,
      ).toMatchObject({
        status: "pending",
        amount_paid: 50,
        paid_at: null,
      });

      expect(
        (await call(s.base, "POST", "/payments", { body: { invoice_id: invoice.id, amount: 58.26 } })).body,
      ).toEqual(validationError(["amount", "is invalid"]));
      const finalEvents = await eventsOf(async () => {
        const rest = await call<{ data: CleanItAllPayment }>(s.base, "POST", "/payments", {
          body: { invoice_id: invoice.id, amount: 58.25, paid_at: "2026-03-01T11:00:00+01:00" },
        });
        expect(rest.body.data).toMatchObject({
          amount: 58.25,
          method: "other",
          paid_at: "2026-03-01T10:00:00Z",
        });
      });
      expect(finalEvents.map((event) => event.event)).toEqual(["payment.received", "invoice.paid"]);
      expect(demo.invoices.get(invoice.id)).toMatchObject({
        status: "paid",
        amount_paid: 108.25,
        total: 108.25,
        paid_at: "2026-03-01T10:00:00Z",
      });
      const payments = await call<ListBody<CleanItAllPayment>>(
        s.base,
        "GET",
        `/payments?invoice_id=${invoice.id}`,
      );
      expect(payments.body.data.map((payment) => payment.amount).sort()).toEqual([50, 58.25]);

      expect(
        (await call(s.base, "POST", "/payments", { body: { invoice_id: invoice.id, amount: 1 } })).body,
      ).toEqual(errorOf("invalid_state", "Invoice is already paid"));
      expect(
        (await call(s.base, "POST", "/payments", { body: { invoice_id: "inv_x", amount: 0, method: "iou" } }))
          .body,
      ).toEqual(
        validationError(
          ["invoice_id", "does not exist"],
          ["amount", "is invalid"],
          ["method", "must be one of: card, cash, check, bank_transfer, other"],
        ),
      );
      expect((await call(s.base, "POST", "/payments", { body: {} })).body).toEqual(
        validationError(["invoice_id", "is required"], ["amount", "is required"]),
      );
    });
  });
});

describe("CleanItAll simulator: time, hooks and failures", () => {
  it("turns past-due pending invoices overdue when read, emitting invoice.overdue once", async () => {
    const hooked: Array<[string, string]> = [];
    const s = await start({ onEvent: (accountId, event) => hooked.push([accountId, event.event]) });
    try {
      const demo = s.sim.account("demo");
      const created = await call<{ data: CleanItAllInvoice }>(s.base, "POST", "/invoices", {
        body: {
          customer_id: [...demo.customers.values()].find((c) => c.email !== null)!.id,
          line_items: [{ description: "Clean", unit_price: 80 }],
          due_date: "2026-03-05",
        },
      });
      await call(s.base, "POST", `/invoices/${created.body.data.id}/send`);
      expect(demo.invoices.get(created.body.data.id)?.status).toBe("pending");

      s.clock.ms = Date.parse("2026-03-06T09:00:00Z");
      const pendingBefore = [...demo.invoices.values()].filter(
        (i) => i.status === "pending" && i.due_date < "2026-03-06",
      );
      expect(pendingBefore.length).toBeGreaterThan(1);
      const read = await call<{ data: CleanItAllInvoice }>(
        s.base,
        "GET",
        `/invoices/${created.body.data.id}`,
      );
      expect(read.body.data).toMatchObject({ status: "overdue", updated_at: "2026-03-06T09:00:00Z" });
      const overdueEvents = demo.events.filter((event) => event.event === "invoice.overdue");
      expect(overdueEvents.map((event) => (event.data as CleanItAllInvoice).id).sort()).toEqual(
        pendingBefore.map((invoice) => invoice.id).sort(),
      );
      await call(s.base, "GET", "/invoices?status=pending&limit=1");
      expect(demo.events.filter((event) => event.event === "invoice.overdue")).toHaveLength(
        pendingBefore.length,
      );
      expect(hooked.slice(0, 2)).toEqual([
        ["demo", "invoice.created"],
        ["demo", "invoice.sent"],
      ]);
      expect(hooked).toHaveLength(demo.events.length);
      // Drafts never become overdue; the other tenant is untouched until it is accessed.
      expect([...demo.invoices.values()].some((i) => i.status === "draft" && i.due_date < "2026-03-06")).toBe(
        true,
      );
      expect(s.sim.account("other").events).toEqual([]);
    } finally {
      await s.sim.close();
    }
  });

  it("answers 500 internal_error, with rate-limit headers, when a handler throws", async () => {
    const s = await start();
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      s.sim.account("demo").jobs.set("job_broken", null as unknown as CleanItAllJob);
      const answer = await call(s.base, "GET", "/jobs");
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual(errorOf("internal_error", "Internal server error"));
      expect(answer.headers.get("x-ratelimit-remaining")).toBe("999");
    } finally {
      quiet.mockRestore();
      await s.sim.close();
    }
  });
});
