import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CLEANESTIMATE_DEMO_ACCOUNT,
  CLEANESTIMATE_DEMO_KEY,
  type CleanEstimateDataSet,
  type CleanEstimateSim,
  createCleanEstimateSim,
} from "../../sim/cleanestimate/index.js";
import { CleanEstimateClient } from "../../src/datasources/cleanestimate/client.js";
import { CleanEstimateDatasource } from "../../src/datasources/cleanestimate/datasource.js";
import type { StreamFactories } from "../../src/datasources/datasource.js";
import { HttpLayer, type UpstreamTarget } from "../../src/datasources/http.js";
import { type ListStream, paginate } from "../../src/datasources/paging.js";
import type { UnifiedInvoice, UnifiedJob } from "../../src/datasources/unified.js";

/**
 * A parent's relation list in CleanEstimate Pro (a job's invoices, a client's jobs): the upstream
 * filters by status only, so the list is read whole, and only the parent's own records are mapped
 * and handed on (`fetchMatching`). The answer is exactly the parent's records, in upstream order,
 * and the by-id loader knows exactly those.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const INVOICES = "GET /api/v1/invoices";
const INVOICE = "GET /api/v1/invoices/:id";
const JOBS = "GET /api/v1/jobs";

let sim: CleanEstimateSim;
let live: CleanEstimateDataSet;
let http: HttpLayer;
let target: UpstreamTarget;

beforeAll(async () => {
  sim = createCleanEstimateSim({
    accounts: [CLEANESTIMATE_DEMO_ACCOUNT],
    rateLimit: { limit: 1_000_000_000, windowMs: 60_000 },
    now: () => NOW,
  });
  await sim.listen(0);
  live = sim.account(CLEANESTIMATE_DEMO_ACCOUNT.id).live;
  http = new HttpLayer({
    timeoutMs: 2_000,
    retries: 0,
    connections: 4,
    cache: { ttlMs: 0, maxEntries: 100 },
  });
  target = {
    source: "cleanestimate",
    tenantId: "t1",
    baseUrl: sim.baseUrl,
    headers: { authorization: `Bearer ${CLEANESTIMATE_DEMO_KEY}` },
    timeoutMs: 2_000,
  };
});
afterAll(async () => {
  await http.close();
  await sim.close();
});
beforeEach(() => sim.control.resetCounts());

/** The datasource as one GraphQL request has it. */
const fresh = () => new CleanEstimateDatasource(new CleanEstimateClient(http, target));

const newestFirst = <R extends { created_at: string; id: string }>(a: R, b: R) =>
  a.created_at !== b.created_at ? (a.created_at < b.created_at ? 1 : -1) : a.id < b.id ? 1 : -1;

function all<T extends { createdAt: string; sourceId: string }>(stream: ListStream<T> | null) {
  if (!stream) throw new Error("the list has no CleanEstimate Pro stream");
  return paginate([stream], {
    first: 100,
    after: null,
    compare: (a, b) =>
      newestFirst({ created_at: a.createdAt, id: a.sourceId }, { created_at: b.createdAt, id: b.sourceId }),
    cursorSources: ["cleanestimate"],
  });
}

describe("a job's invoices", () => {
  it("are exactly the job's, from one read of the whole list, and only they are loaded by id for free", async () => {
    const invoices = [...live.invoices.values()].sort(newestFirst);
    const withInvoice = [...live.jobs.values()].find((job) =>
      invoices.some((invoice) => invoice.job_id === job.id),
    );
    if (!withInvoice) throw new Error("the seed has no job with an invoice");
    const own = invoices.filter((invoice) => invoice.job_id === withInvoice.id);
    const datasource = fresh();
    const lists = datasource.lists as StreamFactories;
    const page = await all<UnifiedInvoice>(
      lists.invoices?.({ jobId: { jobId: withInvoice.id, customerId: withInvoice.client_id } }) ?? null,
    );
    expect(page.edges.map((edge) => edge.node.sourceId)).toEqual(own.map((invoice) => invoice.id));
    expect(page.edges.every((edge) => edge.node.jobId === withInvoice.id)).toBe(true);
    expect(page.hasNextPage).toBe(false);
    expect(page.totalCount).toBeNull();
    expect(sim.control.snapshot()[INVOICES]).toBe(Math.ceil(invoices.length / 100));

    // The job's own invoices are known to this request's loader; another invoice is read by id.
    sim.control.resetCounts();
    const [first] = own;
    const other = invoices.find((invoice) => invoice.job_id !== withInvoice.id);
    if (!first || !other) throw new Error("the seed has too few invoices");
    const loaded = await datasource.load({ type: "Invoice", source: "cleanestimate", sourceId: first.id });
    expect(loaded?.sourceId).toBe(first.id);
    expect(sim.control.snapshot()[INVOICE] ?? 0).toBe(0);
    await datasource.load({ type: "Invoice", source: "cleanestimate", sourceId: other.id });
    expect(sim.control.snapshot()[INVOICE]).toBe(1);
  });
});

describe("a client's jobs", () => {
  it("are exactly the client's, in upstream order, from one read of the whole list", async () => {
    const jobs = [...live.jobs.values()].sort(newestFirst);
    const clientId = jobs.find(
      (job) => jobs.filter((other) => other.client_id === job.client_id).length >= 2,
    )?.client_id;
    if (!clientId) throw new Error("the seed has no client with two jobs");
    const lists = fresh().lists as StreamFactories;
    const page = await all<UnifiedJob>(lists.jobs?.({ customerId: clientId }) ?? null);
    expect(page.edges.map((edge) => edge.node.sourceId)).toEqual(
      jobs.filter((job) => job.client_id === clientId).map((job) => job.id),
    );
    expect(sim.control.snapshot()[JOBS]).toBe(Math.ceil(jobs.length / 100));
  });
});
