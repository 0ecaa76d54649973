import { createHmac, timingSafeEqual } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CLEANITALL_DEMO_KEY,
  CLEANITALL_WEBHOOK_ATTEMPT_DELAYS_MS,
  CLEANITALL_WEBHOOK_TIMEOUT_MS,
  type CleanItAllAccountSpec,
  type CleanItAllSim,
  type CleanItAllSimOptions,
  createCleanItAllSim,
  newCleanItAllWebhookSecret,
  seedAccount,
  signCleanItAllWebhook,
} from "../../sim/cleanitall/index.js";
import { type ReceivedWebhook, startReceiver, type WebhookReceiver } from "./webhookReceiver.js";

/** CleanItAll webhook deliveries (cleanitall.md §8) against a real local receiver. */

const SECRET = "4f9c2b7e1d8a6035c7e2f4a9b1d3e5f7a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9";
/** The simulator's business clock: seeded data reads the same whatever the date. */
const NOW = new Date("2026-03-01T12:30:00Z");
/** The delivery clock, deliberately not the business clock. */
const DELIVERY_MS = Date.parse("2026-04-02T08:00:00Z");

const SMALL: CleanItAllAccountSpec = {
  id: "small",
  seed: 5,
  apiKeys: [{ key: CLEANITALL_DEMO_KEY, scopes: ["read", "write", "delete"] }],
  size: { customers: 4, jobs: 12, invoices: 5 },
};

/** The `{data:{id}}` of a created record. */
const created = z.object({ data: z.object({ id: z.string() }) });

let receiver: WebhookReceiver;
const sims: CleanItAllSim[] = [];

beforeEach(async () => {
  receiver = await startReceiver();
});

afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
  await receiver.close();
});

async function start(
  options: CleanItAllSimOptions & { webhookPath?: string | null } = {},
): Promise<{ sim: CleanItAllSim; base: string }> {
  const { webhookPath = "/hook", ...simOptions } = options;
  const spec: CleanItAllAccountSpec = {
    ...SMALL,
    webhook: webhookPath === null ? null : { url: `${receiver.origin}${webhookPath}`, secret: SECRET },
  };
  const sim = createCleanItAllSim({
    accounts: [spec],
    now: () => NOW,
    webhookAttemptDelaysMs: [0, 10, 10, 10, 10],
    deliveryClock: () => DELIVERY_MS,
    ...simOptions,
  });
  sims.push(sim);
  return { sim, base: await sim.listen(0) };
}

async function post(base: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "x-api-key": CLEANITALL_DEMO_KEY, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function firstCustomer(sim: CleanItAllSim): string {
  const [customerId] = sim.account("small").customers.keys();
  if (!customerId) throw new Error("no seeded customer");
  return customerId;
}

const NEW_JOB = { title: "Deep clean - 3 bed house", scheduled_date: "2026-03-20", price: 240 };

/** The receiver's own check of §8: HMAC over the raw bytes, compared in constant time. */
function verifies(request: ReceivedWebhook, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(request.body).digest("hex")}`);
  const sent = Buffer.from(String(request.headers["x-webhook-signature"]));
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

describe("CleanItAll webhook signature", () => {
  it("matches the reference's test vector", () => {
    const body =
      '{"id":"evt_8w2k4m6p8r0t2v4x6z8b0d2f","event":"customer.deleted","created_at":"2026-03-20T14:05:00Z","data":{"id":"cus_3k9x2m7q4v8b1n5c6z0p2r4t"}}';
    expect(signCleanItAllWebhook(SECRET, body)).toBe(
      "sha256=7faa0101ba013a4225f6562bf63e7ee09fd40653e932c116856cda4921066c20",
    );
    expect(signCleanItAllWebhook(SECRET, Buffer.from(body))).toBe(signCleanItAllWebhook(SECRET, body));
  });

  it("makes dashboard-style secrets: 64 lowercase hex characters, never twice the same", () => {
    const first = newCleanItAllWebhookSecret();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(newCleanItAllWebhookSecret()).not.toBe(first);
  });
});

describe("CleanItAll webhook delivery", () => {
  it("delivers an API write's event with the reference's headers and the recorded envelope", async () => {
    const { sim, base } = await start();
    const customerId = firstCustomer(sim);
    const answer = await post(base, "/jobs", { ...NEW_JOB, customer_id: customerId });
    expect(answer.status).toBe(201);
    const job = created.parse(JSON.parse(answer.text)).data;
    await sim.deliveries.idle();

    const event = sim.account("small").events.at(-1);
    expect(event).toMatchObject({
      event: "job.created",
      created_at: "2026-03-01T12:30:00Z",
      data: { id: job.id },
    });
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    if (!request || !event) throw new Error("no delivery");
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/hook");
    expect(request.text).toBe(JSON.stringify(event));
    expect(JSON.parse(request.text)).toEqual({
      id: event.id,
      event: "job.created",
      created_at: "2026-03-01T12:30:00Z",
      data: JSON.parse(answer.text).data,
    });
    const deliveryId = String(request.headers["x-webhook-id"]);
    expect(deliveryId).toMatch(/^whd_[a-z0-9]{24}$/);
    expect(request.headers).toMatchObject({
      "content-type": "application/json",
      "x-webhook-event": "job.created",
      "x-webhook-id": deliveryId,
      "x-webhook-timestamp": String(DELIVERY_MS / 1000),
      "x-webhook-signature": `sha256=${createHmac("sha256", SECRET).update(request.body).digest("hex")}`,
    });
    expect(verifies(request, SECRET)).toBe(true);
    expect(sim.deliveries.log).toEqual([
      {
        deliveryId,
        eventId: event.id,
        eventType: "job.created",
        url: `${receiver.origin}/hook`,
        attempt: 1,
        timestamp: DELIVERY_MS / 1000,
        status: 200,
        error: null,
        outcome: "delivered",
        nextAttemptInMs: null,
      },
    ]);
  });

  it("delivers each event of a write separately, in the order emitted", async () => {
    const { sim, base } = await start();
    const customerId = firstCustomer(sim);
    const invoice = await post(base, "/invoices", {
      customer_id: customerId,
      line_items: [{ description: "Deep clean", unit_price: 240 }],
    });
    const invoiceId = created.parse(JSON.parse(invoice.text)).data.id;
    expect((await post(base, `/invoices/${invoiceId}/mark-paid`, { payment_method: "card" })).status).toBe(
      200,
    );
    await sim.deliveries.idle();

    const events = sim.account("small").events;
    expect(events.map((event) => event.event)).toEqual([
      "invoice.created",
      "payment.received",
      "invoice.paid",
    ]);
    expect(receiver.received.map((request) => request.text).sort()).toEqual(
      events.map((event) => JSON.stringify(event)).sort(),
    );
    const ids = new Set(receiver.received.map((request) => request.headers["x-webhook-id"]));
    expect(ids.size).toBe(3);
    expect(receiver.received.every((request) => verifies(request, SECRET))).toBe(true);
  });

  it("never holds up the API answer: it comes while the delivery still waits for the receiver", async () => {
    const { sim, base } = await start({ webhookTimeoutMs: CLEANITALL_WEBHOOK_TIMEOUT_MS });
    receiver.script("/hook", "hang");
    const answer = await post(base, "/customers", { name: "Taylor Morgan" });
    expect(answer.status).toBe(201);
    expect(sim.deliveries.pending).toBe(1);
    expect(sim.deliveries.log).toEqual([]);
    await receiver.receivedCount(1);
    expect(sim.deliveries.log).toEqual([]);
  });

  it("retries a 500, a redirect, a dropped connection and a timeout with the same id and body, until a 2xx", async () => {
    let tick = 0;
    const { sim, base } = await start({
      webhookTimeoutMs: 250,
      deliveryClock: () => DELIVERY_MS + 60_000 * tick++,
    });
    receiver.script("/hook", 500, 302, "drop", "hang", 200);
    await post(base, "/customers", { name: "Taylor Morgan" });
    await sim.deliveries.idle();

    const requests = receiver.at("/hook");
    expect(requests).toHaveLength(5);
    const [first] = requests;
    if (!first) throw new Error("no delivery");
    for (const request of requests) {
      expect(request.text).toBe(first.text);
      expect(request.headers["x-webhook-id"]).toBe(first.headers["x-webhook-id"]);
      expect(request.headers["x-webhook-signature"]).toBe(first.headers["x-webhook-signature"]);
      expect(verifies(request, SECRET)).toBe(true);
    }
    // The timestamp is the attempt's own and is not signed.
    expect(requests.map((request) => request.headers["x-webhook-timestamp"])).toEqual(
      [0, 1, 2, 3, 4].map((minutes) => String(DELIVERY_MS / 1000 + 60 * minutes)),
    );
    expect(sim.deliveries.log.map(({ attempt, status, outcome }) => [attempt, status, outcome])).toEqual([
      [1, 500, "retrying"],
      [2, 302, "retrying"],
      [3, null, "retrying"],
      [4, null, "retrying"],
      [5, 200, "delivered"],
    ]);
    expect(sim.deliveries.log[3]?.error).toBe("timeout: no answer within 250 ms");
    expect(receiver.at("/hook/redirected")).toHaveLength(0);
  });

  it("drops the delivery after the 5th failed attempt", async () => {
    const { sim, base } = await start();
    receiver.script("/hook", 500, 500, 500, 500, 500, 500);
    await post(base, "/customers", { name: "Taylor Morgan" });
    await sim.deliveries.idle();
    expect(receiver.received).toHaveLength(5);
    expect(sim.deliveries.log.map((entry) => entry.outcome)).toEqual([
      "retrying",
      "retrying",
      "retrying",
      "retrying",
      "dropped",
    ]);
  });

  it("follows the reference's schedule by default: 5 attempts, 0, +1 min, +5 min, +30 min, +2 h", async () => {
    expect(CLEANITALL_WEBHOOK_ATTEMPT_DELAYS_MS).toEqual([0, 60_000, 300_000, 1_800_000, 7_200_000]);
    expect(CLEANITALL_WEBHOOK_TIMEOUT_MS).toBe(10_000);
    const { sim, base } = await start({ webhookAttemptDelaysMs: undefined });
    receiver.script("/hook", 503);
    await post(base, "/customers", { name: "Taylor Morgan" });
    const failed = await sim.deliveries.waitForAttempt();
    expect(failed).toMatchObject({ attempt: 1, status: 503, outcome: "retrying", nextAttemptInMs: 60_000 });
    expect(sim.deliveries.pending).toBe(1);
    // Closing the simulator cancels the retry waiting a minute.
    await sim.close();
    expect(sim.deliveries.pending).toBe(0);
    expect(receiver.received).toHaveLength(1);
  });

  it("stamps real time by default, whatever the business clock says", async () => {
    const { sim, base } = await start({ deliveryClock: undefined });
    const before = Math.floor(Date.now() / 1000);
    await post(base, "/customers", { name: "Taylor Morgan" });
    await sim.deliveries.idle();
    const after = Math.floor(Date.now() / 1000);
    const stamp = Number(receiver.received[0]?.headers["x-webhook-timestamp"]);
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(after);
  });
});

describe("CleanItAll webhook endpoint setting (dashboard)", () => {
  it("sends nothing without an endpoint, and the API answers exactly as with one", async () => {
    const silent = await start({ webhookPath: null });
    const hooked = await start();
    const body = { ...NEW_JOB, customer_id: firstCustomer(silent.sim) };
    const quiet = await post(silent.base, "/jobs", body);
    const loud = await post(hooked.base, "/jobs", body);
    expect(quiet.status).toBe(201);
    expect(quiet.text).toBe(loud.text);
    expect(quiet.headers.get("x-ratelimit-remaining")).toBe(loud.headers.get("x-ratelimit-remaining"));

    await Promise.all([silent.sim.deliveries.idle(), hooked.sim.deliveries.idle()]);
    expect(silent.sim.account("small").events.map((event) => event.event)).toEqual(["job.created"]);
    expect(silent.sim.deliveries.log).toEqual([]);
    expect(receiver.received).toHaveLength(1);
  });

  it("is set and cleared at run time; events go where the setting points when they happen", async () => {
    const { sim, base } = await start({ webhookPath: null });
    expect(sim.account("small").webhook).toBeNull();
    sim.setWebhookEndpoint("small", { url: `${receiver.origin}/first`, secret: "s1" });
    await post(base, "/customers", { name: "One" });
    await sim.deliveries.idle();
    sim.setWebhookEndpoint("small", { url: `${receiver.origin}/second`, secret: "s2" });
    await post(base, "/customers", { name: "Two" });
    await sim.deliveries.idle();
    sim.setWebhookEndpoint("small", null);
    await post(base, "/customers", { name: "Three" });
    await sim.deliveries.idle();

    expect(receiver.received.map((request) => request.path)).toEqual(["/first", "/second"]);
    const [first, second] = receiver.received;
    if (!first || !second) throw new Error("missing deliveries");
    expect(verifies(first, "s1")).toBe(true);
    expect(verifies(second, "s2")).toBe(true);
    expect(sim.account("small").events).toHaveLength(3);
  });

  it("removing or replacing the endpoint stops its pending retries at once", async () => {
    const { sim, base } = await start({ webhookAttemptDelaysMs: [0, 3_600_000] });
    receiver.script("/hook", 500);
    await post(base, "/customers", { name: "Taylor Morgan" });
    await sim.deliveries.waitForAttempt();
    expect(sim.deliveries.pending).toBe(1);

    // The same setting again changes nothing.
    sim.setWebhookEndpoint("small", { url: `${receiver.origin}/hook`, secret: SECRET });
    expect(sim.deliveries.pending).toBe(1);
    sim.setWebhookEndpoint("small", { url: `${receiver.origin}/new`, secret: SECRET });
    expect(sim.deliveries.pending).toBe(0);
    await sim.deliveries.idle();
    expect(receiver.received).toHaveLength(1);
  });

  it("refuses a setting that cannot work", async () => {
    const { sim } = await start({ webhookPath: null });
    expect(() => sim.setWebhookEndpoint("small", { url: "ftp://example.com/x", secret: SECRET })).toThrow(
      "cleanitall simulator: webhook url must be an absolute http(s) URL, got ftp://example.com/x",
    );
    expect(() => sim.setWebhookEndpoint("small", { url: "https://example.com/x", secret: "" })).toThrow(
      "cleanitall simulator: webhook secret must not be empty",
    );
    expect(() => seedAccount({ ...SMALL, webhook: { url: "/relative", secret: SECRET } })).toThrow(
      "cleanitall simulator: webhook url must be an absolute http(s) URL, got /relative",
    );
    expect(sim.account("small").webhook).toBeNull();
  });

  it("a customer deleted in the dashboard is delivered as customer.deleted with its id", async () => {
    const { sim, base } = await start();
    const answer = await post(base, "/customers", { name: "Short-lived" });
    const customerId = created.parse(JSON.parse(answer.text)).data.id;
    sim.deleteCustomer("small", customerId);
    await sim.deliveries.idle();

    const event = sim.account("small").events.at(-1);
    expect(event).toMatchObject({ event: "customer.deleted", data: { id: customerId } });
    expect(sim.account("small").customers.has(customerId)).toBe(false);
    const request = receiver.received.at(-1);
    expect(request?.headers["x-webhook-event"]).toBe("customer.deleted");
    expect(request?.text).toBe(JSON.stringify(event));

    // A customer with records stays.
    const [job] = sim.account("small").jobs.values();
    if (!job) throw new Error("no seeded job");
    const busy = job.customer_id;
    expect(() => sim.deleteCustomer("small", busy)).toThrow(
      `cleanitall simulator: customer ${busy} has jobs, invoices or payments`,
    );
  });
});
