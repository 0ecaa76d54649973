import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { globalId, type Harness, READ_KEY, startHarness } from "../support/harness.js";

/**
 * Fault injection: every simulator fails 20% of requests (5xx, 429, dropped connections, answers
 * slower than the timeout). The gateway must not crash or leak an unhandled rejection, must answer
 * every request within its deadline, return the data that did arrive exactly as without faults,
 * and code every error per DESIGN.md. Then one upstream fails outright: its circuit opens, the
 * gateway stops calling it, and the circuit closes once the upstream recovers.
 */

const DEADLINE_MS = 3_000;
const UPSTREAM_CODES = [
  "UPSTREAM_UNAVAILABLE",
  "UPSTREAM_RATE_LIMITED",
  "UPSTREAM_TIMEOUT",
  "UPSTREAM_ERROR",
];

let h: Harness;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  h = await startHarness({
    config: {
      http: {
        timeoutMs: 400,
        retries: 2,
        deadlineMs: DEADLINE_MS,
        breaker: { enabled: true, threshold: 5, cooldownMs: 300 },
      },
    },
  });
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await h.close();
});

type Body = {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
};

/** One query per upstream (the source each root field belongs to), with relations. */
function querySet(): Array<{ query: string; sources: Record<string, string> }> {
  const cleanitallJob = [...h.cleanitall.account().jobs.keys()][0] as string;
  return [
    {
      query: "{ jobs(first: 10, source: CLEANITALL) { nodes { title status customer { name } } } }",
      sources: { jobs: "cleanitall" },
    },
    {
      query: "{ jobs(first: 10, source: ARTISAN) { nodes { title status } } }",
      sources: { jobs: "artisan" },
    },
    {
      query: "{ invoices(first: 10, source: CLEVERINVO) { nodes { number status } } }",
      sources: { invoices: "cleverinvo" },
    },
    { query: "{ leads(first: 10) { nodes { name status } } }", sources: { leads: "cleanestimate" } },
    {
      query: "{ jobs(first: 10, source: JOBCLOSER) { nodes { title status } } }",
      sources: { jobs: "jobcloser" },
    },
    {
      query: `{ node(id: "${globalId("Job", "cleanitall", cleanitallJob)}") { ... on Job { title } } }`,
      sources: { node: "cleanitall" },
    },
  ];
}

async function run(query: string): Promise<{ body: Body; status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${h.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${READ_KEY}` },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as Body;
  return { body, status: response.status, ms: performance.now() - started };
}

const sims = () => [h.cleanitall, h.cleanestimate, h.jobcloser, h.artisan, h.cleverinvo];

describe("20% of upstream requests failing", () => {
  it("answers every query in time with the surviving data exact and every error coded", async () => {
    const queries = querySet();
    const baseline = new Map<string, Body>();
    for (const { query } of queries) baseline.set(query, (await run(query)).body);
    for (const body of baseline.values()) expect(body.errors).toBeUndefined();

    for (const sim of sims()) {
      for (const kind of ["status", "rateLimit", "drop"] as const) {
        sim.control.injectFault({ kind, probability: 0.05, ...(kind === "status" ? { status: 503 } : {}) });
      }
      sim.control.injectFault({ kind: "slow", delayMs: 600, probability: 0.05 });
    }
    try {
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(
          queries.map(async ({ query, sources }) => ({ sources, query, ...(await run(query)) })),
        );
        for (const { body, status, ms, query, sources } of answers) {
          expect(status).toBe(200);
          // Deadline plus the time to answer with what arrived.
          expect(ms).toBeLessThan(DEADLINE_MS + 1_000);
          const expected = baseline.get(query)?.data ?? {};
          for (const [field, value] of Object.entries(body.data ?? {})) {
            const errors = (body.errors ?? []).filter((error) => error.path?.[0] === field);
            if (errors.length === 0) {
              expect(value).toEqual(expected[field]);
              continue;
            }
            for (const error of errors) {
              expect(UPSTREAM_CODES).toContain(error.extensions?.code);
              expect(error.extensions?.source).toBe(sources[field]);
            }
          }
        }
      }
    } finally {
      for (const sim of sims()) sim.control.clearFaults();
    }
    // Faults did happen (and were survived): otherwise this test proved nothing.
    const faulted = sims().reduce(
      (count, sim) => count + sim.control.requests.filter((r) => r.faulted).length,
      0,
    );
    expect(faulted).toBeGreaterThan(0);
    expect(unhandled).toEqual([]);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});

describe("circuit breaker", () => {
  const ARTISAN_JOBS = "{ jobs(first: 5, source: ARTISAN) { nodes { title } } }";
  const circuit = () =>
    h.gateway.http.breakers().find((breaker) => breaker.tenantId === "acme" && breaker.source === "artisan")
      ?.state ?? "closed";

  it("opens after repeated failures, stops calling the upstream, and closes once it recovers", async () => {
    h.artisan.control.injectFault({ kind: "status", status: 500 });
    // Each query tries 3 times (2 retries): the 5th failure in a row opens the circuit.
    await run(ARTISAN_JOBS);
    await run(ARTISAN_JOBS);
    expect(circuit()).toBe("open");

    h.resetCounts();
    const refused = await run(ARTISAN_JOBS);
    expect(h.counts()).toEqual({});
    expect(refused.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/circuit open after 5 failures; retrying in \d+ s/),
      extensions: { code: "UPSTREAM_UNAVAILABLE", source: "artisan" },
    });
    const ready = (await (await fetch(`${h.url}/readyz`)).json()) as {
      tenants: Record<string, { upstreams: Record<string, { circuit: string }> }>;
    };
    expect(ready.tenants.acme?.upstreams.artisan?.circuit).toBe("open");
    expect(ready.tenants.acme?.upstreams.cleanitall?.circuit).toBe("closed");
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('upstream_circuit_state{tenant="acme",source="artisan"} 2');
    expect(metrics).toMatch(/upstream_refusals_total\{source="artisan",reason="circuit_open"\} [1-9]/);

    // The upstream recovers; after the cooldown one probe goes through and closes the circuit.
    h.artisan.control.clearFaults();
    await expect
      .poll(async () => (await run(ARTISAN_JOBS)).body.errors === undefined, {
        timeout: 5_000,
        interval: 100,
      })
      .toBe(true);
    expect(circuit()).toBe("closed");
    expect((await fetch(`${h.url}/metrics`)).ok).toBe(true);
    expect(await (await fetch(`${h.url}/metrics`)).text()).toContain(
      'upstream_circuit_state{tenant="acme",source="artisan"} 0',
    );
  });
});
