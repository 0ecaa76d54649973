import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type CleanEstimateAccount,
  type CleanEstimateAccountSpec,
  type CleanEstimateDataSet,
  type CleanEstimateSim,
  createCleanEstimateSim,
} from "../../sim/cleanestimate/index.js";
import { CleanEstimateClient } from "../../src/datasources/cleanestimate/client.js";
import { CleanEstimateDatasource } from "../../src/datasources/cleanestimate/datasource.js";
import { ESTIMATE_PATHS } from "../../src/datasources/cleanestimate/writes.js";
import { HttpLayer } from "../../src/datasources/http.js";
import type { NodeRef } from "../../src/datasources/unified.js";
import type { EstimateInput, LeadInput } from "../../src/datasources/writes.js";
import {
  type FieldProblem,
  IdempotencyConflictError,
  InputValidationError,
  InvalidStateError,
  NotFoundError,
  UpstreamError,
} from "../../src/errors.js";

/**
 * CleanEstimate Pro writes against its simulator over real HTTP: every operation's returned record
 * and the simulator's state afterwards, input checks that fail before any request, upstream refusals
 * mapped onto the client's input paths, not-found and invalid-state mapping, the upstream's own
 * Idempotency-Key de-duplication, and read-your-writes through the shared GET cache.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
const STAMP = "2026-03-01T12:30:00.000Z";
const LIVE_KEY = "ce_live_writes01_abcdefghijklmnopqrstuvwx";
const TEST_KEY = "ce_test_writes01_abcdefghijklmnopqrstuvwx";
const ACCOUNT: CleanEstimateAccountSpec = {
  id: "writes",
  seed: 11,
  apiKeys: [{ key: LIVE_KEY }, { key: TEST_KEY }],
  size: { leads: 5, clients: 5, estimates: 5, jobs: 5, invoices: 2 },
  testSize: { leads: 1, clients: 1, estimates: 1, jobs: 1, invoices: 1 },
};
const UNKNOWN_UUID = "0f0e0d0c-0b0a-4908-8706-050403020100";
const OTHER_UNKNOWN_UUID = "1f0e0d0c-0b0a-4908-8706-050403020100";
const REP_ID = "00000000-0000-0000-0000-000000000123";
const ROUTE = {
  postLead: "POST /api/v1/leads",
  patchLead: "PATCH /api/v1/leads/:id",
  getLead: "GET /api/v1/leads/:id",
  listLeads: "GET /api/v1/leads",
  postClient: "POST /api/v1/clients",
  patchClient: "PATCH /api/v1/clients/:id",
  getClient: "GET /api/v1/clients/:id",
  postEstimate: "POST /api/v1/estimates",
  patchEstimate: "PATCH /api/v1/estimates/:id",
  getEstimate: "GET /api/v1/estimates/:id",
  listEstimates: "GET /api/v1/estimates",
  postJob: "POST /api/v1/jobs",
  patchJob: "PATCH /api/v1/jobs/:id",
  getJob: "GET /api/v1/jobs/:id",
  listJobs: "GET /api/v1/jobs",
  postWebhook: "POST /api/v1/webhooks",
  deleteWebhook: "DELETE /api/v1/webhooks/:id",
  listWebhooks: "GET /api/v1/webhooks",
} as const;

let sim: CleanEstimateSim;
let account: CleanEstimateAccount;
let live: CleanEstimateDataSet;
let http: HttpLayer;

beforeAll(async () => {
  sim = createCleanEstimateSim({
    accounts: [ACCOUNT],
    rateLimit: { limit: 1_000_000_000, windowMs: 60_000 },
    now: () => NOW,
  });
  await sim.listen(0);
  account = sim.account(ACCOUNT.id);
  live = account.live;
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.control.reset();
  // A fresh cache per test, on, so read-your-writes is observable; retries without backoff.
  http = new HttpLayer({
    timeoutMs: 2_000,
    retries: 2,
    connections: 4,
    cache: { ttlMs: 60_000, maxEntries: 1_000 },
    retryBaseDelayMs: 0,
  });
});

afterEach(async () => {
  await http.close();
});

/** A datasource as one GraphQL request gets it (own memo and loaders), sharing the HTTP cache. */
function datasource(key = LIVE_KEY): CleanEstimateDatasource {
  return new CleanEstimateDatasource(
    new CleanEstimateClient(http, {
      source: "cleanestimate",
      tenantId: "t1",
      baseUrl: sim.baseUrl,
      headers: { authorization: `Bearer ${key}` },
      timeoutMs: 2_000,
    }),
  );
}

const writes = (key = LIVE_KEY) => datasource(key).writes;

const ref = (type: NodeRef["type"], sourceId: string): NodeRef => ({
  type,
  source: "cleanestimate",
  sourceId,
});

async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => new Error("expected a rejection"),
    (reason: unknown) => reason,
  );
  if (!(error instanceof type)) throw new Error(`expected ${type.name}, got ${String(error)}`);
  return error;
}

async function fieldsOf(promise: Promise<unknown>): Promise<FieldProblem[]> {
  return (await rejection(promise, InputValidationError)).fields;
}

const address = (
  line1: string | null,
  line2: string | null,
  city: string | null,
  region: string | null,
  postalCode: string | null,
) => ({ line1, line2, city, region, postalCode, country: null });

const usd = (cents: number) => ({ cents, currency: "USD" });

const seededClient = () => [...live.clients.values()].find((client) => client.address_line1 !== null)!;
const seededLead = () => [...live.leads.values()][0]!;

const documentedEstimate = (overrides: EstimateInput = {}): EstimateInput => ({
  customerName: "Taylor Morgan",
  services: [{ slug: "house_wash", squareFeet: 2400, stories: 2 }],
  addons: [{ slug: "gutter_brightening", quantity: 1 }],
  customItems: [{ name: "Mailbox cleaning", quantity: 1, unitPrice: "15.00" }],
  ...overrides,
});

describe("leads", () => {
  const fullLead: LeadInput = {
    name: "Taylor Morgan",
    email: "taylor@example.com",
    phone: "+15551234567",
    address: { line1: "123 Main St", city: "Charlotte", region: "NC", postalCode: "28202" },
    serviceInterests: ["house-wash"],
    notes: "Requested a Saturday estimate",
    channel: "website",
    status: "CONTACTED",
  };

  it("creates a lead with every field mapped, in one POST", async () => {
    const { record, replayed } = await writes().createLead(fullLead, {});
    expect(replayed).toBe(false);
    expect(live.leads.get(record.sourceId)).toStrictEqual({
      id: record.sourceId,
      status: "contacted",
      customer_name: "Taylor Morgan",
      customer_email: "taylor@example.com",
      customer_phone: "+15551234567",
      service_address: "123 Main St",
      city: "Charlotte",
      state: "NC",
      zip: "28202",
      service_interest: ["house-wash"],
      notes: "Requested a Saturday estimate",
      source: "website",
      created_at: STAMP,
      updated_at: STAMP,
    });
    expect(record).toStrictEqual({
      __typename: "Lead",
      source: "cleanestimate",
      sourceId: record.sourceId,
      name: "Taylor Morgan",
      email: "taylor@example.com",
      phone: "+15551234567",
      address: address("123 Main St", null, "Charlotte", "NC", "28202"),
      status: "CONTACTED",
      sourceStatus: "contacted",
      serviceInterests: ["house-wash"],
      notes: "Requested a Saturday estimate",
      channel: "website",
      customerId: null,
      createdAt: STAMP,
      updatedAt: STAMP,
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postLead]: 1 });
  });

  it("takes the upstream's defaults for what the input leaves out", async () => {
    const { record } = await writes().createLead({ name: "Just A Name" }, {});
    expect(live.leads.get(record.sourceId)).toMatchObject({
      status: "new",
      customer_email: null,
      service_address: null,
      service_interest: [],
      source: "api",
    });
    expect(record).toMatchObject({ status: "NEW", channel: "api", address: null, serviceInterests: [] });
  });

  it("rejects every bad or unsupported field at once, before any request", async () => {
    const before = live.leads.size;
    const fields = await fieldsOf(
      writes().createLead(
        {
          name: " ",
          email: "not-an-email",
          phone: "5".repeat(51),
          address: { line1: "a".repeat(256), line2: "Apt 4", country: "US" },
          serviceInterests: [...Array.from({ length: 21 }, (_, index) => `service-${index}`)],
          notes: "n".repeat(5001),
          channel: null,
          status: null,
          billingAddress: { line1: "1 Billing Rd" },
          customerType: "residential",
          referredBy: "Sam",
        },
        {},
      ),
    );
    expect(fields).toStrictEqual([
      { path: "input.billingAddress", message: "is not supported by CleanEstimate Pro leads" },
      { path: "input.customerType", message: "is not supported by CleanEstimate Pro leads" },
      { path: "input.referredBy", message: "is not supported by CleanEstimate Pro leads" },
      { path: "input.name", message: "is required" },
      { path: "input.email", message: "must be a valid email address" },
      { path: "input.phone", message: "must be at most 50 characters" },
      { path: "input.address.line2", message: "is not supported by CleanEstimate Pro leads" },
      { path: "input.address.country", message: "is not supported by CleanEstimate Pro leads" },
      { path: "input.address.line1", message: "must be at most 255 characters" },
      { path: "input.serviceInterests", message: "must have at most 20 items" },
      { path: "input.notes", message: "must be at most 5000 characters" },
      { path: "input.channel", message: "cannot be null" },
      { path: "input.status", message: "cannot be null" },
    ]);
    expect(sim.control.snapshot()).toStrictEqual({});
    expect(live.leads.size).toBe(before);
  });

  it("updates a lead: given fields change, null clears, the address clears as a whole", async () => {
    const { record: created } = await writes().createLead(fullLead, {});
    sim.control.resetCounts();
    const updated = await writes().updateLead(created.sourceId, {
      notes: "Left voicemail. Follow up tomorrow morning.",
      status: "QUOTED",
      email: null,
      address: null,
      serviceInterests: ["roof-wash", "deck-cleaning"],
    });
    expect(live.leads.get(created.sourceId)).toStrictEqual({
      id: created.sourceId,
      status: "quoted",
      customer_name: "Taylor Morgan",
      customer_email: null,
      customer_phone: "+15551234567",
      service_address: null,
      city: null,
      state: null,
      zip: null,
      service_interest: ["roof-wash", "deck-cleaning"],
      notes: "Left voicemail. Follow up tomorrow morning.",
      source: "website",
      created_at: STAMP,
      updated_at: STAMP,
    });
    expect(updated).toStrictEqual({
      ...created,
      email: null,
      address: null,
      status: "QUOTED",
      sourceStatus: "quoted",
      serviceInterests: ["roof-wash", "deck-cleaning"],
      notes: "Left voicemail. Follow up tomorrow morning.",
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.patchLead]: 1 });
  });

  it("changes one address part without touching the others", async () => {
    const { record: created } = await writes().createLead(fullLead, {});
    const updated = await writes().updateLead(created.sourceId, {
      address: { city: "Raleigh", postalCode: null },
    });
    expect(updated.address).toStrictEqual(address("123 Main St", null, "Raleigh", "NC", null));
    expect(live.leads.get(created.sourceId)).toMatchObject({
      service_address: "123 Main St",
      city: "Raleigh",
      state: "NC",
      zip: null,
    });
  });

  it("refuses to clear the name, before any request; an unknown lead is NotFound", async () => {
    const lead = seededLead();
    expect(await fieldsOf(writes().updateLead(lead.id, { name: null, channel: "" }))).toStrictEqual([
      { path: "input.name", message: "cannot be null" },
    ]);
    expect(await fieldsOf(writes().updateLead(lead.id, { name: "" }))).toStrictEqual([
      { path: "input.name", message: "cannot be empty" },
    ]);
    expect(sim.control.snapshot()).toStrictEqual({});
    const error = await rejection(writes().updateLead(UNKNOWN_UUID, { notes: "x" }), NotFoundError);
    expect(error.message).toBe(`CleanEstimate Pro lead ${UNKNOWN_UUID} not found`);
    expect(error.extensions).toMatchObject({ code: "NOT_FOUND", source: "cleanestimate" });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.patchLead]: 1 });
  });
});

describe("clients (customers)", () => {
  it("creates a client with every field mapped, in one POST", async () => {
    const { record, replayed } = await writes().createCustomer(
      {
        name: "Jordan Lee",
        email: "jordan@example.com",
        phone: "+15550001111",
        address: { line1: "9 Elm St", line2: "Unit 2", city: "Durham", region: "NC", postalCode: "27701" },
        notes: "Prefers text first.",
        status: "INACTIVE",
      },
      {},
    );
    expect(replayed).toBe(false);
    expect(live.clients.get(record.sourceId)).toStrictEqual({
      id: record.sourceId,
      name: "Jordan Lee",
      email: "jordan@example.com",
      phone: "+15550001111",
      address_line1: "9 Elm St",
      address_line2: "Unit 2",
      city: "Durham",
      state: "NC",
      zip: "27701",
      notes: "Prefers text first.",
      status: "inactive",
      created_at: STAMP,
      updated_at: STAMP,
    });
    expect(record).toStrictEqual({
      __typename: "Customer",
      source: "cleanestimate",
      sourceId: record.sourceId,
      number: null,
      name: "Jordan Lee",
      status: "INACTIVE",
      sourceStatus: "inactive",
      firstName: null,
      lastName: null,
      email: "jordan@example.com",
      phone: "+15550001111",
      mobile: null,
      address: address("9 Elm St", "Unit 2", "Durham", "NC", "27701"),
      billingAddress: null,
      taxId: null,
      customerType: null,
      notes: "Prefers text first.",
      smsReminders: null,
      walkIn: null,
      createdAt: STAMP,
      updatedAt: STAMP,
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postClient]: 1 });
  });

  it("rejects what clients cannot store, and the LEAD status, before any request", async () => {
    const fields = await fieldsOf(
      writes().createCustomer(
        {
          firstName: "Jordan",
          lastName: "Lee",
          mobile: "+15550002222",
          taxId: "12-3456789",
          smsReminders: true,
          billingAddress: { line1: "PO Box 1" },
          address: { country: "US", region: "N".repeat(51) },
          email: "jordan@",
          status: "LEAD",
        },
        {},
      ),
    );
    expect(fields).toStrictEqual([
      { path: "input.firstName", message: "is not supported by CleanEstimate Pro clients" },
      { path: "input.lastName", message: "is not supported by CleanEstimate Pro clients" },
      { path: "input.mobile", message: "is not supported by CleanEstimate Pro clients" },
      { path: "input.taxId", message: "is not supported by CleanEstimate Pro clients" },
      { path: "input.smsReminders", message: "is not supported by CleanEstimate Pro clients" },
      { path: "input.billingAddress", message: "is not supported by CleanEstimate Pro clients" },
      { path: "input.name", message: "is required" },
      { path: "input.email", message: "must be a valid email address" },
      { path: "input.address.country", message: "is not supported by CleanEstimate Pro clients" },
      { path: "input.address.region", message: "must be at most 50 characters" },
      { path: "input.status", message: "must be one of: ACTIVE, INACTIVE" },
    ]);
    expect(sim.control.snapshot()).toStrictEqual({});
  });

  it("updates a client: status, a cleared address line, the rest unchanged", async () => {
    const client = seededClient();
    const before = { ...client };
    const updated = await writes().updateCustomer(client.id, {
      status: "INACTIVE",
      address: { line2: null },
      notes: "Gate code changed to 9981.",
    });
    expect(live.clients.get(client.id)).toStrictEqual({
      ...before,
      status: "inactive",
      address_line2: null,
      notes: "Gate code changed to 9981.",
      updated_at: STAMP,
    });
    expect(updated).toMatchObject({
      sourceId: client.id,
      name: before.name,
      status: "INACTIVE",
      notes: "Gate code changed to 9981.",
      address: address(before.address_line1, null, before.city, before.state, before.zip),
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.patchClient]: 1 });
    expect(await fieldsOf(writes().updateCustomer(client.id, { name: null, status: null }))).toStrictEqual([
      { path: "input.name", message: "cannot be null" },
      { path: "input.status", message: "cannot be null" },
    ]);
    const error = await rejection(writes().updateCustomer(UNKNOWN_UUID, { notes: "x" }), NotFoundError);
    expect(error.message).toBe(`CleanEstimate Pro client ${UNKNOWN_UUID} not found`);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.patchClient]: 2 });
  });
});

describe("estimates", () => {
  it("creates the documented estimate, priced by the upstream, with every field mapped", async () => {
    const lead = seededLead();
    const client = seededClient();
    const { record, replayed } = await writes().createEstimate(
      documentedEstimate({
        email: "taylor@example.com",
        phone: "+15551234567",
        address: {
          line1: "123 Main St",
          line2: "Rear",
          city: "Charlotte",
          region: "NC",
          postalCode: "28202",
        },
        propertyType: "residential",
        customerId: client.id,
        leadId: lead.id,
        services: [
          { slug: "house_wash", squareFeet: 2400, stories: 2 },
          { slug: "deck_cleaning", squareFeet: 300, enabled: false },
        ],
        dirtinessLevel: "medium",
        salesRepId: REP_ID,
        status: "SENT",
        channel: "website",
        expiresAt: "2026-04-19T09:00:00-05:00",
      }),
      {},
    );
    expect(replayed).toBe(false);
    // medium: 2400 × 0.15 × 1.15 × 1.15 = 476.10; 75.00 add-on; 15.00 custom item.
    expect(live.estimates.get(record.sourceId)).toStrictEqual({
      id: record.sourceId,
      status: "sent",
      client_id: client.id,
      lead_id: lead.id,
      customer_name: "Taylor Morgan",
      customer_email: "taylor@example.com",
      customer_phone: "+15551234567",
      address_line1: "123 Main St",
      address_line2: "Rear",
      city: "Charlotte",
      state: "NC",
      zip: "28202",
      property_type: "residential",
      services: [
        { service_slug: "house_wash", enabled: true, sqft: 2400, stories: 2, amount: 476.1 },
        { service_slug: "deck_cleaning", enabled: false, sqft: 300, stories: 1, amount: 0 },
      ],
      addons: [{ addon_slug: "gutter_brightening", quantity: 1, unit_price: 75, amount: 75 }],
      custom_items: [{ name: "Mailbox cleaning", quantity: 1, unit_price: 15, amount: 15 }],
      dirtiness_level: "medium",
      total: 566.1,
      assigned_rep_id: REP_ID,
      source: "website",
      expires_at: "2026-04-19T14:00:00.000Z",
      accepted_at: null,
      created_at: STAMP,
      updated_at: STAMP,
    });
    expect(record).toStrictEqual({
      __typename: "Estimate",
      source: "cleanestimate",
      sourceId: record.sourceId,
      status: "SENT",
      sourceStatus: "sent",
      customerId: client.id,
      leadId: lead.id,
      customerName: "Taylor Morgan",
      email: "taylor@example.com",
      phone: "+15551234567",
      address: address("123 Main St", "Rear", "Charlotte", "NC", "28202"),
      propertyType: "residential",
      dirtinessLevel: "medium",
      services: [
        { slug: "house_wash", enabled: true, squareFeet: 2400, stories: 2, amount: usd(47610) },
        { slug: "deck_cleaning", enabled: false, squareFeet: 300, stories: 1, amount: usd(0) },
      ],
      addons: [{ slug: "gutter_brightening", quantity: 1, unitPrice: usd(7500), amount: usd(7500) }],
      customItems: [{ name: "Mailbox cleaning", quantity: 1, unitPrice: usd(1500), amount: usd(1500) }],
      total: usd(56610),
      salesRepId: REP_ID,
      channel: "website",
      expiresAt: "2026-04-19T14:00:00.000Z",
      acceptedAt: null,
      createdAt: STAMP,
      updatedAt: STAMP,
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postEstimate]: 1 });
  });

  it("takes the upstream's defaults: draft, light, api, 30 days", async () => {
    const { record } = await writes().createEstimate(documentedEstimate(), {});
    expect(record).toMatchObject({
      status: "DRAFT",
      dirtinessLevel: "light",
      channel: "api",
      total: usd(50400),
      expiresAt: "2026-03-31T12:30:00.000Z",
      customerId: null,
      leadId: null,
    });
  });

  it("rejects bad lines, enums, ids and formats at once, before any request", async () => {
    const fields = await fieldsOf(
      writes().createEstimate(
        {
          customerName: "c".repeat(256),
          address: { country: "US" },
          propertyType: "industrial",
          salesRepId: "rep-7",
          status: "ACCEPTED",
          channel: "x".repeat(51),
          expiresAt: "next week",
          customerId: "client-1",
          dirtinessLevel: "filthy",
          services: [
            { slug: "window_washing", squareFeet: 0, stories: 4 },
            { slug: "roof_wash", squareFeet: 1200, stories: 1.5, enabled: null },
          ],
          addons: [{ slug: "polish", quantity: 0 }],
          customItems: [{ name: "", quantity: -1, unitPrice: "1.234" }],
        },
        {},
      ),
    );
    expect(fields).toStrictEqual([
      { path: "input.customerName", message: "must be at most 255 characters" },
      { path: "input.address.country", message: "is not supported by CleanEstimate Pro estimates" },
      { path: "input.propertyType", message: "must be one of: residential, commercial" },
      { path: "input.salesRepId", message: "must be a UUID" },
      {
        path: "input.status",
        message:
          "must be one of: DRAFT, SENT (customers accept or decline on the estimate page; sent estimates expire by date)",
      },
      { path: "input.channel", message: "must be at most 50 characters" },
      {
        path: "input.expiresAt",
        message: "must be an RFC 3339 timestamp with offset, e.g. 2026-04-19T00:00:00Z",
      },
      { path: "input.customerId", message: "must be a UUID" },
      { path: "input.dirtinessLevel", message: "must be one of: light, medium, heavy" },
      {
        path: "input.services[0].slug",
        message:
          "must be one of: house_wash, roof_wash, driveway_cleaning, patio_cleaning, deck_cleaning, fence_cleaning",
      },
      { path: "input.services[0].squareFeet", message: "must be greater than 0" },
      { path: "input.services[0].stories", message: "must be at most 3" },
      { path: "input.services[1].enabled", message: "cannot be null" },
      { path: "input.services[1].stories", message: "must be a whole number" },
      {
        path: "input.addons[0].slug",
        message: "must be one of: gutter_brightening, window_rinse, rust_removal, oil_stain_treatment",
      },
      { path: "input.addons[0].quantity", message: "must be at least 1" },
      { path: "input.customItems[0].name", message: "is required" },
      { path: "input.customItems[0].quantity", message: "must be greater than 0" },
      { path: "input.customItems[0].unitPrice", message: "must have at most 2 decimals" },
    ]);
    expect(sim.control.snapshot()).toStrictEqual({});
  });

  it("needs at least one enabled service, addon or custom item", async () => {
    const problem = {
      path: "input.services",
      message: "is required: an estimate needs at least one enabled service, addon or custom item",
    };
    expect(await fieldsOf(writes().createEstimate({ customerName: "No Lines" }, {}))).toStrictEqual([
      problem,
    ]);
    expect(
      await fieldsOf(
        writes().createEstimate(
          {
            customerName: "Disabled Only",
            services: [{ slug: "house_wash", squareFeet: 100, enabled: false }],
          },
          {},
        ),
      ),
    ).toStrictEqual([problem]);
    expect(sim.control.snapshot()).toStrictEqual({});
  });

  it("maps the upstream's refusal of unknown clients and leads onto customerId and leadId", async () => {
    const before = live.estimates.size;
    const error = await rejection(
      writes().createEstimate(
        documentedEstimate({ customerId: UNKNOWN_UUID, leadId: OTHER_UNKNOWN_UUID }),
        {},
      ),
      InputValidationError,
    );
    expect(error.fields).toStrictEqual([
      { path: "input.customerId", message: "does not exist" },
      { path: "input.leadId", message: "does not exist" },
    ]);
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", source: "cleanestimate" });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postEstimate]: 1 });
    expect(live.estimates.size).toBe(before);
  });

  it("maps the upstream's dotted line fields to the input's paths", () => {
    expect(ESTIMATE_PATHS("services.0.sqft")).toBe("services[0].squareFeet");
    expect(ESTIMATE_PATHS("services.2.service_slug")).toBe("services[2].slug");
    expect(ESTIMATE_PATHS("addons.1.addon_slug")).toBe("addons[1].slug");
    expect(ESTIMATE_PATHS("custom_items.3.unit_price")).toBe("customItems[3].unitPrice");
    expect(ESTIMATE_PATHS("custom_items.0")).toBe("customItems[0]");
    expect(ESTIMATE_PATHS("zip")).toBe("address.postalCode");
    expect(ESTIMATE_PATHS("assigned_rep_id")).toBe("salesRepId");
  });

  it("updates the narrow field set without repricing", async () => {
    const { record: created } = await writes().createEstimate(documentedEstimate(), {});
    const stored = { ...live.estimates.get(created.sourceId)! };
    sim.control.resetCounts();
    const updated = await writes().updateEstimate(created.sourceId, {
      phone: "+15559876543",
      salesRepId: REP_ID,
      status: "SENT",
      expiresAt: "2026-04-19T00:00:00.000Z",
      propertyType: "commercial",
      address: { line1: "1 New Rd", city: null },
    });
    expect(live.estimates.get(created.sourceId)).toStrictEqual({
      ...stored,
      customer_phone: "+15559876543",
      assigned_rep_id: REP_ID,
      status: "sent",
      expires_at: "2026-04-19T00:00:00.000Z",
      property_type: "commercial",
      address_line1: "1 New Rd",
      city: null,
    });
    expect(updated).toStrictEqual({
      ...created,
      phone: "+15559876543",
      salesRepId: REP_ID,
      status: "SENT",
      sourceStatus: "sent",
      expiresAt: "2026-04-19T00:00:00.000Z",
      propertyType: "commercial",
      address: address("1 New Rd", null, null, null, null),
    });
    expect(updated.total).toStrictEqual(usd(50400));
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.patchEstimate]: 1 });
  });

  it("refuses price and link changes field by field, before any request", async () => {
    const { record: created } = await writes().createEstimate(documentedEstimate(), {});
    sim.control.resetCounts();
    const message =
      "cannot be updated: it changes the estimate's price or links; create a new estimate instead";
    const fields = await fieldsOf(
      writes().updateEstimate(created.sourceId, {
        services: [{ slug: "roof_wash", squareFeet: 100 }],
        addons: [],
        customItems: null,
        dirtinessLevel: "heavy",
        customerId: seededClient().id,
        leadId: null,
        status: "DECLINED",
        customerName: null,
      }),
    );
    expect(fields).toStrictEqual([
      { path: "input.services", message },
      { path: "input.addons", message },
      { path: "input.customItems", message },
      { path: "input.dirtinessLevel", message },
      { path: "input.customerId", message },
      { path: "input.leadId", message },
      { path: "input.customerName", message: "cannot be null" },
      {
        path: "input.status",
        message:
          "must be one of: DRAFT, SENT (customers accept or decline on the estimate page; sent estimates expire by date)",
      },
    ]);
    expect(sim.control.snapshot()).toStrictEqual({});
  });

  it("maps accepted, declined and expired estimates to InvalidState; unknown ones to NotFound", async () => {
    const accepted = (await writes().createEstimate(documentedEstimate({ status: "SENT" }), {})).record;
    sim.acceptEstimate(ACCOUNT.id, accepted.sourceId);
    const expired = (
      await writes().createEstimate(
        documentedEstimate({ status: "SENT", expiresAt: "2026-03-01T00:00:00Z" }),
        {},
      )
    ).record;
    expect(expired.status).toBe("EXPIRED");
    sim.control.resetCounts();
    for (const estimate of [accepted, expired]) {
      const error = await rejection(
        writes().updateEstimate(estimate.sourceId, { phone: "+15550000000" }),
        InvalidStateError,
      );
      expect(error.message).toBe("Estimate can no longer be modified");
      expect(error.extensions).toMatchObject({ code: "INVALID_STATE", source: "cleanestimate" });
      expect(live.estimates.get(estimate.sourceId)?.customer_phone).toBeNull();
    }
    const missing = await rejection(writes().updateEstimate(UNKNOWN_UUID, { phone: "+1" }), NotFoundError);
    expect(missing.message).toBe(`CleanEstimate Pro estimate ${UNKNOWN_UUID} not found`);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.patchEstimate]: 3 });
  });
});

describe("jobs", () => {
  it("creates a job with every field mapped (times to HH:MM:SS, price to a number), in one POST", async () => {
    const client = seededClient();
    const { record: estimate } = await writes().createEstimate(documentedEstimate(), {});
    sim.control.resetCounts();
    const { record, replayed } = await writes().createJob(
      {
        customerId: client.id,
        serviceType: "house_wash",
        scheduledDate: "2026-03-20",
        scheduledTime: "09:00",
        scheduledEndTime: "11:30",
        address: { line1: "500 Oak Ave", city: "Raleigh", region: "NC", postalCode: "27601" },
        estimateId: estimate.sourceId,
        price: "250.50",
        notes: "Customer requested a 30-minute arrival call.",
        accessNotes: "Use side gate. Code 4421.",
        specialInstructions: "Park on the street, not in the driveway.",
        status: "IN_PROGRESS",
      },
      {},
    );
    expect(replayed).toBe(false);
    expect(live.jobs.get(record.sourceId)).toStrictEqual({
      id: record.sourceId,
      client_id: client.id,
      estimate_id: estimate.sourceId,
      status: "in_progress",
      service_type: "house_wash",
      scheduled_date: "2026-03-20",
      scheduled_time_start: "09:00:00",
      scheduled_time_end: "11:30:00",
      customer_name: client.name,
      service_address: "500 Oak Ave",
      service_city: "Raleigh",
      service_state: "NC",
      service_zip: "27601",
      price: 250.5,
      notes: "Customer requested a 30-minute arrival call.",
      access_notes: "Use side gate. Code 4421.",
      special_instructions: "Park on the street, not in the driveway.",
      completed_at: null,
      created_at: STAMP,
      updated_at: STAMP,
    });
    expect(record).toStrictEqual({
      __typename: "Job",
      source: "cleanestimate",
      sourceId: record.sourceId,
      number: null,
      crewId: null,
      locationId: null,
      customerId: client.id,
      title: `house_wash - ${client.name}`,
      description: null,
      status: "IN_PROGRESS",
      sourceStatus: "in_progress",
      serviceType: "house_wash",
      jobType: null,
      scheduledDate: "2026-03-20",
      scheduledTime: "09:00",
      scheduledEndTime: "11:30",
      durationMinutes: null,
      assignee: null,
      address: address("500 Oak Ave", null, "Raleigh", "NC", "27601"),
      price: usd(25050),
      notes: "Customer requested a 30-minute arrival call.",
      accessNotes: "Use side gate. Code 4421.",
      specialInstructions: "Park on the street, not in the driveway.",
      estimateId: estimate.sourceId,
      completedAt: null,
      completionNotes: null,
      siteVisitCount: 0,
      createdAt: STAMP,
      updatedAt: STAMP,
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postJob]: 1 });
  });

  it("leaves the address and price to the upstream's defaults: the client's address, the estimate's total", async () => {
    const client = seededClient();
    const { record: estimate } = await writes().createEstimate(documentedEstimate(), {});
    const { record } = await writes().createJob(
      {
        customerId: client.id,
        serviceType: "deck_cleaning",
        scheduledDate: "2026-03-21",
        estimateId: estimate.sourceId,
      },
      {},
    );
    expect(record).toMatchObject({
      status: "SCHEDULED",
      address: address(client.address_line1, null, client.city, client.state, client.zip),
      price: usd(50400),
      scheduledTime: null,
      scheduledEndTime: null,
    });
    expect(live.jobs.get(record.sourceId)).toMatchObject({
      service_address: client.address_line1,
      price: 504,
    });
  });

  it("rejects missing, malformed and unsupported fields at once, before any request", async () => {
    const fields = await fieldsOf(
      writes().createJob(
        {
          title: "Spring wash",
          description: "Full exterior",
          durationMinutes: 90,
          assigneeId: "u1",
          scheduledTime: "11:00",
          scheduledEndTime: "09:00",
          address: { line2: "Unit 2" },
          estimateId: "estimate-1",
          price: "-1.00",
          accessNotes: "a".repeat(5001),
          status: "UNSCHEDULED",
        },
        {},
      ),
    );
    expect(fields).toStrictEqual([
      { path: "input.description", message: "is not supported by CleanEstimate Pro jobs" },
      { path: "input.durationMinutes", message: "is not supported by CleanEstimate Pro jobs" },
      { path: "input.assigneeId", message: "is not supported by CleanEstimate Pro jobs" },
      {
        path: "input.title",
        message:
          "is not supported by CleanEstimate Pro jobs: their title is the service type and customer name",
      },
      { path: "input.customerId", message: "is required" },
      { path: "input.serviceType", message: "is required" },
      { path: "input.scheduledDate", message: "is required" },
      { path: "input.scheduledEndTime", message: "must be after scheduledTime" },
      { path: "input.address.line2", message: "is not supported by CleanEstimate Pro jobs" },
      { path: "input.estimateId", message: "must be a UUID" },
      { path: "input.price", message: "must be at least 0" },
      { path: "input.accessNotes", message: "must be at most 5000 characters" },
      {
        path: "input.status",
        message:
          "must be one of: SCHEDULED, IN_PROGRESS, COMPLETED, CANCELLED (CleanEstimate Pro jobs always have a scheduled date)",
      },
    ]);
    expect(
      await fieldsOf(
        writes().createJob(
          {
            customerId: seededClient().id,
            serviceType: "x",
            scheduledDate: "2026-02-30",
            scheduledTime: "9:00",
          },
          {},
        ),
      ),
    ).toStrictEqual([
      { path: "input.scheduledDate", message: "must be a date as YYYY-MM-DD" },
      { path: "input.scheduledTime", message: "must be a time as HH:MM (24 h)" },
    ]);
    expect(sim.control.snapshot()).toStrictEqual({});
  });

  it("maps the upstream's refusal of unknown clients and estimates onto the input", async () => {
    const error = await rejection(
      writes().createJob(
        {
          customerId: UNKNOWN_UUID,
          estimateId: OTHER_UNKNOWN_UUID,
          serviceType: "house_wash",
          scheduledDate: "2026-03-20",
        },
        {},
      ),
      InputValidationError,
    );
    expect(error.fields).toStrictEqual([
      { path: "input.customerId", message: "does not exist" },
      { path: "input.estimateId", message: "does not exist" },
    ]);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postJob]: 1 });
  });

  it("updates a job; an end time before the stored start is the upstream's refusal, on scheduledEndTime", async () => {
    const client = seededClient();
    const created = (
      await writes().createJob(
        {
          customerId: client.id,
          serviceType: "house_wash",
          scheduledDate: "2026-03-20",
          scheduledTime: "09:00",
          scheduledEndTime: "11:00",
          price: "100.00",
        },
        {},
      )
    ).record;
    sim.control.resetCounts();
    const refused = await rejection(
      writes().updateJob(created.sourceId, { scheduledEndTime: "08:30" }),
      InputValidationError,
    );
    expect(refused.fields).toStrictEqual([{ path: "input.scheduledEndTime", message: "is invalid" }]);
    expect(refused.extensions).toMatchObject({ source: "cleanestimate" });

    const updated = await writes().updateJob(created.sourceId, {
      scheduledDate: "2026-03-22",
      scheduledEndTime: null,
      price: null,
      notes: "Moved to Sunday.",
      address: { line1: "77 Pine St" },
      status: "CANCELLED",
    });
    expect(live.jobs.get(created.sourceId)).toMatchObject({
      scheduled_date: "2026-03-22",
      scheduled_time_start: "09:00:00",
      scheduled_time_end: null,
      price: null,
      notes: "Moved to Sunday.",
      service_address: "77 Pine St",
      service_city: client.city,
      status: "cancelled",
    });
    expect(updated).toStrictEqual({
      ...created,
      scheduledDate: "2026-03-22",
      scheduledEndTime: null,
      price: null,
      notes: "Moved to Sunday.",
      address: address("77 Pine St", null, client.city, client.state, client.zip),
      status: "CANCELLED",
      sourceStatus: "cancelled",
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.patchJob]: 2 });
    expect(
      await fieldsOf(
        writes().updateJob(created.sourceId, { customerId: null, serviceType: null, status: null }),
      ),
    ).toStrictEqual([
      { path: "input.customerId", message: "cannot be null" },
      { path: "input.serviceType", message: "cannot be null" },
      { path: "input.status", message: "cannot be null" },
    ]);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.patchJob]: 2 });
  });

  it("completes a job: status completed, completed_at stamped by the upstream, in one PATCH", async () => {
    const { record: created } = await writes().createJob(
      { customerId: seededClient().id, serviceType: "house_wash", scheduledDate: "2026-03-01" },
      {},
    );
    const job = live.jobs.get(created.sourceId)!;
    const before = { ...job };
    sim.control.resetCounts();
    const completed = await writes().completeJob(job.id, {});
    expect(live.jobs.get(job.id)).toStrictEqual({
      ...before,
      status: "completed",
      completed_at: STAMP,
      updated_at: STAMP,
    });
    expect(completed).toMatchObject({
      sourceId: job.id,
      status: "COMPLETED",
      sourceStatus: "completed",
      completedAt: STAMP,
    });
    expect(account.events.at(-1)).toMatchObject({ type: "job.completed" });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.patchJob]: 1 });
  });

  it("refuses completion notes and times it cannot store; an unknown job is NotFound", async () => {
    const job = [...live.jobs.values()][0]!;
    expect(
      await fieldsOf(
        writes().completeJob(job.id, { completedAt: "2026-03-01T10:00:00Z", completionNotes: "Done" }),
      ),
    ).toStrictEqual([
      {
        path: "input.completedAt",
        message: "is not supported by CleanEstimate Pro jobs: the upstream records when the job is completed",
      },
      { path: "input.completionNotes", message: "is not supported by CleanEstimate Pro jobs" },
    ]);
    expect(sim.control.snapshot()).toStrictEqual({});
    const error = await rejection(writes().completeJob(UNKNOWN_UUID, {}), NotFoundError);
    expect(error.message).toBe(`CleanEstimate Pro job ${UNKNOWN_UUID} not found`);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.patchJob]: 1 });
  });
});

describe("webhook endpoints", () => {
  it("registers an endpoint and returns the secret shown only in this answer; deletes it", async () => {
    const { record, replayed } = await writes().registerWebhookEndpoint(
      {
        name: "Ops Sync",
        url: "https://example.com/cepro/webhooks",
        events: ["lead.created", "job.completed"],
      },
      {},
    );
    expect(replayed).toBe(false);
    const stored = account.webhooks.get(record.endpoint.sourceId)!;
    expect(stored).toStrictEqual({
      id: record.endpoint.sourceId,
      name: "Ops Sync",
      url: "https://example.com/cepro/webhooks",
      events: ["lead.created", "job.completed"],
      secret: record.secret,
      created_at: STAMP,
    });
    expect(record.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(record.endpoint).toStrictEqual({
      source: "cleanestimate",
      sourceId: stored.id,
      name: "Ops Sync",
      url: "https://example.com/cepro/webhooks",
      events: ["lead.created", "job.completed"],
      createdAt: STAMP,
    });
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postWebhook]: 1 });

    expect(await writes().deleteWebhookEndpoint(stored.id)).toStrictEqual({ permanent: true });
    expect(account.webhooks.has(stored.id)).toBe(false);
    const again = await rejection(writes().deleteWebhookEndpoint(stored.id), NotFoundError);
    expect(again.message).toBe(`CleanEstimate Pro webhook endpoint ${stored.id} not found`);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postWebhook]: 1, [ROUTE.deleteWebhook]: 2 });
  });

  it("rejects bad names, urls and events before any request", async () => {
    const fields = await fieldsOf(
      writes().registerWebhookEndpoint(
        {
          name: "n".repeat(101),
          url: "ftp://example.com/hook",
          events: ["lead.created", "lead.deleted", "lead.created"],
        },
        {},
      ),
    );
    expect(fields).toStrictEqual([
      { path: "input.name", message: "must be at most 100 characters" },
      { path: "input.url", message: "must be an http(s) URL" },
      {
        path: "input.events[1]",
        message:
          "must be one of: lead.created, lead.updated, client.created, client.updated, estimate.created, estimate.updated, estimate.accepted, job.created, job.updated, job.completed, invoice.created, invoice.paid",
      },
      { path: "input.events[2]", message: "is listed more than once" },
    ]);
    expect(
      await fieldsOf(writes().registerWebhookEndpoint({ name: "", url: "not a url", events: [] }, {})),
    ).toStrictEqual([
      { path: "input.name", message: "is required" },
      { path: "input.url", message: "must be an absolute http(s) URL" },
      { path: "input.events", message: "must have at least one item" },
    ]);
    expect(sim.control.snapshot()).toStrictEqual({});
  });

  it("explains that a test key cannot manage webhook endpoints", async () => {
    for (const attempt of [
      () =>
        writes(TEST_KEY).registerWebhookEndpoint(
          { name: "Test", url: "https://example.com/h", events: ["lead.created"] },
          {},
        ),
      () => writes(TEST_KEY).deleteWebhookEndpoint(UNKNOWN_UUID),
    ]) {
      const error = await rejection(attempt(), UpstreamError);
      expect(error.message).toBe(
        "CleanEstimate Pro manages webhook endpoints only with a live API key (ce_live_…); this tenant is configured with a test key.",
      );
      expect(error.extensions).toMatchObject({
        code: "UPSTREAM_ERROR",
        source: "cleanestimate",
        upstreamStatus: 403,
      });
    }
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postWebhook]: 1, [ROUTE.deleteWebhook]: 1 });
  });
});

describe("idempotency (the upstream's own Idempotency-Key)", () => {
  const input: LeadInput = { name: "Replay Person", notes: "first", serviceInterests: ["roof-wash"] };

  it("creates once for the same key and input; the repeat is the stored result, replayed", async () => {
    const leads = live.leads.size;
    const events = account.events.length;
    const first = await writes().createLead(input, { idempotencyKey: "lead-replay-1" });
    const second = await writes().createLead(input, { idempotencyKey: "lead-replay-1" });
    expect(first.replayed).toBe(false);
    expect(second.replayed).toBe(true);
    expect(second.record).toStrictEqual(first.record);
    expect(live.leads.size).toBe(leads + 1);
    expect(live.leads.get(first.record.sourceId)?.customer_name).toBe("Replay Person");
    expect(account.events.slice(events).map((event) => event.type)).toStrictEqual(["lead.created"]);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postLead]: 2 });
  });

  it("refuses the same key with different input as an idempotency conflict", async () => {
    await writes().createCustomer({ name: "Key Owner" }, { idempotencyKey: "client-key-1" });
    const clients = live.clients.size;
    const error = await rejection(
      writes().createCustomer({ name: "Someone Else" }, { idempotencyKey: "client-key-1" }),
      IdempotencyConflictError,
    );
    expect(error.message).toBe(
      "This idempotencyKey was already used with a different CleanEstimate Pro request. Use a new key for a new request.",
    );
    expect(error.extensions).toMatchObject({ code: "IDEMPOTENCY_CONFLICT" });
    // Another operation under the same key is a different request too.
    await rejection(
      writes().createLead({ name: "Key Owner" }, { idempotencyKey: "client-key-1" }),
      IdempotencyConflictError,
    );
    expect(live.clients.size).toBe(clients);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postClient]: 2, [ROUTE.postLead]: 1 });
  });

  it("makes the POST safe to retry: a 503 is retried and exactly one record is created", async () => {
    const jobs = live.jobs.size;
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.postJob, times: 1 });
    const { record, replayed } = await writes().createJob(
      { customerId: seededClient().id, serviceType: "fence_cleaning", scheduledDate: "2026-03-25" },
      { idempotencyKey: "job-retry-1" },
    );
    expect(replayed).toBe(false);
    expect(live.jobs.size).toBe(jobs + 1);
    expect(live.jobs.get(record.sourceId)?.service_type).toBe("fence_cleaning");
    expect(sim.control.requests.map((request) => [request.routeKey, request.faulted])).toStrictEqual([
      [ROUTE.postJob, "status"],
      [ROUTE.postJob, null],
    ]);
  });

  it("sends a POST without a key once: a 503 fails the write and nothing is created", async () => {
    const jobs = live.jobs.size;
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.postJob, times: 1 });
    const error = await rejection(
      writes().createJob(
        { customerId: seededClient().id, serviceType: "x", scheduledDate: "2026-03-25" },
        {},
      ),
      UpstreamError,
    );
    expect(error.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", upstreamStatus: 503 });
    expect(live.jobs.size).toBe(jobs);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.postJob]: 1 });
  });

  it("keys every PATCH itself, so a retried update is applied once", async () => {
    const lead = seededLead();
    const events = account.events.length;
    const storedAnswers = live.idempotency.size;
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.patchLead, times: 1 });
    const updated = await writes().updateLead(lead.id, { notes: "Retried once." });
    expect(updated.notes).toBe("Retried once.");
    expect(account.events.slice(events).map((event) => event.type)).toStrictEqual(["lead.updated"]);
    // The PATCH carried a key of its own: the upstream stored its answer for a repeat.
    expect(live.idempotency.size).toBe(storedAnswers + 1);
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.patchLead]: 2 });
  });
});

describe("read-your-writes", () => {
  /**
   * A read, then the same read served from the cache, then the write, then the read in a later
   * request: the write must have dropped the cached answer (one more upstream GET), and the read
   * sees the change.
   */
  async function readAcross<T>(
    read: () => Promise<T>,
    route: string,
    write: () => Promise<unknown>,
  ): Promise<{ before: T; after: T }> {
    const before = await read();
    const sent = sim.control.count(route);
    await read();
    expect(sim.control.count(route)).toBe(sent);
    await write();
    const after = await read();
    expect(sim.control.count(route)).toBe(sent + 1);
    return { before, after };
  }

  const leadsPage = () =>
    datasource()
      .lists.leads({})!
      .fetchFrom({ c: null, s: 0 }, 100)
      .then((page) => page.records.map((lead) => lead.sourceId));

  it("leads: a created lead is in the next list; an update is in the next detail read", async () => {
    let created = "";
    const list = await readAcross(leadsPage, ROUTE.listLeads, async () => {
      created = (await writes().createLead({ name: "Fresh Lead" }, {})).record.sourceId;
    });
    expect(list.before).not.toContain(created);
    expect(list.after).toContain(created);

    const detail = await readAcross(
      () => datasource().load(ref("Lead", created)),
      ROUTE.getLead,
      () => writes().updateLead(created, { notes: "Seen after the write" }),
    );
    expect(detail.after).toMatchObject({ notes: "Seen after the write" });
  });

  it("clients, estimates and jobs: the next detail read sees the write", async () => {
    const client = seededClient();
    const customer = await readAcross(
      () => datasource().load(ref("Customer", client.id)),
      ROUTE.getClient,
      () => writes().updateCustomer(client.id, { phone: "+15557770000" }),
    );
    expect(customer.after).toMatchObject({ phone: "+15557770000" });

    const estimateId = (await writes().createEstimate(documentedEstimate(), {})).record.sourceId;
    const estimate = await readAcross(
      () => datasource().load(ref("Estimate", estimateId)),
      ROUTE.getEstimate,
      () => writes().updateEstimate(estimateId, { status: "SENT" }),
    );
    expect(estimate.after).toMatchObject({ status: "SENT" });

    const jobId = (
      await writes().createJob(
        { customerId: client.id, serviceType: "patio_cleaning", scheduledDate: "2026-03-26" },
        {},
      )
    ).record.sourceId;
    const job = await readAcross(
      () => datasource().load(ref("Job", jobId)),
      ROUTE.getJob,
      () => writes().completeJob(jobId, {}),
    );
    expect(job.after).toMatchObject({ status: "COMPLETED" });
  });

  it("estimates and jobs: a created record is in the next list", async () => {
    const estimatesPage = () =>
      datasource()
        .lists.estimates({})!
        .fetchFrom({ c: null, s: 0 }, 100)
        .then((page) => page.records.map((estimate) => estimate.sourceId));
    let estimateId = "";
    const estimates = await readAcross(estimatesPage, ROUTE.listEstimates, async () => {
      estimateId = (await writes().createEstimate(documentedEstimate(), {})).record.sourceId;
    });
    expect(estimates.after).toContain(estimateId);

    const jobsPage = () =>
      datasource()
        .lists.jobs({})!
        .fetchFrom({ c: null, s: 0 }, 100)
        .then((page) => page.records.map((job) => job.sourceId));
    let jobId = "";
    const jobs = await readAcross(jobsPage, ROUTE.listJobs, async () => {
      jobId = (
        await writes().createJob(
          { customerId: seededClient().id, serviceType: "roof_wash", scheduledDate: "2026-03-27" },
          {},
        )
      ).record.sourceId;
    });
    expect(jobs.before).not.toContain(jobId);
    expect(jobs.after).toContain(jobId);
  });

  it("webhook endpoints: registering and deleting change the next list", async () => {
    const names = () =>
      datasource()
        .webhookEndpoints()
        .then((endpoints) => endpoints.map((e) => e.sourceId));
    let id = "";
    const registered = await readAcross(names, ROUTE.listWebhooks, async () => {
      id = (
        await writes().registerWebhookEndpoint(
          { name: "Listed", url: "https://example.com/listed", events: ["job.created"] },
          {},
        )
      ).record.endpoint.sourceId;
    });
    expect(registered.before).not.toContain(id);
    expect(registered.after.filter((endpoint) => endpoint !== id)).toStrictEqual(registered.before);
    expect(registered.after).toContain(id);
    const deleted = await readAcross(names, ROUTE.listWebhooks, () => writes().deleteWebhookEndpoint(id));
    expect(deleted.after).not.toContain(id);
  });

  it("a failed write still drops the cache: it may have landed before its answer was lost", async () => {
    const lead = seededLead();
    const read = () => datasource().load(ref("Lead", lead.id));
    await read();
    sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.patchLead });
    await rejection(writes().updateLead(lead.id, { notes: "lost" }), UpstreamError);
    sim.control.reset();
    await read();
    expect(sim.control.snapshot()).toStrictEqual({ [ROUTE.getLead]: 1 });
  });
});
