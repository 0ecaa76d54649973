import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { runFanout } from "./fanout.js";
import { type ReadResults, type ReadSettings, runRead } from "./read.js";
import { exitChildrenWithBench } from "./support/processes.js";

/**
 * `npm run bench`: the gateway's benchmarks, printed as tables and written to bench/results.json.
 * Figures are compared within one run on one machine (shared machines are noisy).
 *
 *   npm run bench                          # both parts
 *   npm run bench -- --only read           # the read path (keeps the last fan-out figures in the file)
 *   npm run bench -- --only fanout         # WebSocket fan-out (keeps the last read figures)
 *   --latency <ms>      latency each simulator adds to every request (default 20)
 *   --duration <s>      measured load per query and per throughput run (default 5)
 *   --connections <n>   concurrent connections of the load generator (default 4)
 *   --soak <s>          length of the memory soak (default 60)
 */

const TARGETS = {
  requestRatio: 1,
  p50OverIdeal: 1.15,
  throughputRatio: 0.7,
  /** "No growth": the GC'd heap after the soak within this share of the heap at its start. */
  heapGrowthPercent: 5,
};

const RESULTS_FILE = new URL("./results.json", import.meta.url);

/** What a previous results file may hold; only the part not run this time is carried over. */
const previousResults = z.object({
  date: z.string().optional(),
  node: z.string().optional(),
  read: z.unknown().optional(),
  fanoutRun: z.object({ date: z.string(), node: z.string() }).optional(),
  fanout: z.array(z.unknown()).optional(),
});

const USAGE =
  "usage: npm run bench -- [--only read|fanout] [--latency <ms>] [--duration <s>] [--connections <n>] [--soak <s>]";

function numberFlag(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < min) {
    throw new Error(`--${name} takes a number of at least ${min}, got "${value}"\n${USAGE}`);
  }
  return parsed;
}

const FLAGS = {
  only: { type: "string" },
  latency: { type: "string" },
  duration: { type: "string" },
  connections: { type: "string" },
  soak: { type: "string" },
} as const;

function readFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
}

function parseFlags(argv: string[]): { only: "read" | "fanout" | null; read: ReadSettings } {
  const values = readFlags(argv);
  if (values.only !== undefined && values.only !== "read" && values.only !== "fanout") {
    throw new Error(`--only takes "read" or "fanout", got "${values.only}"\n${USAGE}`);
  }
  const durationSeconds = numberFlag(values.duration, "duration", 5, 1);
  return {
    only: values.only ?? null,
    read: {
      latencyMs: numberFlag(values.latency, "latency", 20, 0),
      durationSeconds,
      warmupSeconds: Math.min(2, durationSeconds),
      connections: Math.floor(numberFlag(values.connections, "connections", 4, 1)),
      soakSeconds: numberFlag(values.soak, "soak", 60, 4),
    },
  };
}

function readPrevious(): z.infer<typeof previousResults> {
  let text: string;
  try {
    text = readFileSync(RESULTS_FILE, "utf8");
  } catch {
    return {};
  }
  // A file this bench cannot read (hand-edited, cut short) only loses the figures it would carry over.
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  const parsed = previousResults.safeParse(json);
  return parsed.success ? parsed.data : {};
}

const format = (value: number | null, digits = 2) => (value === null ? "n/a" : value.toFixed(digits));
const megabytes = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

function printRead(read: ReadResults): { failed: number } {
  const { calibration } = read;
  const connections = read.settings.connections;
  console.log(
    `calibration: ${calibration.target}: p50 ${calibration.single.latencyMs.p50} ms one at a time, ` +
      `${calibration.load.latencyMs.p50} ms at ${connections} connections, for ${read.settings.latencyMs} ms injected ` +
      `(+${calibration.p50OverheadMs} ms before any gateway work); through a bare proxy process: ` +
      `p50 ${calibration.proxy.single.latencyMs.p50} ms one at a time, ${calibration.proxy.load.latencyMs.p50} ms at ${connections}`,
  );
  const { passthrough } = read;
  console.log(
    `passthrough: ${passthrough.query} by graphql-yoga fetching and mapping by hand: p50 ${passthrough.single.latencyMs.p50} ms ` +
      `one at a time, ${passthrough.load.latencyMs.p50} ms at ${connections}; the gateway right after: ` +
      `${passthrough.gatewaySingle.latencyMs.p50} ms (+${passthrough.gatewayAboveMs} ms for its own features)`,
  );
  console.table(
    read.queries.map((row) => ({
      query: row.query,
      upstream: row.upstreamRequests,
      minimum: row.minimumRequests,
      "req ratio": format(row.requestRatio),
      "round trips": row.roundTrips,
      "ideal ms": row.idealMs,
      "p50 ms": row.single.latencyMs.p50,
      "p50/ideal": format(row.p50OverIdeal),
      "above floor ms": row.p50AboveFloorMs,
      "above proxy ms": row.p50AboveProxyMs,
      "p50 ms, every body parsed": row.everyBodyParsed?.single.latencyMs.p50 ?? "",
      "p50/ideal, every body parsed": row.everyBodyParsed ? format(row.everyBodyParsed.p50OverIdeal) : "",
      [`p50 ms x${connections}`]: row.load.latencyMs.p50,
      [`p99 ms x${connections}`]: row.load.latencyMs.p99,
      [`p50/ideal x${connections}`]: format(row.loadedP50OverIdeal),
      [`req/s x${connections}`]: row.load.requestsPerSecond,
      failed: row.load.failed + row.single.failed,
    })),
  );
  console.table(
    read.throughput.map((row) => ({
      "cached query": row.query,
      "gateway req/s": row.gateway.requestsPerSecond,
      "bare yoga req/s": row.bareYoga.requestsPerSecond,
      ratio: format(row.ratio),
      "executing req/s": row.executing.requestsPerSecond,
      "executing ratio": format(row.executingRatio),
      "gateway p50 ms": row.gateway.latencyMs.p50,
      "bare yoga p50 ms": row.bareYoga.latencyMs.p50,
      "upstream requests": row.upstreamRequestsDuringRun,
    })),
  );
  const { soak } = read;
  console.table(
    (["idle", "start", "middle", "end"] as const).map((phase) => ({
      "soak phase": phase,
      "at s": soak[phase].atSecond,
      "heap MB": megabytes(soak[phase].heapUsedBytes),
      "rss MB": megabytes(soak[phase].rssBytes),
    })),
  );
  console.log(
    `soak: ${soak.load.ok} queries in ${soak.seconds} s (${soak.load.requestsPerSecond}/s, p50 ${soak.load.latencyMs.p50} ms); ` +
      `growth start -> end: heap ${megabytes(soak.growth.heapBytes)} MB (${soak.growth.heapPercent}%), ` +
      `rss ${megabytes(soak.growth.rssBytes)} MB (${soak.growth.rssPercent}%)`,
  );
  const failed =
    read.queries.reduce((sum, row) => sum + row.load.failed + row.single.failed, 0) +
    read.passthrough.single.failed +
    read.passthrough.load.failed +
    read.passthrough.gatewaySingle.failed +
    read.throughput.reduce(
      (sum, row) => sum + row.gateway.failed + row.executing.failed + row.bareYoga.failed,
      0,
    ) +
    soak.load.failed;
  return { failed };
}

function targetsOf(read: ReadResults) {
  const ratios = read.queries.map((row) => row.requestRatio);
  const latency = read.queries.flatMap((row) => (row.p50OverIdeal === null ? [] : [row.p50OverIdeal]));
  const throughput = read.throughput.map((row) => row.ratio);
  return {
    requestRatio: {
      target: `= ${TARGETS.requestRatio.toFixed(2)} for every query`,
      // null: more than none where none is the minimum, worse than any ratio.
      worst: ratios.includes(null) ? null : Math.max(...ratios.filter((value) => value !== null)),
      met: ratios.every((value) => value === TARGETS.requestRatio),
    },
    p50OverIdeal: {
      target: `<= ${TARGETS.p50OverIdeal} for every query with upstream round trips (one at a time)`,
      // None with --latency 0: there is no ideal to compare with.
      worst: worstOf(latency),
      met: latency.length > 0 && latency.every((value) => value <= TARGETS.p50OverIdeal),
      // The same with every upstream body parsed (cache.parsedBodyBytes: 0), for comparison.
      worstEveryBodyParsed: worstOf(
        read.queries.flatMap((row) =>
          row.everyBodyParsed?.p50OverIdeal == null ? [] : [row.everyBodyParsed.p50OverIdeal],
        ),
      ),
    },
    throughputRatio: {
      target: `>= ${TARGETS.throughputRatio} for every cached query`,
      worst: Math.min(...throughput),
      met: throughput.every((value) => value >= TARGETS.throughputRatio),
    },
    heapGrowthPercent: {
      target: `<= ${TARGETS.heapGrowthPercent}% over the soak`,
      worst: read.soak.growth.heapPercent,
      met: read.soak.growth.heapPercent <= TARGETS.heapGrowthPercent,
    },
  };
}

const worstOf = (values: number[]) => (values.length > 0 ? Math.max(...values) : null);

/** Fails a fan-out run that never completes (its gateway refusing subscribers, say) instead of hanging. */
function withinTime<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const FANOUT_TIMEOUT_MS = 120_000;

async function main() {
  const { only, read: readSettings } = parseFlags(process.argv.slice(2));
  exitChildrenWithBench();
  const previous = readPrevious();
  const date = new Date().toISOString();
  // Other work on the machine shows in every figure: the load average says how quiet it was.
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryBytes: totalmem(),
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
  const results = {
    date,
    node: process.version,
    machine,
    read: previous.read,
    fanoutRun:
      previous.fanoutRun ??
      (previous.date && previous.node ? { date: previous.date, node: previous.node } : undefined),
    fanout: previous.fanout,
  };
  // Written after each part, so a part that fails later does not lose the figures of the one before.
  const save = () => {
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`Wrote ${RESULTS_FILE.pathname}\n`);
  };

  let failedAnswers = 0;
  if (only !== "fanout") {
    const figures = await runRead(readSettings, (line) => process.stdout.write(`${line}...\n`));
    failedAnswers += printRead(figures).failed;
    const targets = targetsOf(figures);
    console.table(
      Object.entries(targets).map(([name, target]) => ({
        target: name,
        wanted: target.target,
        worst: target.worst,
        met: target.met,
      })),
    );
    results.read = { date, node: process.version, ...figures, targets };
    save();
  }

  if (only !== "read") {
    const fanout = [];
    for (const subscribers of [1_000, 5_000]) {
      process.stdout.write(`fan-out: ${subscribers} WebSocket subscribers...\n`);
      fanout.push(
        await withinTime(runFanout(subscribers), FANOUT_TIMEOUT_MS, `fan-out to ${subscribers} subscribers`),
      );
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
    results.fanout = fanout;
    results.fanoutRun = { date, node: process.version };
    save();
  }

  if (failedAnswers > 0) {
    throw new Error(
      `${failedAnswers} answers under load were errors or non-2xx: the figures above are not clean`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
