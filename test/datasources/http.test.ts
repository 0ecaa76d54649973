import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLEANITALL_DEMO_KEY, type CleanItAllSim, createCleanItAllSim } from "../../sim/cleanitall/index.js";
import { type SimRequest, SimServer } from "../../sim/core/server.js";
import {
  buildQueryString,
  HttpLayer,
  type HttpLayerOptions,
  retryDelayFromHeaders,
  type UpstreamObserver,
  type UpstreamRequest,
  type UpstreamTarget,
} from "../../src/datasources/http.js";
import { UpstreamError } from "../../src/errors.js";

const SECRET_TOKEN = "artisan-secret-token-7f3a9c";
const SECRET_KEY = "x-key-secret-0b1d2e";

/** What the 429 fault answers with; tests set it before injecting a `rateLimit` fault. */
let retryAfter = "0";
/** What `GET /api/v1/catalog` answers: a body over ParsedBodies' 2 KB floor, and its status. */
let catalog: { status: number; names: string[] } = { status: 200, names: [] };
const catalogNames = () =>
  Array.from({ length: 300 }, (_, index) => `item ${String(index).padStart(3, "0")}`);

/** Authorization headers the server saw, in order. */
const seenAuth: Array<string | undefined> = [];

const sim = new SimServer({
  name: "test-upstream",
  routes: [
    {
      method: "GET",
      pattern: "/api/v1/items",
      handler: (req: SimRequest) => {
        seenAuth.push(req.headers.authorization);
        return {
          status: 200,
          body: {
            data: [{ id: 1 }, { id: 2 }],
            query: Object.fromEntries(req.query),
            accept: req.headers.accept,
          },
        };
      },
    },
    {
      method: "GET",
      pattern: "/api/v1/items/:id",
      handler: (req) => ({ status: 200, body: { id: req.params.id } }),
    },
    {
      method: "GET",
      pattern: "/api/v1/headers",
      handler: (req) => ({ status: 200, body: { key: req.headers["idempotency-key"] ?? null } }),
    },
    {
      method: "GET",
      pattern: "/api/v1/catalog",
      handler: (req) => ({
        status: catalog.status,
        body: { names: catalog.names, page: req.query.get("page") ?? "1" },
      }),
    },
    {
      method: "GET",
      pattern: "/api/v1/other",
      handler: () => ({ status: 200, body: { other: true } }),
    },
    {
      method: "GET",
      pattern: "/api/v1/empty",
      handler: () => ({ status: 204 }),
    },
    {
      method: "GET",
      pattern: "/api/v1/html",
      handler: () => ({
        status: 200,
        raw: Buffer.from("<html>maintenance</html>"),
        contentType: "text/html",
      }),
    },
    {
      method: "POST",
      pattern: "/api/v1/items",
      handler: (req) => ({
        status: 201,
        body: { created: JSON.parse(req.rawBody.toString("utf8")), type: req.headers["content-type"] },
      }),
    },
    {
      method: "PUT",
      pattern: "/api/v1/items/:id",
      handler: (req) => ({ status: 200, body: { put: req.params.id } }),
    },
    {
      method: "PATCH",
      pattern: "/api/v1/items/:id",
      handler: (req) => ({ status: 200, body: { patched: req.params.id } }),
    },
    { method: "DELETE", pattern: "/api/v1/items/:id", handler: () => ({ status: 204 }) },
  ],
  notFound: (req) => ({ status: 404, body: { error: `No route ${req.path}` } }),
  serverError: (status) => ({ status, body: { error: "Server Error" } }),
  rateLimited: () => ({
    status: 429,
    headers: { "retry-after": retryAfter },
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
  seenAuth.length = 0;
  retryAfter = "0";
  catalog = { status: 200, names: catalogNames() };
  await Promise.all(layers.splice(0).map((layer) => layer.close()));
});

function layer(overrides: Partial<HttpLayerOptions> = {}): HttpLayer {
  const created = new HttpLayer({
    timeoutMs: 2_000,
    retries: 2,
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
    headers: { authorization: `Bearer ${SECRET_TOKEN}`, "x-api-key": SECRET_KEY },
    timeoutMs: 2_000,
    ...overrides,
  };
}

const GET_ITEMS: UpstreamRequest = { method: "GET", path: "/items", route: "/items" };

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

function expectNoSecrets(error: UpstreamError): void {
  const visible = `${error.message} ${JSON.stringify(error.extensions)} ${error.stack ?? ""}`;
  expect(visible).not.toContain(SECRET_TOKEN);
  expect(visible).not.toContain(SECRET_KEY);
}

describe("HttpLayer: requests", () => {
  it("sends auth headers, accept, query (dropping undefined) below the base URL path", async () => {
    const response = await layer().request(target(), {
      ...GET_ITEMS,
      query: { page: 2, per_page: 10, active: true, skip: undefined, q: "a b&c" },
    });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.body).toEqual({
      data: [{ id: 1 }, { id: 2 }],
      query: { page: "2", per_page: "10", active: "true", q: "a b&c" },
      accept: "application/json",
    });
    expect(seenAuth).toEqual([`Bearer ${SECRET_TOKEN}`]);
    expect(sim.control.requests.map((r) => `${r.method} ${r.path}${r.query}`)).toEqual([
      "GET /api/v1/items?page=2&per_page=10&active=true&q=a+b%26c",
    ]);
  });

  it("sends a JSON body with its content type", async () => {
    const response = await layer().request(target(), {
      method: "POST",
      path: "/items",
      route: "/items",
      body: { name: "Tap" },
    });
    expect(response).toMatchObject({
      status: 201,
      body: { created: { name: "Tap" }, type: "application/json" },
    });
  });

  it("returns 4xx answers (not errors) and null for an empty body", async () => {
    const http = layer();
    expect(await http.request(target(), { method: "GET", path: "/nope", route: "/nope" })).toMatchObject({
      status: 404,
      body: { error: "No route /api/v1/nope" },
    });
    expect(await http.request(target(), { method: "GET", path: "/empty", route: "/empty" })).toMatchObject({
      status: 204,
      body: null,
    });
    expect(sim.control.count()).toBe(2);
  });

  it("a non-JSON 200 body is UPSTREAM_ERROR, not retried", async () => {
    const error = await failure(layer().request(target(), { method: "GET", path: "/html", route: "/html" }));
    expect(error.code).toBe("UPSTREAM_ERROR");
    expect(error.message).toBe("artisan GET /html answered HTTP 200 with a body that is not JSON");
    expect(error.extensions).toEqual({ code: "UPSTREAM_ERROR", source: "artisan", upstreamStatus: 200 });
    expect(sim.control.count("GET /api/v1/html")).toBe(1);
    expectNoSecrets(error);
  });

  it("buildQueryString", () => {
    expect(buildQueryString(undefined)).toBe("");
    expect(buildQueryString({ a: undefined })).toBe("");
    expect(buildQueryString({ a: 1, b: "x y", c: false })).toBe("?a=1&b=x+y&c=false");
  });
});

describe("HttpLayer: retries", () => {
  it.each([
    [500, "UPSTREAM_ERROR"],
    [502, "UPSTREAM_UNAVAILABLE"],
    [503, "UPSTREAM_UNAVAILABLE"],
    [504, "UPSTREAM_UNAVAILABLE"],
  ] as const)("GET on a persistent %i: 1 + retries attempts, then %s", async (status, code) => {
    sim.control.injectFault({ kind: "status", status });
    const error = await failure(layer({ retries: 2 }).request(target(), GET_ITEMS));
    expect(sim.control.count("GET /api/v1/items")).toBe(3);
    expect(error.code).toBe(code);
    expect(error.message).toBe(`artisan GET /items failed: HTTP ${status}`);
    expect(error.extensions).toEqual({ code, source: "artisan", upstreamStatus: status });
    expectNoSecrets(error);
  });

  it("GET on dropped connections: 1 + retries attempts, then UPSTREAM_UNAVAILABLE", async () => {
    sim.control.injectFault({ kind: "drop" });
    const error = await failure(layer({ retries: 3 }).request(target(), GET_ITEMS));
    expect(sim.control.count("GET /api/v1/items")).toBe(4);
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).toMatch(/^artisan GET \/items failed: /);
    expect(error.extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE", source: "artisan" });
    expectNoSecrets(error);
  });

  it("a transient failure then success: the GET succeeds on its retry", async () => {
    sim.control.injectFault({ kind: "status", status: 503, times: 1 });
    sim.control.injectFault({ kind: "drop", times: 1 });
    const response = await layer({ retries: 2 }).request(target(), GET_ITEMS);
    expect(response.status).toBe(200);
    expect(sim.control.count("GET /api/v1/items")).toBe(3);
    expect(sim.control.requests.map((r) => r.faulted)).toEqual(["status", "drop", null]);
  });

  it("retries: 0 makes one attempt", async () => {
    sim.control.injectFault({ kind: "status", status: 503 });
    const error = await failure(layer({ retries: 0 }).request(target(), GET_ITEMS));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(sim.control.count()).toBe(1);
  });

  it("POST and PATCH are never retried (one request on 503 or a dropped connection)", async () => {
    const http = layer({ retries: 3 });
    sim.control.injectFault({ kind: "status", status: 503 });
    const post = await failure(
      http.request(target(), { method: "POST", path: "/items", route: "/items", body: {} }),
    );
    expect(post.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(post.message).toBe("artisan POST /items failed: HTTP 503");
    expect(sim.control.count("POST /api/v1/items")).toBe(1);

    const patch = await failure(
      http.request(target(), { method: "PATCH", path: "/items/7", route: "/items/:id", body: { a: 1 } }),
    );
    expect(patch.message).toBe("artisan PATCH /items/:id failed: HTTP 503");
    expect(sim.control.count("PATCH /api/v1/items/:id")).toBe(1);

    sim.control.clearFaults();
    sim.control.injectFault({ kind: "drop" });
    const dropped = await failure(
      http.request(target(), { method: "POST", path: "/items", route: "/items", body: {} }),
    );
    expect(dropped.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(sim.control.count("POST /api/v1/items")).toBe(2);
  });

  it("writes are retried only when marked idempotent; unmarked PUT and DELETE are sent once", async () => {
    const http = layer({ retries: 1 });
    sim.control.injectFault({ kind: "status", status: 503, times: 1 });
    const put = { method: "PUT", path: "/items/7", route: "/items/:id", body: {} } as const;
    const once = await http.request(target(), put).catch((error: UpstreamError) => error);
    expect((once as UpstreamError).code).toBe("UPSTREAM_UNAVAILABLE");
    sim.control.injectFault({ kind: "status", status: 503, times: 1 });
    expect((await http.request(target(), { ...put, effect: "idempotent-write" })).body).toEqual({ put: "7" });
    sim.control.injectFault({ kind: "drop", times: 1 });
    const del = {
      method: "DELETE",
      path: "/items/7",
      route: "/items/:id",
      effect: "idempotent-write",
    } as const;
    expect((await http.request(target(), del)).status).toBe(204);
    expect(sim.control.snapshot()).toEqual({ "DELETE /api/v1/items/:id": 2, "PUT /api/v1/items/:id": 3 });
  });

  it("a GET marked as a write is neither cached nor retried, and carries its own headers", async () => {
    const http = layer({ retries: 2 });
    const get = {
      method: "GET",
      path: "/headers",
      route: "/headers",
      effect: "write",
      headers: { "idempotency-key": "k1" },
    } as const;
    expect((await http.request(target(), get)).body).toEqual({ key: "k1" });
    await http.request(target(), get);
    sim.control.injectFault({ kind: "status", status: 503, times: 1 });
    await http.request(target(), get).catch(() => undefined);
    expect(sim.control.count("GET /api/v1/headers")).toBe(3);
  });

  it("429 with Retry-After: 0 is retried and succeeds", async () => {
    retryAfter = "0";
    sim.control.injectFault({ kind: "rateLimit", times: 1 });
    const response = await layer({ retries: 2 }).request(target(), GET_ITEMS);
    expect(response.status).toBe(200);
    expect(sim.control.count("GET /api/v1/items")).toBe(2);
  });

  it("429 with a long Retry-After fails fast with UPSTREAM_RATE_LIMITED and retryAfterSeconds", async () => {
    retryAfter = "3600";
    sim.control.injectFault({ kind: "rateLimit" });
    const started = performance.now();
    const error = await failure(layer({ retries: 2, maxRetryAfterMs: 2_000 }).request(target(), GET_ITEMS));
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
    expect(error.code).toBe("UPSTREAM_RATE_LIMITED");
    expect(error.message).toBe("artisan GET /items was rate limited by the upstream");
    expect(error.extensions).toEqual({
      code: "UPSTREAM_RATE_LIMITED",
      source: "artisan",
      upstreamStatus: 429,
      retryAfterSeconds: 3600,
    });
    expectNoSecrets(error);
  });

  it("429 with an empty Retry-After is retried, then UPSTREAM_RATE_LIMITED", async () => {
    sim.control.injectFault({ kind: "rateLimit" });
    retryAfter = "";
    const error = await failure(layer({ retries: 1 }).request(target(), GET_ITEMS));
    expect(sim.control.count("GET /api/v1/items")).toBe(2);
    expect(error.code).toBe("UPSTREAM_RATE_LIMITED");
  });

  it("a per-attempt timeout is UPSTREAM_TIMEOUT, returned within about the timeout", async () => {
    sim.control.injectFault({ kind: "slow", delayMs: 5_000 });
    const started = performance.now();
    const error = await failure(layer({ retries: 0 }).request(target({ timeoutMs: 200 }), GET_ITEMS));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_000);
    expect(error.code).toBe("UPSTREAM_TIMEOUT");
    expect(error.message).toBe("artisan GET /items timed out after 200 ms");
    expect(error.extensions).toEqual({ code: "UPSTREAM_TIMEOUT", source: "artisan" });
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
    expectNoSecrets(error);
  });

  it("a timed-out GET is retried; each attempt has its own timeout", async () => {
    sim.control.injectFault({ kind: "slow", delayMs: 5_000, times: 2 });
    const started = performance.now();
    const response = await layer({ retries: 2 }).request(target({ timeoutMs: 150 }), GET_ITEMS);
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(sim.control.count("GET /api/v1/items")).toBe(3);
  });

  it("a refused connection is UPSTREAM_UNAVAILABLE naming the code", async () => {
    const closed = new SimServer({
      name: "closed",
      routes: [],
      notFound: () => ({ status: 404 }),
      serverError: (status) => ({ status }),
      rateLimited: () => ({ status: 429 }),
    });
    const origin = await closed.listen(0);
    await closed.close();
    const error = await failure(
      layer({ retries: 1 }).request(target({ baseUrl: `${origin}/api/v1` }), GET_ITEMS),
    );
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).toBe("artisan GET /items failed: connection error (ECONNREFUSED)");
    expectNoSecrets(error);
  });

  it("observe() sees every attempt: retries, the final outcome, cache hits; unsubscribe stops it", async () => {
    const http = layer({ retries: 2, cache: { ttlMs: 60_000, maxEntries: 10 } });
    const events: Array<Parameters<UpstreamObserver>[0]> = [];
    const stop = http.observe((event) => events.push(event));
    sim.control.injectFault({ kind: "status", status: 503, times: 2 });
    await http.request(target(), GET_ITEMS);
    await http.request(target(), GET_ITEMS);
    expect(events.map(({ durationMs: _durationMs, ...rest }) => rest)).toEqual([
      {
        source: "artisan",
        tenantId: "acme",
        method: "GET",
        route: "/items",
        status: 503,
        outcome: "retry",
        cached: false,
      },
      {
        source: "artisan",
        tenantId: "acme",
        method: "GET",
        route: "/items",
        status: 503,
        outcome: "retry",
        cached: false,
      },
      {
        source: "artisan",
        tenantId: "acme",
        method: "GET",
        route: "/items",
        status: 200,
        outcome: "ok",
        cached: false,
      },
      {
        source: "artisan",
        tenantId: "acme",
        method: "GET",
        route: "/items",
        status: 200,
        outcome: "ok",
        cached: true,
      },
    ]);
    for (const event of events) expect(event.durationMs).toBeGreaterThanOrEqual(0);

    events.length = 0;
    sim.control.injectFault({ kind: "drop" });
    await failure(http.request(target(), { method: "GET", path: "/other", route: "/other" }));
    expect(events.map((event) => [event.status, event.outcome])).toEqual([
      [null, "retry"],
      [null, "retry"],
      [null, "error"],
    ]);

    stop();
    events.length = 0;
    await http.request(target(), GET_ITEMS);
    expect(events).toEqual([]);
  });
});

describe("HttpLayer: cross-request cache", () => {
  const cached = () => layer({ cache: { ttlMs: 60_000, maxEntries: 100 } });

  it("two sequential identical GETs -> one upstream request", async () => {
    const http = cached();
    const first = await http.request(target(), GET_ITEMS);
    const second = await http.request(target(), GET_ITEMS);
    expect(second).toEqual(first);
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
  });

  it("the query string is part of the key", async () => {
    const http = cached();
    await http.request(target(), { ...GET_ITEMS, query: { page: 1 } });
    await http.request(target(), { ...GET_ITEMS, query: { page: 2 } });
    await http.request(target(), { ...GET_ITEMS, query: { page: 1 } });
    expect(sim.control.count("GET /api/v1/items")).toBe(2);
  });

  it("different tenants and different sources are separate entries", async () => {
    const http = cached();
    await http.request(target(), GET_ITEMS);
    await http.request(target({ tenantId: "globex" }), GET_ITEMS);
    await http.request(target({ source: "cleanitall" }), GET_ITEMS);
    expect(sim.control.count("GET /api/v1/items")).toBe(3);
    await http.request(target(), GET_ITEMS);
    await http.request(target({ tenantId: "globex" }), GET_ITEMS);
    await http.request(target({ source: "cleanitall" }), GET_ITEMS);
    expect(sim.control.count("GET /api/v1/items")).toBe(3);
  });

  it("concurrent identical GETs share one upstream request (in-flight de-duplication)", async () => {
    const http = cached();
    sim.control.setLatency(100);
    const responses = await Promise.all(Array.from({ length: 5 }, () => http.request(target(), GET_ITEMS)));
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
    for (const response of responses) expect(response).toBe(responses[0]);
  });

  it("in-flight de-duplication holds when the upstream is slower than the TTL", async () => {
    const http = layer({ cache: { ttlMs: 20, maxEntries: 100 } });
    sim.control.setLatency(150);
    const first = http.request(target(), GET_ITEMS);
    // Wait until the first request reached the upstream (and its TTL ran out), then ask again.
    await expect.poll(() => sim.control.count("GET /api/v1/items"), { interval: 5 }).toBe(1);
    await sleep(40);
    const second = http.request(target(), GET_ITEMS);
    expect(await second).toBe(await first);
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
  });

  it("an entry expires ttlMs after its answer arrived", async () => {
    const http = layer({ cache: { ttlMs: 40, maxEntries: 100 } });
    await http.request(target(), GET_ITEMS);
    await http.request(target(), GET_ITEMS);
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
    // No signal for a TTL running out: wait it out.
    await sleep(80);
    await http.request(target(), GET_ITEMS);
    expect(sim.control.count("GET /api/v1/items")).toBe(2);
  });

  it("concurrent callers of a failing GET share the failure; it is not cached", async () => {
    const http = layer({ retries: 0, cache: { ttlMs: 60_000, maxEntries: 100 } });
    sim.control.injectFault({ kind: "status", status: 503, times: 1 });
    sim.control.setLatency(50);
    const results = await Promise.allSettled([
      http.request(target(), GET_ITEMS),
      http.request(target(), GET_ITEMS),
    ]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    expect(sim.control.count("GET /api/v1/items")).toBe(1);
    sim.control.setLatency(0);
    expect((await http.request(target(), GET_ITEMS)).status).toBe(200);
    expect((await http.request(target(), GET_ITEMS)).status).toBe(200);
    expect(sim.control.count("GET /api/v1/items")).toBe(2);
  });

  it("non-2xx answers are not cached", async () => {
    const http = cached();
    const missing: UpstreamRequest = { method: "GET", path: "/missing", route: "/missing" };
    expect((await http.request(target(), missing)).status).toBe(404);
    expect((await http.request(target(), missing)).status).toBe(404);
    expect(sim.control.count()).toBe(2);
  });

  it("only GETs are cached", async () => {
    const http = cached();
    const post: UpstreamRequest = { method: "POST", path: "/items", route: "/items", body: { a: 1 } };
    await http.request(target(), post);
    await http.request(target(), post);
    expect(sim.control.count("POST /api/v1/items")).toBe(2);
  });

  it("no cache when ttlMs is 0, globally or per request", async () => {
    const off = layer({ cache: { ttlMs: 0, maxEntries: 100 } });
    await off.request(target(), GET_ITEMS);
    await off.request(target(), GET_ITEMS, { ttlMs: 60_000 });
    expect(sim.control.count("GET /api/v1/items")).toBe(2);

    // A per-request TTL of 0 means "do not cache" (lru-cache alone would keep it forever).
    sim.control.resetCounts();
    const http = cached();
    await http.request(target(), GET_ITEMS, { ttlMs: 0 });
    await http.request(target(), GET_ITEMS, { ttlMs: 0 });
    await http.request(target(), GET_ITEMS);
    expect(sim.control.count("GET /api/v1/items")).toBe(3);
  });

  it("invalidate(target, prefix) drops the matching entries of that tenant and source only", async () => {
    const http = cached();
    const other: UpstreamRequest = { method: "GET", path: "/other", route: "/other" };
    const item: UpstreamRequest = { method: "GET", path: "/items/7", route: "/items/:id" };
    const warm = async () => {
      await http.request(target(), GET_ITEMS);
      await http.request(target(), { ...GET_ITEMS, query: { page: 2 } });
      await http.request(target(), item);
      await http.request(target(), other);
      await http.request(target({ tenantId: "globex" }), GET_ITEMS);
      await http.request(target({ source: "cleanitall" }), GET_ITEMS);
    };
    await warm();
    expect(sim.control.snapshot()).toEqual({
      "GET /api/v1/items": 4,
      "GET /api/v1/items/:id": 1,
      "GET /api/v1/other": 1,
    });

    expect(http.invalidate(target(), "/items")).toBe(3);
    expect(http.invalidate(target(), "/items")).toBe(0);
    sim.control.resetCounts();
    await warm();
    expect(sim.control.snapshot()).toEqual({ "GET /api/v1/items": 2, "GET /api/v1/items/:id": 1 });

    // No prefix: everything of that tenant's source.
    expect(http.invalidate({ tenantId: "acme", source: "artisan" })).toBe(4);
    sim.control.resetCounts();
    await warm();
    expect(sim.control.snapshot()).toEqual({
      "GET /api/v1/items": 2,
      "GET /api/v1/items/:id": 1,
      "GET /api/v1/other": 1,
    });
  });

  it("invalidate() during a request keeps that (possibly stale) answer out of the cache", async () => {
    const http = cached();
    sim.control.setLatency(50);
    const inFlight = http.request(target(), GET_ITEMS);
    await expect.poll(() => sim.control.count("GET /api/v1/items"), { interval: 5 }).toBe(1);
    expect(http.invalidate(target(), "/items")).toBe(1);
    await inFlight;
    sim.control.setLatency(0);
    await http.request(target(), GET_ITEMS);
    expect(sim.control.count("GET /api/v1/items")).toBe(2);
  });

  it("invalidate() without a cache is a no-op", () => {
    expect(layer().invalidate(target(), "/items")).toBe(0);
  });
});

describe("HttpLayer: answers byte for byte the same as the last one (ParsedBodies)", () => {
  const reusing = (parsedBodyBytes = 1_000_000) =>
    layer({ cache: { ttlMs: 0, maxEntries: 100, parsedBodyBytes } });
  const CATALOG: UpstreamRequest = { method: "GET", path: "/catalog", route: "/catalog" };
  const page = (n: number): UpstreamRequest => ({ ...CATALOG, query: { page: String(n) } });

  it("come with the same parsed body, fresh headers; a changed answer is parsed afresh", async () => {
    const http = reusing();
    const first = await http.request(target(), CATALOG);
    const second = await http.request(target(), CATALOG);
    expect(second).not.toBe(first);
    expect(second.body).toBe(first.body);
    expect(second.body).toStrictEqual({ names: catalogNames(), page: "1" });

    // Same length, other bytes: never the last value.
    catalog.names[42] = "item 999";
    const third = await http.request(target(), CATALOG);
    expect(third.body).not.toBe(first.body);
    expect((third.body as { names: string[] }).names[42]).toBe("item 999");
    expect((await http.request(target(), CATALOG)).body).toBe(third.body);
    expect(sim.control.count("GET /api/v1/catalog")).toBe(4);
  });

  it("are kept per tenant, source and URL", async () => {
    const http = reusing();
    const mine = await http.request(target(), CATALOG);
    const theirs = await http.request(target({ tenantId: "other" }), CATALOG);
    const otherSource = await http.request(target({ source: "cleverinvo" }), CATALOG);
    const otherUrl = await http.request(target(), { ...CATALOG, query: { page: "1" } });
    expect(new Set([mine.body, theirs.body, otherSource.body, otherUrl.body]).size).toBe(4);
    expect(theirs.body).toStrictEqual(mine.body);
    expect((await http.request(target({ tenantId: "other" }), CATALOG)).body).toBe(theirs.body);
  });

  it("only successful reads over 2 KB: errors, writes and small bodies are parsed every time", async () => {
    const http = reusing();
    catalog.status = 404;
    const missing = await http.request(target(), CATALOG);
    expect(missing.status).toBe(404);
    expect((await http.request(target(), CATALOG)).body).not.toBe(missing.body);
    const small = await http.request(target(), GET_ITEMS);
    expect((await http.request(target(), GET_ITEMS)).body).not.toBe(small.body);
    const write: UpstreamRequest = {
      method: "POST",
      path: "/items",
      route: "/items",
      body: { names: catalogNames() },
    };
    const created = await http.request(target(), write);
    expect((await http.request(target(), write)).body).not.toBe(created.body);
  });

  it("keep at most parsedBodyBytes, least recently used out first; 0 keeps none", async () => {
    const size = Buffer.byteLength(JSON.stringify({ names: catalogNames(), page: "1" }));
    // Room for two pages' bytes, not three.
    const http = reusing(size * 2 + size / 2);
    const one = await http.request(target(), page(1));
    const two = await http.request(target(), page(2));
    expect((await http.request(target(), page(1))).body).toBe(one.body);
    await http.request(target(), page(3));
    expect((await http.request(target(), page(2))).body).not.toBe(two.body);
    expect((await http.request(target(), page(1))).body).not.toBe(one.body);

    const off = reusing(0);
    const plain = await off.request(target(), CATALOG);
    expect((await off.request(target(), CATALOG)).body).not.toBe(plain.body);
  });
});

describe("HttpLayer: secrets never appear in errors", () => {
  it("for every failure kind", async () => {
    const http = layer({ retries: 0 });
    const errors: UpstreamError[] = [];
    for (const fault of [
      { kind: "status", status: 500 },
      { kind: "status", status: 503 },
      { kind: "drop" },
      { kind: "rateLimit" },
    ] as const) {
      sim.control.clearFaults();
      sim.control.injectFault(fault);
      errors.push(await failure(http.request(target(), GET_ITEMS)));
    }
    sim.control.clearFaults();
    sim.control.injectFault({ kind: "slow", delayMs: 2_000 });
    errors.push(await failure(http.request(target({ timeoutMs: 100 }), GET_ITEMS)));
    sim.control.clearFaults();
    errors.push(await failure(http.request(target(), { method: "GET", path: "/html", route: "/html" })));
    expect(errors.map((error) => error.code)).toEqual([
      "UPSTREAM_ERROR",
      "UPSTREAM_UNAVAILABLE",
      "UPSTREAM_UNAVAILABLE",
      "UPSTREAM_RATE_LIMITED",
      "UPSTREAM_TIMEOUT",
      "UPSTREAM_ERROR",
    ]);
    for (const error of errors) expectNoSecrets(error);
  });
});

describe("retryDelayFromHeaders", () => {
  const now = Date.parse("2026-03-01T12:30:00Z");
  it("reads Retry-After seconds or HTTP date, else X-RateLimit-Reset", () => {
    expect(retryDelayFromHeaders({ "retry-after": "0" }, now)).toBe(0);
    expect(retryDelayFromHeaders({ "retry-after": "30" }, now)).toBe(30_000);
    expect(retryDelayFromHeaders({ "retry-after": "1.5" }, now)).toBe(1_500);
    expect(retryDelayFromHeaders({ "retry-after": "Sun, 01 Mar 2026 12:31:00 GMT" }, now)).toBe(60_000);
    expect(retryDelayFromHeaders({ "retry-after": "Sun, 01 Mar 2026 12:00:00 GMT" }, now)).toBe(0);
    expect(retryDelayFromHeaders({ "x-ratelimit-reset": String(now / 1000 + 1800) }, now)).toBe(1_800_000);
    expect(
      retryDelayFromHeaders({ "retry-after": "5", "x-ratelimit-reset": String(now / 1000 + 1800) }, now),
    ).toBe(5_000);
    expect(retryDelayFromHeaders({ "x-ratelimit-reset": String(now / 1000 - 10) }, now)).toBe(0);
    expect(retryDelayFromHeaders({}, now)).toBeUndefined();
    expect(retryDelayFromHeaders({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryDelayFromHeaders({ "retry-after": "-5" }, now)).toBe(0);
  });
});

describe("HttpLayer against the CleanItAll simulator", () => {
  let cleanitall: CleanItAllSim;
  let cleanitallBase = "";
  beforeAll(async () => {
    cleanitall = createCleanItAllSim({
      now: () => new Date("2026-03-01T12:30:00Z"),
      rateLimit: { limit: 1e6, windowMs: 3_600_000 },
    });
    cleanitallBase = await cleanitall.listen(0);
  });
  afterAll(() => cleanitall.close());

  const cleanitallTarget = (key: string): UpstreamTarget => ({
    source: "cleanitall",
    tenantId: "acme",
    baseUrl: cleanitallBase,
    headers: { "x-api-key": key },
    timeoutMs: 2_000,
  });

  it("reads a list; a 401 is an answer, not an error; a 503 is retried", async () => {
    const http = layer({ retries: 1 });
    const list = await http.request(cleanitallTarget(CLEANITALL_DEMO_KEY), {
      method: "GET",
      path: "/jobs",
      route: "/jobs",
      query: { limit: 2 },
    });
    expect(list.status).toBe(200);
    expect(Array.isArray((list.body as { data?: unknown }).data)).toBe(true);
    expect((list.body as { data: unknown[] }).data).toHaveLength(2);

    const denied = await http.request(cleanitallTarget(`jt_live_${"z".repeat(32)}`), {
      method: "GET",
      path: "/jobs",
      route: "/jobs",
    });
    expect(denied.status).toBe(401);

    cleanitall.control.resetCounts();
    cleanitall.control.injectFault({ kind: "status", status: 503, times: 1 });
    const retried = await http.request(cleanitallTarget(CLEANITALL_DEMO_KEY), {
      method: "GET",
      path: "/jobs",
      route: "/jobs",
      query: { limit: 1 },
    });
    expect(retried.status).toBe(200);
    expect(cleanitall.control.count("GET /api/v1/jobs")).toBe(2);
    cleanitall.control.reset();
  });
});
