import { printSchema } from "graphql";
import { z } from "zod";
import { CLEANITALL_DEMO_KEY } from "../sim/cleanitall/index.js";
import { schema } from "../src/schema/index.js";
import {
  type BenchQuery,
  CACHED_QUERY,
  COLD_QUERIES,
  PASSTHROUGH_QUERY,
  THROUGHPUT_QUERIES,
} from "./queries.js";
import {
  type GraphQLRequest,
  type LoadResult,
  mergeRuns,
  postGraphQL,
  round1,
  round2,
  runGetLoad,
  runLoad,
} from "./support/load.js";
import { type BenchChild, startChild } from "./support/processes.js";
import { type BenchUpstreams, startUpstreams, totalRequests } from "./support/simulators.js";

/**
 * The read-path benchmark: the five simulators with injected latency in this process, the gateway in
 * a child process, and for each query of a fixed set
 * - upstream requests for one execution with a cold cache, against the fewest the endpoints allow;
 * - p50/p99 latency with the cache off, against the critical-path ideal (sequential upstream round
 *   trips x injected latency): one query at a time (the critical path and the gateway's own work:
 *   the target's figure; measured in rounds over the whole set, see measureSingles) and under steady
 *   load (queueing for the CPU of a small machine included);
 * then throughput of cached queries against bare graphql-yoga answering the same JSON from memory,
 * and the gateway's memory over a soak at steady load.
 */

export interface ReadSettings {
  /** Added by every simulator to every request. */
  latencyMs: number;
  /** Measured load per query and per throughput run. */
  durationSeconds: number;
  /** Load before each measurement, not counted (JIT, keep-alive pools). */
  warmupSeconds: number;
  connections: number;
  soakSeconds: number;
}

export interface QueryFigures {
  query: string;
  /** Upstream requests of one execution (cold cache; the cached query: warm). */
  upstreamRequests: number;
  upstreamRequestsByRoute: Record<string, number>;
  minimumRequests: number;
  minimumWhy: string;
  /** upstreamRequests / minimumRequests (1 when both are 0; null when only the minimum is 0). */
  requestRatio: number | null;
  roundTrips: number;
  roundTripsWhy: string;
  idealMs: number;
  /** One query at a time: its latency is the critical path plus the gateway's own work. */
  single: LoadResult;
  /** `connections` at once: latency under load (queueing for the CPU included). */
  load: LoadResult;
  /** single p50 / idealMs; null when the ideal is 0 ms. The target's figure. */
  p50OverIdeal: number | null;
  /** load p50 / idealMs: the same under steady load. */
  loadedP50OverIdeal: number | null;
  /**
   * single p50 minus the calibration's single p50 for each round trip: roughly what the gateway
   * itself adds, since the simulators and the load generator already add some to every round trip.
   */
  p50AboveFloorMs: number;
  /** single p50 minus the bare proxy's single p50 for each round trip: the gateway's own work, roughly. */
  p50AboveProxyMs: number;
  /** Upstream requests per answered query over the whole measured load. */
  upstreamRequestsPerQueryUnderLoad: number;
  /**
   * One at a time on a gateway that parses every upstream body (`cache.parsedBodyBytes: 0`),
   * measured in the same rounds: the simulators answer the same bytes every time, so the default
   * gateway reuses what it parsed from them (cold set only).
   */
  everyBodyParsed?: { single: LoadResult; p50OverIdeal: number | null };
}

export interface ThroughputFigures {
  query: string;
  /** The gateway as configured by default: a repeated answer is given again (answer reuse). */
  gateway: LoadResult;
  /** The gateway with answer reuse off: every query executed over the upstream cache. */
  executing: LoadResult;
  bareYoga: LoadResult;
  /** gateway / bare yoga requests per second. */
  ratio: number;
  /** executing / bare yoga requests per second. */
  executingRatio: number;
  /** Upstream requests while the gateway was measured (0: the cache answered everything). */
  upstreamRequestsDuringRun: number;
}

export interface MemorySample {
  atSecond: number;
  heapUsedBytes: number;
  rssBytes: number;
}

export interface SoakFigures {
  seconds: number;
  queries: string[];
  load: LoadResult;
  idle: MemorySample;
  start: MemorySample;
  middle: MemorySample;
  end: MemorySample;
  /** end - start, after a full GC each. */
  growth: { heapBytes: number; rssBytes: number; heapPercent: number; rssPercent: number };
}

/** The floor under every latency figure: the same load straight at a simulator, no gateway. */
export interface CalibrationFigures {
  target: string;
  /** One request at a time. */
  single: LoadResult;
  /** `connections` at once. */
  load: LoadResult;
  /** single p50 minus the injected latency: what the simulator and the load generator add to one round trip. */
  p50OverheadMs: number;
  /**
   * The same GET through a bare HTTP proxy in its own process (no GraphQL, no parsing): what any
   * process between the load generator and an upstream costs on this machine.
   */
  proxy: { single: LoadResult; load: LoadResult; p50OverheadMs: number };
}

/**
 * One query answered by graphql-yoga fetching the upstream with undici and mapping by hand (no
 * gateway features): the latency any graphql-yoga server in between has, before the gateway's own.
 */
export interface PassthroughFigures {
  query: string;
  single: LoadResult;
  load: LoadResult;
  /** The gateway's single p50 for the same query, measured right after, and the difference. */
  gatewaySingle: LoadResult;
  gatewayAboveMs: number;
}

export interface ReadResults {
  settings: ReadSettings & { gateway: Record<string, unknown> };
  calibration: CalibrationFigures;
  passthrough: PassthroughFigures;
  queries: QueryFigures[];
  throughput: ThroughputFigures[];
  soak: SoakFigures;
}

const API_KEY = "bench_read_key_0123456789abcdef";
/** Signs in to JobCloser once per gateway process: the session lasts the tenant's life, not a query's. */
const JOBCLOSER_SIGN_IN = { query: "{ company(source: JOBCLOSER) { name } }" };
/** Long enough to outlast any run: the warm scenarios must never go upstream. */
const WARM_TTL_MS = 3_600_000;
const graphQLAnswer = z.object({ data: z.record(z.string(), z.unknown()) });
const started = z.object({ url: z.string() });
const memoryReply = z.object({ heapUsed: z.number(), rss: z.number() });

interface RunningGateway {
  child: BenchChild;
  url: string;
  memory(atSecond: number): Promise<MemorySample>;
}

function gatewayConfig(
  upstreams: BenchUpstreams,
  cache: { ttlMs?: number; maxAnswers?: number; parsedBodyBytes?: number; jobcloserListCacheTtlMs?: number },
) {
  const cacheConfig = {
    ...(cache.ttlMs !== undefined ? { ttlMs: cache.ttlMs } : {}),
    ...(cache.maxAnswers !== undefined ? { maxAnswers: cache.maxAnswers } : {}),
    ...(cache.parsedBodyBytes !== undefined ? { parsedBodyBytes: cache.parsedBodyBytes } : {}),
  };
  return {
    server: { host: "127.0.0.1", port: 0, graphiql: false },
    cache: cacheConfig,
    // The gateway's own per-key limit would cap the load generator, not measure the gateway; and the
    // simulators' limits are lifted, so budgets at the documented limits (CleverInvo's 120 a minute)
    // would only make the load wait.
    rateLimit: { requestsPerMinute: 1_000_000, burst: 100_000 },
    http: { rateBudgets: false },
    tenants: [
      {
        id: "bench",
        apiKeys: [{ key: API_KEY, scopes: ["read"] }],
        upstreams: upstreams.upstreamsConfig({
          jobcloserListCacheTtlMs: cache.jobcloserListCacheTtlMs ?? 60_000,
        }),
      },
    ],
  };
}

async function startGateway(config: unknown): Promise<RunningGateway> {
  const child = await startChild("gateway process", new URL("./support/gatewayProcess.ts", import.meta.url));
  try {
    const { url } = started.parse(await child.request({ cmd: "start", config }, "start"));
    await postGraphQL(url, API_KEY, JOBCLOSER_SIGN_IN);
    return {
      child,
      url,
      async memory(atSecond) {
        const sample = memoryReply.parse(await child.request({ cmd: "memory" }, "memory"));
        return { atSecond, heapUsedBytes: sample.heapUsed, rssBytes: sample.rss };
      },
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

const toError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

function dataOf(body: string): Record<string, unknown> {
  return graphQLAnswer.parse(JSON.parse(body)).data;
}

function ratio(actual: number, minimum: number): number | null {
  if (actual === minimum) return 1;
  return minimum === 0 ? null : round2(actual / minimum);
}

interface Counted {
  request: GraphQLRequest;
  upstreamRequests: number;
  byRoute: Record<string, number>;
  data: Record<string, unknown>;
}

/**
 * One execution, counted at the simulators. Only while nothing else is in flight: a load run's last
 * requests are still being answered upstream after the load generator stops.
 */
async function countOneExecution(
  gateway: RunningGateway,
  upstreams: BenchUpstreams,
  query: BenchQuery,
): Promise<Counted> {
  const request = query.request(upstreams);
  upstreams.resetCounts();
  const data = dataOf(await postGraphQL(gateway.url, API_KEY, request));
  const byRoute = upstreams.counts();
  return { request, upstreamRequests: totalRequests(byRoute), byRoute, data };
}

/** Rounds the one-at-a-time measurement of the cold query set is split into (see measureSingles). */
const SINGLE_ROUNDS = 5;

/**
 * One-at-a-time latency of each request, measured in rounds that go through the whole set in turn
 * (each request `durationSeconds / rounds` per round), every request's samples then merged. This
 * machine's speed drifts over a run (a shared host); in rounds, a slow spell is shared by every
 * query instead of landing on the one measured during it.
 */
async function measureSingles(
  measured: ReadonlyArray<{ gateway: RunningGateway; request: GraphQLRequest }>,
  settings: ReadSettings,
): Promise<LoadResult[]> {
  const rounds = Math.max(1, Math.min(SINGLE_ROUNDS, Math.floor(settings.durationSeconds)));
  const runs = measured.map(() => ({ results: [] as LoadResult[], samples: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    for (const [index, { gateway, request }] of measured.entries()) {
      const run = runs[index];
      if (!run) continue;
      run.results.push(
        await runLoad({
          url: gateway.url,
          apiKey: API_KEY,
          requests: [request],
          connections: 1,
          durationSeconds: settings.durationSeconds / rounds,
          samples: run.samples,
        }),
      );
    }
  }
  return runs.map((run) => mergeRuns(run.results, run.samples));
}

/** `single`: the one-at-a-time run, when measured already (measureSingles); else measured here. */
async function measureLatency(
  gateway: RunningGateway,
  upstreams: BenchUpstreams,
  query: BenchQuery,
  counted: Counted,
  settings: ReadSettings,
  calibration: CalibrationFigures,
  measuredSingle?: LoadResult,
): Promise<QueryFigures> {
  const minimum = query.minimumRequests(upstreams, counted.data);
  const roundTrips = query.roundTrips(upstreams, counted.data);
  const idealMs = roundTrips.value * settings.latencyMs;
  const loadOptions = {
    url: gateway.url,
    apiKey: API_KEY,
    requests: [counted.request],
    connections: settings.connections,
  };
  let single = measuredSingle;
  if (!single) {
    await runLoad({ ...loadOptions, durationSeconds: settings.warmupSeconds });
    single = await runLoad({ ...loadOptions, connections: 1, durationSeconds: settings.durationSeconds });
  }
  upstreams.resetCounts();
  const load = await runLoad({ ...loadOptions, durationSeconds: settings.durationSeconds });
  return {
    query: query.id,
    upstreamRequests: counted.upstreamRequests,
    upstreamRequestsByRoute: counted.byRoute,
    minimumRequests: minimum.value,
    minimumWhy: minimum.why,
    requestRatio: ratio(counted.upstreamRequests, minimum.value),
    roundTrips: roundTrips.value,
    roundTripsWhy: roundTrips.why,
    idealMs,
    single,
    load,
    p50OverIdeal: idealMs > 0 ? round2(single.latencyMs.p50 / idealMs) : null,
    loadedP50OverIdeal: idealMs > 0 ? round2(load.latencyMs.p50 / idealMs) : null,
    p50AboveFloorMs: round1(single.latencyMs.p50 - roundTrips.value * calibration.single.latencyMs.p50),
    p50AboveProxyMs: round1(single.latencyMs.p50 - roundTrips.value * calibration.proxy.single.latencyMs.p50),
    upstreamRequestsPerQueryUnderLoad: round2(totalRequests(upstreams.counts()) / Math.max(1, load.sent)),
  };
}

async function measureThroughput(
  gateway: RunningGateway,
  executing: RunningGateway,
  upstreams: BenchUpstreams,
  query: BenchQuery,
  settings: ReadSettings,
): Promise<ThroughputFigures> {
  const request = query.request(upstreams);
  const answer = await postGraphQL(gateway.url, API_KEY, request);
  const bare = await startChild(
    "bare graphql-yoga process",
    new URL("./support/bareYogaProcess.ts", import.meta.url),
  );
  try {
    const { url: bareUrl } = started.parse(
      await bare.request(
        {
          cmd: "start",
          typeDefs: printSchema(schema),
          rootField: query.rootField,
          value: dataOf(answer)[query.rootField],
        },
        "start",
      ),
    );
    const bareAnswer = await postGraphQL(bareUrl, API_KEY, request);
    if (bareAnswer !== answer) {
      throw new Error(
        `bare graphql-yoga does not answer "${query.id}" as the gateway does:\n` +
          `  gateway: ${answer.slice(0, 300)}\n  bare:    ${bareAnswer.slice(0, 300)}`,
      );
    }
    const options = { apiKey: API_KEY, requests: [request], connections: settings.connections };
    await runLoad({ ...options, url: gateway.url, durationSeconds: settings.warmupSeconds });
    upstreams.resetCounts();
    const gatewayLoad = await runLoad({
      ...options,
      url: gateway.url,
      durationSeconds: settings.durationSeconds,
    });
    const upstreamRequestsDuringRun = totalRequests(upstreams.counts());
    if ((await postGraphQL(executing.url, API_KEY, request)) !== answer) {
      throw new Error(`the gateway without answer reuse does not answer "${query.id}" as with it`);
    }
    await runLoad({ ...options, url: executing.url, durationSeconds: settings.warmupSeconds });
    const executingLoad = await runLoad({
      ...options,
      url: executing.url,
      durationSeconds: settings.durationSeconds,
    });
    await runLoad({ ...options, url: bareUrl, durationSeconds: settings.warmupSeconds });
    const bareLoad = await runLoad({ ...options, url: bareUrl, durationSeconds: settings.durationSeconds });
    return {
      query: query.id,
      gateway: gatewayLoad,
      executing: executingLoad,
      bareYoga: bareLoad,
      ratio: round2(gatewayLoad.requestsPerSecond / bareLoad.requestsPerSecond),
      executingRatio: round2(executingLoad.requestsPerSecond / bareLoad.requestsPerSecond),
      upstreamRequestsDuringRun,
    };
  } finally {
    await bare.stop();
  }
}

async function soak(
  gateway: RunningGateway,
  upstreams: BenchUpstreams,
  settings: ReadSettings,
): Promise<SoakFigures> {
  const requests = COLD_QUERIES.map((query) => query.request(upstreams));
  const options = { url: gateway.url, apiKey: API_KEY, requests, connections: settings.connections };
  const idle = await gateway.memory(0);
  // Warm-up: pools, JIT and the cache reach their steady state before the first sample.
  const warmupSeconds = Math.max(settings.warmupSeconds, Math.min(5, settings.soakSeconds / 4));
  await runLoad({ ...options, durationSeconds: warmupSeconds });
  const start = await gateway.memory(0);
  // The middle sample is taken under load, when the load generator has run half the soak; the GC
  // pause it forces is part of the run.
  const halfway = Math.max(1, Math.floor(settings.soakSeconds / 2));
  const sampled: { middle?: Promise<MemorySample | Error> } = {};
  const load = await runLoad({
    ...options,
    durationSeconds: settings.soakSeconds,
    onSecond: (second) => {
      // Settled into a value at once, so a failure waits for the load to end without going unhandled.
      if (second === halfway) {
        sampled.middle = gateway.memory(second).catch((error: unknown) => toError(error));
      }
    },
  });
  const middle = await sampled.middle;
  if (middle === undefined) throw new Error(`the soak load stopped before its second ${halfway}`);
  if (middle instanceof Error) throw middle;
  const end = await gateway.memory(settings.soakSeconds);
  const heapBytes = end.heapUsedBytes - start.heapUsedBytes;
  const rssBytes = end.rssBytes - start.rssBytes;
  return {
    seconds: settings.soakSeconds,
    queries: COLD_QUERIES.map((query) => query.id),
    load,
    idle,
    start,
    middle,
    end,
    growth: {
      heapBytes,
      rssBytes,
      heapPercent: round1((heapBytes / start.heapUsedBytes) * 100),
      rssPercent: round1((rssBytes / start.rssBytes) * 100),
    },
  };
}

async function calibrate(upstreams: BenchUpstreams, settings: ReadSettings): Promise<CalibrationFigures> {
  const options = {
    url: `${upstreams.cleanitall.baseUrl}/jobs?limit=50`,
    headers: { "x-api-key": CLEANITALL_DEMO_KEY },
    connections: settings.connections,
  };
  await runGetLoad({ ...options, durationSeconds: settings.warmupSeconds });
  const single = await runGetLoad({ ...options, connections: 1, durationSeconds: settings.durationSeconds });
  const load = await runGetLoad({ ...options, durationSeconds: settings.durationSeconds });

  const proxy = await startChild("bare proxy process", new URL("./support/proxyProcess.ts", import.meta.url));
  try {
    const { url } = started.parse(
      await proxy.request({ cmd: "start", upstream: upstreams.cleanitall.baseUrl }, "start"),
    );
    const through = { ...options, url: `${url}/jobs?limit=50` };
    await runGetLoad({ ...through, durationSeconds: settings.warmupSeconds });
    const proxySingle = await runGetLoad({
      ...through,
      connections: 1,
      durationSeconds: settings.durationSeconds,
    });
    const proxyLoad = await runGetLoad({ ...through, durationSeconds: settings.durationSeconds });
    return {
      target: "CleanItAll GET /jobs?limit=50 straight at the simulator",
      single,
      load,
      p50OverheadMs: round1(single.latencyMs.p50 - settings.latencyMs),
      proxy: {
        single: proxySingle,
        load: proxyLoad,
        p50OverheadMs: round1(proxySingle.latencyMs.p50 - settings.latencyMs),
      },
    };
  } finally {
    await proxy.stop();
  }
}

async function measurePassthrough(
  gateway: RunningGateway,
  upstreams: BenchUpstreams,
  settings: ReadSettings,
): Promise<PassthroughFigures> {
  const request = PASSTHROUGH_QUERY.request(upstreams);
  const answer = await postGraphQL(gateway.url, API_KEY, request);
  const child = await startChild(
    "graphql-yoga passthrough process",
    new URL("./support/passthroughYogaProcess.ts", import.meta.url),
  );
  try {
    const { url } = started.parse(
      await child.request(
        {
          cmd: "start",
          typeDefs: printSchema(schema),
          upstream: upstreams.cleanitall.baseUrl,
          apiKey: CLEANITALL_DEMO_KEY,
          currency: "USD",
        },
        "start",
      ),
    );
    const passthroughAnswer = await postGraphQL(url, API_KEY, request);
    if (passthroughAnswer !== answer) {
      throw new Error(
        `the graphql-yoga passthrough does not answer "${PASSTHROUGH_QUERY.id}" as the gateway does:\n` +
          `  gateway:     ${answer.slice(0, 300)}\n  passthrough: ${passthroughAnswer.slice(0, 300)}`,
      );
    }
    const options = { apiKey: API_KEY, requests: [request] };
    await runLoad({ ...options, url, connections: 1, durationSeconds: settings.warmupSeconds });
    const single = await runLoad({
      ...options,
      url,
      connections: 1,
      durationSeconds: settings.durationSeconds,
    });
    const load = await runLoad({
      ...options,
      url,
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
    });
    await runLoad({ ...options, url: gateway.url, connections: 1, durationSeconds: settings.warmupSeconds });
    const gatewaySingle = await runLoad({
      ...options,
      url: gateway.url,
      connections: 1,
      durationSeconds: settings.durationSeconds,
    });
    return {
      query: PASSTHROUGH_QUERY.id,
      single,
      load,
      gatewaySingle,
      gatewayAboveMs: round1(gatewaySingle.latencyMs.p50 - single.latencyMs.p50),
    };
  } finally {
    await child.stop();
  }
}

async function withGateway<T>(config: unknown, run: (gateway: RunningGateway) => Promise<T>): Promise<T> {
  const gateway = await startGateway(config);
  try {
    return await run(gateway);
  } finally {
    await gateway.child.stop();
  }
}

export async function runRead(
  settings: ReadSettings,
  progress: (line: string) => void = () => {},
): Promise<ReadResults> {
  const upstreams = await startUpstreams(settings.latencyMs);
  try {
    progress("calibration: the load generator straight at a simulator");
    const calibration = await calibrate(upstreams, settings);
    const queries: QueryFigures[] = [];
    // Cold: nothing is reused across requests, so every execution pays its full upstream cost.
    const cold = gatewayConfig(upstreams, { ttlMs: 0, jobcloserListCacheTtlMs: 0 });
    // The same, parsing every upstream body: the simulators answer the same bytes every time, which
    // the gateway's default config turns into parsed records reused (cache.parsedBodyBytes).
    const coldParsing = gatewayConfig(upstreams, {
      ttlMs: 0,
      parsedBodyBytes: 0,
      jobcloserListCacheTtlMs: 0,
    });
    const passthrough = await withGateway(cold, (gateway) =>
      withGateway(coldParsing, async (parsing) => {
        // Load over the whole set first, as a long-running gateway has had: otherwise the first query
        // measured pays for the JIT compiling code every query shares, and the last ones do not.
        progress("warm-up: every query under load");
        for (const query of COLD_QUERIES) {
          for (const warmed of [gateway, parsing]) {
            await runLoad({
              url: warmed.url,
              apiKey: API_KEY,
              requests: [query.request(upstreams)],
              connections: settings.connections,
              durationSeconds: settings.warmupSeconds,
            });
          }
        }
        // Then one execution of each, one after another: the warm-up's last upstream requests (a
        // load run's tail) are over before anything is counted.
        for (const query of COLD_QUERIES) await postGraphQL(gateway.url, API_KEY, query.request(upstreams));
        // Every count before any load: a load run's tail would still be going upstream.
        const counted: Array<[BenchQuery, Counted]> = [];
        for (const query of COLD_QUERIES)
          counted.push([query, await countOneExecution(gateway, upstreams, query)]);
        progress(`read: every query one at a time, in ${SINGLE_ROUNDS} rounds over the set`);
        // Both gateways in the same rounds: a slow spell of the machine lands on both alike.
        const singles = await measureSingles(
          counted.flatMap(([, execution]) => [
            { gateway, request: execution.request },
            { gateway: parsing, request: execution.request },
          ]),
          settings,
        );
        for (const [index, [query, execution]] of counted.entries()) {
          progress(`read: ${query.id}, ${settings.connections} at once`);
          const figures = await measureLatency(
            gateway,
            upstreams,
            query,
            execution,
            settings,
            calibration,
            singles[2 * index],
          );
          const parsingSingle = singles[2 * index + 1];
          if (parsingSingle) {
            figures.everyBodyParsed = {
              single: parsingSingle,
              p50OverIdeal:
                figures.idealMs > 0 ? round2(parsingSingle.latencyMs.p50 / figures.idealMs) : null,
            };
          }
          queries.push(figures);
        }
        progress(`passthrough: ${PASSTHROUGH_QUERY.id}, graphql-yoga fetching by hand vs the gateway`);
        return measurePassthrough(gateway, upstreams, settings);
      }),
    );

    // Warm: the same upstream GETs are reused for the TTL (and JobCloser's lists for theirs).
    const warm = gatewayConfig(upstreams, { ttlMs: WARM_TTL_MS, jobcloserListCacheTtlMs: WARM_TTL_MS });
    // The same, executing every query: what answer reuse saves, and what execution alone costs.
    const warmExecuting = gatewayConfig(upstreams, {
      ttlMs: WARM_TTL_MS,
      maxAnswers: 0,
      jobcloserListCacheTtlMs: WARM_TTL_MS,
    });
    const throughput: ThroughputFigures[] = [];
    await withGateway(warm, (gateway) =>
      withGateway(warmExecuting, async (executing) => {
        for (const query of [CACHED_QUERY, ...THROUGHPUT_QUERIES]) {
          await postGraphQL(gateway.url, API_KEY, query.request(upstreams));
          await postGraphQL(executing.url, API_KEY, query.request(upstreams));
        }
        const counted = await countOneExecution(gateway, upstreams, CACHED_QUERY);
        progress(`read: ${CACHED_QUERY.id}`);
        queries.push(await measureLatency(gateway, upstreams, CACHED_QUERY, counted, settings, calibration));
        for (const query of THROUGHPUT_QUERIES) {
          progress(
            `throughput: ${query.id}, gateway (warm cache, with and without answer reuse) vs bare graphql-yoga`,
          );
          throughput.push(await measureThroughput(gateway, executing, upstreams, query, settings));
        }
      }),
    );

    // Soak: the production defaults (5 s cache, 60 s JobCloser lists), every query of the set in turn.
    progress(`soak: ${settings.soakSeconds} s at ${settings.connections} connections`);
    const soakFigures = await withGateway(gatewayConfig(upstreams, {}), (gateway) =>
      soak(gateway, upstreams, settings),
    );

    return {
      settings: {
        ...settings,
        gateway: {
          cold: { cache: { ttlMs: 0 }, jobcloserListCacheTtlMs: 0 },
          coldEveryBodyParsed: { cache: { ttlMs: 0, parsedBodyBytes: 0 }, jobcloserListCacheTtlMs: 0 },
          warm: { cache: { ttlMs: WARM_TTL_MS }, jobcloserListCacheTtlMs: WARM_TTL_MS },
          warmExecuting: {
            cache: { ttlMs: WARM_TTL_MS, maxAnswers: 0 },
            jobcloserListCacheTtlMs: WARM_TTL_MS,
          },
          soak: "defaults (cache.ttlMs 5000, jobcloser listCacheTtlMs 60000)",
          rateLimit: { requestsPerMinute: 1_000_000, burst: 100_000 },
          http: { rateBudgets: false },
        },
      },
      calibration,
      passthrough,
      queries,
      throughput,
      soak: soakFigures,
    };
  } finally {
    await upstreams.close();
  }
}
