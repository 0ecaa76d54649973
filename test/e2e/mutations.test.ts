import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ARTISAN_DEMO_COMPANY } from "../../sim/artisan/index.js";
import { JOBCLOSER_DEMO_COMPANY } from "../../sim/jobcloser/index.js";
import { createLogger } from "../../src/logger.js";
import { createGateway } from "../../src/server.js";
import {
  ALL_KEY,
  decodeId,
  globalId,
  type Harness,
  READ_KEY,
  startHarness,
  WRITE_KEY,
} from "../support/harness.js";

/**
 * Mutations through the real gateway against the five simulators: scopes, validation before any
 * upstream call (counted), upstream rejections mapped to the same field errors, idempotency (the
 * gateway's own store, in memory and in Redis across a restart, and CleanEstimate Pro's native
 * keys), read-your-writes through the cross-request cache, a multi-step write that half fails, and
 * one write per source checked in the simulator's state. Per-operation detail is in
 * test/datasources/<source>.writes.test.ts.
 */

type Fields = Array<{ path: string; message: string }>;

const CREATE_CUSTOMER = `mutation($input: CreateCustomerInput!, $key: String) {
  createCustomer(input: $input, idempotencyKey: $key) { replayed customer { id sourceId name email } }
}`;

function firstError(body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }) {
  const error = body.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(body)}`);
  return error;
}

const artisan = (h: Harness) => {
  const company = h.artisan.companies.get(ARTISAN_DEMO_COMPANY.slug);
  if (!company) throw new Error("no ARTISAN demo company");
  return company;
};

describe("mutations (in-memory idempotency, no cache)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ jobcloserZapier: true });
  });
  afterAll(() => h.close());
  beforeEach(() => h.resetCounts());

  describe("scopes", () => {
    it("a read-only key cannot create; nothing reaches an upstream", async () => {
      const { body } = await h.gql(
        CREATE_CUSTOMER,
        { input: { source: "CLEANITALL", name: "Ada" } },
        READ_KEY,
      );
      expect(body.data).toBeNull();
      expect(firstError(body).extensions?.code).toBe("FORBIDDEN");
      expect(firstError(body).message).toBe('This API key lacks the "write" scope.');
      expect(h.counts()).toEqual({});
    });

    it("a write key cannot delete or register webhooks: those need `delete`", async () => {
      const job = [...h.cleanitall.account().jobs.keys()][0] as string;
      const del = await h.gql(
        `mutation($id: ID!) { deleteJob(id: $id) { deletedId } }`,
        { id: globalId("Job", "cleanitall", job) },
        WRITE_KEY,
      );
      expect(firstError(del.body).extensions?.code).toBe("FORBIDDEN");
      expect(firstError(del.body).message).toBe('This API key lacks the "delete" scope.');
      const register = await h.gql(
        `mutation { registerWebhookEndpoint(input: { source: CLEANESTIMATE, name: "x", url: "https://example.com/h", events: ["job.completed"] }) { secret } }`,
        {},
        WRITE_KEY,
      );
      expect(firstError(register.body).extensions?.code).toBe("FORBIDDEN");
      expect(h.counts()).toEqual({});
      expect(h.cleanitall.account().jobs.has(job)).toBe(true);
    });

    it("a write key creates, and the simulator has the record", async () => {
      const before = h.cleanitall.account().customers.size;
      const { body } = await h.gql(
        CREATE_CUSTOMER,
        { input: { source: "CLEANITALL", name: "Ada Lovelace", email: "ada@example.com" } },
        WRITE_KEY,
      );
      expect(body.errors).toBeUndefined();
      const created = (body.data as { createCustomer: { customer: { sourceId: string; name: string } } })
        .createCustomer;
      expect(created.customer.name).toBe("Ada Lovelace");
      expect(h.cleanitall.account().customers.size).toBe(before + 1);
      expect(h.cleanitall.account().customers.get(created.customer.sourceId)?.email).toBe("ada@example.com");
      expect(h.counts()).toEqual({ "cleanitall POST /api/v1/customers": 1 });
    });
  });

  describe("validation before any upstream call", () => {
    it("names every bad field at once and sends nothing", async () => {
      const { body } = await h.gql(
        CREATE_CUSTOMER,
        { input: { source: "CLEANITALL", name: "", email: "not-an-email", taxId: "FR123" } },
        ALL_KEY,
      );
      const error = firstError(body);
      expect(error.extensions?.code).toBe("BAD_USER_INPUT");
      const paths = ((error.extensions?.fields ?? []) as Fields).map((field) => field.path).sort();
      expect(paths).toEqual(["input.email", "input.name", "input.taxId"]);
      expect(error.message).toContain("input.name is required");
      expect(h.counts()).toEqual({});
    });

    it("checks nested line items (CleverInvo quantity must be above 0)", async () => {
      const client = [...h.cleverinvo.account().clients.values()].find((c) => c.isActive);
      const { body } = await h.gql(
        `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } } }`,
        {
          input: {
            source: "CLEVERINVO",
            customerId: globalId("Customer", "cleverinvo", client?.id ?? ""),
            lineItems: [{ description: "Gutter clean", quantity: 0, unitPrice: "10.00" }],
          },
        },
        ALL_KEY,
      );
      const fields = firstError(body).extensions?.fields as Fields;
      expect(fields.map((f) => f.path)).toEqual(["input.lineItems[0].quantity"]);
      expect(h.counts()).toEqual({});
    });

    it("refuses ids of another source: records never link across sources", async () => {
      const customer = [...artisan(h).customers.keys()][0] as number;
      const { body } = await h.gql(
        `mutation($input: CreateJobInput!) { createJob(input: $input) { job { id } } }`,
        {
          input: {
            source: "CLEANITALL",
            customerId: globalId("Customer", "artisan", String(customer)),
            title: "Deep clean",
            scheduledDate: "2026-03-20",
          },
        },
        ALL_KEY,
      );
      const error = firstError(body);
      expect(error.extensions?.fields).toEqual([
        {
          path: "input.customerId",
          message:
            "is a Check-in ARTISAN record, but this write goes to CleanItAll: records never link across sources",
        },
      ]);
      expect(h.counts()).toEqual({});
    });

    it("says clearly when a source cannot do a mutation", async () => {
      const invoice = [...artisan(h).invoices.keys()][0] as number;
      const immutable = await h.gql(
        `mutation($id: ID!) { updateInvoice(id: $id, input: { notes: "x" }) { invoice { id } } }`,
        { id: globalId("Invoice", "artisan", String(invoice)) },
        ALL_KEY,
      );
      expect(firstError(immutable.body).extensions?.code).toBe("BAD_USER_INPUT");
      expect(firstError(immutable.body).message).toMatch(/immutable/);
      const noJobs = await h.gql(
        `mutation { createJob(input: { source: CLEVERINVO, customerId: "x", title: "t" }) { job { id } } }`,
        {},
        ALL_KEY,
      );
      expect(firstError(noJobs.body).message).toBe("CleverInvo cannot create jobs through its API.");
      expect(h.counts()).toEqual({});
    });

    it("rejects a malformed idempotency key", async () => {
      const { body } = await h.gql(
        CREATE_CUSTOMER,
        { input: { source: "CLEANITALL", name: "Ada" }, key: "has a space" },
        ALL_KEY,
      );
      expect(firstError(body).extensions?.fields).toEqual([
        { path: "idempotencyKey", message: "must be 1 to 255 printable ASCII characters without spaces" },
      ]);
      expect(h.counts()).toEqual({});
    });
  });

  it("maps an upstream rejection to the same field error, with its source", async () => {
    const { body } = await h.gql(
      `mutation($input: CreateJobInput!) { createJob(input: $input) { job { id } } }`,
      {
        input: {
          source: "CLEANITALL",
          customerId: globalId("Customer", "cleanitall", "cus_000000000000000000000000"),
          title: "Deep clean",
          scheduledDate: "2026-03-20",
        },
      },
      ALL_KEY,
    );
    const error = firstError(body);
    expect(error.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error.extensions?.source).toBe("cleanitall");
    expect(error.extensions?.fields).toEqual([{ path: "input.customerId", message: "does not exist" }]);
    expect(h.counts()).toEqual({ "cleanitall POST /api/v1/jobs": 1 });
  });

  describe("idempotency", () => {
    it("gateway-side (CleanItAll): a retry with the same key creates once and replays the first result", async () => {
      const key = randomUUID();
      const input = { source: "CLEANITALL", name: "Grace Hopper", email: "grace@example.com" };
      const before = h.cleanitall.account().customers.size;
      const first = await h.gql(CREATE_CUSTOMER, { input, key }, ALL_KEY);
      const retry = await h.gql(CREATE_CUSTOMER, { input, key }, ALL_KEY);
      const a = (first.body.data as { createCustomer: { replayed: boolean; customer: { id: string } } })
        .createCustomer;
      const b = (retry.body.data as { createCustomer: { replayed: boolean; customer: { id: string } } })
        .createCustomer;
      expect(a.replayed).toBe(false);
      expect(b).toEqual({ ...a, replayed: true });
      expect(h.cleanitall.account().customers.size).toBe(before + 1);
      expect(h.counts()).toEqual({ "cleanitall POST /api/v1/customers": 1 });

      const conflict = await h.gql(CREATE_CUSTOMER, { input: { ...input, name: "Other" }, key }, ALL_KEY);
      expect(firstError(conflict.body).extensions?.code).toBe("IDEMPOTENCY_CONFLICT");
      expect(h.counts()).toEqual({ "cleanitall POST /api/v1/customers": 1 });
    });

    it("native (CleanEstimate Pro): the key goes upstream as Idempotency-Key, which replays", async () => {
      const key = randomUUID();
      const mutation = `mutation($key: String) {
        createLead(input: { source: CLEANESTIMATE, name: "Taylor Morgan", email: "taylor@example.com" }, idempotencyKey: $key) {
          replayed lead { id name }
        }
      }`;
      const leads = () => h.cleanestimate.account().live.leads.size;
      const before = leads();
      const first = await h.gql(mutation, { key }, ALL_KEY);
      const retry = await h.gql(mutation, { key }, ALL_KEY);
      const a = (first.body.data as { createLead: { replayed: boolean; lead: { id: string } } }).createLead;
      const b = (retry.body.data as { createLead: { replayed: boolean; lead: { id: string } } }).createLead;
      expect(a.replayed).toBe(false);
      expect(b).toEqual({ ...a, replayed: true });
      expect(leads()).toBe(before + 1);
      // Both reach the upstream; it answers the second from its store.
      expect(h.counts()).toEqual({ "cleanestimate POST /api/v1/leads": 2 });
    });
  });

  it("a multi-step create that half fails returns what was written and says what was not", async () => {
    const customer = await h.gql(
      CREATE_CUSTOMER,
      { input: { source: "CLEANITALL", name: "No Email" } },
      ALL_KEY,
    );
    const customerId = (customer.body.data as { createCustomer: { customer: { id: string } } }).createCustomer
      .customer.id;
    h.resetCounts();
    const { body } = await h.gql(
      `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { sourceId status number } } }`,
      {
        input: {
          source: "CLEANITALL",
          customerId,
          lineItems: [{ description: "Deep clean", quantity: 1, unitPrice: "240.00" }],
          send: true,
        },
      },
      ALL_KEY,
    );
    const invoice = (
      body.data as { createInvoice: { invoice: { sourceId: string; status: string; number: string } } }
    ).createInvoice.invoice;
    expect(invoice.status).toBe("DRAFT");
    expect(h.cleanitall.account().invoices.get(invoice.sourceId)?.status).toBe("draft");
    const error = firstError(body);
    expect(error.message).toContain(invoice.number);
    expect(error.message).toContain("sending failed");
    expect(h.counts()).toEqual({
      "cleanitall POST /api/v1/invoices": 1,
      "cleanitall POST /api/v1/invoices/:id/send": 1,
    });
  });

  describe("one write per source, checked in the simulator", () => {
    it("CleanItAll: completeJob completes the job", async () => {
      const job = [...h.cleanitall.account().jobs.values()].find((j) => j.status === "pending");
      const { body } = await h.gql(
        `mutation($id: ID!) { completeJob(id: $id, input: { completionNotes: "All rooms done" }) { job { status completionNotes } } }`,
        { id: globalId("Job", "cleanitall", job?.id ?? "") },
        ALL_KEY,
      );
      expect(body.data).toEqual({
        completeJob: { job: { status: "COMPLETED", completionNotes: "All rooms done" } },
      });
      expect(h.cleanitall.account().jobs.get(job?.id ?? "")?.status).toBe("completed");
    });

    it("CleanEstimate Pro: the estimate is priced upstream; repricing is refused before any call", async () => {
      const created = await h.gql(
        `mutation { createEstimate(input: { source: CLEANESTIMATE, customerName: "Taylor Morgan",
          services: [{ slug: "house_wash", squareFeet: 2400, stories: 2 }], dirtinessLevel: "medium" }) {
          estimate { id sourceId total { amount } } } }`,
        {},
        ALL_KEY,
      );
      const estimate = (
        created.body.data as {
          createEstimate: { estimate: { id: string; sourceId: string; total: { amount: string } } };
        }
      ).createEstimate.estimate;
      expect(estimate.total.amount).toBe("476.10");
      expect(h.cleanestimate.account().live.estimates.get(estimate.sourceId)?.total).toBe(476.1);
      h.resetCounts();
      const reprice = await h.gql(
        `mutation($id: ID!) { updateEstimate(id: $id, input: { dirtinessLevel: "heavy" }) { estimate { id } } }`,
        { id: estimate.id },
        ALL_KEY,
      );
      const fields = firstError(reprice.body).extensions?.fields as Fields;
      expect(fields.map((f) => f.path)).toEqual(["input.dirtinessLevel"]);
      expect(fields[0]?.message).toMatch(/create a new estimate/);
      expect(h.counts()).toEqual({});
    });

    it("JobCloser: a lead through the Zapier key, and a batch of chemical applications", async () => {
      const company = h.jobcloser.company(JOBCLOSER_DEMO_COMPANY);
      const lead = await h.gql(
        `mutation { createLead(input: { source: JOBCLOSER, name: "Bob Smith", phone: "(205) 555-0142" }) { lead { sourceId name status } } }`,
        {},
        ALL_KEY,
      );
      const created = (lead.body.data as { createLead: { lead: { sourceId: string; status: string } } })
        .createLead.lead;
      expect(created.status).toBe("NEW");
      expect(company.customers.get(created.sourceId)?.Status).toBe("Lead");

      const event = [...company.events.values()][0];
      const before = company.chemicalApplications.size;
      const application = {
        jobId: globalId("Job", "jobcloser", event?.JobId ?? ""),
        siteVisitId: globalId("SiteVisit", "jobcloser", event?.Id ?? ""),
        appliedAt: "2026-03-01T10:16:42-06:00",
        latitude: 33.5116331,
        longitude: -86.8965344,
        meterSerialNumber: "AF23265",
        meterRawCount: 2,
        meterCurrentRate: 4,
        meterCalculatedFlowTotal: 5,
        meterRawCountsToZero: 0,
        fluidTemperatureF: 76.8,
        ambientTemperatureF: 71.55,
        batteryPercent: 86,
        batteryRunTimeMinutes: 1350,
        note: "Front yard perimeter",
        deviceName: "Sprayer 2",
        calibrationFactor: 1.02,
      };
      const batch = await h.gql(
        `mutation($inputs: [CreateChemicalApplicationInput!]!) {
          createChemicalApplications(source: JOBCLOSER, inputs: $inputs) { chemicalApplications { note } } }`,
        { inputs: [application, { ...application, note: "Back yard" }] },
        ALL_KEY,
      );
      expect(batch.body.data).toEqual({
        createChemicalApplications: {
          chemicalApplications: [{ note: "Front yard perimeter" }, { note: "Back yard" }],
        },
      });
      expect(company.chemicalApplications.size).toBe(before + 2);
    });

    it("ARTISAN: a site visit is scheduled, then deleted", async () => {
      const job = [...artisan(h).jobs.keys()][0] as number;
      const created = await h.gql(
        `mutation($input: CreateSiteVisitInput!) { createSiteVisit(input: $input) { siteVisit { id sourceId status } } }`,
        {
          input: {
            source: "ARTISAN",
            jobId: globalId("Job", "artisan", String(job)),
            scheduledAt: "2026-03-20T09:00:00+01:00",
            durationMinutes: 120,
          },
        },
        ALL_KEY,
      );
      const visit = (
        created.body.data as {
          createSiteVisit: { siteVisit: { id: string; sourceId: string; status: string } };
        }
      ).createSiteVisit.siteVisit;
      expect(visit.status).toBe("SCHEDULED");
      expect(artisan(h).siteVisits.get(Number(visit.sourceId))?.duration_minutes).toBe(120);
      const deleted = await h.gql(
        `mutation($id: ID!) { deleteSiteVisit(id: $id) { deletedId permanent } }`,
        { id: visit.id },
        ALL_KEY,
      );
      expect(deleted.body.data).toEqual({ deleteSiteVisit: { deletedId: visit.id, permanent: true } });
      expect(artisan(h).siteVisits.has(Number(visit.sourceId))).toBe(false);
    });

    it("CleverInvo: deleting a client deactivates it", async () => {
      const client = [...h.cleverinvo.account().clients.values()].find((c) => c.isActive);
      const id = globalId("Customer", "cleverinvo", client?.id ?? "");
      const { body } = await h.gql(
        `mutation($id: ID!) { deleteCustomer(id: $id) { deletedId permanent } }`,
        { id },
        ALL_KEY,
      );
      expect(body.data).toEqual({ deleteCustomer: { deletedId: id, permanent: false } });
      expect(h.cleverinvo.account().clients.get(client?.id ?? "")?.isActive).toBe(false);
      expect(decodeId(id)[1]).toBe("cleverinvo");
    });
  });
});

describe("read-your-writes through the cross-request cache", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: { cache: { ttlMs: 60_000 } } });
  });
  afterAll(() => h.close());

  it("the next query after a mutation sees the change", async () => {
    const customer = [...h.cleanitall.account().customers.values()][0];
    const id = globalId("Customer", "cleanitall", customer?.id ?? "");
    const read = `query($id: ID!) { customer(id: $id) { name } }`;
    await h.gql(read, { id });
    h.resetCounts();
    const cached = await h.gql(read, { id });
    expect(cached.body.data).toEqual({ customer: { name: customer?.name } });
    expect(h.counts()).toEqual({});

    const update = await h.gql(
      `mutation($id: ID!) { updateCustomer(id: $id, input: { name: "Renamed Ltd" }) { customer { name } } }`,
      { id },
      ALL_KEY,
    );
    expect(update.body.data).toEqual({ updateCustomer: { customer: { name: "Renamed Ltd" } } });
    const after = await h.gql(read, { id });
    expect(after.body.data).toEqual({ customer: { name: "Renamed Ltd" } });
    expect(h.counts()).toEqual({
      "cleanitall PATCH /api/v1/customers/:id": 1,
      "cleanitall GET /api/v1/customers/:id": 1,
    });
  });
});

describe("idempotency records in Redis survive a gateway restart", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: { redis: { url: "redis://127.0.0.1:6379" } } });
  });
  afterAll(() => h.close());

  it("a retry sent to a new gateway instance replays without a second upstream create", async () => {
    h.resetCounts();
    const key = randomUUID();
    const input = { source: "CLEANITALL", name: "Restart Proof" };
    const first = await h.gql(CREATE_CUSTOMER, { input, key }, ALL_KEY);
    expect(first.body.errors).toBeUndefined();
    await h.gateway.stop();

    const restarted = createGateway(h.config, { logger: createLogger("silent") });
    const url = await restarted.start();
    try {
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ALL_KEY}` },
        body: JSON.stringify({ query: CREATE_CUSTOMER, variables: { input, key } }),
      });
      const retry = (await response.json()) as { data: { createCustomer: { replayed: boolean } } };
      const original = (first.body.data as { createCustomer: { replayed: boolean } }).createCustomer;
      expect(retry.data.createCustomer).toEqual({ ...original, replayed: true });
      expect(h.counts()).toEqual({ "cleanitall POST /api/v1/customers": 1 });
    } finally {
      await restarted.stop();
    }
  });
});

describe("a create whose answer is lost", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: { http: { timeoutMs: 300, retries: 0 } } });
  });
  afterAll(() => h.close());

  it("keeps its idempotency key: the retry is refused instead of creating a second record", async () => {
    h.resetCounts();
    h.cleanitall.control.injectFault({ kind: "slow", delayMs: 1_000, times: 1 });
    const key = randomUUID();
    const input = { source: "CLEANITALL", name: "Slow Answer" };
    const first = await h.gql(CREATE_CUSTOMER, { input, key }, ALL_KEY);
    expect(firstError(first.body).extensions?.code).toBe("UPSTREAM_TIMEOUT");
    expect(firstError(first.body).message).toContain("will not create it twice");
    const retry = await h.gql(CREATE_CUSTOMER, { input, key }, ALL_KEY);
    expect(firstError(retry.body).extensions?.code).toBe("IDEMPOTENCY_CONFLICT");
    expect(firstError(retry.body).message).toContain("may have written the record");
    expect(h.counts()).toEqual({ "cleanitall POST /api/v1/customers": 1 });
  });
});
