import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CLEANITALL_DEMO_KEY,
  type CleanItAllAccount,
  type CleanItAllEvent,
  type CleanItAllSim,
  createCleanItAllSim,
} from "../../sim/cleanitall/index.js";
import { CleanItAllClient } from "../../src/datasources/cleanitall/client.js";
import { CleanItAllDatasource } from "../../src/datasources/cleanitall/datasource.js";
import {
  toUnifiedCustomer,
  toUnifiedInvoice,
  toUnifiedJob,
  toUnifiedPayment,
} from "../../src/datasources/cleanitall/mappers.js";
import { cleanItAllWebhookParser } from "../../src/datasources/cleanitall/webhooks.js";
import { HttpLayer } from "../../src/datasources/http.js";
import type { NodeRef, UnifiedJob, UnifiedNode } from "../../src/datasources/unified.js";
import { type ParsedWebhook, WebhookPayloadError } from "../../src/events/types.js";

/**
 * CleanItAll webhook bodies (cleanitall.md §8) into unified events: every event type of the
 * reference's table, built from seeded simulator records, becomes the exact event with the record
 * the read path maps; the reference's own examples parse; a body that is not the envelope, or whose
 * `data` is not the event's resource, is refused naming the bad path; an unknown type is ignored.
 * Last, the events the simulator emits for real writes carry exactly what a read of the record returns.
 */

const EVENT_ID = "evt_8w2k4m6p8r0t2v4x6z8b0d2f";
const OCCURRED_AT = "2026-03-20T14:05:00Z";
const JOBS = ["/jobs"];
const CUSTOMERS = ["/customers"];
const BILLING = ["/invoices", "/payments"];
const EVERYTHING = ["/customers", "/jobs", "/invoices", "/payments"];

const parse = cleanItAllWebhookParser({ currency: "USD" });

/** A delivery's body as the receiver hands it over: parsed JSON of the §8 envelope. */
function delivery(event: string, data: unknown): unknown {
  return JSON.parse(JSON.stringify({ id: EVENT_ID, event, created_at: OCCURRED_AT, data }));
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

const seeded: CleanItAllAccount = createCleanItAllSim().account();

function seededWith<T extends { status: string }>(records: Map<string, T>, status: string, index = 0): T {
  const found = [...records.values()].filter((record) => record.status === status)[index];
  if (!found) throw new Error(`no seeded record with status ${status}`);
  return found;
}

function firstOf<T>(records: Map<string, T>, index = 0): T {
  const found = [...records.values()][index];
  if (!found) throw new Error("no seeded record");
  return found;
}

const ref = (type: NodeRef["type"], sourceId: string, locator?: string): NodeRef => ({
  type,
  source: "cleanitall",
  sourceId,
  ...(locator ? { locator } : {}),
});

describe("every event type of §8", () => {
  const pendingJob = seededWith(seeded.jobs, "pending");
  const startedJob = seededWith(seeded.jobs, "in_progress");
  const completedJob = seededWith(seeded.jobs, "completed");
  const cancelledJob = seededWith(seeded.jobs, "cancelled");
  const newCustomer = firstOf(seeded.customers);
  const changedCustomer = firstOf(seeded.customers, 1);
  const draft = seededWith(seeded.invoices, "draft");
  const sent = seededWith(seeded.invoices, "pending");
  const paid = seededWith(seeded.invoices, "paid");
  const overdue = seededWith(seeded.invoices, "overdue");
  const payment = firstOf(seeded.payments);

  const cases: Array<{
    event: string;
    data: unknown;
    type: string;
    ref: NodeRef;
    record: UnifiedNode;
    stale: string[];
  }> = [
    {
      event: "job.created",
      data: pendingJob,
      type: "JOB_CREATED",
      ref: ref("Job", pendingJob.id),
      record: toUnifiedJob(pendingJob, "USD"),
      stale: JOBS,
    },
    {
      event: "job.updated",
      data: startedJob,
      type: "JOB_UPDATED",
      ref: ref("Job", startedJob.id),
      record: toUnifiedJob(startedJob, "USD"),
      stale: JOBS,
    },
    {
      event: "job.completed",
      data: completedJob,
      type: "JOB_COMPLETED",
      ref: ref("Job", completedJob.id),
      record: toUnifiedJob(completedJob, "USD"),
      stale: JOBS,
    },
    {
      event: "job.cancelled",
      data: cancelledJob,
      type: "JOB_CANCELLED",
      ref: ref("Job", cancelledJob.id),
      record: toUnifiedJob(cancelledJob, "USD"),
      stale: JOBS,
    },
    {
      event: "customer.created",
      data: newCustomer,
      type: "CUSTOMER_CREATED",
      ref: ref("Customer", newCustomer.id),
      record: toUnifiedCustomer(newCustomer),
      stale: CUSTOMERS,
    },
    {
      event: "customer.updated",
      data: changedCustomer,
      type: "CUSTOMER_UPDATED",
      ref: ref("Customer", changedCustomer.id),
      record: toUnifiedCustomer(changedCustomer),
      stale: CUSTOMERS,
    },
    {
      event: "invoice.created",
      data: draft,
      type: "INVOICE_CREATED",
      ref: ref("Invoice", draft.id),
      record: toUnifiedInvoice(draft),
      stale: BILLING,
    },
    {
      event: "invoice.sent",
      data: sent,
      type: "INVOICE_SENT",
      ref: ref("Invoice", sent.id),
      record: toUnifiedInvoice(sent),
      stale: BILLING,
    },
    {
      event: "invoice.paid",
      data: paid,
      type: "INVOICE_PAID",
      ref: ref("Invoice", paid.id),
      record: toUnifiedInvoice(paid),
      stale: BILLING,
    },
    {
      event: "invoice.overdue",
      data: overdue,
      type: "INVOICE_OVERDUE",
      ref: ref("Invoice", overdue.id),
      record: toUnifiedInvoice(overdue),
      stale: ["/invoices"],
    },
    {
      event: "payment.received",
      data: payment,
      type: "PAYMENT_RECEIVED",
      // Payments have no by-id endpoint: the ref locates one through its invoice, as global ids do.
      ref: ref("Payment", payment.id, payment.invoice_id),
      record: toUnifiedPayment(payment),
      stale: BILLING,
    },
  ];

  it.each(cases)("$event -> $type", ({ event, data, type, ref, record, stale }) => {
    expect(parse(delivery(event, data))).toStrictEqual({
      eventId: EVENT_ID,
      sourceEventType: event,
      occurredAt: OCCURRED_AT,
      changes: [{ type, ref, record }],
      stale,
    });
  });

  it("customer.deleted -> CUSTOMER_DELETED of the customer data.id names, with no record", () => {
    expect(parse(delivery("customer.deleted", { id: newCustomer.id }))).toStrictEqual({
      eventId: EVENT_ID,
      sourceEventType: "customer.deleted",
      occurredAt: OCCURRED_AT,
      changes: [{ type: "CUSTOMER_DELETED", ref: ref("Customer", newCustomer.id), record: null }],
      stale: EVERYTHING,
    });
  });

  it("maps statuses and money as reads do: a completed job, a part-paid pending invoice, a payment", () => {
    const [job] = parse(delivery("job.completed", completedJob)).changes;
    expect(job?.record).toMatchObject({
      status: "COMPLETED",
      sourceStatus: "completed",
      completedAt: completedJob.completed_at,
      price: { cents: Math.round((completedJob.price ?? 0) * 100), currency: "USD" },
    });
    const partlyPaid = [...seeded.invoices.values()].find(
      (invoice) => invoice.status === "pending" && invoice.amount_paid > 0,
    );
    if (!partlyPaid) throw new Error("no part-paid seeded invoice");
    const [invoice] = parse(delivery("invoice.sent", partlyPaid)).changes;
    expect(invoice?.record).toMatchObject({
      status: "PARTIALLY_PAID",
      sourceStatus: "pending",
      amountPaid: { cents: Math.round(partlyPaid.amount_paid * 100), currency: "USD" },
    });
    const [received] = parse(delivery("payment.received", payment)).changes;
    expect(received?.record).toMatchObject({
      invoiceId: payment.invoice_id,
      amount: { cents: Math.round(payment.amount * 100), currency: payment.currency },
    });
  });

  it("prices jobs in the configured account currency, which the job itself never states", () => {
    const [change] = cleanItAllWebhookParser({ currency: "EUR" })(
      delivery("job.completed", completedJob),
    ).changes;
    expect(change?.record).toStrictEqual(toUnifiedJob(completedJob, "EUR"));
    expect(change?.record).toMatchObject({ price: { currency: "EUR" } });
  });

  it("accepts fields a newer upstream adds to data, mapping what the reference defines", () => {
    const parsed = parse(delivery("job.updated", { ...startedJob, priority: "high" }));
    expect(parsed.changes).toStrictEqual([
      { type: "JOB_UPDATED", ref: ref("Job", startedJob.id), record: toUnifiedJob(startedJob, "USD") },
    ]);
  });
});

describe("the reference's examples (§8)", () => {
  it("parses the job.completed request body", () => {
    const body: unknown = JSON.parse(
      '{"id":"evt_8w2k4m6p8r0t2v4x6z8b0d2f","event":"job.completed","created_at":"2026-03-20T14:05:00Z","data":{"id":"job_7h2n5q8t1w4y6a9c3e5g7j0m","customer_id":"cus_3k9x2m7q4v8b1n5c6z0p2r4t","title":"Deep clean - 3 bed house","description":"Kitchen, 2 bathrooms, all floors","service_type":"deep_cleaning","status":"completed","scheduled_date":"2026-03-20","scheduled_time":"09:00","duration_minutes":180,"assigned_to":"tm_9a1c3e5g7i9k1m3o5q7s9u1w","address":{"line1":"123 Main St","line2":null,"city":"Austin","state":"TX","postal_code":"78701","country":"US"},"price":240.00,"notes":"Key under the mat","completed_at":"2026-03-20T14:05:00Z","completion_notes":"All rooms done","created_at":"2026-03-01T15:10:00Z","updated_at":"2026-03-20T14:05:00Z"}}',
    );
    const job: UnifiedJob = {
      __typename: "Job",
      source: "cleanitall",
      sourceId: "job_7h2n5q8t1w4y6a9c3e5g7j0m",
      number: null,
      crewId: null,
      locationId: null,
      customerId: "cus_3k9x2m7q4v8b1n5c6z0p2r4t",
      title: "Deep clean - 3 bed house",
      description: "Kitchen, 2 bathrooms, all floors",
      status: "COMPLETED",
      sourceStatus: "completed",
      serviceType: "deep_cleaning",
      jobType: null,
      scheduledDate: "2026-03-20",
      scheduledTime: "09:00",
      scheduledEndTime: null,
      durationMinutes: 180,
      assignee: { sourceId: "tm_9a1c3e5g7i9k1m3o5q7s9u1w", name: null },
      address: {
        line1: "123 Main St",
        line2: null,
        city: "Austin",
        region: "TX",
        postalCode: "78701",
        country: "US",
      },
      price: { cents: 24000, currency: "USD" },
      notes: "Key under the mat",
      accessNotes: null,
      specialInstructions: null,
      estimateId: null,
      completedAt: "2026-03-20T14:05:00Z",
      completionNotes: "All rooms done",
      siteVisitCount: 0,
      createdAt: "2026-03-01T15:10:00Z",
      updatedAt: "2026-03-20T14:05:00Z",
    };
    expect(parse(body)).toStrictEqual({
      eventId: "evt_8w2k4m6p8r0t2v4x6z8b0d2f",
      sourceEventType: "job.completed",
      occurredAt: "2026-03-20T14:05:00Z",
      changes: [{ type: "JOB_COMPLETED", ref: ref("Job", "job_7h2n5q8t1w4y6a9c3e5g7j0m"), record: job }],
      stale: JOBS,
    });
  });

  it("parses the signature test vector's customer.deleted body", () => {
    const body: unknown = JSON.parse(
      '{"id":"evt_8w2k4m6p8r0t2v4x6z8b0d2f","event":"customer.deleted","created_at":"2026-03-20T14:05:00Z","data":{"id":"cus_3k9x2m7q4v8b1n5c6z0p2r4t"}}',
    );
    expect(parse(body)).toStrictEqual({
      eventId: "evt_8w2k4m6p8r0t2v4x6z8b0d2f",
      sourceEventType: "customer.deleted",
      occurredAt: "2026-03-20T14:05:00Z",
      changes: [
        { type: "CUSTOMER_DELETED", ref: ref("Customer", "cus_3k9x2m7q4v8b1n5c6z0p2r4t"), record: null },
      ],
      stale: EVERYTHING,
    });
  });
});

describe("bodies that are not the §8 envelope", () => {
  const envelope = {
    id: EVENT_ID,
    event: "customer.deleted",
    created_at: OCCURRED_AT,
    data: { id: "cus_a1" },
  };

  it.each([
    { body: [], message: "body: expected an object, got an array" },
    { body: null, message: "body: expected an object, got null" },
    { body: "job.completed", message: "body: expected an object, got a string" },
    { body: { ...envelope, id: undefined }, message: 'missing "id"' },
    { body: { ...envelope, event: undefined }, message: 'missing "event"' },
    { body: { ...envelope, created_at: undefined }, message: 'missing "created_at"' },
    { body: { ...envelope, data: undefined }, message: 'missing "data"' },
    { body: { ...envelope, event: 42 }, message: "event: expected a string, got a number" },
    { body: { ...envelope, event: "" }, message: "event: expected the event type" },
    { body: { ...envelope, id: "" }, message: "id: expected the event id" },
    { body: { ...envelope, created_at: "yesterday" }, message: "created_at: expected an ISO 8601 timestamp" },
    {
      // A CleanEstimate Pro body sent to the CleanItAll endpoint.
      body: { type: "job.completed", timestamp: OCCURRED_AT, data: {} },
      message: 'missing "id"; missing "event"; missing "created_at"',
    },
  ])("refuses it: $message", ({ body, message }) => {
    // Through JSON, as on the wire (`undefined` members vanish).
    expect(refusal(JSON.parse(JSON.stringify(body))).message).toBe(message);
  });
});

describe("data that is not the event's resource", () => {
  const job = seededWith(seeded.jobs, "completed");
  const invoice = seededWith(seeded.invoices, "paid");
  const payment = firstOf(seeded.payments);
  const customer = firstOf(seeded.customers);
  const { customer_id: _customerId, ...jobWithoutCustomer } = job;

  it.each([
    { event: "job.completed", data: null, message: "data: expected an object, got null" },
    {
      event: "job.completed",
      data: { ...job, status: "done" },
      message: "data.status: expected one of pending, in_progress, completed, cancelled",
    },
    { event: "job.updated", data: jobWithoutCustomer, message: 'missing "data.customer_id"' },
    {
      event: "job.updated",
      data: { ...job, price: "240.00" },
      message: "data.price: expected a number, got a string",
    },
    {
      event: "job.created",
      data: { ...job, duration_minutes: 1.5 },
      message: "data.duration_minutes: expected an integer, got a number",
    },
    {
      event: "job.created",
      data: { ...job, scheduled_date: "20/03/2026" },
      message: "data.scheduled_date: expected YYYY-MM-DD",
    },
    {
      event: "job.created",
      data: { ...job, address: { ...job.address, city: 7 } },
      message: "data.address.city: expected a string, got a number",
    },
    {
      event: "invoice.paid",
      data: { ...invoice, line_items: [{ description: "Deep clean", unit_price: 240, amount: 240 }] },
      message: 'missing "data.line_items[0].quantity"',
    },
    {
      event: "payment.received",
      data: { ...payment, method: "paypal" },
      message: "data.method: expected one of card, cash, check, bank_transfer, other",
    },
    {
      event: "customer.deleted",
      data: { id: job.id },
      message: "data.id: expected a customer id (cus_…)",
    },
    { event: "customer.deleted", data: {}, message: 'missing "data.id"' },
    {
      // A customer where a job belongs: the first problems are named, the rest counted.
      event: "job.created",
      data: customer,
      message: 'missing "data.customer_id"; missing "data.title"; missing "data.description" (and 9 more)',
    },
  ])("$event refuses $message", ({ event, data, message }) => {
    expect(refusal(delivery(event, data)).message).toBe(message);
  });
});

describe("event types the reference does not know", () => {
  it("are acknowledged with no change and nothing stale, whatever their data", () => {
    for (const data of [{ id: "sub_1", plan: "pro" }, null]) {
      expect(parse(delivery("subscription.renewed", data))).toStrictEqual({
        eventId: EVENT_ID,
        sourceEventType: "subscription.renewed",
        occurredAt: OCCURRED_AT,
        changes: [],
        stale: [],
        ignored: "unknown event type subscription.renewed",
      });
    }
  });
});

describe("events the simulator emits for real writes", () => {
  let clock = new Date("2026-03-01T12:30:00Z");
  let sim: CleanItAllSim;
  let http: HttpLayer;
  let account: CleanItAllAccount;
  const events: CleanItAllEvent[] = [];

  beforeAll(async () => {
    sim = createCleanItAllSim({
      accounts: [
        {
          id: "demo",
          seed: 1,
          size: { customers: 5, jobs: 10, invoices: 5 },
          apiKeys: [{ key: CLEANITALL_DEMO_KEY, scopes: ["read", "write", "delete"] }],
        },
      ],
      rateLimit: { limit: 1_000_000, windowMs: 3_600_000 },
      now: () => clock,
      onEvent: (_account, event) => events.push(event),
    });
    await sim.listen(0);
    account = sim.account("demo");
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

  const created = z.object({ data: z.object({ id: z.string() }) });

  /** One API request to the simulator; returns the id of the record it answered with. */
  async function call(method: string, path: string, body?: unknown): Promise<string> {
    const response = await fetch(`${sim.baseUrl}${path}`, {
      method,
      headers: { "x-api-key": CLEANITALL_DEMO_KEY, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer: unknown = await response.json();
    if (!response.ok)
      throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return created.parse(answer).data.id;
  }

  /** How a GraphQL request reads the record: a fresh datasource, by ref. */
  const read = (ref: NodeRef) =>
    new CleanItAllDatasource(
      new CleanItAllClient(http, {
        source: "cleanitall",
        tenantId: "t1",
        baseUrl: sim.baseUrl,
        headers: { "x-api-key": CLEANITALL_DEMO_KEY },
        timeoutMs: 2_000,
      }),
      "USD",
    ).load(ref);

  /**
   * Runs a write and parses the events it emitted, through JSON as delivered: parsing calls no
   * upstream, and each event's record equals a read of its ref right after the write.
   */
  async function emitted(write: () => Promise<unknown>): Promise<ParsedWebhook[]> {
    const from = events.length;
    await write();
    sim.control.resetCounts();
    const parsed = events.slice(from).map((event) => parse(JSON.parse(JSON.stringify(event))));
    expect(sim.control.snapshot()).toStrictEqual({});
    for (const { changes } of parsed)
      for (const change of changes) expect(change.record).toStrictEqual(await read(change.ref));
    return parsed;
  }

  const summary = (parsed: ParsedWebhook[]) =>
    parsed.map((event) => `${event.sourceEventType} -> ${event.changes.map((change) => change.type).join()}`);

  it("carry what a read of the record returns, for every event type the API can cause", async () => {
    let customer = "";
    let job = "";
    let other = "";
    let invoice = "";
    let due = "";
    const created = await emitted(async () => {
      customer = await call("POST", "/customers", { name: "Webhook Tester", email: "w@example.com" });
      job = await call("POST", "/jobs", {
        customer_id: customer,
        title: "Deep clean",
        scheduled_date: "2026-03-02",
        price: 240.5,
      });
      other = await call("POST", "/jobs", {
        customer_id: customer,
        title: "Windows",
        scheduled_date: "2026-03-03",
      });
      invoice = await call("POST", "/invoices", {
        customer_id: customer,
        job_id: job,
        line_items: [{ description: "Deep clean", quantity: 1, unit_price: 240.5 }],
        tax: 19.8,
      });
      due = await call("POST", "/invoices", {
        customer_id: customer,
        line_items: [{ description: "Windows", unit_price: 90 }],
        due_date: "2026-03-01",
      });
    });
    expect(summary(created)).toStrictEqual([
      "customer.created -> CUSTOMER_CREATED",
      "job.created -> JOB_CREATED",
      "job.created -> JOB_CREATED",
      "invoice.created -> INVOICE_CREATED",
      "invoice.created -> INVOICE_CREATED",
    ]);

    const changed = [];
    for (const write of [
      () => call("PATCH", `/customers/${customer}`, { phone: "+15125550100" }),
      () => call("PATCH", `/jobs/${job}`, { status: "in_progress" }),
      () => call("POST", `/jobs/${job}/complete`, { completion_notes: "Done" }),
      () => call("PATCH", `/jobs/${other}`, { status: "cancelled" }),
      () => call("POST", `/invoices/${invoice}/send`),
      () => call("POST", "/payments", { invoice_id: invoice, amount: 100, method: "card" }),
      () => call("POST", `/invoices/${invoice}/mark-paid`, { payment_method: "cash" }),
      () => call("POST", `/invoices/${due}/send`),
    ])
      changed.push(...summary(await emitted(write)));
    expect(changed).toStrictEqual([
      "customer.updated -> CUSTOMER_UPDATED",
      "job.updated -> JOB_UPDATED",
      "job.completed -> JOB_COMPLETED",
      "job.cancelled -> JOB_CANCELLED",
      "invoice.sent -> INVOICE_SENT",
      "payment.received -> PAYMENT_RECEIVED",
      // mark-paid records the balance as a payment, then the invoice is paid.
      "payment.received -> PAYMENT_RECEIVED",
      "invoice.paid -> INVOICE_PAID",
      "invoice.sent -> INVOICE_SENT",
    ]);

    // Two days on, the next request finds every sent invoice due before then overdue.
    const fallingDue = [...account.invoices.values()]
      .filter((record) => record.status === "pending" && record.due_date < "2026-03-03")
      .map((record) => record.id);
    expect(fallingDue).toContain(due);
    const overdue = await emitted(() => {
      clock = new Date("2026-03-03T09:00:00Z");
      return call("GET", `/invoices/${due}`);
    });
    expect(
      overdue.map((event) => [event.sourceEventType, event.changes.map((c) => c.ref.sourceId)]),
    ).toStrictEqual(fallingDue.map((id) => ["invoice.overdue", [id]]));
    expect(overdue.flatMap((event) => event.changes.map((change) => change.type))).toStrictEqual(
      fallingDue.map(() => "INVOICE_OVERDUE"),
    );
  });
});
