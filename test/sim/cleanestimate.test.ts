import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CLEANESTIMATE_DEMO_ACCOUNT,
  CLEANESTIMATE_DEMO_KEY,
  CLEANESTIMATE_DEMO_TEST_KEY,
  type CleanEstimateAccount,
  type CleanEstimateAccountSpec,
  type CleanEstimateClient,
  type CleanEstimateEstimate,
  type CleanEstimateEvent,
  type CleanEstimateInvoice,
  type CleanEstimateJob,
  type CleanEstimateLead,
  type CleanEstimateSim,
  type CleanEstimateSimOptions,
  type CleanEstimateWebhookEndpoint,
  createCleanEstimateSim,
  estimateView,
  invoiceView,
  priceEstimate,
  seedAccount,
} from "../../sim/cleanestimate/index.js";

/** 30 minutes and 15 seconds after SEED_ANCHOR. */
const NOW = "2026-03-01T12:30:15.000Z";
const T0 = Date.parse(NOW);
/** Start of the next UTC minute after T0, in Unix seconds. */
const T0_RESET = Date.parse("2026-03-01T12:31:00Z") / 1000;

const LIVE = CLEANESTIMATE_DEMO_KEY;
const TEST = CLEANESTIMATE_DEMO_TEST_KEY;
const OTHER_KEY = `ce_live_other000_${"o".repeat(24)}`;

const OTHER: CleanEstimateAccountSpec = {
  id: "other",
  seed: 11,
  apiKeys: [{ key: OTHER_KEY }],
  size: { leads: 5, clients: 5, estimates: 8, jobs: 6, invoices: 4 },
  testSize: { leads: 1, clients: 1, estimates: 1, jobs: 1, invoices: 1 },
};

interface Started {
  sim: CleanEstimateSim;
  base: string;
  clock: { ms: number };
  demo: CleanEstimateAccount;
  hooked: Array<[string, CleanEstimateEvent]>;
}

async function start(options: CleanEstimateSimOptions = {}): Promise<Started> {
  const clock = { ms: T0 };
  const hooked: Array<[string, CleanEstimateEvent]> = [];
  const sim = createCleanEstimateSim({
    accounts: [CLEANESTIMATE_DEMO_ACCOUNT, OTHER],
    now: () => new Date(clock.ms),
    onEvent: (accountId, event) => hooked.push([accountId, event]),
    ...options,
  });
  const base = await sim.listen(0);
  return { sim, base, clock, demo: sim.account("demo"), hooked };
}

interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ field: string; message: string }> };
}
interface ListBody<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}
interface One<T> {
  data: T;
}
interface Answer<T> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

async function call<T = unknown>(
  base: string,
  method: string,
  path: string,
  options: {
    key?: string | null;
    body?: unknown;
    raw?: string;
    idem?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? LIVE : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (options.idem !== undefined) headers["idempotency-key"] = options.idem;
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
    text,
    body: (text ? JSON.parse(text) : null) as T,
  };
}

const rateHeaders = (headers: Headers) => ({
  limit: headers.get("x-ratelimit-limit"),
  remaining: headers.get("x-ratelimit-remaining"),
  reset: headers.get("x-ratelimit-reset"),
  retryAfter: headers.get("retry-after"),
});

const errorOf = (code: string, message: string): ErrorBody => ({ error: { code, message } });
const validationError = (...details: Array<[string, string]>): ErrorBody => ({
  error: {
    code: "validation_error",
    message: "Validation failed",
    details: details.map(([field, message]) => ({ field, message })),
  },
});
const invalidRequest = (...details: Array<[string, string]>): ErrorBody => ({
  error: {
    code: "invalid_request",
    message: "Invalid request",
    details: details.map(([field, message]) => ({ field, message })),
  },
});

/** §6 order computed independently: sort key, then id, both in the requested direction. */
function expectedOrder<T extends { id: string }>(
  records: Iterable<T>,
  key: (record: T) => string,
  order: "asc" | "desc" = "desc",
): T[] {
  const sign = order === "asc" ? 1 : -1;
  return [...records].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    if (ka !== kb) return (ka < kb ? -1 : 1) * sign;
    return (a.id < b.id ? -1 : 1) * sign;
  });
}
const ids = (records: Array<{ id: string }>) => records.map((record) => record.id);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const cents = (value: number) => Math.round(value * 100);

/** Follows `next_cursor` to the end; returns every record in order. */
async function walk<T>(
  s: Started,
  path: string,
  key: string = LIVE,
): Promise<{ records: T[]; pages: number }> {
  const records: T[] = [];
  let pages = 0;
  let next: string | null = path;
  while (next) {
    const answer: Answer<ListBody<T>> = await call<ListBody<T>>(s.base, "GET", next, { key });
    expect(answer.status, next).toBe(200);
    records.push(...answer.body.data);
    pages++;
    expect(answer.body.has_more).toBe(answer.body.next_cursor !== null);
    // With a cursor, the sort, order and status of the original path are ignored (§6).
    const joiner = path.includes("?") ? "&" : "?";
    next = answer.body.next_cursor
      ? `${path}${joiner}cursor=${encodeURIComponent(answer.body.next_cursor)}`
      : null;
  }
  return { records, pages };
}

// ---------------------------------------------------------------------------------------------

describe("CleanEstimate seed data", () => {
  it("generates the default sizes quickly, priced by the API's function, statuses consistent with dates", () => {
    const started = performance.now();
    const account = seedAccount(CLEANESTIMATE_DEMO_ACCOUNT);
    expect(performance.now() - started).toBeLessThan(300);
    const { live } = account;
    expect([
      live.leads.size,
      live.clients.size,
      live.estimates.size,
      live.jobs.size,
      live.invoices.size,
    ]).toEqual([200, 250, 600, 500, 400]);
    const { test } = account;
    expect([
      test.leads.size,
      test.clients.size,
      test.estimates.size,
      test.jobs.size,
      test.invoices.size,
    ]).toEqual([20, 25, 60, 50, 40]);
    expect(account.events).toEqual([]);
    expect(account.webhooks.size).toBe(0);

    const anchor = new Date("2026-03-01T12:00:00Z");
    for (const lead of live.leads.values()) {
      expect(lead.id).toMatch(UUID);
      expect(lead.created_at <= lead.updated_at).toBe(true);
      expect(lead.updated_at < "2026-03-01T12:00:00.000Z").toBe(true);
    }
    for (const estimate of live.estimates.values()) {
      // Re-pricing the submitted inputs reproduces every amount and the total.
      const repriced = priceEstimate({
        services: estimate.services,
        addons: estimate.addons,
        custom_items: estimate.custom_items,
        dirtiness_level: estimate.dirtiness_level,
      });
      expect(repriced.total).toBe(estimate.total);
      expect(repriced.services).toEqual(estimate.services);
      expect(cents(estimate.total)).toBe(
        [...estimate.services, ...estimate.addons, ...estimate.custom_items].reduce(
          (sum, line) => sum + cents(line.amount),
          0,
        ),
      );
      expect(estimate.services.some((service) => service.enabled)).toBe(true);
      if (estimate.client_id)
        expect(live.clients.get(estimate.client_id)!.created_at <= estimate.created_at).toBe(true);
      if (estimate.lead_id)
        expect(["quoted", "won", "lost"]).toContain(live.leads.get(estimate.lead_id)!.status);
      expect(["draft", "sent", "accepted", "declined"]).toContain(estimate.status);
      if (estimate.status === "accepted") {
        expect(estimate.accepted_at! > estimate.created_at).toBe(true);
        expect(estimate.accepted_at! <= estimate.expires_at).toBe(true);
        expect(estimate.updated_at).toBe(estimate.accepted_at);
      } else expect(estimate.accepted_at).toBeNull();
    }
    const estimateStatuses = new Set([...live.estimates.values()].map((e) => estimateView(e, anchor).status));
    expect([...estimateStatuses].sort()).toEqual(["accepted", "declined", "draft", "expired", "sent"]);

    let linked = 0;
    for (const job of live.jobs.values()) {
      expect(live.clients.has(job.client_id)).toBe(true);
      if (job.estimate_id) {
        linked++;
        const estimate = live.estimates.get(job.estimate_id)!;
        expect(estimate.status).toBe("accepted");
        expect(job.price).toBe(estimate.total);
        expect(estimate.client_id).toBe(job.client_id);
      }
      if (job.status === "completed") expect(job.completed_at).not.toBeNull();
      else expect(job.completed_at).toBeNull();
      if (job.scheduled_date > "2026-03-01") expect(["scheduled", "cancelled"]).toContain(job.status);
      if (job.scheduled_time_start && job.scheduled_time_end) {
        expect(job.scheduled_time_end > job.scheduled_time_start).toBe(true);
      }
    }
    expect(linked).toBeGreaterThan(100);

    const numbers = expectedOrder(live.invoices.values(), (invoice) => invoice.created_at, "asc").map(
      (invoice) => invoice.invoice_number,
    );
    expect(numbers).toEqual(Array.from({ length: 400 }, (_, i) => `INV-${1001 + i}`));
    for (const invoice of live.invoices.values()) {
      const lines = invoice.line_items.reduce((sum, item) => sum + cents(item.amount), 0);
      for (const item of invoice.line_items) {
        expect(cents(item.amount)).toBe(Math.round(item.quantity * item.unit_price * 100));
      }
      expect(cents(invoice.subtotal)).toBe(lines);
      expect(cents(invoice.total)).toBe(lines + cents(invoice.tax));
      expect(live.clients.has(invoice.client_id)).toBe(true);
      if (invoice.job_id) expect(live.jobs.get(invoice.job_id)!.status).toBe("completed");
      if (invoice.status === "paid") {
        expect(invoice.amount_paid).toBe(invoice.total);
        expect(invoice.paid_at).not.toBeNull();
      } else {
        expect(invoice.paid_at).toBeNull();
        expect(cents(invoice.amount_paid)).toBeLessThan(cents(invoice.total));
      }
      if (invoice.status === "draft" || invoice.status === "void") expect(invoice.amount_paid).toBe(0);
      if (invoice.status === "draft") expect(invoice.sent_at).toBeNull();
      if (invoice.status === "overdue") expect(invoice.due_date < "2026-03-01").toBe(true);
      if (invoice.status === "sent") expect(invoice.due_date >= "2026-03-01").toBe(true);
    }
    const invoiceStatuses = new Set([...live.invoices.values()].map((invoice) => invoice.status));
    expect([...invoiceStatuses].sort()).toEqual(["draft", "overdue", "paid", "sent", "void"]);
  });

  it("is deterministic per seed, with a separate test data set", () => {
    const dump = (account: CleanEstimateAccount) =>
      JSON.stringify(
        [account.live, account.test].map((set) => [
          [...set.leads.values()],
          [...set.clients.values()],
          [...set.estimates.values()],
          [...set.jobs.values()],
          [...set.invoices.values()],
        ]),
      );
    const first = seedAccount(CLEANESTIMATE_DEMO_ACCOUNT);
    expect(dump(seedAccount(CLEANESTIMATE_DEMO_ACCOUNT))).toBe(dump(first));
    expect(dump(seedAccount({ ...CLEANESTIMATE_DEMO_ACCOUNT, seed: 4 }))).not.toBe(dump(first));
    const liveIds = new Set(first.live.leads.keys());
    for (const id of first.test.leads.keys()) expect(liveIds.has(id)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

describe("CleanEstimate simulator: auth, rate limit, reads", () => {
  let s: Started;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(() => s.sim.close());
  afterEach(() => {
    s.sim.limiter.reset();
    s.sim.control.reset();
  });

  describe("authentication and modes", () => {
    it("answers 401 without rate-limit headers for missing, malformed, unknown and revoked keys", async () => {
      const revoked = `ce_live_revoked0_${"x".repeat(24)}`;
      s.demo.apiKeys.push({ key: revoked });
      expect((await call(s.base, "GET", "/leads?limit=1", { key: revoked })).status).toBe(200);
      s.demo.apiKeys.pop();
      for (const key of [
        null,
        "",
        "ce_live_short",
        `ce_live_ABCDEFGH_${"a".repeat(24)}`,
        `ce_prod_abcdefgh_${"a".repeat(24)}`,
        `ce_live_abcdefgh_${"a".repeat(24)}`,
        revoked,
      ]) {
        const answer = await call(s.base, "GET", "/leads", { key });
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual(errorOf("unauthorized", "Invalid or missing API key"));
        expect(rateHeaders(answer.headers)).toEqual({
          limit: null,
          remaining: null,
          reset: null,
          retryAfter: null,
        });
      }
      // Only the bearer scheme carries the key.
      const basic = await call(s.base, "GET", "/leads", {
        key: null,
        headers: { authorization: `Basic ${LIVE}` },
      });
      expect(basic.status).toBe(401);
      const headerKey = await call(s.base, "GET", "/leads", { key: null, headers: { "x-api-key": LIVE } });
      expect(headerKey.status).toBe(401);
      // Unknown paths sit behind authentication too; other paths are a bare 404.
      expect((await call(s.base, "GET", "/nowhere", { key: null })).status).toBe(401);
      const outside = await call(s.base.replace("/api/v1", ""), "GET", "/status", { key: null });
      expect(outside.status).toBe(404);
      expect(outside.body).toEqual(errorOf("not_found", "Route not found"));
    });

    it("serves /openapi.json without a key and without counting against the limit", async () => {
      const answer = await call<{ openapi: string; paths: Record<string, unknown> }>(
        s.base,
        "GET",
        "/openapi.json",
        {
          key: null,
        },
      );
      expect(answer.status).toBe(200);
      expect(answer.body.openapi).toBe("3.1.0");
      expect(Object.keys(answer.body.paths)).toEqual(
        expect.arrayContaining(["/leads", "/estimates/{id}", "/invoices", "/webhooks", "/webhooks/{id}"]),
      );
      expect(answer.headers.get("x-ratelimit-limit")).toBeNull();
      expect((await call(s.base, "GET", "/leads?limit=1")).headers.get("x-ratelimit-remaining")).toBe("119");
    });

    it("test keys see only the test data set, live keys only the live one, tenants only their own", async () => {
      const liveLead = [...s.demo.live.leads.values()][0]!;
      const testLead = [...s.demo.test.leads.values()][0]!;
      const otherLead = [...s.sim.account("other").live.leads.values()][0]!;
      expect((await call(s.base, "GET", `/leads/${liveLead.id}`)).body).toEqual({ data: liveLead });
      expect((await call(s.base, "GET", `/leads/${testLead.id}`, { key: TEST })).body).toEqual({
        data: testLead,
      });
      for (const [id, key] of [
        [testLead.id, LIVE],
        [liveLead.id, TEST],
        [otherLead.id, LIVE],
        [liveLead.id, OTHER_KEY],
      ] as const) {
        const answer = await call(s.base, "GET", `/leads/${id}`, { key });
        expect(answer.status).toBe(404);
        expect(answer.body).toEqual(errorOf("not_found", "Lead not found"));
      }
      const testList = await walk<CleanEstimateLead>(s, "/leads?limit=100", TEST);
      expect(testList.records.map((lead) => lead.id).sort()).toEqual([...s.demo.test.leads.keys()].sort());
    });

    it("refuses test keys on every /webhooks route with 403, after auth and rate limit", async () => {
      for (const [method, path] of [
        ["GET", "/webhooks"],
        ["POST", "/webhooks"],
        ["DELETE", `/webhooks/${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}`],
        ["PATCH", "/webhooks/x"],
      ] as const) {
        const answer = await call(s.base, method, path, {
          key: TEST,
          raw: method === "POST" ? "{not json" : undefined,
        });
        expect(answer.status, `${method} ${path}`).toBe(403);
        expect(answer.body).toEqual(
          errorOf("live_key_required", "Webhook routes require a live API key (ce_live_...)"),
        );
        expect(answer.headers.get("x-ratelimit-limit")).toBe("120");
      }
      expect((await call(s.base, "GET", "/webhooks")).status).toBe(200);
    });
  });

  describe("rate limiting", () => {
    it("sends the headers on every authenticated answer, errors included", async () => {
      const ok = await call(s.base, "GET", "/leads?limit=1");
      expect(rateHeaders(ok.headers)).toEqual({
        limit: "120",
        remaining: "119",
        reset: String(T0_RESET),
        retryAfter: null,
      });
      const missing = await call(s.base, "GET", "/leads/nope");
      expect(missing.status).toBe(404);
      expect(missing.headers.get("x-ratelimit-remaining")).toBe("118");
      const invalid = await call(s.base, "GET", "/leads?limit=0");
      expect(invalid.status).toBe(400);
      expect(invalid.headers.get("x-ratelimit-remaining")).toBe("117");
      await call(s.base, "GET", "/leads", { key: null });
      expect((await call(s.base, "GET", "/leads?limit=1")).headers.get("x-ratelimit-remaining")).toBe("116");
      // Each key has its own budget.
      expect(
        (await call(s.base, "GET", "/leads?limit=1", { key: TEST })).headers.get("x-ratelimit-remaining"),
      ).toBe("119");
    });

    it("answers 429 with Retry-After when the minute is used up; 429s do not count; the next minute resets", async () => {
      const small = await start({ rateLimit: { limit: 3, windowMs: 60_000 } });
      try {
        const remaining: Array<string | null> = [];
        for (let i = 0; i < 3; i++) {
          remaining.push(
            (await call(small.base, "GET", "/clients?limit=1")).headers.get("x-ratelimit-remaining"),
          );
        }
        expect(remaining).toEqual(["2", "1", "0"]);
        for (let i = 0; i < 2; i++) {
          const refused = await call(small.base, "GET", "/clients?limit=1");
          expect(refused.status).toBe(429);
          expect(refused.body).toEqual(errorOf("rate_limited", "Rate limit exceeded. Try again later."));
          expect(rateHeaders(refused.headers)).toEqual({
            limit: "3",
            remaining: "0",
            reset: String(T0_RESET),
            retryAfter: "45",
          });
        }
        // 429 comes before 403 and 400.
        expect((await call(small.base, "POST", "/webhooks", { raw: "{" })).status).toBe(429);
        small.sim.limiter.settings.limit = 5;
        expect((await call(small.base, "GET", "/clients?limit=1")).headers.get("x-ratelimit-remaining")).toBe(
          "1",
        );
        small.sim.limiter.settings.limit = 3;
        small.clock.ms = T0_RESET * 1000;
        const next = await call(small.base, "GET", "/clients?limit=1");
        expect(rateHeaders(next.headers)).toEqual({
          limit: "3",
          remaining: "2",
          reset: String(T0_RESET + 60),
          retryAfter: null,
        });
      } finally {
        await small.sim.close();
      }
    });
  });

  describe("cursor pagination", () => {
    it("walks every lead once, newest first by default, 25 per page", async () => {
      const first = await call<ListBody<CleanEstimateLead>>(s.base, "GET", "/leads");
      expect(first.body.data).toHaveLength(25);
      expect(first.body.has_more).toBe(true);
      const all = await walk<CleanEstimateLead>(s, "/leads?limit=100");
      expect(all.pages).toBe(2);
      expect(ids(all.records)).toEqual(
        ids(expectedOrder(s.demo.live.leads.values(), (lead) => lead.created_at)),
      );
      expect(all.records).toEqual(expectedOrder(s.demo.live.leads.values(), (lead) => lead.created_at));
    });

    it("orders by each sort and order, ties broken by id, without gaps or duplicates", async () => {
      const jobs = [...s.demo.live.jobs.values()];
      for (const sort of ["created_at", "updated_at", "scheduled_date"] as const) {
        for (const order of ["asc", "desc"] as const) {
          const { records } = await walk<CleanEstimateJob>(s, `/jobs?limit=100&sort=${sort}&order=${order}`);
          expect(ids(records), `${sort} ${order}`).toEqual(
            ids(expectedOrder(jobs, (job) => job[sort], order)),
          );
          expect(new Set(ids(records)).size).toBe(500);
        }
      }
      // Many jobs share a scheduled date: the id tie-break is exercised.
      expect(new Set(jobs.map((job) => job.scheduled_date)).size).toBeLessThan(500);
      const clients = await walk<CleanEstimateClient>(s, "/clients?limit=100&sort=updated_at&order=asc");
      expect(ids(clients.records)).toEqual(
        ids(expectedOrder(s.demo.live.clients.values(), (c) => c.updated_at, "asc")),
      );
    });

    it("filters by status, with read-time estimate expiry and invoice overdue", async () => {
      const now = new Date(T0);
      const newLeads = await walk<CleanEstimateLead>(
        s,
        "/leads?limit=25&sort=created_at&order=desc&status=new",
      );
      expect(ids(newLeads.records)).toEqual(
        ids(
          expectedOrder(
            [...s.demo.live.leads.values()].filter((lead) => lead.status === "new"),
            (l) => l.created_at,
          ),
        ),
      );
      for (const status of ["sent", "expired", "accepted"] as const) {
        const { records } = await walk<CleanEstimateEstimate>(s, `/estimates?limit=100&status=${status}`);
        const expected = [...s.demo.live.estimates.values()]
          .map((estimate) => estimateView(estimate, now))
          .filter((estimate) => estimate.status === status);
        expect(expected.length).toBeGreaterThan(10);
        expect(records).toEqual(expectedOrder(expected, (estimate) => estimate.created_at));
      }
      // Expired estimates are stored as sent; only the wire says expired.
      const expired = (
        await call<ListBody<CleanEstimateEstimate>>(s.base, "GET", "/estimates?status=expired&limit=1")
      ).body.data[0]!;
      expect(s.demo.live.estimates.get(expired.id)!.status).toBe("sent");
      expect(expired.expires_at <= NOW).toBe(true);

      const sentInvoices = await walk<CleanEstimateInvoice>(
        s,
        "/invoices?limit=25&sort=created_at&order=desc&status=sent",
      );
      expect(
        sentInvoices.records.every(
          (invoice) => invoice.status === "sent" && invoice.due_date >= "2026-03-01",
        ),
      ).toBe(true);
      // A day after a sent invoice's due date it reads as overdue.
      const dueSoon = expectedOrder(sentInvoices.records, (invoice) => invoice.due_date, "asc")[0]!;
      s.clock.ms = Date.parse(`${dueSoon.due_date}T00:00:00Z`) + 86_400_000;
      try {
        const later = await call<One<CleanEstimateInvoice>>(s.base, "GET", `/invoices/${dueSoon.id}`);
        expect(later.body.data).toEqual({ ...dueSoon, status: "overdue" });
        const overdue = await walk<CleanEstimateInvoice>(s, "/invoices?limit=100&status=overdue");
        expect(ids(overdue.records)).toContain(dueSoon.id);
      } finally {
        s.clock.ms = T0;
      }
    });

    it("takes sort, order and status from the cursor; limit may change", async () => {
      const page1 = await call<ListBody<CleanEstimateLead>>(
        s.base,
        "GET",
        "/leads?limit=10&sort=updated_at&order=asc&status=lost",
      );
      const cursor = page1.body.next_cursor!;
      const page2 = await call<ListBody<CleanEstimateLead>>(
        s.base,
        "GET",
        `/leads?limit=30&sort=bogus&order=sideways&status=won&cursor=${cursor}`,
      );
      expect(page2.status).toBe(200);
      const lost = expectedOrder(
        [...s.demo.live.leads.values()].filter((lead) => lead.status === "lost"),
        (lead) => lead.updated_at,
        "asc",
      );
      expect(ids([...page1.body.data, ...page2.body.data])).toEqual(ids(lost.slice(0, 40)));
      expect(page2.body.has_more).toBe(lost.length > 40);
    });

    it("answers the last page with has_more false and a null cursor; an empty filter is an empty page", async () => {
      const webhooks = await call<ListBody<unknown>>(s.base, "GET", "/webhooks?status=anything");
      expect(webhooks.body).toEqual({ data: [], has_more: false, next_cursor: null });
      const all = await call<ListBody<CleanEstimateLead>>(s.base, "GET", "/leads?limit=100&status=contacted");
      expect(all.body.has_more).toBe(false);
      expect(all.body.next_cursor).toBeNull();
    });

    it("rejects invalid parameters and cursors with 400 invalid_request listing every field", async () => {
      const cases: Array<[string, ErrorBody]> = [
        ["/leads?limit=0", invalidRequest(["limit", "is invalid"])],
        ["/leads?limit=101", invalidRequest(["limit", "is invalid"])],
        ["/leads?limit=ten", invalidRequest(["limit", "is invalid"])],
        ["/leads?limit=2.5", invalidRequest(["limit", "is invalid"])],
        [
          "/leads?limit=-1&sort=name&order=up&status=open",
          invalidRequest(
            ["limit", "is invalid"],
            ["sort", "must be one of: created_at, updated_at"],
            ["order", "must be one of: asc, desc"],
            ["status", "must be one of: new, contacted, quoted, won, lost"],
          ),
        ],
        [
          "/estimates?sort=scheduled_date",
          invalidRequest(["sort", "must be one of: created_at, updated_at"]),
        ],
        [
          "/jobs?sort=price",
          invalidRequest(["sort", "must be one of: created_at, updated_at, scheduled_date"]),
        ],
        [
          "/invoices?status=pending",
          invalidRequest(["status", "must be one of: draft, sent, paid, overdue, void"]),
        ],
        ["/clients?status=new", invalidRequest(["status", "must be one of: active, inactive"])],
        [
          "/jobs?status=done",
          invalidRequest(["status", "must be one of: scheduled, in_progress, completed, cancelled"]),
        ],
        ["/leads?cursor=not-a-cursor", invalidRequest(["cursor", "is invalid"])],
        ["/leads?cursor=%%%", invalidRequest(["cursor", "is invalid"])],
        [
          `/leads?cursor=${Buffer.from('{"r":"leads"}').toString("base64url")}`,
          invalidRequest(["cursor", "is invalid"]),
        ],
      ];
      for (const [path, body] of cases) {
        const answer = await call(s.base, "GET", path);
        expect(answer.status, path).toBe(400);
        expect(answer.body, path).toEqual(body);
      }
      // A cursor of one resource is invalid on another.
      const jobsCursor = (await call<ListBody<unknown>>(s.base, "GET", "/jobs?limit=1")).body.next_cursor!;
      expect((await call(s.base, "GET", `/clients?cursor=${jobsCursor}`)).body).toEqual(
        invalidRequest(["cursor", "is invalid"]),
      );
      expect((await call(s.base, "GET", `/jobs?cursor=${jobsCursor}&limit=500`)).body).toEqual(
        invalidRequest(["limit", "is invalid"]),
      );
    });
  });

  describe("by id", () => {
    it("returns every resource as stored (estimates and invoices through the read-time rules)", async () => {
      const now = new Date(T0);
      const lead = [...s.demo.live.leads.values()][17]!;
      const client = [...s.demo.live.clients.values()][42]!;
      const estimate = [...s.demo.live.estimates.values()][99]!;
      const job = [...s.demo.live.jobs.values()][123]!;
      const invoice = [...s.demo.live.invoices.values()][321]!;
      expect((await call(s.base, "GET", `/leads/${lead.id}`)).body).toEqual({ data: lead });
      expect((await call(s.base, "GET", `/clients/${client.id}`)).body).toEqual({ data: client });
      expect((await call(s.base, "GET", `/estimates/${estimate.id}`)).body).toEqual({
        data: estimateView(estimate, now),
      });
      expect((await call(s.base, "GET", `/jobs/${job.id}`)).body).toEqual({ data: job });
      expect((await call(s.base, "GET", `/invoices/${invoice.id}`)).body).toEqual({
        data: invoiceView(invoice, now),
      });
      // Field order is the reference's.
      const text = (await call(s.base, "GET", `/jobs/${job.id}`)).text;
      expect(Object.keys(JSON.parse(text).data)).toEqual([
        "id",
        "client_id",
        "estimate_id",
        "status",
        "service_type",
        "scheduled_date",
        "scheduled_time_start",
        "scheduled_time_end",
        "customer_name",
        "service_address",
        "service_city",
        "service_state",
        "service_zip",
        "price",
        "notes",
        "access_notes",
        "special_instructions",
        "completed_at",
        "created_at",
        "updated_at",
      ]);
    });

    it("answers 404 with the resource's message, and Route not found for unknown routes and methods", async () => {
      const unknown = "00000000-0000-4000-8000-000000000001";
      const cases: Array<[string, string, string]> = [
        ["GET", `/leads/${unknown}`, "Lead not found"],
        ["GET", `/clients/${unknown}`, "Client not found"],
        ["GET", `/estimates/${unknown}`, "Estimate not found"],
        ["GET", `/jobs/${unknown}`, "Job not found"],
        ["GET", `/invoices/${unknown}`, "Invoice not found"],
        ["GET", "/invoices/INV-1001", "Invoice not found"],
        ["DELETE", `/webhooks/${unknown}`, "Webhook not found"],
        ["GET", "/payments", "Route not found"],
        ["DELETE", `/leads/${[...s.demo.live.leads.keys()][0]}`, "Route not found"],
        ["POST", "/invoices", "Route not found"],
        ["GET", "/webhooks/x", "Route not found"],
      ];
      for (const [method, path, message] of cases) {
        const answer = await call(s.base, method, path);
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(answer.body).toEqual(errorOf("not_found", message));
      }
    });
  });

  describe("control: counters, faults, latency", () => {
    it("counts requests per route key, faulted and refused ones included", async () => {
      const lead = [...s.demo.live.leads.values()][0]!;
      await call(s.base, "GET", `/leads/${lead.id}`);
      await call(s.base, "GET", "/leads/nope");
      await call(s.base, "GET", "/leads", { key: null });
      await call(s.base, "GET", "/openapi.json", { key: null });
      expect(s.sim.control.count("GET /api/v1/leads/:id")).toBe(2);
      expect(s.sim.control.count("GET /api/v1/leads")).toBe(1);
      expect(s.sim.control.count("GET /api/v1/openapi.json")).toBe(1);
      expect(s.sim.control.count()).toBe(4);
    });

    it("injects status faults with the upstream's internal_error body", async () => {
      s.sim.control.injectFault({ kind: "status", status: 503, route: "GET /api/v1/leads", times: 1 });
      const faulted = await call(s.base, "GET", "/leads?limit=1");
      expect(faulted.status).toBe(503);
      expect(faulted.body).toEqual(errorOf("internal_error", "Internal server error"));
      s.sim.control.injectFault({ kind: "status", times: 1 });
      expect((await call(s.base, "GET", "/jobs?limit=1")).status).toBe(500);
      expect((await call(s.base, "GET", "/leads?limit=1")).status).toBe(200);
    });

    it("injects reference-exact 429s", async () => {
      s.sim.control.injectFault({ kind: "rateLimit", times: 1 });
      const faulted = await call(s.base, "GET", "/clients?limit=1");
      expect(faulted.status).toBe(429);
      expect(faulted.body).toEqual(errorOf("rate_limited", "Rate limit exceeded. Try again later."));
      expect(rateHeaders(faulted.headers)).toEqual({
        limit: "120",
        remaining: "0",
        reset: String(T0_RESET),
        retryAfter: "45",
      });
    });

    it("drops connections, slows answers and adds latency", async () => {
      s.sim.control.injectFault({ kind: "drop", times: 1 });
      await expect(call(s.base, "GET", "/leads?limit=1")).rejects.toThrow();
      s.sim.control.injectFault({ kind: "slow", delayMs: 120, times: 1 });
      let started = Date.now();
      expect((await call(s.base, "GET", "/leads?limit=1")).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
      s.sim.control.setLatency(80);
      started = Date.now();
      expect((await call(s.base, "GET", "/leads?limit=1")).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(70);
      expect(s.sim.control.requests.map((request) => request.faulted)).toEqual(["drop", "slow", null]);
    });

    it("answers 500 internal_error with rate-limit headers when a handler throws", async () => {
      const saved = s.demo.live.leads;
      s.demo.live.leads = {
        values: () => {
          throw new Error("boom");
        },
      } as unknown as Map<string, CleanEstimateLead>;
      const original = console.error;
      console.error = () => {};
      try {
        const answer = await call(s.base, "GET", "/leads");
        expect(answer.status).toBe(500);
        expect(answer.body).toEqual(errorOf("internal_error", "Internal server error"));
        expect(answer.headers.get("x-ratelimit-limit")).toBe("120");
      } finally {
        s.demo.live.leads = saved;
        console.error = original;
      }
    });
  });

  it("serves identical pages from two simulators with the same seed", async () => {
    const twin = await start();
    try {
      for (const path of ["/leads", "/clients", "/estimates", "/jobs", "/invoices"]) {
        const mine = await call(s.base, "GET", `${path}?limit=100&order=asc`);
        const theirs = await call(twin.base, "GET", `${path}?limit=100&order=asc`);
        expect(theirs.text).toBe(mine.text);
      }
    } finally {
      await twin.sim.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("CleanEstimate simulator: writes", () => {
  let s: Started;
  beforeAll(async () => {
    s = await start({ rateLimit: { limit: 100_000, windowMs: 60_000 } });
  });
  afterAll(() => s.sim.close());

  /** Events recorded by the writes of `run`. */
  async function eventsOf(run: () => Promise<unknown>): Promise<CleanEstimateEvent[]> {
    const before = s.demo.events.length;
    await run();
    return s.demo.events.slice(before);
  }
  const seededClient = () =>
    [...s.demo.live.clients.values()].find((c) => c.address_line1 && c.status === "active")!;

  describe("leads", () => {
    it("creates the documented lead with defaults, visible to reads, emitting lead.created", async () => {
      const body = {
        customer_name: "Taylor Morgan",
        customer_email: "taylor@example.com",
        customer_phone: "+15551234567",
        service_address: "123 Main St",
        city: "Charlotte",
        state: "NC",
        zip: "28202",
        service_interest: ["house-wash"],
        notes: "Requested a Saturday estimate",
      };
      let created!: Answer<One<CleanEstimateLead>>;
      const events = await eventsOf(async () => {
        created = await call<One<CleanEstimateLead>>(s.base, "POST", "/leads", {
          body,
          idem: "lead-demo-001",
        });
      });
      expect(created.status).toBe(201);
      expect(created.headers.get("idempotent-replayed")).toBeNull();
      const lead = created.body.data;
      expect(lead.id).toMatch(UUID);
      expect(lead).toEqual({
        id: lead.id,
        status: "new",
        ...body,
        source: "api",
        created_at: NOW,
        updated_at: NOW,
      });
      expect(Object.keys(lead)).toEqual([
        "id",
        "status",
        "customer_name",
        "customer_email",
        "customer_phone",
        "service_address",
        "city",
        "state",
        "zip",
        "service_interest",
        "notes",
        "source",
        "created_at",
        "updated_at",
      ]);
      expect((await call(s.base, "GET", `/leads/${lead.id}`)).body).toEqual({ data: lead });
      const newest = await call<ListBody<CleanEstimateLead>>(s.base, "GET", "/leads?limit=1&status=new");
      expect(newest.body.data[0]).toEqual(lead);
      expect(events).toEqual([
        { id: expect.stringMatching(UUID), type: "lead.created", timestamp: NOW, data: lead },
      ]);
      expect(s.hooked.at(-1)).toEqual(["demo", events[0]]);

      const minimal = await call<One<CleanEstimateLead>>(s.base, "POST", "/leads", {
        body: { customer_name: "Sam", source: "zapier", status: "contacted", extra: 1 },
      });
      expect(minimal.body.data).toMatchObject({
        customer_email: null,
        service_interest: [],
        notes: null,
        source: "zapier",
        status: "contacted",
      });
      expect(minimal.body.data).not.toHaveProperty("extra");
    });

    it("validates every field", async () => {
      const answer = await call(s.base, "POST", "/leads", {
        body: {
          customer_email: "not-an-email",
          customer_phone: "1".repeat(51),
          city: 12,
          zip: "1".repeat(21),
          service_interest: ["ok", 3, "x".repeat(101)],
          notes: "n".repeat(5001),
          source: null,
          status: "hot",
        },
      });
      expect(answer.status).toBe(422);
      expect(answer.body).toEqual(
        validationError(
          ["status", "must be one of: new, contacted, quoted, won, lost"],
          ["customer_name", "is required"],
          ["customer_email", "is invalid"],
          ["customer_phone", "is invalid"],
          ["city", "is invalid"],
          ["zip", "is invalid"],
          ["service_interest.1", "is invalid"],
          ["service_interest.2", "is invalid"],
          ["notes", "is invalid"],
          ["source", "is invalid"],
        ),
      );
      const tooMany = await call(s.base, "POST", "/leads", {
        body: { customer_name: "", service_interest: Array.from({ length: 21 }, () => "a") },
      });
      expect(tooMany.body).toEqual(
        validationError(["customer_name", "is invalid"], ["service_interest", "is invalid"]),
      );
      const malformed = await call(s.base, "POST", "/leads", { raw: "{nope" });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual(errorOf("invalid_json", "Request body is not valid JSON"));
      expect((await call(s.base, "POST", "/leads", { raw: "[1]" })).body).toEqual(
        errorOf("invalid_json", "Request body is not valid JSON"),
      );
    });

    it("patches notes (documented), null clears, customer_name cannot be null; emits lead.updated", async () => {
      const lead = [...s.demo.live.leads.values()].find((l) => l.customer_email !== null)!;
      const before = structuredClone(lead);
      s.clock.ms = T0 + 1000;
      try {
        let answer!: Answer<One<CleanEstimateLead>>;
        const events = await eventsOf(async () => {
          answer = await call<One<CleanEstimateLead>>(s.base, "PATCH", `/leads/${lead.id}`, {
            body: {
              notes: "Left voicemail. Follow up tomorrow morning.",
              customer_email: null,
              status: "contacted",
            },
            idem: "lead-notes-update-001",
          });
        });
        expect(answer.status).toBe(200);
        const expected = {
          ...before,
          notes: "Left voicemail. Follow up tomorrow morning.",
          customer_email: null,
          status: "contacted",
          updated_at: "2026-03-01T12:30:16.000Z",
        };
        expect(answer.body.data).toEqual(expected);
        expect(s.demo.live.leads.get(lead.id)).toEqual(expected);
        expect(events.map((event) => [event.type, event.data])).toEqual([["lead.updated", expected]]);
        const bad = await call(s.base, "PATCH", `/leads/${lead.id}`, { body: { customer_name: null } });
        expect(bad.body).toEqual(validationError(["customer_name", "is invalid"]));
      } finally {
        s.clock.ms = T0;
      }
    });
  });

  describe("clients", () => {
    it("creates the documented client and patches its notes", async () => {
      const body = {
        name: "Taylor Morgan",
        email: "taylor@example.com",
        phone: "+15551234567",
        notes: "Prefers text first. Side gate code is 4421.",
        status: "active",
      };
      const created = await call<One<CleanEstimateClient>>(s.base, "POST", "/clients", {
        body,
        idem: "client-notes-demo-001",
      });
      expect(created.status).toBe(201);
      const client = created.body.data;
      expect(client).toEqual({
        id: client.id,
        name: "Taylor Morgan",
        email: "taylor@example.com",
        phone: "+15551234567",
        address_line1: null,
        address_line2: null,
        city: null,
        state: null,
        zip: null,
        notes: "Prefers text first. Side gate code is 4421.",
        status: "active",
        created_at: NOW,
        updated_at: NOW,
      });
      const events = await eventsOf(async () => {
        const patched = await call<One<CleanEstimateClient>>(s.base, "PATCH", `/clients/${client.id}`, {
          body: { notes: "Requested Friday afternoon appointments only.", status: "inactive" },
          idem: "client-notes-update-001",
        });
        expect(patched.body.data).toEqual({
          ...client,
          notes: "Requested Friday afternoon appointments only.",
          status: "inactive",
        });
      });
      expect(events.map((event) => event.type)).toEqual(["client.updated"]);
      expect(s.demo.live.clients.get(client.id)?.status).toBe("inactive");
      const invalid = await call(s.base, "POST", "/clients", {
        body: { email: "x@", status: "gone", address_line2: "a".repeat(256), state: "s".repeat(51) },
      });
      expect(invalid.body).toEqual(
        validationError(
          ["name", "is required"],
          ["email", "is invalid"],
          ["address_line2", "is invalid"],
          ["state", "is invalid"],
          ["status", "must be one of: active, inactive"],
        ),
      );
      const missing = await call(s.base, "PATCH", "/clients/nope", { body: { name: null } });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(errorOf("not_found", "Client not found"));
    });
  });

  describe("estimates", () => {
    const documented = {
      customer_name: "Taylor Morgan",
      customer_email: "taylor@example.com",
      customer_phone: "+15551234567",
      address_line1: "123 Main St",
      city: "Charlotte",
      state: "NC",
      zip: "28202",
      services: [{ service_slug: "house_wash", enabled: true, sqft: 2400, stories: 2 }],
      addons: [],
      custom_items: [],
      dirtiness_level: "light",
    };
    const post = (body: unknown) => call<One<CleanEstimateEstimate>>(s.base, "POST", "/estimates", { body });

    it("creates the documented estimate, priced by the server, with defaults", async () => {
      let created!: Answer<One<CleanEstimateEstimate>>;
      const events = await eventsOf(async () => {
        created = await call<One<CleanEstimateEstimate>>(s.base, "POST", "/estimates", {
          body: documented,
          idem: "estimate-demo-001",
        });
      });
      expect(created.status).toBe(201);
      const estimate = created.body.data;
      expect(estimate).toEqual({
        id: estimate.id,
        status: "draft",
        client_id: null,
        lead_id: null,
        customer_name: "Taylor Morgan",
        customer_email: "taylor@example.com",
        customer_phone: "+15551234567",
        address_line1: "123 Main St",
        address_line2: null,
        city: "Charlotte",
        state: "NC",
        zip: "28202",
        property_type: null,
        services: [{ service_slug: "house_wash", enabled: true, sqft: 2400, stories: 2, amount: 414 }],
        addons: [],
        custom_items: [],
        dirtiness_level: "light",
        total: 414,
        assigned_rep_id: null,
        source: "api",
        expires_at: "2026-03-31T12:30:15.000Z",
        accepted_at: null,
        created_at: NOW,
        updated_at: NOW,
      });
      expect(events.map((event) => [event.type, event.data])).toEqual([["estimate.created", estimate]]);
      expect((await call(s.base, "GET", `/estimates/${estimate.id}`)).body).toEqual({ data: estimate });
    });

    it("prices exactly: dirtiness and story multipliers, add-ons, custom items, disabled services, half-up cents", async () => {
      const totals = async (body: Record<string, unknown>) => {
        const answer = await post({ customer_name: "Pricing", ...body });
        expect(answer.status, JSON.stringify(body)).toBe(201);
        const e = answer.body.data;
        return {
          services: e.services.map((line) => line.amount),
          addons: e.addons.map((line) => [line.unit_price, line.amount]),
          custom: e.custom_items.map((line) => line.amount),
          total: e.total,
        };
      };
      const houseWash = [{ service_slug: "house_wash", sqft: 2400, stories: 2 }];
      // §7.4's example: light 414.00, medium 476.10, heavy 538.20.
      expect((await totals({ services: houseWash, dirtiness_level: "medium" })).total).toBe(476.1);
      expect((await totals({ services: houseWash, dirtiness_level: "heavy" })).total).toBe(538.2);
      // §7.3's example estimate: house wash + gutter brightening + mailbox cleaning = 504.00.
      expect(
        await totals({
          services: [{ service_slug: "house_wash", enabled: true, sqft: 2400, stories: 2 }],
          addons: [{ addon_slug: "gutter_brightening", quantity: 1 }],
          custom_items: [{ name: "Mailbox cleaning", quantity: 1, unit_price: 15 }],
          dirtiness_level: "light",
        }),
      ).toEqual({ services: [414], addons: [[75, 75]], custom: [15], total: 504 });
      // 1850 × 0.30 × 1.30 × 1.15 = 829.725 → 829.73; 640 × 0.45 × 1.15 = 331.20;
      // disabled driveway = 0; rust 100 × 2; window 50 × 1; 3 × 12.50; total 1448.43.
      expect(
        await totals({
          services: [
            { service_slug: "roof_wash", sqft: 1850, stories: 3 },
            { service_slug: "deck_cleaning", sqft: 640 },
            { service_slug: "driveway_cleaning", sqft: 900, enabled: false },
          ],
          addons: [{ addon_slug: "rust_removal", quantity: 2 }, { addon_slug: "window_rinse" }],
          custom_items: [{ name: "Trash can sanitizing", quantity: 3, unit_price: 12.5 }],
          dirtiness_level: "medium",
        }),
      ).toEqual({
        services: [829.73, 331.2, 0],
        addons: [
          [100, 200],
          [50, 50],
        ],
        custom: [37.5],
        total: 1448.43,
      });
      // Exact decimal halves round away from zero where binary floats would round down:
      // 0.1 × 0.15 = 0.015 → 0.02; 1.005 × 1 → 1.01; 0.335 × 3 = 1.005 → 1.01; 0.35 × 75 = 26.25.
      expect(
        await totals({
          services: [{ service_slug: "house_wash", sqft: 0.1 }],
          custom_items: [
            { name: "a", unit_price: 1.005 },
            { name: "b", unit_price: 0.335, quantity: 3 },
            { name: "c", unit_price: 0.35, quantity: 75 },
            { name: "free", unit_price: 0, quantity: 0.5 },
          ],
        }),
      ).toEqual({ services: [0.02], addons: [], custom: [1.01, 1.01, 26.25, 0], total: 28.29 });
      // Add-ons alone are enough; a lone free custom item too.
      expect((await totals({ addons: [{ addon_slug: "oil_stain_treatment", quantity: 4 }] })).total).toBe(
        160,
      );
      expect((await totals({ custom_items: [{ name: "Consultation", unit_price: 0 }] })).total).toBe(0);
    });

    it("links existing clients and leads and stores every optional field", async () => {
      const client = seededClient();
      const lead = [...s.demo.live.leads.values()][3]!;
      const answer = await post({
        ...documented,
        client_id: client.id,
        lead_id: lead.id,
        address_line2: "Unit 4",
        property_type: "commercial",
        assigned_rep_id: "00000000-0000-0000-0000-000000000123",
        status: "sent",
        source: "zapier",
        expires_at: "2026-04-19T02:00:00.5+02:00",
      });
      expect(answer.status).toBe(201);
      expect(answer.body.data).toMatchObject({
        client_id: client.id,
        lead_id: lead.id,
        address_line2: "Unit 4",
        property_type: "commercial",
        assigned_rep_id: "00000000-0000-0000-0000-000000000123",
        status: "sent",
        source: "zapier",
        expires_at: "2026-04-19T00:00:00.500Z",
      });
    });

    it("validates fields and line items with dotted paths", async () => {
      const answer = await post({
        customer_email: "bad",
        property_type: "industrial",
        assigned_rep_id: "rep-1",
        status: "accepted",
        expires_at: "tomorrow",
        client_id: "00000000-0000-4000-8000-000000000000",
        lead_id: 12,
        services: [
          { service_slug: "window_cleaning", sqft: 1000 },
          { service_slug: "house_wash", sqft: 0, stories: 4, enabled: "yes" },
          { service_slug: "roof_wash" },
          "house_wash",
        ],
        addons: [
          { addon_slug: "pressure_boost" },
          { addon_slug: "rust_removal", quantity: 0 },
          { quantity: 1.5 },
        ],
        custom_items: [{ unit_price: -1 }, { name: "x".repeat(256), unit_price: 5, quantity: 0 }],
        dirtiness_level: "filthy",
      });
      expect(answer.status).toBe(422);
      const services =
        "must be one of: house_wash, roof_wash, driveway_cleaning, patio_cleaning, deck_cleaning, fence_cleaning";
      const addons = "must be one of: gutter_brightening, window_rinse, rust_removal, oil_stain_treatment";
      expect(answer.body).toEqual(
        validationError(
          ["customer_name", "is required"],
          ["customer_email", "is invalid"],
          ["property_type", "must be one of: residential, commercial"],
          ["assigned_rep_id", "is invalid"],
          ["status", "must be one of: draft, sent"],
          ["expires_at", "is invalid"],
          ["client_id", "does not exist"],
          ["lead_id", "is invalid"],
          ["services.0.service_slug", services],
          ["services.1.enabled", "is invalid"],
          ["services.1.sqft", "is invalid"],
          ["services.1.stories", "is invalid"],
          ["services.2.sqft", "is required"],
          ["services.3", "is invalid"],
          ["addons.0.addon_slug", addons],
          ["addons.1.quantity", "is invalid"],
          ["addons.2.addon_slug", "is required"],
          ["addons.2.quantity", "is invalid"],
          ["custom_items.0.name", "is required"],
          ["custom_items.0.unit_price", "is invalid"],
          ["custom_items.1.name", "is invalid"],
          ["custom_items.1.quantity", "is invalid"],
          ["dirtiness_level", "must be one of: light, medium, heavy"],
        ),
      );
      // At least one enabled service, add-on or custom item.
      for (const body of [
        {},
        { services: [], addons: [], custom_items: [] },
        { services: [{ service_slug: "house_wash", sqft: 100, enabled: false }] },
      ]) {
        const none = await post({ customer_name: "Nobody", ...body });
        expect(none.body, JSON.stringify(body)).toEqual(validationError(["services", "is required"]));
      }
      expect((await post({ customer_name: "X", services: "house_wash" })).body).toEqual(
        validationError(["services", "is invalid"]),
      );
    });

    it("patches only the narrow field set (documented example) without repricing; emits estimate.updated", async () => {
      const created = (await post({ ...documented, dirtiness_level: "heavy" })).body.data;
      s.clock.ms = T0 + 60_000;
      try {
        let patched!: Answer<One<CleanEstimateEstimate>>;
        const events = await eventsOf(async () => {
          patched = await call<One<CleanEstimateEstimate>>(s.base, "PATCH", `/estimates/${created.id}`, {
            body: {
              customer_phone: "+15559876543",
              assigned_rep_id: "00000000-0000-0000-0000-000000000123",
              status: "sent",
              expires_at: "2026-04-19T00:00:00.000Z",
            },
            idem: "estimate-update-demo-001",
          });
        });
        expect(patched.status).toBe(200);
        const expected = {
          ...created,
          customer_phone: "+15559876543",
          assigned_rep_id: "00000000-0000-0000-0000-000000000123",
          status: "sent",
          expires_at: "2026-04-19T00:00:00.000Z",
          updated_at: "2026-03-01T12:31:15.000Z",
        };
        expect(patched.body.data).toEqual(expected);
        expect(patched.body.data.total).toBe(538.2);
        expect(events.map((event) => [event.type, event.data])).toEqual([["estimate.updated", expected]]);
        // Back to draft, clearing nullable fields.
        const draft = await call<One<CleanEstimateEstimate>>(s.base, "PATCH", `/estimates/${created.id}`, {
          body: { status: "draft", customer_phone: null, property_type: "residential", source: "crm" },
        });
        expect(draft.body.data).toMatchObject({
          status: "draft",
          customer_phone: null,
          property_type: "residential",
          source: "crm",
        });
      } finally {
        s.clock.ms = T0;
      }
    });

    it("refuses every other field, one detail per field, before state rules", async () => {
      const estimate = (await post(documented)).body.data;
      const before = structuredClone(s.demo.live.estimates.get(estimate.id));
      const answer = await call(s.base, "PATCH", `/estimates/${estimate.id}`, {
        body: {
          services: [{ service_slug: "house_wash", sqft: 3000 }],
          addons: [],
          customer_name: null,
          custom_items: [],
          dirtiness_level: "heavy",
          client_id: null,
          lead_id: null,
          total: 1,
          id: estimate.id,
          accepted_at: null,
          color: "blue",
          status: "accepted",
        },
      });
      const cannot = "cannot be updated; create a new estimate";
      expect(answer.status).toBe(422);
      expect(answer.body).toEqual(
        validationError(
          ["services", cannot],
          ["addons", cannot],
          ["custom_items", cannot],
          ["dirtiness_level", cannot],
          ["client_id", cannot],
          ["lead_id", cannot],
          ["total", cannot],
          ["id", cannot],
          ["accepted_at", cannot],
          ["color", cannot],
          ["customer_name", "is invalid"],
          ["status", "must be one of: draft, sent"],
        ),
      );
      expect(s.demo.live.estimates.get(estimate.id)).toEqual(before);
    });

    it("refuses changes to accepted, declined and expired estimates with invalid_state", async () => {
      const now = new Date(T0);
      const pick = (status: string) =>
        [...s.demo.live.estimates.values()].find((e) => estimateView(e, now).status === status)!;
      for (const status of ["accepted", "declined", "expired"]) {
        const estimate = pick(status);
        const answer = await call(s.base, "PATCH", `/estimates/${estimate.id}`, {
          body: { customer_phone: "+1" },
        });
        expect(answer.status, status).toBe(422);
        expect(answer.body).toEqual(errorOf("invalid_state", "Estimate can no longer be modified"));
        // Validation comes first.
        expect(
          (await call(s.base, "PATCH", `/estimates/${estimate.id}`, { body: { total: 1 } })).body,
        ).toEqual(validationError(["total", "cannot be updated; create a new estimate"]));
      }
      // A sent estimate expires on read once expires_at passes; drafts never expire.
      const sent = (await post({ ...documented, status: "sent", expires_at: "2026-03-01T12:31:00Z" })).body
        .data;
      const draft = (await post({ ...documented, expires_at: "2026-03-01T12:31:00Z" })).body.data;
      s.clock.ms = Date.parse("2026-03-01T12:31:00Z");
      try {
        expect(
          (await call<One<CleanEstimateEstimate>>(s.base, "GET", `/estimates/${sent.id}`)).body.data.status,
        ).toBe("expired");
        expect(
          (await call<One<CleanEstimateEstimate>>(s.base, "GET", `/estimates/${draft.id}`)).body.data.status,
        ).toBe("draft");
        expect(
          (await call(s.base, "PATCH", `/estimates/${sent.id}`, { body: { status: "draft" } })).status,
        ).toBe(422);
        expect(
          (await call(s.base, "PATCH", `/estimates/${draft.id}`, { body: { zip: "28203" } })).status,
        ).toBe(200);
      } finally {
        s.clock.ms = T0;
      }
      expect((await call(s.base, "PATCH", "/estimates/nope", { body: { total: 1 } })).body).toEqual(
        errorOf("not_found", "Estimate not found"),
      );
    });
  });

  describe("jobs", () => {
    it("creates the documented job; omitted fields default from the client", async () => {
      const client = seededClient();
      const documented = {
        client_id: client.id,
        service_type: "house_wash",
        scheduled_date: "2026-03-20",
        scheduled_time_start: "09:00:00",
        scheduled_time_end: "11:00:00",
        customer_name: "Taylor Morgan",
        service_address: "123 Main St",
        service_city: "Charlotte",
        service_state: "NC",
        service_zip: "28202",
      };
      let created!: Answer<One<CleanEstimateJob>>;
      const events = await eventsOf(async () => {
        created = await call<One<CleanEstimateJob>>(s.base, "POST", "/jobs", {
          body: documented,
          idem: "job-demo-001",
        });
      });
      expect(created.status).toBe(201);
      const job = created.body.data;
      expect(job).toEqual({
        id: job.id,
        estimate_id: null,
        status: "scheduled",
        ...documented,
        price: null,
        notes: null,
        access_notes: null,
        special_instructions: null,
        completed_at: null,
        created_at: NOW,
        updated_at: NOW,
      });
      expect(events.map((event) => [event.type, event.data])).toEqual([["job.created", job]]);

      const defaults = await call<One<CleanEstimateJob>>(s.base, "POST", "/jobs", {
        body: {
          client_id: client.id,
          service_type: "roof_wash",
          scheduled_date: "2026-03-21",
          service_zip: null,
          price: 99.995,
        },
      });
      expect(defaults.body.data).toMatchObject({
        customer_name: client.name,
        service_address: client.address_line1,
        service_city: client.city,
        service_state: client.state,
        service_zip: null,
        price: 100,
        scheduled_time_start: null,
      });
    });

    it("defaults the price to the estimate's total", async () => {
      const client = seededClient();
      const estimate = [...s.demo.live.estimates.values()].find((e) => e.status === "accepted")!;
      const answer = await call<One<CleanEstimateJob>>(s.base, "POST", "/jobs", {
        body: {
          client_id: client.id,
          estimate_id: estimate.id,
          service_type: "house_wash",
          scheduled_date: "2026-03-22",
        },
      });
      expect(answer.body.data).toMatchObject({ estimate_id: estimate.id, price: estimate.total });
      const explicit = await call<One<CleanEstimateJob>>(s.base, "POST", "/jobs", {
        body: {
          client_id: client.id,
          estimate_id: estimate.id,
          service_type: "x",
          scheduled_date: "2026-03-22",
          price: null,
        },
      });
      expect(explicit.body.data.price).toBeNull();
    });

    it("validates required fields, references, formats and end after start", async () => {
      const client = seededClient();
      const answer = await call(s.base, "POST", "/jobs", {
        body: {
          estimate_id: "00000000-0000-4000-8000-000000000000",
          scheduled_time_start: "9:00",
          scheduled_time_end: "25:00:00",
          price: -1,
          status: "done",
          notes: "n".repeat(5001),
          service_type: "s".repeat(101),
          scheduled_date: "2026-02-30",
        },
      });
      expect(answer.body).toEqual(
        validationError(
          ["client_id", "is required"],
          ["estimate_id", "does not exist"],
          ["status", "must be one of: scheduled, in_progress, completed, cancelled"],
          ["service_type", "is invalid"],
          ["scheduled_date", "is invalid"],
          ["scheduled_time_start", "is invalid"],
          ["scheduled_time_end", "is invalid"],
          ["notes", "is invalid"],
          ["price", "is invalid"],
        ),
      );
      const base = { client_id: client.id, service_type: "house_wash", scheduled_date: "2026-03-20" };
      for (const [start, end] of [
        ["11:00:00", "11:00:00"],
        ["11:00:00", "09:00:00"],
      ]) {
        const bad = await call(s.base, "POST", "/jobs", {
          body: { ...base, scheduled_time_start: start, scheduled_time_end: end },
        });
        expect(bad.body).toEqual(validationError(["scheduled_time_end", "is invalid"]));
      }
      const missingClient = await call(s.base, "POST", "/jobs", {
        body: { ...base, client_id: "00000000-0000-4000-8000-000000000000" },
      });
      expect(missingClient.body).toEqual(validationError(["client_id", "does not exist"]));
    });

    it("patches notes (job.updated), completes (job.completed, completed_at), and reopens (cleared)", async () => {
      const job = [...s.demo.live.jobs.values()].find(
        (j) => j.status === "scheduled" && j.scheduled_time_end,
      )!;
      const notes = {
        notes: "Customer requested a 30-minute arrival call.",
        access_notes: "Use side gate. Code 4421.",
        special_instructions: "Park on the street, not in the driveway.",
      };
      const types: string[] = [];
      const events = await eventsOf(async () => {
        const patched = await call<One<CleanEstimateJob>>(s.base, "PATCH", `/jobs/${job.id}`, {
          body: notes,
          idem: "job-notes-update-001",
        });
        expect(patched.body.data).toMatchObject({ ...notes, updated_at: NOW, status: "scheduled" });
        s.clock.ms = T0 + 3_600_000;
        const done = await call<One<CleanEstimateJob>>(s.base, "PATCH", `/jobs/${job.id}`, {
          body: { status: "completed" },
        });
        expect(done.body.data).toMatchObject({
          status: "completed",
          completed_at: "2026-03-01T13:30:15.000Z",
        });
        const again = await call<One<CleanEstimateJob>>(s.base, "PATCH", `/jobs/${job.id}`, {
          body: { status: "completed" },
        });
        expect(again.body.data.completed_at).toBe("2026-03-01T13:30:15.000Z");
        const reopened = await call<One<CleanEstimateJob>>(s.base, "PATCH", `/jobs/${job.id}`, {
          body: { status: "in_progress" },
        });
        expect(reopened.body.data).toMatchObject({ status: "in_progress", completed_at: null });
        // The end must stay after the stored start.
        const bad = await call(s.base, "PATCH", `/jobs/${job.id}`, {
          body: { scheduled_time_start: "23:00:00" },
        });
        expect(bad.body).toEqual(validationError(["scheduled_time_start", "is invalid"]));
        const cleared = await call<One<CleanEstimateJob>>(s.base, "PATCH", `/jobs/${job.id}`, {
          body: { scheduled_time_start: "23:00:00", scheduled_time_end: null, client_id: null },
        });
        expect(cleared.body).toEqual(validationError(["client_id", "is invalid"]));
      });
      s.clock.ms = T0;
      types.push(...events.map((event) => event.type));
      expect(types).toEqual(["job.updated", "job.completed", "job.updated", "job.updated"]);
      expect((events[1]!.data as CleanEstimateJob).completed_at).toBe("2026-03-01T13:30:15.000Z");
      expect((events[3]!.data as CleanEstimateJob).completed_at).toBeNull();
    });
  });

  describe("webhook endpoints", () => {
    it("registers the documented endpoint, returning the secret once; lists without it; deletes", async () => {
      const body = {
        name: "Ops Sync",
        url: "https://example.com/cepro/webhooks",
        events: ["lead.created", "estimate.created", "job.completed"],
      };
      const events = await eventsOf(async () => {
        const created = await call<One<CleanEstimateWebhookEndpoint>>(s.base, "POST", "/webhooks", {
          body,
          idem: "webhook-demo-001",
        });
        expect(created.status).toBe(201);
        const endpoint = created.body.data;
        expect(Object.keys(endpoint)).toEqual(["id", "name", "url", "events", "secret", "created_at"]);
        expect(endpoint).toEqual({ id: endpoint.id, ...body, secret: endpoint.secret, created_at: NOW });
        expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
        expect(Buffer.from(endpoint.secret!.slice(6), "base64")).toHaveLength(32);
        expect(s.demo.webhooks.get(endpoint.id)?.secret).toBe(endpoint.secret);

        // A second later, so creation order is the list order (equal timestamps order by id).
        s.clock.ms = T0 + 1000;
        const second = await call<One<CleanEstimateWebhookEndpoint>>(s.base, "POST", "/webhooks", {
          body: { name: "CRM", url: "http://10.0.0.5:8080/hook", events: ["invoice.paid"] },
        });
        s.clock.ms = T0;
        expect(second.body.data.secret).not.toBe(endpoint.secret);
        const list = await call<ListBody<CleanEstimateWebhookEndpoint>>(s.base, "GET", "/webhooks?order=asc");
        expect(list.body).toEqual({
          data: [
            { id: endpoint.id, ...body, created_at: NOW },
            {
              id: second.body.data.id,
              name: "CRM",
              url: "http://10.0.0.5:8080/hook",
              events: ["invoice.paid"],
              created_at: "2026-03-01T12:30:16.000Z",
            },
          ],
          has_more: false,
          next_cursor: null,
        });
        const paged = await call<ListBody<CleanEstimateWebhookEndpoint>>(
          s.base,
          "GET",
          "/webhooks?limit=1&order=asc",
        );
        expect(paged.body.has_more).toBe(true);
        const deleted = await call(s.base, "DELETE", `/webhooks/${endpoint.id}`);
        expect(deleted.status).toBe(204);
        expect(deleted.text).toBe("");
        expect(s.demo.webhooks.has(endpoint.id)).toBe(false);
        expect((await call(s.base, "DELETE", `/webhooks/${endpoint.id}`)).body).toEqual(
          errorOf("not_found", "Webhook not found"),
        );
        await call(s.base, "DELETE", `/webhooks/${second.body.data.id}`);
      });
      // Registering endpoints is not an event.
      expect(events).toEqual([]);
    });

    it("validates name, url and events", async () => {
      const all =
        "must be one of: lead.created, lead.updated, client.created, client.updated, estimate.created, estimate.updated, estimate.accepted, job.created, job.updated, job.completed, invoice.created, invoice.paid";
      const cases: Array<[unknown, ErrorBody]> = [
        [{}, validationError(["name", "is required"], ["url", "is required"], ["events", "is required"])],
        [
          { name: "", url: "ftp://example.com/hook", events: [] },
          validationError(["name", "is invalid"], ["url", "is invalid"], ["events", "is required"]),
        ],
        [
          { name: "n".repeat(101), url: "example.com/hook", events: "lead.created" },
          validationError(["name", "is invalid"], ["url", "is invalid"], ["events", "is invalid"]),
        ],
        [
          {
            name: "ok",
            url: `https://example.com/${"a".repeat(2030)}`,
            events: ["lead.created", "lead.deleted", "lead.created", 5],
          },
          validationError(
            ["url", "is invalid"],
            ["events.1", all],
            ["events.2", "is invalid"],
            ["events.3", all],
          ),
        ],
      ];
      for (const [body, expected] of cases) {
        const answer = await call(s.base, "POST", "/webhooks", { body });
        expect(answer.status).toBe(422);
        expect(answer.body).toEqual(expected);
      }
    });
  });

  describe("idempotency", () => {
    it("replays the stored answer for the same key and body, without re-executing or emitting", async () => {
      const body = { customer_name: "Replay Person", notes: "first", service_interest: ["roof-wash"] };
      const first = await call<One<CleanEstimateLead>>(s.base, "POST", "/leads", {
        body,
        idem: "replay-001",
      });
      expect(first.status).toBe(201);
      const size = s.demo.live.leads.size;
      const eventCount = s.demo.events.length;
      s.clock.ms = T0 + 5_000;
      try {
        // Key order and whitespace do not matter.
        const replay = await call<One<CleanEstimateLead>>(s.base, "POST", "/leads", {
          raw: '{ "service_interest": ["roof-wash"],\n "notes": "first", "customer_name": "Replay Person" }',
          idem: "replay-001",
        });
        expect(replay.status).toBe(201);
        expect(replay.headers.get("idempotent-replayed")).toBe("true");
        expect(replay.text).toBe(first.text);
        expect(s.demo.live.leads.size).toBe(size);
        expect(s.demo.events.length).toBe(eventCount);
        // The stored answer is what was answered then, even after the record changed.
        await call(s.base, "PATCH", `/leads/${first.body.data.id}`, { body: { notes: "changed" } });
        const later = await call(s.base, "POST", "/leads", { body, idem: "replay-001" });
        expect(later.text).toBe(first.text);
        // PATCH answers replay too, even once the record is gone (lookup comes before 404).
        const patch = await call(s.base, "PATCH", `/leads/${first.body.data.id}`, {
          body: { status: "won" },
          idem: "p-1",
        });
        s.demo.live.leads.delete(first.body.data.id);
        const replayedPatch = await call(s.base, "PATCH", `/leads/${first.body.data.id}`, {
          body: { status: "won" },
          idem: "p-1",
        });
        expect([replayedPatch.status, replayedPatch.text]).toEqual([200, patch.text]);
        expect(
          (await call(s.base, "PATCH", `/leads/${first.body.data.id}`, { body: { status: "won" } })).status,
        ).toBe(404);
      } finally {
        s.clock.ms = T0;
      }
    });

    it("refuses the same key with a different body, path or method (422); non-2xx answers are not stored", async () => {
      const reuse = errorOf(
        "idempotency_key_reuse",
        "Idempotency-Key has already been used with a different request",
      );
      await call(s.base, "POST", "/clients", { body: { name: "Key Owner" }, idem: "reuse-001" });
      for (const [method, path, body] of [
        ["POST", "/clients", { name: "Someone Else" }],
        ["POST", "/clients", { name: "Key Owner", notes: null }],
        ["POST", "/leads", { customer_name: "Key Owner" }],
        ["PATCH", `/clients/${[...s.demo.live.clients.keys()][0]}`, { name: "Key Owner" }],
        ["PATCH", "/clients/nope", { name: "Key Owner" }],
      ] as const) {
        const answer = await call(s.base, method, path, { body, idem: "reuse-001" });
        expect(answer.status, `${method} ${path}`).toBe(422);
        expect(answer.body).toEqual(reuse);
      }
      // A 422 leaves the key unused: the corrected request is processed.
      const failed = await call(s.base, "POST", "/clients", { body: { name: "" }, idem: "retry-001" });
      expect(failed.status).toBe(422);
      const fixed = await call(s.base, "POST", "/clients", { body: { name: "Fixed" }, idem: "retry-001" });
      expect(fixed.status).toBe(201);
      expect(fixed.headers.get("idempotent-replayed")).toBeNull();
    });

    it("checks the header value and the JSON before the lookup; GET and DELETE ignore it", async () => {
      const invalid = invalidRequest(["Idempotency-Key", "is invalid"]);
      for (const key of ["", "k".repeat(256), "clé-1", "tab\tkey"]) {
        const answer = await call(s.base, "POST", "/leads", { body: { customer_name: "X" }, idem: key });
        expect(answer.status, JSON.stringify(key)).toBe(400);
        expect(answer.body).toEqual(invalid);
      }
      expect(
        (await call(s.base, "POST", "/leads", { body: { customer_name: "X" }, idem: "k".repeat(255) }))
          .status,
      ).toBe(201);
      const malformed = await call(s.base, "POST", "/leads", { raw: "{", idem: "k".repeat(255) });
      expect(malformed.body).toEqual(errorOf("invalid_json", "Request body is not valid JSON"));
      expect((await call(s.base, "GET", "/leads?limit=1", { idem: "" })).status).toBe(200);
      expect((await call(s.base, "DELETE", "/webhooks/nope", { idem: "" })).status).toBe(404);
    });

    it("expires keys after 24 hours and scopes them to the mode", async () => {
      const body = { customer_name: "Expiring" };
      const first = await call<One<CleanEstimateLead>>(s.base, "POST", "/leads", { body, idem: "ttl-001" });
      const testMode = await call<One<CleanEstimateLead>>(s.base, "POST", "/leads", {
        body,
        idem: "ttl-001",
        key: TEST,
      });
      expect(testMode.status).toBe(201);
      expect(testMode.headers.get("idempotent-replayed")).toBeNull();
      expect(s.demo.test.leads.has(testMode.body.data.id)).toBe(true);
      expect(s.demo.live.leads.has(testMode.body.data.id)).toBe(false);
      s.clock.ms = T0 + 24 * 3_600_000 - 1;
      try {
        const replay = await call<One<CleanEstimateLead>>(s.base, "POST", "/leads", {
          body,
          idem: "ttl-001",
        });
        expect(replay.body.data.id).toBe(first.body.data.id);
        s.clock.ms = T0 + 24 * 3_600_000;
        const fresh = await call<One<CleanEstimateLead>>(s.base, "POST", "/leads", { body, idem: "ttl-001" });
        expect(fresh.headers.get("idempotent-replayed")).toBeNull();
        expect(fresh.body.data.id).not.toBe(first.body.data.id);
      } finally {
        s.clock.ms = T0;
      }
    });

    it("counts replays against the rate limit", async () => {
      const small = await start({ rateLimit: { limit: 2, windowMs: 60_000 } });
      try {
        await call(small.base, "POST", "/leads", { body: { customer_name: "A" }, idem: "rl" });
        const replay = await call(small.base, "POST", "/leads", { body: { customer_name: "A" }, idem: "rl" });
        expect(replay.headers.get("x-ratelimit-remaining")).toBe("0");
        expect(
          (await call(small.base, "POST", "/leads", { body: { customer_name: "A" }, idem: "rl" })).status,
        ).toBe(429);
      } finally {
        await small.sim.close();
      }
    });
  });

  describe("events", () => {
    it("records one event per live write in order; test-mode writes emit none", async () => {
      const fresh = await start();
      try {
        const client = [...fresh.demo.live.clients.values()][0]!;
        const lead = (
          await call<One<CleanEstimateLead>>(fresh.base, "POST", "/leads", { body: { customer_name: "E" } })
        ).body.data;
        await call(fresh.base, "PATCH", `/leads/${lead.id}`, { body: { status: "quoted" } });
        const c = (
          await call<One<CleanEstimateClient>>(fresh.base, "POST", "/clients", { body: { name: "E" } })
        ).body.data;
        await call(fresh.base, "PATCH", `/clients/${c.id}`, { body: { phone: "+17045550000" } });
        const e = (
          await call<One<CleanEstimateEstimate>>(fresh.base, "POST", "/estimates", {
            body: {
              customer_name: "E",
              lead_id: lead.id,
              addons: [{ addon_slug: "window_rinse" }],
              status: "sent",
            },
          })
        ).body.data;
        await call(fresh.base, "PATCH", `/estimates/${e.id}`, { body: { zip: "28202" } });
        const j = (
          await call<One<CleanEstimateJob>>(fresh.base, "POST", "/jobs", {
            body: { client_id: client.id, service_type: "house_wash", scheduled_date: "2026-03-02" },
          })
        ).body.data;
        await call(fresh.base, "PATCH", `/jobs/${j.id}`, { body: { status: "in_progress" } });
        await call(fresh.base, "PATCH", `/jobs/${j.id}`, { body: { status: "completed" } });
        // Failed writes and test-mode writes emit nothing.
        await call(fresh.base, "POST", "/leads", { body: {} });
        await call(fresh.base, "POST", "/leads", { body: { customer_name: "T" }, key: TEST });
        const testClient = [...fresh.demo.test.clients.values()][0]!;
        await call(fresh.base, "POST", "/jobs", {
          body: { client_id: testClient.id, service_type: "x", scheduled_date: "2026-03-02" },
          key: TEST,
        });

        const types = fresh.demo.events.map((event) => event.type);
        expect(types).toEqual([
          "lead.created",
          "lead.updated",
          "client.created",
          "client.updated",
          "estimate.created",
          "estimate.updated",
          "job.created",
          "job.updated",
          "job.completed",
        ]);
        expect(fresh.hooked.map(([account, event]) => [account, event.type])).toEqual(
          types.map((t) => ["demo", t]),
        );
        expect(new Set(fresh.demo.events.map((event) => event.id)).size).toBe(9);
        for (const event of fresh.demo.events) expect(event.timestamp).toBe(NOW);
        // Snapshots: the created lead's event still says new.
        expect((fresh.demo.events[0]!.data as CleanEstimateLead).status).toBe("new");
        expect(fresh.sim.account("other").events).toEqual([]);
      } finally {
        await fresh.sim.close();
      }
    });

    it("emits app-side events: acceptance, decline, invoices created and paid", async () => {
      const fresh = await start();
      try {
        const post = async (status: string) =>
          (
            await call<One<CleanEstimateEstimate>>(fresh.base, "POST", "/estimates", {
              body: { customer_name: "App", addons: [{ addon_slug: "rust_removal" }], status },
            })
          ).body.data;
        const toAccept = await post("sent");
        const toDecline = await post("sent");
        const draft = await post("draft");
        fresh.clock.ms = T0 + 60_000;
        const accepted = fresh.sim.acceptEstimate("demo", toAccept.id);
        expect(accepted).toMatchObject({ status: "accepted", accepted_at: "2026-03-01T12:31:15.000Z" });
        fresh.sim.declineEstimate("demo", toDecline.id);
        expect(() => fresh.sim.acceptEstimate("demo", draft.id)).toThrow(/not sent/);
        // The API refuses to modify them now.
        expect(
          (await call(fresh.base, "PATCH", `/estimates/${toAccept.id}`, { body: { zip: "1" } })).status,
        ).toBe(422);

        const client = [...fresh.demo.live.clients.values()][0]!;
        const invoice = fresh.sim.createInvoice("demo", {
          client_id: client.id,
          line_items: [
            { description: "House wash", quantity: 1, unit_price: 414 },
            { description: "Trash can sanitizing", quantity: 3, unit_price: 12.5 },
          ],
          tax: 32.73,
        });
        expect(invoice).toMatchObject({
          invoice_number: "INV-1401",
          status: "sent",
          subtotal: 451.5,
          tax: 32.73,
          total: 484.23,
          amount_paid: 0,
          issue_date: "2026-03-01",
          due_date: "2026-03-15",
        });
        const read = await call<One<CleanEstimateInvoice>>(fresh.base, "GET", `/invoices/${invoice.id}`);
        expect(read.body.data).toEqual(invoice);
        fresh.sim.recordInvoicePayment("demo", invoice.id, 100);
        expect(invoice).toMatchObject({ status: "sent", amount_paid: 100, paid_at: null });
        fresh.sim.recordInvoicePayment("demo", invoice.id);
        expect(invoice).toMatchObject({
          status: "paid",
          amount_paid: 484.23,
          paid_at: "2026-03-01T12:31:15.000Z",
        });

        expect(fresh.demo.events.map((event) => event.type)).toEqual([
          "estimate.created",
          "estimate.created",
          "estimate.created",
          "estimate.accepted",
          "estimate.updated",
          "invoice.created",
          "invoice.paid",
        ]);
        expect((fresh.demo.events[4]!.data as CleanEstimateEstimate).status).toBe("declined");
      } finally {
        await fresh.sim.close();
      }
    });
  });
});
