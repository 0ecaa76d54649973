import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  JOBCLOSER_DEMO_COMPANY,
  JOBCLOSER_OTHER_COMPANY,
  JOBCLOSER_OTHER_USER,
} from "../../sim/jobcloser/index.js";
import { globalId, type Harness, READ_KEY, startHarness, WRITE_KEY } from "../support/harness.js";
import { wsClient, wsSubscribe } from "../support/subscriptions.js";

/**
 * The gateway facing the internet: per-key rate limits, body size, CORS and CSRF, batches, tenant
 * isolation across the layers, and a barrage of bad input after which it still answers correctly.
 */

const GLOBEX_KEY = "test_globex_read_key_0123456789";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    upstreams: ["cleanitall", "jobcloser"],
    config: {
      server: { corsOrigins: ["https://dash.example.com"] },
      rateLimit: { requestsPerMinute: 60, burst: 1_000 },
      limits: { maxBodyBytes: 200_000, maxBatchSize: 3 },
    },
    extraTenants: [
      {
        id: "globex",
        apiKeys: [{ key: GLOBEX_KEY, scopes: ["read"] }],
        upstreams: {
          // Another JobCloser company in the same JobCloser, and another CleanItAll account (none here:
          // the same account would see the same records; isolation there is the upstream's own).
          jobcloser: {
            baseUrl: "sim:jobcloser",
            email: JOBCLOSER_OTHER_USER.email,
            password: JOBCLOSER_OTHER_USER.password,
          },
        },
      },
    ],
  });
});
afterAll(async () => {
  await h.close();
});

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${h.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${READ_KEY}`, ...headers },
    body,
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return {
    status: response.status,
    headers: response.headers,
    body: json as {
      data?: unknown;
      errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    },
  };
}

describe("per-key rate limit", () => {
  let limited: Harness;
  beforeAll(async () => {
    limited = await startHarness({
      upstreams: ["cleanitall"],
      config: { rateLimit: { requestsPerMinute: 60, burst: 3 } },
    });
  });
  afterAll(async () => {
    await limited.close();
  });

  it("lets a burst through with RateLimit headers, then answers 429 with Retry-After", async () => {
    const send = (key: string) =>
      fetch(`${limited.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: "{ sources }" }),
      });
    const first = await send(READ_KEY);
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-policy")).toBe('"per-key";q=3;w=3');
    expect(first.headers.get("ratelimit")).toMatch(/^"per-key";r=2;t=\d+$/);
    await send(READ_KEY);
    await send(READ_KEY);
    const refused = await send(READ_KEY);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toEqual({
      errors: [
        {
          message: "Rate limit exceeded: 3 requests per 3 seconds per API key. Retry in 1 second.",
          extensions: { code: "RATE_LIMITED", limit: 3 },
        },
      ],
    });
    // Another key of the same tenant has its own budget.
    expect((await send(WRITE_KEY)).status).toBe(200);
    // So do subscriptions: a subscribe message spends the key's budget too.
    const { client } = wsClient(limited.url, { apiKey: READ_KEY });
    const subscriber = wsSubscribe(client, "subscription { events { type } }");
    expect((await subscriber.next())?.errors?.[0]?.message).toMatch(/^Rate limit exceeded/);
    await client.dispose();
  });
});

describe("request shape", () => {
  it("refuses a body over the size limit with 413 before reading it", async () => {
    const response = await post(JSON.stringify({ query: "{ sources }", padding: "x".repeat(250_000) }));
    expect(response.status).toBe(413);
    expect(response.body.errors?.[0]).toEqual({
      message: expect.stringMatching(
        /^The request body \(\d+ bytes\) is larger than the limit of 200000 bytes\.$/,
      ),
      extensions: { code: "PAYLOAD_TOO_LARGE", limit: 200_000, actual: expect.any(Number) },
    });
  });

  it("answers batches up to the limit and refuses bigger ones", async () => {
    const op = { query: "{ sources }" };
    const batch = await post(JSON.stringify([op, op]));
    expect(batch.body).toEqual([
      { data: { sources: ["CLEANITALL", "JOBCLOSER"] } },
      { data: { sources: ["CLEANITALL", "JOBCLOSER"] } },
    ]);
    const tooMany = await post(JSON.stringify([op, op, op, op]));
    expect(tooMany.status).toBe(413);
    expect(JSON.stringify(tooMany.body)).toContain("Batching is limited to 3 operations per request.");
  });

  it("allows CORS only from configured origins", async () => {
    const preflight = (origin: string) =>
      fetch(`${h.url}/graphql`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
    const allowed = await preflight("https://dash.example.com");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://dash.example.com");
    const other = await preflight("https://evil.example.com");
    expect(other.headers.get("access-control-allow-origin")).not.toBe("https://evil.example.com");
  });

  it("refuses a GET a browser could send cross-site without a preflight (CSRF)", async () => {
    const simple = await fetch(`${h.url}/graphql?query=${encodeURIComponent("{ sources }")}`);
    expect(simple.status).toBe(403);
    expect(await simple.text()).toContain("Required CSRF header(s) not present");
    const withKey = await fetch(`${h.url}/graphql?query=${encodeURIComponent("{ sources }")}`, {
      headers: { "x-api-key": READ_KEY, accept: "application/json" },
    });
    expect(withKey.status).toBe(200);
  });
});

describe("tenant isolation", () => {
  it("returns nothing of another JobCloser company, by id or in lists", async () => {
    const acmeJob = [...h.jobcloser.company(JOBCLOSER_DEMO_COMPANY).jobs.keys()][0] as string;
    const globexJob = [...h.jobcloser.company(JOBCLOSER_OTHER_COMPANY).jobs.keys()][0] as string;
    const byId = `query($id: ID!) { node(id: $id) { id } }`;
    // Globex asks for acme's job through its own (other-company) JobCloser credentials.
    const cross = await h.gql(byId, { id: globalId("Job", "jobcloser", acmeJob) }, GLOBEX_KEY);
    expect(cross.body).toEqual({ data: { node: null } });
    const own = await h.gql(byId, { id: globalId("Job", "jobcloser", globexJob) }, GLOBEX_KEY);
    expect(own.body).toEqual({ data: { node: { id: globalId("Job", "jobcloser", globexJob) } } });
    const list = await h.gql(
      `{ jobs(first: 100, source: JOBCLOSER) { nodes { sourceId } } }`,
      {},
      GLOBEX_KEY,
    );
    const ids = (list.body.data as { jobs: { nodes: Array<{ sourceId: string }> } }).jobs.nodes.map(
      (n) => n.sourceId,
    );
    const acmeIds = new Set(h.jobcloser.company(JOBCLOSER_DEMO_COMPANY).jobs.keys());
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.filter((id) => acmeIds.has(id))).toEqual([]);
  });

  it("finds nothing through a source the tenant does not have, even with a valid id of it", async () => {
    const job = [...h.cleanitall.account().jobs.keys()][0] as string;
    const answer = await h.gql(
      `query($id: ID!) { node(id: $id) { id } }`,
      { id: globalId("Job", "cleanitall", job) },
      GLOBEX_KEY,
    );
    expect(answer.body).toEqual({ data: { node: null } });
    expect(answer.body.errors).toBeUndefined();
  });
});

describe("bad input of every kind, then a normal query", () => {
  const deep = (levels: number) =>
    `{ jobs(first: 1) { nodes { ${"customer { jobs(first: 1) { nodes { ".repeat(levels)}id${" } } }".repeat(levels)} } } }`;
  const cases: Array<{
    name: string;
    send: () => Promise<Response>;
    status: number;
    code: string;
    message?: RegExp;
  }> = [
    {
      name: "malformed JSON",
      send: () => raw("{not json"),
      status: 400,
      code: "BAD_REQUEST",
      message: /^POST body sent invalid JSON\.$/,
    },
    { name: "no query", send: () => raw('{"query": 5}'), status: 400, code: "BAD_REQUEST" },
    { name: "empty object", send: () => raw("{}"), status: 400, code: "BAD_REQUEST" },
    { name: "JSON null", send: () => raw("null"), status: 400, code: "BAD_REQUEST" },
    { name: "empty body", send: () => raw(""), status: 400, code: "BAD_REQUEST" },
    {
      name: "wrong content type",
      send: () => raw('{"query":"{ sources }"}', "text/plain"),
      status: 415,
      code: "BAD_REQUEST",
      message: /^Send GraphQL requests as application\/json \(got text\/plain\)\.$/,
    },
    { name: "syntax error", send: () => query("{ sources "), status: 400, code: "GRAPHQL_PARSE_FAILED" },
    {
      name: "unknown field",
      send: () => query("{ sources nope }"),
      status: 400,
      code: "GRAPHQL_VALIDATION_FAILED",
    },
    {
      name: "wrong variable type",
      send: () => query("query($n: Int) { jobs(first: $n) { nodes { id } } }", { n: "ten" }),
      status: 400,
      code: "BAD_USER_INPUT",
    },
    {
      name: "invalid global id",
      send: () => query("query($id: ID!) { node(id: $id) { id } }", { id: "!!!" }),
      status: 200,
      code: "BAD_USER_INPUT",
      message: /^Invalid id "!!!": not a global id\.$/,
    },
    {
      name: "id of another type",
      send: () =>
        query("query($id: ID!) { job(id: $id) { id } }", { id: globalId("Customer", "cleanitall", "cus_x") }),
      status: 200,
      code: "BAD_USER_INPUT",
      message: /it is the id of a Customer, expected Job\.$/,
    },
    {
      name: "id of an unknown source",
      send: () => query("query($id: ID!) { node(id: $id) { id } }", { id: globalId("Job", "nowhere", "x") }),
      status: 200,
      code: "BAD_USER_INPUT",
      message: /unknown source "nowhere"\.$/,
    },
    {
      name: "huge string argument",
      send: () =>
        query("query($s: String) { customers(first: 5, search: $s) { nodes { id } } }", {
          s: "x".repeat(15_000),
        }),
      status: 200,
      code: "BAD_USER_INPUT",
      message: /^search must be 1 to 100 characters/,
    },
    {
      name: "page size out of range",
      send: () => query("{ jobs(first: 101) { nodes { id } } }"),
      status: 200,
      code: "BAD_USER_INPUT",
    },
    { name: "deeply nested query", send: () => query(deep(6)), status: 400, code: "QUERY_TOO_DEEP" },
    {
      name: "too many aliases",
      send: () => query(`{ ${Array.from({ length: 31 }, (_, i) => `a${i}: sources`).join(" ")} }`),
      status: 400,
      code: "TOO_MANY_ALIASES",
    },
    {
      name: "too many directives",
      send: () => query(`{ sources ${"@include(if: true) ".repeat(51)}}`),
      status: 400,
      code: "TOO_MANY_DIRECTIVES",
    },
    {
      name: "too costly",
      send: () =>
        query(
          "{ jobs(first: 100) { nodes { invoices(first: 100) { nodes { payments(first: 100) { nodes { id } } } } } } }",
        ),
      status: 400,
      code: "QUERY_TOO_COSTLY",
    },
    {
      name: "too many tokens",
      send: () => query(`{ ${"sources ".repeat(10_001)}}`),
      status: 400,
      code: "TOO_MANY_TOKENS",
    },
    {
      name: "query text too long",
      send: () => query(`{ sources } # ${"x".repeat(100_000)}`),
      status: 400,
      code: "PAYLOAD_TOO_LARGE",
    },
  ];

  function raw(body: string, contentType = "application/json") {
    return fetch(`${h.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": contentType,
        accept: "application/graphql-response+json",
        authorization: `Bearer ${READ_KEY}`,
      },
      body,
    });
  }
  function query(text: string, variables: Record<string, unknown> = {}) {
    return fetch(`${h.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json",
        authorization: `Bearer ${READ_KEY}`,
      },
      body: JSON.stringify({ query: text, variables }),
    });
  }

  it.each(cases)("$name: $status $code", async ({ send, status, code, message }) => {
    h.resetCounts();
    const response = await send();
    expect(response.status).toBe(status);
    const body = (await response.json()) as {
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
    expect(body.errors?.[0]?.extensions?.code).toBe(code);
    if (message) expect(body.errors?.[0]?.message).toMatch(message);
    // Refused before any upstream was asked.
    expect(h.counts()).toEqual({});
  });

  it("still answers a normal query correctly afterwards, and is healthy", async () => {
    const burst = await Promise.all(cases.flatMap((item) => [item.send(), item.send()]));
    expect(burst.every((response) => response.status < 500)).toBe(true);
    const answer = await h.gql("{ sources jobs(first: 2, source: CLEANITALL) { nodes { source } } }");
    expect(answer.body).toEqual({
      data: {
        sources: ["CLEANITALL", "JOBCLOSER"],
        jobs: { nodes: [{ source: "CLEANITALL" }, { source: "CLEANITALL" }] },
      },
    });
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});

describe("introspection off", () => {
  let closed: Harness;
  beforeAll(async () => {
    closed = await startHarness({
      upstreams: ["cleanitall"],
      config: { server: { host: "127.0.0.1", port: 0, introspection: false } },
    });
  });
  afterAll(async () => {
    await closed.close();
  });

  it("refuses introspection and gives no field suggestions", async () => {
    const introspection = await closed.gql("{ __schema { types { name } } }");
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await closed.gql('{ node(id: "x") { id } jbos { totalCount } }');
    expect(typo.body.errors?.[0]?.message).toBe('Cannot query field "jbos" on type "Query".');
  });
});
