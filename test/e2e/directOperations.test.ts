import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, READ_KEY, startHarness } from "../support/harness.js";

/**
 * The gateway's direct path for common GraphQL POSTs (src/transport/directOperations.ts): the first
 * request with a query text goes through Yoga's HTTP handling, which parses it; the same text again
 * is answered directly. With caching and answer reuse off, both execute in full: the answers, their
 * upstream requests, request ids and operation metrics must be the same either way.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ config: { cache: { ttlMs: 0, maxAnswers: 0 } } });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.resetCounts();
  for (const sim of [h.cleanitall, h.artisan]) sim.control.clearFaults();
});

interface RawAnswer {
  status: number;
  contentType: string | null;
  requestId: string | null;
  body: string;
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const response = await fetch(`${h.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${READ_KEY}`, ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    requestId: response.headers.get("x-request-id"),
    body: await response.text(),
  };
}

async function operationCount(name: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) =>
      l.startsWith(`graphql_operations_total{operation="${name}",type="query",outcome="${outcome}"}`),
    );
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("a query asked again (the direct path)", () => {
  it("answers the same body, with the same upstream requests, request id handling and metrics", async () => {
    const query = "query DirectJobs { jobs(first: 3, source: CLEANITALL) { nodes { title status } } }";
    const first = await post({ query }, { "x-request-id": "first-request" });
    expect(h.counts()).toEqual({ "cleanitall GET /api/v1/jobs": 1 });
    h.resetCounts();
    const second = await post({ query }, { "x-request-id": "second-request" });
    expect(h.counts()).toEqual({ "cleanitall GET /api/v1/jobs": 1 });

    expect(first).toMatchObject({ status: 200, contentType: "application/json; charset=utf-8" });
    expect(second).toEqual({ ...first, requestId: "second-request" });
    expect(first.requestId).toBe("first-request");
    const jobs = [...h.cleanitall.account().jobs.values()];
    expect(JSON.parse(second.body).data.jobs.nodes).toHaveLength(Math.min(3, jobs.length));
    expect(await operationCount("DirectJobs", "ok")).toBe(2);
  });

  it("answers a source's failure the same way, coded, as a partial answer", async () => {
    const query = "query DirectPartial { jobs(first: 4) { nodes { source } } }";
    h.artisan.control.injectFault({ kind: "status", status: 503 });
    const first = await post({ query });
    const second = await post({ query });
    expect(second).toEqual({ ...first, requestId: second.requestId });
    expect(JSON.parse(second.body).errors).toEqual([
      {
        message: "artisan GET /jobs failed: HTTP 503",
        locations: [{ line: 1, column: 23 }],
        path: ["jobs"],
        extensions: { code: "UPSTREAM_UNAVAILABLE", source: "artisan", upstreamStatus: 503 },
      },
    ]);
    expect(await operationCount("DirectPartial", "partial")).toBe(2);
  });

  it("refuses a missing key and a bad variable with the same statuses and codes, before any upstream request", async () => {
    const cases: Array<{ body: unknown; headers?: Record<string, string>; status: number; code: string }> = [
      {
        body: { query: "{ jobs(first: 1) { totalCount } }" },
        headers: { authorization: "" },
        status: 401,
        code: "UNAUTHENTICATED",
      },
      {
        body: { query: "query($n: Int) { jobs(first: $n) { totalCount } }", variables: { n: "many" } },
        status: 400,
        code: "BAD_USER_INPUT",
      },
      {
        body: { query: "query($n: Int) { jobs(first: $n) { totalCount } }", variables: { n: "many" } },
        headers: { accept: "application/graphql-response+json" },
        status: 400,
        code: "BAD_USER_INPUT",
      },
    ];
    for (const { body, headers, status, code } of cases) {
      const first = await post(body, headers);
      const second = await post(body, headers);
      expect(second, JSON.stringify(body)).toEqual({ ...first, requestId: second.requestId });
      expect(second.status, JSON.stringify(body)).toBe(status);
      expect(JSON.parse(second.body).errors[0].extensions.code, JSON.stringify(body)).toBe(code);
    }
    expect(h.counts()).toEqual({});
  });
});
