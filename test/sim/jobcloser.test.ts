import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isoInZone, SEED_ANCHOR } from "../../sim/core/time.js";
import {
  createJobCloserSim,
  JOBCLOSER_DEFAULT_SIZE,
  JOBCLOSER_DEMO_ACCOUNT_ID,
  JOBCLOSER_DEMO_COMPANY,
  JOBCLOSER_DEMO_COMPANY_ID,
  JOBCLOSER_DEMO_USER,
  JOBCLOSER_DEMO_ZAPIER_KEY,
  JOBCLOSER_OTHER_COMPANY,
  JOBCLOSER_OTHER_USER,
  JOBCLOSER_OTHER_ZAPIER_KEY,
  type JobCloserAccount,
  type JobCloserAttachment,
  type JobCloserChemicalApplication,
  type JobCloserCompany,
  type JobCloserCompanySpec,
  type JobCloserCompanyState,
  type JobCloserCrew,
  type JobCloserCustomer,
  type JobCloserEmployee,
  type JobCloserEnvelope,
  type JobCloserEvent,
  type JobCloserInvoice,
  type JobCloserJob,
  type JobCloserJobItem,
  type JobCloserLocation,
  type JobCloserProduct,
  type JobCloserSim,
  type JobCloserSimOptions,
  type JobCloserTrackableAsset,
  type JobCloserVendor,
  PULSES_PER_GALLON,
  RUNTIME_MINUTES_PER_PERCENT,
  seedCompany,
} from "../../sim/jobcloser/index.js";
import { parseDateTime } from "../../sim/jobcloser/values.js";
import { zone } from "../../sim/jobcloser/zone.js";

/** 30 minutes after SEED_ANCHOR: 06:30 in Chicago (CST). */
const T0 = Date.parse("2026-03-01T12:30:00Z");
const T0_RENDERED = "2026-03-01T06:30:00-06:00";

const HEX30 = /^[0-9a-f]{30}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-0[56]:00$/;

const AUDIT = ["DateCreated", "CreatedBy", "DateModified", "ModifiedBy"];
const KEYS = {
  account: [
    "Id",
    "CompanyId",
    "DomainId",
    ...AUDIT,
    "FirstName",
    "LastName",
    "Email",
    "Password",
    "Phone",
    "BillingAddress",
    "PhysicalAddress",
    "Active",
  ],
  company: [
    "Id",
    ...AUDIT,
    "Name",
    "ShortName",
    "TimeZone",
    "BillingAddress1",
    "BillingAddress2",
    "BillingCity",
    "BillingState",
    "BillingZip",
    "PhysicalAddress1",
    "PhysicalAddress2",
    "PhysicalCity",
    "PhysicalState",
    "PhysicalZip",
    "BillingSameAsPhysical",
    "Phone",
    "Logo",
    "Watermark",
    "WatermarkPosition",
    "Active",
    "Number",
    "EnableApiAccess",
  ],
  location: [
    "Id",
    "CompanyId",
    "Name",
    "Address1",
    "Address2",
    "City",
    "State",
    "Zip",
    "Phone",
    "Email",
    "Active",
    ...AUDIT,
  ],
  customer: [
    "Id",
    "CompanyId",
    "LocationId",
    "SalespersonUserId",
    "Number",
    "Name",
    "Email",
    "Phone",
    "JobAddress1",
    "JobAddress2",
    "JobCity",
    "JobState",
    "JobZip",
    "BillingAddress1",
    "BillingAddress2",
    "BillingCity",
    "BillingState",
    "BillingZip",
    "CustomerType",
    "ReferredBy",
    "Status",
    "Archived",
    "Attachments",
    "Notes",
    "Jobs",
    "Invoices",
    "Payments",
    ...AUDIT,
  ],
  note: ["Id", "Text", "DateCreated", "CreatedBy"],
  attachment: [
    "Id",
    "CompanyId",
    "CustomerId",
    "JobId",
    "EventId",
    "ProductId",
    "FileName",
    "Url",
    "Caption",
    "Latitude",
    "Longitude",
    "DateCreated",
    "CreatedBy",
  ],
  job: [
    "Id",
    "CompanyId",
    "CustomerId",
    "LocationId",
    "SalespersonUserId",
    "CrewId",
    "Number",
    "Name",
    "Description",
    "Type",
    "Status",
    "JobAddress1",
    "JobAddress2",
    "JobCity",
    "JobState",
    "JobZip",
    "Total",
    "DateCompleted",
    "Customer",
    "Events",
    "Invoices",
    "JobItems",
    ...AUDIT,
  ],
  jobItem: [
    "Id",
    "CompanyId",
    "JobId",
    "ProductId",
    "Name",
    "Description",
    "Quantity",
    "UnitPrice",
    "Total",
    "Taxable",
    "SortOrder",
    ...AUDIT,
  ],
  event: [
    "Id",
    "CompanyId",
    "JobId",
    "CustomerId",
    "CrewId",
    "Title",
    "Description",
    "Type",
    "StartDate",
    "EndDate",
    "AllDay",
    "Status",
    "Completed",
    "DateCompleted",
    ...AUDIT,
  ],
  application: [
    "Id",
    "EventCompletionId",
    "EventId",
    "JobId",
    "JobItemId",
    "ProductId",
    "DateCreated",
    "CreatedBy",
    "ApplicationDate",
    "Latitude",
    "Longitude",
    "MeterSerialNumber",
    "MeterRawCount",
    "MeterCurrentRate",
    "MeterCalculatedFlowTotal",
    "MeterRawCountsToZero",
    "TemperatureOfFluid",
    "AmbientTemperature",
    "BatteryStatusInPercent",
    "BatteryStatusInEstimatedRunTime",
    "Note",
    "DeviceName",
    "CalibrationFactor",
  ],
  product: [
    "Id",
    "CompanyId",
    "Name",
    "Description",
    "Sku",
    "Category",
    "Unit",
    "Price",
    "Cost",
    "Taxable",
    "Active",
    "QuantityOnHand",
    "Notes",
    "Attachments",
    ...AUDIT,
  ],
  crew: ["Id", "CompanyId", "LocationId", "Name", "Color", "Active", "EmployeeIds", ...AUDIT],
  employee: [
    "Id",
    "CompanyId",
    "LocationId",
    "AccountId",
    "CrewId",
    "FirstName",
    "LastName",
    "Email",
    "Phone",
    "Title",
    "Active",
    ...AUDIT,
  ],
  invoice: [
    "Id",
    "CompanyId",
    "CustomerId",
    "LocationId",
    "JobId",
    "SalespersonUserId",
    "Number",
    "Type",
    "Status",
    "SubStatus",
    "InvoiceDate",
    "DueDate",
    "Subtotal",
    "Tax",
    "Total",
    "AmountPaid",
    "Balance",
    "Payments",
    ...AUDIT,
  ],
  payment: ["Id", "InvoiceId", "Amount", "Date", "Method"],
  asset: [
    "Id",
    "CompanyId",
    "LocationId",
    "AssignedEmployeeId",
    "Name",
    "Description",
    "Type",
    "SerialNumber",
    "Status",
    ...AUDIT,
  ],
  vendor: [
    "Id",
    "CompanyId",
    "Name",
    "ContactName",
    "Email",
    "Phone",
    "Address1",
    "Address2",
    "City",
    "State",
    "Zip",
    "Type",
    "Notes",
    "Status",
    ...AUDIT,
  ],
} as const;

// ---------------------------------------------------------------------------------------------
// Helpers

interface Reply<T> {
  status: number;
  headers: Headers;
  text: string;
  body: JobCloserEnvelope<T>;
}

async function call<T = unknown>(
  base: string,
  path: string,
  options: { method?: string; body?: unknown; raw?: string } = {},
): Promise<Reply<T>> {
  const init: RequestInit = { method: options.method ?? "GET" };
  if (options.body !== undefined || options.raw !== undefined) {
    init.headers = { "content-type": "application/json" };
    init.body = options.raw ?? JSON.stringify(options.body);
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  let body: JobCloserEnvelope<T>;
  try {
    body = JSON.parse(text) as JobCloserEnvelope<T>;
  } catch {
    body = { Success: false, Message: "<not json>", Result: null };
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** The result of a successful call (asserts the envelope). */
async function result<T>(base: string, path: string, options?: Parameters<typeof call>[2]): Promise<T> {
  const reply = await call<T>(base, path, options);
  expect(reply.status).toBe(200);
  expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
  expect({ Success: reply.body.Success, Message: reply.body.Message }).toEqual({
    Success: true,
    Message: "Success",
  });
  return reply.body.Result as T;
}

/** Asserts the failure envelope of §2: HTTP 200, `Success: false`, `Result: null`. */
async function expectFailure(
  base: string,
  path: string,
  message: string,
  options?: Parameters<typeof call>[2],
): Promise<void> {
  const reply = await call(base, path, options);
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual({ Success: false, Message: message, Result: null });
}

const ms = (timestamp: string) => Date.parse(timestamp);
const ids = (records: ReadonlyArray<{ Id: string }>) => records.map((record) => record.Id);
const cents = (value: number) => Math.round(value * 100);

/** Independent re-statement of §4.1's orders. */
function newest<T extends { Id: string; DateCreated: string }>(records: Iterable<T>): T[] {
  return [...records].sort((a, b) => ms(b.DateCreated) - ms(a.DateCreated) || a.Id.localeCompare(b.Id));
}
function oldestBy<T extends { Id: string }>(records: Iterable<T>, time: (record: T) => string): T[] {
  return [...records].sort((a, b) => ms(time(a)) - ms(time(b)) || a.Id.localeCompare(b.Id));
}
function byName<T extends { Id: string; Name: string }>(records: Iterable<T>): T[] {
  return [...records].sort((a, b) => {
    const x = a.Name.toLowerCase();
    const y = b.Name.toLowerCase();
    return x < y ? -1 : x > y ? 1 : a.Id.localeCompare(b.Id);
  });
}

const ENCODED = (params: Record<string, string>) => new URLSearchParams(params).toString();

async function startSim(options: JobCloserSimOptions = {}): Promise<{ sim: JobCloserSim; base: string }> {
  const sim = createJobCloserSim({ now: () => new Date(T0), ...options });
  const base = await sim.listen(0);
  return { sim, base };
}

function stateArrays(state: JobCloserCompanyState): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(state)
      .filter(([key]) => key !== "idRng" && key !== "spec")
      .map(([key, value]) => [key, value instanceof Map ? [...value.entries()] : value]),
  );
}

// A tiny image host for `uploadimageviaurl`.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
let imageHost: Server;
let imageOrigin = "";

let sim: JobCloserSim;
let base = "";
let demo: JobCloserCompanyState;
let other: JobCloserCompanyState;

beforeAll(async () => {
  imageHost = createServer((req, res) => {
    if (req.url?.startsWith("/Assets/images/")) {
      res.writeHead(200, { "content-type": "image/png", "content-length": String(PNG.length) });
      res.end(PNG);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => imageHost.listen(0, "127.0.0.1", resolve));
  imageOrigin = `http://127.0.0.1:${(imageHost.address() as AddressInfo).port}`;
  ({ sim, base } = await startSim());
  demo = sim.company(JOBCLOSER_DEMO_COMPANY);
  other = sim.company(JOBCLOSER_OTHER_COMPANY);
});

afterAll(async () => {
  await sim.close();
  await new Promise<void>((resolve) => imageHost.close(() => resolve()));
});

// ---------------------------------------------------------------------------------------------

describe("seed data", () => {
  it("has the default sizes for both companies, generated quickly", () => {
    const started = performance.now();
    const a = seedCompany(JOBCLOSER_DEMO_COMPANY);
    const b = seedCompany(JOBCLOSER_OTHER_COMPANY);
    // ~170 ms on a developer machine; the bound leaves room for a loaded CI runner.
    expect(performance.now() - started).toBeLessThan(1500);
    for (const state of [a, b]) {
      expect({
        locations: state.locations.size,
        customers: state.customers.size,
        jobs: state.jobs.size,
        events: state.events.size,
        chemicalApplications: state.chemicalApplications.size,
        products: state.products.size,
        crews: state.crews.size,
        employees: state.employees.size,
        invoices: state.invoices.size,
        trackableAssets: state.trackableAssets.size,
        vendors: state.vendors.size,
      }).toEqual(JOBCLOSER_DEFAULT_SIZE);
      expect(state.jobItems.size).toBeGreaterThan(800);
      expect(state.attachments.size).toBeGreaterThan(100);
      expect(state.notes.size).toBeGreaterThan(30);
      expect(state.nextCustomerNumber).toBe(3151);
    }
  });

  it("exports the demo credentials and the documented IDs", () => {
    expect(JOBCLOSER_DEMO_USER).toEqual({ email: "demo@jobcloser.com", password: "password" });
    expect(JOBCLOSER_DEMO_ZAPIER_KEY).toBe("A11121AF-66D3-4476-958C-92308EAD4B55");
    expect(demo.company.Id).toBe(JOBCLOSER_DEMO_COMPANY_ID);
    expect(demo.company.Id).toBe("5940991380dda460c1b3b6492bb759");
    const account = demo.accounts.get(JOBCLOSER_DEMO_ACCOUNT_ID);
    expect(account).toMatchObject({
      FirstName: "Demo",
      LastName: "User",
      Email: "demo@jobcloser.com",
      Active: true,
    });
    expect(demo.company).toMatchObject({
      Name: "Magic City Pest & Pressure Wash",
      TimeZone: "Central Standard Time",
      PhysicalState: "AL",
      EnableApiAccess: true,
      WatermarkPosition: "Bottom Right",
    });
    expect(other.company).toMatchObject({
      Name: "Peachtree Pest Control",
      TimeZone: "Eastern Standard Time",
    });
    expect(other.company.Id).toMatch(HEX30);
    expect([...sim.companies.keys()]).toEqual([demo.company.Id, other.company.Id]);
  });

  it("covers every status and is internally consistent", () => {
    for (const state of [demo, other]) {
      const jobs = [...state.jobs.values()];
      const statusesOf = (values: string[]) => [...new Set(values)].sort();
      expect(statusesOf(jobs.map((job) => job.Status))).toEqual(
        ["Cancelled", "Completed", "Estimate", "InProgress", "Lead", "Scheduled", "Sold"].sort(),
      );
      expect(statusesOf([...state.events.values()].map((event) => event.Status))).toEqual(
        ["Cancelled", "Completed", "InProgress", "Scheduled"].sort(),
      );
      expect(statusesOf([...state.invoices.values()].map((invoice) => invoice.Status))).toEqual(
        ["Draft", "Overdue", "Paid", "PartiallyPaid", "Sent", "Void"].sort(),
      );
      expect(statusesOf([...state.customers.values()].map((customer) => customer.Status))).toEqual([
        "Active",
        "Inactive",
        "Lead",
      ]);
      expect([...state.customers.values()].some((customer) => customer.Archived)).toBe(true);

      const group = <T extends { JobId: string }>(records: Iterable<T>) => {
        const groups = new Map<string, T[]>();
        for (const record of records) groups.set(record.JobId, [...(groups.get(record.JobId) ?? []), record]);
        return groups;
      };
      const itemsByJob = group(state.jobItems.values());
      const eventsByJob = group(state.events.values());
      // Jobs: totals from their items; completion date iff completed.
      for (const job of jobs) {
        const items = itemsByJob.get(job.Id) ?? [];
        expect(cents(job.Total)).toBe(items.reduce((sum, item) => sum + cents(item.Total), 0));
        expect(job.DateCompleted !== null).toBe(job.Status === "Completed");
        expect(state.customers.has(job.CustomerId)).toBe(true);
        for (const item of items)
          expect(cents(item.Total)).toBe(Math.round(item.Quantity * item.UnitPrice * 100));
        expect(items.map((item) => item.SortOrder)).toEqual(items.map((_, index) => index + 1));
      }
      expect(jobs.filter((job) => job.Status !== "Lead").every((job) => job.Total > 0)).toBe(true);

      // Events: linked to their job and customer; Completed mirrors Status.
      for (const event of state.events.values()) {
        const job = state.jobs.get(event.JobId);
        expect(job?.CustomerId).toBe(event.CustomerId);
        expect(event.Completed).toBe(event.Status === "Completed");
        expect(event.DateCompleted !== null).toBe(event.Status === "Completed");
        expect(ms(event.EndDate)).toBeGreaterThan(ms(event.StartDate));
        if (event.Status === "Scheduled") expect(ms(event.EndDate)).toBeGreaterThan(SEED_ANCHOR.getTime());
        if (event.Status === "Completed") expect(ms(event.EndDate)).toBeLessThan(SEED_ANCHOR.getTime());
      }
      for (const job of jobs.filter((candidate) => candidate.Status === "Completed")) {
        const events = eventsByJob.get(job.Id) ?? [];
        expect(events.length).toBeGreaterThan(0);
        expect(events.every((event) => event.Status === "Completed")).toBe(true);
      }

      // Chemical applications: event of the job, product and job item consistent, meter arithmetic.
      const byEvent = new Map<string, JobCloserChemicalApplication[]>();
      for (const application of state.chemicalApplications.values()) {
        const event = state.events.get(application.EventId);
        expect(event?.JobId).toBe(application.JobId);
        expect(["Completed", "InProgress"]).toContain(event?.Status);
        expect(application.EventCompletionId !== null).toBe(event?.Status === "Completed");
        expect(state.products.has(application.ProductId ?? "")).toBe(true);
        if (application.JobItemId !== null) {
          const item = state.jobItems.get(application.JobItemId);
          expect(item?.JobId).toBe(application.JobId);
          expect(item?.ProductId).toBe(application.ProductId);
        }
        expect(application.Latitude).toMatch(/^3[34]\.\d{7}$/);
        expect(application.Longitude).toMatch(/^-8[3-8]\.\d{7}$/);
        expect(cents(application.MeterCalculatedFlowTotal)).toBe(
          Math.round(
            (application.MeterRawCount * (application.CalibrationFactor ?? 0) * 100) / PULSES_PER_GALLON,
          ),
        );
        expect(application.BatteryStatusInPercent).toBeGreaterThanOrEqual(0);
        expect(application.BatteryStatusInPercent).toBeLessThanOrEqual(100);
        expect(application.BatteryStatusInEstimatedRunTime).toBe(
          Math.round(application.BatteryStatusInPercent * RUNTIME_MINUTES_PER_PERCENT),
        );
        expect(application.AmbientTemperature).toBeGreaterThan(20);
        expect(application.AmbientTemperature).toBeLessThan(110);
        expect(application.DeviceName).not.toBeNull();
        expect(application.MeterSerialNumber).toMatch(/^AF2\d{4}$/);
        const list = byEvent.get(application.EventId) ?? [];
        list.push(application);
        byEvent.set(application.EventId, list);
      }
      // The meter is zeroed at the start of each visit.
      for (const list of byEvent.values()) {
        let sinceZero = 0;
        for (const application of oldestBy(list, (a) => a.ApplicationDate)) {
          expect(application.MeterRawCountsToZero).toBe(sinceZero);
          sinceZero += application.MeterRawCount;
        }
      }

      // Invoices: money adds up; statuses agree with payments and dates.
      for (const invoice of state.invoices.values()) {
        expect(cents(invoice.Total)).toBe(cents(invoice.Subtotal) + cents(invoice.Tax));
        expect(cents(invoice.AmountPaid)).toBe(
          invoice.Payments.reduce((sum, payment) => sum + cents(payment.Amount), 0),
        );
        expect(cents(invoice.Balance)).toBe(cents(invoice.Total) - cents(invoice.AmountPaid));
        for (const payment of invoice.Payments) expect(payment.InvoiceId).toBe(invoice.Id);
        if (invoice.Status === "Paid") expect(invoice.Balance).toBe(0);
        if (invoice.Status === "PartiallyPaid") {
          expect(invoice.AmountPaid).toBeGreaterThan(0);
          expect(invoice.Balance).toBeGreaterThan(0);
        }
        if (invoice.Status === "Overdue") {
          expect(invoice.Balance).toBeGreaterThan(0);
          expect(ms(invoice.DueDate ?? "")).toBeLessThan(SEED_ANCHOR.getTime());
        }
        if (["Draft", "Void", "Sent"].includes(invoice.Status)) expect(invoice.Payments).toEqual([]);
        expect(invoice.InvoiceDate).toMatch(/T00:00:00-0[56]:00$/);
        if (invoice.JobId !== null)
          expect(state.jobs.get(invoice.JobId)?.CustomerId).toBe(invoice.CustomerId);
      }

      // Crews and employees point at each other.
      for (const crew of state.crews.values()) {
        for (const id of crew.EmployeeIds) expect(state.employees.get(id)?.CrewId).toBe(crew.Id);
      }
      for (const employee of state.employees.values()) {
        if (employee.CrewId !== null)
          expect(state.crews.get(employee.CrewId)?.EmployeeIds).toContain(employee.Id);
        if (employee.AccountId !== null)
          expect(state.accounts.get(employee.AccountId)?.Active).toBe(employee.Active);
      }
      expect([...state.crews.values()].filter((crew) => crew.Active).length).toBeGreaterThanOrEqual(4);
    }
  });

  it("uses 30-char hex IDs and Central-time timestamps that match isoInZone", () => {
    const json = JSON.stringify(stateArrays(demo));
    const idFields =
      json.match(/"(Id|CompanyId|CustomerId|JobId|EventId|CrewId|ProductId|JobItemId)":"[^"]*"/g) ?? [];
    expect(idFields.length).toBeGreaterThan(5000);
    for (const field of idFields) expect(field.split(":")[1]?.slice(1, -1)).toMatch(HEX30);
    const stamps = json.match(/"\d{4}-\d{2}-\d{2}T[^"]*"/g) ?? [];
    expect(stamps.length).toBeGreaterThan(8000);
    const sample = stamps.filter((_, index) => index % 37 === 0).map((stamp) => stamp.slice(1, -1));
    for (const stamp of sample) {
      expect(stamp).toMatch(TIMESTAMP);
      expect(isoInZone(new Date(ms(stamp)), "America/Chicago")).toBe(stamp);
    }
    // The Atlanta company books visits at Eastern wall-clock hours, rendered in Central time.
    const visit = [...other.events.values()].find((event) => !event.AllDay && event.Type !== "Estimate");
    const eastern = isoInZone(new Date(ms(visit?.StartDate ?? "")), "America/New_York");
    expect(eastern.slice(14, 19)).toMatch(/^(00|30):00$/);
    expect(Number(eastern.slice(11, 13)) - Number(visit?.StartDate.slice(11, 13))).toBe(1);
  });

  it("is deterministic: the same spec gives the same bytes", async () => {
    expect(JSON.stringify(stateArrays(seedCompany(JOBCLOSER_DEMO_COMPANY)))).toBe(
      JSON.stringify(stateArrays(seedCompany(JOBCLOSER_DEMO_COMPANY))),
    );
    expect(JSON.stringify(stateArrays(seedCompany(JOBCLOSER_DEMO_COMPANY)))).not.toBe(
      JSON.stringify(stateArrays(seedCompany({ ...JOBCLOSER_DEMO_COMPANY, seed: 6 }))),
    );
    const second = await startSim();
    try {
      for (const path of [
        `/jobs/getall?companyId=${demo.company.Id}`,
        `/invoices/getall?companyId=${other.company.Id}`,
        `/customers/get?id=${[...demo.customers.keys()][7]}`,
      ]) {
        expect((await call(second.base, path)).text).toBe((await call(base, path)).text);
      }
    } finally {
      await second.sim.close();
    }
  });

  it("honours custom sizes, regions and users", () => {
    const spec: JobCloserCompanySpec = {
      seed: 42,
      name: "Tiny Bug Co",
      region: "atlanta",
      users: [
        { email: "a@tiny.example.com", password: "x" },
        { email: "b@tiny.example.com", password: "y", active: false },
      ],
      apiAccess: false,
      size: {
        customers: 8,
        jobs: 20,
        events: 30,
        chemicalApplications: 10,
        invoices: 9,
        products: 12,
        crews: 2,
        employees: 6,
      },
    };
    const state = seedCompany(spec);
    expect([state.customers.size, state.jobs.size, state.events.size, state.invoices.size]).toEqual([
      8, 20, 30, 9,
    ]);
    expect([state.products.size, state.crews.size, state.employees.size]).toEqual([12, 2, 6]);
    expect(state.chemicalApplications.size).toBeLessThanOrEqual(10);
    expect(state.company.EnableApiAccess).toBe(false);
    expect(state.company.TimeZone).toBe("Eastern Standard Time");
    const emails = [...state.accounts.values()].map((account) => [account.Email, account.Active]);
    expect(emails.slice(0, 2)).toEqual([
      ["a@tiny.example.com", true],
      ["b@tiny.example.com", false],
    ]);
  });
});

describe("time zone", () => {
  it("renders exactly like isoInZone around US DST changes, old rules included", () => {
    const chicago = zone("America/Chicago");
    const newYork = zone("America/New_York");
    const instants: number[] = [];
    for (const day of [
      "2026-03-08",
      "2026-11-01",
      "2019-03-10",
      "2019-11-03",
      "2006-04-02",
      "2006-10-29",
      "1999-04-04",
    ]) {
      const start = Date.parse(`${day}T00:00:00Z`);
      for (let m = 0; m < 36 * 60; m += 7) instants.push(start + m * 60_000 + 13_000);
    }
    instants.push(Date.parse("1975-06-01T12:00:00Z"), Date.parse("2150-06-01T12:00:00Z"));
    for (const instant of instants) {
      expect(chicago.render(instant)).toBe(isoInZone(new Date(instant), "America/Chicago"));
      expect(newYork.render(instant)).toBe(isoInZone(new Date(instant), "America/New_York"));
    }
  });

  it("reads datetimes without an offset as Chicago wall time", () => {
    expect(parseDateTime("2019-05-02T10:16:42-05:00")).toBe(Date.parse("2019-05-02T15:16:42Z"));
    expect(parseDateTime("2026-01-15T09:30:00")).toBe(Date.parse("2026-01-15T15:30:00Z"));
    expect(parseDateTime("2026-03-15 09:30")).toBe(Date.parse("2026-03-15T14:30:00Z"));
    expect(parseDateTime("2026-01-15T09:30:00Z")).toBe(Date.parse("2026-01-15T09:30:00Z"));
    expect(parseDateTime("2026-01-15")).toBe(Date.parse("2026-01-15T06:00:00Z"));
    // 02:30 does not exist on 2026-03-08 in Chicago: read with the offset before the jump.
    expect(parseDateTime("2026-03-08T02:30:00")).toBe(Date.parse("2026-03-08T08:30:00Z"));
    for (const bad of ["2026-02-30T10:00:00", "yesterday", "2026-01-15T25:00:00", "", "2026-1-5"]) {
      expect(parseDateTime(bad)).toBeNull();
    }
  });
});

describe("sign-in and access control", () => {
  it("signs in by email and password, with the documented 'Sucess' message and the clear-text password", async () => {
    const reply = await call<JobCloserAccount>(base, `/account/signin?${ENCODED(JOBCLOSER_DEMO_USER)}`);
    expect(reply.status).toBe(200);
    expect(reply.body.Success).toBe(true);
    expect(reply.body.Message).toBe("Sucess");
    expect(reply.body.Result).toEqual(demo.accounts.get(JOBCLOSER_DEMO_ACCOUNT_ID));
    expect(reply.body.Result?.CompanyId).toBe(JOBCLOSER_DEMO_COMPANY_ID);
    expect(reply.body.Result?.Password).toBe("password");
    expect(Object.keys(reply.body.Result ?? {})).toEqual(KEYS.account);
    // Email is case-insensitive, parameter names too.
    const upper = await call<JobCloserAccount>(
      base,
      "/account/signin?EMAIL=Demo%40JobCloser.com&Password=password",
    );
    expect(upper.body.Result?.Id).toBe(JOBCLOSER_DEMO_ACCOUNT_ID);
    const second = await call<JobCloserAccount>(base, `/account/signin?${ENCODED(JOBCLOSER_OTHER_USER)}`);
    expect(second.body.Result?.CompanyId).toBe(other.company.Id);
  });

  it("refuses wrong passwords, unknown emails and inactive accounts with the documented envelope", async () => {
    const message = "The specified email and password do not exist in our system";
    await expectFailure(base, "/account/signin?email=demo@jobcloser.com&password=Password", message);
    await expectFailure(base, "/account/signin?email=nobody@jobcloser.com&password=password", message);
    const inactive = [...demo.accounts.values()].find((account) => !account.Active);
    expect(inactive).toBeDefined();
    await expectFailure(
      base,
      `/account/signin?${ENCODED({ email: inactive?.Email ?? "", password: inactive?.Password ?? "" })}`,
      message,
    );
    await expectFailure(base, "/account/signin?password=password", "email is required");
    await expectFailure(base, "/account/signin?email=&password=password", "email is required");
    await expectFailure(base, "/account/signin?email=demo@jobcloser.com", "password is required");
  });

  it("signs in with a Zapier key (case-insensitive) and returns the company", async () => {
    const company = await result<JobCloserCompany>(
      base,
      `/zapier/signin?key=${JOBCLOSER_DEMO_ZAPIER_KEY.toLowerCase()}`,
    );
    expect(company).toEqual(demo.company);
    expect(Object.keys(company)).toEqual(KEYS.company);
    expect(
      (await result<JobCloserCompany>(base, `/zapier/signin?key=${JOBCLOSER_OTHER_ZAPIER_KEY}`)).Id,
    ).toBe(other.company.Id);
    await expectFailure(
      base,
      "/zapier/signin?key=00000000-0000-0000-0000-000000000000",
      "The specified API key does not exist in our system",
    );
    await expectFailure(base, "/zapier/signin", "key is required");
  });

  it("requires 'Enable API Access' everywhere except /api/account/signin", async () => {
    const message = "API access is not enabled for this company";
    other.company.EnableApiAccess = false;
    try {
      // Sign-in still works and yields the company ID ...
      const account = await call<JobCloserAccount>(base, `/account/signin?${ENCODED(JOBCLOSER_OTHER_USER)}`);
      expect(account.body.Message).toBe("Sucess");
      const companyId = account.body.Result?.CompanyId ?? "";
      const job = [...other.jobs.values()][0]!;
      // ... but every data call for that company fails, whichever parameter names it.
      for (const path of [
        `/companies/get?id=${companyId}`,
        `/account/get?id=${account.body.Result?.Id}`,
        `/jobs/getall?companyId=${companyId}`,
        `/jobs/get?id=${job.Id}`,
        `/jobs/getlineitems?jobId=${job.Id}`,
        `/events/getall?jobId=${job.Id}`,
        `/chemicalapplicationlocations/getall?jobId=${job.Id}`,
        `/products/getforjob?jobId=${job.Id}`,
        `/customers/getall?companyId=${companyId}`,
        `/invoices/get?id=${[...other.invoices.keys()][0]}`,
        `/zapier/signin?key=${JOBCLOSER_OTHER_ZAPIER_KEY}`,
      ]) {
        await expectFailure(base, path, message);
      }
      // The check order: required → existence → API access.
      await expectFailure(base, "/jobs/getall", "companyId is required");
      await expectFailure(base, "/jobs/getall?companyId=000000000000000000000000000000", "Record not found");
      await expectFailure(base, `/jobs/getall?companyId=${companyId}&date=notadate`, message);
      // The demo company is unaffected.
      await result(base, `/jobs/getall?companyId=${demo.company.Id}`);
    } finally {
      other.company.EnableApiAccess = true;
    }
  });

  it("has no tenant isolation: records of any company are readable by ID (§3)", async () => {
    const job = [...other.jobs.values()].find((candidate) => candidate.Status === "Completed")!;
    const read = await result<JobCloserJob>(base, `/jobs/get?id=${job.Id}`);
    expect(read.CompanyId).toBe(other.company.Id);
    expect(read.CompanyId).not.toBe(JOBCLOSER_DEMO_COMPANY_ID);
    const events = await result<JobCloserEvent[]>(base, `/events/getall?jobId=${job.Id}`);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.CompanyId === other.company.Id)).toBe(true);
    const application = [...other.chemicalApplications.values()][0]!;
    const got = await result<JobCloserChemicalApplication>(
      base,
      `/chemicalapplicationlocations/get?id=${application.Id}`,
    );
    // No CompanyId on a chemical application: the client checks its job's company.
    expect(Object.keys(got)).not.toContain("CompanyId");
    expect(other.jobs.get(got.JobId)?.CompanyId).toBe(other.company.Id);
    const customer = await result<JobCloserCustomer>(base, `/customers/get?id=${job.CustomerId}`);
    expect(customer.CompanyId).toBe(other.company.Id);
    // Lists by companyId stay within the company.
    const demoJobs = await result<JobCloserJob[]>(base, `/jobs/getall?companyId=${demo.company.Id}`);
    expect(demoJobs.every((candidate) => candidate.CompanyId === demo.company.Id)).toBe(true);
    expect(ids(demoJobs)).not.toContain(job.Id);
  });
});

describe("getall endpoints and their filters", () => {
  const jobsOf = () => [...demo.jobs.values()];

  it("lists jobs newest first, nested collections null, with every filter", async () => {
    const path = (params: Record<string, string>) =>
      `/jobs/getall?${ENCODED({ companyId: demo.company.Id, ...params })}`;
    const all = await result<JobCloserJob[]>(base, path({}));
    expect(all).toEqual(newest(jobsOf()));
    expect(all).toHaveLength(400);
    for (const job of all) {
      expect(Object.keys(job)).toEqual(KEYS.job);
      expect([job.Customer, job.Events, job.Invoices, job.JobItems]).toEqual([null, null, null, null]);
    }
    const sample = jobsOf()[17]!;
    const customerName = demo.customers.get(sample.CustomerId)?.Name ?? "";
    /** §4.1: Name, Number, JobAddress1 and the customer's Name, case-insensitively. */
    const jobSearch = (needle: string) => (job: JobCloserJob) =>
      [
        job.Name,
        String(job.Number),
        job.JobAddress1 ?? "",
        demo.customers.get(job.CustomerId)?.Name ?? "",
      ].some((field) => field.toLowerCase().includes(needle.toLowerCase()));
    const cases: Array<[Record<string, string>, (job: JobCloserJob) => boolean]> = [
      [{ date: "2025-12-01" }, (job) => job.DateCreated.slice(0, 10) >= "2025-12-01"],
      [{ locationId: sample.LocationId ?? "" }, (job) => job.LocationId === sample.LocationId],
      [{ status: "completed" }, (job) => job.Status === "Completed"],
      [{ status: "InProgress" }, (job) => job.Status === "InProgress"],
      [{ type: "COMMERCIAL" }, (job) => job.Type === "Commercial"],
      [
        { salespersonUserId: sample.SalespersonUserId ?? "" },
        (job) => job.SalespersonUserId === sample.SalespersonUserId,
      ],
      [{ crewId: sample.CrewId ?? "" }, (job) => job.CrewId === sample.CrewId],
      [{ search: "termite" }, jobSearch("termite")],
      [{ search: String(sample.Number) }, jobSearch(String(sample.Number))],
      [{ search: (sample.JobAddress1 ?? "").toUpperCase() }, jobSearch(sample.JobAddress1 ?? "")],
      [{ search: customerName.toLowerCase() }, jobSearch(customerName)],
      [
        { status: "Scheduled", crewId: sample.CrewId ?? "", date: "2026-01-01" },
        (job) =>
          job.Status === "Scheduled" &&
          job.CrewId === sample.CrewId &&
          job.DateCreated.slice(0, 10) >= "2026-01-01",
      ],
      [{ status: "Done" }, () => false],
      [{ crewId: "000000000000000000000000000000" }, () => false],
      [{ status: "", search: "", date: "" }, () => true],
    ];
    for (const [params, matches] of cases) {
      const expected = newest(jobsOf().filter(matches));
      const got = await result<JobCloserJob[]>(base, path(params));
      expect(ids(got), JSON.stringify(params)).toEqual(ids(expected));
    }
    // The search by number and by customer name actually found the sample.
    expect(ids(await result<JobCloserJob[]>(base, path({ search: customerName })))).toContain(sample.Id);
    await expectFailure(base, path({ date: "03/01/2026" }), "date is invalid");
    await expectFailure(base, path({ date: "2026-02-30" }), "date is invalid");
  });

  it("lists customers (archived excluded unless asked) with every filter", async () => {
    const path = (params: Record<string, string>) =>
      `/customers/getall?${ENCODED({ companyId: demo.company.Id, ...params })}`;
    const customers = [...demo.customers.values()];
    const live = customers.filter((customer) => !customer.Archived);
    const all = await result<JobCloserCustomer[]>(base, path({}));
    expect(all).toEqual(newest(live));
    for (const customer of all) {
      expect(Object.keys(customer)).toEqual(KEYS.customer);
      expect([
        customer.Attachments,
        customer.Notes,
        customer.Jobs,
        customer.Invoices,
        customer.Payments,
      ]).toEqual([null, null, null, null, null]);
    }
    const sample = live[3]!;
    const email = sample.Email ?? "";
    const cases: Array<[Record<string, string>, JobCloserCustomer[]]> = [
      [{ archived: "true" }, customers.filter((c) => c.Archived)],
      [{ archived: "FALSE" }, live],
      [{ status: "lead" }, live.filter((c) => c.Status === "Lead")],
      [
        { status: "Inactive", archived: "true" },
        customers.filter((c) => c.Archived && c.Status === "Inactive"),
      ],
      [{ type: "residential" }, live.filter((c) => c.CustomerType === "Residential")],
      [{ type: "Property Management" }, live.filter((c) => c.CustomerType === "Property Management")],
      [{ locationId: sample.LocationId ?? "" }, live.filter((c) => c.LocationId === sample.LocationId)],
      [
        { salespersonUserId: sample.SalespersonUserId ?? "" },
        live.filter((c) => c.SalespersonUserId === sample.SalespersonUserId),
      ],
      [
        { search: email.toUpperCase() },
        live.filter((c) =>
          [c.Name, c.Email, c.Phone, c.JobAddress1].some((f) =>
            (f ?? "").toLowerCase().includes(email.toLowerCase()),
          ),
        ),
      ],
      [
        { search: "(205)" },
        live.filter((c) =>
          [c.Name, c.Email, c.Phone, c.JobAddress1].some((f) => (f ?? "").includes("(205)")),
        ),
      ],
      [{ status: "Prospect" }, []],
    ];
    for (const [params, expected] of cases) {
      expect(ids(await result<JobCloserCustomer[]>(base, path(params))), JSON.stringify(params)).toEqual(
        ids(newest(expected)),
      );
    }
    expect(cases[0]?.[1].length).toBeGreaterThan(0);
    await expectFailure(base, path({ archived: "yes" }), "archived is invalid");
  });

  it("lists a job's events in StartDate order, filtered by date", async () => {
    const job = [...demo.jobs.values()].filter((candidate) => candidate.Status === "InProgress")[0]!;
    const events = [...demo.events.values()].filter((event) => event.JobId === job.Id);
    expect(events.length).toBeGreaterThan(1);
    const got = await result<JobCloserEvent[]>(base, `/events/getall?jobId=${job.Id}`);
    expect(got).toEqual(oldestBy(events, (event) => event.StartDate));
    for (const event of got) expect(Object.keys(event)).toEqual(KEYS.event);
    const cut = got[1]!.StartDate.slice(0, 10);
    expect(ids(await result<JobCloserEvent[]>(base, `/events/getall?jobId=${job.Id}&date=${cut}`))).toEqual(
      ids(
        oldestBy(
          events.filter((event) => event.StartDate.slice(0, 10) >= cut),
          (event) => event.StartDate,
        ),
      ),
    );
    expect(await result(base, `/events/getall?jobId=${job.Id}&date=2100-01-01`)).toEqual([]);
    await expectFailure(base, "/events/getall", "jobId is required");
    await expectFailure(base, "/events/getall?jobId=000000000000000000000000000000", "Record not found");
    await expectFailure(base, `/events/getall?jobId=${job.Id}&date=tomorrow`, "date is invalid");
  });

  it("lists a job's chemical applications by ApplicationDate, filtered by event, job item and product", async () => {
    const counts = new Map<string, number>();
    for (const application of demo.chemicalApplications.values()) {
      counts.set(application.JobId, (counts.get(application.JobId) ?? 0) + 1);
    }
    const [jobId] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const applications = [...demo.chemicalApplications.values()].filter((a) => a.JobId === jobId);
    const path = (params: Record<string, string>) =>
      `/chemicalapplicationlocations/getall?${ENCODED({ jobId, ...params })}`;
    const got = await result<JobCloserChemicalApplication[]>(base, path({}));
    expect(got).toEqual(oldestBy(applications, (a) => a.ApplicationDate));
    for (const application of got) expect(Object.keys(application)).toEqual(KEYS.application);
    const sample = applications[applications.length - 1]!;
    const cases: Array<[Record<string, string>, (a: JobCloserChemicalApplication) => boolean]> = [
      [{ eventId: sample.EventId }, (a) => a.EventId === sample.EventId],
      [{ productId: sample.ProductId ?? "" }, (a) => a.ProductId === sample.ProductId],
      [
        { jobItemId: sample.JobItemId ?? "" },
        (a) => sample.JobItemId === null || a.JobItemId === sample.JobItemId,
      ],
      [
        { eventId: sample.EventId, productId: sample.ProductId ?? "" },
        (a) => a.EventId === sample.EventId && a.ProductId === sample.ProductId,
      ],
      [{ productId: "000000000000000000000000000000" }, () => false],
    ];
    for (const [params, matches] of cases) {
      expect(ids(await result<JobCloserChemicalApplication[]>(base, path(params)))).toEqual(
        ids(oldestBy(applications.filter(matches), (a) => a.ApplicationDate)),
      );
    }
  });

  it("lists invoices with every filter, Payments always filled", async () => {
    const path = (params: Record<string, string>) =>
      `/invoices/getall?${ENCODED({ companyId: demo.company.Id, ...params })}`;
    const invoices = [...demo.invoices.values()];
    const all = await result<JobCloserInvoice[]>(base, path({}));
    expect(all).toEqual(newest(invoices));
    for (const invoice of all) {
      expect(Object.keys(invoice)).toEqual(KEYS.invoice);
      for (const payment of invoice.Payments) expect(Object.keys(payment)).toEqual(KEYS.payment);
    }
    const sample = invoices.find((invoice) => invoice.SubStatus !== null)!;
    const customerName = demo.customers.get(sample.CustomerId)?.Name ?? "";
    const nameOf = (invoice: JobCloserInvoice) => demo.customers.get(invoice.CustomerId)?.Name ?? "";
    const cases: Array<[Record<string, string>, (invoice: JobCloserInvoice) => boolean]> = [
      [{ status: "partiallypaid" }, (i) => i.Status === "PartiallyPaid"],
      [{ status: "Overdue" }, (i) => i.Status === "Overdue"],
      [{ status: "VOID" }, (i) => i.Status === "Void"],
      [{ type: "deposit" }, (i) => i.Type === "Deposit"],
      [{ locationId: sample.LocationId ?? "" }, (i) => i.LocationId === sample.LocationId],
      [
        { salespersonUserId: sample.SalespersonUserId ?? "" },
        (i) => i.SalespersonUserId === sample.SalespersonUserId,
      ],
      [
        { subStatus: (sample.SubStatus ?? "").toLowerCase() },
        (i) => (i.SubStatus ?? "").toLowerCase() === (sample.SubStatus ?? "").toLowerCase(),
      ],
      [{ start: "2025-06-01" }, (i) => i.InvoiceDate.slice(0, 10) >= "2025-06-01"],
      [{ end: "2024-12-31" }, (i) => i.InvoiceDate.slice(0, 10) <= "2024-12-31"],
      [
        { start: "2025-01-01", end: "2025-01-31" },
        (i) => i.InvoiceDate.slice(0, 10) >= "2025-01-01" && i.InvoiceDate.slice(0, 10) <= "2025-01-31",
      ],
      [
        { search: String(sample.Number) },
        (i) => String(i.Number).includes(String(sample.Number)) || nameOf(i).includes(String(sample.Number)),
      ],
      [
        { search: customerName.toUpperCase() },
        (i) =>
          String(i.Number).includes(customerName) ||
          nameOf(i).toLowerCase().includes(customerName.toLowerCase()),
      ],
      [
        { status: "Paid", type: "Standard", start: "2025-01-01" },
        (i) => i.Status === "Paid" && i.Type === "Standard" && i.InvoiceDate.slice(0, 10) >= "2025-01-01",
      ],
      [{ status: "Refunded" }, () => false],
    ];
    for (const [params, matches] of cases) {
      const got = await result<JobCloserInvoice[]>(base, path(params));
      expect(ids(got), JSON.stringify(params)).toEqual(ids(newest(invoices.filter(matches))));
    }
    expect(
      (await result<JobCloserInvoice[]>(base, path({ search: String(sample.Number) }))).map((i) => i.Id),
    ).toContain(sample.Id);
    await expectFailure(base, path({ start: "2025-13-01" }), "start is invalid");
    await expectFailure(base, path({ end: "soon" }), "end is invalid");
  });

  it("lists trackable assets and vendors by name with their filters", async () => {
    const assets = [...demo.trackableAssets.values()];
    const assetPath = (params: Record<string, string>) =>
      `/trackableassets/getall?${ENCODED({ companyId: demo.company.Id, ...params })}`;
    const allAssets = await result<JobCloserTrackableAsset[]>(base, assetPath({}));
    expect(allAssets).toEqual(byName(assets));
    for (const asset of allAssets) expect(Object.keys(asset)).toEqual(KEYS.asset);
    const sample = assets[0]!;
    const assetCases: Array<[Record<string, string>, (a: JobCloserTrackableAsset) => boolean]> = [
      [{ status: "inuse" }, (a) => a.Status === "InUse"],
      [{ status: "Retired" }, (a) => a.Status === "Retired"],
      [{ type: "vehicle" }, (a) => a.Type === "Vehicle"],
      [{ locationId: sample.LocationId ?? "" }, (a) => a.LocationId === sample.LocationId],
      [
        { search: "sprayer" },
        (a) =>
          [a.Name, a.SerialNumber, a.Description].some((f) => (f ?? "").toLowerCase().includes("sprayer")),
      ],
      [
        { search: (sample.SerialNumber ?? "").toLowerCase() },
        (a) =>
          [a.Name, a.SerialNumber, a.Description].some((f) =>
            (f ?? "").toLowerCase().includes((sample.SerialNumber ?? "").toLowerCase()),
          ),
      ],
      [{ status: "Lost" }, () => false],
    ];
    for (const [params, matches] of assetCases) {
      expect(
        ids(await result<JobCloserTrackableAsset[]>(base, assetPath(params))),
        JSON.stringify(params),
      ).toEqual(ids(byName(assets.filter(matches))));
    }
    expect(assets.filter((a) => a.Status === "Retired").length).toBeGreaterThan(0);

    const vendors = [...demo.vendors.values()];
    const vendorPath = (params: Record<string, string>) =>
      `/vendors/getall?${ENCODED({ companyId: demo.company.Id, ...params })}`;
    const allVendors = await result<JobCloserVendor[]>(base, vendorPath({}));
    expect(allVendors).toEqual(byName(vendors));
    for (const vendor of allVendors) expect(Object.keys(vendor)).toEqual(KEYS.vendor);
    const vendorCases: Array<[Record<string, string>, (v: JobCloserVendor) => boolean]> = [
      [{ status: "active" }, (v) => v.Status === "Active"],
      [{ status: "Inactive" }, (v) => v.Status === "Inactive"],
      [{ type: "supplier" }, (v) => v.Type === "Supplier"],
      [
        { search: "supply" },
        (v) =>
          [v.Name, v.ContactName, v.Email, v.Phone].some((f) => (f ?? "").toLowerCase().includes("supply")),
      ],
      [
        { search: "amy" },
        (v) => [v.Name, v.ContactName, v.Email, v.Phone].some((f) => (f ?? "").toLowerCase().includes("amy")),
      ],
      [{ type: "Supplier", status: "Active" }, (v) => v.Type === "Supplier" && v.Status === "Active"],
    ];
    for (const [params, matches] of vendorCases) {
      expect(ids(await result<JobCloserVendor[]>(base, vendorPath(params))), JSON.stringify(params)).toEqual(
        ids(byName(vendors.filter(matches))),
      );
    }
  });

  it("lists products, crews, locations by name and employees by last and first name", async () => {
    const scoped = (resource: string) => `/${resource}/getall?companyId=${demo.company.Id}`;
    const products = await result<JobCloserProduct[]>(base, scoped("products"));
    expect(products).toEqual(byName(demo.products.values()));
    for (const product of products) {
      expect(Object.keys(product)).toEqual(KEYS.product);
      expect(product.Attachments).toBeNull();
    }
    const crews = await result<JobCloserCrew[]>(base, scoped("crews"));
    expect(crews).toEqual(byName(demo.crews.values()));
    for (const crew of crews) expect(Object.keys(crew)).toEqual(KEYS.crew);
    const locations = await result<JobCloserLocation[]>(base, scoped("locations"));
    expect(locations).toEqual(byName(demo.locations.values()));
    expect(locations.map((location) => location.Name)).toEqual([
      "Birmingham Branch",
      "Hoover Branch",
      "Tuscaloosa Branch",
    ]);
    for (const location of locations) expect(Object.keys(location)).toEqual(KEYS.location);
    const employees = await result<JobCloserEmployee[]>(base, scoped("employees"));
    const key = (e: JobCloserEmployee) => `${e.LastName.toLowerCase()}\u0000${e.FirstName.toLowerCase()}`;
    expect(employees).toEqual(
      [...demo.employees.values()].sort((a, b) =>
        key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.Id.localeCompare(b.Id),
      ),
    );
    for (const employee of employees) expect(Object.keys(employee)).toEqual(KEYS.employee);
    for (const resource of [
      "products",
      "crews",
      "locations",
      "employees",
      "trackableassets",
      "vendors",
      "invoices",
      "customers",
    ]) {
      await expectFailure(base, `/${resource}/getall`, "companyId is required");
      await expectFailure(base, `/${resource}/getall?companyId=nope`, "Record not found");
    }
  });

  it("returns a job's line items by SortOrder and its distinct products in first-use order", async () => {
    const job = [...demo.jobs.values()].find(
      (candidate) => [...demo.jobItems.values()].filter((item) => item.JobId === candidate.Id).length >= 4,
    )!;
    const items = [...demo.jobItems.values()]
      .filter((item) => item.JobId === job.Id)
      .sort((a, b) => a.SortOrder - b.SortOrder);
    const got = await result<JobCloserJobItem[]>(base, `/jobs/getlineitems?jobId=${job.Id}`);
    expect(got).toEqual(items);
    for (const item of got) expect(Object.keys(item)).toEqual(KEYS.jobItem);
    const productIds = [...new Set(items.map((item) => item.ProductId).filter((id) => id !== null))];
    const products = await result<JobCloserProduct[]>(base, `/products/getforjob?jobId=${job.Id}`);
    expect(ids(products)).toEqual(productIds);
    expect(products[0]).toEqual(demo.products.get(productIds[0] ?? ""));
    await expectFailure(base, "/jobs/getlineitems", "jobId is required");
    await expectFailure(base, "/products/getforjob?jobId=abc", "Record not found");
  });
});

describe("get by id", () => {
  it("returns a job with Customer, Events, Invoices and JobItems filled (one level deep)", async () => {
    const job = [...demo.jobs.values()].find(
      (candidate) =>
        candidate.Status === "Completed" && [...demo.invoices.values()].some((i) => i.JobId === candidate.Id),
    )!;
    const got = await result<JobCloserJob>(base, `/jobs/get?id=${job.Id}`);
    expect(Object.keys(got)).toEqual(KEYS.job);
    expect({ ...got, Customer: null, Events: null, Invoices: null, JobItems: null }).toEqual(job);
    expect(got.Customer).toEqual(demo.customers.get(job.CustomerId));
    expect(got.Customer?.Jobs).toBeNull();
    expect(got.Events).toEqual(
      oldestBy(
        [...demo.events.values()].filter((e) => e.JobId === job.Id),
        (e) => e.StartDate,
      ),
    );
    expect(got.Invoices).toEqual(newest([...demo.invoices.values()].filter((i) => i.JobId === job.Id)));
    expect(got.JobItems).toEqual(
      [...demo.jobItems.values()].filter((i) => i.JobId === job.Id).sort((a, b) => a.SortOrder - b.SortOrder),
    );
    expect(got.Invoices?.length).toBeGreaterThan(0);
    // The state keeps the list form.
    expect(demo.jobs.get(job.Id)?.Events).toBeNull();
  });

  it("returns a customer with Attachments, Notes, Jobs, Invoices and Payments filled", async () => {
    const customer = [...demo.customers.values()].find(
      (candidate) =>
        demo.notes.has(candidate.Id) &&
        [...demo.attachments.values()].some((a) => a.CustomerId === candidate.Id) &&
        [...demo.invoices.values()].some((i) => i.CustomerId === candidate.Id && i.Payments.length > 0),
    )!;
    const got = await result<JobCloserCustomer>(base, `/customers/get?id=${customer.Id}`);
    expect(Object.keys(got)).toEqual(KEYS.customer);
    expect({ ...got, Attachments: null, Notes: null, Jobs: null, Invoices: null, Payments: null }).toEqual(
      customer,
    );
    const invoices = newest([...demo.invoices.values()].filter((i) => i.CustomerId === customer.Id));
    expect(got.Invoices).toEqual(invoices);
    expect(got.Payments).toEqual(
      oldestBy(
        invoices.flatMap((i) => i.Payments),
        (p) => p.Date,
      ),
    );
    expect(got.Jobs).toEqual(newest([...demo.jobs.values()].filter((j) => j.CustomerId === customer.Id)));
    expect(got.Notes).toEqual(demo.notes.get(customer.Id));
    for (const note of got.Notes ?? []) expect(Object.keys(note)).toEqual(KEYS.note);
    expect(got.Attachments).toEqual(
      oldestBy(
        [...demo.attachments.values()].filter((a) => a.CustomerId === customer.Id),
        (a) => a.DateCreated,
      ),
    );
    for (const attachment of got.Attachments ?? []) {
      expect(Object.keys(attachment)).toEqual(KEYS.attachment);
      expect(attachment.Url).toBe(
        `https://jobcloser.com/Uploads/${attachment.Id}/${encodeURIComponent(attachment.FileName)}`,
      );
    }
  });

  it("returns a product with its Attachments (label and SDS)", async () => {
    const product = [...demo.products.values()].find((p) => p.Sku === "TAL-P-96")!;
    const got = await result<JobCloserProduct>(base, `/products/get?id=${product.Id}`);
    expect({ ...got, Attachments: null }).toEqual(product);
    expect(got.Attachments?.map((a) => a.FileName)).toEqual(["TAL-P-96-Label.pdf", "TAL-P-96-SDS.pdf"]);
    expect(got.Attachments?.every((a) => a.ProductId === product.Id)).toBe(true);
  });

  it("returns every other resource by id, exactly as stored", async () => {
    const first = <T>(map: Map<string, T>) => [...map.values()][11 % map.size] as T;
    const cases: Array<[string, { Id: string }]> = [
      ["account/get", demo.accounts.get(JOBCLOSER_DEMO_ACCOUNT_ID)!],
      ["events/get", first(demo.events)],
      ["chemicalapplicationlocations/get", first(demo.chemicalApplications)],
      ["crews/get", first(demo.crews)],
      ["employees/get", first(demo.employees)],
      ["invoices/get", first(demo.invoices)],
      ["locations/get", first(demo.locations)],
      ["trackableassets/get", first(demo.trackableAssets)],
      ["vendors/get", first(demo.vendors)],
    ];
    for (const [endpoint, record] of cases) {
      expect(await result(base, `/${endpoint}?id=${record.Id}`), endpoint).toEqual(record);
      await expectFailure(base, `/${endpoint}?id=000000000000000000000000000000`, "Record not found");
      await expectFailure(base, `/${endpoint}`, "id is required");
      await expectFailure(base, `/${endpoint}?id=`, "id is required");
    }
    expect(await result(base, `/companies/get?id=${demo.company.Id}`)).toEqual(demo.company);
    expect(await result(base, `/companies/get?ID=${other.company.Id}`)).toEqual(other.company);
    await expectFailure(base, "/companies/get?id=000000000000000000000000000000", "Record not found");
    for (const endpoint of ["jobs/get", "customers/get", "products/get"]) {
      await expectFailure(base, `/${endpoint}?id=missing`, "Record not found");
    }
  });

  it("answers transport-level errors outside the envelope", async () => {
    const unknown = await call(base, "/jobs/list?companyId=x");
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toEqual({
      Message: `No HTTP resource was found that matches the request URI '${new URL(base).origin}/api/jobs/list'.`,
    });
    const wrongMethod = await call(base, "/jobs/getall", { method: "POST", body: {} });
    expect(wrongMethod.status).toBe(405);
    expect(JSON.parse(wrongMethod.text)).toEqual({
      Message: "The requested resource does not support http method 'POST'.",
    });
    expect(wrongMethod.headers.get("allow")).toBe("GET");
    const deleteVerb = await call(base, "/chemicalapplicationlocations/create", { method: "DELETE" });
    expect(deleteVerb.status).toBe(405);
    expect(deleteVerb.headers.get("allow")).toBe("POST, PUT");
  });
});

// ---------------------------------------------------------------------------------------------

describe("chemical application writes", () => {
  let w: { sim: JobCloserSim; base: string };
  let state: JobCloserCompanyState;
  let job: JobCloserJob;
  let event: JobCloserEvent;
  let item: JobCloserJobItem;

  beforeAll(async () => {
    w = await startSim();
    state = w.sim.company();
    const scheduled = [...state.chemicalApplications.values()][0]!;
    job = state.jobs.get(scheduled.JobId)!;
    event = state.events.get(scheduled.EventId)!;
    item = state.jobItems.get(scheduled.JobItemId ?? "")!;
  });
  afterAll(() => w.sim.close());

  /** The documented create example, pointed at seeded records. */
  const example = (): Record<string, unknown> => ({
    EventId: event.Id,
    JobId: job.Id,
    ProductId: item.ProductId,
    ApplicationDate: "2019-05-02T10:16:42-05:00",
    Latitude: "33.5116331",
    Longitude: "-86.8965344",
    MeterSerialNumber: "AF23265",
    MeterRawCount: 2,
    MeterCurrentRate: 4,
    MeterCalculatedFlowTotal: 5,
    MeterRawCountsToZero: 0,
    TemperatureOfFluid: 76.8,
    AmbientTemperature: 71.55,
    BatteryStatusInPercent: 86,
    BatteryStatusInEstimatedRunTime: 1350,
    Note: "Front yard perimeter",
    DeviceName: "Sprayer 2",
    CalibrationFactor: 1.02,
  });
  const create = (body: unknown) =>
    call<JobCloserChemicalApplication>(w.base, "/chemicalapplicationlocations/create", {
      method: "POST",
      body,
    });

  it("creates an application visible to get and getall", async () => {
    const before = state.chemicalApplications.size;
    const reply = await create(example());
    expect(reply.status).toBe(200);
    expect(reply.body.Success).toBe(true);
    expect(reply.body.Message).toBe("Success");
    const created = reply.body.Result!;
    expect(Object.keys(created)).toEqual(KEYS.application);
    expect(created.Id).toMatch(HEX30);
    expect(created).toEqual({
      Id: created.Id,
      EventCompletionId: null,
      EventId: event.Id,
      JobId: job.Id,
      JobItemId: null,
      ProductId: item.ProductId,
      DateCreated: T0_RENDERED,
      CreatedBy: null,
      ApplicationDate: "2019-05-02T10:16:42-05:00",
      Latitude: "33.5116331",
      Longitude: "-86.8965344",
      MeterSerialNumber: "AF23265",
      MeterRawCount: 2,
      MeterCurrentRate: 4,
      MeterCalculatedFlowTotal: 5,
      MeterRawCountsToZero: 0,
      TemperatureOfFluid: 76.8,
      AmbientTemperature: 71.55,
      BatteryStatusInPercent: 86,
      BatteryStatusInEstimatedRunTime: 1350,
      Note: "Front yard perimeter",
      DeviceName: "Sprayer 2",
      CalibrationFactor: 1.02,
    });
    expect(state.chemicalApplications.size).toBe(before + 1);
    expect(await result(w.base, `/chemicalapplicationlocations/get?id=${created.Id}`)).toEqual(created);
    const listed = await result<JobCloserChemicalApplication[]>(
      w.base,
      `/chemicalapplicationlocations/getall?jobId=${job.Id}`,
    );
    // 2019 sorts before every seeded application.
    expect(listed[0]).toEqual(created);
    // Not idempotent: the same body again is a second record.
    const again = await create(example());
    expect(again.body.Result?.Id).not.toBe(created.Id);
    expect(state.chemicalApplications.size).toBe(before + 2);
  });

  it("accepts numbers for coordinates, numeric text for measurements, offsets or Chicago time, any name case", async () => {
    const body: Record<string, unknown> = {
      ...example(),
      Latitude: 33.5116331,
      Longitude: -86.8965344,
      MeterRawCount: "120",
      TemperatureOfFluid: "68.5",
      MeterSerialNumber: 23265,
      ApplicationDate: "2026-03-15T09:30:00",
      DateCreated: "2026-01-15T09:30:00Z",
      CreatedBy: JOBCLOSER_DEMO_ACCOUNT_ID,
      JobItemId: item.Id,
    };
    const created = (await create(body)).body.Result!;
    expect(created).toMatchObject({
      Latitude: "33.5116331",
      Longitude: "-86.8965344",
      MeterRawCount: 120,
      TemperatureOfFluid: 68.5,
      MeterSerialNumber: "23265",
      ApplicationDate: "2026-03-15T09:30:00-05:00",
      DateCreated: "2026-01-15T03:30:00-06:00",
      CreatedBy: JOBCLOSER_DEMO_ACCOUNT_ID,
      JobItemId: item.Id,
    });
    const lower = Object.fromEntries(
      Object.entries(example()).map(([key, value]) => [key.toLowerCase(), value]),
    );
    const viaLower = await create(lower);
    expect(viaLower.body.Success).toBe(true);
    expect(viaLower.body.Result?.EventId).toBe(event.Id);
  });

  it("validates in the reference's order, as HTTP 200 failures that change nothing", async () => {
    const otherJobEvent = [...state.events.values()].find((candidate) => candidate.JobId !== job.Id)!;
    const without = (name: string) => {
      const body = example();
      delete body[name];
      return body;
    };
    const cases: Array<[unknown, string]> = [
      [without("EventId"), "EventId is required"],
      [without("JobId"), "JobId is required"],
      [without("ApplicationDate"), "ApplicationDate is required"],
      [{ ...example(), Latitude: "" }, "Latitude is required"],
      [{ ...example(), MeterRawCount: null }, "MeterRawCount is required"],
      [without("BatteryStatusInEstimatedRunTime"), "BatteryStatusInEstimatedRunTime is required"],
      [{ ...example(), Note: "" }, "Note is required"],
      [without("DeviceName"), "DeviceName is required"],
      [without("CalibrationFactor"), "CalibrationFactor is required"],
      [{ ...without("EventId"), Note: "" }, "EventId is required"],
      [{ ...example(), JobId: "000000000000000000000000000000" }, "JobId is invalid"],
      [{ ...example(), EventId: otherJobEvent.Id }, "EventId is invalid"],
      [{ ...example(), EventId: "000000000000000000000000000000" }, "EventId is invalid"],
      [{ ...example(), ApplicationDate: "May 2nd" }, "ApplicationDate is invalid"],
      [{ ...example(), Latitude: "north" }, "Latitude is invalid"],
      [{ ...example(), Latitude: "95.1" }, "Latitude is invalid"],
      [{ ...example(), Longitude: -181 }, "Longitude is invalid"],
      [{ ...example(), MeterRawCount: "abc" }, "MeterRawCount is invalid"],
      [{ ...example(), MeterCurrentRate: true }, "MeterCurrentRate is invalid"],
      [{ ...example(), BatteryStatusInPercent: 101 }, "BatteryStatusInPercent is invalid"],
      [{ ...example(), BatteryStatusInPercent: 50.5 }, "BatteryStatusInPercent is invalid"],
      [{ ...example(), BatteryStatusInEstimatedRunTime: -1 }, "BatteryStatusInEstimatedRunTime is invalid"],
      [{ ...example(), Note: { text: "x" } }, "Note is invalid"],
      [{ ...example(), CalibrationFactor: "x" }, "CalibrationFactor is invalid"],
      [{ ...example(), JobItemId: "000000000000000000000000000000" }, "JobItemId is invalid"],
      [{ ...example(), ProductId: "000000000000000000000000000000" }, "ProductId is invalid"],
      [{ ...example(), DateCreated: "later" }, "DateCreated is invalid"],
      [{ ...example(), CreatedBy: "000000000000000000000000000000" }, "CreatedBy is invalid"],
      [[example()], "EventId is required"],
    ];
    const before = state.chemicalApplications.size;
    for (const [body, message] of cases) {
      const reply = await create(body);
      expect(reply.status).toBe(200);
      expect(reply.body, message).toEqual({ Success: false, Message: message, Result: null });
    }
    await expectFailure(w.base, "/chemicalapplicationlocations/create", "EventId is required", {
      method: "POST",
      raw: "{not json",
    });
    expect(state.chemicalApplications.size).toBe(before);
  });

  it("checks API access on the job's company (after JobId, before other validation)", async () => {
    const otherState = w.sim.company(JOBCLOSER_OTHER_COMPANY);
    const otherApplication = [...otherState.chemicalApplications.values()][0]!;
    otherState.company.EnableApiAccess = false;
    try {
      const body = {
        ...example(),
        JobId: otherApplication.JobId,
        EventId: otherApplication.EventId,
        Latitude: "north",
      };
      expect((await create(body)).body.Message).toBe("API access is not enabled for this company");
      expect((await create({ ...body, JobId: "000000000000000000000000000000" })).body.Message).toBe(
        "JobId is invalid",
      );
      await expectFailure(
        w.base,
        `/chemicalapplicationlocations/delete?id=${otherApplication.Id}`,
        "API access is not enabled for this company",
      );
      // A demo job still works.
      expect((await create(example())).body.Success).toBe(true);
    } finally {
      otherState.company.EnableApiAccess = true;
    }
  });

  it("creates batches atomically, in input order", async () => {
    const batch = (body: unknown) =>
      call<JobCloserChemicalApplication[]>(w.base, "/chemicalapplicationlocations/createbatch", {
        method: "POST",
        body,
      });
    const before = state.chemicalApplications.size;
    const items = [1, 2, 3].map((n) => ({ ...example(), MeterRawCount: n * 100, Note: `Pass ${n}` }));
    const reply = await batch(items);
    expect(reply.body.Success).toBe(true);
    const created = reply.body.Result!;
    expect(created.map((a) => [a.MeterRawCount, a.Note])).toEqual([
      [100, "Pass 1"],
      [200, "Pass 2"],
      [300, "Pass 3"],
    ]);
    expect(new Set(ids(created)).size).toBe(3);
    for (const application of created)
      expect(state.chemicalApplications.get(application.Id)).toEqual(application);
    expect(state.chemicalApplications.size).toBe(before + 3);

    const failing = await batch([
      example(),
      { ...example(), Latitude: "north" },
      { ...example(), JobId: "x" },
    ]);
    expect(failing.body).toEqual({ Success: false, Message: "Item 1: Latitude is invalid", Result: null });
    expect((await batch([{}, example()])).body.Message).toBe("Item 0: EventId is required");
    expect((await batch([])).body.Message).toBe("Body must be a non-empty array");
    expect((await batch(example())).body.Message).toBe("Body must be a non-empty array");
    expect((await batch(Array.from({ length: 501 }, () => example()))).body.Message).toBe(
      "Body must contain at most 500 items",
    );
    expect(state.chemicalApplications.size).toBe(before + 3);
    const full = await batch(Array.from({ length: 500 }, () => example()));
    expect(full.body.Result).toHaveLength(500);
    expect(state.chemicalApplications.size).toBe(before + 503);
  });

  it("edits through PUT on the create path; absent optional fields keep their values", async () => {
    const seeded = [...state.chemicalApplications.values()].find(
      (a) => a.EventCompletionId !== null && a.JobItemId !== null,
    )!;
    const original = { ...seeded };
    const edit = (body: unknown) =>
      call<JobCloserChemicalApplication>(w.base, "/chemicalapplicationlocations/create", {
        method: "PUT",
        body,
      });
    const body = {
      Id: seeded.Id,
      EventId: seeded.EventId,
      JobId: seeded.JobId,
      Latitude: "33.5000001",
      Longitude: "-86.8000001",
      MeterSerialNumber: seeded.MeterSerialNumber,
      MeterRawCount: 999,
      MeterCurrentRate: 2.5,
      MeterCalculatedFlowTotal: 10.09,
      MeterRawCountsToZero: 0,
      TemperatureOfFluid: 70,
      AmbientTemperature: 65.25,
      BatteryStatusInPercent: 40,
      BatteryStatusInEstimatedRunTime: 628,
      DeviceName: null,
    };
    const reply = await edit(body);
    expect(reply.body.Success).toBe(true);
    const expected: JobCloserChemicalApplication = {
      ...original,
      Latitude: "33.5000001",
      Longitude: "-86.8000001",
      MeterRawCount: 999,
      MeterCurrentRate: 2.5,
      MeterCalculatedFlowTotal: 10.09,
      MeterRawCountsToZero: 0,
      TemperatureOfFluid: 70,
      AmbientTemperature: 65.25,
      BatteryStatusInPercent: 40,
      BatteryStatusInEstimatedRunTime: 628,
    };
    expect(reply.body.Result).toEqual(expected);
    expect(await result(w.base, `/chemicalapplicationlocations/get?id=${seeded.Id}`)).toEqual(expected);
    // Optional fields when sent are applied.
    const withOptional = await edit({
      ...body,
      Note: "Re-treated",
      ApplicationDate: "2026-02-27T14:00:00-06:00",
      JobItemId: null,
    });
    expect(withOptional.body.Result).toMatchObject({
      Note: "Re-treated",
      ApplicationDate: "2026-02-27T14:00:00-06:00",
      JobItemId: original.JobItemId,
    });
    await expectFailure(w.base, "/chemicalapplicationlocations/create", "Record not found", {
      method: "PUT",
      body: { ...body, Id: "000000000000000000000000000000" },
    });
    await expectFailure(w.base, "/chemicalapplicationlocations/create", "Id is required", {
      method: "PUT",
      body: { ...body, Id: undefined },
    });
    await expectFailure(w.base, "/chemicalapplicationlocations/create", "MeterRawCount is required", {
      method: "PUT",
      body: { ...body, MeterRawCount: undefined },
    });
    await expectFailure(w.base, "/chemicalapplicationlocations/create", "BatteryStatusInPercent is invalid", {
      method: "PUT",
      body: { ...body, BatteryStatusInPercent: 140 },
    });
    expect(state.chemicalApplications.get(seeded.Id)?.BatteryStatusInPercent).toBe(40);
  });

  it("deletes by GET and returns true", async () => {
    const victim = [...state.chemicalApplications.values()][5]!;
    expect(await result(w.base, `/chemicalapplicationlocations/delete?id=${victim.Id}`)).toBe(true);
    expect(state.chemicalApplications.has(victim.Id)).toBe(false);
    await expectFailure(w.base, `/chemicalapplicationlocations/get?id=${victim.Id}`, "Record not found");
    const listed = await result<JobCloserChemicalApplication[]>(
      w.base,
      `/chemicalapplicationlocations/getall?jobId=${victim.JobId}`,
    );
    expect(ids(listed)).not.toContain(victim.Id);
    await expectFailure(w.base, `/chemicalapplicationlocations/delete?id=${victim.Id}`, "Record not found");
    await expectFailure(w.base, "/chemicalapplicationlocations/delete", "id is required");
  });

  it("uploads an event photo by URL: downloads and stores it", async () => {
    const url = `${imageOrigin}/Assets/images/auth-logo.png`;
    const path = `/chemicalapplicationlocations/uploadimageviaurl?eventId=${event.Id}&url=${encodeURIComponent(url)}&caption=Your+Caption+Here&latitude=&longitude=`;
    const attachment = await result<JobCloserAttachment>(w.base, path);
    expect(Object.keys(attachment)).toEqual(KEYS.attachment);
    expect(attachment).toEqual({
      Id: attachment.Id,
      CompanyId: state.company.Id,
      CustomerId: event.CustomerId,
      JobId: event.JobId,
      EventId: event.Id,
      ProductId: null,
      FileName: "auth-logo.png",
      Url: `https://jobcloser.com/Uploads/${attachment.Id}/auth-logo.png`,
      Caption: "Your Caption Here",
      Latitude: null,
      Longitude: null,
      DateCreated: T0_RENDERED,
      CreatedBy: null,
    });
    expect(state.images.get(attachment.Id)).toEqual({
      attachmentId: attachment.Id,
      fileName: "auth-logo.png",
      bytes: PNG,
      sourceUrl: url,
    });
    const customer = await result<JobCloserCustomer>(w.base, `/customers/get?id=${event.CustomerId}`);
    expect(customer.Attachments?.at(-1)).toEqual(attachment);

    const withPoint = await result<JobCloserAttachment>(
      w.base,
      `/chemicalapplicationlocations/uploadimageviaurl?${ENCODED({ eventId: event.Id, url, latitude: "33.5116331", longitude: "-86.8965344" })}`,
    );
    expect([withPoint.Caption, withPoint.Latitude, withPoint.Longitude]).toEqual([
      null,
      "33.5116331",
      "-86.8965344",
    ]);

    const count = state.attachments.size;
    const upload = (params: Record<string, string>) =>
      `/chemicalapplicationlocations/uploadimageviaurl?${ENCODED(params)}`;
    await expectFailure(
      w.base,
      upload({ eventId: event.Id, url: `${imageOrigin}/missing.png` }),
      "Unable to download image from url",
    );
    await expectFailure(
      w.base,
      upload({ eventId: event.Id, url: "http://127.0.0.1:1/x.png" }),
      "Unable to download image from url",
    );
    await expectFailure(
      w.base,
      upload({ eventId: event.Id, url: "ftp://example.com/a.png" }),
      "url is invalid",
    );
    await expectFailure(w.base, upload({ eventId: event.Id, url: "not a url" }), "url is invalid");
    await expectFailure(w.base, upload({ eventId: event.Id, url, latitude: "north" }), "latitude is invalid");
    await expectFailure(
      w.base,
      upload({ eventId: "000000000000000000000000000000", url }),
      "Record not found",
    );
    await expectFailure(w.base, upload({ url }), "eventId is required");
    await expectFailure(w.base, upload({ eventId: event.Id }), "url is required");
    expect(state.attachments.size).toBe(count);
  });

  it("uploads an event photo as a byte array (base64 or a JSON number array)", async () => {
    const upload = (body: unknown) =>
      call<JobCloserAttachment>(w.base, "/chemicalapplicationlocations/uploadimageviabytearray", {
        method: "POST",
        body,
      });
    const documented = {
      eventId: event.Id,
      content: PNG.toString("base64"),
      fileName: "spray-01.png",
      caption: "Front yard",
      latitude: "33.5116331",
      longitude: "-86.8965344",
    };
    const reply = await upload(documented);
    expect(reply.body.Success).toBe(true);
    const attachment = reply.body.Result!;
    expect(attachment).toMatchObject({
      CompanyId: state.company.Id,
      CustomerId: event.CustomerId,
      JobId: event.JobId,
      EventId: event.Id,
      FileName: "spray-01.png",
      Url: `https://jobcloser.com/Uploads/${attachment.Id}/spray-01.png`,
      Caption: "Front yard",
      Latitude: "33.5116331",
      Longitude: "-86.8965344",
      DateCreated: T0_RENDERED,
    });
    expect(state.images.get(attachment.Id)?.bytes).toEqual(PNG);
    expect(state.attachments.get(attachment.Id)).toEqual(attachment);

    const asArray = await upload({
      EventId: event.Id,
      Content: [...PNG],
      FileName: "array.png",
      caption: "",
    });
    expect(asArray.body.Result?.Caption).toBeNull();
    expect(state.images.get(asArray.body.Result?.Id ?? "")?.bytes).toEqual(PNG);

    const count = state.attachments.size;
    const cases: Array<[unknown, string]> = [
      [{ ...documented, eventId: undefined }, "eventId is required"],
      [{ ...documented, content: "" }, "content is required"],
      [{ ...documented, fileName: undefined }, "fileName is required"],
      [{ ...documented, eventId: "000000000000000000000000000000" }, "eventId is invalid"],
      [{ ...documented, content: "not base64!" }, "content is invalid"],
      [{ ...documented, content: [1, 2, 300] }, "content is invalid"],
      [
        { ...documented, content: Buffer.alloc(10 * 1024 * 1024 + 1).toString("base64") },
        "content is invalid",
      ],
      [{ ...documented, fileName: "x".repeat(256) }, "fileName is invalid"],
      [{ ...documented, longitude: "west" }, "longitude is invalid"],
    ];
    for (const [body, message] of cases)
      expect((await upload(body)).body, message).toEqual({ Success: false, Message: message, Result: null });
    expect(state.attachments.size).toBe(count);
  });

  it("uses an injected downloader when given", async () => {
    const seen: string[] = [];
    const local = await startSim({
      companies: [JOBCLOSER_DEMO_COMPANY],
      downloadImage: async (url) => {
        seen.push(url);
        return url.endsWith(".png") ? new Uint8Array([1, 2, 3]) : null;
      },
    });
    try {
      const eventId = [...local.sim.company().events.keys()][0]!;
      const got = await result<JobCloserAttachment>(
        local.base,
        `/chemicalapplicationlocations/uploadimageviaurl?eventId=${eventId}&url=https%3A%2F%2Fjobcloser.com%2FAssets%2Fimages%2Fauth-logo.png`,
      );
      expect(got.FileName).toBe("auth-logo.png");
      expect(local.sim.company().images.get(got.Id)?.bytes).toEqual(Buffer.from([1, 2, 3]));
      expect(seen).toEqual(["https://jobcloser.com/Assets/images/auth-logo.png"]);
      await expectFailure(
        local.base,
        `/chemicalapplicationlocations/uploadimageviaurl?eventId=${eventId}&url=https://x.example/a.gif`,
        "Unable to download image from url",
      );
    } finally {
      await local.sim.close();
    }
  });
});

describe("Zapier leads and customers", () => {
  let w: { sim: JobCloserSim; base: string };
  let state: JobCloserCompanyState;
  const documented = {
    Name: "Bob Smith",
    Email: "bob@example.com",
    Phone: "(205) 555-0142",
    JobAddress1: "400 Oak St",
    JobCity: "Birmingham",
    JobState: "AL",
    JobZip: "35203",
    CustomerType: "Residential",
    ReferredBy: "Google",
  };

  beforeAll(async () => {
    w = await startSim();
    state = w.sim.company();
  });
  afterAll(() => w.sim.close());

  const post = (kind: string, body: unknown, key: string = JOBCLOSER_DEMO_ZAPIER_KEY) =>
    call<JobCloserCustomer>(w.base, `/zapier/${kind}?key=${key}`, { method: "POST", body });

  it("creates a lead with the next number, visible to customer reads", async () => {
    const reply = await post("createlead", documented);
    expect(reply.body.Success).toBe(true);
    const lead = reply.body.Result!;
    expect(Object.keys(lead)).toEqual(KEYS.customer);
    expect(lead).toEqual({
      Id: lead.Id,
      CompanyId: JOBCLOSER_DEMO_COMPANY_ID,
      LocationId: null,
      SalespersonUserId: null,
      Number: 3151,
      Name: "Bob Smith",
      Email: "bob@example.com",
      Phone: "(205) 555-0142",
      JobAddress1: "400 Oak St",
      JobAddress2: null,
      JobCity: "Birmingham",
      JobState: "AL",
      JobZip: "35203",
      BillingAddress1: null,
      BillingAddress2: null,
      BillingCity: null,
      BillingState: null,
      BillingZip: null,
      CustomerType: "Residential",
      ReferredBy: "Google",
      Status: "Lead",
      Archived: false,
      Attachments: null,
      Notes: null,
      Jobs: null,
      Invoices: null,
      Payments: null,
      DateCreated: T0_RENDERED,
      CreatedBy: null,
      DateModified: null,
      ModifiedBy: null,
    });
    const leads = await result<JobCloserCustomer[]>(
      w.base,
      `/customers/getall?companyId=${JOBCLOSER_DEMO_COMPANY_ID}&status=Lead`,
    );
    expect(leads[0]).toEqual(lead);
    const detail = await result<JobCloserCustomer>(w.base, `/customers/get?id=${lead.Id}`);
    expect(detail).toEqual({ ...lead, Attachments: [], Notes: [], Jobs: [], Invoices: [], Payments: [] });
  });

  it("creates an active customer; no de-duplication; values coerced to text", async () => {
    const first = (await post("createcustomer", { ...documented, JobZip: 35203, Email: "" })).body.Result!;
    const second = (await post("createcustomer", { name: "Bob Smith" })).body.Result!;
    expect([first.Status, first.Number, first.JobZip, first.Email]).toEqual(["Active", 3152, "35203", null]);
    expect([second.Status, second.Number, second.Name, second.Phone]).toEqual([
      "Active",
      3153,
      "Bob Smith",
      null,
    ]);
    expect(state.customers.get(second.Id)).toEqual(second);
    const other = (await post("createlead", { Name: "Atlanta Lead" }, JOBCLOSER_OTHER_ZAPIER_KEY)).body
      .Result!;
    expect([other.CompanyId, other.Number]).toEqual([
      w.sim.company(JOBCLOSER_OTHER_COMPANY).company.Id,
      3151,
    ]);
  });

  it("validates key, access and body", async () => {
    const count = state.customers.size;
    expect((await post("createlead", {})).body).toEqual({
      Success: false,
      Message: "Name is required",
      Result: null,
    });
    expect((await post("createlead", { Name: "" })).body.Message).toBe("Name is required");
    expect((await post("createlead", { Name: "x".repeat(256) })).body.Message).toBe("Name is invalid");
    expect((await post("createcustomer", { Name: "Ok", ReferredBy: "y".repeat(256) })).body.Message).toBe(
      "ReferredBy is invalid",
    );
    expect((await post("createcustomer", { Name: "Ok", Email: ["a"] })).body.Message).toBe(
      "Email is invalid",
    );
    expect((await post("createlead", documented, "B11121AF-66D3-4476-958C-92308EAD4B55")).body.Message).toBe(
      "The specified API key does not exist in our system",
    );
    await expectFailure(w.base, "/zapier/createlead", "key is required", {
      method: "POST",
      body: documented,
    });
    state.company.EnableApiAccess = false;
    try {
      expect((await post("createlead", {})).body.Message).toBe("API access is not enabled for this company");
    } finally {
      state.company.EnableApiAccess = true;
    }
    expect(state.customers.size).toBe(count);
  });
});

describe("simulator controls", () => {
  it("counts requests per route key", async () => {
    sim.control.reset();
    await call(base, `/jobs/getall?companyId=${demo.company.Id}`);
    await call(base, "/jobs/getall");
    await call(base, `/account/signin?${ENCODED(JOBCLOSER_DEMO_USER)}`);
    await call(base, "/nowhere");
    expect(sim.control.count("GET /api/jobs/getall")).toBe(2);
    expect(sim.control.count("GET /api/account/signin")).toBe(1);
    expect(sim.control.count("GET <unmatched>")).toBe(1);
    expect(sim.control.count()).toBe(4);
    expect(sim.id).toBe("jobcloser");
    expect(sim.basePath).toBe("/api");
    expect(sim.baseUrl).toBe(base);
  });

  it("injects server errors, 429s, drops, slow answers and latency", async () => {
    const path = `/companies/get?id=${demo.company.Id}`;
    sim.control.reset();
    try {
      sim.control.injectFault({ kind: "status", status: 500, times: 1 });
      const internal = await call(base, path);
      expect([internal.status, JSON.parse(internal.text)]).toEqual([
        500,
        { Message: "An error has occurred." },
      ]);

      sim.control.injectFault({ kind: "status", status: 503, times: 1 });
      const unavailable = await call(base, path);
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers.get("content-type")).toMatch(/^text\/html/);
      expect(unavailable.text).toContain("Service Unavailable");

      sim.control.injectFault({ kind: "rateLimit", times: 1 });
      const limited = await call(base, path);
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ Success: false, Message: "Too many requests", Result: null });

      sim.control.injectFault({ kind: "drop", times: 1, route: "GET /api/companies/get" });
      await expect(fetch(`${base}${path}`)).rejects.toThrow();

      sim.control.injectFault({ kind: "slow", delayMs: 150, times: 1 });
      let started = performance.now();
      expect((await call(base, path)).body.Success).toBe(true);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);

      sim.control.setLatency(60);
      started = performance.now();
      expect((await call(base, path)).body.Success).toBe(true);
      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
      sim.control.setLatency(0);

      expect(sim.control.count("GET /api/companies/get")).toBe(6);
      expect(sim.control.requests.map((request) => request.faulted)).toEqual([
        "status",
        "status",
        "rateLimit",
        "drop",
        "slow",
        null,
      ]);
    } finally {
      sim.control.reset();
    }
  });

  it("answers an unhandled exception with HTTP 500 and Web API's body", async () => {
    const local = await startSim({ companies: [JOBCLOSER_DEMO_COMPANY] });
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const state = local.sim.company();
      Object.defineProperty(state, "vendors", {
        get() {
          throw new Error("database unavailable");
        },
      });
      const reply = await call(local.base, `/vendors/getall?companyId=${state.company.Id}`);
      expect([reply.status, JSON.parse(reply.text)]).toEqual([500, { Message: "An error has occurred." }]);
      expect(errors).toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      await local.sim.close();
    }
  });

  it("refuses duplicate companies, e-mails and Zapier keys", () => {
    expect(() => createJobCloserSim({ companies: [JOBCLOSER_DEMO_COMPANY, JOBCLOSER_DEMO_COMPANY] })).toThrow(
      /duplicate/,
    );
    expect(() =>
      createJobCloserSim({
        companies: [
          JOBCLOSER_DEMO_COMPANY,
          { ...JOBCLOSER_OTHER_COMPANY, users: [{ email: "DEMO@jobcloser.com", password: "x" }] },
        ],
      }),
    ).toThrow(/duplicate account e-mail/);
    expect(() =>
      createJobCloserSim({
        companies: [
          JOBCLOSER_DEMO_COMPANY,
          { ...JOBCLOSER_OTHER_COMPANY, zapierKey: JOBCLOSER_DEMO_ZAPIER_KEY },
        ],
      }),
    ).toThrow(/duplicate Zapier key/);
  });
});
