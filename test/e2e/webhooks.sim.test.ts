import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_KEY,
  CLEANESTIMATE_WEBHOOK_SECRET,
  globalId,
  type Harness,
  READ_KEY,
  startHarness,
  WRITE_KEY,
} from "../support/harness.js";
import { live, type Received, type Subscriber, wsClient, wsSubscribe } from "../support/subscriptions.js";

/**
 * The whole loop, as in production: a mutation through the gateway makes the upstream (a
 * simulator) send its own signed webhook, with its own headers and retries, to the gateway's
 * receiver, and the event reaches a graphql-ws subscriber.
 */

let h: Harness;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  h = await startHarness({ simWebhooks: true, upstreams: ["cleanitall", "cleanestimate"] });
});

afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
  await h.gateway.events.whenUnsubscribed("acme", 0);
});

afterAll(async () => {
  await h.close();
});

async function subscribe(query: string, variables: Record<string, unknown> = {}): Promise<Subscriber> {
  const { client } = wsClient(h.url, { apiKey: READ_KEY });
  open.push({ close: async () => client.dispose() });
  const subscriber = wsSubscribe(client, query, variables);
  open.unshift(subscriber);
  await live(subscriber, h.gateway.events.whenSubscribed("acme", 1));
  return subscriber;
}

function dataOf(received: Received | null): Record<string, unknown> {
  if (!received?.data || received.errors) throw new Error(`expected data, got ${JSON.stringify(received)}`);
  return received.data;
}

describe("upstream webhooks sent by the simulators", () => {
  it("a job completed through the gateway comes back from CleanItAll as a jobUpdated event", async () => {
    const job = [...h.cleanitall.account().jobs.values()].find((candidate) => candidate.status === "pending");
    if (!job) throw new Error("no pending CleanItAll job");
    const id = globalId("Job", "cleanitall", job.id);
    const subscriber = await subscribe(
      `subscription($id: ID!) { jobUpdated(id: $id) { id status completedAt } }`,
      {
        id,
      },
    );
    const completed = await h.gql(
      `mutation($id: ID!) { completeJob(id: $id, input: { completionNotes: "All rooms done" }) { job { status } } }`,
      { id },
      WRITE_KEY,
    );
    expect(completed.body.errors).toBeUndefined();

    const event = dataOf(await subscriber.next());
    const completedAt = h.cleanitall.account().jobs.get(job.id)?.completed_at;
    expect(event).toEqual({ jobUpdated: { id, status: "COMPLETED", completedAt } });
    await h.cleanitall.deliveries.idle();
    // One delivery of job.completed, accepted at the first attempt.
    expect(
      h.cleanitall.deliveries.log.map(({ eventType, attempt, outcome, status }) => ({
        eventType,
        attempt,
        outcome,
        status,
      })),
    ).toEqual([{ eventType: "job.completed", attempt: 1, outcome: "delivered", status: 200 }]);
  });

  it("CleanEstimate Pro delivers to the endpoint registered through the gateway, signed with its secret", async () => {
    const registered = await h.gql(
      `mutation($input: RegisterWebhookEndpointInput!) {
        registerWebhookEndpoint(input: $input) { secret webhookEndpoint { events } }
      }`,
      {
        input: {
          source: "CLEANESTIMATE",
          name: "Gateway",
          url: `${h.url}/webhooks/acme/cleanestimate`,
          events: ["lead.created"],
        },
      },
      ALL_KEY,
    );
    expect(registered.body.data).toEqual({
      registerWebhookEndpoint: {
        secret: CLEANESTIMATE_WEBHOOK_SECRET,
        webhookEndpoint: { events: ["lead.created"] },
      },
    });

    const subscriber = await subscribe(
      `subscription { events(types: [LEAD_CREATED]) { type source detectedBy record { ... on Lead { name email } } } }`,
    );
    const created = await h.gql(
      `mutation { createLead(input: { source: CLEANESTIMATE, name: "Morgan Lee", email: "morgan@example.com" }) { lead { id } } }`,
      {},
      WRITE_KEY,
    );
    expect(created.body.errors).toBeUndefined();
    expect(dataOf(await subscriber.next())).toEqual({
      events: {
        type: "LEAD_CREATED",
        source: "CLEANESTIMATE",
        detectedBy: "WEBHOOK",
        record: { name: "Morgan Lee", email: "morgan@example.com" },
      },
    });
    await h.cleanestimate.deliveries.idle();
    expect(
      h.cleanestimate.deliveries.log.map(({ attempt, outcome, status }) => ({ attempt, outcome, status })),
    ).toEqual([{ attempt: 1, outcome: "delivered", status: 200 }]);
  });
});
