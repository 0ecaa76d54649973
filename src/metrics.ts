import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { RefusalObserver, UpstreamObserver } from "./datasources/http.js";
import type { SourceId } from "./errors.js";
import type { AnswerReuseOutcome } from "./plugins/useAnswerReuse.js";

/**
 * The gateway's Prometheus metrics (`GET /metrics`): GraphQL operations, upstream requests with
 * latency, the upstream cache, retries, circuit breakers, rate budgets, subscriptions, webhooks and
 * the gateway's own rate limit.
 *
 * Each gateway has its own Registry (several gateways may run in one process, as the tests do);
 * process metrics (CPU, memory, event loop, GC) belong to the process, so one registry of them is
 * shared by every gateway and rendered with each.
 *
 * Label values are bounded and never carry secrets, ids or raw paths: upstream routes are the
 * templates the datasources declare (`/jobs/:id`), operation names are capped (the first
 * `maxOperationNames` distinct names, then `other`), and anything that does not look like what it
 * should be is `other` too.
 */

export type UpstreamEvent = Parameters<UpstreamObserver>[0];

/** `unknown` when the document did not parse (or names no operation), so its type is not known. */
export type OperationType = "query" | "mutation" | "subscription" | "unknown";
/** `partial`: data with errors (one upstream failed while the others answered). */
export type OperationOutcome = "ok" | "error" | "partial";

export interface OperationObservation {
  /** The operation's name; null or empty for an anonymous operation. */
  name: string | null | undefined;
  type: OperationType;
  outcome: OperationOutcome;
  /** From receipt to result; left out for subscriptions, whose start is counted, not timed. */
  durationMs?: number;
}

export type WebhookOutcome = "received" | "duplicate" | "rejected";
export type BreakerState = "closed" | "half-open" | "open";

/** What the gauges read at each scrape; the lead wires them to the HTTP layer and live events. */
export interface MetricsCollectors {
  breakers(): MaybePromise<Iterable<{ tenantId: string; source: SourceId; state: BreakerState }>>;
  budgets(): MaybePromise<Iterable<{ tenantId: string; source: SourceId; limit: number; remaining: number }>>;
  subscriptions(): MaybePromise<Iterable<{ tenantId: string; active: number }>>;
}

type MaybePromise<T> = T | Promise<T>;

export interface GatewayMetrics {
  observeOperation(operation: OperationObservation): void;
  /** Feed of `HttpLayer.observe()`: attempts, retries and cache hits. */
  observeUpstream(event: UpstreamEvent): void;
  /** A webhook delivery's fate; `source` is the path segment, so anything unknown is `unknown`. */
  observeWebhook(source: string, outcome: WebhookOutcome): void;
  /** A request or subscribe message refused by the gateway's per-key rate limit. */
  rateLimited(): void;
  /** An upstream request the HTTP layer did not send (`HttpLayer.onRefusal`). */
  observeRefusal(event: Parameters<RefusalObserver>[0]): void;
  /** What became of a query's answer (given again, kept, dropped as stale, not reusable). */
  observeAnswerReuse(outcome: AnswerReuseOutcome): void;
  setCollectors(collectors: Partial<MetricsCollectors>): void;
  /** The Prometheus text exposition of this gateway's metrics and the process's. */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsOptions {
  /** Distinct operation names kept as labels; later names are counted as `other`. */
  maxOperationNames?: number;
  /** Distinct upstream routes (per source) kept as labels; later ones are counted as `other`. */
  maxRoutes?: number;
  /** A state collector failed during a scrape (for the log: the scrape itself still answers). */
  onCollectorError?(error: unknown, collector: keyof MetricsCollectors): void;
}

export const OTHER = "other";
export const ANONYMOUS = "anonymous";

/** Seconds. Upstream calls run from a few milliseconds to the 10 s timeout, operations to the 25 s deadline. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25];

const BREAKER_STATE_VALUES: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

const SOURCES: ReadonlySet<string> = new Set<SourceId>([
  "cleanitall",
  "cleanestimate",
  "jobcloser",
  "artisan",
  "cleverinvo",
]);

/** A GraphQL Name, as a parsed document's operation names always are; long ones are not worth a series. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
/** A route template: path characters and `:param` / `{param}` placeholders, never a query string. */
const ROUTE_TEMPLATE = /^\/[-A-Za-z0-9_./:{}]{0,199}$/;

/** Lets the first `max` distinct values through; every later new value becomes `other`. */
class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(value);
    return value;
  }
}

let processRegistry: Registry | null = null;

/** Process metrics are collected once per process (each collection adds observers that never stop). */
function sharedProcessRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function createMetrics(options: MetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const processMetrics = sharedProcessRegistry();
  const operationNames = new BoundedLabel(options.maxOperationNames ?? 200);
  const routes = new BoundedLabel(options.maxRoutes ?? 500);
  let collectors: Partial<MetricsCollectors> = {};

  const operations = new Counter({
    name: "graphql_operations_total",
    help: "GraphQL operations by name (anonymous; past the cap of distinct names, other), type and outcome (ok, error, partial: data with errors). Subscriptions count their start.",
    labelNames: ["operation", "type", "outcome"] as const,
    registers,
  });
  const operationDuration = new Histogram({
    name: "graphql_operation_duration_seconds",
    help: "Time from receipt to result of GraphQL queries and mutations.",
    labelNames: ["operation", "type"] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const upstreamRequests = new Counter({
    name: "upstream_requests_total",
    help: "Requests sent upstream (every attempt, retries included; cache hits are not requests), by route template and HTTP status (none: no answer).",
    labelNames: ["source", "route", "method", "status", "outcome"] as const,
    registers,
  });
  const upstreamDuration = new Histogram({
    name: "upstream_request_duration_seconds",
    help: "Duration of each upstream attempt, by route template.",
    labelNames: ["source", "route"] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const cacheRequests = new Counter({
    name: "upstream_cache_requests_total",
    help: "Upstream GETs served from the cross-request cache or an identical request in flight (hit), or sent upstream (miss).",
    labelNames: ["source", "result"] as const,
    registers,
  });
  const answerReuse = new Counter({
    name: "graphql_answer_reuse_total",
    help: "Query answers given again without executing while their upstream reads were current (hit), executed and kept (stored), dropped because a read had changed (stale), or not kept (not_reusable).",
    labelNames: ["outcome"] as const,
    registers,
  });
  const retries = new Counter({
    name: "upstream_retries_total",
    help: "Upstream attempts that failed and were retried.",
    labelNames: ["source", "route"] as const,
    registers,
  });
  const circuitState = new Gauge({
    name: "upstream_circuit_state",
    help: "Circuit breaker per tenant and upstream: 0 closed, 1 half-open, 2 open.",
    labelNames: ["tenant", "source"] as const,
    registers,
  });
  const budgetRemaining = new Gauge({
    name: "upstream_rate_budget_remaining",
    help: "Requests left in the current window of the upstream's rate limit, per tenant credential.",
    labelNames: ["tenant", "source"] as const,
    registers,
  });
  const budgetLimit = new Gauge({
    name: "upstream_rate_budget_limit",
    help: "Requests allowed per window by the upstream's rate limit, per tenant credential.",
    labelNames: ["tenant", "source"] as const,
    registers,
  });
  const activeSubscriptions = new Gauge({
    name: "graphql_active_subscriptions",
    help: "Live subscription streams per tenant (WebSocket and server-sent events).",
    labelNames: ["tenant"] as const,
    registers,
  });
  const webhookDeliveries = new Counter({
    name: "webhook_deliveries_total",
    help: "Upstream webhook deliveries: received (published), duplicate (a redelivery) or rejected.",
    labelNames: ["source", "outcome"] as const,
    registers,
  });
  const rateLimited = new Counter({
    name: "gateway_rate_limited_total",
    help: "Requests and subscribe messages refused by the gateway's per-key rate limit.",
    registers,
  });
  const refusals = new Counter({
    name: "upstream_refusals_total",
    help: "Upstream requests the gateway did not send: the request's deadline had passed, the credential's rate budget was spent, or the circuit was open.",
    labelNames: ["source", "reason"] as const,
    registers,
  });
  // Registered last, so a scrape's own failures show in the same scrape.
  const collectorFailures = new Counter({
    name: "gateway_metrics_collector_failures_total",
    help: "Scrapes where a state collector (breakers, budgets, subscriptions) failed; its gauges are empty for that scrape.",
    labelNames: ["collector"] as const,
    registers,
  });

  const operationLabel = (name: string | null | undefined): string => {
    if (!name) return ANONYMOUS;
    return OPERATION_NAME.test(name) ? operationNames.of(name) : OTHER;
  };
  const routeLabel = (source: string, route: string): string => {
    if (!ROUTE_TEMPLATE.test(route)) return OTHER;
    return routes.of(`${source} ${route}`) === OTHER ? OTHER : route;
  };
  const sourceLabel = (source: string): string => (SOURCES.has(source) ? source : "unknown");

  /** One collector's rows; a failing collector empties its gauges rather than failing the scrape. */
  async function gather<T>(
    name: keyof MetricsCollectors,
    read: (() => MaybePromise<Iterable<T>>) | undefined,
  ) {
    if (!read) return [];
    try {
      return [...(await read())];
    } catch (error) {
      collectorFailures.inc({ collector: name });
      options.onCollectorError?.(error, name);
      return [];
    }
  }

  return {
    observeOperation({ name, type, outcome, durationMs }) {
      const operation = operationLabel(name);
      operations.inc({ operation, type, outcome });
      if (durationMs !== undefined) operationDuration.observe({ operation, type }, durationMs / 1000);
    },

    observeUpstream(event) {
      const source = sourceLabel(event.source);
      if (event.cached) {
        cacheRequests.inc({ source, result: "hit" });
        return;
      }
      const route = routeLabel(source, event.route);
      upstreamRequests.inc({
        source,
        route,
        method: event.method,
        status: event.status === null ? "none" : String(event.status),
        outcome: event.outcome,
      });
      upstreamDuration.observe({ source, route }, event.durationMs / 1000);
      if (event.outcome === "retry") retries.inc({ source, route });
      // A GET that went upstream is a miss once, however many attempts it took.
      else if (event.method === "GET") cacheRequests.inc({ source, result: "miss" });
    },

    observeWebhook(source, outcome) {
      webhookDeliveries.inc({ source: sourceLabel(source), outcome });
    },

    rateLimited() {
      rateLimited.inc();
    },

    observeRefusal(event) {
      refusals.inc({ source: sourceLabel(event.source), reason: event.kind });
    },

    observeAnswerReuse(outcome) {
      answerReuse.inc({ outcome });
    },

    setCollectors(next) {
      collectors = next;
    },

    async render() {
      const [breakers, budgets, subscriptions] = await Promise.all([
        gather("breakers", collectors.breakers),
        gather("budgets", collectors.budgets),
        gather("subscriptions", collectors.subscriptions),
      ]);
      // Rebuilt from scratch each scrape: a tenant removed by a reload disappears.
      circuitState.reset();
      for (const { tenantId, source, state } of breakers) {
        circuitState.set({ tenant: tenantId, source }, BREAKER_STATE_VALUES[state]);
      }
      budgetRemaining.reset();
      budgetLimit.reset();
      for (const { tenantId, source, limit, remaining } of budgets) {
        budgetRemaining.set({ tenant: tenantId, source }, remaining);
        budgetLimit.set({ tenant: tenantId, source }, limit);
      }
      activeSubscriptions.reset();
      for (const { tenantId, active } of subscriptions) activeSubscriptions.set({ tenant: tenantId }, active);
      const [own, process] = await Promise.all([registry.metrics(), processMetrics.metrics()]);
      return { contentType: registry.contentType, body: `${own}\n${process}` };
    },
  };
}
