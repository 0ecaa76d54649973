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
      limits: { maxBodyBytes: 20_000, maxBatchSize: 3 },
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
    const response = await post(JSON.stringify({ query: "{ sources }", padding: "x".repeat(25_000) }));
    expect(response.status).toBe(413);
    expect(response.body.errors?.[0]).toEqual({
      message: expect.stringMatching(
        /^The request body \(\d+ bytes\) is larger than the limit of 20000 bytes\.$/,
      ),
      extensions: { code: "PAYLOAD_TOO_LARGE", limit: 20_000, actual: expect.any(Number) },
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
