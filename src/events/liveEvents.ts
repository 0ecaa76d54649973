import { randomUUID } from "node:crypto";
import { FixedBuffer, Repeater } from "graphql-yoga";
import type { TenantUpstreams } from "../datasources/index.js";
import type { SourceId } from "../errors.js";
import type { EventBus } from "./bus.js";
import type { DeliveryLog } from "./dedupe.js";
import {
  type DetectedChange,
  type PollingSettings,
  type PollLease,
  SourcePoller,
  type WatchedType,
} from "./polling.js";
import {
  type ChangeFeed,
  type EventType,
  nodeTypeOfEvent,
  type RecordChange,
  type UnifiedEvent,
} from "./types.js";

/**
 * The gateway's live events: publishing what webhooks and pollers learn (each delivery once),
 * dropping stale cache entries on every instance, and the subscription streams resolvers return.
 * A subscription registers interest with the pollers of its tenant, so polling runs only while
 * somebody could receive what it detects.
 */

export interface EventFilter {
  /** Only these event types (null: all). */
  types: ReadonlySet<EventType> | null;
  /** Only these sources (null: all the tenant has). */
  sources: ReadonlySet<SourceId> | null;
  /** Only events about this record. */
  record?: { type: UnifiedEvent["ref"]["type"]; source: SourceId; sourceId: string };
}

export type PolledSource = "jobcloser" | "artisan" | "cleverinvo";
export const POLLED_SOURCES: readonly PolledSource[] = ["jobcloser", "artisan", "cleverinvo"];
const WATCHABLE: ReadonlySet<string> = new Set<WatchedType>(["Job", "Customer", "SiteVisit", "Invoice"]);

/** How many events a subscriber may fall behind (plus Repeater's own 1024 queue) before its stream ends with an error. */
const MAX_BACKLOG = 1_000;

export interface LiveEventsDeps {
  bus: EventBus;
  deliveries: DeliveryLog;
  lease: PollLease;
  tenants: ReadonlyMap<string, TenantUpstreams>;
  polling: Record<PolledSource, PollingSettings>;
  onError(error: unknown, what: string): void;
  now?: () => number;
}

/** What a webhook receiver or poller hands over: changes plus how they were learned. */
export interface Learned {
  tenantId: string;
  source: SourceId;
  sourceEventType: string;
  detectedBy: UnifiedEvent["detectedBy"];
  changes: Array<RecordChange & { id: string; occurredAt: string; stale: string[] }>;
}

export function matches(event: UnifiedEvent, filter: EventFilter): boolean {
  if (filter.types && !filter.types.has(event.type)) return false;
  if (filter.sources && !filter.sources.has(event.source)) return false;
  const wanted = filter.record;
  if (wanted) {
    const { ref } = event;
    if (ref.type !== wanted.type || ref.source !== wanted.source || ref.sourceId !== wanted.sourceId)
      return false;
  }
  return true;
}

export class LiveEvents {
  private readonly pollers = new Map<string, SourcePoller>();
  /** Cache-invalidation listeners, by tenant. */
  private readonly unlisten = new Map<string, () => void>();
  private readonly active = new Map<string, number>();
  /** Ends each open subscription stream (shutdown). */
  private readonly streams = new Set<() => void>();
  private readonly waiters = new Set<{
    tenantId: string;
    done: (live: number) => boolean;
    resolve: () => void;
  }>();
  private readonly now: () => number;

  constructor(private readonly deps: LiveEventsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts dropping stale cache entries on every event of every tenant (from any instance). */
  async start(): Promise<void> {
    await this.syncTenants();
  }

  /**
   * After a config reload: listens for new tenants, and forgets removed ones (their pollers stop;
   * their subscribers were already cut off with their keys). A kept tenant's pollers are rebuilt
   * with its new upstreams on the next subscription.
   */
  async syncTenants(): Promise<void> {
    for (const [tenantId, stop] of this.unlisten) {
      if (this.deps.tenants.has(tenantId)) continue;
      stop();
      this.unlisten.delete(tenantId);
    }
    for (const [key, poller] of this.pollers) {
      const tenantId = key.slice(0, key.lastIndexOf(":"));
      if (this.deps.tenants.has(tenantId) && poller.watched.length > 0) continue;
      poller.stop();
      this.pollers.delete(key);
      this.supported.delete(key);
    }
    // Subscribed together: with Redis, each waits for its own SUBSCRIBE acknowledgement.
    const added = [...this.deps.tenants.keys()].filter((tenantId) => !this.unlisten.has(tenantId));
    const stops = await Promise.all(
      added.map((tenantId) => this.deps.bus.listen(tenantId, (event) => this.dropStale(event))),
    );
    added.forEach((tenantId, index) => {
      const stop = stops[index];
      if (stop) this.unlisten.set(tenantId, stop);
    });
  }

  /** Completes every open subscription stream (graceful shutdown: SSE responses can then end). */
  endStreams(): void {
    for (const end of [...this.streams]) end();
  }

  async stop(): Promise<void> {
    this.endStreams();
    for (const poller of this.pollers.values()) poller.stop();
    this.pollers.clear();
    for (const stop of this.unlisten.values()) stop();
    this.unlisten.clear();
  }

  /**
   * Publishes what was learned, once per `dedupeKey` (a webhook delivery id): false when it was
   * already published. If publishing fails the claim is released, so the upstream's retry succeeds.
   */
  async publishOnce(dedupeKey: string, learned: Learned): Promise<boolean> {
    if (!(await this.deps.deliveries.claim(dedupeKey))) return false;
    try {
      await this.publishAll(learned);
    } catch (error) {
      await this.deps.deliveries.release(dedupeKey).catch((e: unknown) => this.deps.onError(e, "release"));
      throw error;
    }
    return true;
  }

  private async publishAll(learned: Learned): Promise<void> {
    const receivedAt = new Date(this.now()).toISOString();
    for (const change of learned.changes) {
      await this.deps.bus.publish({
        id: change.id,
        tenantId: learned.tenantId,
        source: learned.source,
        type: change.type,
        sourceEventType: learned.sourceEventType,
        detectedBy: learned.detectedBy,
        occurredAt: change.occurredAt,
        receivedAt,
        ref: change.ref,
        record: change.record,
        stale: change.stale,
      });
    }
  }

  /** Detected changes: each published once however many instances detect it. */
  private async reportDetected(tenantId: string, source: SourceId, changes: DetectedChange[]): Promise<void> {
    for (const change of changes) {
      await this.publishOnce(`${tenantId}:${source}:${change.id}`, {
        tenantId,
        source,
        sourceEventType: "poll",
        detectedBy: "POLLING",
        changes: [change],
      });
    }
  }

  private dropStale(event: UnifiedEvent): void {
    const tenant = this.deps.tenants.get(event.tenantId);
    for (const prefix of event.stale) tenant?.invalidate(event.source, prefix);
  }

  /**
   * A tenant's events matching `filter`, as a stream a subscription resolver returns. Listening
   * starts before the first value is asked for; ending the stream (client gone) stops polling
   * that only it needed.
   */
  subscribe(tenantId: string, filter: EventFilter): AsyncIterableIterator<UnifiedEvent> {
    return new Repeater<UnifiedEvent>(async (push, stop) => {
      const unwatch = this.watch(tenantId, filter);
      let unlisten: () => void;
      try {
        unlisten = await this.deps.bus.listen(tenantId, (event) => {
          if (!matches(event, filter)) return;
          try {
            void push(event).catch(() => {});
          } catch {
            stop(
              new Error(`This subscription fell more than ${MAX_BACKLOG} events behind; subscribe again.`),
            );
          }
        });
      } catch (error) {
        unwatch();
        stop(error);
        return;
      }
      this.countSubscriber(tenantId, +1);
      const end = () => stop();
      this.streams.add(end);
      await stop;
      this.streams.delete(end);
      unlisten();
      unwatch();
      this.countSubscriber(tenantId, -1);
    }, new FixedBuffer(MAX_BACKLOG));
  }

  /** Active subscription streams, of one tenant or all. */
  subscribers(tenantId?: string): number {
    if (tenantId !== undefined) return this.active.get(tenantId) ?? 0;
    let total = 0;
    for (const count of this.active.values()) total += count;
    return total;
  }

  /** Resolves once at least `count` subscription streams of the tenant are live (tests, benchmarks). */
  whenSubscribed(tenantId: string, count: number): Promise<void> {
    return this.when(tenantId, (live) => live >= count);
  }

  /** Resolves once at most `count` subscription streams of the tenant are left. */
  whenUnsubscribed(tenantId: string, count = 0): Promise<void> {
    return this.when(tenantId, (live) => live <= count);
  }

  private when(tenantId: string, done: (live: number) => boolean): Promise<void> {
    if (done(this.subscribers(tenantId))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add({ tenantId, done, resolve }));
  }

  /** The poller of a tenant's source, if one was started (tests: `pollNow()`). */
  poller(tenantId: string, source: PolledSource): SourcePoller | undefined {
    return this.pollers.get(`${tenantId}:${source}`);
  }

  private countSubscriber(tenantId: string, delta: number): void {
    this.active.set(tenantId, (this.active.get(tenantId) ?? 0) + delta);
    for (const waiter of [...this.waiters]) {
      if (waiter.done(this.subscribers(waiter.tenantId))) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Registers polling interest for what the filter can receive; returns its release. */
  private watch(tenantId: string, filter: EventFilter): () => void {
    const tenant = this.deps.tenants.get(tenantId);
    if (!tenant) return () => {};
    const types = new Set<WatchedType>();
    if (filter.record) {
      if (WATCHABLE.has(filter.record.type)) types.add(filter.record.type as WatchedType);
    } else if (filter.types) {
      for (const type of filter.types) {
        const nodeType = nodeTypeOfEvent(type);
        if (WATCHABLE.has(nodeType)) types.add(nodeType as WatchedType);
      }
    } else {
      for (const type of WATCHABLE) types.add(type as WatchedType);
    }
    const releases: Array<() => void> = [];
    for (const source of POLLED_SOURCES) {
      if (!tenant.sources.includes(source)) continue;
      if (filter.sources && !filter.sources.has(source)) continue;
      if (filter.record && filter.record.source !== source) continue;
      const poller = this.pollerFor(tenant, source);
      for (const type of types) {
        if (poller.supports.has(type)) releases.push(poller.poller.watch(type));
      }
    }
    return () => {
      for (const release of releases) release();
    };
  }

  private readonly supported = new Map<string, ReadonlySet<WatchedType>>();

  private pollerFor(tenant: TenantUpstreams, source: PolledSource) {
    const key = `${tenant.tenantId}:${source}`;
    // Looked up at each cycle: a config reload may have changed the tenant's upstream credentials.
    // Each cycle is a background job with a request id of its own (sent upstream) and a deadline.
    const feeds = (): ChangeFeed[] => {
      const current = this.deps.tenants.get(tenant.tenantId);
      if (!current) return [];
      const scope = current.scope(`poll:${tenant.tenantId}:${source}:${randomUUID()}`);
      return current.create(scope).get(source)?.changeFeeds?.() ?? [];
    };
    let poller = this.pollers.get(key);
    if (!poller) {
      poller = new SourcePoller({
        tenantId: tenant.tenantId,
        source,
        feeds,
        settings: this.deps.polling[source],
        lease: this.deps.lease,
        report: (changes) => this.reportDetected(tenant.tenantId, source, changes),
        onError: (error) => this.deps.onError(error, `polling ${source} for tenant ${tenant.tenantId}`),
        now: this.now,
      });
      this.pollers.set(key, poller);
      this.supported.set(key, new Set(feeds().map((feed) => feed.nodeType)));
    }
    return { poller, supports: this.supported.get(key) ?? new Set<WatchedType>() };
  }
}
