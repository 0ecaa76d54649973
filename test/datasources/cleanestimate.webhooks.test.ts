import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CLEANESTIMATE_DEMO_KEY,
  type CleanEstimateDataSet,
  type CleanEstimateEvent,
  type CleanEstimateSim,
  createCleanEstimateSim,
} from "../../sim/cleanestimate/index.js";
import { CleanEstimateClient } from "../../src/datasources/cleanestimate/client.js";
import { CleanEstimateDatasource } from "../../src/datasources/cleanestimate/datasource.js";
import {
  toUnifiedCustomer,
  toUnifiedEstimate,
  toUnifiedInvoice,
  toUnifiedJob,
  toUnifiedLead,
} from "../../src/datasources/cleanestimate/mappers.js";
import { cleanEstimateWebhookParser } from "../../src/datasources/cleanestimate/webhooks.js";
import { HttpLayer } from "../../src/datasources/http.js";
import type { NodeRef, UnifiedJob, UnifiedNode } from "../../src/datasources/unified.js";
import { type ParsedWebhook, WebhookPayloadError } from "../../src/events/types.js";

/**
 * CleanEstimate Pro webhook bodies (cleanestimate.md §9) into unified events: every event type of
 * the reference's table, built from seeded simulator records, becomes the exact event with the
 * record the read path maps; the reference's example parses; a body that is not the envelope, or
 * whose `data` is not the event's resource, is refused naming the bad path; an unknown type is
 * ignored. Last, the events the simulator emits for API writes and app-side actions carry exactly
 * what a read of the record returns.
 */

const OCCURRED_AT = "2026-03-20T15:00:00.000Z";

const parse = cleanEstimateWebhookParser();

/** A delivery's body as the receiver hands it over: parsed JSON of the §9 envelope. */
function delivery(type: string, data: unknown): unknown {
  return JSON.parse(JSON.stringify({ type, timestamp: OCCURRED_AT, data }));
}

/** What a parse threw; fails the test when it did not throw. */
function refusal(body: unknown): WebhookPayloadError {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof WebhookPayloadError) return error;
    throw error;
  }
  throw new Error("expected a WebhookPayloadError");
}

const seeded: CleanEstimateDataSet = createCleanEstimateSim().dataSet();

function seededWith<T extends { status: string }>(records: Map<string, T>, status: string, index = 0): T {
  const found = [...records.values()].filter((record) => record.status === status)[index];
  if (!found) throw new Error(`no seeded record with status ${status}`);
  return found;
}

const ref = (type: NodeRef["type"], sourceId: string): NodeRef => ({
  type,
  source: "cleanestimate",
  sourceId,
});

describe("every event type of §9", () => {
  const newLead = seededWith(seeded.leads, "new");
  const contactedLead = seededWith(seeded.leads, "contacted");
  const activeClient = seededWith(seeded.clients, "active");
  const inactiveClient = seededWith(seeded.clients, "inactive");
  const draftEstimate = seededWith(seeded.estimates, "draft");
  const sentEstimate = seededWith(seeded.estimates, "sent");
  const declinedEstimate = seededWith(seeded.estimates, "declined");
  const acceptedEstimate = seededWith(seeded.estimates, "accepted");
  const scheduledJob = seededWith(seeded.jobs, "scheduled");
  const startedJob = seededWith(seeded.jobs, "in_progress");
  const cancelledJob = seededWith(seeded.jobs, "cancelled");
  const completedJob = seededWith(seeded.jobs, "completed");
  const sentInvoice = seededWith(seeded.invoices, "sent");
  const paidInvoice = seededWith(seeded.invoices, "paid");

  const cases: Array<{
    event: string;
    status: string;
    data: unknown;
    type: string;
    ref: NodeRef;
    record: UnifiedNode;
    stale: string[];
  }> = [
    {
      event: "lead.created",
      status: newLead.status,
      data: newLead,
      type: "LEAD_CREATED",
      ref: ref("Lead", newLead.id),
      record: toUnifiedLead(newLead),
      stale: ["/leads"],
    },
    {
      event: "lead.updated",
      status: contactedLead.status,
      data: contactedLead,
      type: "LEAD_UPDATED",
      ref: ref("Lead", contactedLead.id),
      record: toUnifiedLead(contactedLead),
      stale: ["/leads"],
    },
    {
      event: "client.created",
      status: activeClient.status,
      data: activeClient,
      type: "CUSTOMER_CREATED",
      ref: ref("Customer", activeClient.id),
      record: toUnifiedCustomer(activeClient),
      stale: ["/clients"],
    },
    {
      event: "client.updated",
      status: inactiveClient.status,
      data: inactiveClient,
      type: "CUSTOMER_UPDATED",
      ref: ref("Customer", inactiveClient.id),
      record: toUnifiedCustomer(inactiveClient),
      stale: ["/clients"],
    },
    {
      event: "estimate.created",
      status: draftEstimate.status,
      data: draftEstimate,
      type: "ESTIMATE_CREATED",
      ref: ref("Estimate", draftEstimate.id),
      record: toUnifiedEstimate(draftEstimate),
      stale: ["/estimates"],
    },
    {
      event: "estimate.updated",
      status: sentEstimate.status,
      data: sentEstimate,
      type: "ESTIMATE_UPDATED",
      ref: ref("Estimate", sentEstimate.id),
      record: toUnifiedEstimate(sentEstimate),
      stale: ["/estimates"],
    },
    {
      // The customer's decline arrives as an update (§9).
      event: "estimate.updated",
      status: declinedEstimate.status,
      data: declinedEstimate,
      type: "ESTIMATE_DECLINED",
      ref: ref("Estimate", declinedEstimate.id),
      record: toUnifiedEstimate(declinedEstimate),
      stale: ["/estimates"],
    },
    {
      event: "estimate.accepted",
      status: acceptedEstimate.status,
      data: acceptedEstimate,
      type: "ESTIMATE_ACCEPTED",
      ref: ref("Estimate", acceptedEstimate.id),
      record: toUnifiedEstimate(acceptedEstimate),
      stale: ["/estimates"],
    },
    {
      event: "job.created",
      status: scheduledJob.status,
      data: scheduledJob,
      type: "JOB_CREATED",
      ref: ref("Job", scheduledJob.id),
      record: toUnifiedJob(scheduledJob),
      stale: ["/jobs"],
    },
    {
      event: "job.updated",
      status: startedJob.status,
      data: startedJob,
      type: "JOB_UPDATED",
      ref: ref("Job", startedJob.id),
      record: toUnifiedJob(startedJob),
      stale: ["/jobs"],
    },
    {
      // Jobs stay editable once cancelled: the status alone does not say this update cancelled it.
      event: "job.updated",
      status: cancelledJob.status,
      data: cancelledJob,
      type: "JOB_UPDATED",
      ref: ref("Job", cancelledJob.id),
      record: toUnifiedJob(cancelledJob),
      stale: ["/jobs"],
    },
    {
      event: "job.completed",
      status: completedJob.status,
      data: completedJob,
      type: "JOB_COMPLETED",
      ref: ref("Job", completedJob.id),
      record: toUnifiedJob(completedJob),
      stale: ["/jobs"],
    },
    {
      event: "invoice.created",
      status: sentInvoice.status,
      data: sentInvoice,
      type: "INVOICE_CREATED",
      ref: ref("Invoice", sentInvoice.id),
      record: toUnifiedInvoice(sentInvoice),
      stale: ["/invoices"],
    },
    {
      event: "invoice.paid",
      status: paidInvoice.status,
      data: paidInvoice,
      type: "INVOICE_PAID",
      ref: ref("Invoice", paidInvoice.id),
      record: toUnifiedInvoice(paidInvoice),
      stale: ["/invoices"],
    },
  ];

  it.each(cases)("$event of a $status record -> $type", ({ event, data, type, ref, record, stale }) => {
    expect(parse(delivery(event, data))).toStrictEqual({
      eventId: null,
      sourceEventType: event,
      occurredAt: OCCURRED_AT,
      changes: [{ type, ref, record }],
      stale,
    });
  });

  it("maps statuses and money as reads do", () => {
    const [estimate] = parse(delivery("estimate.accepted", acceptedEstimate)).changes;
    expect(estimate?.record).toMatchObject({
      status: "ACCEPTED",
      sourceStatus: "accepted",
      acceptedAt: acceptedEstimate.accepted_at,
      total: { cents: Math.round(acceptedEstimate.total * 100), currency: "USD" },
    });
    const [client] = parse(delivery("client.updated", inactiveClient)).changes;
    expect(client?.record).toMatchObject({
      __typename: "Customer",
      status: "INACTIVE",
      sourceStatus: "inactive",
    });
    const [invoice] = parse(delivery("invoice.paid", paidInvoice)).changes;
    expect(invoice?.record).toMatchObject({
      status: "PAID",
      number: paidInvoice.invoice_number,
      amountPaid: { cents: Math.round(paidInvoice.amount_paid * 100), currency: "USD" },
    });
  });

  it("accepts fields a newer upstream adds to data, mapping what the reference defines", () => {
    const parsed = parse(delivery("lead.updated", { ...contactedLead, score: 87 }));
    expect(parsed.changes).toStrictEqual([
      { type: "LEAD_UPDATED", ref: ref("Lead", contactedLead.id), record: toUnifiedLead(contactedLead) },
    ]);
  });
});

describe("the reference's examples (§9)", () => {
  it("parses the job.completed request body", () => {
    const body: unknown = JSON.parse(
      '{"type":"job.completed","timestamp":"2026-03-20T15:00:00.000Z","data":{"id":"2a4c6e8f-0b1d-4f3a-9c5e-7a9b1d3f5e7c","client_id":"3f6a8c2e-1b4d-4e7f-9a0c-5d8e1f3a6b9c","estimate_id":null,"status":"completed","service_type":"house_wash","scheduled_date":"2026-03-20","scheduled_time_start":"09:00:00","scheduled_time_end":"11:00:00","customer_name":"Taylor Morgan","service_address":"123 Main St","service_city":"Charlotte","service_state":"NC","service_zip":"28202","price":null,"notes":null,"access_notes":null,"special_instructions":null,"completed_at":"2026-03-20T15:00:00.000Z","created_at":"2026-03-15T10:00:00.000Z","updated_at":"2026-03-20T15:00:00.000Z"}}',
    );
    const job: UnifiedJob = {
      __typename: "Job",
      source: "cleanestimate",
      sourceId: "2a4c6e8f-0b1d-4f3a-9c5e-7a9b1d3f5e7c",
      number: null,
      crewId: null,
      locationId: null,
      customerId: "3f6a8c2e-1b4d-4e7f-9a0c-5d8e1f3a6b9c",
      title: "house_wash - Taylor Morgan",
      description: null,
      status: "COMPLETED",
      sourceStatus: "completed",
      serviceType: "house_wash",
      jobType: null,
      scheduledDate: "2026-03-20",
      scheduledTime: "09:00",
      scheduledEndTime: "11:00",
      durationMinutes: null,
      assignee: null,
      address: {
        line1: "123 Main St",
        line2: null,
        city: "Charlotte",
        region: "NC",
        postalCode: "28202",
        country: null,
      },
      price: null,
      notes: null,
      accessNotes: null,
      specialInstructions: null,
      estimateId: null,
      completedAt: "2026-03-20T15:00:00.000Z",
      completionNotes: null,
      siteVisitCount: 0,
      createdAt: "2026-03-15T10:00:00.000Z",
      updatedAt: "2026-03-20T15:00:00.000Z",
    };
    expect(parse(body)).toStrictEqual({
      eventId: null,
      sourceEventType: "job.completed",
      occurredAt: "2026-03-20T15:00:00.000Z",
      changes: [
        { type: "JOB_COMPLETED", ref: ref("Job", "2a4c6e8f-0b1d-4f3a-9c5e-7a9b1d3f5e7c"), record: job },
      ],
      stale: ["/jobs"],
    });
  });

  it("refuses the signature test vector's body, whose data the reference shortened to an id", () => {
    const body: unknown = JSON.parse(
      '{"type":"lead.created","timestamp":"2026-03-20T14:05:00.000Z","data":{"id":"9b2e4c1d-7f3a-4b8e-a1c6-2d5e8f0a3b7c"}}',
    );
    expect(refusal(body).message).toBe(
      'missing "data.status"; missing "data.customer_name"; missing "data.customer_email" (and 10 more)',
    );
  });
});

describe("bodies that are not the §9 envelope", () => {
  const envelope = { type: "lead.created", timestamp: OCCURRED_AT, data: {} };

  it.each([
    { body: [], message: "body: expected an object, got an array" },
    { body: null, message: "body: expected an object, got null" },
    { body: 42, message: "body: expected an object, got a number" },
    { body: { ...envelope, type: undefined }, message: 'missing "type"' },
    { body: { ...envelope, timestamp: undefined }, message: 'missing "timestamp"' },
    { body: { ...envelope, data: undefined }, message: 'missing "data"' },
    { body: { ...envelope, type: ["lead.created"] }, message: "type: expected a string, got an array" },
    { body: { ...envelope, type: "" }, message: "type: expected the event type" },
    { body: { ...envelope, timestamp: 1774015500 }, message: "timestamp: expected a string, got a number" },
    { body: { ...envelope, timestamp: "soon" }, message: "timestamp: expected an ISO 8601 timestamp" },
    {
      // A CleanItAll body sent to the CleanEstimate Pro endpoint.
      body: { id: "evt_1", event: "job.completed", created_at: OCCURRED_AT, data: {} },
      message: 'missing "type"; missing "timestamp"',
    },
  ])("refuses it: $message", ({ body, message }) => {
    // Through JSON, as on the wire (`undefined` members vanish).
    expect(refusal(JSON.parse(JSON.stringify(body))).message).toBe(message);
  });
});

describe("data that is not the event's resource", () => {
  const lead = seededWith(seeded.leads, "new");
  const client = seededWith(seeded.clients, "active");
  const estimate = seededWith(seeded.estimates, "sent");
  const job = seededWith(seeded.jobs, "completed");
  const invoice = seededWith(seeded.invoices, "paid");
  const { client_id: _clientId, ...jobWithoutClient } = job;

  it.each([
    { event: "job.completed", data: null, message: "data: expected an object, got null" },
    { event: "job.completed", data: [job], message: "data: expected an object, got an array" },
    {
      event: "job.updated",
      data: { ...job, status: "done" },
      message: "data.status: expected one of scheduled, in_progress, completed, cancelled",
    },
    { event: "job.created", data: jobWithoutClient, message: 'missing "data.client_id"' },
    {
      event: "job.created",
      data: { ...job, scheduled_time_start: "9am" },
      message: "data.scheduled_time_start: expected HH:MM:SS",
    },
    {
      event: "lead.created",
      data: { ...lead, service_interest: "house-wash" },
      message: "data.service_interest: expected an array, got a string",
    },
    {
      event: "lead.updated",
      data: { ...lead, service_interest: ["house-wash", 7] },
      message: "data.service_interest[1]: expected a string, got a number",
    },
    {
      event: "client.updated",
      data: { ...client, status: "archived" },
      message: "data.status: expected one of active, inactive",
    },
    {
      event: "estimate.updated",
      data: { ...estimate, status: "rejected" },
      message: "data.status: expected one of draft, sent, accepted, declined, expired",
    },
    {
      event: "estimate.created",
      data: { ...estimate, services: [{ ...estimate.services[0], stories: 1.5 }] },
      message: "data.services[0].stories: expected an integer, got a number",
    },
    {
      event: "invoice.paid",
      data: { ...invoice, total: "414.00" },
      message: "data.total: expected a number, got a string",
    },
    {
      event: "invoice.created",
      data: { ...invoice, due_date: null },
      message: "data.due_date: expected a string, got null",
    },
    {
      // A client where a lead belongs: the first problems are named, the rest counted.
      event: "lead.created",
      data: client,
      message:
        'data.status: expected one of new, contacted, quoted, won, lost; missing "data.customer_name"; missing "data.customer_email" (and 4 more)',
    },
  ])("$event refuses $message", ({ event, data, message }) => {
    expect(refusal(delivery(event, data)).message).toBe(message);
  });
});

describe("event types the reference does not know", () => {
  it("are acknowledged with no change and nothing stale, whatever their data", () => {
    for (const data of [{ id: "2a4c6e8f-0b1d-4f3a-9c5e-7a9b1d3f5e7c" }, "x"]) {
      expect(parse(delivery("invoice.voided", data))).toStrictEqual({
        eventId: null,
        sourceEventType: "invoice.voided",
        occurredAt: OCCURRED_AT,
        changes: [],
        stale: [],
        ignored: "unknown event type invoice.voided",
      });
    }
  });
});

describe("events the simulator emits for API writes and app-side actions", () => {
  const NOW = new Date("2026-03-01T12:30:00.000Z");
  let sim: CleanEstimateSim;
  let http: HttpLayer;
  const events: CleanEstimateEvent[] = [];

  beforeAll(async () => {
    sim = createCleanEstimateSim({
      accounts: [
        {
          id: "demo",
          seed: 1,
          apiKeys: [{ key: CLEANESTIMATE_DEMO_KEY }],
          size: { leads: 5, clients: 5, estimates: 5, jobs: 5, invoices: 5 },
          testSize: { leads: 1, clients: 1, estimates: 1, jobs: 1, invoices: 1 },
        },
      ],
      rateLimit: { limit: 1_000_000, windowMs: 60_000 },
      now: () => NOW,
      onEvent: (_account, event) => events.push(event),
    });
    await sim.listen(0);
    http = new HttpLayer({
      timeoutMs: 2_000,
      retries: 0,
      connections: 4,
      cache: { ttlMs: 0, maxEntries: 10 },
    });
  });

  afterAll(async () => {
    await http.close();
    await sim.close();
  });

  const answered = z.object({ data: z.object({ id: z.string() }) });

  /** One API request to the simulator; returns the id of the record it answered with. */
  async function call(method: string, path: string, body: unknown): Promise<string> {
    const response = await fetch(`${sim.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${CLEANESTIMATE_DEMO_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer: unknown = await response.json();
    if (!response.ok)
      throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return answered.parse(answer).data.id;
  }

  /** How a GraphQL request reads the record: a fresh datasource, by ref. */
  const read = (ref: NodeRef) =>
    new CleanEstimateDatasource(
      new CleanEstimateClient(http, {
        source: "cleanestimate",
        tenantId: "t1",
        baseUrl: sim.baseUrl,
        headers: { authorization: `Bearer ${CLEANESTIMATE_DEMO_KEY}` },
        timeoutMs: 2_000,
      }),
    ).load(ref);

  /**
   * Runs a write and parses the events it emitted, through JSON as delivered (the recorded event's
   * `id` stands for the `webhook-id` header, not the body): parsing calls no upstream, and each
   * event's record equals a read of its ref right after the write.
   */
  async function emitted(write: () => Promise<unknown> | unknown): Promise<string[]> {
    const from = events.length;
    await write();
    sim.control.resetCounts();
    const parsed: ParsedWebhook[] = events
      .slice(from)
      .map(({ type, timestamp, data }) => parse(JSON.parse(JSON.stringify({ type, timestamp, data }))));
    expect(sim.control.snapshot()).toStrictEqual({});
    for (const { changes, occurredAt } of parsed) {
      expect(occurredAt).toBe(NOW.toISOString());
      for (const change of changes) expect(change.record).toStrictEqual(await read(change.ref));
    }
    return parsed.map(
      (event) => `${event.sourceEventType} -> ${event.changes.map((change) => change.type).join()}`,
    );
  }

  it("carry what a read of the record returns, for every event type", async () => {
    let lead = "";
    let client = "";
    let job = "";
    let invoice = "";
    let accepted = "";
    let declined = "";
    const estimate = (status: string) => ({
      customer_name: "Taylor Morgan",
      lead_id: lead,
      services: [{ service_slug: "house_wash", sqft: 2400, stories: 2 }],
      addons: [{ addon_slug: "gutter_brightening" }],
      status,
    });
    const seen = [
      ...(await emitted(async () => {
        lead = await call("POST", "/leads", {
          customer_name: "Taylor Morgan",
          service_interest: ["house-wash"],
        });
      })),
      ...(await emitted(() =>
        call("PATCH", `/leads/${lead}`, { status: "quoted", notes: "Left voicemail." }),
      )),
      ...(await emitted(async () => {
        client = await call("POST", "/clients", {
          name: "Taylor Morgan",
          address_line1: "123 Main St",
          zip: "28202",
        });
      })),
      ...(await emitted(() => call("PATCH", `/clients/${client}`, { status: "inactive" }))),
      ...(await emitted(async () => {
        accepted = await call("POST", "/estimates", estimate("draft"));
        declined = await call("POST", "/estimates", estimate("sent"));
      })),
      ...(await emitted(() => call("PATCH", `/estimates/${accepted}`, { status: "sent" }))),
      ...(await emitted(() => sim.acceptEstimate("demo", accepted))),
      ...(await emitted(() => sim.declineEstimate("demo", declined))),
      ...(await emitted(async () => {
        job = await call("POST", "/jobs", {
          client_id: client,
          estimate_id: accepted,
          service_type: "house_wash",
          scheduled_date: "2026-03-20",
          scheduled_time_start: "09:00:00",
          scheduled_time_end: "11:00:00",
        });
      })),
      ...(await emitted(() => call("PATCH", `/jobs/${job}`, { status: "cancelled" }))),
      ...(await emitted(() => call("PATCH", `/jobs/${job}`, { status: "completed" }))),
      ...(await emitted(() => {
        invoice = sim.createInvoice("demo", {
          client_id: client,
          job_id: job,
          line_items: [{ description: "House wash", quantity: 1, unit_price: 414 }],
        }).id;
      })),
      // A part payment emits nothing; the one that settles the invoice emits `invoice.paid`.
      ...(await emitted(() => sim.recordInvoicePayment("demo", invoice, 100))),
      ...(await emitted(() => sim.recordInvoicePayment("demo", invoice))),
    ];
    expect(seen).toStrictEqual([
      "lead.created -> LEAD_CREATED",
      "lead.updated -> LEAD_UPDATED",
      "client.created -> CUSTOMER_CREATED",
      "client.updated -> CUSTOMER_UPDATED",
      "estimate.created -> ESTIMATE_CREATED",
      "estimate.created -> ESTIMATE_CREATED",
      "estimate.updated -> ESTIMATE_UPDATED",
      "estimate.accepted -> ESTIMATE_ACCEPTED",
      "estimate.updated -> ESTIMATE_DECLINED",
      "job.created -> JOB_CREATED",
      "job.updated -> JOB_UPDATED",
      "job.completed -> JOB_COMPLETED",
      "invoice.created -> INVOICE_CREATED",
      "invoice.paid -> INVOICE_PAID",
    ]);
  });
});
