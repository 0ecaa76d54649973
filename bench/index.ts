import { writeFileSync } from "node:fs";
import { runFanout } from "./fanout.js";

/**
 * `npm run bench`: the gateway's benchmarks, printed as tables and written to bench/results.json.
 * Figures are compared within one run on one machine (shared machines are noisy).
 */

async function main() {
  const fanout = [];
  for (const subscribers of [1_000, 5_000]) {
    process.stdout.write(`fan-out: ${subscribers} WebSocket subscribers...\n`);
    fanout.push(await runFanout(subscribers));
  }
  console.table(
    fanout.map((result) => ({
      subscribers: result.subscribers,
      "last p50 ms": result.lastSubscriberMs.p50,
      "last p99 ms": result.lastSubscriberMs.p99,
      "each p50 ms": result.anySubscriberMs.p50,
      "each p99 ms": result.anySubscriberMs.p99,
      "heap B/sub": result.memoryPerSubscriber.heapBytes,
      "rss B/sub": result.memoryPerSubscriber.rssBytes,
    })),
  );
  const results = { date: new Date().toISOString(), node: process.version, fanout };
  writeFileSync(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
