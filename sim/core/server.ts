import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Rng } from "./rng.js";

/**
 * The HTTP core every simulator is built on: a small router, per-route request counters,
 * a request log, added latency and fault injection. Counters and faults are what the tests and
 * benchmarks measure the gateway with, so every request that reaches a simulator route is counted,
 * faulted or not. Control endpoints under `/__sim/` let another process (bench, `npm run sim`)
 * drive the same switches; they are never counted.
 */

export interface SimRequest {
  method: string;
  /** Path without the query string, e.g. `/api/v1/jobs/job_123`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Path parameters of the matched route pattern (`:id` or `{id}` segments). */
  params: Record<string, string>;
  /** The matched route key, e.g. `GET /api/v1/jobs/:id`. */
  routeKey: string;
  /** Remote address, for per-IP rate limits of public endpoints. */
  remoteAddress: string;
}

export interface SimResponse {
  status: number;
  /** JSON-serialised unless `raw` is given. Omitted for bodiless responses (204). */
  body?: unknown;
  raw?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export interface SimRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Full path pattern, with `:name` or `{name}` parameters: `/api/v1/jobs/:id`. */
  pattern: string;
  handler: SimHandler;
}

export type FaultKind =
  /** Answer with an upstream 5xx error body (status defaults to 500). */
  | "status"
  /** Answer 429 the way the upstream does, with its headers. */
  | "rateLimit"
  /** Destroy the socket without answering. */
  | "drop"
  /** Answer correctly, after `delayMs`. */
  | "slow";

export interface FaultRule {
  kind: FaultKind;
  /** HTTP status for `status` faults (500, 502, 503, 504). */
  status?: number;
  /** Delay for `slow` faults. */
  delayMs?: number;
  /** Only requests whose route key (`GET /api/v1/jobs/:id`) or path starts with this. Default: all. */
  route?: string;
  /** Probability in [0, 1] that a matching request is faulted. Default 1. */
  probability?: number;
  /** Fault at most this many requests, then the rule expires. Default: unlimited. */
  times?: number;
}

export interface LoggedRequest {
  method: string;
  routeKey: string;
  path: string;
  query: string;
  faulted: FaultKind | null;
}

export interface SimServerOptions {
  name: string;
  routes: SimRoute[];
  /** Body of the upstream's 404 for an unknown path. */
  notFound: (req: SimRequest) => SimResponse;
  /** Answer for a known path with an unsupported method; defaults to `notFound`. */
  methodNotAllowed?: (req: SimRequest) => SimResponse;
  /** The upstream's own 5xx body, used by `status` faults. */
  serverError: (status: number) => SimResponse;
  /** The upstream's own 429 answer, used by `rateLimit` faults. */
  rateLimited: () => SimResponse;
  /** Seed for probabilistic faults, so a fault run is repeatable. */
  faultSeed?: number;
}

interface CompiledRoute extends SimRoute {
  key: string;
  regex: RegExp;
  paramNames: string[];
}

const CONTROL_PREFIX = "/__sim/";
const MAX_LOGGED_REQUESTS = 20_000;

function compile(route: SimRoute): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.pattern
    .split("/")
    .map((segment) => {
      const match = /^:(\w+)$/.exec(segment) ?? /^\{(\w+)\}$/.exec(segment);
      if (match?.[1]) {
        paramNames.push(match[1]);
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return {
    ...route,
    key: `${route.method} ${route.pattern}`,
    regex: new RegExp(`^${source}/?$`),
    paramNames,
  };
}

/** Counters, request log, latency and faults of one simulator. Shared by tests and the control API. */
export class SimControl {
  private readonly counts = new Map<string, number>();
  readonly requests: LoggedRequest[] = [];
  private faults: Array<FaultRule & { used: number }> = [];
  private latencyMs = 0;
  private rng: Rng;

  constructor(private readonly faultSeed = 1) {
    this.rng = new Rng(faultSeed);
  }

  /** Requests served on one route key (`GET /api/v1/jobs/:id`), or on all routes when omitted. */
  count(routeKey?: string): number {
    if (routeKey === undefined) {
      let total = 0;
      for (const n of this.counts.values()) total += n;
      return total;
    }
    return this.counts.get(routeKey) ?? 0;
  }

  /** Every route key with its count, sorted by key. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Clears counters and the request log (not faults or latency). */
  resetCounts(): void {
    this.counts.clear();
    this.requests.length = 0;
  }

  /** How long every answer takes at least, the simulator's own work included (a slow upstream). */
  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`latency must be a non-negative number, got ${ms}`);
    this.latencyMs = ms;
  }

  get latency(): number {
    return this.latencyMs;
  }

  injectFault(rule: FaultRule): void {
    this.faults.push({ ...rule, used: 0 });
  }

  clearFaults(): void {
    this.faults = [];
    this.rng = new Rng(this.faultSeed);
  }

  /** Back to a clean slate: no faults, no latency, zero counters. */
  reset(): void {
    this.clearFaults();
    this.setLatency(0);
    this.resetCounts();
  }

  /** @internal Records a request and decides whether it is faulted. */
  admit(method: string, routeKey: string, path: string, query: string): FaultRule | null {
    this.counts.set(routeKey, (this.counts.get(routeKey) ?? 0) + 1);
    let chosen: FaultRule | null = null;
    for (const rule of this.faults) {
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      if (rule.route && !routeKey.startsWith(rule.route) && !path.startsWith(rule.route)) continue;
      if (this.rng.next() >= (rule.probability ?? 1)) continue;
      rule.used++;
      chosen = rule;
      break;
    }
    if (this.requests.length < MAX_LOGGED_REQUESTS) {
      this.requests.push({ method, routeKey, path, query, faulted: chosen?.kind ?? null });
    }
    return chosen;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SimServer {
  readonly control: SimControl;
  private readonly routes: CompiledRoute[];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private origin = "";

  constructor(private readonly options: SimServerOptions) {
    this.routes = options.routes.map(compile);
    this.control = new SimControl(options.faultSeed);
  }

  get name(): string {
    return this.options.name;
  }

  /** `http://127.0.0.1:<port>` once listening. */
  get url(): string {
    if (!this.origin) throw new Error(`${this.options.name} simulator is not listening`);
    return this.origin;
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = createServer((req, res) => {
      // The upstream's clock starts when the request arrives, not when this process (five
      // simulators and the load generator share it) gets round to it.
      const arrivedAt = performance.now();
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        this.handle(
          req.method ?? "GET",
          req.url ?? "/",
          req.headers,
          Buffer.concat(chunks),
          req.socket,
          res,
          arrivedAt,
        ).catch((error: unknown) => {
          if (!res.headersSent) this.send(res, this.options.serverError(500));
          console.error(`${this.options.name} simulator: handler failed`, error);
        });
      });
    });
    server.keepAliveTimeout = 30_000;
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.origin = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
    return this.origin;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(
    method: string,
    rawUrl: string,
    headers: IncomingHttpHeaders,
    rawBody: Buffer,
    socket: Socket,
    res: ServerResponse,
    arrivedAt: number,
  ): Promise<void> {
    const url = new URL(rawUrl, "http://sim.local");
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      this.send(res, this.controlRequest(method, url.pathname.slice(CONTROL_PREFIX.length), rawBody));
      return;
    }

    const pathMatches = this.routes.filter((route) => route.regex.test(url.pathname));
    const route = pathMatches.find((candidate) => candidate.method === method);
    const routeKey = route ? route.key : `${method} <unmatched>`;
    const fault = this.control.admit(method, routeKey, url.pathname, url.search);
    // The latency is how long the upstream takes to answer, its own work included: the answer is
    // computed at once and sent when the latency is up (or when computed, if that took longer).
    const answerAt = arrivedAt + this.control.latency;
    const whenDue = async () => {
      const wait = answerAt - performance.now();
      if (wait > 0) await sleep(wait);
    };

    if (fault) {
      await whenDue();
      switch (fault.kind) {
        case "drop":
          socket.destroy();
          return;
        case "status":
          this.send(res, this.options.serverError(fault.status ?? 500));
          return;
        case "rateLimit":
          this.send(res, this.options.rateLimited());
          return;
        case "slow":
          await sleep(fault.delayMs ?? 5_000);
          break;
      }
    }

    if (this.control.latency > 0) {
      // Requests that arrived together are each timed from their arrival before any is computed.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const baseRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      rawBody,
      remoteAddress: socket.remoteAddress ?? "unknown",
    };
    if (!route) {
      const unmatched = { ...baseRequest, params: {}, routeKey };
      const answer = render(
        pathMatches.length > 0 && this.options.methodNotAllowed
          ? this.options.methodNotAllowed(unmatched)
          : this.options.notFound(unmatched),
      );
      await whenDue();
      writeRendered(res, answer);
      return;
    }
    const match = route.regex.exec(url.pathname);
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, index) => {
      params[name] = decodeURIComponent(match?.[index + 1] ?? "");
    });
    const answer = render(await route.handler({ ...baseRequest, params, routeKey }));
    await whenDue();
    writeRendered(res, answer);
  }

  private controlRequest(method: string, action: string, rawBody: Buffer): SimResponse {
    const body = rawBody.length > 0 ? (JSON.parse(rawBody.toString("utf8")) as Record<string, unknown>) : {};
    switch (`${method} ${action}`) {
      case "GET stats":
        return { status: 200, body: { counts: this.control.snapshot(), total: this.control.count() } };
      case "POST reset":
        this.control.reset();
        return { status: 204 };
      case "POST reset-counts":
        this.control.resetCounts();
        return { status: 204 };
      case "POST latency":
        this.control.setLatency(Number(body.ms));
        return { status: 204 };
      case "POST faults":
        this.control.injectFault(body as unknown as FaultRule);
        return { status: 204 };
      case "DELETE faults":
        this.control.clearFaults();
        return { status: 204 };
      default:
        return { status: 404, body: { error: `unknown simulator control ${method} /__sim/${action}` } };
    }
  }

  private send(res: ServerResponse, answer: SimResponse): void {
    writeRendered(res, render(answer));
  }
}

/** An answer ready for the wire: serialized before its latency is up, so the wait includes it. */
interface RenderedResponse {
  status: number;
  headers: Record<string, string>;
  payload: Buffer | undefined;
}

function render(answer: SimResponse): RenderedResponse {
  const headers: Record<string, string> = { ...answer.headers };
  let payload: Buffer | undefined;
  if (answer.raw) {
    payload = answer.raw;
    headers["content-type"] = answer.contentType ?? "application/octet-stream";
  } else if (answer.body !== undefined) {
    payload = Buffer.from(JSON.stringify(answer.body));
    headers["content-type"] = answer.contentType ?? "application/json";
  }
  if (payload) headers["content-length"] = String(payload.length);
  return { status: answer.status, headers, payload };
}

function writeRendered(res: ServerResponse, rendered: RenderedResponse): void {
  res.writeHead(rendered.status, rendered.headers);
  res.end(rendered.payload);
}

/** Reads a bearer token or a named header; the common credential lookups of the references. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const value = headers.authorization;
  if (typeof value !== "string") return null;
  const match = /^Bearer\s+(.+)$/i.exec(value.trim());
  return match?.[1]?.trim() ?? null;
}
