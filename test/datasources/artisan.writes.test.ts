import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ARTISAN_DEMO_COMPANY,
  ARTISAN_DEMO_TOKEN,
  type ArtisanCompanySpec,
  type ArtisanCompanyState,
  type ArtisanCustomer,
  type ArtisanJob,
  type ArtisanSim,
  type ArtisanSiteVisit,
  createArtisanSim,
} from "../../sim/artisan/index.js";
import { ArtisanClient } from "../../src/datasources/artisan/client.js";
import { ArtisanDatasource } from "../../src/datasources/artisan/datasource.js";
import { HttpLayer, type UpstreamTarget } from "../../src/datasources/http.js";
import type {
  NodeRef,
  UnifiedCustomer,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedSiteVisit,
} from "../../src/datasources/unified.js";
import type { SourceWrites } from "../../src/datasources/writes.js";
import {
  type FieldProblem,
  GatewayError,
  InputValidationError,
  InvalidStateError,
  NotFoundError,
  UpstreamError,
} from "../../src/errors.js";

/**
 * Check-in ARTISAN writes against the simulator over real HTTP: the returned records and the
 * simulator's state afterwards, the gateway's own checks (no request sent), ARTISAN's 422s moved
 * onto the client's paths, 403/404 as not found, state rules, retries (PUT only), cache
 * invalidation, and the exact upstream requests of every operation.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
/** NOW as the simulator renders it for the demo company (Europe/Paris). */
const PARIS_NOW = "2026-03-01T13:30:00+01:00";
const BASE = "/api/v1";
const ROUTE = {
  company: `GET ${BASE}/company`,
  customers: `GET ${BASE}/customers`,
  customer: `GET ${BASE}/customers/{id}`,
  createCustomer: `POST ${BASE}/customers`,
  updateCustomer: `PUT ${BASE}/customers/{id}`,
  deleteCustomer: `DELETE ${BASE}/customers/{id}`,
  jobs: `GET ${BASE}/jobs`,
  job: `GET ${BASE}/jobs/{id}`,
  createJob: `POST ${BASE}/jobs`,
  updateJob: `PUT ${BASE}/jobs/{id}`,
  deleteJob: `DELETE ${BASE}/jobs/{id}`,
  siteVisits: `GET ${BASE}/site-visits`,
  siteVisit: `GET ${BASE}/site-visits/{id}`,
  createSiteVisit: `POST ${BASE}/site-visits`,
  updateSiteVisit: `PUT ${BASE}/site-visits/{id}`,
  deleteSiteVisit: `DELETE ${BASE}/site-visits/{id}`,
  invoices: `GET ${BASE}/invoices`,
  createInvoice: `POST ${BASE}/invoices`,
} as const;

const DEMO: ArtisanCompanySpec = {
  ...ARTISAN_DEMO_COMPANY,
  size: { customers: 30, jobs: 60, siteVisits: 90, invoices: 20 },
};
const OTHER_TOKEN = "9|OtherCompanyToken0123456789abcdefghijklmn";
const OTHER: ArtisanCompanySpec = {
  slug: "north-heating",
  name: "North Heating Ltd",
  seed: 11,
  tokens: [OTHER_TOKEN],
  timezone: "Europe/London",
  currency: "GBP",
  locale: "en",
  plan: "solo",
  size: { customers: 6, jobs: 8, siteVisits: 10, invoices: 6 },
};

let sim: ArtisanSim;
let state: ArtisanCompanyState;
let other: ArtisanCompanyState;
let http: HttpLayer;

// A fresh simulator per test: every test starts from the same seeded state.
beforeEach(async () => {
  sim = createArtisanSim({
    companies: [DEMO, OTHER],
    rateLimit: { limit: 1_000_000_000, windowMs: 60_000 },
    now: () => NOW,
  });
  await sim.listen(0);
  state = sim.companies.get(DEMO.slug)!;
  other = sim.companies.get(OTHER.slug)!;
  http = layer();
});

afterEach(async () => {
  await http.close();
  await sim.close();
});

/** The cross-request GET cache is on, so read-your-writes is observable. */
function layer(options: { retries?: number } = {}): HttpLayer {
  return new HttpLayer({
    timeoutMs: 2_000,
    retries: options.retries ?? 0,
    retryBaseDelayMs: 0,
    connections: 4,
    cache: { ttlMs: 60_000, maxEntries: 1_000 },
  });
}

function target(token = ARTISAN_DEMO_TOKEN): UpstreamTarget {
  return {
    source: "artisan",
    tenantId: "t1",
    baseUrl: sim.baseUrl,
    headers: { authorization: `Bearer ${token}` },
    timeoutMs: 2_000,
  };
}

/** A datasource as one GraphQL request gets it. */
function fresh(options: { http?: HttpLayer; token?: string } = {}): ArtisanDatasource {
  return new ArtisanDatasource(new ArtisanClient(options.http ?? http, target(options.token)), 600_000);
}

const ref = (type: NodeRef["type"], id: number): NodeRef => ({
  type,
  source: "artisan",
  sourceId: String(id),
});

async function rejected(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected the write to fail");
}

/** The field problems of a BAD_USER_INPUT; `source` is set when ARTISAN itself refused. */
async function invalid(promise: Promise<unknown>, source?: "artisan"): Promise<FieldProblem[]> {
  const error = await rejected(promise);
  expect(error).toBeInstanceOf(InputValidationError);
  expect(error.extensions.code).toBe("BAD_USER_INPUT");
  expect(error.extensions.source).toBe(source);
  return (error as InputValidationError).fields;
}

async function notFound(promise: Promise<unknown>): Promise<string> {
  const error = await rejected(promise);
  expect(error).toBeInstanceOf(NotFoundError);
  expect(error.extensions).toEqual({ code: "NOT_FOUND", source: "artisan" });
  return error.message;
}

const requests = () => sim.control.snapshot();

// ---- Seed data the tests act on ----

const invoicedCustomers = (company: ArtisanCompanyState) =>
  new Set([...company.invoices.values()].map((invoice) => invoice.customer_id));

/** A customer without invoices whose jobs have site visits: deleting it cascades. */
function deletableCustomer(): { customer: ArtisanCustomer; jobs: number[]; visits: number[] } {
  const invoiced = invoicedCustomers(state);
  for (const customer of state.customers.values()) {
    if (invoiced.has(customer.id)) continue;
    const jobs = [...state.jobs.values()]
      .filter((job) => job.customer_id === customer.id)
      .map((job) => job.id);
    const visits = [...state.siteVisits.values()]
      .filter((visit) => jobs.includes(visit.job_id) || visit.customer_id === customer.id)
      .map((visit) => visit.id);
    if (visits.length > 0) return { customer, jobs, visits };
  }
  throw new Error("seed has no customer without invoices with visits");
}

function jobWithVisits(company = state): { job: ArtisanJob; visits: number[] } {
  for (const job of company.jobs.values()) {
    const visits = [...company.siteVisits.values()].filter((visit) => visit.job_id === job.id);
    if (visits.length > 0) return { job, visits: visits.map((visit) => visit.id) };
  }
  throw new Error("seed has no job with visits");
}

const first = <T>(map: Map<number, T>): T => map.values().next().value as T;
const firstId = (map: Map<number, unknown>): number => map.keys().next().value as number;

// ---- Expected unified records, written from the reference independently of the mappers ----

function expectedCustomer(c: ArtisanCustomer): UnifiedCustomer {
  const parts = [c.address, c.address2, c.zip_code, c.city, c.country];
  return {
    __typename: "Customer",
    source: "artisan",
    sourceId: String(c.id),
    number: null,
    name: c.full_name,
    status: null,
    sourceStatus: null,
    firstName: c.first_name,
    lastName: c.last_name,
    email: c.email,
    phone: c.phone,
    mobile: c.mobile,
    address: parts.some((part) => part !== null)
      ? {
          line1: c.address,
          line2: c.address2,
          city: c.city,
          region: null,
          postalCode: c.zip_code,
          country: c.country,
        }
      : null,
    billingAddress: null,
    taxId: null,
    customerType: null,
    notes: c.notes,
    smsReminders: c.send_sms,
    walkIn: c.is_walk_in,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

const JOB_STATUSES = {
  draft: "UNSCHEDULED",
  open: "SCHEDULED",
  in_progress: "IN_PROGRESS",
  completed: "COMPLETED",
  cancelled: "CANCELLED",
} as const;

/** A job from a POST/PUT answer: list fields only, so `partial`. */
function expectedJob(j: ArtisanJob): UnifiedJob {
  return {
    __typename: "Job",
    source: "artisan",
    sourceId: String(j.id),
    partial: true,
    number: null,
    crewId: null,
    locationId: null,
    customerId: String(j.customer_id),
    title: j.title,
    description: j.description,
    status: JOB_STATUSES[j.status],
    sourceStatus: j.status,
    serviceType: null,
    jobType: j.job_type_id === null ? null : { sourceId: String(j.job_type_id), name: null },
    scheduledDate: null,
    scheduledTime: null,
    scheduledEndTime: null,
    durationMinutes: null,
    assignee: null,
    address: j.address
      ? { line1: j.address, line2: null, city: null, region: null, postalCode: null, country: null }
      : null,
    price: null,
    notes: null,
    accessNotes: null,
    specialInstructions: null,
    estimateId: null,
    completedAt: null,
    completionNotes: null,
    siteVisitCount: undefined,
    createdAt: j.created_at,
    updatedAt: j.updated_at,
  };
}

/** A site visit from a POST/PUT answer: list fields only, so `partial`. */
function expectedVisit(v: ArtisanSiteVisit): UnifiedSiteVisit {
  return {
    __typename: "SiteVisit",
    source: "artisan",
    sourceId: String(v.id),
    partial: true,
    jobId: String(v.job_id),
    customerId: String(v.customer_id),
    title: null,
    scheduledAt: v.scheduled_at,
    endsAt: null,
    allDay: false,
    durationMinutes: v.duration_minutes,
    crewId: null,
    completedAt: null,
    status: ({ scheduled: "SCHEDULED", completed: "COMPLETED", cancelled: "CANCELLED" } as const)[v.status],
    sourceStatus: v.status,
    notes: v.notes,
    teamMember: v.team_member_id === null ? null : { sourceId: String(v.team_member_id), name: null },
    createdAt: v.created_at,
    updatedAt: v.updated_at,
  };
}

describe("customers", () => {
  it("creates a customer with every field: one POST, stored as sent", async () => {
    const before = state.customers.size;
    const written = await fresh().writes.createCustomer({
      firstName: "Marie",
      lastName: "Dupont",
      email: "marie@example.com",
      phone: "+33 6 12 34 56 78",
      mobile: "+33 7 98 76 54 32",
      address: {
        line1: "12 Rue des Artisans",
        line2: "Apt 3B",
        postalCode: "75001",
        city: "Paris",
        country: "FR",
      },
      notes: "Prefers morning appointments.",
      smsReminders: false,
    });
    expect(requests()).toEqual({ [ROUTE.createCustomer]: 1 });
    const id = Number(written.record.sourceId);
    const stored = state.customers.get(id)!;
    expect(stored).toEqual({
      id,
      first_name: "Marie",
      last_name: "Dupont",
      full_name: "Marie Dupont",
      email: "marie@example.com",
      phone: "+33 6 12 34 56 78",
      mobile: "+33 7 98 76 54 32",
      address: "12 Rue des Artisans",
      address2: "Apt 3B",
      zip_code: "75001",
      city: "Paris",
      country: "FR",
      notes: "Prefers morning appointments.",
      send_sms: false,
      is_walk_in: false,
      created_at: PARIS_NOW,
      updated_at: PARIS_NOW,
    });
    expect(state.customers.size).toBe(before + 1);
    expect(written).toEqual({ record: expectedCustomer(stored), replayed: false });
  });

  it("creates a minimal customer: nulls are 'not given', send_sms defaults to true", async () => {
    const written = await fresh().writes.createCustomer({
      firstName: "Jean",
      lastName: "Martin",
      email: null,
      address: null,
      smsReminders: null,
    });
    const stored = state.customers.get(Number(written.record.sourceId))!;
    expect(stored).toMatchObject({ full_name: "Jean Martin", email: null, address: null, send_sms: true });
    expect(written.record).toEqual(expectedCustomer(stored));
    expect(written.record.address).toBeNull();
  });

  it("refuses a name it would have to split, and every other bad field, without a request", async () => {
    const before = state.customers.size;
    const fields = await invalid(
      fresh().writes.createCustomer({
        name: "Marie Dupont",
        email: "marie@",
        phone: "6".repeat(51),
        address: { line1: "12 Rue des Artisans", region: "Île-de-France", country: "France" },
        billingAddress: { line1: "1 Rue de la Paix" },
        status: "ACTIVE",
        taxId: "FR123",
      }),
    );
    expect(fields).toEqual([
      {
        path: "input.name",
        message: "is not supported by Check-in ARTISAN customers (send firstName and lastName)",
      },
      { path: "input.billingAddress", message: "is not supported by Check-in ARTISAN customers" },
      { path: "input.status", message: "is not supported by Check-in ARTISAN customers" },
      { path: "input.taxId", message: "is not supported by Check-in ARTISAN customers" },
      { path: "input.email", message: "must be a valid email address" },
      { path: "input.phone", message: "must be at most 50 characters" },
      { path: "input.address.region", message: "is not supported by Check-in ARTISAN customers" },
      { path: "input.address.country", message: "must be a 2-letter ISO country code, e.g. US" },
      {
        path: "input.firstName",
        message: "is required (Check-in ARTISAN keeps first and last names apart)",
      },
      {
        path: "input.lastName",
        message: "is required (Check-in ARTISAN keeps first and last names apart)",
      },
    ]);
    expect(sim.control.count()).toBe(0);
    expect(state.customers.size).toBe(before);
    // Without `name`, a missing part is simply required; lengths follow the reference.
    expect(
      await invalid(
        fresh().writes.createCustomer({
          firstName: " ",
          lastName: "x".repeat(256),
          address: { postalCode: "1".repeat(21) },
        }),
      ),
    ).toEqual([
      { path: "input.lastName", message: "must be at most 255 characters" },
      { path: "input.address.postalCode", message: "must be at most 20 characters" },
      { path: "input.firstName", message: "is required" },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it("moves ARTISAN's 422 onto the client's path, keeping its message", async () => {
    const before = state.customers.size;
    // Passes the gateway's email shape check; Laravel's rejects the empty domain label.
    const fields = await invalid(
      fresh().writes.createCustomer({ firstName: "Marie", lastName: "Dupont", email: "marie@example..com" }),
      "artisan",
    );
    expect(fields).toEqual([{ path: "input.email", message: "The email must be a valid email address." }]);
    expect(requests()).toEqual({ [ROUTE.createCustomer]: 1 });
    expect(state.customers.size).toBe(before);
  });

  it("updates only the given fields with one PUT; null clears; address parts change one by one", async () => {
    const customer = [...state.customers.values()].find((c) => c.phone && c.zip_code && c.city)!;
    const original = { ...customer };
    const updated = await fresh().writes.updateCustomer(String(customer.id), {
      lastName: "Durand",
      phone: null,
      address: { line2: "Bâtiment C", postalCode: null },
      smsReminders: !original.send_sms,
    });
    expect(requests()).toEqual({ [ROUTE.updateCustomer]: 1 });
    expect(state.customers.get(customer.id)).toEqual({
      ...original,
      last_name: "Durand",
      full_name: `${original.first_name} Durand`,
      phone: null,
      address2: "Bâtiment C",
      zip_code: null,
      send_sms: !original.send_sms,
      updated_at: PARIS_NOW,
    });
    expect(updated).toEqual(expectedCustomer(state.customers.get(customer.id)!));
    // `address: null` clears every part.
    const cleared = await fresh().writes.updateCustomer(String(customer.id), { address: null });
    expect(state.customers.get(customer.id)).toMatchObject({
      address: null,
      address2: null,
      zip_code: null,
      city: null,
      country: null,
    });
    expect(cleared.address).toBeNull();
  });

  it("refuses to clear what ARTISAN requires, without a request", async () => {
    const id = String(firstId(state.customers));
    const original = { ...first(state.customers) };
    const fields = await invalid(
      fresh().writes.updateCustomer(id, {
        name: "Marie Dupont",
        firstName: null,
        lastName: "  ",
        smsReminders: null,
        email: "nope",
      }),
    );
    expect(fields).toEqual([
      {
        path: "input.name",
        message: "is not supported by Check-in ARTISAN customers (send firstName and lastName)",
      },
      { path: "input.email", message: "must be a valid email address" },
      { path: "input.firstName", message: "cannot be null" },
      { path: "input.smsReminders", message: "cannot be null" },
      { path: "input.lastName", message: "cannot be blank" },
    ]);
    expect(sim.control.count()).toBe(0);
    expect(first(state.customers)).toEqual(original);
  });

  it("reads another company's customer (403) and an unknown one (404) as not found, changing nothing", async () => {
    const theirs = first(other.customers);
    const before = structuredClone(other.customers);
    expect(await notFound(fresh().writes.updateCustomer(String(theirs.id), { firstName: "Pirate" }))).toBe(
      `Check-in ARTISAN customer ${theirs.id} not found`,
    );
    expect(await notFound(fresh().writes.deleteCustomer(String(theirs.id)))).toBe(
      `Check-in ARTISAN customer ${theirs.id} not found`,
    );
    expect(await notFound(fresh().writes.updateCustomer("999999", { firstName: "Nobody" }))).toBe(
      "Check-in ARTISAN customer 999999 not found",
    );
    expect(requests()).toEqual({ [ROUTE.updateCustomer]: 2, [ROUTE.deleteCustomer]: 1 });
    expect(other.customers).toEqual(before);
  });

  it("deletes a customer with one DELETE, and ARTISAN deletes its jobs and visits", async () => {
    const { customer, jobs, visits } = deletableCustomer();
    expect(await fresh().writes.deleteCustomer(String(customer.id))).toEqual({ permanent: true });
    expect(requests()).toEqual({ [ROUTE.deleteCustomer]: 1 });
    expect(state.customers.has(customer.id)).toBe(false);
    expect(jobs.filter((id) => state.jobs.has(id))).toEqual([]);
    expect(visits.filter((id) => state.siteVisits.has(id))).toEqual([]);
  });

  it("refuses to delete a customer with invoices: INVALID_STATE with ARTISAN's message", async () => {
    const id = [...invoicedCustomers(state)][0]!;
    const before = { customers: state.customers.size, jobs: state.jobs.size, visits: state.siteVisits.size };
    const error = await rejected(fresh().writes.deleteCustomer(String(id)));
    expect(error).toBeInstanceOf(InvalidStateError);
    expect(error.message).toBe("This customer has invoices and cannot be deleted.");
    expect(error.extensions).toEqual({ code: "INVALID_STATE", source: "artisan" });
    expect(requests()).toEqual({ [ROUTE.deleteCustomer]: 1 });
    expect({ customers: state.customers.size, jobs: state.jobs.size, visits: state.siteVisits.size }).toEqual(
      before,
    );
  });
});

describe("jobs", () => {
  it("creates a job with one POST; the address is joined into ARTISAN's single line", async () => {
    const customer = first(state.customers);
    const written = await fresh().writes.createJob({
      customerId: String(customer.id),
      title: "Remplacement chauffe-eau",
      jobTypeId: "4",
      description: "Cumulus 200 L.",
      address: {
        line1: "12 Rue des Artisans",
        line2: "Apt 3B",
        postalCode: "75001",
        city: "Paris",
        country: "FR",
      },
      status: "UNSCHEDULED",
    });
    expect(requests()).toEqual({ [ROUTE.createJob]: 1 });
    const id = Number(written.record.sourceId);
    const stored = state.jobs.get(id)!;
    expect(stored).toEqual({
      id,
      customer_id: customer.id,
      job_type_id: 4,
      title: "Remplacement chauffe-eau",
      description: "Cumulus 200 L.",
      address: "12 Rue des Artisans, Apt 3B, 75001 Paris, FR",
      status: "draft",
      created_at: PARIS_NOW,
      updated_at: PARIS_NOW,
    });
    expect(written).toEqual({ record: expectedJob(stored), replayed: false });
    // Detail-only fields load later, from the detail endpoint.
    const detail = (await fresh().load(ref("Job", id))) as UnifiedJob;
    expect(detail).toMatchObject({ jobType: { sourceId: "4", name: "Salle de bain" }, siteVisitCount: 0 });
    expect(detail.partial).toBeUndefined();
  });

  it("defaults to ARTISAN's `open` (SCHEDULED) and maps every status both ways", async () => {
    const customerId = String(firstId(state.customers));
    const plain = await fresh().writes.createJob({ customerId, title: "Devis sur place" });
    expect(plain.record).toMatchObject({
      status: "SCHEDULED",
      sourceStatus: "open",
      address: null,
      jobType: null,
    });
    const statuses = ["UNSCHEDULED", "SCHEDULED", "IN_PROGRESS", "COMPLETED", "CANCELLED"] as const;
    for (const status of statuses) {
      const job = await fresh().writes.updateJob(plain.record.sourceId, { status });
      expect(job.status).toBe(status);
      expect(state.jobs.get(Number(plain.record.sourceId))?.status).toBe(job.sourceStatus);
    }
  });

  it("refuses schedules, prices and bad fields before any request", async () => {
    const before = state.jobs.size;
    const fields = await invalid(
      fresh().writes.createJob({
        customerId: "abc",
        title: "   ",
        scheduledDate: "2026-03-20",
        assigneeId: "3",
        price: "120.00",
        notes: "Bring parts",
        jobTypeId: "0",
        description: "d".repeat(5001),
        address: { line1: "x".repeat(250), city: "Paris" },
      }),
    );
    const schedules =
      "is not supported by Check-in ARTISAN jobs (schedules and assignees belong to site visits: use createSiteVisit)";
    expect(fields).toEqual([
      { path: "input.scheduledDate", message: schedules },
      { path: "input.assigneeId", message: schedules },
      { path: "input.price", message: "is not supported by Check-in ARTISAN jobs" },
      { path: "input.notes", message: "is not supported by Check-in ARTISAN jobs" },
      { path: "input.jobTypeId", message: "must be a Check-in ARTISAN job type id" },
      { path: "input.description", message: "must be at most 5000 characters" },
      {
        path: "input.address",
        message: "must be at most 255 characters once joined into Check-in ARTISAN's one-line job address",
      },
      { path: "input.customerId", message: "must be a Check-in ARTISAN customer id" },
      { path: "input.title", message: "is required" },
    ]);
    expect(await invalid(fresh().writes.createJob({}))).toEqual([
      { path: "input.customerId", message: "is required" },
      { path: "input.title", message: "is required" },
    ]);
    expect(sim.control.count()).toBe(0);
    expect(state.jobs.size).toBe(before);
  });

  it("maps ARTISAN's 'selected ... is invalid' for another company's customer and job type", async () => {
    const before = state.jobs.size;
    const theirCustomer = firstId(other.customers);
    const theirJobType = firstId(other.jobTypes);
    const fields = await invalid(
      fresh().writes.createJob({
        customerId: String(theirCustomer),
        title: "Fuite",
        jobTypeId: String(theirJobType),
      }),
      "artisan",
    );
    expect(fields).toEqual([
      { path: "input.customerId", message: "The selected customer id is invalid." },
      { path: "input.jobTypeId", message: "The selected job type id is invalid." },
    ]);
    expect(requests()).toEqual({ [ROUTE.createJob]: 1 });
    expect(state.jobs.size).toBe(before);
    expect([...other.jobs.values()].filter((job) => job.title === "Fuite")).toEqual([]);
  });

  it("updates a job with one PUT: title, status, and null clears job type and address", async () => {
    const job = [...state.jobs.values()].find((j) => j.job_type_id !== null && j.address !== null)!;
    const original = { ...job };
    const updated = await fresh().writes.updateJob(String(job.id), {
      title: "Nouveau titre",
      status: "IN_PROGRESS",
      jobTypeId: null,
      address: null,
      description: "Pièces commandées.",
    });
    expect(requests()).toEqual({ [ROUTE.updateJob]: 1 });
    expect(state.jobs.get(job.id)).toEqual({
      ...original,
      title: "Nouveau titre",
      status: "in_progress",
      job_type_id: null,
      address: null,
      description: "Pièces commandées.",
      updated_at: PARIS_NOW,
    });
    expect(updated).toEqual(expectedJob(state.jobs.get(job.id)!));
  });

  it("refuses to move a job to another customer or clear its title or status", async () => {
    const job = first(state.jobs);
    const original = { ...job };
    const fields = await invalid(
      fresh().writes.updateJob(String(job.id), {
        customerId: "12",
        title: null,
        status: null,
        durationMinutes: 60,
      }),
    );
    expect(fields).toEqual([
      {
        path: "input.durationMinutes",
        message:
          "is not supported by Check-in ARTISAN jobs (schedules and assignees belong to site visits: use createSiteVisit)",
      },
      {
        path: "input.customerId",
        message: "is not supported by Check-in ARTISAN job updates (a job keeps its customer)",
      },
      { path: "input.title", message: "cannot be null" },
      { path: "input.status", message: "cannot be null" },
    ]);
    expect(sim.control.count()).toBe(0);
    expect(first(state.jobs)).toEqual(original);
  });

  it("completes a job with one PUT of the status; completion details are refused", async () => {
    const job = [...state.jobs.values()].find((j) => j.status !== "completed")!;
    expect(
      await invalid(
        fresh().writes.completeJob(String(job.id), {
          completedAt: NOW.toISOString(),
          completionNotes: "Done",
        }),
      ),
    ).toEqual([
      {
        path: "input.completedAt",
        message: "is not supported by Check-in ARTISAN jobs (they only record the status)",
      },
      {
        path: "input.completionNotes",
        message: "is not supported by Check-in ARTISAN jobs (they only record the status)",
      },
    ]);
    expect(sim.control.count()).toBe(0);
    const completed = await fresh().writes.completeJob(String(job.id), {});
    expect(requests()).toEqual({ [ROUTE.updateJob]: 1 });
    expect(state.jobs.get(job.id)).toMatchObject({ status: "completed", updated_at: PARIS_NOW });
    expect(completed).toEqual(expectedJob(state.jobs.get(job.id)!));
  });

  it("does not touch another company's job (403) and says so as NOT_FOUND", async () => {
    const theirs = jobWithVisits(other);
    const before = { jobs: structuredClone(other.jobs), visits: structuredClone(other.siteVisits) };
    const message = `Check-in ARTISAN job ${theirs.job.id} not found`;
    expect(await notFound(fresh().writes.updateJob(String(theirs.job.id), { title: "Pirate" }))).toBe(
      message,
    );
    expect(await notFound(fresh().writes.completeJob(String(theirs.job.id), {}))).toBe(message);
    expect(await notFound(fresh().writes.deleteJob(String(theirs.job.id)))).toBe(message);
    expect(requests()).toEqual({ [ROUTE.updateJob]: 2, [ROUTE.deleteJob]: 1 });
    expect({ jobs: other.jobs, visits: other.siteVisits }).toEqual(before);
  });

  it("deletes a job with one DELETE, and ARTISAN deletes its visits", async () => {
    const { job, visits } = jobWithVisits();
    expect(await fresh().writes.deleteJob(String(job.id))).toEqual({ permanent: true });
    expect(requests()).toEqual({ [ROUTE.deleteJob]: 1 });
    expect(state.jobs.has(job.id)).toBe(false);
    expect(visits.filter((id) => state.siteVisits.has(id))).toEqual([]);
    expect(await notFound(fresh().writes.deleteJob(String(job.id)))).toBe(
      `Check-in ARTISAN job ${job.id} not found`,
    );
  });
});

describe("site visits", () => {
  it("creates a visit with one POST; the customer defaults to the job's; times render in the company zone", async () => {
    const job = first(state.jobs);
    const member = firstId(state.teamMembers);
    const written = await fresh().writes.createSiteVisit({
      jobId: String(job.id),
      scheduledAt: "2026-03-20T08:00:00Z",
      durationMinutes: 90,
      notes: "Appeler 30 minutes avant.",
      status: "SCHEDULED",
      teamMemberId: String(member),
    });
    expect(requests()).toEqual({ [ROUTE.createSiteVisit]: 1 });
    const id = Number(written.record.sourceId);
    const stored = state.siteVisits.get(id)!;
    expect(stored).toEqual({
      id,
      job_id: job.id,
      customer_id: job.customer_id,
      team_member_id: member,
      scheduled_at: "2026-03-20T09:00:00+01:00",
      duration_minutes: 90,
      status: "scheduled",
      notes: "Appeler 30 minutes avant.",
      created_at: PARIS_NOW,
      updated_at: PARIS_NOW,
    });
    expect(written).toEqual({ record: expectedVisit(stored), replayed: false });
  });

  it("creates a visit for another customer of the company, already completed", async () => {
    const job = first(state.jobs);
    const customer = [...state.customers.values()].find((c) => c.id !== job.customer_id)!;
    const written = await fresh().writes.createSiteVisit({
      jobId: String(job.id),
      customerId: String(customer.id),
      scheduledAt: "2026-02-27T16:45:00+01:00",
      status: "COMPLETED",
    });
    expect(state.siteVisits.get(Number(written.record.sourceId))).toMatchObject({
      customer_id: customer.id,
      scheduled_at: "2026-02-27T16:45:00+01:00",
      status: "completed",
      team_member_id: null,
      duration_minutes: null,
    });
    expect(written.record).toMatchObject({
      customerId: String(customer.id),
      status: "COMPLETED",
      teamMember: null,
    });
  });

  it("refuses bad visits before any request", async () => {
    const before = state.siteVisits.size;
    expect(
      await invalid(
        fresh().writes.createSiteVisit({
          scheduledAt: "2026-03-20T09:00:00",
          durationMinutes: 0,
          notes: "n".repeat(2001),
          status: "IN_PROGRESS",
          teamMemberId: "x",
          customerId: "-3",
        }),
      ),
    ).toEqual([
      {
        path: "input.scheduledAt",
        message: "must be an RFC 3339 date-time with offset, e.g. 2026-03-20T09:00:00+01:00",
      },
      { path: "input.durationMinutes", message: "must be at least 1" },
      { path: "input.notes", message: "must be at most 2000 characters" },
      {
        path: "input.status",
        message:
          "is not supported by Check-in ARTISAN site visits (their statuses are SCHEDULED, COMPLETED and CANCELLED)",
      },
      { path: "input.teamMemberId", message: "must be a Check-in ARTISAN team member id" },
      { path: "input.jobId", message: "is required" },
      { path: "input.customerId", message: "must be a Check-in ARTISAN customer id" },
    ]);
    expect(
      await invalid(
        fresh().writes.createSiteVisit({
          jobId: "1",
          scheduledAt: "2026-02-30T09:00:00+01:00",
          durationMinutes: 1.5,
        }),
      ),
    ).toEqual([
      {
        path: "input.scheduledAt",
        message: "must be an RFC 3339 date-time with offset, e.g. 2026-03-20T09:00:00+01:00",
      },
      { path: "input.durationMinutes", message: "must be a whole number" },
    ]);
    expect(sim.control.count()).toBe(0);
    expect(state.siteVisits.size).toBe(before);
  });

  it("maps ARTISAN's 422 for another company's job and team member", async () => {
    const before = state.siteVisits.size;
    const fields = await invalid(
      fresh().writes.createSiteVisit({
        jobId: String(firstId(other.jobs)),
        scheduledAt: "2026-03-20T09:00:00+01:00",
        teamMemberId: String(firstId(other.teamMembers)),
      }),
      "artisan",
    );
    expect(fields).toEqual([
      { path: "input.jobId", message: "The selected job id is invalid." },
      { path: "input.teamMemberId", message: "The selected team member id is invalid." },
    ]);
    expect(requests()).toEqual({ [ROUTE.createSiteVisit]: 1 });
    expect(state.siteVisits.size).toBe(before);
    // On update too: the team member is checked upstream only.
    const visit = first(state.siteVisits);
    const original = { ...visit };
    expect(
      await invalid(
        fresh().writes.updateSiteVisit(String(visit.id), {
          teamMemberId: String(firstId(other.teamMembers)),
        }),
        "artisan",
      ),
    ).toEqual([{ path: "input.teamMemberId", message: "The selected team member id is invalid." }]);
    expect(first(state.siteVisits)).toEqual(original);
  });

  it("updates a visit with one PUT; null clears duration and team member", async () => {
    const visit = [...state.siteVisits.values()].find(
      (v) => v.team_member_id !== null && v.duration_minutes,
    )!;
    const original = { ...visit };
    const updated = await fresh().writes.updateSiteVisit(String(visit.id), {
      scheduledAt: "2026-04-02T14:00:00+02:00",
      durationMinutes: null,
      teamMemberId: null,
      notes: "Reporté à la demande du client.",
      status: "CANCELLED",
    });
    expect(requests()).toEqual({ [ROUTE.updateSiteVisit]: 1 });
    expect(state.siteVisits.get(visit.id)).toEqual({
      ...original,
      scheduled_at: "2026-04-02T14:00:00+02:00",
      duration_minutes: null,
      team_member_id: null,
      notes: "Reporté à la demande du client.",
      status: "cancelled",
      updated_at: PARIS_NOW,
    });
    expect(updated).toEqual(expectedVisit(state.siteVisits.get(visit.id)!));
  });

  it("refuses to move a visit or clear its time or status", async () => {
    const visit = first(state.siteVisits);
    const fields = await invalid(
      fresh().writes.updateSiteVisit(String(visit.id), {
        jobId: "3",
        customerId: "4",
        scheduledAt: null,
        status: null,
      }),
    );
    const keeps =
      "is not supported by Check-in ARTISAN site visit updates (a visit keeps its job and customer)";
    expect(fields).toEqual([
      { path: "input.jobId", message: keeps },
      { path: "input.customerId", message: keeps },
      { path: "input.scheduledAt", message: "cannot be null" },
      { path: "input.status", message: "cannot be null" },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it("deletes a visit with one DELETE; another company's visit is NOT_FOUND and stays", async () => {
    const visit = first(state.siteVisits);
    expect(await fresh().writes.deleteSiteVisit(String(visit.id))).toEqual({ permanent: true });
    expect(requests()).toEqual({ [ROUTE.deleteSiteVisit]: 1 });
    expect(state.siteVisits.has(visit.id)).toBe(false);
    const theirs = first(other.siteVisits);
    const before = structuredClone(other.siteVisits);
    const message = `Check-in ARTISAN site visit ${theirs.id} not found`;
    expect(await notFound(fresh().writes.updateSiteVisit(String(theirs.id), { notes: "x" }))).toBe(message);
    expect(await notFound(fresh().writes.deleteSiteVisit(String(theirs.id)))).toBe(message);
    expect(other.siteVisits).toEqual(before);
  });
});

describe("invoices", () => {
  it("creates an invoice: the company currency is read first, then one POST answers in the detail format", async () => {
    const customer = first(state.customers);
    const sequence = state.nextInvoiceSequence;
    const written = await fresh().writes.createInvoice({
      customerId: String(customer.id),
      paid: true,
      notes: "Merci de votre confiance !",
      lineItems: [
        { description: "Déplacement", quantity: 1, unitPrice: "45.00", productId: "1" },
        { description: "Main d'œuvre (heure)", quantity: 2.5, unitPrice: "55.00", discountPercent: 10 },
      ],
    });
    expect(requests()).toEqual({ [ROUTE.company]: 1, [ROUTE.createInvoice]: 1 });
    const id = Number(written.record.sourceId);
    const number = `FA2603${String(sequence).padStart(5, "0")}`;
    expect(state.invoices.get(id)).toEqual({
      id,
      invoice_number: number,
      customer_id: customer.id,
      paid: true,
      total_with_tax: 168.75,
      notes: "Merci de votre confiance !",
      created_at: PARIS_NOW,
      updated_at: PARIS_NOW,
    });
    const lines = state.invoiceLines.get(id)!;
    expect(lines.map(({ id: _id, ...line }) => line)).toEqual([
      {
        item_id: 1,
        description: "Déplacement",
        quantity: 1,
        unit_price_with_tax: 45,
        discount_percent: 0,
        line_total_with_tax: 45,
      },
      {
        item_id: null,
        description: "Main d'œuvre (heure)",
        quantity: 2.5,
        unit_price_with_tax: 55,
        discount_percent: 10,
        line_total_with_tax: 123.75,
      },
    ]);
    const eur = (cents: number) => ({ cents, currency: "EUR" });
    const expected: UnifiedInvoice = {
      __typename: "Invoice",
      source: "artisan",
      sourceId: String(id),
      number,
      customerId: String(customer.id),
      jobId: null,
      status: "PAID",
      sourceStatus: "paid",
      lineItems: [
        {
          description: "Déplacement",
          quantity: 1,
          unitPrice: eur(4500),
          discountPercent: 0,
          taxRate: null,
          amount: eur(4500),
          productId: "1",
        },
        {
          description: "Main d'œuvre (heure)",
          quantity: 2.5,
          unitPrice: eur(5500),
          discountPercent: 10,
          taxRate: null,
          amount: eur(12375),
          productId: null,
        },
      ],
      subtotal: null,
      tax: null,
      total: eur(16875),
      amountPaid: eur(16875),
      discount: null,
      taxInclusive: true,
      issueDate: "2026-03-01",
      dueDate: null,
      sentAt: null,
      paidAt: null,
      notes: "Merci de votre confiance !",
      terms: null,
      hasPdf: false,
      createdAt: PARIS_NOW,
      updatedAt: PARIS_NOW,
    };
    expect(written).toEqual({ record: expected, replayed: false });
    expect(written.record.partial).toBeUndefined();
    expect(state.nextInvoiceSequence).toBe(sequence + 1);
  });

  it("creates an unpaid invoice without lines", async () => {
    const written = await fresh().writes.createInvoice({ customerId: String(firstId(state.customers)) });
    expect(written.record).toMatchObject({
      status: "SENT",
      lineItems: [],
      total: { cents: 0, currency: "EUR" },
    });
    expect(state.invoices.get(Number(written.record.sourceId))).toMatchObject({ paid: false, notes: null });
  });

  it("refuses what ARTISAN invoices cannot hold, and bad lines, before any request", async () => {
    const before = state.invoices.size;
    const fields = await invalid(
      fresh().writes.createInvoice({
        customerId: String(firstId(state.customers)),
        tax: "3.00",
        currency: "USD",
        number: "F-1",
        jobId: "5",
        send: true,
        dueDate: "2026-04-01",
        lineItems: [
          { description: "ok", quantity: 1, unitPrice: "10.00" },
          {
            description: "d".repeat(1001),
            quantity: 0,
            unitPrice: "1.234",
            taxRate: 20,
            discountPercent: 60,
            productId: "x",
          },
          { quantity: 1, unitPrice: "-1.00", discountPercent: -1 },
        ],
      }),
    );
    expect(fields).toEqual([
      {
        path: "input.jobId",
        message: "is not supported by Check-in ARTISAN invoices (they belong to a customer, not to a job)",
      },
      { path: "input.tax", message: "is not supported by Check-in ARTISAN invoices (prices include tax)" },
      {
        path: "input.currency",
        message: "is not supported by Check-in ARTISAN invoices (they are in the company's currency)",
      },
      {
        path: "input.number",
        message:
          "is not supported by Check-in ARTISAN invoices (numbers are sequential and assigned automatically)",
      },
      { path: "input.send", message: "is not supported by Check-in ARTISAN invoices" },
      { path: "input.dueDate", message: "is not supported by Check-in ARTISAN invoices" },
      {
        path: "input.lineItems[1].taxRate",
        message: "is not supported by Check-in ARTISAN invoices (prices include tax)",
      },
      { path: "input.lineItems[1].description", message: "must be at most 1000 characters" },
      { path: "input.lineItems[1].quantity", message: "must be at least 0.01" },
      { path: "input.lineItems[1].unitPrice", message: "must have at most 2 decimals" },
      { path: "input.lineItems[1].discountPercent", message: "must be at most 50" },
      { path: "input.lineItems[1].productId", message: "must be a Check-in ARTISAN catalog item id" },
      { path: "input.lineItems[2].unitPrice", message: "must be at least 0" },
      { path: "input.lineItems[2].discountPercent", message: "must be at least 0" },
    ]);
    expect(await invalid(fresh().writes.createInvoice({ paid: false }))).toEqual([
      { path: "input.customerId", message: "is required" },
    ]);
    expect(sim.control.count()).toBe(0);
    expect(state.invoices.size).toBe(before);
  });

  it("maps ARTISAN's 422 for another company's customer and catalog item onto lineItems[i]", async () => {
    const before = { invoices: state.invoices.size, sequence: state.nextInvoiceSequence };
    const fields = await invalid(
      fresh().writes.createInvoice({
        customerId: String(firstId(other.customers)),
        lineItems: [
          { quantity: 1, unitPrice: "45.00", productId: "1" },
          { quantity: 1, unitPrice: "12.50", productId: String(firstId(other.items)) },
        ],
      }),
      "artisan",
    );
    expect(fields).toEqual([
      { path: "input.customerId", message: "The selected customer id is invalid." },
      { path: "input.lineItems[1].productId", message: "The selected lines.1.item id is invalid." },
    ]);
    expect(requests()).toEqual({ [ROUTE.company]: 1, [ROUTE.createInvoice]: 1 });
    expect({ invoices: state.invoices.size, sequence: state.nextInvoiceSequence }).toEqual(before);
  });

  it("explains why invoices cannot be updated or deleted, and does not offer it", () => {
    const writes: SourceWrites = fresh().writes;
    const why =
      "Check-in ARTISAN invoices are immutable: sequential legal numbering means they cannot be updated or deleted through its API (it answers 405).";
    expect(writes.unsupported).toEqual({ updateInvoice: why, deleteInvoice: why });
    expect(writes.updateInvoice).toBeUndefined();
    expect(writes.deleteInvoice).toBeUndefined();
    expect(writes.sendInvoice).toBeUndefined();
    expect(writes.markInvoicePaid).toBeUndefined();
    expect(writes.nativeIdempotency).toBeUndefined();
  });
});

describe("read-your-writes", () => {
  /** Upstream GETs a fresh request makes for `refs` (0 when all come from the cache). */
  async function readCost(refs: NodeRef[]): Promise<Record<string, number>> {
    sim.control.resetCounts();
    const datasource = fresh();
    await Promise.all(refs.map((r) => datasource.load(r)));
    return requests();
  }

  it("a customer write drops cached customers, jobs, visits and invoices (they embed the name)", async () => {
    const invoice = first(state.invoices);
    const customerId = invoice.customer_id;
    const job = [...state.jobs.values()].find((j) => j.customer_id === customerId) ?? first(state.jobs);
    const visit = first(state.siteVisits);
    const refs = [
      ref("Customer", customerId),
      ref("Job", job.id),
      ref("SiteVisit", visit.id),
      ref("Invoice", invoice.id),
    ];
    await readCost(refs);
    expect(await readCost(refs)).toEqual({});
    await fresh().writes.updateCustomer(String(customerId), { firstName: "Zoé" });
    expect(await readCost(refs)).toEqual({
      [ROUTE.customer]: 1,
      [`GET ${BASE}/jobs/{id}`]: 1,
      [`GET ${BASE}/site-visits/{id}`]: 1,
      [`GET ${BASE}/invoices/{id}`]: 1,
    });
    const customer = (await fresh().load(ref("Customer", customerId))) as UnifiedCustomer;
    expect(customer.firstName).toBe("Zoé");
  });

  it("a job write drops cached jobs, visits and customers (whose detail lists the jobs)", async () => {
    const { job, visits } = jobWithVisits();
    const refs = [ref("Job", job.id), ref("SiteVisit", visits[0]!), ref("Customer", job.customer_id)];
    await readCost(refs);
    expect(await readCost(refs)).toEqual({});
    await fresh().writes.createJob({ customerId: String(job.customer_id), title: "Contrôle annuel" });
    expect(await readCost(refs)).toEqual({
      [ROUTE.job]: 1,
      [ROUTE.siteVisit]: 1,
      [ROUTE.customer]: 1,
    });
  });

  it("a visit write drops cached visits and jobs (whose detail counts the visits)", async () => {
    const { job, visits } = jobWithVisits();
    const refs = [ref("Job", job.id), ref("Customer", job.customer_id)];
    const before = (await fresh().load(ref("Job", job.id))) as UnifiedJob;
    expect(before.siteVisitCount).toBe(visits.length);
    await readCost(refs);
    await fresh().writes.createSiteVisit({ jobId: String(job.id), scheduledAt: "2026-03-20T09:00:00+01:00" });
    // The customer detail does not embed visits: it stays cached.
    expect(await readCost(refs)).toEqual({ [ROUTE.job]: 1 });
    const after = (await fresh().load(ref("Job", job.id))) as UnifiedJob;
    expect(after.siteVisitCount).toBe(visits.length + 1);
  });

  it("an invoice create drops cached invoice lists", async () => {
    const customerId = first(state.invoices).customer_id;
    const list = async () => {
      const stream = fresh().lists.invoices({ customerId: String(customerId) });
      if (!stream) throw new Error("expected a stream");
      return stream.fetch(0, 50);
    };
    const before = await list();
    sim.control.resetCounts();
    expect((await list()).total).toBe(before.total);
    expect(sim.control.count(ROUTE.invoices)).toBe(0);
    const written = await fresh().writes.createInvoice({ customerId: String(customerId) });
    sim.control.resetCounts();
    const after = await list();
    expect(sim.control.count(ROUTE.invoices)).toBe(1);
    expect(after.total).toBe(before.total + 1);
    expect(after.records[0]?.sourceId).toBe(written.record.sourceId);
  });

  it("within one request, records loaded before a write are loaded again after it", async () => {
    const job = first(state.jobs);
    const datasource = fresh();
    expect(((await datasource.load(ref("Job", job.id))) as UnifiedJob).title).toBe(job.title);
    await datasource.writes.updateJob(String(job.id), { title: "Titre modifié" });
    sim.control.resetCounts();
    expect(((await datasource.load(ref("Job", job.id))) as UnifiedJob).title).toBe("Titre modifié");
    expect(requests()).toEqual({ [ROUTE.job]: 1 });
  });
});

describe("sending", () => {
  it("retries a PUT after a 503 (it is idempotent) but sends a POST or DELETE once", async () => {
    const retrying = layer({ retries: 2 });
    try {
      const job = first(state.jobs);
      sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.updateJob, times: 1 });
      const updated = await fresh({ http: retrying }).writes.updateJob(String(job.id), {
        title: "Après panne",
      });
      expect(updated.title).toBe("Après panne");
      expect(requests()).toEqual({ [ROUTE.updateJob]: 2 });

      sim.control.resetCounts();
      const jobs = state.jobs.size;
      sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.createJob, times: 1 });
      const error = await rejected(
        fresh({ http: retrying }).writes.createJob({
          customerId: String(job.customer_id),
          title: "Doublon ?",
        }),
      );
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.extensions).toMatchObject({
        code: "UPSTREAM_UNAVAILABLE",
        source: "artisan",
        upstreamStatus: 503,
      });
      expect(requests()).toEqual({ [ROUTE.createJob]: 1 });
      expect(state.jobs.size).toBe(jobs);

      sim.control.resetCounts();
      sim.control.injectFault({ kind: "status", status: 503, route: ROUTE.deleteJob, times: 1 });
      await rejected(fresh({ http: retrying }).writes.deleteJob(String(job.id)));
      expect(requests()).toEqual({ [ROUTE.deleteJob]: 1 });
      expect(state.jobs.has(job.id)).toBe(true);
    } finally {
      await retrying.close();
    }
  });

  it("a rejected token is the gateway's problem: UPSTREAM_ERROR without the token", async () => {
    const error = await rejected(
      fresh({ token: "1|WrongToken" }).writes.createCustomer({ firstName: "A", lastName: "B" }),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toBe(
      "artisan POST /customers rejected the gateway's credentials for this tenant: Unauthenticated.",
    );
    expect(error.extensions).toEqual({ code: "UPSTREAM_ERROR", source: "artisan", upstreamStatus: 401 });
  });

  it("writes as the token's company: the other company's token writes there", async () => {
    const written = await fresh({ token: OTHER_TOKEN }).writes.createCustomer({
      firstName: "Tom",
      lastName: "Baker",
    });
    const id = Number(written.record.sourceId);
    expect(other.customers.get(id)).toMatchObject({
      full_name: "Tom Baker",
      created_at: "2026-03-01T12:30:00+00:00",
    });
    expect(state.customers.has(id)).toBe(false);
  });
});
