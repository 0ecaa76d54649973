import { createServer } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type WebhookAttempt,
  type WebhookAttemptContext,
  type WebhookDeliveryInit,
  WebhookDispatcher,
  type WebhookDispatcherOptions,
} from "../../sim/core/webhooks.js";
import { startReceiver, type WebhookReceiver } from "./webhookReceiver.js";

/** The delivery engine on its own, against a real local receiver. */

const BODY = '{"id":"evt_1","event":"job.created","data":{"id":"job_1"}}';
/** A fixed delivery clock: 2026-03-20T14:05:00Z. */
const CLOCK_MS = Date.parse("2026-03-20T14:05:00Z");
const CLOCK_S = CLOCK_MS / 1000;

let receiver: WebhookReceiver;
let dispatcher: WebhookDispatcher | null = null;

beforeEach(async () => {
  receiver = await startReceiver();
});

afterEach(async () => {
  await dispatcher?.close();
  dispatcher = null;
  await receiver.close();
});

function open(options: Partial<WebhookDispatcherOptions> = {}): WebhookDispatcher {
  dispatcher = new WebhookDispatcher({
    name: "test",
    attemptDelaysMs: [0, 10, 10, 10, 10],
    timeoutMs: 2_000,
    clock: () => CLOCK_MS,
    ...options,
  });
  return dispatcher;
}

/** A delivery to `path` whose headers name the attempt, and the contexts its builder saw. */
function delivery(
  path: string,
  overrides: Partial<WebhookDeliveryInit> = {},
): { init: WebhookDeliveryInit; contexts: WebhookAttemptContext[] } {
  const contexts: WebhookAttemptContext[] = [];
  return {
    contexts,
    init: {
      deliveryId: "whd_1",
      eventId: "evt_1",
      eventType: "job.created",
      url: `${receiver.origin}${path}`,
      body: BODY,
      endpointKey: "acct",
      headers: (context) => {
        contexts.push(context);
        return {
          "content-type": "application/json",
          "x-delivery": "whd_1",
          "x-attempt": String(context.attempt),
          "x-timestamp": String(context.timestamp),
        };
      },
      ...overrides,
    },
  };
}

const attempt = (fields: Partial<WebhookAttempt> & Pick<WebhookAttempt, "attempt" | "outcome">) => ({
  deliveryId: "whd_1",
  eventId: "evt_1",
  eventType: "job.created",
  url: `${receiver.origin}/hook`,
  timestamp: CLOCK_S,
  status: null,
  error: null,
  nextAttemptInMs: null,
  ...fields,
});

describe("WebhookDispatcher", () => {
  it("POSTs the body with the attempt's headers and logs the delivery", async () => {
    const engine = open();
    const { init, contexts } = delivery("/hook");
    const seen: WebhookAttempt[] = [];
    engine.onAttempt((entry) => seen.push(entry));
    engine.enqueue(init);
    // Never inside the caller: the first attempt waits for a timer.
    expect(receiver.received).toHaveLength(0);
    expect(engine.pending).toBe(1);

    await engine.idle();
    expect(engine.pending).toBe(0);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/hook");
    expect(request?.text).toBe(BODY);
    expect(request?.headers).toMatchObject({
      "content-type": "application/json",
      "x-delivery": "whd_1",
      "x-attempt": "1",
      "x-timestamp": String(CLOCK_S),
      "content-length": String(Buffer.byteLength(BODY)),
    });
    expect(contexts).toEqual([{ attempt: 1, timestamp: CLOCK_S }]);
    const logged = attempt({ attempt: 1, status: 200, outcome: "delivered" });
    expect(engine.log).toEqual([logged]);
    expect(seen).toEqual([logged]);
  });

  it("retries a 500, an unfollowed 302, a dropped connection and a timeout, then stops on a 2xx", async () => {
    let tick = 0;
    // Each attempt reads the clock once: attempts are 1 s apart on it.
    const engine = open({ timeoutMs: 250, clock: () => CLOCK_MS + 1000 * tick++ });
    receiver.script("/hook", 500, 302, "drop", "hang", 204, 500);
    const { init, contexts } = delivery("/hook");
    engine.enqueue(init);
    await engine.idle();

    expect(receiver.received.map((request) => request.path)).toEqual(Array(5).fill("/hook"));
    expect(receiver.received.map((request) => request.text)).toEqual(Array(5).fill(BODY));
    expect(receiver.received.map((request) => request.headers["x-delivery"])).toEqual(Array(5).fill("whd_1"));
    expect(receiver.received.map((request) => request.headers["x-attempt"])).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
    ]);
    expect(contexts.map((context) => context.timestamp)).toEqual([0, 1, 2, 3, 4].map((s) => CLOCK_S + s));

    const log = engine.log;
    expect(
      log.map(({ attempt, status, outcome, nextAttemptInMs }) => ({
        attempt,
        status,
        outcome,
        nextAttemptInMs,
      })),
    ).toEqual([
      { attempt: 1, status: 500, outcome: "retrying", nextAttemptInMs: 10 },
      { attempt: 2, status: 302, outcome: "retrying", nextAttemptInMs: 10 },
      { attempt: 3, status: null, outcome: "retrying", nextAttemptInMs: 10 },
      { attempt: 4, status: null, outcome: "retrying", nextAttemptInMs: 10 },
      { attempt: 5, status: 204, outcome: "delivered", nextAttemptInMs: null },
    ]);
    expect(log.map((entry) => entry.error)).toEqual([
      null,
      null,
      expect.stringMatching(/^connection error: /),
      "timeout: no answer within 250 ms",
      null,
    ]);
    expect(log.map((entry) => entry.timestamp)).toEqual([0, 1, 2, 3, 4].map((s) => CLOCK_S + s));
    // The 302 was an answer, not a detour.
    expect(receiver.at("/hook/redirected")).toHaveLength(0);
  });

  it("drops a delivery after the last attempt of the schedule", async () => {
    const engine = open({ attemptDelaysMs: [0, 5, 5] });
    receiver.script("/hook", 503, 503, 503, 503);
    engine.enqueue(delivery("/hook").init);
    await engine.idle();

    expect(receiver.received).toHaveLength(3);
    expect(engine.log.map((entry) => [entry.attempt, entry.status, entry.outcome])).toEqual([
      [1, 503, "retrying"],
      [2, 503, "retrying"],
      [3, 503, "dropped"],
    ]);
    expect(engine.pending).toBe(0);
  });

  it("waits the scheduled delay between attempts", async () => {
    const engine = open({ attemptDelaysMs: [0, 60] });
    receiver.script("/hook", 500);
    const arrivals: number[] = [];
    engine.onAttempt(() => arrivals.push(performance.now()));
    engine.enqueue(delivery("/hook").init);
    await engine.idle();

    expect(engine.log.map((entry) => entry.outcome)).toEqual(["retrying", "delivered"]);
    const [first = 0, second = 0] = arrivals;
    // Timers never fire early by more than clock granularity.
    expect(second - first).toBeGreaterThanOrEqual(55);
  });

  it("reports a refused connection", async () => {
    const engine = open({ attemptDelaysMs: [0] });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const address = closed.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    engine.enqueue(delivery("/hook", { url: `http://127.0.0.1:${address.port}/hook` }).init);
    await engine.idle();
    expect(engine.log).toEqual([
      attempt({
        attempt: 1,
        url: `http://127.0.0.1:${address.port}/hook`,
        error: expect.stringMatching(/^connection error: .*\(ECONNREFUSED\)$/),
        outcome: "dropped",
      }),
    ]);
  });

  it("cancel() stops an endpoint's pending retry at once; other endpoints go on", async () => {
    // The references' kind of delay: nothing would happen for a minute.
    const engine = open({ attemptDelaysMs: [0, 60_000] });
    receiver.script("/hook", 500);
    receiver.script("/other", 500);
    engine.enqueue(delivery("/hook").init);
    engine.enqueue(delivery("/other", { deliveryId: "whd_2", endpointKey: "other" }).init);
    await engine.waitForAttempt((entry) => entry.deliveryId === "whd_1");
    await engine.waitForAttempt((entry) => entry.deliveryId === "whd_2");
    expect(engine.pending).toBe(2);

    expect(engine.cancel("acct")).toBe(1);
    expect(engine.pending).toBe(1);
    expect(engine.cancel("acct")).toBe(0);
    await engine.close();
    await engine.idle();
    expect(receiver.received.map((request) => request.path)).toEqual(["/hook", "/other"]);
  });

  it("an attempt in flight when its endpoint is cancelled finishes and is not retried", async () => {
    const engine = open({ timeoutMs: 200, attemptDelaysMs: [0, 10] });
    receiver.script("/hook", "hang");
    engine.enqueue(delivery("/hook").init);
    await receiver.receivedCount(1);
    expect(engine.cancel("acct")).toBe(1);
    await engine.idle();
    expect(engine.log).toEqual([
      attempt({ attempt: 1, error: "timeout: no answer within 200 ms", outcome: "cancelled" }),
    ]);
    expect(receiver.received).toHaveLength(1);
  });

  it("skips an attempt whose endpoint is no longer active", async () => {
    const engine = open();
    let active = true;
    receiver.script("/hook", 500);
    engine.enqueue(delivery("/hook", { isActive: () => active }).init);
    await engine.waitForAttempt();
    active = false;
    await engine.idle();
    expect(engine.log.map((entry) => entry.outcome)).toEqual(["retrying"]);
    expect(receiver.received).toHaveLength(1);
  });

  it("waitForAttempt() returns a past match at once and a future one when it happens", async () => {
    const engine = open();
    receiver.script("/hook", 500);
    engine.enqueue(delivery("/hook").init);
    const second = engine.waitForAttempt((entry) => entry.attempt === 2);
    expect(await second).toMatchObject({ attempt: 2, status: 200, outcome: "delivered" });
    expect(await engine.waitForAttempt((entry) => entry.attempt === 1)).toMatchObject({ status: 500 });
  });

  it("close() cancels waiting retries and attempts in flight, and refuses new deliveries", async () => {
    const engine = open({ attemptDelaysMs: [0, 3_600_000] });
    receiver.script("/hook", 500);
    receiver.script("/slow", "hang");
    engine.enqueue(delivery("/hook").init);
    engine.enqueue(delivery("/slow", { deliveryId: "whd_2" }).init);
    await engine.waitForAttempt();
    await receiver.receivedCount(2);
    // Asserted before closing, so the rejection close() causes is never unhandled.
    const never = expect(engine.waitForAttempt((entry) => entry.attempt === 2)).rejects.toThrow(
      "test webhooks: dispatcher closed before the attempt",
    );

    await engine.close();
    await engine.idle();
    await never;
    expect(engine.pending).toBe(0);
    engine.enqueue(delivery("/hook").init);
    expect(engine.pending).toBe(0);
    await expect(engine.waitForAttempt(() => false)).rejects.toThrow("test webhooks: dispatcher is closed");
    // The hanging attempt was aborted, not logged as a failure of the receiver.
    expect(engine.log.map((entry) => entry.deliveryId)).toEqual(["whd_1"]);
  });

  it("keeps the most recent attempts when the log is full", async () => {
    const engine = open({ attemptDelaysMs: [0, 0, 0], maxLogEntries: 2 });
    receiver.script("/hook", 500, 500);
    engine.enqueue(delivery("/hook").init);
    await engine.idle();
    expect(engine.log.map((entry) => entry.attempt)).toEqual([2, 3]);
    engine.clearLog();
    expect(engine.log).toEqual([]);
  });

  it("refuses a schedule or timeout that cannot work", () => {
    const make = (options: Partial<WebhookDispatcherOptions>) => () =>
      new WebhookDispatcher({ name: "x", attemptDelaysMs: [0], timeoutMs: 1, ...options });
    const scheduleError = "x webhooks: attemptDelaysMs must be non-negative numbers, at least one";
    expect(make({ attemptDelaysMs: [] })).toThrow(scheduleError);
    expect(make({ attemptDelaysMs: [0, -1] })).toThrow(scheduleError);
    expect(make({ attemptDelaysMs: [Number.NaN] })).toThrow(scheduleError);
    expect(make({ timeoutMs: 0 })).toThrow("x webhooks: timeoutMs must be a positive number");
  });
});
