import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLEANITALL_DEMO_KEY } from "../../sim/cleanitall/index.js";
import type { AnswerReuseOutcome } from "../../src/plugins/useAnswerReuse.js";
import {
  CLEANITALL_WEBHOOK_SECRET,
  globalId,
  type Harness,
  READ_KEY,
  startHarness,
  WRITE_KEY,
} from "../support/harness.js";
import { cleanItAllSignature, deliver } from "../support/subscriptions.js";

/**
 * Whole answers given again (useAnswerReuse): a repeated query is answered without executing while
 * every upstream read behind it is still cached, and never once one of them changed: a webhook, a
 * write through the gateway, an expiry or a reload each make the next answer fresh.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    webhookSecrets: true,
    jobcloserZapier: true,
    config: { cache: { ttlMs: 60_000 } },
  });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => h.resetCounts());

async function reuseCounts(): Promise<Record<AnswerReuseOutcome, number>> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const count = (outcome: AnswerReuseOutcome) => {
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`graphql_answer_reuse_total{outcome="${outcome}"}`));
    return line ? Number(line.split(" ").pop()) : 0;
  };
  return {
    hit: count("hit"),
    stored: count("stored"),
    stale: count("stale"),
    not_reusable: count("not_reusable"),
  };
}

/** What the outcome counters did between `before` and now. */
async function since(before: Record<AnswerReuseOutcome, number>) {
  const after = await reuseCounts();
  return {
    hit: after.hit - before.hit,
    stored: after.stored - before.stored,
    stale: after.stale - before.stale,
    not_reusable: after.not_reusable - before.not_reusable,
  };
}

const firstCleanItAllCustomer = () => [...h.cleanitall.account().customers.keys()][0] as string;
const CUSTOMER_QUERY = "query($id: ID!) { node(id: $id) { ... on Customer { name email } } }";

describe("a repeated query", () => {
  it("is answered again without executing, with the same body and no upstream request", async () => {
    const query = "{ jobs(first: 5, source: CLEANITALL) { nodes { title customer { name } } } }";
    const first = await h.gql(query);
    expect(first.body.errors).toBeUndefined();
    expect(h.counts()).toEqual({
      "cleanitall GET /api/v1/jobs": 1,
      "cleanitall GET /api/v1/customers/:id": expect.any(Number),
    });
    h.resetCounts();
    const before = await reuseCounts();
    const second = await h.gql(query);
    expect(second.body).toEqual(first.body);
    expect(h.counts()).toEqual({});
    expect(await since(before)).toEqual({ hit: 1, stored: 0, stale: 0, not_reusable: 0 });
  });

  it("keeps answers apart by variables, tenant key scopes and operation", async () => {
    const [a, b] = [...h.cleanitall.account().customers.keys()] as [string, string];
    const idA = globalId("Customer", "cleanitall", a);
    const idB = globalId("Customer", "cleanitall", b);
    const nameOf = (id: string) => h.cleanitall.account().customers.get(id)?.name;
    const first = await h.gql(CUSTOMER_QUERY, { id: idA });
    const other = await h.gql(CUSTOMER_QUERY, { id: idB });
    expect(first.body.data).toEqual({ node: expect.objectContaining({ name: nameOf(a) }) });
    expect(other.body.data).toEqual({ node: expect.objectContaining({ name: nameOf(b) }) });
    const before = await reuseCounts();
    // The same query with another key's scopes executes on its own, then each is given again.
    const otherKey = await h.gql(CUSTOMER_QUERY, { id: idA }, WRITE_KEY);
    expect(otherKey.body).toEqual(first.body);
    expect((await h.gql(CUSTOMER_QUERY, { id: idA }, READ_KEY)).body).toEqual(first.body);
    expect((await h.gql(CUSTOMER_QUERY, { id: idB }, READ_KEY)).body).toEqual(other.body);
    expect(await since(before)).toEqual({ hit: 2, stored: 1, stale: 0, not_reusable: 0 });
  });
});

describe("an answer is never given again once a read behind it changed", () => {
  it("after a webhook says the record changed", async () => {
    const id = firstCleanItAllCustomer();
    const variables = { id: globalId("Customer", "cleanitall", id) };
    await h.gql(CUSTOMER_QUERY, variables);
    await h.gql(CUSTOMER_QUERY, variables);

    // The upstream changes the record and says so.
    const customer = h.cleanitall.account().customers.get(id);
    if (!customer) throw new Error("no customer");
    customer.name = "Renamed By Webhook";
    const response = await fetch(`${h.cleanitall.baseUrl}/customers/${id}`, {
      headers: { "x-api-key": CLEANITALL_DEMO_KEY },
    });
    const record = ((await response.json()) as { data: Record<string, unknown> }).data;
    const body = JSON.stringify({
      id: "evt_answerreuse0000000000001",
      event: "customer.updated",
      created_at: "2026-03-01T12:30:00Z",
      data: record,
    });
    const headers = {
      "x-webhook-signature": cleanItAllSignature(CLEANITALL_WEBHOOK_SECRET, body),
      "x-webhook-event": "customer.updated",
      "x-webhook-id": "whd_answerreuse0000000000001",
      "x-webhook-timestamp": String(Math.floor(Date.now() / 1000)),
    };
    expect((await deliver(h.url, "/webhooks/acme/cleanitall", body, headers)).status).toBe(200);

    h.resetCounts();
    const before = await reuseCounts();
    const fresh = await h.gql(CUSTOMER_QUERY, variables);
    expect(fresh.body.data).toEqual({ node: { name: "Renamed By Webhook", email: customer.email } });
    expect(h.counts()).toEqual({ "cleanitall GET /api/v1/customers/:id": 1 });
    expect(await since(before)).toEqual({ hit: 0, stored: 1, stale: 1, not_reusable: 0 });
  });

  it("after a write through the gateway", async () => {
    const id = [...h.cleanitall.account().customers.keys()][2] as string;
    const variables = { id: globalId("Customer", "cleanitall", id) };
    await h.gql(CUSTOMER_QUERY, variables);
    const update = await h.gql(
      `mutation($id: ID!) { updateCustomer(id: $id, input: { name: "Renamed Through The Gateway" }) { customer { name } } }`,
      variables,
      WRITE_KEY,
    );
    expect(update.body.errors).toBeUndefined();
    h.resetCounts();
    const fresh = await h.gql(CUSTOMER_QUERY, variables);
    expect(fresh.body.data).toEqual({
      node: expect.objectContaining({ name: "Renamed Through The Gateway" }),
    });
    expect(h.counts()).toEqual({ "cleanitall GET /api/v1/customers/:id": 1 });
  });

  it("after the upstream cache let a read go (expired or evicted)", async () => {
    const id = [...h.cleanitall.account().customers.keys()][3] as string;
    const variables = { id: globalId("Customer", "cleanitall", id) };
    await h.gql(CUSTOMER_QUERY, variables);
    h.gateway.http.invalidate({ tenantId: "acme", source: "cleanitall" }, `/customers/${id}`);
    h.resetCounts();
    const before = await reuseCounts();
    await h.gql(CUSTOMER_QUERY, variables);
    expect(h.counts()).toEqual({ "cleanitall GET /api/v1/customers/:id": 1 });
    expect(await since(before)).toEqual({ hit: 0, stored: 1, stale: 1, not_reusable: 0 });
  });

  it("after a JobCloser list snapshot was dropped by a write", async () => {
    const query = "{ customers(first: 100, source: JOBCLOSER) { totalCount nodes { name } } }";
    type Page = { customers: { totalCount: number; nodes: Array<{ name: string }> } };
    // The first answer of a session signed in (not cached: not kept); the second is kept.
    await h.gql(query);
    const first = await h.gql<Page>(query);
    expect(first.body.errors).toBeUndefined();
    const before = await reuseCounts();
    expect((await h.gql(query)).body).toEqual(first.body);
    expect(await since(before)).toEqual({ hit: 1, stored: 0, stale: 0, not_reusable: 0 });
    const created = await h.gql(
      `mutation { createCustomer(input: { source: JOBCLOSER, name: "Reuse Tester", phone: "(205) 555-0199" }) { customer { name } } }`,
      undefined,
      WRITE_KEY,
    );
    expect(created.body.errors).toBeUndefined();
    h.resetCounts();
    const fresh = await h.gql<Page>(query);
    expect(fresh.body.data?.customers.totalCount).toBe((first.body.data?.customers.totalCount ?? 0) + 1);
    expect(h.counts()).toEqual({ "jobcloser GET /api/customers/getall": 1 });
  });
});

describe("answers that are not kept", () => {
  it("an answer with errors: the next request goes upstream again", async () => {
    const query = "{ invoices(first: 3, source: CLEVERINVO) { nodes { number } } }";
    h.cleverinvo.control.injectFault({ kind: "status", status: 500, times: 3 });
    const failed = await h.gql(query);
    expect(failed.body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_ERROR");
    h.cleverinvo.control.clearFaults();
    h.resetCounts();
    const before = await reuseCounts();
    const ok = await h.gql(query);
    expect(ok.body.errors).toBeUndefined();
    expect(h.counts()).toEqual({ "cleverinvo GET /api/v1/invoices": 1 });
    expect(await since(before)).toEqual({ hit: 0, stored: 1, stale: 0, not_reusable: 0 });
  });

  it("an answer holding a signed link, which expires: signed afresh every time", async () => {
    const query = "{ invoices(first: 2, source: CLEVERINVO) { nodes { number pdfUrl } } }";
    await h.gql(query);
    const before = await reuseCounts();
    const again = await h.gql<{ invoices: { nodes: Array<{ pdfUrl: string | null }> } }>(query);
    expect(again.body.data?.invoices.nodes[0]?.pdfUrl).toMatch(/\/files\/invoices\/.+\.pdf\?/);
    expect(await since(before)).toEqual({ hit: 0, stored: 0, stale: 0, not_reusable: 1 });
  });

  it("a reload forgets every answer", async () => {
    const query = "{ jobs(first: 2, source: CLEANITALL) { nodes { title } } }";
    await h.gql(query);
    await h.gateway.reload(h.config);
    const before = await reuseCounts();
    await h.gql(query);
    expect(await since(before)).toEqual({ hit: 0, stored: 1, stale: 0, not_reusable: 0 });
  });
});
