import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { globalId, type Harness, startHarness } from "../support/harness.js";

/** One upstream failing: the others' data arrives, the failed fields are null with coded errors. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    upstreams: ["cleanitall", "artisan"],
    config: { cache: { ttlMs: 0 }, http: { timeoutMs: 300, retries: 0 } },
  });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.cleanitall.control.reset();
  h.artisan.control.reset();
  h.cleverinvo.control.reset();
});

interface JobsBody {
  jobs: { totalCount: number | null; nodes: Array<{ source: string }> } | null;
}

describe("one upstream down", () => {
  it("a cross-source list keeps the healthy source's records and reports the other with its code", async () => {
    h.artisan.control.injectFault({ kind: "status", status: 503 });
    const { status, body } = await h.gql<JobsBody>("{ jobs(first: 10) { totalCount nodes { source } } }");
    expect(status).toBe(200);
    expect(body.data?.jobs?.nodes).toHaveLength(10);
    expect(body.data?.jobs?.nodes.every((n) => n.source === "CLEANITALL")).toBe(true);
    expect(body.data?.jobs?.totalCount).toBeNull();
    expect(body.errors).toEqual([
      {
        message: "artisan GET /jobs failed: HTTP 503",
        locations: [{ line: 1, column: 3 }],
        path: ["jobs"],
        extensions: { code: "UPSTREAM_UNAVAILABLE", source: "artisan", upstreamStatus: 503 },
      },
    ]);
  });

  it("maps 429 to UPSTREAM_RATE_LIMITED, 500 to UPSTREAM_ERROR, a dropped connection to UPSTREAM_UNAVAILABLE, slowness to UPSTREAM_TIMEOUT", async () => {
    const cases = [
      { fault: { kind: "rateLimit" as const }, code: "UPSTREAM_RATE_LIMITED" },
      { fault: { kind: "status" as const, status: 500 }, code: "UPSTREAM_ERROR" },
      { fault: { kind: "drop" as const }, code: "UPSTREAM_UNAVAILABLE" },
      { fault: { kind: "slow" as const, delayMs: 1_500 }, code: "UPSTREAM_TIMEOUT" },
    ];
    for (const { fault, code } of cases) {
      h.cleanitall.control.clearFaults();
      h.cleanitall.control.injectFault(fault);
      const { body } = await h.gql<JobsBody>("{ jobs(first: 5) { nodes { source } } }");
      expect(body.data?.jobs?.nodes.map((n) => n.source)).toEqual(Array(5).fill("ARTISAN"));
      expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.source, e.path])).toEqual([
        [code, "cleanitall", ["jobs"]],
      ]);
    }
  });

  it("a failing relation is null with its error, the rest of the page is intact", async () => {
    h.cleanitall.control.injectFault({ kind: "status", status: 502, route: "GET /api/v1/customers/:id" });
    const { body } = await h.gql<{
      jobs: { nodes: Array<{ title: string; customer: { name: string } | null }> };
    }>("{ jobs(first: 3, source: CLEANITALL) { nodes { title customer { name } } } }");
    const nodes = body.data?.jobs.nodes ?? [];
    expect(nodes).toHaveLength(3);
    expect(nodes.every((n) => n.title.length > 0 && n.customer === null)).toBe(true);
    expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.source, e.path])).toEqual(
      [0, 1, 2].map((index) => ["UPSTREAM_UNAVAILABLE", "cleanitall", ["jobs", "nodes", index, "customer"]]),
    );
  });

  it("node() of a record whose upstream is down is null with the upstream's error", async () => {
    h.artisan.control.injectFault({ kind: "drop" });
    const { body } = await h.gql(`query($id: ID!) { node(id: $id) { id } sources }`, {
      id: globalId("Job", "artisan", "12"),
    });
    expect(body.data).toEqual({ node: null, sources: ["CLEANITALL", "ARTISAN"] });
    expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.source, e.path])).toEqual([
      ["UPSTREAM_UNAVAILABLE", "artisan", ["node"]],
    ]);
  });

  it("every source down: the list is null and each source's failure is reported", async () => {
    h.cleanitall.control.injectFault({ kind: "status", status: 503 });
    h.artisan.control.injectFault({ kind: "status", status: 500 });
    const { status, body } = await h.gql<JobsBody & { sources: string[] }>(
      "{ jobs(first: 5) { nodes { source } } sources }",
    );
    expect(status).toBe(200);
    expect(body.data).toEqual({ jobs: null, sources: ["CLEANITALL", "ARTISAN"] });
    expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.source, e.path]).sort()).toEqual([
      ["UPSTREAM_ERROR", "artisan", ["jobs"]],
      ["UPSTREAM_UNAVAILABLE", "cleanitall", ["jobs"]],
    ]);
  });

  it("upstream errors never reveal credentials", async () => {
    h.cleanitall.control.injectFault({ kind: "status", status: 500 });
    h.artisan.control.injectFault({ kind: "status", status: 500 });
    const { body } = await h.gql("{ jobs(first: 5) { nodes { source } } }");
    const text = JSON.stringify(body);
    for (const secret of ["jt_live_", "Xb9kQ2mT4vLr8WnP3sYhJ6cZ1aFd5GqE0uKiBoNx", "Bearer"]) {
      expect(text).not.toContain(secret);
    }
  });
});
