import { describe, expect, it } from "vitest";
import { JobCloserSession } from "../../src/datasources/jobcloser/client.js";
import { ReadLog } from "../../src/datasources/readLog.js";

/**
 * The read log behind answer reuse, and the JobCloser list snapshots that feed it: a snapshot is
 * shared while it loads (one parse per answer however many parents ask), and says while it is
 * current.
 */

describe("ReadLog", () => {
  it("keeps every dependency until something uncached makes the answer not reusable", () => {
    const log = new ReadLog();
    let fresh = true;
    expect(log.lifeMs).toBe(Number.POSITIVE_INFINITY);
    log.dependsOn(() => fresh, 5_000);
    log.dependsOn(() => true, 60_000);
    expect(log.whyNotReusable).toBeNull();
    // The answer lives no longer than its shortest-lived read.
    expect(log.lifeMs).toBe(5_000);
    const dependencies = log.dependencies();
    expect(dependencies.map((current) => current())).toEqual([true, true]);
    fresh = false;
    expect(dependencies.map((current) => current())).toEqual([false, true]);

    log.notReusable("cleverinvo GET /v1/invoices is not cached");
    log.dependsOn(() => true, 1_000);
    expect(log.whyNotReusable).toBe("cleverinvo GET /v1/invoices is not cached");
    expect(log.dependencies()).toEqual([]);
    log.clear();
    expect(log.whyNotReusable).toBeNull();
    expect(log.dependencies()).toEqual([]);
    expect(log.lifeMs).toBe(Number.POSITIVE_INFINITY);
  });

  it("gives up past MAX_READS: checking would cost more than executing", () => {
    const log = new ReadLog();
    for (let i = 0; i < ReadLog.MAX_READS; i++) log.dependsOn(() => true, 5_000);
    expect(log.whyNotReusable).toBeNull();
    log.dependsOn(() => true, 5_000);
    expect(log.whyNotReusable).toBe(`more than ${ReadLog.MAX_READS} cached reads`);
  });
});

describe("JobCloserSession snapshots", () => {
  const credentials = { email: "owner@example.com", password: "correct horse" };

  it("with a TTL of 0, callers while the list loads share one load; later callers load again", async () => {
    const session = new JobCloserSession(credentials, 0);
    let loads = 0;
    let release: (records: string[]) => void = () => {};
    const load = () => {
      loads++;
      return new Promise<string[]>((resolve) => {
        release = resolve;
      });
    };
    const waiting = [session.snapshot("/jobs/getall?", load), session.snapshot("/jobs/getall?", load)];
    release(["a", "b"]);
    const [first, second] = await Promise.all(waiting);
    expect(loads).toBe(1);
    expect(second).toBe(first);
    await session
      .snapshot("/jobs/getall?", () => Promise.resolve(["c"]))
      .then((records) => {
        expect(records).toEqual(["c"]);
      });
  });

  it("tells a request's read log while the records it gave are current: until expiry or invalidation", async () => {
    let now = 1_000;
    const session = new JobCloserSession(credentials, 60_000, () => now);
    const checks: Array<() => boolean> = [];
    const lives: number[] = [];
    const record = (current: () => boolean, lifeMs: number) => {
      checks.push(current);
      lives.push(lifeMs);
    };
    await session.snapshot("/customers/getall?companyId=c1", () => Promise.resolve(["x"]), record);
    now += 15_000;
    await session.snapshot("/customers/getall?companyId=c1", () => Promise.resolve(["y"]), record);
    expect(checks.map((current) => current())).toEqual([true, true]);
    // A fresh list stands for the whole TTL; one read later, for what is left of it.
    expect(lives).toEqual([60_000, 45_000]);
    now -= 15_000;
    now += 60_000;
    expect(checks.map((current) => current())).toEqual([false, false]);

    now = 1_000;
    const later: Array<() => boolean> = [];
    await session.snapshot(
      "/jobs/getall?companyId=c1",
      () => Promise.resolve(["j"]),
      (c) => later.push(c),
    );
    expect(later[0]?.()).toBe(true);
    session.invalidateSnapshots("/jobs/");
    expect(later[0]?.()).toBe(false);
  });
});
