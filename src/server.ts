import { randomUUID } from "node:crypto";
import { createServer, IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { GraphQLError } from "graphql";
import { createYoga, maskError } from "graphql-yoga";
import { Redis } from "ioredis";
import type { Dispatcher } from "undici";
import { ApiKeyRegistry, type Principal, presentedKey } from "./auth/apiKeys.js";
import {
  type KeyRateLimiter,
  MemoryKeyRateLimiter,
  type RateDecision,
  type RateLimitPolicy,
  RedisKeyRateLimiter,
  rateLimitExceededMessage,
  rateLimitHeaders,
} from "./auth/rateLimit.js";
import type { GatewayConfig } from "./config.js";
import { createContextFactory, type GatewayContext } from "./context.js";
import { cleanEstimateWebhookParser } from "./datasources/cleanestimate/webhooks.js";
import { cleanItAllWebhookParser } from "./datasources/cleanitall/webhooks.js";
import { HttpLayer } from "./datasources/http.js";
import { type TenantUpstreams, tenantUpstreams } from "./datasources/index.js";
import { LimitExceededError, UnauthenticatedError } from "./errors.js";
import { type EventBus, MemoryEventBus, RedisEventBus } from "./events/bus.js";
import { type DeliveryLog, MemoryDeliveryLog, RedisDeliveryLog } from "./events/dedupe.js";
import { RedisPollLease } from "./events/lease.js";
import { LiveEvents } from "./events/liveEvents.js";
import { soleLease } from "./events/polling.js";
import { createWebhookReceiver, type WebhookEndpoint, type WebhookSource } from "./events/receiver.js";
import { serveInvoicePdf } from "./files/invoicePdf.js";
import { UrlSigner } from "./files/signedUrls.js";
import { createLogger, type Logger, secretRedactor } from "./logger.js";
import { createMetrics, type GatewayMetrics } from "./metrics.js";
import {
  type IdempotencyStore,
  MemoryIdempotencyStore,
  RedisIdempotencyStore,
} from "./mutations/idempotency.js";
import { createAnswerReuse } from "./plugins/useAnswerReuse.js";
import { useCompiledQueries } from "./plugins/useCompiledQueries.js";
import { useFieldSuggestions } from "./plugins/useFieldSuggestions.js";
import { useIntrospectionSwitch } from "./plugins/useIntrospectionSwitch.js";
import { useMetrics } from "./plugins/useMetrics.js";
import { usePartialErrors } from "./plugins/usePartialErrors.js";
import { useQueryLimits } from "./plugins/useQueryLimits.js";
import { useQuerySize } from "./plugins/useQuerySize.js";
import { schema } from "./schema/index.js";
import { createDirectOperations, createDocumentCache } from "./transport/directOperations.js";
import { mediaTypeOf, readBodyForYoga } from "./transport/requestBody.js";
import { attachWebSockets, type WebSocketInitialContext } from "./transport/websocket.js";

/**
 * createGateway is the only place that wires things: config -> HTTP layer -> tenants' datasources
 * -> context factory -> Yoga -> Node HTTP server.
 */

export interface GatewayOptions {
  logger?: Logger;
  /** Swap the upstream transport (tests); default: one undici Pool per upstream origin. */
  dispatcherFor?: (origin: string) => Dispatcher;
  /** What GraphiQL opens with (demo mode pre-fills the demo key). */
  graphiql?: { defaultQuery?: string; headers?: Record<string, string> };
}

export interface Gateway {
  /** Listens on the configured host and port (0 = any free port); resolves to the base URL. */
  start(): Promise<string>;
  /** Stops accepting, closes connections and upstream pools. */
  stop(): Promise<void>;
  /** The Fetch API handler (for in-process tests and embedding). */
  fetch: (request: Request) => Promise<Response> | Response;
  /**
   * Applies a reloaded config's tenants, API keys, upstream credentials and webhook secrets without
   * a restart: a removed key fails from the next request, and its open subscriptions end. Settings
   * that shape the running process (server, redis, http, cache, events, limits, idempotency) need a
   * restart; they are listed in `restartNeeded` and left as they are.
   */
  reload(next: GatewayConfig): Promise<ReloadResult>;
  /** The shared HTTP layer (its cache and observers). */
  readonly http: HttpLayer;
  /** Live events: publishing, subscriber counts, pollers. */
  readonly events: LiveEvents;
  /** The Prometheus metrics `/metrics` serves. */
  readonly metrics: GatewayMetrics;
  readonly url: string;
}

export interface ReloadResult {
  tenants: number;
  keys: number;
  /** Top-level settings that changed but only take effect after a restart. */
  restartNeeded: string[];
  /** WebSocket connections closed because their key was removed or changed. */
  closedConnections: number;
}

/** Config sections fixed for the life of the process. */
const RESTART_ONLY = ["server", "redis", "http", "cache", "events", "limits", "idempotency"] as const;

export const DEFAULT_QUERY = `# Jobs of every upstream, newest first, with their customers and invoices.
# Send it with the play button; browse the schema in the Docs panel.
query RecentJobs {
  jobs(first: 10) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      source
      title
      status
      sourceStatus
      customer { name email }
      invoices(first: 5) {
        nodes { number status total { amount currency } }
      }
    }
  }
}
`;

/**
 * `/readyz`: each tenant's upstreams with their circuit state and rate budget (as far as requests
 * have touched them), and Redis when configured. Upstream trouble does not make the instance
 * unready: every other upstream still answers, and a load balancer could not route around it anyway.
 */
function readiness(
  tenants: ReadonlyMap<string, TenantUpstreams>,
  http: HttpLayer,
  redisStatus: string | null,
) {
  const breakers = new Map(http.breakers().map((b) => [`${b.tenantId}:${b.source}`, b]));
  const budgets = new Map(http.budgets().map((b) => [`${b.tenantId}:${b.source}`, b]));
  return {
    status: "ready",
    ...(redisStatus ? { redis: redisStatus } : {}),
    tenants: Object.fromEntries(
      [...tenants.values()].map((tenant) => [
        tenant.tenantId,
        {
          upstreams: Object.fromEntries(
            tenant.sources.map((source) => {
              const breaker = breakers.get(`${tenant.tenantId}:${source}`);
              const budget = budgets.get(`${tenant.tenantId}:${source}`);
              return [
                source,
                {
                  circuit: breaker?.state ?? "closed",
                  ...(breaker?.openedAt ? { openSince: new Date(breaker.openedAt).toISOString() } : {}),
                  ...(budget ? { rateBudget: { limit: budget.limit, remaining: budget.remaining } } : {}),
                },
              ];
            }),
          ),
        },
      ]),
    ),
  };
}

export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  // Before anything can log or answer: every configured secret is censored wherever it turns up.
  secretRedactor.register(config);
  const logger = options.logger ?? createLogger("info");
  // Redis, when configured, is shared by every instance: idempotency records live there.
  const redis = config.redis
    ? new Redis(config.redis.url, {
        lazyConnect: true,
        // Fail fast while disconnected instead of queueing: a mutation is refused, not delayed.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      })
    : null;
  redis?.on("error", (error: Error) => logger.warn({ err: { message: error.message } }, "redis error"));
  const redisPrefix = config.redis?.keyPrefix ?? "fsg:";
  const http = new HttpLayer({
    timeoutMs: config.http.timeoutMs,
    retries: config.http.retries,
    connections: config.http.connections,
    cache: {
      ttlMs: config.cache.ttlMs,
      maxEntries: config.cache.maxEntries,
      parsedBodyBytes: config.cache.parsedBodyBytes,
    },
    deadlineMs: config.http.deadlineMs,
    ...(config.http.rateBudgets
      ? {
          rateBudgets: redis
            ? {
                redis: {
                  client: redis,
                  keyPrefix: `${redisPrefix}upstream-budget:`,
                  onUnavailable: (error: unknown) =>
                    logger.warn({ err: error }, "upstream budget store unavailable: counting per instance"),
                },
              }
            : {},
        }
      : {}),
    ...(config.http.breaker.enabled
      ? { breaker: { threshold: config.http.breaker.threshold, cooldownMs: config.http.breaker.cooldownMs } }
      : {}),
    ...(options.dispatcherFor ? { dispatcherFor: options.dispatcherFor } : {}),
  });
  http.onBreakerChange((change) => {
    const log = change.state === "closed" ? logger.info.bind(logger) : logger.warn.bind(logger);
    log(
      { tenant: change.tenantId, source: change.source, state: change.state, failures: change.failures },
      `circuit of ${change.source} for tenant ${change.tenantId} is ${change.state}`,
    );
  });
  // Mutable maps, filled again on reload: everything that reads them sees the reloaded tenants.
  const tenants = new Map(config.tenants.map((tenant) => [tenant.id, tenantUpstreams(tenant, config, http)]));
  const metrics = createMetrics({
    onCollectorError: (error, collector) =>
      logger.warn({ err: error }, `metrics collector ${collector} failed`),
  });
  http.observe((event) => metrics.observeUpstream(event));
  http.onRefusal((event) => metrics.observeRefusal(event));
  let tenantConfigs = new Map(config.tenants.map((tenant) => [tenant.id, JSON.stringify(tenant)]));

  const idempotency: IdempotencyStore = redis
    ? new RedisIdempotencyStore(redis, config.idempotency, `${redisPrefix}idempotency:`)
    : new MemoryIdempotencyStore(config.idempotency);

  // Live events: through Redis pub/sub when configured (a subscriber connection of its own, which
  // queues while reconnecting and re-subscribes after), otherwise in this process.
  const redisSubscriber = redis?.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null }) ?? null;
  redisSubscriber?.on("error", (error: Error) =>
    logger.warn({ err: { message: error.message } }, "redis subscriber error"),
  );
  const onListenerError = (error: unknown) => logger.error({ err: error }, "event listener failed");
  const bus: EventBus =
    redis && redisSubscriber
      ? new RedisEventBus(redis, redisSubscriber, onListenerError, `${redisPrefix}events:`)
      : new MemoryEventBus(onListenerError);
  const deliveries: DeliveryLog = redis
    ? new RedisDeliveryLog(redis, config.events.dedupeTtlMs, `${redisPrefix}delivery:`)
    : new MemoryDeliveryLog(config.events.dedupeTtlMs);
  const events = new LiveEvents({
    bus,
    deliveries,
    lease: redis ? new RedisPollLease(redis, randomUUID(), `${redisPrefix}poll-lease:`) : soleLease,
    tenants,
    polling: config.events.polling,
    onError: (error, what) => logger.warn({ err: error }, `${what} failed`),
  });
  const endpoints = webhookEndpoints(config);
  metrics.setCollectors({
    breakers: () => http.breakers(),
    budgets: () => http.budgets(),
    subscriptions: () =>
      [...tenants.keys()].map((tenantId) => ({ tenantId, active: events.subscribers(tenantId) })),
  });
  const receiveWebhook = createWebhookReceiver({
    endpoints,
    onOutcome: (source, outcome) => metrics.observeWebhook(source, outcome),
    events,
    maxBodyBytes: config.events.webhookMaxBodyBytes,
    toleranceSeconds: config.events.webhookToleranceSeconds,
    logger,
  });

  const answers = createAnswerReuse({
    maxEntries: config.cache.maxAnswers,
    // No answer outlives the longest an upstream read may be cached.
    maxAgeMs: Math.max(config.cache.ttlMs, config.cache.profileTtlMs, 1),
    onOutcome: (outcome) => metrics.observeAnswerReuse(outcome),
  });

  const keys = new ApiKeyRegistry(config);
  // One budget per API key (shared by every instance through Redis), and one per client address
  // for requests whose key fails: guessing keys costs the guesser, not the tenants.
  const rateLimiter: KeyRateLimiter & { policy: RateLimitPolicy } = redis
    ? new RedisKeyRateLimiter(redis, {
        ...config.rateLimit,
        prefix: `${redisPrefix}ratelimit:`,
        onUnavailable: (error) =>
          logger.warn({ err: error }, "rate limit store unavailable: limiting per instance meanwhile"),
      })
    : new MemoryKeyRateLimiter(config.rateLimit);
  const admit = async (principal: Principal | null, address: string | undefined): Promise<RateDecision> =>
    rateLimiter.take(
      principal ? `key:${principal.tenantId}:${principal.keyId}` : `anonymous:${address ?? "?"}`,
    );
  const refusal = (decision: RateDecision) => {
    metrics.rateLimited();
    return new LimitExceededError("RATE_LIMITED", rateLimitExceededMessage(decision, rateLimiter.policy), {
      limit: decision.limit,
      http: { status: 429, headers: rateLimitHeaders(decision, rateLimiter.policy) },
    });
  };
  const signer = new UrlSigner(config.server.urlSigningSecret, config.server.signedUrlTtlMs);
  const createContext = createContextFactory(
    tenants,
    config.limits,
    signer,
    (principal) => keys.stillValid(principal),
    {
      idempotency,
      // A retry waits at most as long as the first request can take with its upstream retries.
      idempotencyWaitMs: Math.min(config.http.deadlineMs, config.http.timeoutMs * (config.http.retries + 1)),
      onIdempotencyStoreFailure: (error) =>
        logger.error({ err: error }, "idempotency store failed after an upstream write"),
    },
    events,
  );
  // Links in responses point where the client reached us, unless the config pins a public URL.
  const publicUrlOf = (hostHeader: string | undefined) =>
    config.server.publicUrl ?? `http://${hostHeader ?? `${config.server.host}:${config.server.port}`}`;

  const documents = createDocumentCache();
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // Internal errors are masked; what does reach clients (upstream messages included) never
    // carries a configured secret.
    maskedErrors: {
      maskError: (error, message, isDev) => {
        const masked = maskError(error, message, isDev);
        if (!(masked instanceof GraphQLError)) return masked;
        const extensions = masked.extensions as Record<string, unknown>;
        // `originalError` would echo a parser's view of the raw body back.
        delete extensions.originalError;
        // Every error a client sees has a code: graphql-js's variable coercion errors have none.
        if (extensions.code === undefined) extensions.code = "BAD_USER_INPUT";
        const redacted = secretRedactor.redact(masked.message);
        if (redacted === masked.message) return masked;
        return new GraphQLError(redacted, {
          nodes: masked.nodes,
          source: masked.source,
          positions: masked.positions,
          path: masked.path,
          extensions,
        });
      },
    },
    // GraphiQL's assets are served by the gateway itself, not a CDN: it works offline and behind firewalls.
    renderGraphiQL,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(" ")),
      info: (...args) => logger.info(args.map(String).join(" ")),
      warn: (...args) => logger.warn(args.map(String).join(" ")),
      error: (...args) => logger.error(args.map(String).join(" ")),
    },
    graphiql: config.server.graphiql
      ? {
          title: "Field-service gateway",
          defaultQuery: options.graphiql?.defaultQuery ?? DEFAULT_QUERY,
          headers: JSON.stringify(
            options.graphiql?.headers ?? { Authorization: "Bearer <your API key>" },
            null,
            2,
          ),
        }
      : false,
    context: (initial) => {
      // graphql-ws operations arrive authenticated on connect, with the upgrade request instead.
      const socket = initial as Partial<WebSocketInitialContext>;
      if (socket.principal && socket.upgradeRequest) {
        const requestId = socket.upgradeRequest.headers["x-request-id"];
        return createContext(socket.principal, {
          requestId: typeof requestId === "string" ? requestId : undefined,
          publicUrl: publicUrlOf(socket.upgradeRequest.headers.host),
        });
      }
      const { request, req } = initial;
      // The HTTP handler checked the key before Yoga ran: its answer is used, not the key hashed again.
      const checked = req instanceof IncomingMessage ? principals.get(req) : undefined;
      const principal = checked !== undefined ? checked : keys.authenticate(presentedKey(request.headers));
      if (!principal) throw new UnauthenticatedError();
      return createContext(principal, {
        requestId: request.headers.get("x-request-id") ?? undefined,
        publicUrl: publicUrlOf(request.headers.get("host") ?? undefined),
      });
    },
    // Browsers may call cross-origin only from configured origins; none by default.
    cors:
      config.server.corsOrigins.length > 0
        ? {
            origin: config.server.corsOrigins,
            credentials: false,
            allowedHeaders: ["authorization", "x-api-key", "content-type", "x-request-id"],
            exposedHeaders: ["ratelimit", "ratelimit-policy", "retry-after"],
            methods: ["GET", "POST", "OPTIONS"],
          }
        : false,
    batching: { limit: config.limits.maxBatchSize },
    parserAndValidationCache: { documentCache: documents },
    plugins: [
      // A request a browser sends without a preflight (a form post, a plain GET) must carry a
      // header a page cannot add cross-origin; the API key headers count.
      useCSRFPrevention({ requestHeaders: ["x-graphql-yoga-csrf", "authorization", "x-api-key"] }),
      // Hostile queries are refused before validation work and any upstream call, each limit with its code.
      useQuerySize(config.limits.maxQueryLength),
      useQueryLimits(
        {
          maxDepth: config.limits.maxDepth,
          maxAliases: config.limits.maxAliases,
          maxDirectives: config.limits.maxDirectives,
          maxTokens: config.limits.maxTokens,
          maxCost: config.limits.maxCost,
          defaultListSize: config.limits.defaultPageSize,
        },
        { parsedBefore: (query) => documents.has(query) },
      ),
      useIntrospectionSwitch(config.server.introspection),
      // "Did you mean …?" would map the schema for someone who cannot introspect it.
      useFieldSuggestions(config.server.introspection),
      usePartialErrors(),
      // After usePartialErrors: an operation that lost one source counts as partial.
      useMetrics(metrics),
      ...(config.server.compiledQueries
        ? [
            useCompiledQueries({
              onCompile: ({ operationName, errors }) => {
                if (errors)
                  logger.warn({ operationName, errors }, "query not compiled: runs on graphql-js's executor");
                else logger.debug({ operationName }, "query compiled");
              },
            }),
          ]
        : []),
      // Last: an answer given again stops execution, which the plugins before it still see.
      answers.plugin,
    ],
  });

  const direct = createDirectOperations(yoga, documents, logger);

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && (path === "/healthz" || path === "/readyz")) {
      const ready = path === "/healthz" || !draining;
      const body = JSON.stringify(
        path === "/healthz"
          ? { status: "ok" }
          : draining
            ? { status: "draining" }
            : readiness(tenants, http, redis ? redis.status : null),
      );
      res.writeHead(ready ? 200 : 503, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    // While draining, kept-alive connections are told to close after their current answer, and a
    // connection whose answer finishes is closed at once instead of idling until its keep-alive ends.
    if (draining) res.setHeader("connection", "close");
    res.once("finish", () => {
      if (draining) drainingServer?.closeIdleConnections();
    });
    if (req.method === "GET" && path === "/metrics") {
      metrics.render().then(
        ({ contentType, body }) => {
          res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
          res.end(body);
        },
        (error: unknown) => {
          logger.error({ err: error }, "metrics could not be rendered");
          res.writeHead(500, { "content-type": "text/plain" });
          res.end("metrics unavailable\n");
        },
      );
      return;
    }
    if (path?.startsWith("/webhooks/")) {
      receiveWebhook(req, res, path);
      return;
    }
    if (req.method === "GET" && path?.startsWith("/files/")) {
      const url = new URL(req.url ?? "/", "http://gateway.local");
      serveInvoicePdf(req, res, url, {
        keys,
        signer,
        createContext,
        publicUrl: (r) => publicUrlOf(r.headers.host),
      }).catch((error: unknown) => {
        logger.error({ err: error }, "file request failed");
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "INTERNAL_SERVER_ERROR", message: "Unexpected error." } }));
      });
      return;
    }
    if (path === "/graphql") {
      handleGraphQL(req, res);
      return;
    }
    yoga.handle(req, res);
  };

  /** Who sent a request (for its log line), once its key was checked. */
  const principals = new WeakMap<IncomingMessage, Principal | null>();
  const principalOf = (req: IncomingMessage) => principals.get(req) ?? null;

  /** Body size and the per-key rate limit, checked before Yoga reads anything. */
  const handleGraphQL = (req: IncomingMessage, res: ServerResponse) => {
    // One id per request, from the client when it sent a sane one: in the response, every log
    // line, and every upstream request made for it.
    const given = req.headers["x-request-id"];
    const requestId = typeof given === "string" && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    req.headers["x-request-id"] = requestId;
    res.setHeader("x-request-id", requestId);
    const started = performance.now();
    res.once("finish", () => {
      logger.info(
        {
          requestId,
          method: req.method,
          status: res.statusCode,
          durationMs: Math.round(performance.now() - started),
          key: principalOf(req)?.keyLabel,
          tenant: principalOf(req)?.tenantId,
        },
        "graphql request",
      );
    });
    if (req.method === "POST") {
      const type = mediaTypeOf(req.headers["content-type"]);
      if (!GRAPHQL_CONTENT_TYPES.has(type)) {
        sendGraphQLError(res, 415, {
          message: `Send GraphQL requests as application/json${type ? ` (got ${type.slice(0, 80)})` : " (no Content-Type given)"}.`,
          extensions: { code: "BAD_REQUEST" },
        });
        req.resume();
        return;
      }
      const declared = req.headers["content-length"];
      if (declared === undefined && req.headers["transfer-encoding"] !== undefined) {
        sendGraphQLError(res, 411, {
          message: "Send GraphQL requests with a Content-Length header (chunked bodies are not accepted).",
          extensions: { code: "BAD_REQUEST" },
        });
        req.resume();
        return;
      }
      const size = Number(declared ?? 0);
      if (size > config.limits.maxBodyBytes) {
        const error = new LimitExceededError(
          "PAYLOAD_TOO_LARGE",
          `The request body (${size} bytes) is larger than the limit of ${config.limits.maxBodyBytes} bytes.`,
          { limit: config.limits.maxBodyBytes, actual: size, http: { status: 413 } },
        );
        sendGraphQLError(res, 413, { message: error.message, extensions: error.extensions });
        req.resume();
        return;
      }
    }
    const principal = keys.authenticate(presentedKey(req.headers));
    principals.set(req, principal);
    admit(principal, req.socket.remoteAddress).then(
      (decision) => {
        const headers = rateLimitHeaders(decision, rateLimiter.policy);
        if (!decision.allowed) {
          const error = refusal(decision);
          sendGraphQLError(res, 429, { message: error.message, extensions: error.extensions }, headers);
          req.resume();
          return;
        }
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        if (req.method !== "POST") {
          yoga.handle(req, res);
          return;
        }
        // Read here rather than streamed through a Fetch Request: a measurable share of a request.
        readBodyForYoga(req).then(
          () => {
            if (!direct.answer(req, res)) yoga.handle(req, res);
          },
          () => {
            // The client went away mid-body: nobody to answer.
            req.destroy();
          },
        );
      },
      (error: unknown) => {
        logger.error({ err: error }, "rate limiter failed");
        yoga.handle(req, res);
      },
    );
  };

  let server: Server | null = null;
  let draining = false;
  let drainingServer: Server | null = null;
  let sockets: ReturnType<typeof attachWebSockets> | null = null;
  let url = "";
  async function reload(next: GatewayConfig): Promise<ReloadResult> {
    secretRedactor.register(next);
    const restartNeeded = RESTART_ONLY.filter(
      (section) => JSON.stringify(config[section]) !== JSON.stringify(next[section]),
    );
    keys.replace(next);
    // A tenant whose config did not change keeps its upstream state (JobCloser's signed-in session).
    const nextConfigs = new Map(next.tenants.map((tenant) => [tenant.id, JSON.stringify(tenant)]));
    for (const tenantId of [...tenants.keys()]) if (!nextConfigs.has(tenantId)) tenants.delete(tenantId);
    for (const tenant of next.tenants) {
      if (tenantConfigs.get(tenant.id) !== nextConfigs.get(tenant.id)) {
        tenants.set(tenant.id, tenantUpstreams(tenant, config, http));
      }
    }
    tenantConfigs = nextConfigs;
    // Keys, scopes and upstream accounts may have changed what any kept answer would be.
    answers.clear();
    endpoints.clear();
    for (const [tenantId, sources] of webhookEndpoints(next)) endpoints.set(tenantId, sources);
    await events.syncTenants();
    const closedConnections = sockets?.revoke((principal) => keys.stillValid(principal)) ?? 0;
    const result = {
      tenants: next.tenants.length,
      keys: next.tenants.reduce((count, tenant) => count + tenant.apiKeys.length, 0),
      restartNeeded,
      closedConnections,
    };
    logger.info(result, "config reloaded");
    if (restartNeeded.length > 0) {
      logger.warn({ sections: restartNeeded }, "config sections changed that only a restart applies");
    }
    return result;
  }

  return {
    http,
    events,
    metrics,
    reload,
    fetch: yoga.fetch,
    get url() {
      return url;
    },
    async start() {
      if (redis && redis.status === "wait") {
        try {
          await redis.connect();
        } catch (error) {
          throw new Error(
            `Cannot connect to Redis (redis.url, host ${redactedRedisHost(config.redis?.url)}): ${(error as Error).message}`,
          );
        }
      }
      if (redisSubscriber && redisSubscriber.status === "wait") await redisSubscriber.connect();
      await events.start();
      const listening = createServer(handle);
      sockets = attachWebSockets(listening, {
        path: "/graphql",
        yoga,
        authenticate: (key) => keys.authenticate(key),
        admit: async (principal) => {
          const decision = await admit(principal, undefined);
          return decision.allowed ? null : refusal(decision);
        },
        logger,
      });
      await new Promise<void>((resolve, reject) => {
        listening.once("error", reject);
        listening.listen(config.server.port, config.server.host, () => resolve());
      });
      server = listening;
      const { port } = listening.address() as AddressInfo;
      const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
      url = `http://${host}:${port}`;
      logger.info({ url: `${url}/graphql` }, "gateway listening");
      return url;
    },
    async stop() {
      const closing = server;
      server = null;
      // Draining: /readyz says so, so a load balancer stops sending; no new connection is accepted.
      draining = true;
      drainingServer = closing;
      const closed = closing
        ? new Promise<void>((resolve) => closing.close(() => resolve()))
        : Promise.resolve();
      closing?.closeIdleConnections();
      // WebSockets end with 1001 "going away"; SSE streams complete, so their responses end.
      await sockets?.close();
      sockets = null;
      await events.stop();
      // In-flight requests finish; what is still open after the grace period is cut.
      const grace = setTimeout(() => closing?.closeAllConnections(), config.server.shutdownGraceMs);
      await closed;
      clearTimeout(grace);
      await http.close();
      await bus.close();
      if (redisSubscriber && redisSubscriber.status !== "end") {
        await redisSubscriber.quit().catch(() => redisSubscriber.disconnect());
      }
      if (redis && redis.status !== "end") await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The Redis host for messages: never the password in the URL. */
function redactedRedisHost(url: string | undefined): string {
  if (!url) return "?";
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || "6379"}`;
}

/** Each tenant's webhook sources: those with a configured signing secret. */
function webhookEndpoints(config: GatewayConfig): Map<string, Map<WebhookSource, WebhookEndpoint>> {
  return new Map(
    config.tenants.map((tenant) => {
      const endpoints = new Map<WebhookSource, WebhookEndpoint>();
      const { cleanitall, cleanestimate } = tenant.upstreams;
      if (cleanitall?.webhookSecret) {
        endpoints.set("cleanitall", {
          secret: cleanitall.webhookSecret,
          parse: cleanItAllWebhookParser({ currency: cleanitall.currency }),
        });
      }
      if (cleanestimate?.webhookSecret) {
        endpoints.set("cleanestimate", {
          secret: cleanestimate.webhookSecret,
          parse: cleanEstimateWebhookParser(),
        });
      }
      return [tenant.id, endpoints];
    }),
  );
}

/** Request bodies the gateway takes (no multipart uploads: files travel as base64 in inputs). */
const GRAPHQL_CONTENT_TYPES = new Set([
  "application/json",
  "application/graphql-response+json",
  "application/graphql+json",
]);

/** A GraphQL-over-HTTP error answer for refusals made before Yoga (size, rate limit). */
function sendGraphQLError(
  res: ServerResponse,
  status: number,
  error: { message: string; extensions: Record<string, unknown> },
  headers: Record<string, string> = {},
): void {
  const { http: _http, ...extensions } = error.extensions;
  const body = JSON.stringify({ errors: [{ message: error.message, extensions }] });
  res.writeHead(status, {
    ...headers,
    "content-type": "application/graphql-response+json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    // The body was not read: the connection cannot be reused for another request.
    connection: "close",
  });
  res.end(body);
}
