import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTISAN_DEMO_TOKEN } from "../../sim/artisan/index.js";
import { createLogger } from "../../src/logger.js";
import { createGateway, type Gateway } from "../../src/server.js";
import {
  CLEANITALL_WEBHOOK_SECRET,
  globalId,
  type Harness,
  READ_KEY,
  startHarness,
} from "../support/harness.js";
import {
  cleanItAllSignature,
  deliver,
  live,
  type Received,
  type Subscriber,
  wsClient,
  wsSubscribe,
} from "../support/subscriptions.js";

/**
 * Two gateway instances sharing the real Redis at 127.0.0.1:6379 (a fresh key prefix per run): an
 * event received by one reaches subscribers on both exactly once, a redelivery to the other
 * instance is recognised, and only one instance polls a tenant's upstream.
 */

let h: Harness;
let second: Gateway;
let secondUrl: string;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  h = await startHarness({
    webhookSecrets: true,
    upstreams: ["cleanitall", "artisan"],
    config: {
      redis: { url: "redis://127.0.0.1:6379", keyPrefix: `test:${randomUUID()}:` },
      events: { polling: { artisan: { minIntervalMs: 3_600_000 } } },
    },
  });
  second = createGateway(h.config, { logger: createLogger("silent") });
  secondUrl = await second.start();
});

afterAll(async () => {
  for (const item of open.splice(0)) await item.close();
  await second.stop();
  await h.close();
});

async function subscribe(
  gateway: Gateway,
  url: string,
  variables: Record<string, unknown>,
): Promise<Subscriber> {
  const before = gateway.events.subscribers("acme");
  const { client } = wsClient(url, { apiKey: READ_KEY });
  open.push({ close: async () => client.dispose() });
  const subscriber = wsSubscribe(
    client,
    `subscription($types: [EventType!], $sources: [Source!]) { events(types: $types, sources: $sources) { id type recordId } }`,
    variables,
  );
  open.unshift(subscriber);
  await live(subscriber, gateway.events.whenSubscribed("acme", before + 1));
  return subscriber;
}

function delivery(deliveryId: string, customerId: string) {
  const body = JSON.stringify({
    id: `evt_${deliveryId}`,
    event: "customer.deleted",
    created_at: "2026-03-01T12:30:00Z",
    data: { id: customerId },
  });
  return {
    body,
    headers: {
      "x-webhook-signature": cleanItAllSignature(CLEANITALL_WEBHOOK_SECRET, body),
      "x-webhook-id": deliveryId,
    },
  };
}

function recordIdOf(received: Received | null): unknown {
  return (received?.data as { events?: { recordId?: unknown } } | undefined)?.events?.recordId;
}

describe("two gateway instances on Redis", () => {
  it("delivers a webhook received by one instance to subscribers of both, exactly once", async () => {
    const onFirst = await subscribe(h.gateway, h.url, { types: ["CUSTOMER_DELETED"] });
    const onSecond = await subscribe(second, secondUrl, { types: ["CUSTOMER_DELETED"] });

    const first = delivery(`whd_${randomUUID()}`, "cus_deletedviainstanceone0000");
    expect((await deliver(h.url, "/webhooks/acme/cleanitall", first.body, first.headers)).body).toMatchObject(
      {
        duplicate: false,
        published: 1,
      },
    );
    // The upstream retries the same delivery against the other instance: recognised through Redis.
    expect((await deliver(secondUrl, "/webhooks/acme/cleanitall", first.body, first.headers)).body).toEqual({
      received: true,
      duplicate: true,
      published: 0,
    });
    const marker = delivery(`whd_${randomUUID()}`, "cus_markerviainstancetwo00000");
    await deliver(secondUrl, "/webhooks/acme/cleanitall", marker.body, marker.headers);

    for (const subscriber of [onFirst, onSecond]) {
      expect(recordIdOf(await subscriber.next())).toBe(
        globalId("Customer", "cleanitall", "cus_deletedviainstanceone0000"),
      );
      // Next comes the marker: the first event was not delivered twice on any instance.
      expect(recordIdOf(await subscriber.next())).toBe(
        globalId("Customer", "cleanitall", "cus_markerviainstancetwo00000"),
      );
      expect(subscriber.pending).toBe(0);
    }
  });

  it("polls a tenant's upstream from one instance only, and both instances' subscribers get the change once", async () => {
    // CleanItAll deletions too, for the marker; only ARTISAN is polled.
    const filter = { sources: ["ARTISAN", "CLEANITALL"], types: ["CUSTOMER_UPDATED", "CUSTOMER_DELETED"] };
    const onFirst = await subscribe(h.gateway, h.url, filter);
    const onSecond = await subscribe(second, secondUrl, filter);
    const pollers = [h.gateway.events.poller("acme", "artisan"), second.events.poller("acme", "artisan")];
    await Promise.all(pollers.map((poller) => poller?.pollNow()));

    h.resetCounts();
    await Promise.all(pollers.map((poller) => poller?.pollNow()));
    const company = h.artisan.companyOf(ARTISAN_DEMO_TOKEN);
    if (!company) throw new Error("no ARTISAN company");
    const pages = Math.ceil(company.customers.size / 100);
    // One instance holds the lease: one snapshot's worth of requests, not two.
    expect(h.counts()).toEqual({ "artisan GET /api/v1/customers": pages });

    const customer = [...company.customers.values()][0];
    if (!customer) throw new Error("no ARTISAN customer");
    customer.full_name = "Renamed Upstream";
    await Promise.all(pollers.map((poller) => poller?.pollNow()));
    const marker = delivery(`whd_${randomUUID()}`, "cus_markerafterpolling0000000");
    await deliver(h.url, "/webhooks/acme/cleanitall", marker.body, marker.headers);
    for (const subscriber of [onFirst, onSecond]) {
      expect(recordIdOf(await subscriber.next())).toBe(globalId("Customer", "artisan", String(customer.id)));
      expect(recordIdOf(await subscriber.next())).toBe(
        globalId("Customer", "cleanitall", "cus_markerafterpolling0000000"),
      );
    }
  });
});
