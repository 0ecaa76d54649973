import { register as globalRegister } from "prom-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SimServer } from "../sim/core/server.js";
import { HttpLayer, type UpstreamTarget } from "../src/datasources/http.js";
import { createMetrics, type UpstreamEvent } from "../src/metrics.js";

/** The sample lines of one metric family (its name, or name_bucket/_sum/_count for histograms). */
function samples(body: string, name: string): string[] {
  return body
    .split("\n")
    .filter((line) => !line.startsWith("#") && (line.startsWith(`${name}{`) || line.startsWith(`${name} `)));
}

async function scrape(metrics: ReturnType<typeof createMetrics>): Promise<string> {
  return (await metrics.render()).body;
}

/** An upstream attempt as `HttpLayer.observe()` reports it. */
function attempt(overrides: Partial<UpstreamEvent>): UpstreamEvent {
  return {
    source: "artisan",
    tenantId: "acme",
    method: "GET",
    route: "/jobs",
    status: 200,
    outcome: "ok",
    durationMs: 20,
    cached: false,
    ...overrides,
  };
}

describe("upstream requests", () => {
  it("counts each attempt by source, route template, method, status and outcome; cache hits are not requests", async () => {
    const metrics = createMetrics();
    metrics.observeUpstream(attempt({}));
    metrics.observeUpstream(attempt({}));
    metrics.observeUpstream(attempt({ cached: true, durationMs: 0 }));
    metrics.observeUpstream(attempt({ route: "/jobs/:id", status: 503, outcome: "retry" }));
    metrics.observeUpstream(attempt({ route: "/jobs/:id", status: null, outcome: "retry" }));
    metrics.observeUpstream(attempt({ route: "/jobs/:id" }));
    metrics.observeUpstream(
      attempt({ source: "cleanitall", method: "POST", route: "/invoices", status: null, outcome: "error" }),
    );
    metrics.observeUpstream(
      attempt({ source: "cleverinvo", route: "/invoices", status: 429, outcome: "error" }),
    );

    const body = await scrape(metrics);
    expect(samples(body, "upstream_requests_total")).toEqual([
      'upstream_requests_total{source="artisan",route="/jobs",method="GET",status="200",outcome="ok"} 2',
      'upstream_requests_total{source="artisan",route="/jobs/:id",method="GET",status="503",outcome="retry"} 1',
      'upstream_requests_total{source="artisan",route="/jobs/:id",method="GET",status="none",outcome="retry"} 1',
      'upstream_requests_total{source="artisan",route="/jobs/:id",method="GET",status="200",outcome="ok"} 1',
      'upstream_requests_total{source="cleanitall",route="/invoices",method="POST",status="none",outcome="error"} 1',
      'upstream_requests_total{source="cleverinvo",route="/invoices",method="GET",status="429",outcome="error"} 1',
    ]);
    expect(samples(body, "upstream_retries_total")).toEqual([
      'upstream_retries_total{source="artisan",route="/jobs/:id"} 2',
    ]);
    // A retried GET is one miss; a POST is no cache request at all.
    expect(samples(body, "upstream_cache_requests_total")).toEqual([
      'upstream_cache_requests_total{source="artisan",result="miss"} 3',
      'upstream_cache_requests_total{source="artisan",result="hit"} 1',
      'upstream_cache_requests_total{source="cleverinvo",result="miss"} 1',
    ]);
  });

  it("puts each attempt's duration in seconds into the route's histogram buckets", async () => {
    const metrics = createMetrics();
    for (const durationMs of [3, 40, 40, 700, 12_000]) {
      metrics.observeUpstream(attempt({ source: "cleverinvo", route: "/invoices", durationMs }));
    }
    const labels = 'source="cleverinvo",route="/invoices"';
    const body = await scrape(metrics);
    expect(samples(body, "upstream_request_duration_seconds_bucket")).toEqual([
      `upstream_request_duration_seconds_bucket{le="0.005",${labels}} 1`,
      `upstream_request_duration_seconds_bucket{le="0.01",${labels}} 1`,
      `upstream_request_duration_seconds_bucket{le="0.025",${labels}} 1`,
      `upstream_request_duration_seconds_bucket{le="0.05",${labels}} 3`,
      `upstream_request_duration_seconds_bucket{le="0.1",${labels}} 3`,
      `upstream_request_duration_seconds_bucket{le="0.25",${labels}} 3`,
      `upstream_request_duration_seconds_bucket{le="0.5",${labels}} 3`,
      `upstream_request_duration_seconds_bucket{le="1",${labels}} 4`,
      `upstream_request_duration_seconds_bucket{le="2.5",${labels}} 4`,
      `upstream_request_duration_seconds_bucket{le="5",${labels}} 4`,
      `upstream_request_duration_seconds_bucket{le="10",${labels}} 4`,
      `upstream_request_duration_seconds_bucket{le="25",${labels}} 5`,
      `upstream_request_duration_seconds_bucket{le="+Inf",${labels}} 5`,
    ]);
    expect(samples(body, "upstream_request_duration_seconds_sum")).toEqual([
      `upstream_request_duration_seconds_sum{${labels}} 12.783`,
    ]);
    expect(samples(body, "upstream_request_duration_seconds_count")).toEqual([
      `upstream_request_duration_seconds_count{${labels}} 5`,
    ]);
  });

  it("counts a route that is not a template as other, and caps distinct routes", async () => {
    const metrics = createMetrics({ maxRoutes: 2 });
    metrics.observeUpstream(attempt({ route: "/jobs" }));
    metrics.observeUpstream(attempt({ route: "/jobs/:id" }));
    // Past the cap, and shapes a template never has: a query string, a full URL, spaces.
    metrics.observeUpstream(attempt({ route: "/customers" }));
    metrics.observeUpstream(attempt({ route: "/jobs?api_token=s3cr3t" }));
    metrics.observeUpstream(attempt({ route: "https://checkinartisan.app/api/v1/jobs" }));
    metrics.observeUpstream(attempt({ route: "/jobs/Jane Doe" }));
    metrics.observeUpstream(attempt({ route: "/jobs" }));

    const body = await scrape(metrics);
    expect(samples(body, "upstream_requests_total")).toEqual([
      'upstream_requests_total{source="artisan",route="/jobs",method="GET",status="200",outcome="ok"} 2',
      'upstream_requests_total{source="artisan",route="/jobs/:id",method="GET",status="200",outcome="ok"} 1',
      'upstream_requests_total{source="artisan",route="other",method="GET",status="200",outcome="ok"} 4',
    ]);
    expect(body).not.toContain("s3cr3t");
    expect(body).not.toContain("Jane");
  });
});

describe("upstream requests through the real HTTP layer", () => {
  const TOKEN = "artisan-token-4c1f9e7b2a";
  const PASSWORD = "hunter2-jobcloser-pw";
  const JOB_ID = "job_8812xq";
  const upstream = new SimServer({
    name: "metrics-upstream",
    routes: [
      { method: "GET", pattern: "/api/v1/jobs", handler: () => ({ status: 200, body: { data: [] } }) },
      {
        method: "GET",
        pattern: "/api/v1/jobs/:id",
        handler: (req) => ({ status: 200, body: { id: req.params.id } }),
      },
    ],
    notFound: () => ({ status: 404, body: { error: "not found" } }),
    serverError: (status) => ({ status, body: { error: "Server Error" } }),
    rateLimited: () => ({ status: 429, body: { error: "Too Many Attempts." } }),
  });
  let http: HttpLayer;
  let target: UpstreamTarget;

  beforeAll(async () => {
    await upstream.listen(0);
    target = {
      source: "artisan",
      tenantId: "acme",
      baseUrl: `${upstream.url}/api/v1`,
      headers: { authorization: `Bearer ${TOKEN}` },
      timeoutMs: 2_000,
    };
  });
  afterEach(async () => {
    upstream.control.reset();
    await http.close();
  });
  afterAll(() => upstream.close());

  it("labels requests with the route template the datasource gave, never the path, query or credentials", async () => {
    http = new HttpLayer({
      timeoutMs: 2_000,
      retries: 2,
      connections: 2,
      cache: { ttlMs: 60_000, maxEntries: 100 },
      retryBaseDelayMs: 1,
    });
    const metrics = createMetrics();
    const seen: UpstreamEvent[] = [];
    http.observe((event) => {
      seen.push(event);
      metrics.observeUpstream(event);
    });
    upstream.control.injectFault({ kind: "status", status: 503, route: "GET /api/v1/jobs/:id", times: 1 });

    const job = {
      method: "GET",
      path: `/jobs/${JOB_ID}`,
      route: "/jobs/:id",
      query: { password: PASSWORD },
    } as const;
    await http.request(target, job);
    // The same GET again is a cache hit: no request upstream.
    await http.request(target, job);
    await http.request(target, { method: "GET", path: "/jobs", route: "/jobs" });

    expect(upstream.control.snapshot()).toEqual({ "GET /api/v1/jobs/:id": 2, "GET /api/v1/jobs": 1 });
    // The observer contract: the route is the template, whatever the path held.
    expect(seen.map((event) => [event.route, event.status, event.outcome, event.cached])).toEqual([
      ["/jobs/:id", 503, "retry", false],
      ["/jobs/:id", 200, "ok", false],
      ["/jobs/:id", 200, "ok", true],
      ["/jobs", 200, "ok", false],
    ]);
    const body = await scrape(metrics);
    expect(samples(body, "upstream_requests_total")).toEqual([
      'upstream_requests_total{source="artisan",route="/jobs/:id",method="GET",status="503",outcome="retry"} 1',
      'upstream_requests_total{source="artisan",route="/jobs/:id",method="GET",status="200",outcome="ok"} 1',
      'upstream_requests_total{source="artisan",route="/jobs",method="GET",status="200",outcome="ok"} 1',
    ]);
    expect(samples(body, "upstream_request_duration_seconds_count")).toEqual([
      'upstream_request_duration_seconds_count{source="artisan",route="/jobs/:id"} 2',
      'upstream_request_duration_seconds_count{source="artisan",route="/jobs"} 1',
    ]);
    expect(samples(body, "upstream_cache_requests_total")).toEqual([
      'upstream_cache_requests_total{source="artisan",result="miss"} 2',
      'upstream_cache_requests_total{source="artisan",result="hit"} 1',
    ]);
    expect(samples(body, "upstream_retries_total")).toEqual([
      'upstream_retries_total{source="artisan",route="/jobs/:id"} 1',
    ]);
    for (const secretOrId of [JOB_ID, TOKEN, PASSWORD, "8812", upstream.url]) {
      expect(body).not.toContain(secretOrId);
    }
  });
});

describe("GraphQL operations", () => {
  it("counts operations by name, type and outcome, and times queries and mutations", async () => {
    const metrics = createMetrics();
    metrics.observeOperation({ name: "RecentJobs", type: "query", outcome: "ok", durationMs: 30 });
    metrics.observeOperation({ name: "RecentJobs", type: "query", outcome: "partial", durationMs: 80 });
    metrics.observeOperation({ name: null, type: "query", outcome: "ok", durationMs: 4 });
    metrics.observeOperation({ name: "", type: "unknown", outcome: "error", durationMs: 1 });
    metrics.observeOperation({ name: "CreateInvoice", type: "mutation", outcome: "error", durationMs: 300 });
    metrics.observeOperation({ name: "Board", type: "subscription", outcome: "ok" });

    const body = await scrape(metrics);
    expect(samples(body, "graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="RecentJobs",type="query",outcome="ok"} 1',
      'graphql_operations_total{operation="RecentJobs",type="query",outcome="partial"} 1',
      'graphql_operations_total{operation="anonymous",type="query",outcome="ok"} 1',
      'graphql_operations_total{operation="anonymous",type="unknown",outcome="error"} 1',
      'graphql_operations_total{operation="CreateInvoice",type="mutation",outcome="error"} 1',
      'graphql_operations_total{operation="Board",type="subscription",outcome="ok"} 1',
    ]);
    // A subscription's start is counted, not timed.
    expect(samples(body, "graphql_operation_duration_seconds_count")).toEqual([
      'graphql_operation_duration_seconds_count{operation="RecentJobs",type="query"} 2',
      'graphql_operation_duration_seconds_count{operation="anonymous",type="query"} 1',
      'graphql_operation_duration_seconds_count{operation="anonymous",type="unknown"} 1',
      'graphql_operation_duration_seconds_count{operation="CreateInvoice",type="mutation"} 1',
    ]);
    expect(samples(body, "graphql_operation_duration_seconds_sum")[0]).toBe(
      'graphql_operation_duration_seconds_sum{operation="RecentJobs",type="query"} 0.11',
    );
    expect(
      samples(body, "graphql_operation_duration_seconds_bucket").filter((line) =>
        line.includes('operation="RecentJobs"'),
      ),
    ).toEqual(
      ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "25", "+Inf"].map(
        (le) =>
          `graphql_operation_duration_seconds_bucket{le="${le}",operation="RecentJobs",type="query"} ${
            ["0.005", "0.01", "0.025"].includes(le) ? 0 : le === "0.05" ? 1 : 2
          }`,
      ),
    );
  });

  it("keeps the first 200 distinct operation names and counts the rest as other", async () => {
    const metrics = createMetrics();
    for (let index = 0; index < 250; index++) {
      metrics.observeOperation({ name: `Op${index}`, type: "query", outcome: "ok", durationMs: 1 });
    }
    // A name admitted before the cap keeps its own series afterwards.
    metrics.observeOperation({ name: "Op7", type: "query", outcome: "ok", durationMs: 1 });

    const lines = samples(await scrape(metrics), "graphql_operations_total");
    expect(lines).toHaveLength(201);
    expect(lines).toContain('graphql_operations_total{operation="Op199",type="query",outcome="ok"} 1');
    expect(lines).toContain('graphql_operations_total{operation="Op7",type="query",outcome="ok"} 2');
    expect(lines).toContain('graphql_operations_total{operation="other",type="query",outcome="ok"} 50');
    expect(lines.some((line) => line.includes('"Op200"'))).toBe(false);
  });

  it("never uses a name that is not a GraphQL name as a label", async () => {
    const metrics = createMetrics({ maxOperationNames: 10 });
    // What a client can put in `operationName` when the document did not parse.
    for (const name of ["Bearer sk_live_9f8e7d", "x".repeat(101), "jobs/123", "Ünïcode"]) {
      metrics.observeOperation({ name, type: "unknown", outcome: "error", durationMs: 1 });
    }
    const body = await scrape(metrics);
    expect(samples(body, "graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="other",type="unknown",outcome="error"} 4',
    ]);
    expect(body).not.toContain("sk_live");
  });
});

describe("state gauges", () => {
  it("reads breakers, rate budgets and subscriptions at each scrape", async () => {
    const metrics = createMetrics();
    let tenants = ["acme", "globex"];
    metrics.setCollectors({
      breakers: () => [
        { tenantId: "acme", source: "artisan", state: "closed" },
        { tenantId: "acme", source: "cleverinvo", state: "half-open" },
        { tenantId: "globex", source: "artisan", state: "open" },
      ],
      // A collector may be async (a budget shared through Redis).
      budgets: async () => [{ tenantId: "acme", source: "artisan", limit: 60, remaining: 41 }],
      subscriptions: () => tenants.map((tenantId, index) => ({ tenantId, active: 3 - index })),
    });

    const body = await scrape(metrics);
    expect(samples(body, "upstream_circuit_state")).toEqual([
      'upstream_circuit_state{tenant="acme",source="artisan"} 0',
      'upstream_circuit_state{tenant="acme",source="cleverinvo"} 1',
      'upstream_circuit_state{tenant="globex",source="artisan"} 2',
    ]);
    expect(samples(body, "upstream_rate_budget_remaining")).toEqual([
      'upstream_rate_budget_remaining{tenant="acme",source="artisan"} 41',
    ]);
    expect(samples(body, "upstream_rate_budget_limit")).toEqual([
      'upstream_rate_budget_limit{tenant="acme",source="artisan"} 60',
    ]);
    expect(samples(body, "graphql_active_subscriptions")).toEqual([
      'graphql_active_subscriptions{tenant="acme"} 3',
      'graphql_active_subscriptions{tenant="globex"} 2',
    ]);

    // A tenant removed by a reload disappears from the next scrape.
    tenants = ["acme"];
    expect(samples(await scrape(metrics), "graphql_active_subscriptions")).toEqual([
      'graphql_active_subscriptions{tenant="acme"} 3',
    ]);
  });

  it("renders the other gauges when one collector fails, and counts the failure", async () => {
    const reported: Array<[string, string]> = [];
    const metrics = createMetrics({
      onCollectorError: (error, collector) =>
        reported.push([collector, error instanceof Error ? error.message : String(error)]),
    });
    metrics.setCollectors({
      breakers: () => {
        throw new Error("breaker registry gone");
      },
      subscriptions: () => [{ tenantId: "acme", active: 1 }],
    });
    const body = await scrape(metrics);
    expect(samples(body, "upstream_circuit_state")).toEqual([]);
    expect(samples(body, "upstream_rate_budget_remaining")).toEqual([]);
    expect(samples(body, "graphql_active_subscriptions")).toEqual([
      'graphql_active_subscriptions{tenant="acme"} 1',
    ]);
    expect(samples(body, "gateway_metrics_collector_failures_total")).toEqual([
      'gateway_metrics_collector_failures_total{collector="breakers"} 1',
    ]);
    expect(reported).toEqual([["breakers", "breaker registry gone"]]);
  });

  it("has empty gauges before any collector is set", async () => {
    const body = await scrape(createMetrics());
    for (const name of [
      "upstream_circuit_state",
      "upstream_rate_budget_remaining",
      "graphql_active_subscriptions",
    ]) {
      expect(body).toContain(`# TYPE ${name} gauge`);
      expect(samples(body, name)).toEqual([]);
    }
  });
});

describe("webhooks and the gateway's rate limit", () => {
  it("counts deliveries by source and outcome, and rate-limited requests", async () => {
    const metrics = createMetrics();
    metrics.observeWebhook("cleanitall", "received");
    metrics.observeWebhook("cleanitall", "received");
    metrics.observeWebhook("cleanitall", "duplicate");
    metrics.observeWebhook("cleanestimate", "rejected");
    // The source comes from the request path: anything that is not a source is not a label.
    metrics.observeWebhook("wp-login.php", "rejected");
    metrics.rateLimited();
    metrics.rateLimited();

    const body = await scrape(metrics);
    expect(samples(body, "webhook_deliveries_total")).toEqual([
      'webhook_deliveries_total{source="cleanitall",outcome="received"} 2',
      'webhook_deliveries_total{source="cleanitall",outcome="duplicate"} 1',
      'webhook_deliveries_total{source="cleanestimate",outcome="rejected"} 1',
      'webhook_deliveries_total{source="unknown",outcome="rejected"} 1',
    ]);
    expect(samples(body, "gateway_rate_limited_total")).toEqual(["gateway_rate_limited_total 2"]);
  });
});

describe("registry", () => {
  it("gives each gateway its own registry, with the process metrics, in Prometheus text format", async () => {
    const first = createMetrics();
    const second = createMetrics();
    first.rateLimited();

    const [one, two] = await Promise.all([first.render(), second.render()]);
    expect(one.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(samples(one.body, "gateway_rate_limited_total")).toEqual(["gateway_rate_limited_total 1"]);
    expect(samples(two.body, "gateway_rate_limited_total")).toEqual(["gateway_rate_limited_total 0"]);
    for (const body of [one.body, two.body]) {
      expect(samples(body, "process_cpu_user_seconds_total")).toHaveLength(1);
      expect(samples(body, "nodejs_heap_size_used_bytes")).toHaveLength(1);
      expect(body).toContain("# TYPE nodejs_eventloop_lag_seconds gauge");
    }
    // prom-client's global registry is left alone.
    expect(await globalRegister.metrics()).not.toContain("gateway_rate_limited_total");
    expect(globalRegister.getSingleMetric("process_cpu_user_seconds_total")).toBeUndefined();
  });
});
