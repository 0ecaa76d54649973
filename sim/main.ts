import { ARTISAN_DEMO_TOKEN, createArtisanSim } from "./artisan/index.js";
import { CLEANESTIMATE_DEMO_KEY, createCleanEstimateSim } from "./cleanestimate/index.js";
import { CLEANITALL_DEMO_KEY, createCleanItAllSim } from "./cleanitall/index.js";
import { CLEVERINVO_DEMO_KEY, createCleverInvoSim } from "./cleverinvo/index.js";
import type { Simulator } from "./core/simulator.js";
import { createJobCloserSim, JOBCLOSER_DEMO_USER } from "./jobcloser/index.js";

/**
 * `npm run sim`: the upstream simulators standalone, on fixed ports, with the references' rate
 * limits. Flags: `--latency <ms>` makes every answer take that long; `--relaxed-limits` raises the
 * rate limits 100-fold. Counters and faults are driven over HTTP: `GET /__sim/stats`,
 * `POST /__sim/faults {"kind":"status","status":503,"probability":0.2}`, `DELETE /__sim/faults`,
 * `POST /__sim/latency {"ms":20}`, `POST /__sim/reset`.
 */

export const SIM_PORTS = {
  cleanitall: 4101,
  cleanestimate: 4102,
  jobcloser: 4103,
  artisan: 4104,
  cleverinvo: 4105,
} as const;

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? (process.argv[index + 1] ?? "") : undefined;
}

async function main(): Promise<void> {
  const relaxed = process.argv.includes("--relaxed-limits");
  const latency = Number(flag("--latency") ?? 0);
  if (!Number.isFinite(latency) || latency < 0) throw new Error("--latency takes a number of milliseconds");
  const sims: Array<[Simulator, number, string]> = [
    [
      createCleanItAllSim(relaxed ? { rateLimit: { limit: 100_000, windowMs: 3_600_000 } } : {}),
      SIM_PORTS.cleanitall,
      `X-API-Key: ${CLEANITALL_DEMO_KEY}`,
    ],
    [
      createCleanEstimateSim(relaxed ? { rateLimit: { limit: 12_000, windowMs: 60_000 } } : {}),
      SIM_PORTS.cleanestimate,
      `Authorization: Bearer ${CLEANESTIMATE_DEMO_KEY}`,
    ],
    [
      createJobCloserSim(),
      SIM_PORTS.jobcloser,
      `sign-in: ${JOBCLOSER_DEMO_USER.email} / ${JOBCLOSER_DEMO_USER.password}`,
    ],
    [
      createArtisanSim(relaxed ? { rateLimit: { limit: 6_000, windowMs: 60_000 } } : {}),
      SIM_PORTS.artisan,
      `Authorization: Bearer ${ARTISAN_DEMO_TOKEN}`,
    ],
    [
      createCleverInvoSim(relaxed ? { rateLimit: { limit: 12_000, windowMs: 60_000 } } : {}),
      SIM_PORTS.cleverinvo,
      `Authorization: Bearer ${CLEVERINVO_DEMO_KEY}`,
    ],
  ];
  for (const [sim, port, credential] of sims) {
    sim.control.setLatency(latency);
    const baseUrl = await sim.listen(port);
    process.stdout.write(`${sim.id.padEnd(11)} ${baseUrl}   ${credential}\n`);
  }
  process.stdout.write("Control: GET/POST <origin>/__sim/{stats,reset,faults,latency}. Ctrl-C to stop.\n");
  const stop = async () => {
    await Promise.all(sims.map(([sim]) => sim.close()));
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Simulators failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
