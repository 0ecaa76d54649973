import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLEANITALL_DEMO_KEY } from "../../sim/cleanitall/index.js";
import {
  ALL_KEY,
  CLEANESTIMATE_WEBHOOK_SECRET,
  CLEANITALL_WEBHOOK_SECRET,
  globalId,
  type Harness,
  NO_READ_KEY,
  READ_KEY,
  startHarness,
} from "../support/harness.js";
import {
  cleanItAllSignature,
  deliver,
  live,
  type Received,
  type Subscriber,
  sseSubscribe,
  standardWebhookSignature,
  wsClient,
  wsSubscribe,
} from "../support/subscriptions.js";

/**
 * Live events end to end: signed webhooks into the real gateway, unified events out to graphql-ws
 * and SSE subscribers, on the simulators over real HTTP.
 */

const GLOBEX_KEY = "test_globex_read_key_0123456789";
const GLOBEX_SECRET = "globex-cleanitall-signing-secret-0123456789abcdef";

const EVENTS = `subscription Events($types: [EventType!], $sources: [Source!]) {
  events(types: $types, sources: $sources) {
    id type source sourceEventType detectedBy occurredAt recordId deleted
    record { id ... on Job { title status customer { name } } ... on Customer { name } }
  }
}`;

let h: Harness;
const clients: Array<{ dispose(): void | Promise<void> }> = [];
const subscribers: Subscriber[] = [];

beforeAll(async () => {
  h = await startHarness({
    webhookSecrets: true,
    extraTenants: [
      {
        id: "globex",
        apiKeys: [{ key: GLOBEX_KEY, scopes: ["read"] }],
        upstreams: {
          cleanitall: {
            baseUrl: "sim:cleanitall",
            apiKey: CLEANITALL_DEMO_KEY,
            webhookSecret: GLOBEX_SECRET,
          },
        },
      },
    ],
  });
});

afterEach(async () => {
  for (const subscriber of subscribers.splice(0)) await subscriber.close();
  for (const client of clients.splice(0)) await client.dispose();
  // The next test counts its own subscribers from zero.
  await h.gateway.events.whenUnsubscribed("acme", 0);
  await h.gateway.events.whenUnsubscribed("globex", 0);
});

afterAll(async () => {
  await h.close();
});

/** A graphql-ws subscription of `key`, live (listening on the gateway) when this resolves. */
async function subscribe(
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
  tenant = "acme",
): Promise<Subscriber> {
  const before = h.gateway.events.subscribers(tenant);
  const { client } = wsClient(h.url, { apiKey: key });
  clients.push(client);
  const subscriber = wsSubscribe(client, query, variables);
  subscribers.push(subscriber);
  await live(subscriber, h.gateway.events.whenSubscribed(tenant, before + 1));
  return subscriber;
}

/** The CleanItAll API representation of a record, as the upstream would put it in `data`. */
async function cleanItAllRecord(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${h.cleanitall.baseUrl}${path}`, {
    headers: { "x-api-key": CLEANITALL_DEMO_KEY },
  });
  const body = (await response.json()) as { data: Record<string, unknown> };
  return body.data;
}

let deliveries = 0;
/** A signed CleanItAll delivery of one event; returns the raw body and headers. */
function cleanItAllDelivery(
  event: string,
  data: unknown,
  options: { deliveryId?: string; secret?: string } = {},
): { body: string; headers: Record<string, string> } {
  deliveries++;
  const body = JSON.stringify({
    id: `evt_test${String(deliveries).padStart(20, "0")}`,
    event,
    created_at: "2026-03-01T12:30:00Z",
    data,
  });
  return {
    body,
    headers: {
      "x-webhook-signature": cleanItAllSignature(options.secret ?? CLEANITALL_WEBHOOK_SECRET, body),
      "x-webhook-event": event,
      "x-webhook-id": options.deliveryId ?? `whd_test${String(deliveries).padStart(20, "0")}`,
      "x-webhook-timestamp": String(Math.floor(Date.now() / 1000)),
    },
  };
}

function eventOf(received: Received | null): Record<string, unknown> {
  expect(received?.errors).toBeUndefined();
  const data = received?.data as { events?: Record<string, unknown> } | undefined;
  if (!data?.events) throw new Error(`expected an event, got ${JSON.stringify(received)}`);
  return data.events;
}

describe("CleanItAll webhooks to graphql-ws subscribers", () => {
  it("publishes a verified delivery as a unified event whose relations load through the loaders", async () => {
    const job = await cleanItAllRecord(`/jobs/${[...h.cleanitall.account().jobs.keys()][0]}`);
    const customer = await cleanItAllRecord(`/customers/${String(job.customer_id)}`);
    // CleanItAll only: the polled upstreams would take their baseline reads now.
    const subscriber = await subscribe(READ_KEY, EVENTS, { sources: ["CLEANITALL"] });
    h.resetCounts();
    const completed = { ...job, status: "completed", completed_at: "2026-03-01T12:29:00Z" };
    const { body, headers } = cleanItAllDelivery("job.completed", completed);
    const answer = await deliver(h.url, "/webhooks/acme/cleanitall", body, headers);
    expect(answer).toEqual({
      status: 200,
      body: { received: true, duplicate: false, published: 1, events: ["JOB_COMPLETED"] },
    });
    const event = eventOf(await subscriber.next());
    expect(event).toMatchObject({
      type: "JOB_COMPLETED",
      source: "CLEANITALL",
      sourceEventType: "job.completed",
      detectedBy: "WEBHOOK",
      occurredAt: "2026-03-01T12:30:00Z",
      recordId: globalId("Job", "cleanitall", String(job.id)),
      deleted: false,
      record: {
        id: globalId("Job", "cleanitall", String(job.id)),
        title: job.title,
        status: "COMPLETED",
        customer: { name: customer.name },
      },
    });
    // The job came in the webhook; only its customer was read, once.
    expect(h.counts()).toEqual({ "cleanitall GET /api/v1/customers/:id": 1 });
  });

  it("acknowledges a redelivery and publishes it once", async () => {
    const customer = await cleanItAllRecord(`/customers/${[...h.cleanitall.account().customers.keys()][1]}`);
    const subscriber = await subscribe(READ_KEY, EVENTS, { types: ["CUSTOMER_UPDATED"] });
    const first = cleanItAllDelivery("customer.updated", { ...customer, name: "Renamed Once" });
    expect((await deliver(h.url, "/webhooks/acme/cleanitall", first.body, first.headers)).status).toBe(200);
    // The upstream retries with the same delivery id (its signature is fresh but the same bytes).
    const again = await deliver(h.url, "/webhooks/acme/cleanitall", first.body, first.headers);
    expect(again).toEqual({ status: 200, body: { received: true, duplicate: true, published: 0 } });
    const next = cleanItAllDelivery("customer.updated", { ...customer, name: "Renamed Twice" });
    await deliver(h.url, "/webhooks/acme/cleanitall", next.body, next.headers);

    expect(eventOf(await subscriber.next()).record).toMatchObject({ name: "Renamed Once" });
    // The next event is the second change: the redelivery published nothing.
    expect(eventOf(await subscriber.next()).record).toMatchObject({ name: "Renamed Twice" });
  });

  it("maps a deletion to a null record with the deleted record's id", async () => {
    const subscriber = await subscribe(READ_KEY, EVENTS, { types: ["CUSTOMER_DELETED"] });
    const { body, headers } = cleanItAllDelivery("customer.deleted", { id: "cus_3k9x2m7q4v8b1n5c6z0p2r4t" });
    await deliver(h.url, "/webhooks/acme/cleanitall", body, headers);
    expect(eventOf(await subscriber.next())).toMatchObject({
      type: "CUSTOMER_DELETED",
      deleted: true,
      record: null,
      recordId: globalId("Customer", "cleanitall", "cus_3k9x2m7q4v8b1n5c6z0p2r4t"),
    });
  });
});

describe("webhook rejections: status, clear body, nothing published", () => {
  const valid = () => cleanItAllDelivery("customer.deleted", { id: "cus_rejectedbutvalid00000000" });

  async function expectNothingPublished(subscriber: Subscriber) {
    // A valid delivery after the rejected ones is the first thing the subscriber sees.
    const marker = cleanItAllDelivery("customer.deleted", { id: "cus_markermarkermarker000000" });
    await deliver(h.url, "/webhooks/acme/cleanitall", marker.body, marker.headers);
    expect(eventOf(await subscriber.next()).recordId).toBe(
      globalId("Customer", "cleanitall", "cus_markermarkermarker000000"),
    );
  }

  it("refuses forged, missing and malformed signatures with 401", async () => {
    const subscriber = await subscribe(READ_KEY, EVENTS);
    const { body, headers } = valid();
    const forged = await deliver(h.url, "/webhooks/acme/cleanitall", body, {
      ...headers,
      "x-webhook-signature": cleanItAllSignature("not-the-secret", body),
    });
    expect(forged).toEqual({
      status: 401,
      body: {
        error: {
          code: "INVALID_SIGNATURE",
          message: "Webhook rejected: X-Webhook-Signature does not match the body.",
        },
      },
    });
    const { "x-webhook-signature": _, ...unsigned } = headers;
    expect(await deliver(h.url, "/webhooks/acme/cleanitall", body, unsigned)).toEqual({
      status: 401,
      body: {
        error: {
          code: "INVALID_SIGNATURE",
          message: "Webhook rejected: missing X-Webhook-Signature header.",
        },
      },
    });
    // Signed bytes are the raw body: the same JSON re-serialised with a space is not the same body.
    const tampered = await deliver(h.url, "/webhooks/acme/cleanitall", body.replace('","', '", "'), headers);
    expect(tampered.status).toBe(401);
    // Another tenant's secret does not open this tenant's receiver.
    const other = cleanItAllDelivery("customer.deleted", { id: "cus_x" }, { secret: GLOBEX_SECRET });
    expect((await deliver(h.url, "/webhooks/acme/cleanitall", other.body, other.headers)).status).toBe(401);
    await expectNothingPublished(subscriber);
  });

  it("refuses a stale or future CleanEstimate Pro timestamp with 401, and accepts a fresh one", async () => {
    const subscriber = await subscribe(READ_KEY, EVENTS, { sources: ["CLEANESTIMATE", "CLEANITALL"] });
    const body = JSON.stringify({
      type: "lead.created",
      timestamp: "2026-03-01T12:30:00.000Z",
      data: h.cleanestimate.dataSet().leads.values().next().value,
    });
    const id = "5f0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b";
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 301, now + 400]) {
      const answer = await deliver(h.url, "/webhooks/acme/cleanestimate", body, {
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": standardWebhookSignature(CLEANESTIMATE_WEBHOOK_SECRET, id, timestamp, body),
      });
      expect(answer.status).toBe(401);
      expect((answer.body.error as { message: string }).message).toMatch(
        /^Webhook rejected: webhook-timestamp is \d+ s away from the gateway's clock \(tolerance 300 s\)\.$/,
      );
    }
    await expectNothingPublished(subscriber);
    const fresh = await deliver(h.url, "/webhooks/acme/cleanestimate", body, {
      "webhook-id": id,
      "webhook-timestamp": String(now),
      "webhook-signature": `v1,bm90IGl0 ${standardWebhookSignature(CLEANESTIMATE_WEBHOOK_SECRET, id, now, body)}`,
    });
    expect(fresh.body).toMatchObject({ published: 1, events: ["LEAD_CREATED"] });
    expect(eventOf(await subscriber.next())).toMatchObject({ type: "LEAD_CREATED", source: "CLEANESTIMATE" });
  });

  it("refuses a signed body that is not JSON or not the reference's envelope with 400", async () => {
    const subscriber = await subscribe(READ_KEY, EVENTS);
    const notJson = "{not json";
    const answer = await deliver(h.url, "/webhooks/acme/cleanitall", notJson, {
      "x-webhook-signature": cleanItAllSignature(CLEANITALL_WEBHOOK_SECRET, notJson),
      "x-webhook-id": "whd_notjson",
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: "MALFORMED_WEBHOOK" });
    expect((answer.body.error as { message: string }).message).toMatch(/^Webhook body is not JSON: /);

    const badJob = cleanItAllDelivery("job.completed", { id: "job_1", status: "exploded" });
    const bad = await deliver(h.url, "/webhooks/acme/cleanitall", badJob.body, badJob.headers);
    expect(bad.status).toBe(400);
    expect((bad.body.error as { message: string }).message).toMatch(
      /^Webhook body is not a CleanItAll event: /,
    );
    await expectNothingPublished(subscriber);
  });

  it("answers 404 for an unknown tenant or source and 413 for an oversized body", async () => {
    const subscriber = await subscribe(READ_KEY, EVENTS);
    const { body, headers } = valid();
    expect(await deliver(h.url, "/webhooks/nobody/cleanitall", body, headers)).toEqual({
      status: 404,
      body: { error: { code: "NOT_FOUND", message: 'Unknown tenant "nobody".' } },
    });
    expect(await deliver(h.url, "/webhooks/acme/jobcloser", body, headers)).toEqual({
      status: 404,
      body: {
        error: {
          code: "NOT_FOUND",
          message:
            "JobCloser sends no webhooks this gateway receives; webhook sources are cleanitall and cleanestimate.",
        },
      },
    });
    expect(await deliver(h.url, "/webhooks/globex/cleanestimate", body, headers)).toEqual({
      status: 404,
      body: {
        error: {
          code: "NOT_FOUND",
          message: 'Tenant "globex" has no CleanEstimate Pro webhook secret configured.',
        },
      },
    });
    const huge = JSON.stringify({ padding: "x".repeat(1_100_000) });
    const tooLarge = await deliver(h.url, "/webhooks/acme/cleanitall", huge, {
      "x-webhook-signature": cleanItAllSignature(CLEANITALL_WEBHOOK_SECRET, huge),
      "x-webhook-id": "whd_huge",
    });
    expect(tooLarge).toEqual({
      status: 413,
      body: { error: { code: "PAYLOAD_TOO_LARGE", message: "Webhook body is larger than 1048576 bytes." } },
    });
    await expectNothingPublished(subscriber);
  });
});

describe("subscriptions: authentication, scopes, tenants, SSE", () => {
  it("refuses a WebSocket without a key, with a wrong key, or without the read scope", async () => {
    for (const [apiKey, code, reason] of [
      [undefined, 4401, "Unauthorized: missing or invalid API key"],
      ["not-a-key-of-this-gateway", 4401, "Unauthorized: missing or invalid API key"],
      [NO_READ_KEY, 4403, "Forbidden: subscriptions need the read scope"],
    ] as const) {
      const { client, closed } = wsClient(h.url, apiKey === undefined ? {} : { apiKey });
      clients.push(client);
      expect(await closed).toEqual({ code, reason });
    }
    expect(h.gateway.events.subscribers("acme")).toBe(0);
  });

  it("accepts the key in the upgrade request's Authorization header", async () => {
    const { client } = wsClient(h.url, { headers: { authorization: `Bearer ${READ_KEY}` } });
    clients.push(client);
    const subscriber = wsSubscribe(client, EVENTS, { types: ["CUSTOMER_DELETED"] });
    subscribers.push(subscriber);
    await h.gateway.events.whenSubscribed("acme", 1);
    const { body, headers } = cleanItAllDelivery("customer.deleted", { id: "cus_headerauth00000000000000" });
    await deliver(h.url, "/webhooks/acme/cleanitall", body, headers);
    expect(eventOf(await subscriber.next()).type).toBe("CUSTOMER_DELETED");
  });

  it("delivers a tenant's events to that tenant only", async () => {
    const acme = await subscribe(READ_KEY, EVENTS, { types: ["CUSTOMER_DELETED"] });
    const globex = await subscribe(GLOBEX_KEY, EVENTS, { types: ["CUSTOMER_DELETED"] }, "globex");
    const forAcme = cleanItAllDelivery("customer.deleted", { id: "cus_acmeonly000000000000000" });
    await deliver(h.url, "/webhooks/acme/cleanitall", forAcme.body, forAcme.headers);
    const forGlobex = cleanItAllDelivery(
      "customer.deleted",
      { id: "cus_globexonly0000000000000" },
      { secret: GLOBEX_SECRET },
    );
    expect(
      (await deliver(h.url, "/webhooks/globex/cleanitall", forGlobex.body, forGlobex.headers)).status,
    ).toBe(200);
    expect(eventOf(await acme.next()).recordId).toBe(
      globalId("Customer", "cleanitall", "cus_acmeonly000000000000000"),
    );
    // Globex's first event is its own: acme's was never delivered to it.
    expect(eventOf(await globex.next()).recordId).toBe(
      globalId("Customer", "cleanitall", "cus_globexonly0000000000000"),
    );
    expect(acme.pending).toBe(0);
  });

  it("streams over server-sent events with the key in a header", async () => {
    const sse = await sseSubscribe(h.url, READ_KEY, EVENTS, { types: ["CUSTOMER_DELETED"] });
    subscribers.push(sse);
    expect(sse.status).toBe(200);
    await h.gateway.events.whenSubscribed("acme", 1);
    const { body, headers } = cleanItAllDelivery("customer.deleted", { id: "cus_viasse00000000000000000" });
    await deliver(h.url, "/webhooks/acme/cleanitall", body, headers);
    expect(eventOf(await sse.next()).recordId).toBe(
      globalId("Customer", "cleanitall", "cus_viasse00000000000000000"),
    );
  });

  it("answers an SSE subscription without a key with UNAUTHENTICATED", async () => {
    const sse = await sseSubscribe(h.url, null, EVENTS);
    subscribers.push(sse);
    const first = await sse.next();
    expect(first?.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("stops listening when the client unsubscribes", async () => {
    const subscriber = await subscribe(READ_KEY, EVENTS);
    expect(h.gateway.events.subscribers("acme")).toBe(1);
    await subscriber.close();
    subscribers.splice(subscribers.indexOf(subscriber), 1);
    await h.gateway.events.whenUnsubscribed("acme", 0);
    expect(h.gateway.events.subscribers("acme")).toBe(0);
  });
});

describe("typed subscriptions", () => {
  it("jobUpdated follows one job and ends when it is deleted", async () => {
    const scheduled = [...h.cleanitall.account().jobs.values()].filter((job) => job.status === "pending");
    const [first, second] = scheduled.map((job) => job.id);
    const job = await cleanItAllRecord(`/jobs/${first}`);
    const other = await cleanItAllRecord(`/jobs/${second}`);
    const subscriber = await subscribe(
      READ_KEY,
      `subscription($id: ID!) { jobUpdated(id: $id) { id title status } }`,
      { id: globalId("Job", "cleanitall", String(job.id)) },
    );
    for (const [event, data] of [
      ["job.updated", { ...other, title: "Not this job" }],
      ["job.updated", { ...job, title: "Moved to Friday" }],
      ["job.cancelled", { ...job, status: "cancelled" }],
    ] as const) {
      const delivery = cleanItAllDelivery(event, data);
      await deliver(h.url, "/webhooks/acme/cleanitall", delivery.body, delivery.headers);
    }
    expect((await subscriber.next())?.data).toEqual({
      jobUpdated: {
        id: globalId("Job", "cleanitall", String(job.id)),
        title: "Moved to Friday",
        status: "SCHEDULED",
      },
    });
    expect((await subscriber.next())?.data).toMatchObject({ jobUpdated: { status: "CANCELLED" } });
  });

  it("jobCompleted with completedOn keeps only jobs completed that day in the time zone", async () => {
    const ids = [...h.cleanitall.account().jobs.keys()];
    const subscriber = await subscribe(
      READ_KEY,
      `subscription { jobCompleted(completedOn: "2026-03-01", timeZone: "America/Chicago") { sourceId completedAt } }`,
    );
    const jobs = await Promise.all(ids.slice(0, 2).map((id) => cleanItAllRecord(`/jobs/${id}`)));
    // 03:00Z on March 2nd is still March 1st in Chicago (UTC-6); 05:00Z on March 1st is February 28th there.
    const late = cleanItAllDelivery("job.completed", {
      ...jobs[0],
      status: "completed",
      completed_at: "2026-03-02T03:00:00Z",
    });
    const early = cleanItAllDelivery("job.completed", {
      ...jobs[1],
      status: "completed",
      completed_at: "2026-03-01T05:00:00Z",
    });
    await deliver(h.url, "/webhooks/acme/cleanitall", early.body, early.headers);
    await deliver(h.url, "/webhooks/acme/cleanitall", late.body, late.headers);
    expect((await subscriber.next())?.data).toEqual({
      jobCompleted: { sourceId: String(jobs[0]?.id), completedAt: "2026-03-02T03:00:00Z" },
    });
  });

  it("refuses an invalid id or time zone before listening", async () => {
    const { client } = wsClient(h.url, { apiKey: READ_KEY });
    clients.push(client);
    const badId = wsSubscribe(client, `subscription { jobUpdated(id: "nope") { id } }`);
    const first = await badId.next();
    expect(first?.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    const badZone = wsSubscribe(client, `subscription { jobCompleted(timeZone: "Mars/Olympus") { id } }`);
    expect((await badZone.next())?.errors?.[0]).toMatchObject({
      message: 'timeZone "Mars/Olympus" is not an IANA time zone such as Europe/Paris.',
      extensions: { code: "BAD_USER_INPUT" },
    });
    expect(h.gateway.events.subscribers("acme")).toBe(0);
  });

  it("refuses filters that could never match", async () => {
    const { client } = wsClient(h.url, { apiKey: GLOBEX_KEY });
    clients.push(client);
    for (const [variables, message] of [
      [{ types: [] }, "types must name at least one event type (leave it out for every type)."],
      [{ sources: [] }, "sources must name at least one source (leave it out for every source)."],
      [{ sources: ["CLEANITALL", "ARTISAN"] }, "Source ARTISAN is not configured for this tenant."],
    ] as const) {
      const subscriber = wsSubscribe(client, EVENTS, variables);
      expect((await subscriber.next())?.errors?.[0]).toMatchObject({
        message,
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
    expect(h.gateway.events.subscribers("globex")).toBe(0);
  });
});

describe("scopes", () => {
  it("lets a key with every scope subscribe", async () => {
    const subscriber = await subscribe(ALL_KEY, EVENTS, { types: ["CUSTOMER_DELETED"] });
    const { body, headers } = cleanItAllDelivery("customer.deleted", { id: "cus_allscopes00000000000000" });
    await deliver(h.url, "/webhooks/acme/cleanitall", body, headers);
    expect(eventOf(await subscriber.next()).type).toBe("CUSTOMER_DELETED");
  });
});

describe("cache invalidation on events", () => {
  let cached: Harness;
  beforeAll(async () => {
    cached = await startHarness({
      webhookSecrets: true,
      config: { cache: { ttlMs: 60_000 } },
      upstreams: ["cleanitall"],
    });
  });
  afterAll(async () => {
    await cached.close();
  });

  it("drops the tenant's cached reads of a changed record when its webhook arrives", async () => {
    const id = [...cached.cleanitall.account().customers.keys()][0] as string;
    const query = `query($id: ID!) { node(id: $id) { ... on Customer { name } } }`;
    const variables = { id: globalId("Customer", "cleanitall", id) };
    await cached.gql(query, variables);
    cached.resetCounts();
    await cached.gql(query, variables);
    expect(cached.counts()).toEqual({});

    const response = await fetch(`${cached.cleanitall.baseUrl}/customers/${id}`, {
      headers: { "x-api-key": CLEANITALL_DEMO_KEY },
    });
    const customer = ((await response.json()) as { data: Record<string, unknown> }).data;
    cached.resetCounts();
    const { body, headers } = cleanItAllDelivery("customer.updated", customer);
    expect((await deliver(cached.url, "/webhooks/acme/cleanitall", body, headers)).status).toBe(200);
    await cached.gql(query, variables);
    expect(cached.counts()).toEqual({ "cleanitall GET /api/v1/customers/:id": 1 });
  });
});
