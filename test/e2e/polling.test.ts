import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ARTISAN_DEMO_TOKEN } from "../../sim/artisan/index.js";
import { globalId, type Harness, READ_KEY, startHarness } from "../support/harness.js";
import { live, type Received, type Subscriber, wsClient, wsSubscribe } from "../support/subscriptions.js";

/**
 * Change detection for upstreams without webhooks: a change made directly in the simulator (as
 * the upstream's own app would) reaches a subscriber; an unchanged poll publishes nothing; polling
 * runs only while somebody subscribes. Cycles are started with `pollNow()` (the interval is set
 * long), so each poll the test counts is one it caused.
 */

let h: Harness;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  h = await startHarness({
    upstreams: ["artisan", "cleverinvo"],
    config: {
      events: {
        polling: {
          artisan: { minIntervalMs: 3_600_000, requestsPerMinute: 12 },
          cleverinvo: { minIntervalMs: 3_600_000, requestsPerMinute: 24 },
        },
      },
    },
  });
});

afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
  await h.gateway.events.whenUnsubscribed("acme", 0);
});

afterAll(async () => {
  await h.close();
});

async function subscribe(query: string, variables: Record<string, unknown> = {}): Promise<Subscriber> {
  const before = h.gateway.events.subscribers("acme");
  const { client } = wsClient(h.url, { apiKey: READ_KEY });
  open.push({ close: async () => client.dispose() });
  const subscriber = wsSubscribe(client, query, variables);
  open.unshift(subscriber);
  await live(subscriber, h.gateway.events.whenSubscribed("acme", before + 1));
  return subscriber;
}

function artisanCompany() {
  const company = h.artisan.companyOf(ARTISAN_DEMO_TOKEN);
  if (!company) throw new Error("no ARTISAN demo company");
  return company;
}

function poller(source: "artisan" | "cleverinvo") {
  const found = h.gateway.events.poller("acme", source);
  if (!found) throw new Error(`no ${source} poller`);
  return found;
}

const EVENTS = `subscription($types: [EventType!], $sources: [Source!]) {
  events(types: $types, sources: $sources) {
    type source sourceEventType detectedBy recordId deleted
    record { ... on Job { title status } ... on Invoice { invoiceStatus: status } }
  }
}`;

function eventOf(received: Received | null): Record<string, unknown> {
  const data = received?.data as { events?: Record<string, unknown> } | undefined;
  if (!data?.events) throw new Error(`expected an event, got ${JSON.stringify(received)}`);
  return data.events;
}

describe("polling change detection (Check-in ARTISAN)", () => {
  it("publishes a job changed in the upstream, and nothing for an unchanged poll", async () => {
    const subscriber = await subscribe(EVENTS, {
      sources: ["ARTISAN"],
      types: ["JOB_UPDATED", "JOB_COMPLETED"],
    });
    await poller("artisan").pollNow(); // the baseline
    expect(poller("artisan").watched).toEqual(["Job"]);

    h.resetCounts();
    await poller("artisan").pollNow();
    // Only the list the subscription needs, in pages of 100 (the most ARTISAN gives); nothing published.
    expect(h.counts()).toEqual({ "artisan GET /api/v1/jobs": Math.ceil(artisanCompany().jobs.size / 100) });
    expect(artisanCompany().jobs.size).toBe(1200);
    expect(subscriber.pending).toBe(0);

    const job = [...artisanCompany().jobs.values()].find((candidate) => candidate.status === "open");
    if (!job) throw new Error("no open ARTISAN job in the seed");
    job.title = "Boiler service (moved)";
    job.updated_at = "2026-03-01T12:31:00.000000Z";
    await poller("artisan").pollNow();
    expect(eventOf(await subscriber.next())).toEqual({
      type: "JOB_UPDATED",
      source: "ARTISAN",
      sourceEventType: "poll",
      detectedBy: "POLLING",
      recordId: globalId("Job", "artisan", String(job.id)),
      deleted: false,
      record: { title: "Boiler service (moved)", status: "SCHEDULED" },
    });

    job.status = "completed";
    job.updated_at = "2026-03-01T12:32:00.000000Z";
    await poller("artisan").pollNow();
    expect(eventOf(await subscriber.next())).toMatchObject({
      type: "JOB_COMPLETED",
      record: { status: "COMPLETED" },
    });
  });

  it("ends a jobUpdated stream when the upstream's job disappears", async () => {
    const job = [...artisanCompany().jobs.values()].at(-1);
    if (!job) throw new Error("no ARTISAN job");
    const subscriber = await subscribe(`subscription($id: ID!) { jobUpdated(id: $id) { title } }`, {
      id: globalId("Job", "artisan", String(job.id)),
    });
    await poller("artisan").pollNow();
    job.title = "Renamed before removal";
    await poller("artisan").pollNow();
    expect((await subscriber.next())?.data).toEqual({ jobUpdated: { title: "Renamed before removal" } });
    artisanCompany().jobs.delete(job.id);
    await poller("artisan").pollNow();
    await subscriber.done;
    expect(await subscriber.next()).toBeNull();
  });

  it("stops polling when the last interested subscriber leaves", async () => {
    const subscriber = await subscribe(EVENTS, { sources: ["ARTISAN"], types: ["INVOICE_PAID"] });
    expect(poller("artisan").watched).toEqual(["Invoice"]);
    await subscriber.close();
    await h.gateway.events.whenUnsubscribed("acme", 0);
    expect(poller("artisan").watched).toEqual([]);
    expect(poller("artisan").scheduled).toBe(false);
  });
});

describe("polling change detection (CleverInvo)", () => {
  it("publishes an invoice created and one paid in the upstream's dashboard", async () => {
    const subscriber = await subscribe(EVENTS, {
      sources: ["CLEVERINVO"],
      types: ["INVOICE_CREATED", "INVOICE_PAID"],
    });
    await poller("cleverinvo").pollNow();
    const account = h.cleverinvo.account();
    const invoice = [...account.invoices.values()].find((candidate) => candidate.status === "SENT");
    if (!invoice) throw new Error("no sent CleverInvo invoice in the seed");
    invoice.status = "PAID";
    await poller("cleverinvo").pollNow();
    expect(eventOf(await subscriber.next())).toMatchObject({
      type: "INVOICE_PAID",
      source: "CLEVERINVO",
      recordId: globalId("Invoice", "cleverinvo", String(invoice.id)),
      record: { invoiceStatus: "PAID" },
    });
  });
});
