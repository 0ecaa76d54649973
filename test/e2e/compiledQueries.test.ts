import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { JOBCLOSER_DEMO_COMPANY_ID } from "../../sim/jobcloser/index.js";
import { globalId, type Harness, READ_KEY, startHarness } from "../support/harness.js";
import { type CapturedLogs, captureLogs } from "../support/logs.js";

/**
 * Compiled queries (src/plugins/useCompiledQueries.ts) through the whole gateway and the real
 * simulators: an operation's first execution runs on graphql-js, its second and later ones as
 * compiled JavaScript. With caching and answer reuse off, every execution goes upstream in full:
 * the answers and their upstream requests must be the same byte for byte.
 */

let h: Harness;
let logs: CapturedLogs;
beforeAll(async () => {
  logs = captureLogs();
  h = await startHarness({
    config: { cache: { ttlMs: 0, maxAnswers: 0 } },
    jobcloserListCacheTtlMs: 0,
    logger: logs.logger,
  });
  // Signed in to JobCloser once, so that no run below pays for the sign-in.
  await h.gql("{ company(source: JOBCLOSER) { name } }");
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.resetCounts();
  h.artisan.control.clearFaults();
});

async function post(body: unknown): Promise<{ status: number; body: string }> {
  const response = await fetch(`${h.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${READ_KEY}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.text() };
}

/** Three executions of one request: each answer and the upstream requests it made. */
async function thrice(body: { query: string; variables?: Record<string, unknown> }) {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    h.resetCounts();
    const answer = await post(body);
    runs.push({ ...answer, upstream: h.counts() });
  }
  return runs;
}

const compiledOperations = () =>
  logs
    .text()
    .split("\n")
    .filter((line) => line.includes('"msg":"query compiled"'))
    .map((line) => JSON.parse(line).operationName);

describe("compiled queries through the gateway", () => {
  it("answers the read set the same on graphql-js and compiled, with the same upstream requests", async () => {
    const cleanitallInvoice = [...h.cleanitall.account().invoices.values()].find(
      (invoice) => invoice.customer_id,
    );
    const jobcloserJob = [...h.jobcloser.company(JOBCLOSER_DEMO_COMPANY_ID).jobs.values()][0];
    if (!cleanitallInvoice || !jobcloserJob) throw new Error("seed without an invoice or a JobCloser job");
    const requests = [
      {
        query:
          "query AllSources { jobs(first: 50) { nodes { id source sourceId title status customer { name } " +
          "invoices { nodes { number total { amount currency } } } } pageInfo { hasNextPage endCursor } } }",
      },
      {
        query:
          "query Lists { estimates(first: 20, source: CLEANESTIMATE) { nodes { id status customerName total { amount currency } } } " +
          "customers(first: 20, source: JOBCLOSER) { totalCount nodes { id name email phone } } " +
          "artisan: invoices(first: 20, source: ARTISAN) { nodes { id number status total { amount currency } } } " +
          "cleverinvo: invoices(first: 20, source: CLEVERINVO) { nodes { id number status total { amount currency } } } }",
      },
      {
        query:
          "query Node($id: ID!, $gone: ID!) { node(id: $id) { __typename id ... on Invoice { number status " +
          "customer { name email } } } gone: node(id: $gone) { id } }",
        variables: {
          id: globalId("Invoice", "cleanitall", cleanitallInvoice.id),
          gone: globalId("Invoice", "cleanitall", "inv_doesnotexist000000000000"),
        },
      },
      {
        query:
          "query JobCloserJob($id: ID!) { job(id: $id) { title status customer { name } crew { name members { name } } " +
          "lineItems { description quantity amount { amount } } chemicalApplications { nodes { appliedAt product { name } } } " +
          "invoices { nodes { number } } } }",
        variables: { id: globalId("Job", "jobcloser", jobcloserJob.Id) },
      },
    ];
    for (const request of requests) {
      const [first, second, third] = await thrice(request);
      expect(first?.status, request.query).toBe(200);
      expect(JSON.parse(first?.body ?? "{}").errors, request.query).toBeUndefined();
      expect(Object.keys(first?.upstream ?? {}).length, request.query).toBeGreaterThan(0);
      expect(second, request.query).toEqual(first);
      expect(third, request.query).toEqual(first);
    }
    expect(JSON.parse((await post(requests[2])).body).data.node.number).toBe(cleanitallInvoice.number);
    expect(compiledOperations()).toEqual(["AllSources", "Lists", "Node", "JobCloserJob"]);
  });

  it("answers a source's failure the same way: coded, located, beside the other sources' data", async () => {
    h.artisan.control.injectFault({ kind: "status", status: 503 });
    const [first, second, third] = await thrice({
      query: "query Partial { jobs(first: 6) { nodes { source title } } }",
    });
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    const body = JSON.parse(first?.body ?? "{}");
    expect(body.errors).toEqual([
      {
        message: "artisan GET /jobs failed: HTTP 503",
        locations: [{ line: 1, column: 17 }],
        path: ["jobs"],
        extensions: { code: "UPSTREAM_UNAVAILABLE", source: "artisan", upstreamStatus: 503 },
      },
    ]);
    expect(body.data.jobs.nodes).toHaveLength(6);
  });

  it("refuses a bad id and a bad variable of a compiled query with the same codes", async () => {
    const query = "query ById($id: ID!) { node(id: $id) { id } }";
    const good = { query, variables: { id: globalId("Job", "cleanitall", "job_doesnotexist000000000000") } };
    await post(good);
    await post(good);
    expect(compiledOperations()).toContain("ById");
    for (const variables of [{ id: "not-a-global-id" }, { id: 12.5 }, {}]) {
      const [first, second, third] = await thrice({ query, variables });
      expect(second, JSON.stringify(variables)).toEqual(first);
      expect(third, JSON.stringify(variables)).toEqual(first);
      expect(first?.upstream).toEqual({});
      expect(JSON.parse(first?.body ?? "{}").errors[0].extensions.code).toBe("BAD_USER_INPUT");
    }
  });
});

describe("compiled queries switched off (server.compiledQueries: false)", () => {
  it("compiles nothing, and answers the same as the gateway that compiles", async () => {
    const offLogs = captureLogs();
    const off = await startHarness({
      config: { server: { compiledQueries: false }, cache: { ttlMs: 0, maxAnswers: 0 } },
      logger: offLogs.logger,
    });
    try {
      const query = "query Off { jobs(first: 10, source: CLEANITALL) { nodes { id title status } } }";
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await off.gql(query));
      expect(answers[0]?.status).toBe(200);
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
      expect(offLogs.text()).toContain('"msg":"graphql request"');
      expect(offLogs.text()).not.toContain("query compiled");
      // The compiling gateway's answer to the same query, from its third (compiled) execution on.
      for (let i = 0; i < 2; i++) await h.gql(query);
      expect(await h.gql(query)).toEqual(answers[0]);
      expect(compiledOperations()).toContain("Off");
    } finally {
      await off.close();
    }
  });
});
