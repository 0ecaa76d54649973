import { afterEach, describe, expect, it } from "vitest";
import type { UnifiedNode } from "../../src/datasources/unified.js";
import { UpstreamError } from "../../src/errors.js";
import { type DetectedChange, type PollLease, SourcePoller, soleLease } from "../../src/events/polling.js";
import type { ChangeFeed } from "../../src/events/types.js";

/** The poller over a scripted feed: what it reports, and how long it waits between cycles. */

type Job = Extract<UnifiedNode, { __typename: "Job" }>;

function job(id: string, patch: Partial<Job> = {}): UnifiedNode {
  return {
    __typename: "Job",
    source: "artisan",
    sourceId: id,
    createdAt: "2026-02-01T09:00:00+01:00",
    updatedAt: "2026-02-01T09:00:00+01:00",
    number: null,
    customerId: "1",
    crewId: null,
    locationId: null,
    title: `Job ${id}`,
    description: null,
    status: "SCHEDULED",
    sourceStatus: "open",
    serviceType: null,
    ...patch,
  } as UnifiedNode;
}

class ScriptedFeed implements ChangeFeed {
  readonly nodeType = "Job" as const;
  readonly stale = ["/jobs"];
  records: UnifiedNode[] = [];
  requests = 3;
  failWith: Error | null = null;
  snapshots = 0;
  async snapshot() {
    this.snapshots++;
    if (this.failWith) throw this.failWith;
    return { records: this.records, requests: this.requests };
  }
}

const pollers: SourcePoller[] = [];
afterEach(() => {
  for (const poller of pollers.splice(0)) poller.stop();
});

function pollerOver(feed: ScriptedFeed, options: { lease?: PollLease; tenantId?: string } = {}) {
  const reported: DetectedChange[] = [];
  const errors: unknown[] = [];
  const poller = new SourcePoller({
    tenantId: options.tenantId ?? "acme",
    source: "artisan",
    feeds: () => [feed],
    settings: { requestsPerMinute: 12, minIntervalMs: 15_000, maxIntervalMs: 300_000 },
    lease: options.lease ?? soleLease,
    report: async (changes) => {
      reported.push(...changes);
    },
    onError: (error) => errors.push(error),
    now: () => Date.parse("2026-03-01T12:30:00Z"),
  });
  pollers.push(poller);
  return { poller, reported, errors };
}

describe("SourcePoller", () => {
  it("reports nothing on the baseline or an unchanged list, then each kind of change once", async () => {
    const feed = new ScriptedFeed();
    feed.records = [job("1"), job("2"), job("3")];
    const { poller, reported } = pollerOver(feed);
    poller.watch("Job");
    await poller.pollNow();
    await poller.pollNow();
    expect(reported).toEqual([]);

    feed.records = [
      job("1", { title: "Renamed", updatedAt: "2026-03-01T12:00:00Z" }),
      job("2", { status: "COMPLETED", sourceStatus: "completed" }),
      job("4"),
    ];
    await poller.pollNow();
    expect(
      reported.map(({ type, ref, occurredAt, stale }) => ({ type, id: ref.sourceId, occurredAt, stale })),
    ).toEqual([
      { type: "JOB_UPDATED", id: "1", occurredAt: "2026-03-01T12:00:00Z", stale: ["/jobs"] },
      { type: "JOB_COMPLETED", id: "2", occurredAt: "2026-02-01T09:00:00+01:00", stale: ["/jobs"] },
      { type: "JOB_CREATED", id: "4", occurredAt: "2026-02-01T09:00:00+01:00", stale: ["/jobs"] },
      { type: "JOB_DELETED", id: "3", occurredAt: "2026-03-01T12:30:00.000Z", stale: ["/jobs"] },
    ]);
    expect(reported.at(-1)?.record).toBeNull();
    await poller.pollNow();
    expect(reported).toHaveLength(4);
  });

  it("gives the same change the same id on every instance, and different changes different ids", async () => {
    const ids: string[][] = [];
    for (let instance = 0; instance < 2; instance++) {
      const feed = new ScriptedFeed();
      feed.records = [job("1")];
      const { poller, reported } = pollerOver(feed);
      poller.watch("Job");
      await poller.pollNow();
      feed.records = [job("1", { title: "Renamed" })];
      await poller.pollNow();
      feed.records = [job("1", { title: "Renamed again" })];
      await poller.pollNow();
      ids.push(reported.map((change) => change.id));
    }
    expect(ids[0]).toEqual(ids[1]);
    expect(new Set(ids[0]).size).toBe(2);
  });

  it("spreads cycles so polling stays within its share of the rate limit", async () => {
    const feed = new ScriptedFeed();
    const { poller } = pollerOver(feed);
    poller.watch("Job");
    feed.requests = 1;
    await poller.pollNow();
    expect(poller.lastPauseMs).toBe(15_000); // 1 request at 12/min would allow 5 s: the minimum wins.
    feed.requests = 12;
    await poller.pollNow();
    expect(poller.lastPauseMs).toBe(60_000); // 12 requests at 12/min: one minute.
  });

  it("backs off after failures and honours the upstream's Retry-After", async () => {
    const feed = new ScriptedFeed();
    const { poller, errors } = pollerOver(feed);
    poller.watch("Job");
    feed.failWith = new UpstreamError("artisan", "UPSTREAM_UNAVAILABLE", "down");
    await poller.pollNow();
    expect(poller.lastPauseMs).toBe(30_000);
    await poller.pollNow();
    expect(poller.lastPauseMs).toBe(60_000);
    feed.failWith = new UpstreamError("artisan", "UPSTREAM_RATE_LIMITED", "slow down", {
      retryAfterSeconds: 400,
    });
    await poller.pollNow();
    expect(poller.lastPauseMs).toBe(400_000);
    expect(errors).toHaveLength(3);
    feed.failWith = null;
    await poller.pollNow();
    expect(poller.lastPauseMs).toBe(15_000);
  });

  it("reads nothing while another instance holds the lease, and nothing once nobody watches", async () => {
    const feed = new ScriptedFeed();
    const lease: PollLease = { acquire: async () => false, release: async () => {} };
    const { poller } = pollerOver(feed, { lease });
    const unwatch = poller.watch("Job");
    await poller.pollNow();
    expect(feed.snapshots).toBe(0);
    expect(poller.scheduled).toBe(true);
    unwatch();
    expect(poller.scheduled).toBe(false);
    expect(poller.watched).toEqual([]);
  });

  it("polls only the kinds somebody watches", async () => {
    const feed = new ScriptedFeed();
    const { poller } = pollerOver(feed);
    poller.watch("Invoice");
    await poller.pollNow();
    expect(feed.snapshots).toBe(0);
  });
});
