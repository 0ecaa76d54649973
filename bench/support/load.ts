import autocannon from "autocannon";

/**
 * Steady load with autocannon: a fixed number of connections, each sending the next request as soon
 * as the previous one is answered, for a fixed time. Latencies are kept at full precision (autocannon's
 * own histogram rounds to whole milliseconds, too coarse next to a 20 ms ideal), and every answer is
 * checked: a 200 whose body carries GraphQL `errors` counts as a failure, not as a fast answer.
 */

export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown>;
}

export interface LoadOptions {
  /** Base URL of the server; requests go to `<url>/graphql`. */
  url: string;
  apiKey: string;
  /** Sent in turn on every connection. */
  requests: GraphQLRequest[];
  connections: number;
  durationSeconds: number;
  /** Called as each second of the run ends (1, 2, ...). */
  onSecond?: (second: number) => void;
  /** Every answered request's latency (ms) is also pushed here, to merge several runs. */
  samples?: number[];
}

export interface LoadResult {
  /** Answers that were 2xx with `data` and no `errors`. */
  ok: number;
  /** Anything else: non-2xx, GraphQL errors, connection errors, timeouts. */
  failed: number;
  /** Requests sent, answered or not (the last ones may be in flight when the time is up). */
  sent: number;
  /** Answered requests per second (ok ones). */
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
  durationSeconds: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

export const round1 = (value: number) => Math.round(value * 10) / 10;
export const round2 = (value: number) => Math.round(value * 100) / 100;

/** The body of a successful GraphQL answer: `data` first, and no top-level `errors` key anywhere. */
export function isCleanAnswer(body: string): boolean {
  // A string value containing `"errors":` is escaped in JSON, so the raw sequence can only be a key.
  return body.startsWith('{"data":') && !body.includes('"errors":');
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return measure(
    {
      url: `${options.url}/graphql`,
      connections: options.connections,
      duration: options.durationSeconds,
      requests: options.requests.map((request) => ({
        method: "POST" as const,
        path: "/graphql",
        headers: { "content-type": "application/json", authorization: `Bearer ${options.apiKey}` },
        body: JSON.stringify(request),
      })),
    },
    isCleanAnswer,
    options.onSecond,
    options.samples,
  );
}

/** Plain GETs of one URL (a simulator route, to measure what the load generator itself adds). */
export function runGetLoad(options: {
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
}): Promise<LoadResult> {
  return measure(
    {
      url: options.url,
      headers: options.headers,
      connections: options.connections,
      duration: options.durationSeconds,
    },
    () => true,
  );
}

function measure(
  settings: autocannon.Options,
  verify: (body: string) => boolean,
  onSecond?: (second: number) => void,
  samples?: number[],
): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(
      {
        ...settings,
        verifyBody: (body) => verify(typeof body === "string" ? body : String(body ?? "")),
      },
      (error: unknown, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        samples?.push(...latencies);
        // A GraphQL check fails every non-2xx answer too (mismatches = non-2xx + bad 2xx); a plain
        // GET check passes everything (mismatches = 0). This counts each failed answer once either way.
        const bad2xx = Math.max(0, result.mismatches - result.non2xx);
        const ok = result["2xx"] - bad2xx;
        const failed = result.errors + result.non2xx + bad2xx;
        resolve({
          ok,
          failed,
          sent: result.requests.sent,
          requestsPerSecond: round1(ok / result.duration),
          latencyMs: latencyFigures(latencies),
          durationSeconds: result.duration,
        });
      },
    );
    let seconds = 0;
    instance.on("tick", () => onSecond?.(++seconds));
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

/** p50, p99, mean and max of latencies (ms), to 0.1 ms. */
function latencyFigures(latencies: number[]): LoadResult["latencyMs"] {
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return {
    p50: round1(percentile(sorted, 50)),
    p99: round1(percentile(sorted, 99)),
    mean: round1(mean),
    max: round1(sorted.at(-1) ?? Number.NaN),
  };
}

/** Several runs of one request as one: counts summed, latencies over all their samples. */
export function mergeRuns(runs: readonly LoadResult[], samples: number[]): LoadResult {
  const sum = (figure: (run: LoadResult) => number) => runs.reduce((total, run) => total + figure(run), 0);
  const ok = sum((run) => run.ok);
  const durationSeconds = sum((run) => run.durationSeconds);
  return {
    ok,
    failed: sum((run) => run.failed),
    sent: sum((run) => run.sent),
    requestsPerSecond: round1(ok / Math.max(durationSeconds, Number.MIN_VALUE)),
    latencyMs: latencyFigures(samples),
    durationSeconds,
  };
}

/** POSTs one GraphQL request and returns the raw body, refusing anything but a clean answer. */
export async function postGraphQL(url: string, apiKey: string, request: GraphQLRequest): Promise<string> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(request),
  });
  const body = await response.text();
  if (response.status !== 200 || !isCleanAnswer(body)) {
    throw new Error(`${url}/graphql answered ${response.status}: ${body.slice(0, 500)}`);
  }
  return body;
}
