import type { GatewayConfig, TenantConfig } from "../config.js";
import type { SourceId } from "../errors.js";
import { ArtisanClient } from "./artisan/client.js";
import { ArtisanDatasource } from "./artisan/datasource.js";
import { CleanEstimateClient } from "./cleanestimate/client.js";
import { CleanEstimateDatasource } from "./cleanestimate/datasource.js";
import { CleanItAllClient } from "./cleanitall/client.js";
import { CleanItAllDatasource } from "./cleanitall/datasource.js";
import { CleverInvoClient } from "./cleverinvo/client.js";
import { CleverInvoDatasource } from "./cleverinvo/datasource.js";
import type { Datasource } from "./datasource.js";
import type { HttpLayer, RequestScope, UpstreamHttp, UpstreamTarget } from "./http.js";
import { JobCloserClient, JobCloserSession } from "./jobcloser/client.js";
import { JobCloserDatasource } from "./jobcloser/datasource.js";

/**
 * Builds a tenant's datasources for one request. Upstream targets (base URL, credentials,
 * timeouts) are resolved once per tenant at start-up; the datasources, which hold the request's
 * DataLoaders, are new for every request, and send through the HTTP layer's facade for that
 * request's scope (its id goes upstream, its deadline bounds every upstream call).
 */

/** The upstreams this gateway can serve, in the order cross-source lists name them. */
export const SUPPORTED_SOURCES = [
  "cleanitall",
  "cleanestimate",
  "jobcloser",
  "artisan",
  "cleverinvo",
] as const satisfies readonly SourceId[];
export type SupportedSource = (typeof SUPPORTED_SOURCES)[number];

export interface TenantUpstreams {
  tenantId: string;
  /** Sources configured for this tenant and served by this gateway, in SUPPORTED_SOURCES order. */
  sources: SupportedSource[];
  /** The tenant's datasources for one GraphQL request (or one background job, such as a poll cycle). */
  create(scope: RequestScope): Map<SourceId, Datasource>;
  /** A scope starting now: its deadline is the HTTP layer's `deadlineMs` away. */
  scope(requestId: string): RequestScope;
  /**
   * Drops the tenant's cached reads of a source below a path prefix (an event said they changed):
   * the shared HTTP cache, and the list snapshots a source keeps for the tenant (JobCloser).
   */
  invalidate(source: SourceId, pathPrefix: string): void;
}

export function tenantUpstreams(
  tenant: TenantConfig,
  config: GatewayConfig,
  http: HttpLayer,
): TenantUpstreams {
  const factories = new Map<SupportedSource, (http: UpstreamHttp) => Datasource>();
  const snapshotHolders = new Map<SourceId, { invalidateSnapshots(prefix: string): void }>();
  const target = (
    source: SourceId,
    baseUrl: string,
    headers: Record<string, string>,
    timeoutMs?: number,
  ): UpstreamTarget => ({
    source,
    tenantId: tenant.id,
    baseUrl,
    headers,
    timeoutMs: timeoutMs ?? config.http.timeoutMs,
  });

  const cleanitall = tenant.upstreams.cleanitall;
  if (cleanitall) {
    const upstream = target(
      "cleanitall",
      cleanitall.baseUrl,
      { "x-api-key": cleanitall.apiKey },
      cleanitall.timeoutMs,
    );
    factories.set(
      "cleanitall",
      (scoped) => new CleanItAllDatasource(new CleanItAllClient(scoped, upstream), cleanitall.currency),
    );
  }
  const artisan = tenant.upstreams.artisan;
  if (artisan) {
    const upstream = target(
      "artisan",
      artisan.baseUrl,
      { authorization: `Bearer ${artisan.token}` },
      artisan.timeoutMs,
    );
    factories.set(
      "artisan",
      (scoped) => new ArtisanDatasource(new ArtisanClient(scoped, upstream), config.cache.profileTtlMs),
    );
  }

  const cleanestimate = tenant.upstreams.cleanestimate;
  if (cleanestimate) {
    const upstream = target(
      "cleanestimate",
      cleanestimate.baseUrl,
      { authorization: `Bearer ${cleanestimate.apiKey}` },
      cleanestimate.timeoutMs,
    );
    factories.set(
      "cleanestimate",
      (scoped) => new CleanEstimateDatasource(new CleanEstimateClient(scoped, upstream)),
    );
  }

  const jobcloser = tenant.upstreams.jobcloser;
  if (jobcloser) {
    const upstream = target("jobcloser", jobcloser.baseUrl, {}, jobcloser.timeoutMs);
    const credentials =
      jobcloser.zapierKey !== undefined
        ? { zapierKey: jobcloser.zapierKey }
        : { email: jobcloser.email ?? "", password: jobcloser.password ?? "" };
    // Signed-in company and list snapshots live as long as the tenant, not one request.
    const session = new JobCloserSession(credentials, jobcloser.listCacheTtlMs);
    snapshotHolders.set("jobcloser", session);
    factories.set(
      "jobcloser",
      (scoped) => new JobCloserDatasource(new JobCloserClient(scoped, upstream, session), jobcloser.currency),
    );
  }

  const cleverinvo = tenant.upstreams.cleverinvo;
  if (cleverinvo) {
    const upstream = target(
      "cleverinvo",
      cleverinvo.baseUrl,
      { authorization: `Bearer ${cleverinvo.apiKey}` },
      cleverinvo.timeoutMs,
    );
    factories.set("cleverinvo", (scoped) => new CleverInvoDatasource(new CleverInvoClient(scoped, upstream)));
  }

  const sources = SUPPORTED_SOURCES.filter((source) => factories.has(source));
  return {
    tenantId: tenant.id,
    sources,
    create: (scope) => new LazyDatasources(sources, factories, http.forRequest(scope)),
    scope: (requestId) => http.scope(requestId),
    invalidate: (source, pathPrefix) => {
      snapshotHolders.get(source)?.invalidateSnapshots(pathPrefix);
      http.invalidate({ tenantId: tenant.id, source }, pathPrefix);
    },
  };
}

/**
 * A request's datasources, each built the first time the request asks for it: most requests touch
 * one or two sources, and a subscription's context (kept for its life) holds only what it used.
 * Iterating yields the ones built so far, which is all `clearLoaders` needs.
 */
class LazyDatasources extends Map<SourceId, Datasource> {
  constructor(
    private readonly sources: readonly SupportedSource[],
    private readonly factories: ReadonlyMap<SupportedSource, (http: UpstreamHttp) => Datasource>,
    private readonly http: UpstreamHttp,
  ) {
    super();
  }

  override get(source: SourceId): Datasource | undefined {
    const built = super.get(source);
    if (built) return built;
    const factory = (this.sources as readonly SourceId[]).includes(source)
      ? this.factories.get(source as SupportedSource)
      : undefined;
    if (!factory) return undefined;
    const datasource = factory(this.http);
    this.set(source, datasource);
    return datasource;
  }

  override has(source: SourceId): boolean {
    return (this.sources as readonly SourceId[]).includes(source);
  }
}
