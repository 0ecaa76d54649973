import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";

/**
 * Warm reads: with the cross-request cache on, a repeated query reuses the parse of each cached
 * upstream answer and the mapping of its records. The answers must be exactly what a gateway
 * without the cache gives, and an answer the cache drops must be read, parsed and mapped afresh.
 */

/** The read benchmark's nested query over every source (bench/queries.ts). */
const JOBS_PAGE =
  "{ jobs(first: 50) { nodes { source sourceId title status customer { name } invoices { nodes { number total { amount currency } } } } } }";

/** A page of CleanEstimate Pro jobs deep enough that many have invoices. */
const CLEANESTIMATE_JOBS =
  "{ jobs(first: 100, source: CLEANESTIMATE) { nodes { source sourceId invoices { nodes { number total { amount currency } } } } } }";

interface JobsPage {
  jobs: {
    nodes: Array<{
      source: string;
      sourceId: string;
      invoices: { nodes: Array<{ number: string; total: { amount: string; currency: string } }> };
    }>;
  };
}

let warm: Harness;
let cold: Harness;

beforeAll(async () => {
  [warm, cold] = await Promise.all([
    startHarness({ config: { cache: { ttlMs: 600_000 } }, jobcloserListCacheTtlMs: 600_000 }),
    startHarness({ jobcloserListCacheTtlMs: 0 }),
  ]);
});
afterAll(() => Promise.all([warm.close(), cold.close()]));
beforeEach(() => {
  warm.resetCounts();
  cold.resetCounts();
});

describe("a repeated query on a warm cache", () => {
  it("answers exactly what a gateway without the cache answers, without an upstream request", async () => {
    const expected = await cold.gql<JobsPage>(JOBS_PAGE);
    expect(expected.body.errors).toBeUndefined();
    const first = await warm.gql<JobsPage>(JOBS_PAGE);
    expect(first.body).toEqual(expected.body);
    warm.resetCounts();
    for (let repeat = 0; repeat < 3; repeat++) {
      const again = await warm.gql<JobsPage>(JOBS_PAGE);
      expect(again.body).toEqual(expected.body);
    }
    expect(warm.counts()).toEqual({});
  });

  it("gives each CleanEstimate Pro job exactly its own invoices, from one read of the invoice list", async () => {
    const live = cold.cleanestimate.account().live;
    const answer = await cold.gql<JobsPage>(CLEANESTIMATE_JOBS);
    const jobs = answer.body.data?.jobs.nodes ?? [];
    expect(jobs).toHaveLength(100);
    expect(jobs.filter((job) => job.invoices.nodes.length > 0).length).toBeGreaterThan(10);
    // The upstream's order: newest first, then by id.
    const newestFirst = [...live.invoices.values()].sort((a, b) =>
      a.created_at !== b.created_at ? (a.created_at < b.created_at ? 1 : -1) : a.id < b.id ? 1 : -1,
    );
    for (const job of jobs) {
      const own = newestFirst.filter((invoice) => invoice.job_id === job.sourceId);
      expect(job.invoices.nodes.map((invoice) => invoice.number)).toEqual(
        own.map((invoice) => invoice.invoice_number),
      );
    }
    // Every job scans the whole list, but the request shares one read of each page.
    expect(cold.counts()["cleanestimate GET /api/v1/invoices"]).toBe(Math.ceil(live.invoices.size / 100));
  });
});

describe("an answer the cache drops", () => {
  it("is read, parsed and mapped afresh: the upstream's change shows", async () => {
    const live = warm.cleanestimate.account().live;
    const before = await warm.gql<JobsPage>(CLEANESTIMATE_JOBS);
    const job = before.body.data?.jobs.nodes.find((candidate) => candidate.invoices.nodes.length > 0);
    const number = job?.invoices.nodes[0]?.number;
    const invoice = [...live.invoices.values()].find((candidate) => candidate.invoice_number === number);
    if (!job || !invoice) throw new Error("no CleanEstimate Pro job on the page has an invoice");
    const total = invoice.total;
    invoice.total = total + 100.25;
    try {
      const totalOf = (page: typeof before) =>
        page.body.data?.jobs.nodes
          .find((candidate) => candidate.sourceId === job.sourceId)
          ?.invoices.nodes.find((candidate) => candidate.number === number)?.total.amount;

      // Within the TTL the cached answer stands (that is the cache's contract).
      warm.resetCounts();
      expect(totalOf(await warm.gql<JobsPage>(CLEANESTIMATE_JOBS))).toBe(total.toFixed(2));
      expect(warm.counts()).toEqual({});

      warm.gateway.http.invalidate({ tenantId: "acme", source: "cleanestimate" }, "/invoices");
      const after = await warm.gql<JobsPage>(CLEANESTIMATE_JOBS);
      expect(totalOf(after)).toBe((total + 100.25).toFixed(2));
      expect(warm.counts()).toEqual({
        "cleanestimate GET /api/v1/invoices": Math.ceil(live.invoices.size / 100),
      });
    } finally {
      invoice.total = total;
      warm.gateway.http.invalidate({ tenantId: "acme", source: "cleanestimate" }, "/invoices");
    }
  });
});
