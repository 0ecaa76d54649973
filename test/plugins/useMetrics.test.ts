import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createYoga } from "graphql-yoga";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiKeyRegistry, presentedKey } from "../../src/auth/apiKeys.js";
import { createContextFactory, type GatewayContext } from "../../src/context.js";
import { HttpLayer } from "../../src/datasources/http.js";
import { type TenantUpstreams, tenantUpstreams } from "../../src/datasources/index.js";
import { UnauthenticatedError } from "../../src/errors.js";
import { UrlSigner } from "../../src/files/signedUrls.js";
import { createLogger } from "../../src/logger.js";
import { createMetrics, type GatewayMetrics } from "../../src/metrics.js";
import { MemoryIdempotencyStore } from "../../src/mutations/idempotency.js";
import { useMetrics } from "../../src/plugins/useMetrics.js";
import { usePartialErrors } from "../../src/plugins/usePartialErrors.js";
import { schema } from "../../src/schema/index.js";
import { attachWebSockets, type WebSocketInitialContext } from "../../src/transport/websocket.js";
import { type Harness, READ_KEY, startHarness } from "../support/harness.js";
import { live, sseSubscribe, wsClient, wsSubscribe } from "../support/subscriptions.js";

/**
 * The plugin in a real Yoga with the gateway's real schema, context and datasources over the
 * ARTISAN and CleanItAll simulators, on HTTP (queries, mutations, batches, SSE) and graphql-ws,
 * which reaches the schema through envelop alone. Upstream attempts of the context's HTTP layer
 * feed the same metrics, so a scrape can be checked against the simulators' own counters.
 */

let h: Harness;
let metrics: GatewayMetrics;
let server: Server;
let url: string;
let socketClose: () => Promise<void>;
let http: HttpLayer;
/** The tenants' datasources, over the current test's HTTP layer. */
const tenants = new Map<string, TenantUpstreams>();

beforeAll(async () => {
  h = await startHarness({ upstreams: ["cleanitall", "artisan"] });
  const keys = new ApiKeyRegistry(h.config);
  const createContext = createContextFactory(
    tenants,
    h.config.limits,
    new UrlSigner(undefined, 60_000),
    (principal) => keys.stillValid(principal),
    {
      idempotency: new MemoryIdempotencyStore(h.config.idempotency),
      idempotencyWaitMs: 1_000,
      onIdempotencyStoreFailure: () => {},
    },
    h.gateway.events,
  );
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    logging: false,
    batching: { limit: 5 },
    context: (initial) => {
      // As the gateway does: graphql-ws operations arrive authenticated with their upgrade request.
      const socket = initial as Partial<WebSocketInitialContext>;
      if (socket.principal) return createContext(socket.principal, { publicUrl: url });
      const principal = keys.authenticate(presentedKey(initial.request.headers));
      if (!principal) throw new UnauthenticatedError();
      return createContext(principal, { publicUrl: url });
    },
    // After usePartialErrors, as the gateway registers it.
    plugins: [
      usePartialErrors(),
      useMetrics({ observeOperation: (operation) => metrics.observeOperation(operation) }),
    ],
  });
  server = createServer(yoga);
  const sockets = attachWebSockets(server, {
    path: "/graphql",
    yoga,
    authenticate: (key) => keys.authenticate(key),
    admit: async () => null,
    logger: createLogger("silent"),
  });
  socketClose = () => sockets.close();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await socketClose();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await h.close();
});

beforeEach(() => {
  // A fresh HTTP layer per test: no circuit breaker or rate budget carries one test's faults into the next.
  http = new HttpLayer({
    timeoutMs: h.config.http.timeoutMs,
    retries: h.config.http.retries,
    connections: h.config.http.connections,
    cache: { ttlMs: 0, maxEntries: 100 },
  });
  for (const tenant of h.config.tenants) tenants.set(tenant.id, tenantUpstreams(tenant, h.config, http));
  metrics = createMetrics();
  http.observe((event) => metrics.observeUpstream(event));
  metrics.setCollectors({
    subscriptions: () => [{ tenantId: "acme", active: h.gateway.events.subscribers("acme") }],
  });
  h.cleanitall.control.reset();
  h.artisan.control.reset();
});

afterEach(() => http.close());

async function post(body: unknown, key: string | null = READ_KEY) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${url}/graphql`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** The sample lines of one metric family. */
async function scraped(name: string): Promise<string[]> {
  const { body } = await metrics.render();
  return body.split("\n").filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe("queries and mutations over HTTP", () => {
  it("counts a named query as ok, times it, and counts its upstream requests as the upstream did", async () => {
    const { body } = await post({
      query: "query RecentJobs { jobs(first: 2, source: ARTISAN) { nodes { source } } }",
    });
    expect(body).toEqual({ data: { jobs: { nodes: [{ source: "ARTISAN" }, { source: "ARTISAN" }] } } });

    expect(await scraped("graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="RecentJobs",type="query",outcome="ok"} 1',
    ]);
    expect(await scraped("graphql_operation_duration_seconds_count")).toEqual([
      'graphql_operation_duration_seconds_count{operation="RecentJobs",type="query"} 1',
    ]);
    expect(h.artisan.control.snapshot()).toEqual({ "GET /api/v1/jobs": 1 });
    expect(await scraped("upstream_requests_total")).toEqual([
      'upstream_requests_total{source="artisan",route="/jobs",method="GET",status="200",outcome="ok"} 1',
    ]);
  });

  it("counts a validation failure as an error of the named query, with no upstream request", async () => {
    const { body } = await post({ query: "query Broken { jobs(first: 2) { nodes { colour } } }" });
    expect(body).toEqual({
      errors: [expect.objectContaining({ message: 'Cannot query field "colour" on type "Job".' })],
    });
    expect(await scraped("graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="Broken",type="query",outcome="error"} 1',
    ]);
    expect(h.artisan.control.snapshot()).toEqual({});
    expect(h.cleanitall.control.snapshot()).toEqual({});
  });

  it("counts a document that does not parse as an error of unknown type, under the name the client sent", async () => {
    await post({ query: "query Broken { jobs(first: 2) { nodes { id }", operationName: "Broken" });
    await post({ query: "{ jobs(" });
    expect(await scraped("graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="Broken",type="unknown",outcome="error"} 1',
      'graphql_operations_total{operation="anonymous",type="unknown",outcome="error"} 1',
    ]);
  });

  it("counts a cross-source list with one upstream down as partial", async () => {
    h.artisan.control.injectFault({ kind: "status", status: 503 });
    const { body } = await post({ query: "query Board { jobs(first: 4) { nodes { source } } }" });
    expect(body).toMatchObject({
      data: { jobs: { nodes: Array(4).fill({ source: "CLEANITALL" }) } },
      errors: [
        { message: "artisan GET /jobs failed: HTTP 503", extensions: { code: "UPSTREAM_UNAVAILABLE" } },
      ],
    });
    expect(await scraped("graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="Board",type="query",outcome="partial"} 1',
    ]);
    // The two upstreams are asked at once: their series appear in the order they answered.
    expect((await scraped("upstream_requests_total")).sort()).toEqual([
      'upstream_requests_total{source="artisan",route="/jobs",method="GET",status="503",outcome="error"} 1',
      'upstream_requests_total{source="cleanitall",route="/jobs",method="GET",status="200",outcome="ok"} 1',
    ]);
  });

  it("counts a query whose only field failed as an error, not partial", async () => {
    h.artisan.control.injectFault({ kind: "status", status: 503 });
    const { body } = await post({
      query: "query ArtisanJobs { jobs(first: 2, source: ARTISAN) { nodes { source } } }",
    });
    expect(body).toMatchObject({ data: { jobs: null } });
    expect(await scraped("graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="ArtisanJobs",type="query",outcome="error"} 1',
    ]);
  });

  it("counts a refused mutation and a request without a key as errors of their type", async () => {
    const { body } = await post({
      query: 'mutation Finish { completeJob(id: "Sm9iOmFydGlzYW46MTI") { job { id } } }',
    });
    expect(body).toMatchObject({ data: null, errors: [{ extensions: { code: "FORBIDDEN" } }] });
    const anonymous = await post({ query: "{ sources }" }, null);
    expect(anonymous.body).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });

    expect(await scraped("graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="Finish",type="mutation",outcome="error"} 1',
      'graphql_operations_total{operation="anonymous",type="query",outcome="error"} 1',
    ]);
    expect(h.artisan.control.snapshot()).toEqual({});
  });

  it("counts each operation of a batch on its own", async () => {
    const { body } = await post([
      { query: "query Sources { sources }" },
      { query: "query Broken { nope }" },
      { query: "query First { a: sources } query Second { b: sources }", operationName: "Second" },
    ]);
    expect(body).toMatchObject([
      { data: { sources: ["CLEANITALL", "ARTISAN"] } },
      { errors: [{ message: 'Cannot query field "nope" on type "Query". Did you mean "node" or "nodes"?' }] },
      { data: { b: ["CLEANITALL", "ARTISAN"] } },
    ]);
    expect(await scraped("graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="Sources",type="query",outcome="ok"} 1',
      'graphql_operations_total{operation="Broken",type="query",outcome="error"} 1',
      'graphql_operations_total{operation="Second",type="query",outcome="ok"} 1',
    ]);
  });
});

describe("subscriptions", () => {
  const BOARD = "subscription Board { events(sources: [CLEANITALL]) { id type } }";

  it("over server-sent events: counts the start as ok, untimed, and the live stream in the gauge", async () => {
    const subscriber = await sseSubscribe(url, READ_KEY, BOARD);
    expect(subscriber.status).toBe(200);
    await live(subscriber, h.gateway.events.whenSubscribed("acme", 1));

    expect(await scraped("graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="Board",type="subscription",outcome="ok"} 1',
    ]);
    expect(await scraped("graphql_operation_duration_seconds_count")).toEqual([]);
    expect(await scraped("graphql_active_subscriptions")).toEqual([
      'graphql_active_subscriptions{tenant="acme"} 1',
    ]);

    await subscriber.close();
    await h.gateway.events.whenUnsubscribed("acme", 0);
    expect(await scraped("graphql_active_subscriptions")).toEqual([
      'graphql_active_subscriptions{tenant="acme"} 0',
    ]);
    // Ending a subscription is not another operation.
    expect(await scraped("graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="Board",type="subscription",outcome="ok"} 1',
    ]);
  });

  it("over server-sent events: counts a refused subscription as an error", async () => {
    const subscriber = await sseSubscribe(
      url,
      READ_KEY,
      "subscription Nothing { events(sources: []) { id } }",
    );
    expect(await subscriber.next()).toMatchObject({
      errors: [{ message: "sources must name at least one source (leave it out for every source)." }],
    });
    await subscriber.close();
    expect(await scraped("graphql_operations_total")).toEqual([
      'graphql_operations_total{operation="Nothing",type="subscription",outcome="error"} 1',
    ]);
  });

  it("over graphql-ws: counts a started subscription, a refused one and an invalid one", async () => {
    const { client } = wsClient(url, { apiKey: READ_KEY });
    try {
      const board = wsSubscribe(client, BOARD);
      await live(board, h.gateway.events.whenSubscribed("acme", 1));

      const refused = wsSubscribe(client, "subscription Nothing { events(sources: []) { id } }");
      await refused.done;
      expect(await refused.next()).toMatchObject({
        errors: [{ message: "sources must name at least one source (leave it out for every source)." }],
      });
      const invalid = wsSubscribe(client, "subscription Typo { event { id } }");
      await invalid.done;
      const unparsable = wsSubscribe(client, "subscription {");
      await unparsable.done;

      expect(await scraped("graphql_operations_total")).toEqual([
        'graphql_operations_total{operation="Board",type="subscription",outcome="ok"} 1',
        'graphql_operations_total{operation="Nothing",type="subscription",outcome="error"} 1',
        'graphql_operations_total{operation="Typo",type="subscription",outcome="error"} 1',
        'graphql_operations_total{operation="anonymous",type="unknown",outcome="error"} 1',
      ]);
      expect(await scraped("graphql_active_subscriptions")).toEqual([
        'graphql_active_subscriptions{tenant="acme"} 1',
      ]);
      await board.close();
      await h.gateway.events.whenUnsubscribed("acme", 0);
    } finally {
      await client.dispose();
    }
  });

  it("over graphql-ws: counts a query, timed, with its outcome", async () => {
    const { client } = wsClient(url, { apiKey: READ_KEY });
    try {
      h.artisan.control.injectFault({ kind: "status", status: 503 });
      const query = wsSubscribe(client, "query Board { jobs(first: 2) { nodes { source } } }");
      await query.done;
      expect(await query.next()).toMatchObject({
        data: { jobs: { nodes: [{ source: "CLEANITALL" }, { source: "CLEANITALL" }] } },
        errors: [{ extensions: { code: "UPSTREAM_UNAVAILABLE", source: "artisan" } }],
      });
      expect(await scraped("graphql_operations_total")).toEqual([
        'graphql_operations_total{operation="Board",type="query",outcome="partial"} 1',
      ]);
      expect(await scraped("graphql_operation_duration_seconds_count")).toEqual([
        'graphql_operation_duration_seconds_count{operation="Board",type="query"} 1',
      ]);
    } finally {
      await client.dispose();
    }
  });
});
