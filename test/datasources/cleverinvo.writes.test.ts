import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CLEVERINVO_DEMO_ACCOUNT,
  CLEVERINVO_DEMO_KEY,
  type CleverInvoAccount,
  type CleverInvoAccountSpec,
  type CleverInvoInvoiceRecord,
  type CleverInvoSim,
  createCleverInvoSim,
  DEFAULT_PLAN,
  type CleverInvoClient as SimClient,
} from "../../sim/cleverinvo/index.js";
import { CleverInvoClient, CleverInvoRejection } from "../../src/datasources/cleverinvo/client.js";
import { CleverInvoDatasource } from "../../src/datasources/cleverinvo/datasource.js";
import { refusalError } from "../../src/datasources/cleverinvo/writes.js";
import { HttpLayer, type HttpLayerOptions, type UpstreamTarget } from "../../src/datasources/http.js";
import type { Money, NodeRef, UnifiedCustomer, UnifiedInvoice } from "../../src/datasources/unified.js";
import { fieldMapper } from "../../src/datasources/validation.js";
import type { CustomerInput, InvoiceInput, SourceWrites } from "../../src/datasources/writes.js";
import { InputValidationError, InvalidStateError, NotFoundError, UpstreamError } from "../../src/errors.js";

/**
 * CleverInvo writes against its simulator over real HTTP: clients (create, partial update with
 * status, soft delete) and invoices (create and DRAFT-only update read back after the summary,
 * permanent delete); the gateway's own validation (every field at once, no request), upstream
 * refusals mapped to fields, NOT_FOUND, INVALID_STATE and UPSTREAM_ERROR; exact request counts,
 * retries of the PUTs only, and read-your-writes through the shared cache.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const STAMP = "2026-03-01T12:30:00.000Z";
const BASE = "/api/v1";
const ROUTE = {
  clients: `GET ${BASE}/clients`,
  client: `GET ${BASE}/clients/:id`,
  createClient: `POST ${BASE}/clients`,
  updateClient: `PUT ${BASE}/clients/:id`,
  deleteClient: `DELETE ${BASE}/clients/:id`,
  invoices: `GET ${BASE}/invoices`,
  invoice: `GET ${BASE}/invoices/:id`,
  pdf: `GET ${BASE}/invoices/:id/pdf`,
  createInvoice: `POST ${BASE}/invoices`,
  updateInvoice: `PUT ${BASE}/invoices/:id`,
  deleteInvoice: `DELETE ${BASE}/invoices/:id`,
} as const;

/** Well-formed cuids no account has. */
const UNKNOWN_ID = "cabcdefghijklmnopqrstuvwx";

const OTHER_KEY = `cinv_${"Q".repeat(16)}${"7".repeat(16)}`;
const OTHER_ACCOUNT: CleverInvoAccountSpec = {
  id: "other",
  seed: 11,
  apiKeys: [OTHER_KEY],
  size: { clients: 4, invoices: 6 },
};

let sim: CleverInvoSim;
let state: CleverInvoAccount;
let other: CleverInvoAccount;
const layers: HttpLayer[] = [];

const target = (): UpstreamTarget => ({
  source: "cleverinvo",
  tenantId: "t1",
  baseUrl: sim.baseUrl,
  headers: { authorization: `Bearer ${CLEVERINVO_DEMO_KEY}` },
  timeoutMs: 2_000,
});

function layer(options: Partial<HttpLayerOptions> = {}): HttpLayer {
  const http = new HttpLayer({
    timeoutMs: 2_000,
    retries: 0,
    connections: 4,
    cache: { ttlMs: 0, maxEntries: 1_000 },
    retryBaseDelayMs: 0,
    ...options,
  });
  layers.push(http);
  return http;
}

let uncached: HttpLayer;

beforeAll(async () => {
  sim = createCleverInvoSim({
    accounts: [CLEVERINVO_DEMO_ACCOUNT, OTHER_ACCOUNT],
    rateLimit: { limit: 1_000_000_000, windowMs: 60_000 },
    now: () => NOW,
  });
  await sim.listen(0);
  state = sim.account(CLEVERINVO_DEMO_ACCOUNT.id);
  other = sim.account(OTHER_ACCOUNT.id);
  uncached = layer();
});

afterAll(async () => {
  await Promise.all(layers.map((http) => http.close()));
  await sim.close();
});

beforeEach(() => sim.control.reset());

afterEach(() => {
  state.plan = { ...DEFAULT_PLAN };
  state.apiKeys.splice(0, state.apiKeys.length, CLEVERINVO_DEMO_KEY);
});

/** A datasource as one GraphQL request gets it. */
function fresh(http: HttpLayer = uncached): CleverInvoDatasource {
  return new CleverInvoDatasource(new CleverInvoClient(http, target()));
}

const writes = (http: HttpLayer = uncached) => fresh(http).writes;

const ref = (type: NodeRef["type"], sourceId: string): NodeRef => ({ type, source: "cleverinvo", sourceId });

async function failure<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => new Error("expected the write to fail"),
    (e: unknown) => e,
  );
  if (!(error instanceof type)) throw new Error(`expected ${type.name}, got ${String(error)}`);
  return error;
}

function simClient(id: string, account = state): SimClient {
  const client = account.clients.get(id);
  if (!client) throw new Error(`no client ${id}`);
  return client;
}

function simInvoice(id: string): CleverInvoInvoiceRecord {
  const invoice = state.invoices.get(id);
  if (!invoice) throw new Error(`no invoice ${id}`);
  return invoice;
}

// ---- Expected unified records, written from the reference independently of the mappers ----

const money = (amount: number, currency: string): Money => ({ cents: Math.round(amount * 100), currency });

function expectedCustomer(c: SimClient): UnifiedCustomer {
  return {
    __typename: "Customer",
    source: "cleverinvo",
    sourceId: c.id,
    number: null,
    name: c.name,
    status: c.isActive ? "ACTIVE" : "INACTIVE",
    sourceStatus: c.isActive ? "active" : "inactive",
    firstName: null,
    lastName: null,
    email: c.email,
    phone: c.phone,
    mobile: null,
    address:
      c.address === null
        ? null
        : { line1: c.address, line2: null, city: null, region: null, postalCode: null, country: null },
    billingAddress: null,
    taxId: c.taxId,
    customerType: null,
    notes: c.notes,
    smsReminders: null,
    walkIn: null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** A DRAFT invoice as `GET /invoices/:id` gives it (nothing paid). */
function expectedInvoice(i: CleverInvoInvoiceRecord): UnifiedInvoice {
  const m = (amount: number) => money(amount, i.currency);
  return {
    __typename: "Invoice",
    source: "cleverinvo",
    sourceId: i.id,
    number: i.invoiceNumber,
    customerId: i.clientId,
    jobId: null,
    status: i.status,
    sourceStatus: i.status,
    lineItems: i.lineItems.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: m(line.unitPrice),
      discountPercent: 0,
      taxRate: line.taxRate,
      amount: m(line.amount),
      productId: null,
    })),
    subtotal: m(i.subtotal),
    tax: m(i.taxTotal),
    total: m(i.total),
    amountPaid: m(0),
    discount: m(i.discountTotal),
    taxInclusive: false,
    issueDate: i.issueDate,
    dueDate: i.dueDate,
    sentAt: i.sentAt,
    paidAt: i.paidAt,
    notes: i.notes,
    terms: i.terms,
    hasPdf: true,
    createdAt: i.createdAt,
    updatedAt: null,
  };
}

// ---- Fixtures made through the API under test -----------------------------------------------

let serial = 0;

async function newClient(input: CustomerInput = {}): Promise<string> {
  const { record } = await writes().createCustomer({ name: `Fixture ${++serial}`, ...input }, {});
  return record.sourceId;
}

const WEB_DEV: InvoiceInput = {
  currency: "USD",
  issueDate: "2024-06-01",
  dueDate: "2024-07-01",
  lineItems: [{ description: "Web Development", quantity: 40, unitPrice: "125.00", taxRate: 10 }],
  notes: "Thank you for your business",
  terms: "Payment due within 30 days",
};

async function newInvoice(input: InvoiceInput = {}): Promise<string> {
  const customerId = input.customerId ?? (await newClient());
  const { record } = await writes().createInvoice(
    { ...WEB_DEV, number: `FIX-${++serial}`, customerId, ...input },
    {},
  );
  return record.sourceId;
}

/** Counters from here on. */
const counting = () => sim.control.resetCounts();

// ---------------------------------------------------------------------------------------------

describe("CleverInvo customers (clients)", () => {
  it("creates a client with one POST; the address is written on one line and read back as line1", async () => {
    counting();
    const written = await writes().createCustomer(
      {
        name: "Acme Corp",
        email: "billing@acme.com",
        phone: "+1-555-0100",
        taxId: "US-123456789",
        notes: "Net 30 terms",
        address: {
          line1: "123 Main St",
          line2: "Apt 4",
          city: "New York",
          region: "NY",
          postalCode: "10001",
          country: "US",
        },
      },
      { idempotencyKey: "ignored-upstream-has-none" },
    );
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.createClient]: 1 });

    const stored = simClient(written.record.sourceId);
    expect(stored).toStrictEqual({
      id: written.record.sourceId,
      name: "Acme Corp",
      email: "billing@acme.com",
      address: "123 Main St, Apt 4, New York, NY 10001, US",
      taxId: "US-123456789",
      phone: "+1-555-0100",
      notes: "Net 30 terms",
      isActive: true,
      createdAt: STAMP,
      updatedAt: STAMP,
    });
    expect(written).toStrictEqual({ record: expectedCustomer(stored), replayed: false });
    expect(written.record.address?.line1).toBe("123 Main St, Apt 4, New York, NY 10001, US");
    // A read gives the same record.
    expect(await fresh().load(ref("Customer", stored.id))).toStrictEqual(written.record);
  });

  it("creates with the name only; a partial address keeps its parts in order; nulls stay empty", async () => {
    const { record } = await writes().createCustomer(
      { name: "Solo", email: null, address: { city: " Springfield ", region: "IL", country: "US" } },
      {},
    );
    const stored = simClient(record.sourceId);
    expect(stored).toMatchObject({
      name: "Solo",
      email: null,
      address: "Springfield, IL, US",
      taxId: null,
      phone: null,
      notes: null,
    });
    expect(record).toStrictEqual(expectedCustomer(stored));
  });

  it("rejects every bad or unsupported field at once, without a request", async () => {
    counting();
    const error = await failure(
      writes().createCustomer(
        {
          firstName: "Ada",
          lastName: "Lovelace",
          email: "not-an-email",
          mobile: "+1-555-0199",
          address: { line1: "x".repeat(499), city: "Paris" },
          billingAddress: { line1: "1 Bill St" },
          taxId: "t".repeat(101),
          customerType: "commercial",
          referredBy: "Bob",
          phone: "5".repeat(51),
          notes: "n".repeat(2001),
          smsReminders: true,
          status: "ACTIVE",
        },
        {},
      ),
      InputValidationError,
    );
    expect(error.fields).toStrictEqual([
      { path: "input.firstName", message: "is not supported by CleverInvo clients (a client has one name)" },
      { path: "input.lastName", message: "is not supported by CleverInvo clients (a client has one name)" },
      {
        path: "input.mobile",
        message: "is not supported by CleverInvo clients (a client has one phone number)",
      },
      {
        path: "input.billingAddress",
        message: "is not supported by CleverInvo clients (a client has one address)",
      },
      { path: "input.customerType", message: "is not supported by CleverInvo clients" },
      { path: "input.referredBy", message: "is not supported by CleverInvo clients" },
      { path: "input.smsReminders", message: "is not supported by CleverInvo clients" },
      {
        path: "input.status",
        message: "is not supported by CleverInvo clients (a new client is always active)",
      },
      { path: "input.name", message: "is required" },
      { path: "input.email", message: "must be a valid email address" },
      {
        path: "input.address",
        message:
          "must be at most 500 characters written on one line (CleverInvo keeps one address text); this one has 506",
      },
      { path: "input.taxId", message: "must be at most 100 characters" },
      { path: "input.phone", message: "must be at most 50 characters" },
      { path: "input.notes", message: "must be at most 2000 characters" },
    ]);
    expect(error.extensions.source).toBeUndefined();
    expect(sim.control.count()).toBe(0);
  });

  it("maps the plan's client limit to INVALID_STATE and a plan without API access to UPSTREAM_ERROR", async () => {
    let active = 0;
    for (const client of state.clients.values()) if (client.isActive) active++;
    state.plan = { ...DEFAULT_PLAN, clientLimit: active };
    const before = state.clients.size;
    counting();
    const limit = await failure(writes().createCustomer({ name: "One too many" }, {}), InvalidStateError);
    expect(limit.message).toBe("Client limit reached for your plan");
    expect(limit.extensions).toStrictEqual({ code: "INVALID_STATE", source: "cleverinvo" });

    state.plan = { ...DEFAULT_PLAN, apiAccess: false };
    const access = await failure(writes().createCustomer({ name: "No access" }, {}), UpstreamError);
    expect(access.message).toBe(
      "CleverInvo refused the request: API access is not available on the account's plan",
    );
    expect(access.extensions).toStrictEqual({
      code: "UPSTREAM_ERROR",
      source: "cleverinvo",
      upstreamStatus: 403,
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.createClient]: 2 });
    expect(state.clients.size).toBe(before);
  });

  it("reports rejected credentials as UPSTREAM_ERROR without the key", async () => {
    state.apiKeys.splice(0, state.apiKeys.length);
    const error = await failure(writes().createCustomer({ name: "Locked out" }, {}), UpstreamError);
    expect(error.message).toBe(
      "cleverinvo POST /clients rejected the gateway's credentials for this tenant: Invalid or missing API key",
    );
    expect(error.message).not.toContain(CLEVERINVO_DEMO_KEY);
    expect(error.extensions).toStrictEqual({
      code: "UPSTREAM_ERROR",
      source: "cleverinvo",
      upstreamStatus: 401,
    });
  });

  it("updates given fields with one PUT; null clears; omitted fields stay", async () => {
    const id = await newClient({
      email: "old@acme.com",
      phone: "+1-555-0100",
      taxId: "US-1",
      notes: "Old notes",
      address: { line1: "1 Old Rd" },
    });
    counting();
    const record = await writes().updateCustomer(id, {
      name: "Acme Corporation",
      email: "billing@acme.com",
      phone: "+1-555-0200",
      notes: null,
      address: null,
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.updateClient]: 1 });
    const stored = simClient(id);
    expect(stored).toMatchObject({
      name: "Acme Corporation",
      email: "billing@acme.com",
      phone: "+1-555-0200",
      taxId: "US-1",
      notes: null,
      address: null,
      isActive: true,
    });
    expect(record).toStrictEqual(expectedCustomer(stored));

    // An address with no parts clears it too; an empty input changes nothing.
    await writes().updateCustomer(id, { address: { line1: "9 New St" } });
    expect(simClient(id).address).toBe("9 New St");
    await writes().updateCustomer(id, { address: { line1: "  " } });
    expect(simClient(id).address).toBeNull();
    expect(await writes().updateCustomer(id, {})).toStrictEqual(expectedCustomer(simClient(id)));
  });

  it("sets the status: INACTIVE deactivates, ACTIVE reactivates a deleted client", async () => {
    const id = await newClient();
    counting();
    expect((await writes().updateCustomer(id, { status: "INACTIVE" })).status).toBe("INACTIVE");
    expect(simClient(id).isActive).toBe(false);
    expect((await writes().deleteCustomer(id)).permanent).toBe(false);
    const back = await writes().updateCustomer(id, { status: "ACTIVE" });
    expect(simClient(id).isActive).toBe(true);
    expect(back).toStrictEqual(expectedCustomer(simClient(id)));
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.updateClient]: 2, [ROUTE.deleteClient]: 1 });
  });

  it("validates updates before any request: nothing required, but no clearing the name or status", async () => {
    const id = await newClient();
    counting();
    const error = await failure(
      writes().updateCustomer(id, {
        name: null,
        email: "a@b",
        status: "LEAD",
        lastName: "X",
        address: { line1: "y".repeat(501) },
      }),
      InputValidationError,
    );
    expect(error.fields).toStrictEqual([
      { path: "input.lastName", message: "is not supported by CleverInvo clients (a client has one name)" },
      { path: "input.name", message: "cannot be null" },
      { path: "input.email", message: "must be a valid email address" },
      {
        path: "input.address",
        message:
          "must be at most 500 characters written on one line (CleverInvo keeps one address text); this one has 501",
      },
      {
        path: "input.status",
        message: "must be one of: ACTIVE, INACTIVE (CleverInvo clients are active or deleted, never leads)",
      },
    ]);
    const blank = await failure(
      writes().updateCustomer(id, { name: "  ", status: null }),
      InputValidationError,
    );
    expect(blank.fields).toStrictEqual([
      { path: "input.name", message: "cannot be empty" },
      { path: "input.status", message: "cannot be null" },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it("answers NOT_FOUND for unknown clients and other accounts' clients, on update and delete", async () => {
    const others = [...other.clients.keys()][0] ?? "";
    counting();
    for (const id of [UNKNOWN_ID, others]) {
      const update = await failure(writes().updateCustomer(id, { name: "X" }), NotFoundError);
      expect(update.message).toBe(`CleverInvo customer ${id} not found`);
      expect(update.extensions).toStrictEqual({ code: "NOT_FOUND", source: "cleverinvo" });
      const remove = await failure(writes().deleteCustomer(id), NotFoundError);
      expect(remove.message).toBe(`CleverInvo customer ${id} not found`);
    }
    expect(simClient(others, other).name).not.toBe("X");
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.updateClient]: 2, [ROUTE.deleteClient]: 2 });
  });

  it("soft-deletes with one DELETE: permanent false, the client kept inactive with its invoices", async () => {
    const id = await newClient();
    const invoiceId = await newInvoice({ customerId: id });
    counting();
    expect(await writes().deleteCustomer(id)).toStrictEqual({ permanent: false });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.deleteClient]: 1 });
    expect(simClient(id).isActive).toBe(false);
    expect(state.invoices.has(invoiceId)).toBe(true);
    expect(await fresh().load(ref("Customer", id))).toStrictEqual(expectedCustomer(simClient(id)));
    // Deleting again is accepted, as upstream.
    expect(await writes().deleteCustomer(id)).toStrictEqual({ permanent: false });
  });
});

describe("CleverInvo invoices", () => {
  it("creates the documented invoice: POST, then GET for the full record (2 requests)", async () => {
    const customerId = await newClient({ name: "Acme Corp", email: "billing@acme.com" });
    counting();
    const written = await writes().createInvoice({ ...WEB_DEV, number: "DOC-0042", customerId }, {});
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.createInvoice]: 1, [ROUTE.invoice]: 1 });
    const stored = simInvoice(written.record.sourceId);
    expect(stored).toStrictEqual({
      id: written.record.sourceId,
      clientId: customerId,
      invoiceNumber: "DOC-0042",
      currency: "USD",
      issueDate: "2024-06-01",
      dueDate: "2024-07-01",
      lineItems: [
        { description: "Web Development", quantity: 40, unitPrice: 125, amount: 5000, taxRate: 10 },
      ],
      subtotal: 5000,
      taxTotal: 500,
      discountTotal: 0,
      total: 5500,
      status: "DRAFT",
      notes: "Thank you for your business",
      terms: "Payment due within 30 days",
      sentViaEmail: false,
      sentAt: null,
      paidAt: null,
      createdAt: STAMP,
    });
    expect(written).toStrictEqual({ record: expectedInvoice(stored), replayed: false });
    expect(written.record.total).toStrictEqual({ cents: 550_000, currency: "USD" });
  });

  it("lets CleverInvo default the number, currency, dates and tax rate; cents stay exact", async () => {
    const customerId = await newClient();
    const { record } = await writes().createInvoice(
      {
        customerId,
        number: null,
        currency: null,
        issueDate: null,
        lineItems: [
          { description: "Hours", quantity: 1.5, unitPrice: "33.33" },
          { description: "Fee", quantity: 1, unitPrice: "0.10", taxRate: 7.5 },
        ],
      },
      {},
    );
    const stored = simInvoice(record.sourceId);
    expect(stored).toMatchObject({
      currency: "USD",
      issueDate: "2026-03-01",
      dueDate: "2026-03-31",
      lineItems: [
        { description: "Hours", quantity: 1.5, unitPrice: 33.33, amount: 50, taxRate: 0 },
        { description: "Fee", quantity: 1, unitPrice: 0.1, amount: 0.1, taxRate: 7.5 },
      ],
      subtotal: 50.1,
      taxTotal: 0.01,
      total: 50.11,
      notes: null,
      terms: null,
    });
    expect(stored.invoiceNumber).toMatch(/^INV-\d{4,}$/);
    expect(record).toStrictEqual(expectedInvoice(stored));
  });

  it("rejects every bad or unsupported field at once, by the client's paths, without a request", async () => {
    counting();
    const error = await failure(
      writes().createInvoice(
        {
          jobId: "job_1",
          tax: "10.00",
          paid: true,
          send: true,
          number: "N".repeat(51),
          currency: "usd",
          issueDate: "2026-02-30",
          dueDate: "2026-01-01",
          lineItems: [
            { description: "", quantity: 0, unitPrice: "-1" },
            {
              description: "d".repeat(501),
              quantity: 1,
              unitPrice: "1.005",
              taxRate: 101,
              discountPercent: 10,
              productId: "p1",
            },
            { description: "Big", quantity: 1, unitPrice: `1${"0".repeat(400)}`, taxRate: -1 },
            { description: "Odd", quantity: 2, unitPrice: "12,50" },
          ],
          notes: "n".repeat(2001),
          terms: "t".repeat(2001),
        },
        {},
      ),
      InputValidationError,
    );
    expect(error.fields).toStrictEqual([
      { path: "input.jobId", message: "is not supported by CleverInvo invoices (CleverInvo has no jobs)" },
      {
        path: "input.tax",
        message:
          "is not supported by CleverInvo invoices (tax is computed per line from lineItems[].taxRate)",
      },
      {
        path: "input.paid",
        message:
          "is not supported by CleverInvo invoices (payments are recorded only in the CleverInvo dashboard)",
      },
      {
        path: "input.send",
        message:
          "is not supported by CleverInvo invoices (invoices are sent only from the CleverInvo dashboard)",
      },
      { path: "input.customerId", message: "is required" },
      { path: "input.number", message: "must be at most 50 characters" },
      { path: "input.currency", message: "must be a 3-letter ISO currency code, e.g. USD" },
      { path: "input.issueDate", message: "must be a date as YYYY-MM-DD" },
      { path: "input.lineItems[0].description", message: "is required" },
      { path: "input.lineItems[0].quantity", message: "must be greater than 0" },
      { path: "input.lineItems[0].unitPrice", message: "must be at least 0" },
      {
        path: "input.lineItems[1].discountPercent",
        message:
          "is not supported by CleverInvo invoice lines (discounts exist only in the CleverInvo dashboard)",
      },
      {
        path: "input.lineItems[1].productId",
        message: "is not supported by CleverInvo invoice lines (CleverInvo has no product catalog)",
      },
      { path: "input.lineItems[1].description", message: "must be at most 500 characters" },
      { path: "input.lineItems[1].unitPrice", message: "must have at most 2 decimals" },
      { path: "input.lineItems[1].taxRate", message: "must be at most 100" },
      { path: "input.lineItems[2].unitPrice", message: "must be at most 90071992547409" },
      { path: "input.lineItems[2].taxRate", message: "must be at least 0" },
      { path: "input.lineItems[3].unitPrice", message: "must be a decimal amount, e.g. 125.00" },
      { path: "input.notes", message: "must be at most 2000 characters" },
      { path: "input.terms", message: "must be at most 2000 characters" },
    ]);

    const lines = await failure(
      writes().createInvoice(
        { customerId: UNKNOWN_ID, issueDate: "2026-03-02", dueDate: "2026-03-01", lineItems: [] },
        {},
      ),
      InputValidationError,
    );
    expect(lines.fields).toStrictEqual([
      { path: "input.dueDate", message: "must not be before issueDate" },
      { path: "input.lineItems", message: "must have at least one item" },
    ]);
    const many = await failure(
      writes().createInvoice(
        {
          customerId: UNKNOWN_ID,
          number: " ",
          lineItems: Array.from({ length: 101 }, () => ({ description: "x", quantity: 1, unitPrice: "1" })),
        },
        {},
      ),
      InputValidationError,
    );
    expect(many.fields).toStrictEqual([
      { path: "input.number", message: "cannot be empty" },
      { path: "input.lineItems", message: "must have at most 100 items" },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it("maps CleverInvo's refusals to the fields the client sent", async () => {
    const customerId = await newClient();
    const deleted = await newClient();
    await writes().deleteCustomer(deleted);
    const taken = simInvoice(await newInvoice()).invoiceNumber;
    const othersClient = [...other.clients.keys()][0] ?? "";
    const before = state.invoices.size;
    counting();

    for (const id of [UNKNOWN_ID, deleted, othersClient]) {
      const error = await failure(
        writes().createInvoice({ ...WEB_DEV, number: undefined, customerId: id }, {}),
        InputValidationError,
      );
      expect(error.fields).toStrictEqual([
        { path: "input.customerId", message: "does not exist or is deleted in CleverInvo" },
      ]);
      expect(error.extensions.source).toBe("cleverinvo");
      expect(error.message).toBe(
        "Invalid input (rejected by cleverinvo): input.customerId does not exist or is deleted in CleverInvo.",
      );
    }
    const duplicate = await failure(
      writes().createInvoice({ ...WEB_DEV, number: taken, customerId }, {}),
      InputValidationError,
    );
    expect(duplicate.fields).toStrictEqual([
      { path: "input.number", message: "is already used by another CleverInvo invoice" },
    ]);
    // The due date alone is checked against the default issue date (today) only upstream.
    const early = await failure(
      writes().createInvoice(
        { customerId, dueDate: "2026-02-28", lineItems: [{ description: "x", quantity: 1, unitPrice: "1" }] },
        {},
      ),
      InputValidationError,
    );
    expect(early.fields).toStrictEqual([
      { path: "input.dueDate", message: "must not be before the issue date" },
    ]);

    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.createInvoice]: 5 });
    expect(state.invoices.size).toBe(before);
  });

  it("maps the monthly invoice limit to INVALID_STATE", async () => {
    const customerId = await newClient();
    state.plan = { ...DEFAULT_PLAN, monthlyInvoiceLimit: 0 };
    counting();
    const error = await failure(
      writes().createInvoice({ ...WEB_DEV, number: "LIMIT-1", customerId }, {}),
      InvalidStateError,
    );
    expect(error.message).toBe("Invoice limit reached for your plan");
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.createInvoice]: 1 });
  });

  it("updates a DRAFT with PUT, then GET: lines replaced, totals recomputed, null clears", async () => {
    const id = await newInvoice();
    const newCustomer = await newClient();
    counting();
    const record = await writes().updateInvoice(id, {
      customerId: newCustomer,
      dueDate: "2024-07-15",
      lineItems: [{ description: "Web Development", quantity: 50, unitPrice: "125.00", taxRate: 10 }],
      notes: "Updated scope",
      terms: null,
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.updateInvoice]: 1, [ROUTE.invoice]: 1 });
    const stored = simInvoice(id);
    expect(stored).toMatchObject({
      clientId: newCustomer,
      issueDate: "2024-06-01",
      dueDate: "2024-07-15",
      lineItems: [
        { description: "Web Development", quantity: 50, unitPrice: 125, amount: 6250, taxRate: 10 },
      ],
      subtotal: 6250,
      taxTotal: 625,
      total: 6875,
      notes: "Updated scope",
      terms: null,
      status: "DRAFT",
    });
    expect(record).toStrictEqual(expectedInvoice(stored));

    // Omitted fields stay; the number can change.
    const renamed = await writes().updateInvoice(id, { number: `REN-${++serial}` });
    expect(renamed.number).toBe(simInvoice(id).invoiceNumber);
    expect(simInvoice(id).lineItems).toHaveLength(1);
  });

  it("validates updates before any request: nothing required, no clearing required fields", async () => {
    const id = await newInvoice();
    counting();
    const error = await failure(
      writes().updateInvoice(id, {
        customerId: null,
        number: null,
        currency: null,
        issueDate: null,
        dueDate: null,
        lineItems: null,
        send: false,
      }),
      InputValidationError,
    );
    expect(error.fields).toStrictEqual([
      {
        path: "input.send",
        message:
          "is not supported by CleverInvo invoices (invoices are sent only from the CleverInvo dashboard)",
      },
      { path: "input.customerId", message: "cannot be null" },
      { path: "input.number", message: "cannot be null" },
      { path: "input.currency", message: "cannot be null" },
      { path: "input.issueDate", message: "cannot be null" },
      { path: "input.dueDate", message: "cannot be null" },
      { path: "input.lineItems", message: "cannot be null" },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it("maps update refusals: stored issue date, deleted client, taken number", async () => {
    const id = await newInvoice();
    const deleted = await newClient();
    await writes().deleteCustomer(deleted);
    const taken = simInvoice(await newInvoice()).invoiceNumber;
    const before = { ...simInvoice(id) };
    counting();
    const early = await failure(writes().updateInvoice(id, { dueDate: "2024-05-31" }), InputValidationError);
    expect(early.fields).toStrictEqual([
      { path: "input.dueDate", message: "must not be before the issue date" },
    ]);
    const client = await failure(writes().updateInvoice(id, { customerId: deleted }), InputValidationError);
    expect(client.fields).toStrictEqual([
      { path: "input.customerId", message: "does not exist or is deleted in CleverInvo" },
    ]);
    const number = await failure(writes().updateInvoice(id, { number: taken }), InputValidationError);
    expect(number.fields).toStrictEqual([
      { path: "input.number", message: "is already used by another CleverInvo invoice" },
    ]);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.updateInvoice]: 3 });
    expect(simInvoice(id)).toStrictEqual(before);
  });

  it("refuses to change a sent invoice (INVALID_STATE) and answers NOT_FOUND for unknown ones", async () => {
    const id = await newInvoice();
    sim.sendInvoice(id);
    const othersInvoice = [...other.invoices.keys()][0] ?? "";
    counting();
    const sent = await failure(writes().updateInvoice(id, { notes: "Too late" }), InvalidStateError);
    expect(sent.message).toBe("Only DRAFT invoices can be modified");
    expect(sent.extensions).toStrictEqual({ code: "INVALID_STATE", source: "cleverinvo" });
    expect(simInvoice(id).notes).toBe("Thank you for your business");

    for (const unknown of [UNKNOWN_ID, othersInvoice]) {
      const update = await failure(writes().updateInvoice(unknown, { notes: "x" }), NotFoundError);
      expect(update.message).toBe(`CleverInvo invoice ${unknown} not found`);
      const remove = await failure(writes().deleteInvoice(unknown), NotFoundError);
      expect(remove.message).toBe(`CleverInvo invoice ${unknown} not found`);
      expect(remove.extensions).toStrictEqual({ code: "NOT_FOUND", source: "cleverinvo" });
    }
    expect(other.invoices.has(othersInvoice)).toBe(true);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.updateInvoice]: 3, [ROUTE.deleteInvoice]: 2 });
  });

  it("deletes permanently with one DELETE, whatever the status", async () => {
    const draft = await newInvoice();
    const paid = await newInvoice();
    sim.sendInvoice(paid);
    sim.recordPayment(paid);
    counting();
    expect(await writes().deleteInvoice(draft)).toStrictEqual({ permanent: true });
    expect(await writes().deleteInvoice(paid)).toStrictEqual({ permanent: true });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.deleteInvoice]: 2 });
    expect(state.invoices.has(draft)).toBe(false);
    expect(state.invoices.has(paid)).toBe(false);
    expect(await fresh().load(ref("Invoice", draft))).toBeNull();
  });

  it("says which operations happen only in CleverInvo's dashboard", () => {
    const w: SourceWrites = writes();
    expect(w.sendInvoice).toBeUndefined();
    expect(w.markInvoicePaid).toBeUndefined();
    expect(w.recordPayment).toBeUndefined();
    expect(w.createJob).toBeUndefined();
    expect(w.nativeIdempotency).toBeUndefined();
    expect(w.unsupported).toStrictEqual({
      sendInvoice: "CleverInvo sends invoices only from its dashboard; its API cannot send them.",
      markInvoicePaid:
        "CleverInvo records payments only in its dashboard; its API cannot mark invoices paid.",
      recordPayment: "CleverInvo records payments only in its dashboard; its API has no payments.",
    });
  });
});

describe("CleverInvo write retries", () => {
  const retrying = () => layer({ retries: 2 });

  it("retries the partial PUTs after a 503, and sends POST and DELETE once", async () => {
    const http = retrying();
    const clientId = await newClient();
    const invoiceId = await newInvoice({ customerId: clientId });

    sim.control.reset();
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.updateClient, times: 1 });
    expect((await writes(http).updateCustomer(clientId, { name: "Retried" })).name).toBe("Retried");
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.updateInvoice, times: 1 });
    expect((await writes(http).updateInvoice(invoiceId, { notes: "Retried" })).notes).toBe("Retried");
    expect(sim.control.snapshot()).toStrictEqual({
      [ROUTE.updateClient]: 2,
      [ROUTE.updateInvoice]: 2,
      [ROUTE.invoice]: 1,
    });

    sim.control.reset();
    const before = { clients: state.clients.size, invoices: state.invoices.size };
    for (const route of [ROUTE.createClient, ROUTE.createInvoice, ROUTE.deleteClient, ROUTE.deleteInvoice]) {
      sim.control.injectFault({ kind: "status", status: 503, route, times: 1 });
    }
    const w = writes(http);
    const failures = await Promise.all([
      failure(w.createCustomer({ name: "Once" }, {}), UpstreamError),
      failure(w.createInvoice({ ...WEB_DEV, number: "ONCE-1", customerId: clientId }, {}), UpstreamError),
      failure(w.deleteCustomer(clientId), UpstreamError),
      failure(w.deleteInvoice(invoiceId), UpstreamError),
    ]);
    expect(failures.map((error) => error.extensions.code)).toStrictEqual(
      Array(4).fill("UPSTREAM_UNAVAILABLE"),
    );
    expect(sim.control.snapshot()).toStrictEqual({
      [ROUTE.createClient]: 1,
      [ROUTE.createInvoice]: 1,
      [ROUTE.deleteClient]: 1,
      [ROUTE.deleteInvoice]: 1,
    });
    expect({ clients: state.clients.size, invoices: state.invoices.size }).toStrictEqual(before);
    expect(simClient(clientId).isActive).toBe(true);
  });

  it("says the invoice was created when only reading it back fails, so it is not created twice", async () => {
    const http = retrying();
    const customerId = await newClient();
    const before = state.invoices.size;
    counting();
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.invoice, times: 3 });
    const error = await failure(
      writes(http).createInvoice({ ...WEB_DEV, number: "READBACK-1", customerId }, {}),
      UpstreamError,
    );
    const created = [...state.invoices.values()].find((invoice) => invoice.invoiceNumber === "READBACK-1");
    expect(created).toBeDefined();
    expect(state.invoices.size).toBe(before + 1);
    expect(error.message).toBe(
      `CleverInvo created invoice ${created?.id} (READBACK-1), but reading it back failed: cleverinvo GET /invoices/:id failed: HTTP 503`,
    );
    expect(error.extensions).toStrictEqual({ code: "UPSTREAM_ERROR", source: "cleverinvo" });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.createInvoice]: 1, [ROUTE.invoice]: 3 });
  });
});

describe("CleverInvo read-your-writes", () => {
  const cached = () => layer({ cache: { ttlMs: 60_000, maxEntries: 1_000 } });

  /** Reads a client, the client list, an invoice, the invoice list and the PDF through `http`. */
  async function readAll(http: HttpLayer, clientId: string, invoiceId: string) {
    const ds = fresh(http);
    const customer = await ds.load(ref("Customer", clientId));
    const customers = await ds.lists.customers({}).fetch(0, 100);
    const invoice = await ds.load(ref("Invoice", invoiceId));
    const invoices = await ds.lists.invoices({ customerId: clientId })?.fetch(0, 100);
    const pdf = await ds.invoicePdf(invoiceId);
    return { customer, customers: customers.records, invoice, invoices: invoices?.records, pdf };
  }

  const ALL_GETS = {
    [ROUTE.client]: 1,
    [ROUTE.clients]: 1,
    [ROUTE.invoice]: 1,
    [ROUTE.invoices]: 1,
    [ROUTE.pdf]: 1,
  };

  it("a client update is seen by every later read of clients and invoices", async () => {
    const http = cached();
    const clientId = await newClient({ name: "Before" });
    const invoiceId = await newInvoice({ customerId: clientId });
    counting();
    await readAll(http, clientId, invoiceId);
    await readAll(http, clientId, invoiceId);
    expect(sim.control.snapshot()).toStrictEqual(ALL_GETS);

    counting();
    await writes(http).updateCustomer(clientId, { name: "After" });
    const after = await readAll(http, clientId, invoiceId);
    expect(sim.control.snapshot()).toStrictEqual({ ...ALL_GETS, [ROUTE.updateClient]: 1 });
    expect(after.customer).toMatchObject({ name: "After" });
    expect(after.customers.find((c) => c.sourceId === clientId)).toMatchObject({ name: "After" });
    expect(after.pdf?.bytes.includes(Buffer.from("After"))).toBe(true);

    counting();
    await writes(http).deleteCustomer(clientId);
    const ds = fresh(http);
    expect(await ds.load(ref("Customer", clientId))).toMatchObject({ status: "INACTIVE" });
    expect((await ds.lists.customers({}).fetch(0, 100)).records.some((c) => c.sourceId === clientId)).toBe(
      false,
    );
    expect(sim.control.snapshot()).toStrictEqual({
      [ROUTE.deleteClient]: 1,
      [ROUTE.client]: 1,
      [ROUTE.clients]: 1,
    });
  });

  it("a new client is in the next client list", async () => {
    const http = cached();
    const search = { search: "Newest of all" };
    expect((await fresh(http).lists.customers(search).fetch(0, 5)).total).toBe(0);
    const { record } = await writes(http).createCustomer({ name: "Newest of all" }, {});
    counting();
    const after = await fresh(http).lists.customers(search).fetch(0, 5);
    expect(after.records).toStrictEqual([record]);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.clients]: 1 });
  });

  it("invoice writes are seen by later invoice reads: details, lists and the PDF", async () => {
    const http = cached();
    const clientId = await newClient();
    const invoiceId = await newInvoice({ customerId: clientId });
    await readAll(http, clientId, invoiceId);

    counting();
    const updated = await writes(http).updateInvoice(invoiceId, { number: "RYW-2" });
    const after = await readAll(http, clientId, invoiceId);
    // The read-back GET refilled the detail; lists and the PDF were read afresh; clients stayed cached.
    expect(sim.control.snapshot()).toStrictEqual({
      [ROUTE.updateInvoice]: 1,
      [ROUTE.invoice]: 1,
      [ROUTE.invoices]: 1,
      [ROUTE.pdf]: 1,
    });
    expect(after.invoice).toStrictEqual(updated);
    expect(after.invoices?.map((i) => i.number)).toStrictEqual(["RYW-2"]);
    expect(after.pdf?.fileName).toBe("RYW-2.pdf");

    counting();
    const { record } = await writes(http).createInvoice(
      { ...WEB_DEV, number: "RYW-3", customerId: clientId },
      {},
    );
    const listed = await fresh(http).lists.invoices({ customerId: clientId })?.fetch(0, 100);
    // Both were created at the pinned clock: the order between them is the upstream's id order.
    expect(listed?.records.map((i) => i.sourceId).sort()).toStrictEqual([record.sourceId, invoiceId].sort());

    await writes(http).deleteInvoice(invoiceId);
    const ds = fresh(http);
    expect(await ds.load(ref("Invoice", invoiceId))).toBeNull();
    expect(await ds.invoicePdf(invoiceId)).toBeNull();
    expect(sim.control.snapshot()).toStrictEqual({
      [ROUTE.createInvoice]: 1,
      [ROUTE.invoice]: 2,
      [ROUTE.invoices]: 1,
      [ROUTE.deleteInvoice]: 1,
      [ROUTE.pdf]: 1,
    });
  });
});

describe("CleverInvo refusal texts", () => {
  // Shapes the gateway's own checks keep it from provoking (it never sends such bodies).
  const invoiceWrite: Parameters<typeof refusalError>[1] = {
    record: "invoice",
    field: fieldMapper({ clientId: "customerId" }),
  };

  it("maps each §4 message by status", () => {
    const map = (status: number, error: string, subject = invoiceWrite) =>
      refusalError(new CleverInvoRejection(status, error), subject);
    const fields = (error: unknown) => (error instanceof InputValidationError ? error.fields : error);

    expect(fields(map(400, "Missing required field: lineItems[0].unitPrice"))).toStrictEqual([
      { path: "input.lineItems[0].unitPrice", message: "is required" },
    ]);
    expect(fields(map(400, "Invalid field: clientId"))).toStrictEqual([
      { path: "input.customerId", message: "is invalid" },
    ]);
    expect(map(400, "Invalid JSON body")).toMatchObject({
      message: "CleverInvo answered HTTP 400: Invalid JSON body",
      extensions: { code: "UPSTREAM_ERROR", source: "cleverinvo", upstreamStatus: 400 },
    });
    expect(map(404, "Not found")).toMatchObject({
      extensions: { code: "UPSTREAM_ERROR", upstreamStatus: 404 },
    });
    expect(map(403, "Something else")).toMatchObject({
      extensions: { code: "UPSTREAM_ERROR", upstreamStatus: 403 },
    });
    // An invoice write's 404 "Invoice not found" without a path record is not the client's.
    expect(map(404, "Invoice not found")).toBeInstanceOf(UpstreamError);
    expect(map(404, "Invoice not found", { ...invoiceWrite, id: "c1" })).toBeInstanceOf(NotFoundError);
  });
});
