import {
  ARTISAN_DEMO_COMPANY,
  ARTISAN_DEMO_TOKEN,
  type ArtisanSim,
  createArtisanSim,
} from "../../sim/artisan/index.js";
import {
  CLEANESTIMATE_DEMO_ACCOUNT,
  CLEANESTIMATE_DEMO_KEY,
  type CleanEstimateSim,
  createCleanEstimateSim,
} from "../../sim/cleanestimate/index.js";
import {
  CLEANITALL_DEMO_ACCOUNT,
  CLEANITALL_DEMO_KEY,
  type CleanItAllSim,
  createCleanItAllSim,
} from "../../sim/cleanitall/index.js";
import {
  CLEVERINVO_DEMO_ACCOUNT,
  CLEVERINVO_DEMO_KEY,
  type CleverInvoSim,
  createCleverInvoSim,
} from "../../sim/cleverinvo/index.js";
import type { Simulator } from "../../sim/core/simulator.js";
import { createJobCloserSim, JOBCLOSER_DEMO_USER, type JobCloserSim } from "../../sim/jobcloser/index.js";

/**
 * The five upstream simulators in the bench process, each on port 0, every answer taking the same
 * latency (the simulator's own work included, as an upstream's would be). Their clocks are pinned just after the seed anchor (as the end-to-end tests do), so
 * the seeded data and therefore every request count read the same on any day; a pinned clock never
 * opens a new rate-limit window, so the limits are raised past anything a run can send.
 */

const PINNED_NOW = new Date("2026-03-01T12:30:00Z");
const UNLIMITED = { limit: 1_000_000_000, windowMs: 3_600_000 };

export interface BenchUpstreams {
  cleanitall: CleanItAllSim;
  cleanestimate: CleanEstimateSim;
  jobcloser: JobCloserSim;
  artisan: ArtisanSim;
  cleverinvo: CleverInvoSim;
  /** The tenant's `upstreams` config block pointing at the simulators. */
  upstreamsConfig(options: { jobcloserListCacheTtlMs: number }): Record<string, unknown>;
  /** Zeroes every simulator's request counters. */
  resetCounts(): void;
  /** Requests served since the last reset, by `<source> <route>`, zero counts left out. */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

export async function startUpstreams(latencyMs: number): Promise<BenchUpstreams> {
  const now = () => PINNED_NOW;
  const cleanitall = createCleanItAllSim({ accounts: [CLEANITALL_DEMO_ACCOUNT], rateLimit: UNLIMITED, now });
  const cleanestimate = createCleanEstimateSim({
    accounts: [CLEANESTIMATE_DEMO_ACCOUNT],
    rateLimit: UNLIMITED,
    now,
  });
  const jobcloser = createJobCloserSim({ now });
  const artisan = createArtisanSim({ companies: [ARTISAN_DEMO_COMPANY], rateLimit: UNLIMITED, now });
  const cleverinvo = createCleverInvoSim({ accounts: [CLEVERINVO_DEMO_ACCOUNT], rateLimit: UNLIMITED, now });
  const sims: Simulator[] = [cleanitall, cleanestimate, jobcloser, artisan, cleverinvo];

  const started: Simulator[] = [];
  try {
    for (const sim of sims) {
      sim.control.setLatency(latencyMs);
      await sim.listen(0).catch((error: unknown) => {
        throw new Error(
          `the ${sim.id} simulator failed to start: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      started.push(sim);
    }
  } catch (error) {
    await Promise.all(started.map((sim) => sim.close()));
    throw error;
  }

  return {
    cleanitall,
    cleanestimate,
    jobcloser,
    artisan,
    cleverinvo,
    upstreamsConfig: ({ jobcloserListCacheTtlMs }) => ({
      cleanitall: { baseUrl: cleanitall.baseUrl, apiKey: CLEANITALL_DEMO_KEY },
      cleanestimate: { baseUrl: cleanestimate.baseUrl, apiKey: CLEANESTIMATE_DEMO_KEY },
      jobcloser: {
        baseUrl: jobcloser.baseUrl,
        email: JOBCLOSER_DEMO_USER.email,
        password: JOBCLOSER_DEMO_USER.password,
        listCacheTtlMs: jobcloserListCacheTtlMs,
      },
      artisan: { baseUrl: artisan.baseUrl, token: ARTISAN_DEMO_TOKEN },
      cleverinvo: { baseUrl: cleverinvo.baseUrl, apiKey: CLEVERINVO_DEMO_KEY },
    }),
    resetCounts() {
      for (const sim of sims) sim.control.resetCounts();
    },
    counts() {
      const all: Record<string, number> = {};
      for (const sim of sims) {
        for (const [route, count] of Object.entries(sim.control.snapshot())) {
          if (count > 0) all[`${sim.id} ${route}`] = count;
        }
      }
      return all;
    },
    async close() {
      await Promise.all(sims.map((sim) => sim.close()));
    },
  };
}

/** The sum of a `counts()` snapshot. */
export function totalRequests(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}
