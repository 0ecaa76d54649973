import { createHmac, timingSafeEqual } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CLEANESTIMATE_DEMO_KEY,
  CLEANESTIMATE_DEMO_TEST_KEY,
  CLEANESTIMATE_WEBHOOK_ATTEMPT_DELAYS_MS,
  CLEANESTIMATE_WEBHOOK_TIMEOUT_MS,
  type CleanEstimateAccountSpec,
  type CleanEstimateEventType,
  type CleanEstimateSim,
  type CleanEstimateSimOptions,
  createCleanEstimateSim,
  newCleanEstimateWebhookSecret,
  signCleanEstimateWebhook,
} from "../../sim/cleanestimate/index.js";
import { type ReceivedWebhook, startReceiver, type WebhookReceiver } from "./webhookReceiver.js";

/** CleanEstimate Pro webhook deliveries (cleanestimate.md §9, Standard Webhooks) against a real receiver. */

const VECTOR_SECRET = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const NOW = new Date("2026-03-01T12:30:15.000Z");
/** The delivery clock, deliberately not the business clock. */
const DELIVERY_MS = Date.parse("2026-04-02T08:00:00Z");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const SMALL: CleanEstimateAccountSpec = {
  id: "small",
  seed: 9,
  apiKeys: [{ key: CLEANESTIMATE_DEMO_KEY }, { key: CLEANESTIMATE_DEMO_TEST_KEY }],
  size: { leads: 3, clients: 3, estimates: 4, jobs: 3, invoices: 2 },
  testSize: { leads: 1, clients: 1, estimates: 1, jobs: 1, invoices: 1 },
};

const created = z.object({ data: z.object({ id: z.string() }) });
const registered = z.object({ data: z.object({ id: z.string(), secret: z.string() }) });

let receiver: WebhookReceiver;
const sims: CleanEstimateSim[] = [];

beforeEach(async () => {
  receiver = await startReceiver();
});

afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
  await receiver.close();
});

/** Secrets known in advance: `whsec_` + base64 of 32 bytes all equal to n, n = 1, 2, 3... */
function secretSequence(): { next: () => string; nth: (n: number) => string } {
  let n = 0;
  const nth = (k: number) => `whsec_${Buffer.alloc(32, k).toString("base64")}`;
  return { next: () => nth(++n), nth };
}

async function start(
  options: CleanEstimateSimOptions = {},
): Promise<{ sim: CleanEstimateSim; base: string }> {
  const sim = createCleanEstimateSim({
    accounts: [SMALL],
    now: () => NOW,
    webhookAttemptDelaysMs: [0, 10, 10, 10, 10, 10],
    deliveryClock: () => DELIVERY_MS,
    ...options,
  });
  sims.push(sim);
  return { sim, base: await sim.listen(0) };
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; key?: string; idem?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.key ?? CLEANESTIMATE_DEMO_KEY}`,
  };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.idem !== undefined) headers["idempotency-key"] = options.idem;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Registers an endpoint at `path` of the receiver; returns its id and secret. */
async function register(
  base: string,
  path: string,
  events: CleanEstimateEventType[],
): Promise<{ id: string; secret: string }> {
  const answer = await call(base, "POST", "/webhooks", {
    body: { name: `Receiver ${path}`, url: `${receiver.origin}${path}`, events },
  });
  expect(answer.status).toBe(201);
  return registered.parse(JSON.parse(answer.text)).data;
}

const NEW_LEAD = { customer_name: "Taylor Morgan", customer_email: "taylor@example.com" };

/** The receiver's own Standard Webhooks check (§9), computed without the simulator's code. */
function verifies(request: ReceivedWebhook, secret: string): boolean {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const signed = Buffer.concat([
    Buffer.from(`${request.headers["webhook-id"]}.${request.headers["webhook-timestamp"]}.`),
    request.body,
  ]);
  const expected = Buffer.from(`v1,${createHmac("sha256", key).update(signed).digest("base64")}`);
  return String(request.headers["webhook-signature"])
    .split(" ")
    .some((entry) => {
      const sent = Buffer.from(entry);
      return sent.length === expected.length && timingSafeEqual(sent, expected);
    });
}

describe("CleanEstimate Pro webhook signature", () => {
  it("matches the reference's test vector", () => {
    const body =
      '{"type":"lead.created","timestamp":"2026-03-20T14:05:00.000Z","data":{"id":"9b2e4c1d-7f3a-4b8e-a1c6-2d5e8f0a3b7c"}}';
    expect(
      signCleanEstimateWebhook(VECTOR_SECRET, "5f0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b", 1774015500, body),
    ).toBe("v1,JXjx5T994BgWCynAB+K0JquBm2bnhIff52I32Z6UwEU=");
    expect(
      signCleanEstimateWebhook(
        VECTOR_SECRET,
        "5f0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b",
        "1774015500",
        Buffer.from(body),
      ),
    ).toBe("v1,JXjx5T994BgWCynAB+K0JquBm2bnhIff52I32Z6UwEU=");
  });

  it("refuses a secret that is not whsec_ + base64", () => {
    expect(() => signCleanEstimateWebhook("secret", "id", 1, "{}")).toThrow(
      "cleanestimate simulator: a webhook secret is whsec_ + base64",
    );
  });

  it("makes random secrets by default: whsec_ + 32 bytes, not derived from the account seed", async () => {
    const secret = newCleanEstimateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    // Two simulators with the same seed, the same request: different secrets.
    const one = await start({ webhookSecrets: undefined });
    const two = await start({ webhookSecrets: undefined });
    const [a, b] = await Promise.all([
      register(one.base, "/a", ["lead.created"]),
      register(two.base, "/a", ["lead.created"]),
    ]);
    expect(a.id).toBe(b.id);
    expect(a.secret).not.toBe(b.secret);
  });
});

describe("CleanEstimate Pro webhook delivery", () => {
  it("delivers an API write's event, signed with the endpoint's secret, body as recorded", async () => {
    const secrets = secretSequence();
    const { sim, base } = await start({ webhookSecrets: secrets.next });
    const endpoint = await register(base, "/hook", ["lead.created"]);
    expect(endpoint.secret).toBe(secrets.nth(1));
    const answer = await call(base, "POST", "/leads", { body: NEW_LEAD });
    expect(answer.status).toBe(201);
    await sim.deliveries.idle();

    const event = sim.account("small").events.at(-1);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    if (!request || !event) throw new Error("no delivery");
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/hook");
    expect(request.text).toBe(
      JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data }),
    );
    expect(JSON.parse(request.text)).toEqual({
      type: "lead.created",
      timestamp: "2026-03-01T12:30:15.000Z",
      data: JSON.parse(answer.text).data,
    });
    const webhookId = String(request.headers["webhook-id"]);
    expect(webhookId).toMatch(UUID);
    expect(request.headers).toMatchObject({
      "content-type": "application/json",
      "webhook-id": webhookId,
      "webhook-timestamp": String(DELIVERY_MS / 1000),
    });
    expect(request.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifies(request, endpoint.secret)).toBe(true);
    expect(verifies(request, secrets.nth(2))).toBe(false);
    expect(sim.deliveries.log).toEqual([
      {
        deliveryId: webhookId,
        eventId: event.id,
        eventType: "lead.created",
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

  it("sends each event only to the endpoints subscribed to its type, with a webhook-id per endpoint", async () => {
    const secrets = secretSequence();
    const { sim, base } = await start({ webhookSecrets: secrets.next });
    const a = await register(base, "/a", ["lead.created"]);
    const b = await register(base, "/b", ["job.created", "lead.created"]);
    await register(base, "/c", ["client.created"]);
    await call(base, "POST", "/leads", { body: NEW_LEAD });
    await call(base, "PATCH", `/leads/${[...sim.account("small").live.leads.keys()][0]}`, {
      body: { notes: "x" },
    });
    await sim.deliveries.idle();

    expect(receiver.received.map((request) => request.path).sort()).toEqual(["/a", "/b"]);
    const [toA] = receiver.at("/a");
    const [toB] = receiver.at("/b");
    if (!toA || !toB) throw new Error("missing deliveries");
    expect(toA.text).toBe(toB.text);
    expect(toA.headers["webhook-id"]).not.toBe(toB.headers["webhook-id"]);
    expect(verifies(toA, a.secret)).toBe(true);
    expect(verifies(toB, b.secret)).toBe(true);
    expect(verifies(toA, b.secret)).toBe(false);
    expect(sim.account("small").events.map((event) => event.type)).toEqual(["lead.created", "lead.updated"]);
  });

  it("never holds up the API answer: it comes while the delivery still waits for the receiver", async () => {
    const { sim, base } = await start({ webhookTimeoutMs: CLEANESTIMATE_WEBHOOK_TIMEOUT_MS });
    await register(base, "/hook", ["lead.created"]);
    receiver.script("/hook", "hang");
    expect((await call(base, "POST", "/leads", { body: NEW_LEAD })).status).toBe(201);
    expect(sim.deliveries.pending).toBe(1);
    await receiver.receivedCount(1);
    expect(sim.deliveries.log).toEqual([]);
  });

  it("retries failures with the same id and body, a fresh timestamp and signature each time, until a 2xx", async () => {
    let tick = 0;
    const { sim, base } = await start({
      webhookTimeoutMs: 250,
      deliveryClock: () => DELIVERY_MS + 5_000 * tick++,
    });
    const endpoint = await register(base, "/hook", ["lead.created"]);
    receiver.script("/hook", 500, 302, "drop", "hang", 202);
    await call(base, "POST", "/leads", { body: NEW_LEAD });
    await sim.deliveries.idle();

    const requests = receiver.at("/hook");
    expect(requests).toHaveLength(5);
    const [first] = requests;
    if (!first) throw new Error("no delivery");
    for (const request of requests) {
      expect(request.text).toBe(first.text);
      expect(request.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
      expect(verifies(request, endpoint.secret)).toBe(true);
    }
    expect(requests.map((request) => request.headers["webhook-timestamp"])).toEqual(
      [0, 5, 10, 15, 20].map((seconds) => String(DELIVERY_MS / 1000 + seconds)),
    );
    expect(new Set(requests.map((request) => request.headers["webhook-signature"])).size).toBe(5);
    expect(sim.deliveries.log.map(({ attempt, status, outcome }) => [attempt, status, outcome])).toEqual([
      [1, 500, "retrying"],
      [2, 302, "retrying"],
      [3, null, "retrying"],
      [4, null, "retrying"],
      [5, 202, "delivered"],
    ]);
    expect(sim.deliveries.log[3]?.error).toBe("timeout: no answer within 250 ms");
    expect(receiver.at("/hook/redirected")).toHaveLength(0);
  });

  it("drops the delivery after the 6th failed attempt", async () => {
    const { sim, base } = await start();
    await register(base, "/hook", ["lead.created"]);
    receiver.script("/hook", 500, 500, 500, 500, 500, 500, 500);
    await call(base, "POST", "/leads", { body: NEW_LEAD });
    await sim.deliveries.idle();
    expect(receiver.received).toHaveLength(6);
    expect(sim.deliveries.log.map((entry) => entry.outcome)).toEqual([
      ...Array(5).fill("retrying"),
      "dropped",
    ]);
  });

  it("follows the reference's schedule by default: 6 attempts, 0, +5 s, +5 min, +30 min, +2 h, +5 h", async () => {
    expect(CLEANESTIMATE_WEBHOOK_ATTEMPT_DELAYS_MS).toEqual([
      0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000,
    ]);
    expect(CLEANESTIMATE_WEBHOOK_TIMEOUT_MS).toBe(15_000);
    const { sim, base } = await start({ webhookAttemptDelaysMs: undefined });
    await register(base, "/hook", ["lead.created"]);
    receiver.script("/hook", 503);
    await call(base, "POST", "/leads", { body: NEW_LEAD });
    expect(await sim.deliveries.waitForAttempt()).toMatchObject({
      attempt: 1,
      status: 503,
      outcome: "retrying",
      nextAttemptInMs: 5_000,
    });
    await sim.close();
    expect(sim.deliveries.pending).toBe(0);
    expect(receiver.received).toHaveLength(1);
  });

  it("deleting the endpoint cancels its pending retry and its later events; other endpoints go on", async () => {
    const { sim, base } = await start({ webhookAttemptDelaysMs: [0, 3_600_000] });
    const doomed = await register(base, "/doomed", ["lead.created"]);
    await register(base, "/kept", ["lead.created"]);
    receiver.script("/doomed", 500);
    await call(base, "POST", "/leads", { body: NEW_LEAD });
    await sim.deliveries.waitForAttempt((entry) => entry.url.endsWith("/doomed"));
    await sim.deliveries.waitForAttempt((entry) => entry.url.endsWith("/kept"));
    expect(sim.deliveries.pending).toBe(1);

    const deleted = await call(base, "DELETE", `/webhooks/${doomed.id}`);
    expect(deleted.status).toBe(204);
    expect(sim.deliveries.pending).toBe(0);
    await sim.deliveries.idle();
    await call(base, "POST", "/leads", { body: { customer_name: "Second" } });
    await sim.deliveries.idle();
    expect(receiver.at("/doomed")).toHaveLength(1);
    expect(receiver.at("/kept")).toHaveLength(2);
  });

  it("never sends test-mode events", async () => {
    const { sim, base } = await start();
    await register(base, "/hook", ["lead.created", "estimate.accepted"]);
    const answer = await call(base, "POST", "/leads", { body: NEW_LEAD, key: CLEANESTIMATE_DEMO_TEST_KEY });
    expect(answer.status).toBe(201);
    const client = [...sim.dataSet("small", "test").clients.values()][0];
    if (!client) throw new Error("no test client");
    sim.createInvoice(
      "small",
      { client_id: client.id, line_items: [{ description: "x", quantity: 1, unit_price: 1 }] },
      "test",
    );
    await sim.deliveries.idle();
    expect(sim.account("small").events).toEqual([]);
    expect(sim.deliveries.log).toEqual([]);
    expect(receiver.received).toEqual([]);
  });

  it("never sends for an idempotent replay", async () => {
    const { sim, base } = await start();
    await register(base, "/hook", ["lead.created"]);
    const first = await call(base, "POST", "/leads", { body: NEW_LEAD, idem: "lead-1" });
    await sim.deliveries.idle();
    const replay = await call(base, "POST", "/leads", { body: NEW_LEAD, idem: "lead-1" });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.text).toBe(first.text);
    await sim.deliveries.idle();
    expect(receiver.received).toHaveLength(1);
    expect(sim.account("small").events).toHaveLength(1);
  });

  it("delivers app-side events: acceptance, decline, invoices created and paid", async () => {
    const { sim, base } = await start();
    await register(base, "/hook", [
      "estimate.accepted",
      "estimate.updated",
      "invoice.created",
      "invoice.paid",
    ]);
    const estimate = async () =>
      created.parse(
        JSON.parse(
          (
            await call(base, "POST", "/estimates", {
              body: { customer_name: "App", addons: [{ addon_slug: "rust_removal" }], status: "sent" },
            })
          ).text,
        ),
      ).data.id;
    const toAccept = await estimate();
    const toDecline = await estimate();
    sim.acceptEstimate("small", toAccept);
    sim.declineEstimate("small", toDecline);
    const client = [...sim.dataSet("small").clients.values()][0];
    if (!client) throw new Error("no client");
    const invoice = sim.createInvoice("small", {
      client_id: client.id,
      line_items: [{ description: "House wash", quantity: 1, unit_price: 414 }],
    });
    sim.recordInvoicePayment("small", invoice.id);
    await sim.deliveries.idle();

    const delivered = sim.account("small").events.filter((event) => event.type !== "estimate.created");
    expect(delivered.map((event) => event.type)).toEqual([
      "estimate.accepted",
      "estimate.updated",
      "invoice.created",
      "invoice.paid",
    ]);
    expect(receiver.received.map((request) => request.text).sort()).toEqual(
      delivered
        .map((event) => JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data }))
        .sort(),
    );
  });

  it("sends nothing without endpoints, and the API answers exactly as with one", async () => {
    const silent = await start();
    const hooked = await start({ webhookSecrets: secretSequence().next });
    // An endpoint's ID comes from the stream lead IDs come from: the silent side registers one and
    // deletes it, so both sides draw the same IDs.
    const gone = await register(silent.base, "/unused", ["lead.created"]);
    await call(silent.base, "DELETE", `/webhooks/${gone.id}`);
    await register(hooked.base, "/hook", ["lead.created"]);
    const quiet = await call(silent.base, "POST", "/leads", { body: NEW_LEAD });
    const loud = await call(hooked.base, "POST", "/leads", { body: NEW_LEAD });
    expect(quiet.status).toBe(201);
    expect(quiet.text).toBe(loud.text);
    await Promise.all([silent.sim.deliveries.idle(), hooked.sim.deliveries.idle()]);
    expect(silent.sim.account("small").events.map((event) => event.type)).toEqual(["lead.created"]);
    expect(silent.sim.deliveries.log).toEqual([]);
    expect(receiver.at("/unused")).toEqual([]);
    expect(receiver.at("/hook")).toHaveLength(1);
  });

  it("stamps real time by default, whatever the business clock says", async () => {
    const { sim, base } = await start({ deliveryClock: undefined });
    const endpoint = await register(base, "/hook", ["lead.created"]);
    const before = Math.floor(Date.now() / 1000);
    await call(base, "POST", "/leads", { body: NEW_LEAD });
    await sim.deliveries.idle();
    const after = Math.floor(Date.now() / 1000);
    const [request] = receiver.received;
    if (!request) throw new Error("no delivery");
    const stamp = Number(request.headers["webhook-timestamp"]);
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(after);
    expect(verifies(request, endpoint.secret)).toBe(true);
  });
});
