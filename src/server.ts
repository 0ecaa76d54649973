import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { createYoga } from "graphql-yoga";
import { Redis } from "ioredis";
import type { Dispatcher } from "undici";
import { ApiKeyRegistry, presentedKey } from "./auth/apiKeys.js";
import type { GatewayConfig } from "./config.js";
import { createContextFactory, type GatewayContext } from "./context.js";
import { HttpLayer } from "./datasources/http.js";
import { type TenantUpstreams, tenantUpstreams } from "./datasources/index.js";
import { UnauthenticatedError } from "./errors.js";
import { serveInvoicePdf } from "./files/invoicePdf.js";
import { UrlSigner } from "./files/signedUrls.js";
import { createLogger, type Logger } from "./logger.js";
import {
  type IdempotencyStore,
  MemoryIdempotencyStore,
  RedisIdempotencyStore,
} from "./mutations/idempotency.js";
import { useIntrospectionSwitch } from "./plugins/useIntrospectionSwitch.js";
import { usePartialErrors } from "./plugins/usePartialErrors.js";
import { schema } from "./schema/index.js";

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
  /** The shared HTTP layer (its cache and observers). */
  readonly http: HttpLayer;
  readonly url: string;
}

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

function readiness(tenants: ReadonlyMap<string, TenantUpstreams>) {
  return {
    status: "ready",
    tenants: Object.fromEntries(
      [...tenants.values()].map((tenant) => [tenant.tenantId, { upstreams: tenant.sources }]),
    ),
  };
}

export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const logger = options.logger ?? createLogger("info");
  const http = new HttpLayer({
    timeoutMs: config.http.timeoutMs,
    retries: config.http.retries,
    connections: config.http.connections,
    cache: { ttlMs: config.cache.ttlMs, maxEntries: config.cache.maxEntries },
    ...(options.dispatcherFor ? { dispatcherFor: options.dispatcherFor } : {}),
  });
  const tenants = new Map(config.tenants.map((tenant) => [tenant.id, tenantUpstreams(tenant, config, http)]));

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
  const idempotency: IdempotencyStore = redis
    ? new RedisIdempotencyStore(redis, config.idempotency)
    : new MemoryIdempotencyStore(config.idempotency);

  const keys = new ApiKeyRegistry(config);
  const signer = new UrlSigner(config.server.urlSigningSecret, config.server.signedUrlTtlMs);
  const createContext = createContextFactory(tenants, config.limits, signer, {
    idempotency,
    // A retry waits at most as long as the first request can take with its upstream retries.
    idempotencyWaitMs: config.http.timeoutMs * (config.http.retries + 1),
    onIdempotencyStoreFailure: (error) =>
      logger.error({ err: error }, "idempotency store failed after an upstream write"),
  });
  // Links in responses point where the client reached us, unless the config pins a public URL.
  const publicUrlOf = (hostHeader: string | undefined) =>
    config.server.publicUrl ?? `http://${hostHeader ?? `${config.server.host}:${config.server.port}`}`;

  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    maskedErrors: true,
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
    context: ({ request }) => {
      const principal = keys.authenticate(presentedKey(request.headers));
      if (!principal) throw new UnauthenticatedError();
      return createContext(principal, {
        requestId: request.headers.get("x-request-id") ?? undefined,
        publicUrl: publicUrlOf(request.headers.get("host") ?? undefined),
      });
    },
    plugins: [useIntrospectionSwitch(config.server.introspection), usePartialErrors()],
  });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && (path === "/healthz" || path === "/readyz")) {
      const body = JSON.stringify(path === "/healthz" ? { status: "ok" } : readiness(tenants));
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
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
    yoga.handle(req, res);
  };

  let server: Server | null = null;
  let url = "";
  return {
    http,
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
      const listening = createServer(handle);
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
      if (closing) {
        await new Promise<void>((resolve) => {
          closing.close(() => resolve());
          closing.closeIdleConnections();
        });
      }
      await http.close();
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
