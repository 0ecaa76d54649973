import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { type Dispatcher, Pool } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ARTISAN_DEMO_COMPANY, ARTISAN_DEMO_TOKEN, createArtisanSim } from "../../sim/artisan/index.js";
import {
  CLEANITALL_DEMO_ACCOUNT,
  CLEANITALL_DEMO_KEY,
  createCleanItAllSim,
} from "../../sim/cleanitall/index.js";
import {
  CLEVERINVO_DEMO_ACCOUNT,
  CLEVERINVO_DEMO_KEY,
  type CleverInvoSim,
  createCleverInvoSim,
} from "../../sim/cleverinvo/index.js";
import { type SimRequest, SimServer } from "../../sim/core/server.js";
import { parseConfig } from "../../src/config.js";
import type { BreakerChange } from "../../src/datasources/circuitBreaker.js";
import {
  HttpLayer,
  type HttpLayerOptions,
  type UpstreamRequest,
  type UpstreamTarget,
} from "../../src/datasources/http.js";
import { tenantUpstreams } from "../../src/datasources/index.js";
import { UpstreamError } from "../../src/errors.js";

/**
 * The shared HTTP layer's resilience against real local servers and simulators: the request
 * scope (X-Request-Id upstream, the overall deadline), the rate budget per upstream credential
 * (local, from the upstream's headers, shared through a real Redis), and the circuit breaker per
 * upstream and tenant. Rate windows and breaker cooldowns run on a pinned clock where a test
 * asserts exact seconds; deadlines always run on real time.
 */

/** X-Request-Id of each request the test upstream served, in order. */
const seenRequestIds: Array<string | undefined> = [];
/** Retry-After the test upstream's 5xx and 429 answers carry ("" for none). */
let retryAfter = "";
const retryAfterHeader = (): Record<string, string> => (retryAfter ? { "retry-after": retryAfter } : {});

const sim = new SimServer({
  name: "resilience-upstream",
  routes: [
    {
      method: "GET",
      pattern: "/api/v1/items",
      handler: (req: SimRequest) => {
        const id = req.headers["x-request-id"];
        seenRequestIds.push(typeof id === "string" ? id : undefined);
        return { status: 200, body: { data: [{ id: 1 }] } };
      },
    },
    {
      method: "POST",
      pattern: "/api/v1/items",
      handler: (req: SimRequest) => {
        const id = req.headers["x-request-id"];
        seenRequestIds.push(typeof id === "string" ? id : undefined);
        return { status: 201, body: { created: true } };
      },
    },
  ],
  notFound: (req) => ({ status: 404, body: { error: `No route ${req.path}` } }),
  serverError: (status) => ({
    status,
    headers: retryAfterHeader(),
    body: { error: "Server Error" },
  }),
  rateLimited: () => ({
    status: 429,
    headers: retryAfterHeader(),
    body: { error: "Too Many Attempts." },
  }),
});

let base = "";
beforeAll(async () => {
  await sim.listen(0);
  base = `${sim.url}/api/v1`;
});
afterAll(() => sim.close());

const layers: HttpLayer[] = [];
afterEach(async () => {
  sim.control.reset();
  seenRequestIds.length = 0;
  retryAfter = "";
  await Promise.all(layers.splice(0).map((layer) => layer.close()));
});

function layer(overrides: Partial<HttpLayerOptions> = {}): HttpLayer {
  const created = new HttpLayer({
    timeoutMs: 2_000,
    retries: 0,
    connections: 4,
    cache: { ttlMs: 0, maxEntries: 100 },
    retryBaseDelayMs: 1,
    ...overrides,
  });
  layers.push(created);
  return created;
}

function target(overrides: Partial<UpstreamTarget> = {}): UpstreamTarget {
  return {
    source: "artisan",
    tenantId: "acme",
    baseUrl: base,
    headers: { authorization: "Bearer test-token" },
    timeoutMs: 2_000,
    ...overrides,
  };
}

const GET_ITEMS: UpstreamRequest = { method: "GET", path: "/items", route: "/items" };
const POST_ITEM: UpstreamRequest = { method: "POST", path: "/items", route: "/items", body: { name: "Tap" } };

/** The UpstreamError a request fails with (fails the test when it succeeds). */
async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error("expected an UpstreamError");
}

const inMs = (ms: number) => ({ requestId: `req-${randomUUID()}`, deadlineAt: Date.now() + ms });

/** A real pool per origin, with an interceptor noting the X-Request-Id of every request sent. */
function capturingPool(sent: Array<string | undefined>): (origin: string) => Dispatcher {
  return (origin) =>
    new Pool(origin).compose((dispatch) => (options, handler) => {
      const headers = options.headers as Record<string, string> | undefined;
      sent.push(headers?.["x-request-id"]);
      return dispatch(options, handler);
    });
}

describe("request scope: X-Request-Id upstream", () => {
  it("every attempt of a scoped request carries the scope's id; unscoped requests carry none", async () => {
    const sent: Array<string | undefined> = [];
    const http = layer({ retries: 2, dispatcherFor: capturingPool(sent) });
    const scoped = http.forRequest({ requestId: "req-7f3a", deadlineAt: Date.now() + 5_000 });
    sim.control.injectFault({ kind: "status", status: 503, times: 1 });
    expect((await scoped.request(target(), GET_ITEMS)).status).toBe(200);
    expect((await scoped.request(target(), POST_ITEM)).status).toBe(201);
    await http.request(target(), GET_ITEMS);
    // The retried GET's two attempts, the POST, then the unscoped GET.
    expect(sent).toEqual(["req-7f3a", "req-7f3a", "req-7f3a", undefined]);
    expect(seenRequestIds).toEqual(["req-7f3a", "req-7f3a", undefined]);
    expect(sim.control.count()).toBe(4);
  });

  it("an id that is not a safe header value is not forwarded", async () => {
    const http = layer();
    await http
      .forRequest({ requestId: "two words", deadlineAt: Date.now() + 5_000 })
      .request(target(), GET_ITEMS);
    await http
      .forRequest({ requestId: "x".repeat(201), deadlineAt: Date.now() + 5_000 })
      .request(target(), GET_ITEMS);
    await http
      .forRequest({ requestId: "x".repeat(200), deadlineAt: Date.now() + 5_000 })
      .request(target(), GET_ITEMS);
    expect(seenRequestIds).toEqual([undefined, undefined, "x".repeat(200)]);
  });

  it("the facade's invalidate and observe are the layer's", async () => {
    const http = layer({ cache: { ttlMs: 60_000, maxEntries: 10 } });
    const scoped = http.forRequest(inMs(5_000));
    const routes: string[] = [];
    const stop = scoped.observe((event) => routes.push(`${event.route} ${event.cached}`));
    await scoped.request(target(), GET_ITEMS);
    await http.request(target(), GET_ITEMS);
    expect(scoped.invalidate(target(), "/items")).toBe(1);
    await scoped.request(target(), GET_ITEMS);
    stop();
    expect(routes).toEqual(["/items false", "/items true", "/items false"]);
    expect(sim.control.count("GET /api/v1/items")).toBe(2);
  });
});

describe("request scope: the overall deadline", () => {
  it("no attempt starts after the deadline: 200 ms attempts in a 500 ms deadline make 3 attempts", async () => {
    sim.control.injectFault({ kind: "slow", delayMs: 5_000 });
    const started = performance.now();
    const error = await failure(
      layer({ retries: 5 })
        .forRequest(inMs(500))
        .request(target({ timeoutMs: 200 }), GET_ITEMS),
    );
    const elapsed = performance.now() - started;
    // Attempts at 0 and 200 ms time out on their own; the third is cut at 500 ms by the deadline.
    expect(sim.control.count("GET /api/v1/items")).toBe(3);
    expect(error.code).toBe("UPSTREAM_TIMEOUT");
    expect(error.message).toBe("artisan GET /items timed out: the request's deadline passed");
    expect(error.extensions).toEqual({ code: "UPSTREAM_TIMEOUT", source: "artisan" });
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThan(1_000);
  });

  it("an attempt's timeout is the time left when that is shorter than the upstream's", async () => {
    sim.control.injectFault({ kind: "slow", delayMs: 5_000 });
    const started = performance.now();
    const error = await failure(
      layer({ retries: 2 })
        .forRequest(inMs(300))
        .request(target({ timeoutMs: 2_000 }), GET_ITEMS),
    );
    const elapsed = performance.now() - started;
    expect(error.message).toBe("artisan GET /items timed out: the request's deadline passed");
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_000);
  });

  it("a retry whose wait would end after the deadline is not made; one that fits is", async () => {
    retryAfter = "1";
    sim.control.injectFault({ kind: "status", status: 503, times: 1 });
    const started = performance.now();
    const error = await failure(layer({ retries: 2 }).forRequest(inMs(500)).request(target(), GET_ITEMS));
    expect(performance.now() - started).toBeLessThan(400);
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).toBe(
      "artisan GET /items failed: HTTP 503 (not retried: the request's deadline passed)",
    );
    expect(error.extensions).toEqual({
      code: "UPSTREAM_UNAVAILABLE",
      source: "artisan",
      upstreamStatus: 503,
      retryAfterSeconds: 1,
    });

    sim.control.resetCounts();
    sim.control.injectFault({ kind: "status", status: 503, times: 1 });
    const response = await layer({ retries: 2 }).forRequest(inMs(3_000)).request(target(), GET_ITEMS);
    expect(response.status).toBe(200);
    expect(sim.control.count("GET /api/v1/items")).toBe(2);
  });

  it("a request whose deadline has passed is not sent, GET or POST", async () => {
    const scoped = layer({ retries: 2 }).forRequest({ requestId: "late", deadlineAt: Date.now() - 1 });
    const get = await failure(scoped.request(target(), GET_ITEMS));
    const post = await failure(scoped.request(target(), POST_ITEM));
    expect(get.code).toBe("UPSTREAM_TIMEOUT");
    expect(get.message).toBe("artisan GET /items was not sent: the request's deadline passed");
    expect(get.extensions).toEqual({ code: "UPSTREAM_TIMEOUT", source: "artisan" });
    expect(post.message).toBe("artisan POST /items was not sent: the request's deadline passed");
    expect(sim.control.count()).toBe(0);
  });

  it("a request without a scope has a deadline of deadlineMs", async () => {
    sim.control.injectFault({ kind: "slow", delayMs: 5_000 });
    const started = performance.now();
    const error = await failure(layer({ retries: 3, deadlineMs: 300 }).request(target(), GET_ITEMS));
    expect(error.message).toBe("artisan GET /items timed out: the request's deadline passed");
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
  });

  it("a shared in-flight GET runs on for a later deadline: the first request times out alone", async () => {
    const http = layer({ retries: 2, cache: { ttlMs: 60_000, maxEntries: 10 } });
    sim.control.setLatency(600);
    const short = http.forRequest(inMs(300)).request(target(), GET_ITEMS);
    short.catch(() => {});
    // The second request joins once the first one's attempt is under way.
    await expect.poll(() => sim.control.count("GET /api/v1/items"), { interval: 5 }).toBe(1);
    const long = http.forRequest(inMs(5_000)).request(target(), GET_ITEMS);
    const shortError = await failure(short);
    expect(shortError.code).toBe("UPSTREAM_TIMEOUT");
    expect(shortError.message).toBe("artisan GET /items timed out: the request's deadline passed");
    // The attempt the short request started was not cut at its deadline, nor retried.
    expect((await long).status).toBe(200);
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
    // And its answer is cached for the next request.
    expect((await http.forRequest(inMs(5_000)).request(target(), GET_ITEMS)).status).toBe(200);
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
  });

  it("a short-deadline request joining a long one's call times out alone", async () => {
    const http = layer({ cache: { ttlMs: 60_000, maxEntries: 10 } });
    sim.control.setLatency(400);
    const long = http.forRequest(inMs(5_000)).request(target(), GET_ITEMS);
    const short = http.forRequest(inMs(150)).request(target(), GET_ITEMS);
    expect((await failure(short)).message).toBe(
      "artisan GET /items timed out: the request's deadline passed",
    );
    expect((await long).status).toBe(200);
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
  });
});

describe("tenantUpstreams: the request scope reaches every client", () => {
  it("tenant.create(scope) clients send the scope's id and stop at its deadline", async () => {
    const cleanitall = createCleanItAllSim({
      accounts: [CLEANITALL_DEMO_ACCOUNT],
      rateLimit: { limit: 1e6, windowMs: 3_600_000 },
    });
    const baseUrl = await cleanitall.listen(0);
    const sent: Array<string | undefined> = [];
    const config = parseConfig({
      tenants: [
        {
          id: "acme",
          apiKeys: [{ key: "acme_test_key_0123456789", scopes: ["read"] }],
          upstreams: { cleanitall: { baseUrl, apiKey: CLEANITALL_DEMO_KEY } },
        },
      ],
    });
    const tenantConfig = config.tenants[0];
    if (!tenantConfig) throw new Error("no tenant");
    const http = layer({ dispatcherFor: capturingPool(sent), deadlineMs: 7_000 });
    const tenant = tenantUpstreams(tenantConfig, config, http);
    try {
      const before = Date.now();
      const scope = tenant.scope("req-abc");
      expect(scope.requestId).toBe("req-abc");
      expect(scope.deadlineAt).toBeGreaterThanOrEqual(before + 7_000);
      expect(scope.deadlineAt).toBeLessThanOrEqual(Date.now() + 7_000);

      const missing = { type: "Customer", source: "cleanitall", sourceId: `cus_${"0".repeat(24)}` } as const;
      expect(await tenant.create(scope).get("cleanitall")?.load(missing)).toBeNull();
      expect(sent).toEqual(["req-abc"]);

      const late = tenant.create({ requestId: "req-late", deadlineAt: Date.now() - 1 });
      const error = await failure(late.get("cleanitall")?.load(missing) ?? Promise.resolve());
      expect(error.message).toBe("cleanitall GET /customers/:id was not sent: the request's deadline passed");
      expect(cleanitall.control.count()).toBe(1);
    } finally {
      await cleanitall.close();
    }
  });
});

/** Rate windows in these tests run on the simulators' pinned clock. */
const PINNED = new Date("2026-03-01T12:30:10Z");
const pinned = () => PINNED.getTime();

describe("rate budget per upstream credential", () => {
  it("ARTISAN at a small limit: the budget follows its headers, the gateway never gets a 429, the 4th request is not sent", async () => {
    const artisan = createArtisanSim({
      companies: [ARTISAN_DEMO_COMPANY],
      rateLimit: { limit: 3, windowMs: 60_000 },
      now: () => PINNED,
    });
    const artisanTarget: UpstreamTarget = {
      source: "artisan",
      tenantId: "acme",
      baseUrl: await artisan.listen(0),
      headers: { authorization: `Bearer ${ARTISAN_DEMO_TOKEN}` },
      timeoutMs: 2_000,
    };
    try {
      // The documented 60 per minute: the upstream's X-RateLimit-Limit (3) then takes over.
      const http = layer({ rateBudgets: {}, clock: pinned, retries: 2 });
      const statuses: Array<number | null> = [];
      http.observe((event) => statuses.push(event.status));
      const customers: UpstreamRequest = { method: "GET", path: "/customers", route: "/customers" };
      for (let i = 0; i < 3; i++) expect((await http.request(artisanTarget, customers)).status).toBe(200);
      const refused = await failure(http.request(artisanTarget, customers));
      expect(refused.code).toBe("UPSTREAM_RATE_LIMITED");
      expect(refused.message).toBe(
        "artisan GET /customers was not sent: this tenant's artisan rate budget (3 requests per minute) is spent; retry in 60 s",
      );
      expect(refused.extensions).toEqual({
        code: "UPSTREAM_RATE_LIMITED",
        source: "artisan",
        retryAfterSeconds: 60,
      });
      const write = await failure(http.request(artisanTarget, { ...customers, method: "POST", body: {} }));
      expect(write.code).toBe("UPSTREAM_RATE_LIMITED");
      expect(statuses).toEqual([200, 200, 200]);
      expect(artisan.control.snapshot()).toEqual({ "GET /api/v1/customers": 3 });
      expect(http.budgets()).toEqual([
        { tenantId: "acme", source: "artisan", limit: 3, remaining: 0, resetAt: PINNED.getTime() + 60_000 },
      ]);
    } finally {
      await artisan.close();
    }
  });

  it("CleanItAll: another client's use, reported in X-RateLimit-Remaining, is spent from the budget", async () => {
    const cleanitall = createCleanItAllSim({
      accounts: [CLEANITALL_DEMO_ACCOUNT],
      rateLimit: { limit: 5, windowMs: 3_600_000 },
      now: () => PINNED,
    });
    const baseUrl = await cleanitall.listen(0);
    const cleanitallTarget: UpstreamTarget = {
      source: "cleanitall",
      tenantId: "acme",
      baseUrl,
      headers: { "x-api-key": CLEANITALL_DEMO_KEY },
      timeoutMs: 2_000,
    };
    try {
      // Someone else with the same key spends 3 of the hour's 5.
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${baseUrl}/jobs?limit=1`, {
          headers: { "x-api-key": CLEANITALL_DEMO_KEY },
        });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
      const http = layer({ rateBudgets: {}, clock: pinned });
      const jobs: UpstreamRequest = { method: "GET", path: "/jobs", route: "/jobs", query: { limit: 1 } };
      expect((await http.request(cleanitallTarget, jobs)).status).toBe(200);
      expect((await http.request(cleanitallTarget, jobs)).status).toBe(200);
      const refused = await failure(http.request(cleanitallTarget, jobs));
      // 12:30:10 -> the UTC hour ends at 13:00:00.
      expect(refused.message).toBe(
        "cleanitall GET /jobs was not sent: this tenant's cleanitall rate budget (5 requests per hour) is spent; retry in 1790 s",
      );
      expect(refused.extensions).toEqual({
        code: "UPSTREAM_RATE_LIMITED",
        source: "cleanitall",
        retryAfterSeconds: 1790,
      });
      expect(cleanitall.control.count("GET /api/v1/jobs")).toBe(5);
      expect(cleanitall.control.requests.map((r) => r.faulted)).toEqual([null, null, null, null, null]);
    } finally {
      await cleanitall.close();
    }
  });

  describe("CleverInvo (no rate headers: counted locally)", () => {
    let cleverinvo: CleverInvoSim;
    let cleverinvoBase = "";
    beforeAll(async () => {
      cleverinvo = createCleverInvoSim({
        accounts: [CLEVERINVO_DEMO_ACCOUNT],
        rateLimit: { limit: 3, windowMs: 60_000 },
        now: () => PINNED,
      });
      cleverinvoBase = await cleverinvo.listen(0);
    });
    afterEach(() => cleverinvo.control.reset());
    /** The simulator's own limit for the test, from a fresh window. */
    const simLimit = (limit: number) => {
      cleverinvo.limiter.settings = { limit, windowMs: 60_000, aligned: true };
      cleverinvo.limiter.reset();
    };
    afterAll(() => cleverinvo.close());

    const cleverinvoTarget = (tenantId = "acme"): UpstreamTarget => ({
      source: "cleverinvo",
      tenantId,
      baseUrl: cleverinvoBase,
      headers: { authorization: `Bearer ${CLEVERINVO_DEMO_KEY}` },
      timeoutMs: 2_000,
    });
    const clients: UpstreamRequest = {
      method: "GET",
      path: "/clients",
      route: "/clients",
      query: { limit: 1 },
    };
    const threePerMinute = { limit: 3, windowMs: 60_000, window: "aligned" } as const;

    it("three requests go; the fourth is refused until the UTC minute ends, without a request", async () => {
      simLimit(3);
      const http = layer({ rateBudgets: { limits: { cleverinvo: threePerMinute } }, clock: pinned });
      for (let i = 0; i < 3; i++) expect((await http.request(cleverinvoTarget(), clients)).status).toBe(200);
      const refused = await failure(http.request(cleverinvoTarget(), clients));
      expect(refused.message).toBe(
        "cleverinvo GET /clients was not sent: this tenant's cleverinvo rate budget (3 requests per minute) is spent; retry in 50 s",
      );
      expect(cleverinvo.control.count("GET /api/v1/clients")).toBe(3);
      expect(cleverinvo.control.requests.every((r) => r.faulted === null)).toBe(true);
    });

    it("a 429's Retry-After holds the credential's requests until then; another tenant is unaffected", async () => {
      simLimit(1_000);
      const http = layer({ rateBudgets: {}, clock: pinned });
      cleverinvo.control.injectFault({ kind: "rateLimit", times: 1 });
      const upstream = await failure(http.request(cleverinvoTarget(), clients));
      expect(upstream.message).toBe("cleverinvo GET /clients was rate limited by the upstream");
      expect(upstream.extensions).toEqual({
        code: "UPSTREAM_RATE_LIMITED",
        source: "cleverinvo",
        upstreamStatus: 429,
        retryAfterSeconds: 50,
      });
      const held = await failure(http.request(cleverinvoTarget(), clients));
      expect(held.message).toBe(
        "cleverinvo GET /clients was not sent: cleverinvo asked to wait after answering HTTP 429; retry in 50 s",
      );
      expect(held.extensions).toEqual({
        code: "UPSTREAM_RATE_LIMITED",
        source: "cleverinvo",
        retryAfterSeconds: 50,
      });
      expect(cleverinvo.control.count("GET /api/v1/clients")).toBe(1);
      expect((await http.request(cleverinvoTarget("globex"), clients)).status).toBe(200);
      expect(cleverinvo.control.count("GET /api/v1/clients")).toBe(2);
      expect(http.budgets()).toEqual([
        {
          tenantId: "acme",
          source: "cleverinvo",
          limit: 120,
          remaining: 0,
          resetAt: PINNED.getTime() + 50_000,
        },
        {
          tenantId: "globex",
          source: "cleverinvo",
          limit: 120,
          remaining: 119,
          resetAt: PINNED.getTime() + 50_000,
        },
      ]);
    });

    it("two HttpLayers share one budget through Redis", async () => {
      // Both tenants use the one simulator key here: room for acme's 4 and globex's 1.
      simLimit(5);
      const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
      const keyPrefix = `test:upstream-budget:${randomUUID()}:`;
      try {
        const shared = (): HttpLayer =>
          layer({
            rateBudgets: {
              limits: { cleverinvo: { ...threePerMinute, limit: 4 } },
              redis: { client: redis, keyPrefix },
            },
            clock: pinned,
          });
        const first = shared();
        const second = shared();
        expect((await first.request(cleverinvoTarget(), clients)).status).toBe(200);
        expect((await second.request(cleverinvoTarget(), clients)).status).toBe(200);
        expect((await second.request(cleverinvoTarget(), clients)).status).toBe(200);
        expect((await first.request(cleverinvoTarget(), clients)).status).toBe(200);
        for (const http of [first, second]) {
          expect((await failure(http.request(cleverinvoTarget(), clients))).message).toBe(
            "cleverinvo GET /clients was not sent: this tenant's cleverinvo rate budget (4 requests per minute) is spent; retry in 50 s",
          );
        }
        expect(cleverinvo.control.count("GET /api/v1/clients")).toBe(4);
        // One counter for the tenant's CleverInvo credential in the UTC minute 12:30, expiring with it.
        const windowStart = Date.parse("2026-03-01T12:30:00Z");
        expect(await redis.get(`${keyPrefix}acme:cleverinvo:${windowStart}`)).toBe("4");
        const ttl = await redis.pttl(`${keyPrefix}acme:cleverinvo:${windowStart}`);
        expect(ttl).toBeGreaterThan(40_000);
        expect(ttl).toBeLessThanOrEqual(50_000);
        // Another tenant has a budget of its own.
        expect((await first.request(cleverinvoTarget("globex"), clients)).status).toBe(200);
      } finally {
        const keys = await redis.keys(`${keyPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      }
    });

    it("a 429 seen by one instance holds the other's requests too (Redis)", async () => {
      simLimit(1_000);
      const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
      const keyPrefix = `test:upstream-budget:${randomUUID()}:`;
      try {
        const options = { rateBudgets: { redis: { client: redis, keyPrefix } }, clock: pinned };
        const first = layer(options);
        const second = layer(options);
        cleverinvo.control.injectFault({ kind: "rateLimit", times: 1 });
        expect((await failure(first.request(cleverinvoTarget(), clients))).extensions.upstreamStatus).toBe(
          429,
        );
        // The shared marker is written after the answer, without the request waiting on it.
        await expect
          .poll(() => redis.pttl(`${keyPrefix}acme:cleverinvo:blocked`), { interval: 5 })
          .toBeGreaterThan(0);
        const held = await failure(second.request(cleverinvoTarget(), clients));
        expect(held.message).toMatch(
          /^cleverinvo GET \/clients was not sent: cleverinvo asked to wait after answering HTTP 429; retry in (49|50) s$/,
        );
        expect(cleverinvo.control.count("GET /api/v1/clients")).toBe(1);
      } finally {
        const keys = await redis.keys(`${keyPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      }
    });

    it("when Redis cannot be reached, each instance counts alone", async () => {
      simLimit(2);
      // A port nobody listens on: every command fails at once (no offline queue).
      const probe = createServer();
      probe.listen(0, "127.0.0.1");
      await once(probe, "listening");
      const port = (probe.address() as { port: number }).port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const redis = new Redis({
        host: "127.0.0.1",
        port,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
      });
      redis.on("error", () => {});
      const unavailable: unknown[] = [];
      try {
        const http = layer({
          rateBudgets: {
            limits: { cleverinvo: { ...threePerMinute, limit: 2 } },
            redis: {
              client: redis,
              keyPrefix: "test:unreachable:",
              onUnavailable: (error) => unavailable.push(error),
            },
          },
          clock: pinned,
        });
        expect((await http.request(cleverinvoTarget(), clients)).status).toBe(200);
        expect((await http.request(cleverinvoTarget(), clients)).status).toBe(200);
        expect((await failure(http.request(cleverinvoTarget(), clients))).code).toBe("UPSTREAM_RATE_LIMITED");
        expect(cleverinvo.control.count("GET /api/v1/clients")).toBe(2);
        // Told once: Redis is left alone for a second after a failure (the pinned clock never gets there).
        expect(unavailable).toHaveLength(1);
      } finally {
        redis.disconnect();
      }
    });
  });

  it("ARTISAN's window opened by the first request is shared through Redis too", async () => {
    const artisan = createArtisanSim({
      companies: [ARTISAN_DEMO_COMPANY],
      rateLimit: { limit: 2, windowMs: 60_000 },
      now: () => PINNED,
    });
    const artisanTarget: UpstreamTarget = {
      source: "artisan",
      tenantId: "acme",
      baseUrl: await artisan.listen(0),
      headers: { authorization: `Bearer ${ARTISAN_DEMO_TOKEN}` },
      timeoutMs: 2_000,
    };
    const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
    const keyPrefix = `test:upstream-budget:${randomUUID()}:`;
    try {
      const options = {
        rateBudgets: {
          limits: { artisan: { limit: 2, windowMs: 60_000, window: "first-request" } },
          redis: { client: redis, keyPrefix },
        },
        clock: pinned,
      } as const;
      const first = layer(options);
      const second = layer(options);
      const customers: UpstreamRequest = { method: "GET", path: "/customers", route: "/customers" };
      expect((await first.request(artisanTarget, customers)).status).toBe(200);
      expect((await second.request(artisanTarget, customers)).status).toBe(200);
      for (const http of [first, second]) {
        const refused = await failure(http.request(artisanTarget, customers));
        expect(refused.message).toBe(
          "artisan GET /customers was not sent: this tenant's artisan rate budget (2 requests per minute) is spent; retry in 60 s",
        );
      }
      expect(artisan.control.count("GET /api/v1/customers")).toBe(2);
      // The window is the counter's lifetime, opened by the first request.
      expect(await redis.get(`${keyPrefix}acme:artisan`)).toBe("2");
      const ttl = await redis.pttl(`${keyPrefix}acme:artisan`);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await artisan.close();
    }
  });

  it("a read waits for the next window when that fits in its deadline; the upstream never answers 429", async () => {
    const artisan = createArtisanSim({
      companies: [ARTISAN_DEMO_COMPANY],
      rateLimit: { limit: 2, windowMs: 1_000 },
    });
    const artisanTarget: UpstreamTarget = {
      source: "artisan",
      tenantId: "acme",
      baseUrl: await artisan.listen(0),
      headers: { authorization: `Bearer ${ARTISAN_DEMO_TOKEN}` },
      timeoutMs: 2_000,
    };
    try {
      const http = layer({
        rateBudgets: { limits: { artisan: { limit: 2, windowMs: 1_000, window: "first-request" } } },
      });
      const statuses: Array<number | null> = [];
      http.observe((event) => statuses.push(event.status));
      const customers: UpstreamRequest = { method: "GET", path: "/customers", route: "/customers" };
      const started = performance.now();
      const responses = await Promise.all(
        [1, 2, 3].map(() => http.forRequest(inMs(5_000)).request(artisanTarget, customers)),
      );
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(990);
      expect(statuses).toEqual([200, 200, 200]);
      expect(artisan.control.count("GET /api/v1/customers")).toBe(3);

      // A wait past the deadline is not made: refused at once.
      const before = performance.now();
      await http.request(artisanTarget, customers);
      const refused = await failure(http.forRequest(inMs(300)).request(artisanTarget, customers));
      expect(refused.code).toBe("UPSTREAM_RATE_LIMITED");
      expect(performance.now() - before).toBeLessThan(250);
    } finally {
      await artisan.close();
    }
  });

  it("without the rateBudgets option nothing is counted", async () => {
    const http = layer();
    for (let i = 0; i < 70; i++) await http.request(target(), GET_ITEMS);
    expect(sim.control.count("GET /api/v1/items")).toBe(70);
    expect(http.budgets()).toEqual([]);
  });
});

describe("circuit breaker per upstream and tenant", () => {
  const T = Date.parse("2026-03-01T12:00:00Z");

  /** A layer with the default breaker (5 failures, 10 s) on a clock the test moves. */
  function breakerLayer(overrides: Partial<HttpLayerOptions> = {}) {
    let now = T;
    const changes: BreakerChange[] = [];
    const http = layer({ breaker: {}, clock: () => now, ...overrides });
    http.onBreakerChange((change) => changes.push(change));
    return {
      http,
      changes,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  const openedAfterFive = "artisan GET /items was not sent: circuit open after 5 failures";

  it("opens after exactly 5 consecutive failures, then fails fast without calling the upstream", async () => {
    const { http, changes } = breakerLayer();
    sim.control.injectFault({ kind: "status", status: 503 });
    for (let i = 0; i < 5; i++) {
      expect((await failure(http.request(target(), GET_ITEMS))).message).toBe(
        "artisan GET /items failed: HTTP 503",
      );
    }
    expect(sim.control.count()).toBe(5);
    const refused = await failure(http.request(target(), GET_ITEMS));
    expect(refused.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(refused.message).toBe(`${openedAfterFive}; retrying in 10 s`);
    expect(refused.extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE", source: "artisan" });
    expect((await failure(http.request(target(), POST_ITEM))).message).toBe(
      "artisan POST /items was not sent: circuit open after 5 failures; retrying in 10 s",
    );
    expect(sim.control.count()).toBe(5);
    expect(http.breakers()).toEqual([
      { tenantId: "acme", source: "artisan", state: "open", failures: 5, openedAt: T },
    ]);
    expect(changes).toEqual([
      { tenantId: "acme", source: "artisan", state: "open", previous: "closed", failures: 5, openedAt: T },
    ]);

    // Per tenant and per source: the others still reach the upstream.
    sim.control.clearFaults();
    expect((await http.request(target({ tenantId: "globex" }), GET_ITEMS)).status).toBe(200);
    expect((await http.request(target({ source: "cleanitall" }), GET_ITEMS)).status).toBe(200);
    expect(sim.control.count()).toBe(7);
    expect((await failure(http.request(target(), GET_ITEMS))).message).toBe(
      `${openedAfterFive}; retrying in 10 s`,
    );
    expect(sim.control.count()).toBe(7);
  });

  it("after the cooldown one probe goes through (half-open); its success closes the circuit", async () => {
    const { http, changes, advance } = breakerLayer();
    sim.control.injectFault({ kind: "status", status: 503, times: 5 });
    for (let i = 0; i < 5; i++) await failure(http.request(target(), GET_ITEMS));
    advance(6_000);
    expect((await failure(http.request(target(), GET_ITEMS))).message).toBe(
      `${openedAfterFive}; retrying in 4 s`,
    );
    advance(4_000);

    sim.control.setLatency(100);
    const probe = http.request(target(), GET_ITEMS);
    const during = await failure(http.request(target(), GET_ITEMS));
    expect(during.message).toBe(`${openedAfterFive}; a probe request is checking the upstream`);
    expect(http.breakers()[0]?.state).toBe("half-open");
    expect((await probe).status).toBe(200);
    expect(http.breakers()).toEqual([
      { tenantId: "acme", source: "artisan", state: "closed", failures: 0, openedAt: null },
    ]);
    sim.control.setLatency(0);
    expect((await http.request(target(), GET_ITEMS)).status).toBe(200);
    expect(sim.control.count()).toBe(7);
    expect(changes.map((change) => `${change.previous} -> ${change.state}`)).toEqual([
      "closed -> open",
      "open -> half-open",
      "half-open -> closed",
    ]);
  });

  it("a failed probe opens the circuit again for another cooldown", async () => {
    const { http, changes, advance } = breakerLayer();
    sim.control.injectFault({ kind: "drop" });
    for (let i = 0; i < 5; i++) await failure(http.request(target(), GET_ITEMS));
    advance(10_000);
    expect((await failure(http.request(target(), GET_ITEMS))).code).toBe("UPSTREAM_UNAVAILABLE");
    expect(sim.control.count()).toBe(6);
    expect(http.breakers()).toEqual([
      { tenantId: "acme", source: "artisan", state: "open", failures: 6, openedAt: T + 10_000 },
    ]);
    expect((await failure(http.request(target(), GET_ITEMS))).message).toBe(
      "artisan GET /items was not sent: circuit open after 6 failures; retrying in 10 s",
    );
    expect(changes.map((change) => change.state)).toEqual(["open", "half-open", "open"]);
  });

  it("each retry counts; the retry after the failure that opened the circuit is not made", async () => {
    const { http } = breakerLayer({ retries: 2 });
    sim.control.injectFault({ kind: "status", status: 503 });
    await failure(http.request(target(), GET_ITEMS));
    expect(sim.control.count()).toBe(3);
    const second = await failure(http.request(target(), GET_ITEMS));
    expect(second.message).toBe(
      "artisan GET /items failed: HTTP 503 (not retried: circuit open after 5 failures)",
    );
    expect(second.extensions).toEqual({
      code: "UPSTREAM_UNAVAILABLE",
      source: "artisan",
      upstreamStatus: 503,
    });
    expect(sim.control.count()).toBe(5);
  });

  it("timeouts count; 4xx answers reset the count; 429s and deadline cuts count neither way", async () => {
    const { http } = breakerLayer();
    sim.control.injectFault({ kind: "status", status: 500, times: 4 });
    for (let i = 0; i < 4; i++) await failure(http.request(target(), GET_ITEMS));
    expect((await http.request(target(), { method: "GET", path: "/nope", route: "/nope" })).status).toBe(404);
    expect(http.breakers()[0]?.failures).toBe(0);

    sim.control.injectFault({ kind: "slow", delayMs: 2_000, times: 4 });
    for (let i = 0; i < 4; i++) await failure(http.request(target({ timeoutMs: 50 }), GET_ITEMS));
    sim.control.injectFault({ kind: "rateLimit", times: 1 });
    expect((await failure(http.request(target(), GET_ITEMS))).code).toBe("UPSTREAM_RATE_LIMITED");
    sim.control.injectFault({ kind: "slow", delayMs: 2_000, times: 1 });
    const cut = await failure(http.forRequest(inMs(50)).request(target(), GET_ITEMS));
    expect(cut.message).toBe("artisan GET /items timed out: the request's deadline passed");
    expect(http.breakers()[0]).toMatchObject({ state: "closed", failures: 4 });

    sim.control.injectFault({ kind: "slow", delayMs: 2_000, times: 1 });
    expect((await failure(http.request(target({ timeoutMs: 50 }), GET_ITEMS))).message).toBe(
      "artisan GET /items timed out after 50 ms",
    );
    expect(http.breakers()[0]).toMatchObject({ state: "open", failures: 5 });
    expect(sim.control.count()).toBe(12);
  });

  it("threshold and cooldown are options", async () => {
    const { http, advance } = breakerLayer({ breaker: { threshold: 2, cooldownMs: 30_000 } });
    sim.control.injectFault({ kind: "status", status: 502 });
    await failure(http.request(target(), GET_ITEMS));
    await failure(http.request(target(), GET_ITEMS));
    advance(1_000);
    expect((await failure(http.request(target(), GET_ITEMS))).message).toBe(
      "artisan GET /items was not sent: circuit open after 2 failures; retrying in 29 s",
    );
    expect(sim.control.count()).toBe(2);
  });

  it("without the breaker option failures never stop requests", async () => {
    const http = layer();
    sim.control.injectFault({ kind: "status", status: 503 });
    for (let i = 0; i < 8; i++) await failure(http.request(target(), GET_ITEMS));
    expect(sim.control.count()).toBe(8);
    expect(http.breakers()).toEqual([]);
  });
});
