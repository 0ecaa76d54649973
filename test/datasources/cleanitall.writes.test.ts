import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CLEANITALL_DEMO_KEY,
  type CleanItAllAccount,
  type CleanItAllCustomer,
  type CleanItAllInvoice,
  type CleanItAllJob,
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
import { HttpLayer } from "../../src/datasources/http.js";
import type { InvoiceInput } from "../../src/datasources/writes.js";
import {
  GatewayError,
  InputValidationError,
  InvalidStateError,
  NotFoundError,
  UpstreamError,
} from "../../src/errors.js";

/**
 * CleanItAll writes against its simulator over real HTTP: each operation's result is the
 * simulator's stored record mapped as reads map it, inputs are checked before any request, the
 * upstream's rejections come back in the client's field names and the gateway's error classes,
 * writes are sent exactly once, and cached reads are not served after a write that changed them.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const STAMP = "2026-03-01T12:30:00Z";
const TODAY = "2026-03-01";
const WRITE_ONLY_KEY = `jt_live_${"w".repeat(32)}`;
const READ_ONLY_KEY = `jt_live_${"r".repeat(32)}`;
const ROUTE = {
  customers: "GET /api/v1/customers",
  customer: "GET /api/v1/customers/:id",
  createCustomer: "POST /api/v1/customers",
  updateCustomer: "PATCH /api/v1/customers/:id",
  jobs: "GET /api/v1/jobs",
  job: "GET /api/v1/jobs/:id",
  createJob: "POST /api/v1/jobs",
  updateJob: "PATCH /api/v1/jobs/:id",
  completeJob: "POST /api/v1/jobs/:id/complete",
  deleteJob: "DELETE /api/v1/jobs/:id",
  invoices: "GET /api/v1/invoices",
  createInvoice: "POST /api/v1/invoices",
  sendInvoice: "POST /api/v1/invoices/:id/send",
  markPaid: "POST /api/v1/invoices/:id/mark-paid",
  payments: "GET /api/v1/payments",
  createPayment: "POST /api/v1/payments",
} as const;

let sim: CleanItAllSim;
let state: CleanItAllAccount;
let http: HttpLayer;

beforeEach(async () => {
  sim = createCleanItAllSim({
    accounts: [
      {
        id: "demo",
        seed: 1,
        size: { customers: 30, jobs: 80, invoices: 50 },
        apiKeys: [
          { key: CLEANITALL_DEMO_KEY, scopes: ["read", "write", "delete"] },
          { key: WRITE_ONLY_KEY, scopes: ["read", "write"] },
          { key: READ_ONLY_KEY, scopes: ["read"] },
        ],
      },
    ],
    rateLimit: { limit: 1_000_000_000, windowMs: 3_600_000 },
    now: () => NOW,
  });
  await sim.listen(0);
  state = sim.account("demo");
  // Retries on and a long cache: a write must still be sent once, and reads must not be stale.
  http = new HttpLayer({
    timeoutMs: 2_000,
    retries: 2,
    retryBaseDelayMs: 0,
    connections: 4,
    cache: { ttlMs: 60_000, maxEntries: 1_000 },
  });
});

afterEach(async () => {
  await http.close();
  await sim.close();
});

/** A datasource as one GraphQL request gets it. */
function fresh(key = CLEANITALL_DEMO_KEY): CleanItAllDatasource {
  return new CleanItAllDatasource(
    new CleanItAllClient(http, {
      source: "cleanitall",
      tenantId: "t1",
      baseUrl: sim.baseUrl,
      headers: { "x-api-key": key },
      timeoutMs: 2_000,
    }),
    "USD",
  );
}

const writes = (key?: string) => fresh(key).writes;

/** Upstream requests so far, per route. */
const requests = () => sim.control.snapshot();

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected the write to fail");
}

const fieldsOf = (error: GatewayError) => (error as InputValidationError).fields;

function customerWhere(accept: (customer: CleanItAllCustomer) => boolean): CleanItAllCustomer {
  const found = [...state.customers.values()].find(accept);
  if (!found) throw new Error("seed has no such customer");
  return found;
}

function jobWhere(accept: (job: CleanItAllJob) => boolean): CleanItAllJob {
  const found = [...state.jobs.values()].find(accept);
  if (!found) throw new Error("seed has no such job");
  return found;
}

function invoiceWhere(accept: (invoice: CleanItAllInvoice) => boolean): CleanItAllInvoice {
  const found = [...state.invoices.values()].find(accept);
  if (!found) throw new Error("seed has no such invoice");
  return found;
}

const hasInvoice = (job: CleanItAllJob) =>
  [...state.invoices.values()].some((invoice) => invoice.job_id === job.id);

describe("CleanItAll writes: what the source supports", () => {
  it("has no customer delete and no invoice edit or delete, and says why", () => {
    const source = writes();
    expect(source.unsupported).toEqual({
      deleteCustomer:
        "CleanItAll customers are deleted only in its dashboard; its API has no customer delete.",
      updateInvoice:
        "CleanItAll invoices cannot be edited or deleted through its API; they change through send, mark-paid and payments.",
      deleteInvoice:
        "CleanItAll invoices cannot be edited or deleted through its API; they change through send, mark-paid and payments.",
    });
    expect("deleteCustomer" in source).toBe(false);
    expect("updateInvoice" in source).toBe(false);
    expect("deleteInvoice" in source).toBe(false);
    expect("nativeIdempotency" in source).toBe(false);
  });
});

describe("CleanItAll writes: customers", () => {
  it("creates a customer with every field, mapped like a read, in one request", async () => {
    const { record, replayed, incomplete } = await writes().createCustomer(
      {
        name: "Jane Cooper",
        email: "jane@example.com",
        phone: "+15125550100",
        address: { line1: "123 Main St", city: "Austin", region: "TX", postalCode: "78701", country: "US" },
        notes: "Two dogs",
      },
      { idempotencyKey: "ignored-by-cleanitall" },
    );
    const stored = state.customers.get(record.sourceId);
    expect(stored).toEqual({
      id: record.sourceId,
      name: "Jane Cooper",
      email: "jane@example.com",
      phone: "+15125550100",
      address: {
        line1: "123 Main St",
        line2: null,
        city: "Austin",
        state: "TX",
        postal_code: "78701",
        country: "US",
      },
      notes: "Two dogs",
      created_at: STAMP,
      updated_at: STAMP,
    });
    expect(record).toEqual(toUnifiedCustomer(stored!));
    expect(record.address).toEqual({
      line1: "123 Main St",
      line2: null,
      city: "Austin",
      region: "TX",
      postalCode: "78701",
      country: "US",
    });
    expect(replayed).toBe(false);
    expect(incomplete).toBeUndefined();
    expect(requests()).toEqual({ [ROUTE.createCustomer]: 1 });
  });

  it("counts lengths in characters, as the upstream does", async () => {
    const name = "🧹".repeat(255);
    const { record } = await writes().createCustomer({ name }, {});
    expect(state.customers.get(record.sourceId)?.name).toBe(name);
    const error = await failure(writes().createCustomer({ name: `${name}🧹` }, {}));
    expect(fieldsOf(error)).toEqual([{ path: "input.name", message: "must be at most 255 characters" }]);
  });

  it("rejects every bad or unsupported field before any request", async () => {
    const before = state.customers.size;
    const error = await failure(
      writes().createCustomer(
        {
          firstName: "Jane",
          status: "ACTIVE",
          email: "jane.example.com",
          phone: "5".repeat(51),
          notes: "n".repeat(5001),
          address: { postalCode: "1".repeat(21), country: "usa" },
        },
        {},
      ),
    );
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.extensions).toEqual({
      code: "BAD_USER_INPUT",
      fields: [
        { path: "input.firstName", message: "is not supported by CleanItAll customers" },
        { path: "input.status", message: "is not supported by CleanItAll customers" },
        { path: "input.name", message: "is required" },
        { path: "input.email", message: "must be a valid email address" },
        { path: "input.phone", message: "must be at most 50 characters" },
        { path: "input.notes", message: "must be at most 5000 characters" },
        { path: "input.address.postalCode", message: "must be at most 20 characters" },
        { path: "input.address.country", message: "must be a 2-letter ISO country code, e.g. US" },
      ],
    });
    expect(requests()).toEqual({});
    expect(state.customers.size).toBe(before);
  });

  it("maps the upstream's field errors to the client's paths", async () => {
    // `ZZ` has the shape of a country code, but is not an ISO 3166-1 country: only CleanItAll knows.
    const error = await failure(
      writes().createCustomer({ name: "Jane", address: { region: "TX", country: "ZZ" } }, {}),
    );
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.extensions).toEqual({
      code: "BAD_USER_INPUT",
      source: "cleanitall",
      fields: [{ path: "input.address.country", message: "is invalid" }],
    });
    expect(requests()).toEqual({ [ROUTE.createCustomer]: 1 });
  });

  it("updates only the given fields; null clears; the address is replaced as a whole", async () => {
    const customer = customerWhere((c) => c.email !== null && c.phone !== null && c.address !== null);
    const original = structuredClone(customer);
    const updated = await writes().updateCustomer(customer.id, {
      email: "new@example.com",
      phone: null,
      address: { line1: "9 Elm St", postalCode: "78702" },
    });
    const stored = state.customers.get(customer.id)!;
    expect(stored).toEqual({
      ...original,
      email: "new@example.com",
      phone: null,
      address: {
        line1: "9 Elm St",
        line2: null,
        city: null,
        state: null,
        postal_code: "78702",
        country: null,
      },
      updated_at: STAMP,
    });
    expect(updated).toEqual(toUnifiedCustomer(stored));
    expect(requests()).toEqual({ [ROUTE.updateCustomer]: 1 });
  });

  it("refuses to clear or empty the name, before any request", async () => {
    const customer = customerWhere(() => true);
    const cleared = await failure(writes().updateCustomer(customer.id, { name: null, taxId: "X1" }));
    expect(fieldsOf(cleared)).toEqual([
      { path: "input.taxId", message: "is not supported by CleanItAll customers" },
      { path: "input.name", message: "cannot be null" },
    ]);
    const blank = await failure(writes().updateCustomer(customer.id, { name: "  " }));
    expect(fieldsOf(blank)).toEqual([{ path: "input.name", message: "cannot be blank" }]);
    expect(requests()).toEqual({});
  });

  it("reports an unknown customer as not found", async () => {
    const error = await failure(writes().updateCustomer("cus_doesnotexist0000000000000", { notes: "x" }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe("CleanItAll customer cus_doesnotexist0000000000000 not found");
    expect(error.extensions).toEqual({ code: "NOT_FOUND", source: "cleanitall" });
  });

  it("says which scope the tenant's key lacks", async () => {
    const error = await failure(writes(READ_ONLY_KEY).createCustomer({ name: "Jane" }, {}));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toBe(
      "The tenant's CleanItAll API key lacks the `write` scope, which CleanItAll POST /customers needs: grant it in CleanItAll (Settings → API Keys).",
    );
    expect(error.extensions).toEqual({ code: "UPSTREAM_ERROR", source: "cleanitall", upstreamStatus: 403 });
    expect(error.message).not.toContain(READ_ONLY_KEY);
  });

  it("reads its own writes: a cached list is not served after a create", async () => {
    const list = () => fresh().lists.customers({}).fetch(0, 5);
    await list();
    await list();
    expect(requests()).toEqual({ [ROUTE.customers]: 1 });
    const { record } = await writes().createCustomer({ name: "Newest Customer" }, {});
    const after = await list();
    expect(after.records[0]).toEqual(record);
    expect(requests()).toEqual({ [ROUTE.customers]: 2, [ROUTE.createCustomer]: 1 });
  });

  it("reads its own writes within one request: records loaded before an update are not reused", async () => {
    const customer = customerWhere(() => true);
    const ds = fresh();
    const ref = { type: "Customer", source: "cleanitall", sourceId: customer.id } as const;
    await ds.load(ref);
    await ds.load(ref);
    expect(requests()).toEqual({ [ROUTE.customer]: 1 });
    await ds.writes.updateCustomer(customer.id, { name: "Renamed Customer" });
    expect(await ds.load(ref)).toMatchObject({ name: "Renamed Customer" });
    expect(await fresh().load(ref)).toMatchObject({ name: "Renamed Customer" });
    expect(requests()).toEqual({ [ROUTE.customer]: 2, [ROUTE.updateCustomer]: 1 });
  });
});

describe("CleanItAll writes: jobs", () => {
  it("creates a job with every field, statuses and money mapped", async () => {
    const customer = customerWhere(() => true);
    const assignee = state.teamMemberIds[3]!;
    const { record, replayed } = await writes().createJob(
      {
        customerId: customer.id,
        title: "Deep clean - 3 bed house",
        description: "Kitchen, 2 bathrooms",
        serviceType: "deep_cleaning",
        scheduledDate: "2026-03-20",
        scheduledTime: "09:00",
        durationMinutes: 180,
        assigneeId: assignee,
        address: { line1: "1 Oak Ave", city: "Austin", region: "TX", postalCode: "78701", country: "US" },
        price: "240.50",
        notes: "Key under the mat",
        status: "IN_PROGRESS",
      },
      {},
    );
    const stored = state.jobs.get(record.sourceId)!;
    expect(stored).toEqual({
      id: record.sourceId,
      customer_id: customer.id,
      title: "Deep clean - 3 bed house",
      description: "Kitchen, 2 bathrooms",
      service_type: "deep_cleaning",
      status: "in_progress",
      scheduled_date: "2026-03-20",
      scheduled_time: "09:00",
      duration_minutes: 180,
      assigned_to: assignee,
      address: {
        line1: "1 Oak Ave",
        line2: null,
        city: "Austin",
        state: "TX",
        postal_code: "78701",
        country: "US",
      },
      price: 240.5,
      notes: "Key under the mat",
      completed_at: null,
      completion_notes: null,
      created_at: STAMP,
      updated_at: STAMP,
    });
    expect(record).toEqual(toUnifiedJob(stored, "USD"));
    expect(record.status).toBe("IN_PROGRESS");
    expect(record.price).toEqual({ cents: 24050, currency: "USD" });
    expect(replayed).toBe(false);
    expect(requests()).toEqual({ [ROUTE.createJob]: 1 });
  });

  it("creates a SCHEDULED job at the customer's address when no address is given", async () => {
    const customer = customerWhere((c) => c.address !== null);
    const { record } = await writes().createJob(
      { customerId: customer.id, title: "Standard clean", scheduledDate: "2026-03-05" },
      {},
    );
    const stored = state.jobs.get(record.sourceId)!;
    expect(stored.status).toBe("pending");
    expect(stored.address).toEqual(customer.address);
    expect(record.status).toBe("SCHEDULED");
    expect(record.price).toBeNull();
  });

  it("rejects every bad or unsupported field before any request", async () => {
    const before = state.jobs.size;
    const error = await failure(
      writes().createJob(
        {
          accessNotes: "Gate code 1234",
          title: "",
          scheduledTime: "9am",
          durationMinutes: 1.5,
          price: "-1",
          status: "COMPLETED",
          address: { region: "x".repeat(101) },
        },
        {},
      ),
    );
    expect(error.extensions).toEqual({
      code: "BAD_USER_INPUT",
      fields: [
        { path: "input.accessNotes", message: "is not supported by CleanItAll jobs" },
        { path: "input.customerId", message: "is required" },
        { path: "input.title", message: "is required" },
        { path: "input.scheduledDate", message: "is required" },
        { path: "input.scheduledTime", message: "must be a time as HH:MM (24 h)" },
        { path: "input.durationMinutes", message: "must be a whole number" },
        { path: "input.price", message: "must be at least 0" },
        { path: "input.status", message: "cannot be set to COMPLETED here: use the completeJob mutation" },
        { path: "input.address.region", message: "must be at most 100 characters" },
      ],
    });
    const more = await failure(
      writes().createJob(
        {
          customerId: "cus_x",
          title: "t",
          scheduledDate: "2026-02-30",
          price: "1.234",
          durationMinutes: 0,
          status: "UNSCHEDULED",
        },
        {},
      ),
    );
    expect(fieldsOf(more)).toEqual([
      { path: "input.scheduledDate", message: "must be a date as YYYY-MM-DD" },
      { path: "input.durationMinutes", message: "must be at least 1" },
      { path: "input.price", message: "must have at most 2 decimals" },
      {
        path: "input.status",
        message: "UNSCHEDULED is not a CleanItAll status: every CleanItAll job has a scheduled date",
      },
    ]);
    const cancelled = await failure(
      writes().createJob({ customerId: "cus_x", title: "t", scheduledDate: TODAY, status: "CANCELLED" }, {}),
    );
    expect(fieldsOf(cancelled)).toEqual([
      { path: "input.status", message: "must be one of: SCHEDULED, IN_PROGRESS" },
    ]);
    expect(requests()).toEqual({});
    expect(state.jobs.size).toBe(before);
  });

  it("maps unknown customers and team members to the client's fields", async () => {
    const error = await failure(
      writes().createJob(
        {
          customerId: "cus_doesnotexist0000000000000",
          title: "Clean",
          scheduledDate: TODAY,
          assigneeId: "tm_nobody",
          address: { postalCode: "78701", country: "ZZ" },
        },
        {},
      ),
    );
    expect(error.extensions).toEqual({
      code: "BAD_USER_INPUT",
      source: "cleanitall",
      fields: [
        { path: "input.customerId", message: "does not exist" },
        { path: "input.assigneeId", message: "does not exist" },
        { path: "input.address.country", message: "is invalid" },
      ],
    });
    expect(requests()).toEqual({ [ROUTE.createJob]: 1 });
  });

  it("updates given fields, clears with null, and cancels", async () => {
    const job = jobWhere((j) => j.status === "pending" && j.assigned_to !== null && j.price !== null);
    const original = structuredClone(job);
    const updated = await writes().updateJob(job.id, {
      title: "Move-out clean",
      assigneeId: null,
      price: null,
      address: null,
      scheduledTime: "14:30",
      status: "CANCELLED",
    });
    const stored = state.jobs.get(job.id)!;
    expect(stored).toEqual({
      ...original,
      title: "Move-out clean",
      assigned_to: null,
      price: null,
      address: null,
      scheduled_time: "14:30",
      status: "cancelled",
      updated_at: STAMP,
    });
    expect(updated).toEqual(toUnifiedJob(stored, "USD"));
    expect(updated.status).toBe("CANCELLED");
    expect(requests()).toEqual({ [ROUTE.updateJob]: 1 });
  });

  it("points COMPLETED at completeJob and refuses to clear required fields, before any request", async () => {
    const job = jobWhere((j) => j.status === "pending");
    const error = await failure(
      writes().updateJob(job.id, { status: "COMPLETED", title: null, customerId: null, scheduledDate: null }),
    );
    expect(fieldsOf(error)).toEqual([
      { path: "input.customerId", message: "cannot be null" },
      { path: "input.title", message: "cannot be null" },
      { path: "input.scheduledDate", message: "cannot be null" },
      { path: "input.status", message: "cannot be set to COMPLETED here: use the completeJob mutation" },
    ]);
    const nullStatus = await failure(writes().updateJob(job.id, { status: null }));
    expect(fieldsOf(nullStatus)).toEqual([{ path: "input.status", message: "cannot be null" }]);
    expect(requests()).toEqual({});
  });

  it("maps the upstream's state rule and unknown jobs", async () => {
    const cancelled = jobWhere((j) => j.status === "cancelled");
    const error = await failure(writes().updateJob(cancelled.id, { status: "SCHEDULED" }));
    expect(error).toBeInstanceOf(InvalidStateError);
    expect(error.message).toBe("Job status cannot be changed from cancelled");
    expect(error.extensions).toEqual({ code: "INVALID_STATE", source: "cleanitall" });
    expect(state.jobs.get(cancelled.id)?.status).toBe("cancelled");

    const missing = await failure(writes().updateJob("job_nope", { title: "x" }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toBe("CleanItAll job job_nope not found");
    expect(requests()).toEqual({ [ROUTE.updateJob]: 2 });
  });

  it("reads its own writes: a cached job is not served after an update", async () => {
    const job = jobWhere((j) => j.status === "pending");
    const ref = { type: "Job", source: "cleanitall", sourceId: job.id } as const;
    await fresh().load(ref);
    await fresh().load(ref);
    expect(requests()).toEqual({ [ROUTE.job]: 1 });
    await writes().updateJob(job.id, { notes: "Ring twice" });
    expect(await fresh().load(ref)).toMatchObject({ notes: "Ring twice" });
    expect(requests()).toEqual({ [ROUTE.job]: 2, [ROUTE.updateJob]: 1 });
  });

  it("completes a job with a time and notes, or now without them", async () => {
    const [first, second] = [...state.jobs.values()].filter((j) => j.status === "pending");
    const completed = await writes().completeJob(first!.id, {
      completedAt: "2026-03-01T08:00:00-06:00",
      completionNotes: "All rooms done",
    });
    const stored = state.jobs.get(first!.id)!;
    expect(stored).toMatchObject({
      status: "completed",
      completed_at: "2026-03-01T14:00:00Z",
      completion_notes: "All rooms done",
      updated_at: STAMP,
    });
    expect(completed).toEqual(toUnifiedJob(stored, "USD"));
    expect(completed.status).toBe("COMPLETED");

    const now = await writes().completeJob(second!.id, { completedAt: null, completionNotes: null });
    expect(state.jobs.get(second!.id)).toMatchObject({
      status: "completed",
      completed_at: STAMP,
      completion_notes: null,
    });
    expect(now.completedAt).toBe(STAMP);
    expect(requests()).toEqual({ [ROUTE.completeJob]: 2 });
  });

  it("maps completion failures: bad notes locally, bad time upstream, state rules, unknown jobs", async () => {
    const pending = jobWhere((j) => j.status === "pending");
    const long = await failure(writes().completeJob(pending.id, { completionNotes: "n".repeat(5001) }));
    expect(fieldsOf(long)).toEqual([
      { path: "input.completionNotes", message: "must be at most 5000 characters" },
    ]);
    expect(requests()).toEqual({});

    const badTime = await failure(writes().completeJob(pending.id, { completedAt: "yesterday" }));
    expect(badTime.extensions).toEqual({
      code: "BAD_USER_INPUT",
      source: "cleanitall",
      fields: [{ path: "input.completedAt", message: "is invalid" }],
    });

    const done = jobWhere((j) => j.status === "completed");
    const again = await failure(writes().completeJob(done.id, {}));
    expect(again).toBeInstanceOf(InvalidStateError);
    expect(again.message).toBe("Job is already completed");
    const cancelled = jobWhere((j) => j.status === "cancelled");
    expect((await failure(writes().completeJob(cancelled.id, {}))).message).toBe(
      "Cancelled jobs cannot be completed",
    );
    const missing = await failure(writes().completeJob("job_nope", {}));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toBe("CleanItAll job job_nope not found");
    expect(requests()).toEqual({ [ROUTE.completeJob]: 4 });
  });

  it("deletes a job without invoices, refuses one with invoices", async () => {
    const free = jobWhere((j) => !hasInvoice(j));
    expect(await writes().deleteJob(free.id)).toEqual({ permanent: true });
    expect(state.jobs.has(free.id)).toBe(false);

    const billed = jobWhere(hasInvoice);
    const error = await failure(writes().deleteJob(billed.id));
    expect(error).toBeInstanceOf(InvalidStateError);
    expect(error.message).toBe("Job has invoices and cannot be deleted");
    expect(state.jobs.has(billed.id)).toBe(true);

    const missing = await failure(writes().deleteJob(free.id));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toBe(`CleanItAll job ${free.id} not found`);
    expect(requests()).toEqual({ [ROUTE.deleteJob]: 3 });
  });

  it("says the key lacks the delete scope", async () => {
    const free = jobWhere((j) => !hasInvoice(j));
    const error = await failure(writes(WRITE_ONLY_KEY).deleteJob(free.id));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toBe(
      "The tenant's CleanItAll API key lacks the `delete` scope, which CleanItAll DELETE /jobs/:id needs: grant it in CleanItAll (Settings → API Keys).",
    );
    expect(state.jobs.has(free.id)).toBe(true);
  });

  it("reads its own writes: a cached job list is not served after a delete or a create", async () => {
    const customer = customerWhere(() => true);
    const list = () => fresh().lists.jobs({ customerId: customer.id })!.fetch(0, 100);
    const before = await list();
    await list();
    expect(requests()).toEqual({ [ROUTE.jobs]: 1 });
    const free = before.records.find((job) => !hasInvoice(state.jobs.get(job.sourceId)!))!;
    await writes().deleteJob(free.sourceId);
    const afterDelete = await list();
    expect(afterDelete.total).toBe(before.total - 1);
    expect(afterDelete.records.map((job) => job.sourceId)).not.toContain(free.sourceId);
    const { record } = await writes().createJob(
      { customerId: customer.id, title: "Window wash", scheduledDate: "2026-03-09" },
      {},
    );
    const afterCreate = await list();
    expect(afterCreate.total).toBe(before.total);
    expect(afterCreate.records[0]).toEqual(record);
    expect(requests()).toEqual({ [ROUTE.jobs]: 3, [ROUTE.deleteJob]: 1, [ROUTE.createJob]: 1 });
  });
});

describe("CleanItAll writes: invoices and payments", () => {
  /** A customer with an e-mail address and a job that is not billed yet. */
  function billable(): { customer: CleanItAllCustomer; job: CleanItAllJob } {
    const job = jobWhere((j) => !hasInvoice(j) && state.customers.get(j.customer_id)?.email != null);
    return { customer: state.customers.get(job.customer_id)!, job };
  }

  const invoiceInput = (customerId: string, extra: Partial<InvoiceInput> = {}): InvoiceInput => ({
    customerId,
    lineItems: [
      { description: "Deep clean - 3 bed house", quantity: 1, unitPrice: "240.00" },
      { description: "Oven", quantity: 1.5, unitPrice: "19.99" },
    ],
    ...extra,
  });

  it("creates a draft invoice with computed amounts and the next number", async () => {
    const { customer, job } = billable();
    const number = `INV-${String(state.nextInvoiceNumber).padStart(4, "0")}`;
    const { record, replayed, incomplete } = await writes().createInvoice(
      invoiceInput(customer.id, {
        jobId: job.id,
        tax: "19.80",
        currency: "EUR",
        issueDate: "2026-03-02",
        dueDate: "2026-04-01",
      }),
      {},
    );
    const stored = state.invoices.get(record.sourceId)!;
    expect(stored).toEqual({
      id: record.sourceId,
      number,
      customer_id: customer.id,
      job_id: job.id,
      status: "draft",
      line_items: [
        { description: "Deep clean - 3 bed house", quantity: 1, unit_price: 240, amount: 240 },
        { description: "Oven", quantity: 1.5, unit_price: 19.99, amount: 29.99 },
      ],
      subtotal: 269.99,
      tax: 19.8,
      total: 289.79,
      amount_paid: 0,
      currency: "EUR",
      issue_date: "2026-03-02",
      due_date: "2026-04-01",
      sent_at: null,
      paid_at: null,
      created_at: STAMP,
      updated_at: STAMP,
    });
    expect(record).toEqual(toUnifiedInvoice(stored));
    expect(record.status).toBe("DRAFT");
    expect(record.total).toEqual({ cents: 28979, currency: "EUR" });
    expect(replayed).toBe(false);
    expect(incomplete).toBeUndefined();
    expect(requests()).toEqual({ [ROUTE.createInvoice]: 1 });
  });

  it("rejects every bad or unsupported field before any request", async () => {
    const before = state.invoices.size;
    const error = await failure(
      writes().createInvoice(
        {
          notes: "Thanks!",
          lineItems: [
            { quantity: 0, unitPrice: "-1", taxRate: 8.25 },
            { description: "d".repeat(1001), quantity: 1, unitPrice: "10.005" },
          ],
          tax: "-2",
          currency: "usd",
          issueDate: "2026-03-10",
          dueDate: "2026-03-09",
        },
        {},
      ),
    );
    expect(error.extensions).toEqual({
      code: "BAD_USER_INPUT",
      fields: [
        { path: "input.notes", message: "is not supported by CleanItAll invoices" },
        { path: "input.customerId", message: "is required" },
        { path: "input.lineItems[0].taxRate", message: "is not supported by CleanItAll line items" },
        { path: "input.lineItems[0].description", message: "is required" },
        { path: "input.lineItems[0].quantity", message: "must be greater than 0" },
        { path: "input.lineItems[0].unitPrice", message: "must be at least 0" },
        { path: "input.lineItems[1].description", message: "must be at most 1000 characters" },
        { path: "input.lineItems[1].unitPrice", message: "must have at most 2 decimals" },
        { path: "input.tax", message: "must be at least 0" },
        { path: "input.currency", message: "must be a 3-letter ISO currency code, e.g. USD" },
        { path: "input.dueDate", message: "must be on or after issueDate" },
      ],
    });
    const empty = await failure(writes().createInvoice({ customerId: "cus_x", lineItems: [] }, {}));
    expect(fieldsOf(empty)).toEqual([{ path: "input.lineItems", message: "must have at least one item" }]);
    expect(requests()).toEqual({});
    expect(state.invoices.size).toBe(before);
  });

  it("maps the upstream's rejections: unknown customer, another customer's job, a due date before today", async () => {
    const { job } = billable();
    const other = customerWhere((c) => c.id !== job.customer_id);
    const wrongJob = await failure(writes().createInvoice(invoiceInput(other.id, { jobId: job.id }), {}));
    expect(wrongJob.extensions).toEqual({
      code: "BAD_USER_INPUT",
      source: "cleanitall",
      fields: [{ path: "input.jobId", message: "is invalid" }],
    });
    const unknown = await failure(
      writes().createInvoice(invoiceInput("cus_doesnotexist0000000000000", { currency: "XYZ" }), {}),
    );
    expect(fieldsOf(unknown)).toEqual([
      { path: "input.customerId", message: "does not exist" },
      { path: "input.currency", message: "is invalid" },
    ]);
    // Without an issue date the upstream compares with its own today.
    const pastDue = await failure(
      writes().createInvoice(invoiceInput(other.id, { dueDate: "2026-02-28" }), {}),
    );
    expect(fieldsOf(pastDue)).toEqual([{ path: "input.dueDate", message: "is invalid" }]);
    expect(requests()).toEqual({ [ROUTE.createInvoice]: 3 });
  });

  it("creates and sends in two requests when asked", async () => {
    const { customer } = billable();
    const { record, incomplete } = await writes().createInvoice(
      invoiceInput(customer.id, { send: true }),
      {},
    );
    const stored = state.invoices.get(record.sourceId)!;
    expect(stored).toMatchObject({ status: "pending", sent_at: STAMP });
    expect(record).toEqual(toUnifiedInvoice(stored));
    expect(record.status).toBe("SENT");
    expect(incomplete).toBeUndefined();
    expect(state.events.map((event) => event.event)).toEqual(["invoice.created", "invoice.sent"]);
    expect(requests()).toEqual({ [ROUTE.createInvoice]: 1, [ROUTE.sendInvoice]: 1 });
  });

  it("keeps the created draft when sending fails, and says what was not done", async () => {
    const customer = customerWhere(() => true);
    customer.email = null;
    const { record, replayed, incomplete } = await writes().createInvoice(
      invoiceInput(customer.id, { send: true }),
      {},
    );
    const stored = state.invoices.get(record.sourceId)!;
    expect(stored.status).toBe("draft");
    expect(record).toEqual(toUnifiedInvoice(stored));
    expect(replayed).toBe(false);
    expect(incomplete).toBeInstanceOf(GatewayError);
    expect(incomplete?.message).toBe(
      `invoice ${stored.number} (${stored.id}) was created as a draft but sending failed: The invoice's customer has no email address: add one with updateCustomer, then send the invoice again.`,
    );
    expect(incomplete?.extensions).toEqual({ code: "INVALID_STATE", source: "cleanitall" });
    expect(requests()).toEqual({ [ROUTE.createInvoice]: 1, [ROUTE.sendInvoice]: 1 });
  });

  it("keeps the created draft when the send request fails upstream, and does not resend it", async () => {
    const { customer } = billable();
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.sendInvoice });
    const { record, incomplete } = await writes().createInvoice(
      invoiceInput(customer.id, { send: true }),
      {},
    );
    expect(state.invoices.get(record.sourceId)?.status).toBe("draft");
    expect(record.status).toBe("DRAFT");
    expect(incomplete?.message).toBe(
      `invoice ${record.number} (${record.sourceId}) was created as a draft but sending failed: cleanitall POST /invoices/:id/send failed: HTTP 503`,
    );
    expect(incomplete?.extensions).toEqual({
      code: "UPSTREAM_UNAVAILABLE",
      source: "cleanitall",
      upstreamStatus: 503,
    });
    expect(requests()).toEqual({ [ROUTE.createInvoice]: 1, [ROUTE.sendInvoice]: 1 });
  });

  it("never retries a create, even on a retryable failure", async () => {
    const { customer } = billable();
    const before = state.invoices.size;
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.createInvoice, times: 1 });
    const error = await failure(writes().createInvoice(invoiceInput(customer.id), {}));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", upstreamStatus: 503 });
    expect(state.invoices.size).toBe(before);
    expect(requests()).toEqual({ [ROUTE.createInvoice]: 1 });
  });

  it("sends a draft invoice; refuses paid ones and customers without e-mail; unknown ids are not found", async () => {
    const draft = invoiceWhere(
      (i) => i.status === "draft" && state.customers.get(i.customer_id)?.email != null,
    );
    const sent = await writes().sendInvoice(draft.id);
    expect(state.invoices.get(draft.id)).toMatchObject({
      status: "pending",
      sent_at: STAMP,
      updated_at: STAMP,
    });
    expect(sent).toEqual(toUnifiedInvoice(state.invoices.get(draft.id)!));

    const paid = invoiceWhere(
      (i) => i.status === "paid" && state.customers.get(i.customer_id)?.email != null,
    );
    const paidError = await failure(writes().sendInvoice(paid.id));
    expect(paidError).toBeInstanceOf(InvalidStateError);
    expect(paidError.message).toBe("Invoice cannot be sent in status paid");

    const other = invoiceWhere((i) => i.status === "draft" && i.id !== draft.id);
    state.customers.get(other.customer_id)!.email = null;
    const noEmail = await failure(writes().sendInvoice(other.id));
    expect(noEmail).toBeInstanceOf(InvalidStateError);
    expect(noEmail.message).toBe(
      "The invoice's customer has no email address: add one with updateCustomer, then send the invoice again.",
    );
    expect(state.invoices.get(other.id)?.status).toBe("draft");

    const missing = await failure(writes().sendInvoice("inv_nope"));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toBe("CleanItAll invoice inv_nope not found");
    expect(requests()).toEqual({ [ROUTE.sendInvoice]: 4 });
  });

  it("marks an invoice paid, recording a payment for the amount", async () => {
    const open = invoiceWhere((i) => i.status === "overdue" && i.amount_paid === 0);
    const paid = await writes().markInvoicePaid(open.id, {
      paidAt: "2026-03-01T10:00:00+01:00",
      method: "CHECK",
      amount: "10.00",
      reference: "check 1042",
    });
    const stored = state.invoices.get(open.id)!;
    expect(stored).toMatchObject({ status: "paid", paid_at: "2026-03-01T09:00:00Z", amount_paid: 10 });
    expect(paid).toEqual(toUnifiedInvoice(stored));
    expect(paid.status).toBe("PAID");
    const payments = [...state.payments.values()].filter((p) => p.invoice_id === open.id);
    expect(payments).toEqual([
      {
        id: payments[0]!.id,
        invoice_id: open.id,
        customer_id: open.customer_id,
        amount: 10,
        currency: open.currency,
        method: "check",
        paid_at: "2026-03-01T09:00:00Z",
        reference: "check 1042",
        notes: null,
        created_at: STAMP,
      },
    ]);
    expect(requests()).toEqual({ [ROUTE.markPaid]: 1 });
  });

  it("marks paid with the upstream's defaults when nothing is given", async () => {
    const draft = invoiceWhere((i) => i.status === "draft");
    await writes().markInvoicePaid(draft.id, { paidAt: null, method: null, amount: null, reference: null });
    const stored = state.invoices.get(draft.id)!;
    expect(stored).toMatchObject({ status: "paid", paid_at: STAMP, amount_paid: stored.total });
    const payment = [...state.payments.values()].find((p) => p.invoice_id === draft.id);
    expect(payment).toMatchObject({ amount: stored.total, method: "other", reference: null });
  });

  it("maps mark-paid failures: local checks, an amount over the balance, paid invoices", async () => {
    const open = invoiceWhere((i) => i.status === "overdue");
    const local = await failure(
      writes().markInvoicePaid(open.id, { amount: "0", reference: "r".repeat(256) }),
    );
    expect(fieldsOf(local)).toEqual([
      { path: "input.amount", message: "must be greater than 0" },
      { path: "input.reference", message: "must be at most 255 characters" },
    ]);
    expect(requests()).toEqual({});

    const over = await failure(writes().markInvoicePaid(open.id, { amount: "1000000.00", method: "CARD" }));
    expect(over.extensions).toEqual({
      code: "BAD_USER_INPUT",
      source: "cleanitall",
      fields: [{ path: "input.amount", message: "is invalid" }],
    });
    expect(state.invoices.get(open.id)?.status).toBe("overdue");

    const paid = invoiceWhere((i) => i.status === "paid");
    const already = await failure(writes().markInvoicePaid(paid.id, {}));
    expect(already).toBeInstanceOf(InvalidStateError);
    expect(already.message).toBe("Invoice is already paid");
    const missing = await failure(writes().markInvoicePaid("inv_nope", {}));
    expect(missing.message).toBe("CleanItAll invoice inv_nope not found");
    expect(requests()).toEqual({ [ROUTE.markPaid]: 3 });
  });

  it("records a payment and returns it mapped like a read", async () => {
    const open = invoiceWhere((i) => i.status === "overdue" && i.amount_paid === 0);
    const { record, replayed } = await writes().recordPayment(
      {
        invoiceId: open.id,
        amount: "25.50",
        method: "BANK_TRANSFER",
        paidAt: "2026-02-28T16:00:00Z",
        reference: "ach_77",
        notes: "First half",
      },
      {},
    );
    const stored = state.payments.get(record.sourceId)!;
    expect(stored).toEqual({
      id: record.sourceId,
      invoice_id: open.id,
      customer_id: open.customer_id,
      amount: 25.5,
      currency: open.currency,
      method: "bank_transfer",
      paid_at: "2026-02-28T16:00:00Z",
      reference: "ach_77",
      notes: "First half",
      created_at: STAMP,
    });
    expect(record).toEqual(toUnifiedPayment(stored));
    expect(record.method).toBe("BANK_TRANSFER");
    expect(replayed).toBe(false);
    expect(state.invoices.get(open.id)).toMatchObject({ status: "overdue", amount_paid: 25.5 });
    expect(requests()).toEqual({ [ROUTE.createPayment]: 1 });
  });

  it("maps payment failures: local checks, unknown invoices, amounts over the balance, paid invoices", async () => {
    const local = await failure(
      writes().recordPayment({ invoiceId: "", amount: "-5", notes: "n".repeat(5001) }, {}),
    );
    expect(fieldsOf(local)).toEqual([
      { path: "input.invoiceId", message: "is required" },
      { path: "input.amount", message: "must be greater than 0" },
      { path: "input.notes", message: "must be at most 5000 characters" },
    ]);
    expect(requests()).toEqual({});

    const unknown = await failure(writes().recordPayment({ invoiceId: "inv_nope", amount: "5.00" }, {}));
    expect(unknown.extensions).toEqual({
      code: "BAD_USER_INPUT",
      source: "cleanitall",
      fields: [{ path: "input.invoiceId", message: "does not exist" }],
    });
    const open = invoiceWhere((i) => i.status === "overdue");
    const over = await failure(writes().recordPayment({ invoiceId: open.id, amount: "1000000.00" }, {}));
    expect(fieldsOf(over)).toEqual([{ path: "input.amount", message: "is invalid" }]);
    const paid = invoiceWhere((i) => i.status === "paid");
    const already = await failure(writes().recordPayment({ invoiceId: paid.id, amount: "1.00" }, {}));
    expect(already).toBeInstanceOf(InvalidStateError);
    expect(already.message).toBe("Invoice is already paid");
    expect(requests()).toEqual({ [ROUTE.createPayment]: 3 });
  });

  it("never retries a payment, even on a retryable failure", async () => {
    const open = invoiceWhere((i) => i.status === "overdue");
    const before = state.payments.size;
    sim.control.injectFault({ kind: "status", status: 502, route: ROUTE.createPayment, times: 1 });
    const error = await failure(writes().recordPayment({ invoiceId: open.id, amount: "1.00" }, {}));
    expect(error.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", upstreamStatus: 502 });
    expect(state.payments.size).toBe(before);
    expect(requests()).toEqual({ [ROUTE.createPayment]: 1 });
  });

  it("reads its own writes: cached invoices and payments are not served after billing writes", async () => {
    const open = invoiceWhere((i) => i.status === "overdue" && i.amount_paid === 0);
    const invoiceList = () => fresh().lists.invoices({ customerId: open.customer_id })!.fetch(0, 100);
    const paymentList = () =>
      fresh()
        .lists.payments({ invoiceId: { invoiceId: open.id, customerId: open.customer_id } })!
        .fetch(0, 100);
    const statusOf = async () => (await invoiceList()).records.find((i) => i.sourceId === open.id)?.status;
    const paymentsOf = async () => (await paymentList()).records.filter((p) => p.invoiceId === open.id);

    expect(await statusOf()).toBe("OVERDUE");
    expect(await paymentsOf()).toEqual([]);
    await invoiceList();
    await paymentList();
    expect(requests()).toEqual({ [ROUTE.invoices]: 1, [ROUTE.payments]: 1 });

    const { record: payment } = await writes().recordPayment({ invoiceId: open.id, amount: "1.00" }, {});
    expect(await paymentsOf()).toEqual([payment]);
    const partlyPaid = (await invoiceList()).records.find((i) => i.sourceId === open.id);
    expect(partlyPaid).toEqual(toUnifiedInvoice(state.invoices.get(open.id)!));
    expect(partlyPaid?.amountPaid).toEqual({ cents: 100, currency: open.currency });

    await writes().markInvoicePaid(open.id, {});
    expect(await statusOf()).toBe("PAID");
    expect(await paymentsOf()).toHaveLength(2);

    const { record: created } = await writes().createInvoice(invoiceInput(open.customer_id), {});
    expect((await invoiceList()).records[0]).toEqual(created);
    expect(requests()).toEqual({
      [ROUTE.invoices]: 4,
      [ROUTE.payments]: 3,
      [ROUTE.createPayment]: 1,
      [ROUTE.markPaid]: 1,
      [ROUTE.createInvoice]: 1,
    });
  });
});
