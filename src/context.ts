import { randomUUID } from "node:crypto";
import type { GraphQLError } from "graphql";
import type { Principal } from "./auth/apiKeys.js";
import type { GatewayConfig, Scope } from "./config.js";
import type { Datasource } from "./datasources/datasource.js";
import type { SupportedSource, TenantUpstreams } from "./datasources/index.js";
import { ReadLog } from "./datasources/readLog.js";
import type { NodeRef, UnifiedNode } from "./datasources/unified.js";
import type { SourceId } from "./errors.js";
import type { EventFilter } from "./events/liveEvents.js";
import type { UnifiedEvent } from "./events/types.js";
import type { UrlSigner } from "./files/signedUrls.js";
import type { IdempotencyStore } from "./mutations/idempotency.js";

/** What mutations share across requests. */
export interface MutationServices {
  idempotency: IdempotencyStore;
  /** How long a retried create waits for the first request with its key to finish. */
  idempotencyWaitMs: number;
  /** A store failure after the upstream write succeeded: logged, not shown to the client. */
  onIdempotencyStoreFailure(error: unknown): void;
}

/** What subscriptions share across requests: the live event streams. */
export interface EventServices {
  subscribe(tenantId: string, filter: EventFilter): AsyncIterableIterator<UnifiedEvent>;
}

/**
 * The per-request context, the one place DataLoaders are created. HTTP requests and (later)
 * graphql-ws subscriptions both build it here from an authenticated principal. A subscription keeps
 * its context for its life and clears the loaders before resolving each event.
 */
export interface GatewayContext {
  requestId: string;
  tenantId: string;
  scopes: ReadonlySet<Scope>;
  /** The tenant's sources, in the order cross-source lists name them. */
  sources: readonly SupportedSource[];
  datasources: ReadonlyMap<SourceId, Datasource>;
  limits: GatewayConfig["limits"];
  /** The gateway's origin as this client reached it, for links in responses. */
  publicUrl: string;
  /** A link to a gateway path (a file), signed for this tenant so a browser can open it without the key. */
  signedLink(path: string): string;
  /**
   * Failures of one source while the others answered (a cross-source list): reported in the
   * response's `errors` next to the data that did arrive.
   */
  partialErrors: GraphQLError[];
  /** The full record behind a reference, through the request's DataLoaders; null when missing. */
  load(ref: NodeRef): Promise<UnifiedNode | null>;
  /** What this request read from the upstream caches: whether its answer can be reused, and until when. */
  reads: ReadLog;
  /** Forgets loaded records (each subscription event is resolved afresh, and after each write). */
  clearLoaders(): void;
  mutations: MutationServices;
  /** Whether the request's API key still holds (a long-lived subscription checks it before each event). */
  stillAuthorized(): boolean;
  /** The tenant's live events matching a filter (subscription resolvers). */
  events(filter: EventFilter): AsyncIterableIterator<UnifiedEvent>;
}

export type ContextFactory = (
  principal: Principal,
  request: { requestId?: string; publicUrl: string },
) => GatewayContext;

export function createContextFactory(
  tenants: ReadonlyMap<string, TenantUpstreams>,
  limits: GatewayConfig["limits"],
  signer: UrlSigner,
  stillValid: (principal: Principal) => boolean,
  mutations: MutationServices,
  events: EventServices,
): ContextFactory {
  return (principal, { requestId = randomUUID(), publicUrl }) => {
    const tenant = tenants.get(principal.tenantId);
    if (!tenant) throw new Error(`API key maps to unknown tenant ${principal.tenantId}`);
    // Every upstream call of this request carries its id and stops at its deadline. A subscription's
    // context outlives that deadline: each event it resolves (after clearLoaders) gets one of its own.
    const reads = new ReadLog();
    const scope = { ...tenant.scope(requestId), reads };
    let subscribed = false;
    const datasources = tenant.create(scope);
    return {
      requestId,
      tenantId: tenant.tenantId,
      scopes: principal.scopes,
      sources: tenant.sources,
      datasources,
      limits,
      publicUrl,
      signedLink: (path) => {
        // The signature expires: an answer holding one is never given again.
        reads.notReusable("a signed link");
        return `${publicUrl}${path}?${signer.sign(tenant.tenantId, path)}`;
      },
      partialErrors: [],
      load: (ref) => datasources.get(ref.source)?.load(ref) ?? Promise.resolve(null),
      clearLoaders: () => {
        if (subscribed) scope.deadlineAt = tenant.scope(requestId).deadlineAt;
        for (const datasource of datasources.values()) datasource.clearLoaders();
        reads.clear();
      },
      reads,
      mutations,
      stillAuthorized: () => stillValid(principal),
      events: (filter) => {
        subscribed = true;
        return events.subscribe(tenant.tenantId, filter);
      },
    };
  };
}
