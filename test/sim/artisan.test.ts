import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ARTISAN_DEFAULT_SIZE,
  ARTISAN_DEMO_COMPANY,
  ARTISAN_DEMO_TOKEN,
  type ArtisanCompanySpec,
  type ArtisanCompanyState,
  type ArtisanCustomer,
  type ArtisanCustomerDetail,
  type ArtisanInvoice,
  type ArtisanInvoiceDetail,
  type ArtisanJob,
  type ArtisanJobDetail,
  type ArtisanSim,
  type ArtisanSiteVisit,
  type ArtisanSiteVisitDetail,
  createArtisanSim,
} from "../../sim/artisan/index.js";
import { lineTotalCents } from "../../sim/artisan/money.js";
import { zone } from "../../sim/artisan/zone.js";
import { isoInZone, SEED_ANCHOR } from "../../sim/core/time.js";

interface Meta {
  current_page: number;
  last_page: number;
  per_page: number;
  total: number;
}
interface Page<T> {
  data: T[];
  meta: Meta;
}
interface One<T> {
  data: T;
}
interface ErrorBody {
  error: string;
  messages?: Record<string, string[]>;
}
interface Reply<T> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent verbatim as the body (for invalid JSON). */
  raw?: string;
}

async function call<T = ErrorBody>(
  sim: ArtisanSim,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${sim.server.url}${path}`, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: (text ? JSON.parse(text) : undefined) as T };
}

const state = (sim: ArtisanSim, slug: string): ArtisanCompanyState => {
  const company = sim.companies.get(slug);
  if (!company) throw new Error(`no company ${slug}`);
  return company;
};

const CUSTOMER_KEYS = [
  "id",
  "first_name",
  "last_name",
  "full_name",
  "email",
  "phone",
  "mobile",
  "address",
  "address2",
  "zip_code",
  "city",
  "country",
  "notes",
  "send_sms",
  "is_walk_in",
  "created_at",
  "updated_at",
];
const JOB_KEYS = [
  "id",
  "customer_id",
  "job_type_id",
  "title",
  "description",
  "address",
  "status",
  "created_at",
  "updated_at",
];
const VISIT_KEYS = [
  "id",
  "job_id",
  "customer_id",
  "team_member_id",
  "scheduled_at",
  "duration_minutes",
  "status",
  "notes",
  "created_at",
  "updated_at",
];
const INVOICE_KEYS = [
  "id",
  "invoice_number",
  "customer_id",
  "paid",
  "total_with_tax",
  "notes",
  "created_at",
  "updated_at",
];
const LINE_KEYS = [
  "id",
  "item_id",
  "description",
  "quantity",
  "unit_price_with_tax",
  "discount_percent",
  "line_total_with_tax",
];
const COMPANY_KEYS = [
  "slug",
  "name",
  "description",
  "phone",
  "mobile",
  "email",
  "website",
  "address",
  "address2",
  "zip_code",
  "city",
  "country",
  "opening_hours",
  "social",
  "locale",
  "currency",
  "timezone",
];
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

const TOKEN_A = "11|AaaaaaaaaaBbbbbbbbbbCcccccccccDddddddddd";
const TOKEN_B = "12|EeeeeeeeeeFfffffffffGgggggggggHhhhhhhhhh";
const TOKEN_B2 = "13|IiiiiiiiiiJjjjjjjjjjKkkkkkkkkkLlllllllll";
const SMALL = { customers: 12, jobs: 30, siteVisits: 60, invoices: 15 };
const ALPHA: ArtisanCompanySpec = {
  slug: "alpha-nettoyage",
  name: "Alpha Nettoyage",
  seed: 11,
  tokens: [TOKEN_A],
  size: SMALL,
};
const BETA: ArtisanCompanySpec = {
  slug: "beta-heating",
  name: "Beta Heating Ltd",
  seed: 12,
  tokens: [TOKEN_B, TOKEN_B2],
  locale: "en",
  plan: "solo",
  timezone: "America/New_York",
  currency: "USD",
  size: SMALL,
};

const ERR_401 = { error: "Unauthenticated." };
const ERR_403 = { error: "This action is unauthorized." };
const ERR_404 = { error: "Resource not found." };

/** The demo company at full size: reads, pagination, filters, shapes. */
let demo: ArtisanSim;
let demoState: ArtisanCompanyState;
let demoSeedMs = 0;
/** Two small companies with a controllable clock: tenancy, writes, rate limits. */
let duo: ArtisanSim;
let clock = new Date("2026-03-10T08:15:00Z");

beforeAll(async () => {
  const started = performance.now();
  demo = createArtisanSim({ rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
  demoSeedMs = performance.now() - started;
  demoState = state(demo, "swift-plumbing");
  duo = createArtisanSim({ companies: [ALPHA, BETA], now: () => clock });
  await demo.listen(0);
  await duo.listen(0);
});

afterAll(async () => {
  await demo.close();
  await duo.close();
});

beforeEach(() => {
  duo.limiter.reset();
  duo.control.reset();
  demo.control.reset();
  clock = new Date("2026-03-10T08:15:00Z");
});

const T = ARTISAN_DEMO_TOKEN;

describe("seed data", () => {
  it("has the default sizes, exactly, and is generated quickly", () => {
    expect(ARTISAN_DEFAULT_SIZE).toEqual({ customers: 250, jobs: 1200, siteVisits: 2500, invoices: 900 });
    expect(demoState.customers.size).toBe(250);
    expect(demoState.jobs.size).toBe(1200);
    expect(demoState.siteVisits.size).toBe(2500);
    expect(demoState.invoices.size).toBe(900);
    expect(demoSeedMs).toBeLessThan(1000);
  });

  it("exports the demo token and company", () => {
    expect(ARTISAN_DEMO_TOKEN).toMatch(/^\d+\|[A-Za-z0-9]{40}$/);
    expect(ARTISAN_DEMO_COMPANY).toMatchObject({
      slug: "swift-plumbing",
      seed: 2,
      tokens: [ARTISAN_DEMO_TOKEN],
    });
    expect(demo.id).toBe("artisan");
    expect(demo.basePath).toBe("/api/v1");
    expect(demo.baseUrl).toBe(`${demo.server.url}/api/v1`);
  });

  it("is realistic and internally consistent", () => {
    const anchor = SEED_ANCHOR.getTime();
    const visitsByCustomer = new Map<number, number>();
    const visitsByJob = new Map<number, ArtisanSiteVisit[]>();
    for (const visit of demoState.siteVisits.values()) {
      visitsByCustomer.set(visit.customer_id, (visitsByCustomer.get(visit.customer_id) ?? 0) + 1);
      visitsByJob.set(visit.job_id, [...(visitsByJob.get(visit.job_id) ?? []), visit]);
      expect(demoState.jobs.get(visit.job_id)?.customer_id).toBe(visit.customer_id);
      expect(visit.scheduled_at).toMatch(TIMESTAMP);
      // Past visits are done or cancelled, future ones scheduled or cancelled.
      const past = Date.parse(visit.scheduled_at) < anchor;
      expect(past ? ["completed", "cancelled"] : ["scheduled", "cancelled"]).toContain(visit.status);
    }
    expect(Math.max(...visitsByCustomer.values())).toBeGreaterThan(100);
    for (const job of demoState.jobs.values()) {
      const visits = visitsByJob.get(job.id) ?? [];
      const live = visits.filter((visit) => visit.status !== "cancelled");
      if (job.status === "draft") expect(visits).toEqual([]);
      if (job.status === "completed") expect(live.every((visit) => visit.status === "completed")).toBe(true);
      if (job.status === "cancelled") expect(live).toEqual([]);
      if (job.status === "open") expect(live.every((visit) => visit.status === "scheduled")).toBe(true);
      expect(Date.parse(job.created_at)).toBeLessThanOrEqual(anchor);
    }
    const statuses = new Set([...demoState.jobs.values()].map((job) => job.status));
    expect([...statuses].sort()).toEqual(["cancelled", "completed", "draft", "in_progress", "open"]);
    expect(
      Math.max(...[...demoState.siteVisits.values()].map((v) => Date.parse(v.scheduled_at))),
    ).toBeGreaterThan(anchor + 14 * 86_400_000);
    expect([...demoState.jobTypes.values()].map((type) => type.name)).toContain("Plomberie");

    let sequence = 0;
    let discounted = 0;
    let withItems = 0;
    for (const invoice of demoState.invoices.values()) {
      sequence++;
      const yymm = `${invoice.created_at.slice(2, 4)}${invoice.created_at.slice(5, 7)}`;
      expect(invoice.invoice_number).toBe(`FA${yymm}${String(sequence).padStart(5, "0")}`);
      const lines = demoState.invoiceLines.get(invoice.id) ?? [];
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines.length).toBeLessThanOrEqual(4);
      let cents = 0n;
      for (const line of lines) {
        const lineCents = lineTotalCents(line.quantity, line.unit_price_with_tax, line.discount_percent);
        expect(line.line_total_with_tax).toBe(Number(lineCents) / 100);
        cents += lineCents;
        if (line.discount_percent > 0) discounted++;
        if (line.item_id !== null) withItems++;
      }
      expect(invoice.total_with_tax).toBe(Number(cents) / 100);
      expect(demoState.customers.has(invoice.customer_id)).toBe(true);
    }
    expect(discounted).toBeGreaterThan(0);
    expect(withItems).toBeGreaterThan(0);
    const old = [...demoState.invoices.values()].filter(
      (i) => anchor - Date.parse(i.created_at) > 90 * 86_400_000,
    );
    expect(old.filter((i) => i.paid).length / old.length).toBeGreaterThan(0.9);
    const customers = [...demoState.customers.values()];
    expect(customers.some((c) => c.email === null)).toBe(true);
    expect(customers.some((c) => c.address2 !== null)).toBe(true);
    // ids follow creation time, like auto-increment.
    const created = customers.map((c) => Date.parse(c.created_at));
    expect(created).toEqual([...created].sort((a, b) => a - b));
  });

  it("renders timestamps exactly like isoInZone, across DST changes", () => {
    const paris = zone("Europe/Paris");
    const newYork = zone("America/New_York");
    const instants = [
      "2026-03-29T00:59:59Z",
      "2026-03-29T01:00:00Z",
      "2025-10-26T00:59:59Z",
      "2025-10-26T01:00:00Z",
      "2026-01-15T09:30:00.900Z",
      "2026-03-08T06:59:59Z",
      "2026-03-08T07:00:00Z",
    ].map((text) => new Date(text));
    for (const date of instants) {
      expect(paris.render(date.getTime())).toBe(isoInZone(date, "Europe/Paris"));
      expect(newYork.render(date.getTime())).toBe(isoInZone(date, "America/New_York"));
    }
    expect(paris.render(Date.parse("2026-03-29T01:00:00Z"))).toBe("2026-03-29T03:00:00+02:00");
  });

  it("is deterministic: the same spec gives the same records and pages", async () => {
    const again = createArtisanSim({ rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
    const other = state(again, "swift-plumbing");
    expect(JSON.stringify([...other.customers.values()])).toBe(
      JSON.stringify([...demoState.customers.values()]),
    );
    expect(JSON.stringify([...other.siteVisits.values()])).toBe(
      JSON.stringify([...demoState.siteVisits.values()]),
    );
    expect(JSON.stringify([...other.invoiceLines.values()])).toBe(
      JSON.stringify([...demoState.invoiceLines.values()]),
    );
    await again.listen(0);
    try {
      for (const path of [
        "/customers?page=3",
        "/jobs?page=7",
        "/site-visits?page=20",
        "/invoices/450",
        "/company",
      ]) {
        const [a, b] = await Promise.all([
          call(demo, "GET", `/api/v1${path}`, { token: T }),
          call(again, "GET", `/api/v1${path}`, { token: T }),
        ]);
        expect(a.status).toBe(200);
        expect(b.text).toBe(a.text);
      }
    } finally {
      await again.close();
    }
  });
});

describe("authentication", () => {
  it("answers 401 without a token or with an unknown one, without rate-limit headers", async () => {
    for (const token of [undefined, "7|nope", `${T}x`]) {
      const reply = await call(demo, "GET", "/api/v1/company", { token });
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(ERR_401);
      expect(reply.headers.get("x-ratelimit-limit")).toBeNull();
    }
    const basic = await fetch(`${demo.server.url}/api/v1/customers`, {
      headers: { authorization: `Basic ${T}` },
    });
    expect(basic.status).toBe(401);
    // Check order: 401 before 404 for an unknown id.
    expect((await call(demo, "GET", "/api/v1/jobs/99999999")).status).toBe(401);
    expect((await call(demo, "POST", "/api/v1/customers", { body: {} })).status).toBe(401);
  });

  it("returns the token's company with its plan", async () => {
    const reply = await call<One<Record<string, unknown>>>(demo, "GET", "/api/v1/company", { token: T });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body.data)).toEqual([...COMPANY_KEYS, "plan"]);
    expect(reply.body.data).toEqual(demoState.profile);
    expect(reply.body.data).toMatchObject({
      slug: "swift-plumbing",
      name: "Swift Plumbing & Co.",
      email: "contact@swiftplumbing.fr",
      website: "https://swiftplumbing.fr",
      locale: "fr",
      currency: "EUR",
      timezone: "Europe/Paris",
      plan: "pro",
      country: "FR",
    });
    const beta = await call<One<Record<string, unknown>>>(duo, "GET", "/api/v1/company", { token: TOKEN_B2 });
    expect(beta.body.data).toMatchObject({
      slug: "beta-heating",
      plan: "solo",
      locale: "en",
      currency: "USD",
    });
  });

  it("serves the public profile without a token (and ignores one sent), without plan", async () => {
    const anonymous = await call<One<Record<string, unknown>>>(
      demo,
      "GET",
      "/api/v1/companies/swift-plumbing",
    );
    expect(anonymous.status).toBe(200);
    expect(Object.keys(anonymous.body.data)).toEqual(COMPANY_KEYS);
    const { plan: _plan, ...expected } = demoState.profile;
    expect(anonymous.body.data).toEqual(expected);
    const withBadToken = await call(demo, "GET", "/api/v1/companies/swift-plumbing", { token: "bogus" });
    expect(withBadToken.status).toBe(200);
    expect(withBadToken.text).toBe(anonymous.text);
    const unknown = await call(demo, "GET", "/api/v1/companies/nobody");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(ERR_404);
    expect(unknown.headers.get("x-ratelimit-limit")).toBe("1000000");
  });
});

describe("tenancy, 404 and 405", () => {
  const first = <T>(map: Map<number, T>): T => {
    const value = map.values().next().value;
    if (value === undefined) throw new Error("empty");
    return value;
  };

  it("answers 403 for another company's record on every {id} route, 404 for an id nobody has", async () => {
    const beta = state(duo, "beta-heating");
    const alpha = state(duo, "alpha-nettoyage");
    const paths = [
      `/api/v1/customers/${first(beta.customers).id}`,
      `/api/v1/jobs/${first(beta.jobs).id}`,
      `/api/v1/site-visits/${first(beta.siteVisits).id}`,
      `/api/v1/invoices/${first(beta.invoices).id}`,
    ];
    for (const path of paths) {
      const denied = await call(duo, "GET", path, { token: TOKEN_A });
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual(ERR_403);
      expect((await call(duo, "GET", path, { token: TOKEN_B })).status).toBe(200);
    }
    // Ids are one sequence per resource across companies.
    expect(Math.max(...alpha.customers.keys())).toBeLessThan(first(beta.customers).id);
    const customerPath = paths[0] ?? "";
    const before = JSON.stringify(first(beta.customers));
    // 403 comes before validation (422) and leaves state alone.
    const put = await call(duo, "PUT", customerPath, { token: TOKEN_A, body: { first_name: null } });
    expect(put.status).toBe(403);
    expect((await call(duo, "DELETE", customerPath, { token: TOKEN_A })).status).toBe(403);
    expect(
      (await call(duo, "PUT", `/api/v1/jobs/${first(beta.jobs).id}`, { token: TOKEN_A, body: {} })).status,
    ).toBe(403);
    expect(JSON.stringify(first(beta.customers))).toBe(before);

    for (const path of [
      "/customers/99999999",
      "/jobs/0",
      "/site-visits/abc",
      "/invoices/-1",
      "/customers/1.5",
    ]) {
      const missing = await call(duo, "GET", `/api/v1${path}`, { token: TOKEN_A });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(ERR_404);
    }
    expect((await call(duo, "PUT", "/api/v1/jobs/99999999", { token: TOKEN_A, body: {} })).status).toBe(404);
    expect((await call(duo, "DELETE", "/api/v1/site-visits/99999999", { token: TOKEN_A })).status).toBe(404);
  });

  it("answers 404 for an unknown route, with or without a token", async () => {
    for (const token of [undefined, T]) {
      const reply = await call(demo, "GET", "/api/v1/technicians", { token });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual(ERR_404);
      expect(reply.headers.get("x-ratelimit-limit")).toBeNull();
    }
    expect((await call(demo, "GET", "/api/v2/company", { token: T })).status).toBe(404);
  });

  it("answers 405 for PUT and DELETE on an invoice", async () => {
    const id = first(demoState.invoices).id;
    for (const method of ["PUT", "DELETE"]) {
      const reply = await call(demo, method, `/api/v1/invoices/${id}`, { token: T, body: { paid: true } });
      expect(reply.status).toBe(405);
      expect(reply.body).toEqual({ error: "Method not allowed." });
      expect(reply.headers.get("allow")).toBe("GET, HEAD");
    }
    const onCollection = await call(demo, "DELETE", "/api/v1/invoices", { token: T });
    expect(onCollection.status).toBe(405);
    expect(onCollection.headers.get("allow")).toBe("GET, HEAD, POST");
    expect(first(demoState.invoices).paid).toBe(demoState.invoices.get(id)?.paid);
  });
});

describe("rate limiting", () => {
  it("uses 60 per minute per token by default, with headers on every limited response", async () => {
    const reply = await call(duo, "GET", "/api/v1/company", { token: TOKEN_A });
    expect(reply.headers.get("x-ratelimit-limit")).toBe("60");
    expect(reply.headers.get("x-ratelimit-remaining")).toBe("59");
    expect(reply.headers.get("retry-after")).toBeNull();
    // 404, 403 and 422 count and carry the headers.
    const missing = await call(duo, "GET", "/api/v1/jobs/99999999", { token: TOKEN_A });
    expect(missing.headers.get("x-ratelimit-remaining")).toBe("58");
    const invalid = await call(duo, "POST", "/api/v1/jobs", { token: TOKEN_A, body: {} });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get("x-ratelimit-remaining")).toBe("57");
    // Each token has its own budget, even in the same company.
    const b1 = await call(duo, "GET", "/api/v1/company", { token: TOKEN_B });
    const b2 = await call(duo, "GET", "/api/v1/company", { token: TOKEN_B2 });
    expect([b1.headers.get("x-ratelimit-remaining"), b2.headers.get("x-ratelimit-remaining")]).toEqual([
      "59",
      "59",
    ]);
  });

  it("answers 429 with Retry-After and X-RateLimit-Reset, in a window opened by the first request", async () => {
    duo.limiter.settings = { limit: 3, windowMs: 60_000, aligned: false };
    try {
      const start = clock.getTime();
      // 401s do not count.
      for (let i = 0; i < 5; i++)
        expect((await call(duo, "GET", "/api/v1/company", { token: "x" })).status).toBe(401);
      const remaining: Array<string | null> = [];
      for (let i = 0; i < 3; i++) {
        const ok = await call(duo, "GET", "/api/v1/customers?per_page=1", { token: TOKEN_A });
        expect(ok.status).toBe(200);
        remaining.push(ok.headers.get("x-ratelimit-remaining"));
      }
      expect(remaining).toEqual(["2", "1", "0"]);
      clock = new Date(start + 20_500);
      const refused = await call(duo, "GET", "/api/v1/customers", { token: TOKEN_A });
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ error: "Too Many Attempts." });
      expect(refused.headers.get("retry-after")).toBe("40");
      expect(refused.headers.get("x-ratelimit-reset")).toBe(String(Math.ceil((start + 60_000) / 1000)));
      expect(refused.headers.get("x-ratelimit-limit")).toBe("3");
      expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
      // Other tokens and the public endpoint (per IP) are unaffected.
      expect((await call(duo, "GET", "/api/v1/company", { token: TOKEN_B })).status).toBe(200);
      expect((await call(duo, "GET", "/api/v1/companies/alpha-nettoyage")).status).toBe(200);
      // 429s do not count: the window still ends at start + 60 s.
      clock = new Date(start + 59_999);
      expect((await call(duo, "GET", "/api/v1/company", { token: TOKEN_A })).headers.get("retry-after")).toBe(
        "1",
      );
      clock = new Date(start + 60_000);
      const fresh = await call(duo, "GET", "/api/v1/company", { token: TOKEN_A });
      expect(fresh.status).toBe(200);
      expect(fresh.headers.get("x-ratelimit-remaining")).toBe("2");
    } finally {
      duo.limiter.settings = { limit: 60, windowMs: 60_000, aligned: false };
    }
  });

  it("limits the public endpoint per client IP", async () => {
    const sim = createArtisanSim({ companies: [ALPHA], rateLimit: { limit: 2, windowMs: 60_000 } });
    await sim.listen(0);
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++)
        codes.push((await call(sim, "GET", "/api/v1/companies/alpha-nettoyage")).status);
      expect(codes).toEqual([200, 200, 429]);
      // The token's budget is separate.
      expect((await call(sim, "GET", "/api/v1/company", { token: TOKEN_A })).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});

describe("pagination", () => {
  async function walk<T extends { id: number }>(path: string, total: number): Promise<T[]> {
    const all: T[] = [];
    const lastPage = Math.max(1, Math.ceil(total / 100));
    for (let page = 1; page <= lastPage + 1; page++) {
      const sep = path.includes("?") ? "&" : "?";
      const reply = await call<Page<T>>(demo, "GET", `/api/v1${path}${sep}per_page=100&page=${page}`, {
        token: T,
      });
      expect(reply.status).toBe(200);
      expect(Object.keys(reply.body)).toEqual(["data", "meta"]);
      expect(reply.body.meta).toEqual({ current_page: page, last_page: lastPage, per_page: 100, total });
      if (page > lastPage) expect(reply.body.data).toEqual([]);
      else expect(reply.body.data.length).toBe(page < lastPage ? 100 : total - 100 * (lastPage - 1));
      all.push(...reply.body.data);
    }
    expect(new Set(all.map((item) => item.id)).size).toBe(total);
    return all;
  }

  const idsDesc = (map: Map<number, unknown>) => [...map.keys()].sort((a, b) => b - a);

  it("walks every list to the end in the reference's order, with no duplicate or missing id", async () => {
    const customers = await walk<ArtisanCustomer>("/customers", 250);
    expect(customers.map((c) => c.id)).toEqual(idsDesc(demoState.customers));
    expect(customers).toEqual(idsDesc(demoState.customers).map((id) => demoState.customers.get(id)));
    const jobs = await walk<ArtisanJob>("/jobs", 1200);
    expect(jobs.map((j) => j.id)).toEqual(idsDesc(demoState.jobs));
    const invoices = await walk<ArtisanInvoice>("/invoices", 900);
    expect(invoices.map((i) => i.id)).toEqual(idsDesc(demoState.invoices));
    const visits = await walk<ArtisanSiteVisit>("/site-visits", 2500);
    const expected = [...demoState.siteVisits.values()]
      .sort((a, b) => Date.parse(a.scheduled_at) - Date.parse(b.scheduled_at) || a.id - b.id)
      .map((v) => v.id);
    expect(visits.map((v) => v.id)).toEqual(expected);
    // Same instant → id ascending.
    const sameTime = visits.findIndex((v, i) => i > 0 && v.scheduled_at === visits[i - 1]?.scheduled_at);
    expect(sameTime).toBeGreaterThan(0);
    expect((visits[sameTime]?.id ?? 0) > (visits[sameTime - 1]?.id ?? 0)).toBe(true);
  });

  it("pages a single customer's > 100 site visits", async () => {
    const counts = new Map<number, number>();
    for (const v of demoState.siteVisits.values())
      counts.set(v.customer_id, (counts.get(v.customer_id) ?? 0) + 1);
    const [customerId, count] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
    const visits = await walk<ArtisanSiteVisit>(`/site-visits?customer_id=${customerId}`, count);
    expect(visits.every((v) => v.customer_id === customerId)).toBe(true);
  });

  it("defaults to page 1 of 25 and ignores unknown parameters", async () => {
    const reply = await call<Page<ArtisanJob>>(demo, "GET", "/api/v1/jobs?foo=bar&per_page=&page=", {
      token: T,
    });
    expect(reply.body.meta).toEqual({ current_page: 1, last_page: 48, per_page: 25, total: 1200 });
    expect(reply.body.data.map((j) => j.id)).toEqual(idsDesc(demoState.jobs).slice(0, 25));
    const empty = await call<Page<ArtisanCustomer>>(demo, "GET", "/api/v1/customers?search=zzzzqqq", {
      token: T,
    });
    expect(empty.body).toEqual({ data: [], meta: { current_page: 1, last_page: 1, per_page: 25, total: 0 } });
    const far = await call<Page<ArtisanCustomer>>(demo, "GET", "/api/v1/customers?page=500&per_page=7", {
      token: T,
    });
    expect(far.body).toEqual({
      data: [],
      meta: { current_page: 500, last_page: 36, per_page: 7, total: 250 },
    });
  });

  it("validates page and per_page with the exact messages", async () => {
    const cases: Array<[string, Record<string, string[]>]> = [
      ["per_page=0", { per_page: ["The per page must be at least 1."] }],
      ["per_page=101", { per_page: ["The per page must not be greater than 100."] }],
      ["page=0", { page: ["The page must be at least 1."] }],
      ["page=abc", { page: ["The page must be an integer."] }],
      ["per_page=2.5", { per_page: ["The per page must be an integer."] }],
      [
        "per_page=500&page=-1",
        { per_page: ["The per page must not be greater than 100."], page: ["The page must be at least 1."] },
      ],
    ];
    for (const list of ["customers", "jobs", "site-visits", "invoices"]) {
      for (const [query, messages] of cases) {
        const reply = await call(demo, "GET", `/api/v1/${list}?${query}`, { token: T });
        expect(reply.status).toBe(422);
        expect(reply.body).toEqual({ error: "Validation failed.", messages });
      }
    }
  });
});

describe("filters", () => {
  async function all<T>(path: string, sim: ArtisanSim = demo, token = T): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const sep = path.includes("?") ? "&" : "?";
      const reply = await call<Page<T>>(sim, "GET", `/api/v1${path}${sep}per_page=100&page=${page}`, {
        token,
      });
      expect(reply.status).toBe(200);
      items.push(...reply.body.data);
      if (page >= reply.body.meta.last_page) return items;
    }
  }
  const ids = (items: Array<{ id: number }>) => items.map((item) => item.id);
  const desc = <T extends { id: number }>(items: T[]) => ids([...items].sort((a, b) => b.id - a.id));

  it("searches customers by name, email or phone, case-insensitively", async () => {
    const customers = [...demoState.customers.values()];
    const withEmail = customers.find((c) => c.email !== null && c.phone !== null);
    if (!withEmail?.email || !withEmail.phone) throw new Error("seed lacks a customer with email and phone");
    const match = (needle: string) =>
      desc(
        customers.filter((c) =>
          [c.first_name, c.last_name, c.full_name, c.email, c.phone, c.mobile].some((v) =>
            v?.toLowerCase().includes(needle.toLowerCase()),
          ),
        ),
      );
    for (const needle of [
      withEmail.last_name.toUpperCase(),
      withEmail.full_name,
      withEmail.email.slice(0, 8),
      withEmail.phone.slice(4, 9),
      "mail.example",
    ]) {
      const found = await all<ArtisanCustomer>(`/customers?search=${encodeURIComponent(needle)}`);
      expect(ids(found)).toEqual(match(needle));
      expect(found.length).toBeGreaterThan(0);
    }
    expect(ids(await all<ArtisanCustomer>(`/customers?search=${encodeURIComponent(" ")}`))).toEqual(
      desc(customers),
    );
  });

  it("filters jobs by customer and status", async () => {
    const jobs = [...demoState.jobs.values()];
    const customerId = jobs[0]?.customer_id ?? 0;
    expect(ids(await all<ArtisanJob>(`/jobs?customer_id=${customerId}`))).toEqual(
      desc(jobs.filter((j) => j.customer_id === customerId)),
    );
    for (const status of ["draft", "open", "in_progress", "completed", "cancelled"]) {
      const found = await all<ArtisanJob>(`/jobs?status=${status}`);
      expect(found.length).toBeGreaterThan(0);
      expect(ids(found)).toEqual(desc(jobs.filter((j) => j.status === status)));
    }
    expect(ids(await all<ArtisanJob>(`/jobs?status=completed&customer_id=${customerId}`))).toEqual(
      desc(jobs.filter((j) => j.status === "completed" && j.customer_id === customerId)),
    );
    expect(await all<ArtisanJob>("/jobs?customer_id=99999999")).toEqual([]);
    const bad = await call(demo, "GET", "/api/v1/jobs?status=done&customer_id=abc", { token: T });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      error: "Validation failed.",
      messages: {
        customer_id: ["The customer id must be an integer."],
        status: ["The selected status is invalid."],
      },
    });
    const array = await call(demo, "GET", "/api/v1/jobs?status[]=open", { token: T });
    expect(array.body).toEqual({
      error: "Validation failed.",
      messages: { status: ["The selected status is invalid."] },
    });
  });

  it("filters site visits by local date range, customer, job and status", async () => {
    const visits = [...demoState.siteVisits.values()];
    const order = (items: ArtisanSiteVisit[]) =>
      ids([...items].sort((a, b) => Date.parse(a.scheduled_at) - Date.parse(b.scheduled_at) || a.id - b.id));
    const inRange = visits.filter(
      (v) => v.scheduled_at.slice(0, 10) >= "2026-02-10" && v.scheduled_at < "2026-03-03",
    );
    expect(ids(await all<ArtisanSiteVisit>("/site-visits?from=2026-02-10&to=2026-03-02"))).toEqual(
      order(inRange),
    );
    const day = await all<ArtisanSiteVisit>("/site-visits?from=2026-02-16&to=2026-02-16");
    expect(day.length).toBeGreaterThan(0);
    expect(day.every((v) => v.scheduled_at.startsWith("2026-02-16T"))).toBe(true);
    const job = visits[100];
    if (!job) throw new Error("seed too small");
    expect(ids(await all<ArtisanSiteVisit>(`/site-visits?job_id=${job.job_id}`))).toEqual(
      order(visits.filter((v) => v.job_id === job.job_id)),
    );
    for (const status of ["scheduled", "completed", "cancelled"]) {
      const found = await all<ArtisanSiteVisit>(`/site-visits?status=${status}&from=2025-06-01`);
      expect(found.length).toBeGreaterThan(0);
      expect(ids(found)).toEqual(
        order(visits.filter((v) => v.status === status && v.scheduled_at.slice(0, 10) >= "2025-06-01")),
      );
    }
    const bad = await call(
      demo,
      "GET",
      "/api/v1/site-visits?from=2026-02-30&to=20260301&job_id=x&customer_id=1.5&status=done",
      { token: T },
    );
    expect(bad.body).toEqual({
      error: "Validation failed.",
      messages: {
        from: ["The from is not a valid date."],
        to: ["The to is not a valid date."],
        customer_id: ["The customer id must be an integer."],
        job_id: ["The job id must be an integer."],
        status: ["The selected status is invalid."],
      },
    });
  });

  it("compares dates in the company's timezone", async () => {
    const alphaJob = [...state(duo, "alpha-nettoyage").jobs.values()][0];
    const betaJob = [...state(duo, "beta-heating").jobs.values()][0];
    if (!alphaJob || !betaJob) throw new Error("no jobs");
    // 23:30 UTC on the 19th is the 20th in Paris and still the 19th in New York.
    const instant = "2027-03-19T23:30:00Z";
    const a = await call<One<ArtisanSiteVisit>>(duo, "POST", "/api/v1/site-visits", {
      token: TOKEN_A,
      body: { job_id: alphaJob.id, scheduled_at: instant },
    });
    const b = await call<One<ArtisanSiteVisit>>(duo, "POST", "/api/v1/site-visits", {
      token: TOKEN_B,
      body: { job_id: betaJob.id, scheduled_at: instant },
    });
    expect(a.body.data.scheduled_at).toBe("2027-03-20T00:30:00+01:00");
    expect(b.body.data.scheduled_at).toBe("2027-03-19T19:30:00-04:00");
    const alphaOn20 = await all<ArtisanSiteVisit>("/site-visits?from=2027-03-20&to=2027-03-20", duo, TOKEN_A);
    expect(ids(alphaOn20)).toEqual([a.body.data.id]);
    expect(await all<ArtisanSiteVisit>("/site-visits?from=2027-03-19&to=2027-03-19", duo, TOKEN_A)).toEqual(
      [],
    );
    const betaOn19 = await all<ArtisanSiteVisit>("/site-visits?from=2027-03-19&to=2027-03-19", duo, TOKEN_B);
    expect(ids(betaOn19)).toEqual([b.body.data.id]);

    // Invoices: created 2026-03-31T22:30Z is April in Paris (number and date filter), March in New York.
    clock = new Date("2026-03-31T22:30:00Z");
    const alphaCustomer = [...state(duo, "alpha-nettoyage").customers.values()][0];
    const inv = await call<One<ArtisanInvoiceDetail>>(duo, "POST", "/api/v1/invoices", {
      token: TOKEN_A,
      body: { customer_id: alphaCustomer?.id },
    });
    expect(inv.body.data.created_at).toBe("2026-04-01T00:30:00+02:00");
    expect(inv.body.data.invoice_number).toMatch(/^FA2604\d{5}$/);
    const april = await all<ArtisanInvoice>("/invoices?from=2026-04-01&to=2026-04-01", duo, TOKEN_A);
    expect(ids(april)).toEqual([inv.body.data.id]);
    expect(
      await all<ArtisanInvoice>("/invoices?from=2026-03-31&to=2026-03-31", duo, TOKEN_A),
    ).not.toContainEqual(expect.objectContaining({ id: inv.body.data.id }));
  });

  it("filters invoices by date, customer and paid", async () => {
    const invoices = [...demoState.invoices.values()];
    const range = invoices.filter(
      (i) => i.created_at.slice(0, 10) >= "2025-12-01" && i.created_at.slice(0, 10) <= "2025-12-31",
    );
    expect(ids(await all<ArtisanInvoice>("/invoices?from=2025-12-01&to=2025-12-31"))).toEqual(desc(range));
    const paid = desc(invoices.filter((i) => i.paid));
    const unpaid = desc(invoices.filter((i) => !i.paid));
    expect(unpaid.length).toBeGreaterThan(0);
    expect(ids(await all<ArtisanInvoice>("/invoices?paid=true"))).toEqual(paid);
    expect(ids(await all<ArtisanInvoice>("/invoices?paid=1"))).toEqual(paid);
    expect(ids(await all<ArtisanInvoice>("/invoices?paid=false"))).toEqual(unpaid);
    expect(ids(await all<ArtisanInvoice>("/invoices?paid=0"))).toEqual(unpaid);
    const customerId = invoices[0]?.customer_id ?? 0;
    expect(ids(await all<ArtisanInvoice>(`/invoices?customer_id=${customerId}&paid=true`))).toEqual(
      desc(invoices.filter((i) => i.customer_id === customerId && i.paid)),
    );
    const bad = await call(demo, "GET", "/api/v1/invoices?paid=yes&from=yesterday", { token: T });
    expect(bad.body).toEqual({
      error: "Validation failed.",
      messages: { from: ["The from is not a valid date."], paid: ["The paid field must be true or false."] },
    });
  });
});

describe("list and detail shapes", () => {
  it("renders customers: list fields, detail with jobs by id ascending", async () => {
    const list = await call<Page<ArtisanCustomer>>(demo, "GET", "/api/v1/customers?per_page=1", { token: T });
    expect(Object.keys(list.body.data[0] ?? {})).toEqual(CUSTOMER_KEYS);
    const counts = new Map<number, number>();
    for (const job of demoState.jobs.values())
      counts.set(job.customer_id, (counts.get(job.customer_id) ?? 0) + 1);
    const busiest = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
    const detail = await call<One<ArtisanCustomerDetail>>(demo, "GET", `/api/v1/customers/${busiest}`, {
      token: T,
    });
    expect(Object.keys(detail.body.data)).toEqual([...CUSTOMER_KEYS, "jobs"]);
    expect(detail.body.data).toEqual({
      ...demoState.customers.get(busiest),
      jobs: [...demoState.jobs.values()]
        .filter((j) => j.customer_id === busiest)
        .map((j) => ({ id: j.id, title: j.title })),
    });
    expect(detail.body.data.jobs.length).toBeGreaterThan(40);
    for (const field of ["created_at", "updated_at"] as const)
      expect(detail.body.data[field]).toMatch(TIMESTAMP);
  });

  it("renders jobs: detail with customer, job_type in the company locale and site_visits_count", async () => {
    const list = await call<Page<ArtisanJob>>(demo, "GET", "/api/v1/jobs?per_page=1", { token: T });
    expect(Object.keys(list.body.data[0] ?? {})).toEqual(JOB_KEYS);
    const typed = [...demoState.jobs.values()].find(
      (j) => j.job_type_id !== null && j.status === "completed",
    );
    const untyped = [...demoState.jobs.values()].find((j) => j.job_type_id === null);
    if (!typed || !untyped) throw new Error("seed lacks typed/untyped jobs");
    const detail = await call<One<ArtisanJobDetail>>(demo, "GET", `/api/v1/jobs/${typed.id}`, { token: T });
    const customer = demoState.customers.get(typed.customer_id);
    const type = demoState.jobTypes.get(typed.job_type_id ?? 0);
    expect(Object.keys(detail.body.data)).toEqual([...JOB_KEYS, "customer", "job_type", "site_visits_count"]);
    expect(detail.body.data).toEqual({
      ...typed,
      customer: { id: customer?.id, full_name: customer?.full_name },
      job_type: { id: type?.id, name: type?.name },
      site_visits_count: [...demoState.siteVisits.values()].filter((v) => v.job_id === typed.id).length,
    });
    const none = await call<One<ArtisanJobDetail>>(demo, "GET", `/api/v1/jobs/${untyped.id}`, { token: T });
    expect(none.body.data.job_type).toBeNull();
    const betaJob = [...state(duo, "beta-heating").jobs.values()].find((j) => j.job_type_id !== null);
    const en = await call<One<ArtisanJobDetail>>(duo, "GET", `/api/v1/jobs/${betaJob?.id}`, {
      token: TOKEN_B,
    });
    expect([
      "Plumbing",
      "Heating",
      "Emergency repair",
      "Bathroom renovation",
      "Cleaning",
      "Post-construction cleaning",
    ]).toContain(en.body.data.job_type?.name);
  });

  it("renders site visits: detail with job, customer and team_member (null when unassigned)", async () => {
    const list = await call<Page<ArtisanSiteVisit>>(demo, "GET", "/api/v1/site-visits?per_page=1", {
      token: T,
    });
    expect(Object.keys(list.body.data[0] ?? {})).toEqual(VISIT_KEYS);
    const visits = [...demoState.siteVisits.values()];
    const assigned = visits.find((v) => v.team_member_id !== null);
    const unassigned = visits.find((v) => v.team_member_id === null);
    if (!assigned || !unassigned) throw new Error("seed lacks assigned/unassigned visits");
    const detail = await call<One<ArtisanSiteVisitDetail>>(
      demo,
      "GET",
      `/api/v1/site-visits/${assigned.id}`,
      {
        token: T,
      },
    );
    const job = demoState.jobs.get(assigned.job_id);
    const customer = demoState.customers.get(assigned.customer_id);
    const member = demoState.teamMembers.get(assigned.team_member_id ?? 0);
    expect(Object.keys(detail.body.data)).toEqual([...VISIT_KEYS, "job", "customer", "team_member"]);
    expect(detail.body.data).toEqual({
      ...assigned,
      job: { id: job?.id, title: job?.title },
      customer: { id: customer?.id, full_name: customer?.full_name },
      team_member: { id: member?.id, name: member?.name },
    });
    const none = await call<One<ArtisanSiteVisitDetail>>(
      demo,
      "GET",
      `/api/v1/site-visits/${unassigned.id}`,
      {
        token: T,
      },
    );
    expect(none.body.data.team_member).toBeNull();
  });

  it("renders invoices: detail with customer {id, full_name, email} and lines", async () => {
    const list = await call<Page<ArtisanInvoice>>(demo, "GET", "/api/v1/invoices?per_page=1", { token: T });
    expect(Object.keys(list.body.data[0] ?? {})).toEqual(INVOICE_KEYS);
    const invoice = [...demoState.invoices.values()].find(
      (i) => (demoState.invoiceLines.get(i.id)?.length ?? 0) > 2,
    );
    if (!invoice) throw new Error("seed lacks multi-line invoices");
    const detail = await call<One<ArtisanInvoiceDetail>>(demo, "GET", `/api/v1/invoices/${invoice.id}`, {
      token: T,
    });
    const customer = demoState.customers.get(invoice.customer_id);
    expect(Object.keys(detail.body.data)).toEqual([...INVOICE_KEYS, "customer", "lines"]);
    expect(detail.body.data).toEqual({
      ...invoice,
      customer: { id: customer?.id, full_name: customer?.full_name, email: customer?.email },
      lines: demoState.invoiceLines.get(invoice.id),
    });
    expect(Object.keys(detail.body.data.lines[0] ?? {})).toEqual(LINE_KEYS);
  });
});

describe("writes", () => {
  const alpha = () => state(duo, "alpha-nettoyage");
  const beta = () => state(duo, "beta-heating");
  const maxId = (kind: "customers" | "jobs" | "siteVisits" | "invoices") =>
    Math.max(...[alpha(), beta()].flatMap((company) => [...company[kind].keys()]));
  const parisNow = () => isoInZone(clock, "Europe/Paris");
  const failed = (messages: Record<string, string[]>) => ({ error: "Validation failed.", messages });

  it("creates a customer (201, list fields) visible to later reads", async () => {
    const body = {
      first_name: "Marie",
      last_name: "Dupont",
      email: "marie@example.com",
      phone: "+33 6 12 34 56 78",
      mobile: "+33 7 98 76 54 32",
      address: "12 Rue des Artisans",
      address2: "Apt 3B",
      zip_code: "75001",
      city: "Paris",
      country: "FR",
      notes: "Prefers morning appointments.",
      send_sms: false,
      is_walk_in: true,
      id: 5,
    };
    const floor = maxId("customers");
    const created = await call<One<ArtisanCustomer>>(duo, "POST", "/api/v1/customers", {
      token: TOKEN_A,
      body,
    });
    expect(created.status).toBe(201);
    // Auto-increment: above every id ever used, in any company.
    const id = created.body.data.id;
    expect(id).toBeGreaterThan(floor);
    const { is_walk_in: _w, id: _i, ...fields } = body;
    const expected = {
      id,
      ...fields,
      full_name: "Marie Dupont",
      is_walk_in: false,
      created_at: parisNow(),
      updated_at: parisNow(),
    };
    expect(created.body.data).toEqual(expected);
    expect(Object.keys(created.body.data)).toEqual(CUSTOMER_KEYS);
    expect(created.body.data.created_at).toBe("2026-03-10T09:15:00+01:00");
    const detail = await call<One<ArtisanCustomerDetail>>(duo, "GET", `/api/v1/customers/${id}`, {
      token: TOKEN_A,
    });
    expect(detail.body.data).toEqual({ ...expected, jobs: [] });
    const list = await call<Page<ArtisanCustomer>>(duo, "GET", "/api/v1/customers?per_page=1", {
      token: TOKEN_A,
    });
    expect(list.body.data[0]).toEqual(expected);
    expect(list.body.meta.total).toBe(alpha().customers.size);
    // Defaults and cleaning: send_sms true, empty strings are null, strings trimmed.
    const minimal = await call<One<ArtisanCustomer>>(duo, "POST", "/api/v1/customers", {
      token: TOKEN_A,
      body: { first_name: "  Jean ", last_name: "Martin", email: "" },
    });
    expect(minimal.body.data).toMatchObject({
      first_name: "Jean",
      full_name: "Jean Martin",
      email: null,
      send_sms: true,
    });
  });

  it("validates customers with Laravel's messages", async () => {
    const empty = await call(duo, "POST", "/api/v1/customers", { token: TOKEN_A, body: {} });
    expect(empty.status).toBe(422);
    const required = failed({
      first_name: ["The first name field is required."],
      last_name: ["The last name field is required."],
    });
    expect(empty.body).toEqual(required);
    expect((await call(duo, "POST", "/api/v1/customers", { token: TOKEN_A, raw: "{not json" })).body).toEqual(
      required,
    );
    const bad = await call(duo, "POST", "/api/v1/customers", {
      token: TOKEN_A,
      body: {
        first_name: 42,
        last_name: "x".repeat(256),
        email: "marie@",
        phone: "1".repeat(51),
        zip_code: "1".repeat(21),
        country: "FRA",
        notes: "n".repeat(5001),
        send_sms: "yes",
      },
    });
    expect(bad.body).toEqual(
      failed({
        first_name: ["The first name must be a string."],
        last_name: ["The last name must not be greater than 255 characters."],
        email: ["The email must be a valid email address."],
        phone: ["The phone must not be greater than 50 characters."],
        zip_code: ["The zip code must not be greater than 20 characters."],
        country: ["The country must be 2 characters."],
        notes: ["The notes must not be greater than 5000 characters."],
        send_sms: ["The send sms field must be true or false."],
      }),
    );
    const sizeBefore = alpha().customers.size;
    expect(sizeBefore).toBe(alpha().customers.size);
  });

  it("updates a customer partially; null clears nullable fields", async () => {
    const customer = [...alpha().customers.values()].find((c) => c.email !== null);
    if (!customer) throw new Error("no customer with email");
    const before = { ...customer };
    clock = new Date("2026-07-01T10:00:00Z");
    const put = await call<One<ArtisanCustomer>>(duo, "PUT", `/api/v1/customers/${customer.id}`, {
      token: TOKEN_A,
      body: { last_name: "Durand", email: null, send_sms: 0, customer_id: 3, full_name: "ignored" },
    });
    expect(put.status).toBe(200);
    const expected = {
      ...before,
      last_name: "Durand",
      full_name: `${before.first_name} Durand`,
      email: null,
      send_sms: false,
      updated_at: "2026-07-01T12:00:00+02:00",
    };
    expect(put.body.data).toEqual(expected);
    const detail = await call<One<ArtisanCustomerDetail>>(duo, "GET", `/api/v1/customers/${customer.id}`, {
      token: TOKEN_A,
    });
    const { jobs: _jobs, ...fields } = detail.body.data;
    expect(fields).toEqual(expected);
    const invalid = await call(duo, "PUT", `/api/v1/customers/${customer.id}`, {
      token: TOKEN_A,
      body: { first_name: null, send_sms: null, country: "F", email: "nope" },
    });
    expect(invalid.body).toEqual(
      failed({
        first_name: ["The first name field is required."],
        email: ["The email must be a valid email address."],
        country: ["The country must be 2 characters."],
        send_sms: ["The send sms field is required."],
      }),
    );
    expect(alpha().customers.get(customer.id)).toEqual(expected);
  });

  it("refuses to delete a customer with invoices; otherwise cascades to jobs and visits", async () => {
    const company = alpha();
    const invoiced = [...company.invoices.values()][0]?.customer_id ?? 0;
    const refused = await call(duo, "DELETE", `/api/v1/customers/${invoiced}`, { token: TOKEN_A });
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ error: "This customer has invoices and cannot be deleted." });
    expect(company.customers.has(invoiced)).toBe(true);

    const invoicedIds = new Set([...company.invoices.values()].map((i) => i.customer_id));
    const target = [...company.customers.values()].find(
      (c) =>
        !invoicedIds.has(c.id) &&
        [...company.jobs.values()].some(
          (j) => j.customer_id === c.id && [...company.siteVisits.values()].some((v) => v.job_id === j.id),
        ),
    );
    if (!target) throw new Error("no deletable customer with jobs and visits");
    const jobIds = [...company.jobs.values()].filter((j) => j.customer_id === target.id).map((j) => j.id);
    const visitIds = [...company.siteVisits.values()]
      .filter((v) => jobIds.includes(v.job_id))
      .map((v) => v.id);
    const deleted = await call(duo, "DELETE", `/api/v1/customers/${target.id}`, { token: TOKEN_A });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expect((await call(duo, "GET", `/api/v1/customers/${target.id}`, { token: TOKEN_A })).status).toBe(404);
    for (const id of jobIds)
      expect((await call(duo, "GET", `/api/v1/jobs/${id}`, { token: TOKEN_A })).status).toBe(404);
    for (const id of visitIds) expect(company.siteVisits.has(id)).toBe(false);
    const remaining = await call<Page<ArtisanJob>>(duo, "GET", `/api/v1/jobs?customer_id=${target.id}`, {
      token: TOKEN_A,
    });
    expect(remaining.body.meta.total).toBe(0);
  });

  it("creates, updates and deletes jobs", async () => {
    const customer = [...alpha().customers.values()][1];
    if (!customer) throw new Error("no customer");
    const typeId = [...alpha().jobTypes.keys()][0];
    const floor = maxId("jobs");
    const created = await call<One<ArtisanJob>>(duo, "POST", "/api/v1/jobs", {
      token: TOKEN_A,
      body: { customer_id: String(customer.id), title: "Bathroom plumbing repair", job_type_id: typeId },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect(id).toBeGreaterThan(floor);
    const expected: ArtisanJob = {
      id,
      customer_id: customer.id,
      job_type_id: typeId ?? null,
      title: "Bathroom plumbing repair",
      description: null,
      address: null,
      status: "open",
      created_at: parisNow(),
      updated_at: parisNow(),
    };
    expect(created.body.data).toEqual(expected);
    const detail = await call<One<ArtisanJobDetail>>(duo, "GET", `/api/v1/jobs/${id}`, { token: TOKEN_A });
    expect(detail.body.data).toEqual({
      ...expected,
      customer: { id: customer.id, full_name: customer.full_name },
      job_type: { id: typeId, name: alpha().jobTypes.get(typeId ?? 0)?.name },
      site_visits_count: 0,
    });
    const customerDetail = await call<One<ArtisanCustomerDetail>>(
      duo,
      "GET",
      `/api/v1/customers/${customer.id}`,
      {
        token: TOKEN_A,
      },
    );
    expect(customerDetail.body.data.jobs.at(-1)).toEqual({ id, title: "Bathroom plumbing repair" });

    const betaCustomer = [...beta().customers.keys()][0];
    const betaType = [...beta().jobTypes.keys()][0];
    const invalid = await call(duo, "POST", "/api/v1/jobs", {
      token: TOKEN_A,
      body: { customer_id: betaCustomer, title: "t".repeat(256), job_type_id: betaType, status: "done" },
    });
    expect(invalid.body).toEqual(
      failed({
        customer_id: ["The selected customer id is invalid."],
        title: ["The title must not be greater than 255 characters."],
        job_type_id: ["The selected job type id is invalid."],
        status: ["The selected status is invalid."],
      }),
    );
    const missing = await call(duo, "POST", "/api/v1/jobs", {
      token: TOKEN_A,
      body: { customer_id: "abc", status: null },
    });
    expect(missing.body).toEqual(
      failed({
        customer_id: ["The customer id must be an integer."],
        title: ["The title field is required."],
        status: ["The status field is required."],
      }),
    );

    clock = new Date("2026-03-11T08:00:00Z");
    const put = await call<One<ArtisanJob>>(duo, "PUT", `/api/v1/jobs/${id}`, {
      token: TOKEN_A,
      body: { status: "in_progress", job_type_id: null, description: "Replace mixer tap.", customer_id: 1 },
    });
    expect(put.body.data).toEqual({
      ...expected,
      status: "in_progress",
      job_type_id: null,
      description: "Replace mixer tap.",
      updated_at: "2026-03-11T09:00:00+01:00",
    });
    const badPut = await call(duo, "PUT", `/api/v1/jobs/${id}`, {
      token: TOKEN_A,
      body: { title: null, status: "x" },
    });
    expect(badPut.body).toEqual(
      failed({ title: ["The title field is required."], status: ["The selected status is invalid."] }),
    );

    const visit = await call<One<ArtisanSiteVisit>>(duo, "POST", "/api/v1/site-visits", {
      token: TOKEN_A,
      body: { job_id: id, scheduled_at: "2026-03-20T09:00:00" },
    });
    expect(visit.status).toBe(201);
    const counted = await call<One<ArtisanJobDetail>>(duo, "GET", `/api/v1/jobs/${id}`, { token: TOKEN_A });
    expect(counted.body.data.site_visits_count).toBe(1);
    expect((await call(duo, "DELETE", `/api/v1/jobs/${id}`, { token: TOKEN_A })).status).toBe(204);
    expect(alpha().jobs.has(id)).toBe(false);
    expect(
      (await call(duo, "GET", `/api/v1/site-visits/${visit.body.data.id}`, { token: TOKEN_A })).status,
    ).toBe(404);
  });

  it("creates, updates and deletes site visits", async () => {
    const job = [...alpha().jobs.values()].at(-1);
    const other = [...alpha().customers.values()].find((c) => c.id !== job?.customer_id);
    const member = [...alpha().teamMembers.values()][0];
    if (!job || !other || !member) throw new Error("seed too small");
    const floor = maxId("siteVisits");
    const created = await call<One<ArtisanSiteVisit>>(duo, "POST", "/api/v1/site-visits", {
      token: TOKEN_A,
      body: {
        job_id: job.id,
        scheduled_at: "2026-03-29T02:30:00",
        duration_minutes: "120",
        notes: "Customer will be home from 9am.",
        team_member_id: member.id,
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect(id).toBeGreaterThan(floor);
    const expected: ArtisanSiteVisit = {
      id,
      job_id: job.id,
      customer_id: job.customer_id,
      team_member_id: member.id,
      // 02:30 does not exist on the spring-forward night: read as 03:30 summer time, as PHP does.
      scheduled_at: "2026-03-29T03:30:00+02:00",
      duration_minutes: 120,
      status: "scheduled",
      notes: "Customer will be home from 9am.",
      created_at: parisNow(),
      updated_at: parisNow(),
    };
    expect(created.body.data).toEqual(expected);
    const detail = await call<One<ArtisanSiteVisitDetail>>(duo, "GET", `/api/v1/site-visits/${id}`, {
      token: TOKEN_A,
    });
    expect(detail.body.data.team_member).toEqual({ id: member.id, name: member.name });
    expect(detail.body.data.job).toEqual({ id: job.id, title: job.title });

    const explicit = await call<One<ArtisanSiteVisit>>(duo, "POST", "/api/v1/site-visits", {
      token: TOKEN_A,
      body: {
        job_id: job.id,
        customer_id: other.id,
        scheduled_at: "2026-07-01T09:00:00",
        status: "completed",
      },
    });
    expect(explicit.body.data).toMatchObject({
      customer_id: other.id,
      scheduled_at: "2026-07-01T09:00:00+02:00",
      status: "completed",
      duration_minutes: null,
      team_member_id: null,
      notes: null,
    });

    const invalid = await call(duo, "POST", "/api/v1/site-visits", {
      token: TOKEN_A,
      body: {
        scheduled_at: "2026-02-30T09:00:00",
        customer_id: null,
        duration_minutes: 0,
        notes: "n".repeat(2001),
        status: "pending",
        team_member_id: [...beta().teamMembers.keys()][0],
      },
    });
    expect(invalid.body).toEqual(
      failed({
        job_id: ["The job id field is required."],
        scheduled_at: ["The scheduled at is not a valid date."],
        customer_id: ["The customer id field is required."],
        duration_minutes: ["The duration minutes must be at least 1."],
        notes: ["The notes must not be greater than 2000 characters."],
        status: ["The selected status is invalid."],
        team_member_id: ["The selected team member id is invalid."],
      }),
    );

    clock = new Date("2026-03-12T08:00:00Z");
    const put = await call<One<ArtisanSiteVisit>>(duo, "PUT", `/api/v1/site-visits/${id}`, {
      token: TOKEN_A,
      body: {
        scheduled_at: "2026-03-30T14:00:00+02:00",
        team_member_id: null,
        notes: null,
        status: "cancelled",
        job_id: 1,
      },
    });
    expect(put.body.data).toEqual({
      ...expected,
      scheduled_at: "2026-03-30T14:00:00+02:00",
      team_member_id: null,
      notes: null,
      status: "cancelled",
      updated_at: "2026-03-12T09:00:00+01:00",
    });
    const afterPut = await call<One<ArtisanSiteVisitDetail>>(duo, "GET", `/api/v1/site-visits/${id}`, {
      token: TOKEN_A,
    });
    expect(afterPut.body.data.team_member).toBeNull();
    const badPut = await call(duo, "PUT", `/api/v1/site-visits/${id}`, {
      token: TOKEN_A,
      body: { scheduled_at: null, duration_minutes: 1.5 },
    });
    expect(badPut.body).toEqual(
      failed({
        scheduled_at: ["The scheduled at field is required."],
        duration_minutes: ["The duration minutes must be an integer."],
      }),
    );
    expect((await call(duo, "DELETE", `/api/v1/site-visits/${id}`, { token: TOKEN_A })).status).toBe(204);
    expect((await call(duo, "GET", `/api/v1/site-visits/${id}`, { token: TOKEN_A })).status).toBe(404);
  });

  it("creates invoices with a sequential number and exact totals", async () => {
    const customer = [...alpha().customers.values()][2];
    const item = [...alpha().items.values()][0];
    if (!customer || !item) throw new Error("seed too small");
    const sequence = alpha().nextInvoiceSequence;
    const floor = maxId("invoices");
    const created = await call<One<ArtisanInvoiceDetail>>(duo, "POST", "/api/v1/invoices", {
      token: TOKEN_A,
      body: {
        customer_id: customer.id,
        paid: false,
        notes: "Thank you for choosing us!",
        lines: [
          {
            item_id: item.id,
            description: "Plumbing repair - bathroom",
            quantity: 1,
            price_with_tax: 180,
            discount: 0,
          },
          { quantity: 3, price_with_tax: 0.1 },
          { quantity: "1", price_with_tax: "10.005" },
          { quantity: 2.5, price_with_tax: 19.99, discount: 12.5 },
        ],
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect(id).toBeGreaterThan(floor);
    const lineIds = created.body.data.lines.map((line) => line.id);
    expect(lineIds).toEqual([
      lineIds[0] ?? 0,
      (lineIds[0] ?? 0) + 1,
      (lineIds[0] ?? 0) + 2,
      (lineIds[0] ?? 0) + 3,
    ]);
    const expected: ArtisanInvoiceDetail = {
      id,
      invoice_number: `FA2603${String(sequence).padStart(5, "0")}`,
      customer_id: customer.id,
      paid: false,
      total_with_tax: 234.04,
      notes: "Thank you for choosing us!",
      created_at: parisNow(),
      updated_at: parisNow(),
      customer: { id: customer.id, full_name: customer.full_name, email: customer.email },
      lines: [
        {
          id: lineIds[0] ?? 0,
          item_id: item.id,
          description: "Plumbing repair - bathroom",
          quantity: 1,
          unit_price_with_tax: 180,
          discount_percent: 0,
          line_total_with_tax: 180,
        },
        {
          id: lineIds[1] ?? 0,
          item_id: null,
          description: null,
          quantity: 3,
          unit_price_with_tax: 0.1,
          discount_percent: 0,
          line_total_with_tax: 0.3,
        },
        {
          id: lineIds[2] ?? 0,
          item_id: null,
          description: null,
          quantity: 1,
          unit_price_with_tax: 10.005,
          discount_percent: 0,
          line_total_with_tax: 10.01,
        },
        {
          id: lineIds[3] ?? 0,
          item_id: null,
          description: null,
          quantity: 2.5,
          unit_price_with_tax: 19.99,
          discount_percent: 12.5,
          line_total_with_tax: 43.73,
        },
      ],
    };
    expect(created.body.data).toEqual(expected);
    expect(created.text).toContain('"total_with_tax":234.04');
    const detail = await call<One<ArtisanInvoiceDetail>>(duo, "GET", `/api/v1/invoices/${id}`, {
      token: TOKEN_A,
    });
    expect(detail.text).toBe(created.text);
    const list = await call<Page<ArtisanInvoice>>(duo, "GET", "/api/v1/invoices?per_page=1", {
      token: TOKEN_A,
    });
    const { customer: _c, lines: _l, ...listFields } = expected;
    expect(list.body.data[0]).toEqual(listFields);

    const bare = await call<One<ArtisanInvoiceDetail>>(duo, "POST", "/api/v1/invoices", {
      token: TOKEN_A,
      body: { customer_id: customer.id },
    });
    expect(bare.body.data).toMatchObject({
      id: id + 1,
      invoice_number: `FA2603${String(sequence + 1).padStart(5, "0")}`,
      paid: false,
      total_with_tax: 0,
      notes: null,
      lines: [],
    });
  });

  it("validates invoices, with dotted keys for lines", async () => {
    const betaItem = [...beta().items.keys()][0];
    const customer = [...alpha().customers.keys()][0];
    const sizeBefore = alpha().invoices.size;
    const invalid = await call(duo, "POST", "/api/v1/invoices", {
      token: TOKEN_A,
      body: {
        paid: "no",
        lines: [
          { item_id: betaItem, quantity: 0, price_with_tax: "abc", discount: 51 },
          { description: "d".repeat(1001), price_with_tax: -1, discount: -5 },
          "not a line",
        ],
      },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toEqual(
      failed({
        customer_id: ["The customer id field is required."],
        paid: ["The paid field must be true or false."],
        "lines.0.item_id": ["The selected lines.0.item id is invalid."],
        "lines.1.description": ["The lines.1.description must not be greater than 1000 characters."],
        "lines.0.quantity": ["The lines.0.quantity must be at least 0.01."],
        "lines.1.quantity": ["The lines.1.quantity field is required."],
        "lines.2.quantity": ["The lines.2.quantity field is required."],
        "lines.0.price_with_tax": ["The lines.0.price with tax must be a number."],
        "lines.1.price_with_tax": ["The lines.1.price with tax must be at least 0."],
        "lines.2.price_with_tax": ["The lines.2.price with tax field is required."],
        "lines.0.discount": ["The lines.0.discount must not be greater than 50."],
        "lines.1.discount": ["The lines.1.discount must be at least 0."],
      }),
    );
    const notArray = await call(duo, "POST", "/api/v1/invoices", {
      token: TOKEN_A,
      body: { customer_id: customer, lines: "x", notes: 5 },
    });
    expect(notArray.body).toEqual(
      failed({ notes: ["The notes must be a string."], lines: ["The lines must be an array."] }),
    );
    expect(alpha().invoices.size).toBe(sizeBefore);
  });
});

describe("simulator controls", () => {
  it("counts requests per route key", async () => {
    const id = [...demoState.jobs.keys()][0];
    for (let i = 0; i < 3; i++) await call(demo, "GET", `/api/v1/jobs/${id}`, { token: T });
    await call(demo, "GET", "/api/v1/jobs", { token: T });
    await call(demo, "GET", "/api/v1/jobs/1"); // 401 still reaches the route
    await call(demo, "GET", "/api/v1/nothing", { token: T });
    expect(demo.control.count("GET /api/v1/jobs/{id}")).toBe(4);
    expect(demo.control.count("GET /api/v1/jobs")).toBe(1);
    expect(demo.control.count("GET <unmatched>")).toBe(1);
    expect(demo.control.count()).toBe(6);
  });

  it("injects status, rateLimit, drop and slow faults, and latency", async () => {
    const path = "/api/v1/company";
    demo.control.injectFault({ kind: "status", status: 503, times: 1 });
    const failed = await call(demo, "GET", path, { token: T });
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({ error: "Server Error." });
    expect((await call(demo, "GET", path, { token: T })).status).toBe(200);

    demo.control.injectFault({ kind: "rateLimit", times: 1, route: "GET /api/v1/company" });
    const limited = await call(demo, "GET", path, { token: T });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: "Too Many Attempts." });
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("x-ratelimit-limit")).toBe("1000000");
    expect(Number(limited.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);

    demo.control.injectFault({ kind: "drop", times: 1 });
    await expect(call(demo, "GET", path, { token: T })).rejects.toThrow();

    demo.control.injectFault({ kind: "slow", delayMs: 150, times: 1 });
    let started = performance.now();
    expect((await call(demo, "GET", path, { token: T })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);

    demo.control.setLatency(80);
    started = performance.now();
    expect((await call(demo, "GET", path, { token: T })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(70);
    demo.control.setLatency(0);
    expect(demo.control.requests.map((r) => r.faulted)).toEqual([
      "status",
      null,
      "rateLimit",
      "drop",
      "slow",
      null,
    ]);
  });

  it("answers 500 with the reference's body when a handler fails", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const sim = createArtisanSim({ companies: [ALPHA] });
    await sim.listen(0);
    try {
      const job = [...state(sim, "alpha-nettoyage").jobs.values()][0];
      if (!job) throw new Error("no job");
      job.customer_id = 99_999_999;
      const reply = await call(sim, "GET", `/api/v1/jobs/${job.id}`, { token: TOKEN_A });
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual({ error: "Server Error." });
    } finally {
      await sim.close();
      spy.mockRestore();
    }
  });
});
