import { createHash } from "node:crypto";
import type { UnifiedNode } from "../datasources/unified.js";
import { type SourceId, UpstreamError } from "../errors.js";
import type { ChangeFeed, EventType, RecordChange } from "./types.js";

/**
 * Change detection for upstreams without webhooks (JobCloser, Check-in ARTISAN, CleverInvo): one
 * poller per tenant and source, running only while some subscriber could receive what it detects.
 * Each cycle reads the watched lists in full (`ChangeFeed.snapshot`), compares them with the
 * previous cycle's records and reports created, changed and deleted records. The first cycle only
 * sets the baseline. The pause between cycles is stretched so polling uses at most its share of
 * the upstream's rate limit (`requestsPerMinute`), leaving the rest to normal traffic.
 */

export type WatchedType = ChangeFeed["nodeType"];

export interface PollingSettings {
  /** The most upstream requests per minute polling may spend for one tenant and source. */
  requestsPerMinute: number;
  /** The shortest pause between two cycles. */
  minIntervalMs: number;
  /** The longest pause after failures (backoff cap). */
  maxIntervalMs: number;
}

/** Lets several gateway instances agree that one of them polls a tenant's source. */
export interface PollLease {
  /** True when this instance holds (or now takes) the lease for `ttlMs`. */
  acquire(key: string, ttlMs: number): Promise<boolean>;
  release(key: string): Promise<void>;
}

export const soleLease: PollLease = {
  acquire: async () => true,
  release: async () => {},
};

/** A detected change, with the version it was seen at (for an id every instance computes alike). */
export interface DetectedChange extends RecordChange {
  /** Stable per change: the same change detected twice (two instances) gets the same id. */
  id: string;
  occurredAt: string;
  stale: string[];
}

export interface PollerDeps {
  tenantId: string;
  source: SourceId;
  /** The source's feeds, read through a fresh datasource (fresh loaders) each cycle. */
  feeds(): ChangeFeed[];
  settings: PollingSettings;
  lease: PollLease;
  report(changes: DetectedChange[]): Promise<void>;
  onError(error: unknown): void;
  now?: () => number;
}

const PREFIX: Record<WatchedType, string> = {
  Job: "JOB",
  Customer: "CUSTOMER",
  SiteVisit: "SITE_VISIT",
  Invoice: "INVOICE",
};

/** What a status move means to a dashboard: a job completed, an invoice paid... */
function changedType(nodeType: WatchedType, before: UnifiedNode, after: UnifiedNode): EventType {
  const status = (record: UnifiedNode) => ("status" in record ? record.status : null);
  const moved = status(before) !== status(after) ? status(after) : null;
  if (nodeType === "Job" && moved === "COMPLETED") return "JOB_COMPLETED";
  if (nodeType === "Job" && moved === "CANCELLED") return "JOB_CANCELLED";
  if (nodeType === "Invoice" && moved === "PAID") return "INVOICE_PAID";
  if (nodeType === "Invoice" && moved === "SENT") return "INVOICE_SENT";
  if (nodeType === "Invoice" && moved === "OVERDUE") return "INVOICE_OVERDUE";
  if (nodeType === "SiteVisit" && moved === "COMPLETED") return "SITE_VISIT_COMPLETED";
  return `${PREFIX[nodeType]}_UPDATED` as EventType;
}

function fingerprint(record: UnifiedNode): string {
  return createHash("sha256").update(JSON.stringify(record)).digest("base64url").slice(0, 22);
}

interface Seen {
  fingerprint: string;
  record: UnifiedNode;
}

export class SourcePoller {
  private readonly interest = new Map<WatchedType, number>();
  private readonly snapshots = new Map<WatchedType, Map<string, Seen>>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failures = 0;
  /** The pause planned after the last cycle (observability, tests). */
  lastPauseMs = 0;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly deps: PollerDeps) {
    this.now = deps.now ?? Date.now;
  }

  get leaseKey(): string {
    return `${this.deps.tenantId}:${this.deps.source}`;
  }

  /** Types somebody currently listens for. */
  get watched(): WatchedType[] {
    return [...this.interest.keys()];
  }

  /** Whether a next cycle is planned (false once nobody watches). */
  get scheduled(): boolean {
    return this.timer !== null;
  }

  /** A subscriber wants changes of `nodeType`; the first one starts polling. */
  watch(nodeType: WatchedType): () => void {
    this.interest.set(nodeType, (this.interest.get(nodeType) ?? 0) + 1);
    if (!this.timer && !this.running && !this.stopped) this.schedule(0);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.interest.get(nodeType) ?? 1) - 1;
      if (left > 0) {
        this.interest.set(nodeType, left);
        return;
      }
      this.interest.delete(nodeType);
      // Nobody watches it: an old baseline would report stale differences on the next watch.
      this.snapshots.delete(nodeType);
      if (this.interest.size === 0) this.pause();
    };
  }

  /** Runs one cycle now (tests, and the first cycle); resolves when it is done. */
  async pollNow(): Promise<void> {
    if (this.running) return this.running;
    this.clearTimer();
    this.running = this.cycle().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    this.pause();
  }

  private pause(): void {
    this.clearTimer();
    void this.deps.lease.release(this.leaseKey).catch(this.deps.onError);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    if (this.stopped || this.interest.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pollNow();
    }, delayMs);
    // A poller never keeps the process alive on its own.
    this.timer.unref();
  }

  private async cycle(): Promise<void> {
    const { settings } = this.deps;
    let requests = 0;
    let retryAfterMs = 0;
    try {
      const watched = new Set(this.watched);
      const feeds = this.deps.feeds().filter((feed) => watched.has(feed.nodeType));
      // Each instance polls only while it holds the lease, so N instances cost what one does.
      const leaseTtl = Math.max(settings.minIntervalMs, 1_000) * 3;
      if (feeds.length > 0 && (await this.deps.lease.acquire(this.leaseKey, leaseTtl))) {
        const detected: DetectedChange[] = [];
        for (const feed of feeds) {
          const { records, requests: used } = await feed.snapshot();
          requests += used;
          detected.push(...this.compare(feed, records));
        }
        if (detected.length > 0) await this.deps.report(detected);
      }
      this.failures = 0;
    } catch (error) {
      this.failures++;
      if (error instanceof UpstreamError) {
        const seconds = error.extensions.retryAfterSeconds;
        if (typeof seconds === "number") retryAfterMs = seconds * 1000;
      }
      this.deps.onError(error);
    }
    // Spread the cycle's requests so the source sees at most `requestsPerMinute` from polling.
    const budgetPause = (requests / settings.requestsPerMinute) * 60_000;
    const backoff = this.failures > 0 ? settings.minIntervalMs * 2 ** Math.min(this.failures, 10) : 0;
    const pause = Math.min(
      Math.max(settings.minIntervalMs, budgetPause, backoff, retryAfterMs),
      Math.max(settings.maxIntervalMs, retryAfterMs),
    );
    this.lastPauseMs = pause;
    this.schedule(pause);
  }

  private compare(feed: ChangeFeed, records: UnifiedNode[]): DetectedChange[] {
    const previous = this.snapshots.get(feed.nodeType);
    const current = new Map<string, Seen>();
    for (const record of records) current.set(record.sourceId, { fingerprint: fingerprint(record), record });
    this.snapshots.set(feed.nodeType, current);
    if (!previous) return [];

    const detectedAt = new Date(this.now()).toISOString();
    const changes: DetectedChange[] = [];
    const change = (type: EventType, sourceId: string, version: string, record: UnifiedNode | null) => {
      const id = createHash("sha256")
        .update([this.deps.tenantId, this.deps.source, feed.nodeType, sourceId, version].join("\u0000"))
        .digest("base64url")
        .slice(0, 32);
      changes.push({
        id: `poll_${id}`,
        type,
        ref: { type: feed.nodeType, source: this.deps.source, sourceId },
        record,
        // The record's own timestamp says when it happened; a deletion, only when we noticed.
        occurredAt: record?.updatedAt ?? record?.createdAt ?? detectedAt,
        stale: feed.stale,
      });
    };
    for (const [sourceId, seen] of current) {
      const before = previous.get(sourceId);
      if (!before)
        change(`${PREFIX[feed.nodeType]}_CREATED` as EventType, sourceId, seen.fingerprint, seen.record);
      else if (before.fingerprint !== seen.fingerprint) {
        change(
          changedType(feed.nodeType, before.record, seen.record),
          sourceId,
          seen.fingerprint,
          seen.record,
        );
      }
    }
    for (const [sourceId, before] of previous) {
      if (!current.has(sourceId)) {
        change(
          `${PREFIX[feed.nodeType]}_DELETED` as EventType,
          sourceId,
          `deleted:${before.fingerprint}`,
          null,
        );
      }
    }
    return changes;
  }
}
