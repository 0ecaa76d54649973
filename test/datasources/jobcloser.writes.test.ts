import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createJobCloserSim,
  JOBCLOSER_DEMO_COMPANY,
  JOBCLOSER_DEMO_COMPANY_ID,
  JOBCLOSER_DEMO_USER,
  JOBCLOSER_DEMO_ZAPIER_KEY,
  JOBCLOSER_OTHER_COMPANY,
  type JobCloserChemicalApplication,
  type JobCloserCompanyState,
  type JobCloserEvent,
  type JobCloserJob,
  type JobCloserJobItem,
  type JobCloserSim,
  type JobCloserSize,
} from "../../sim/jobcloser/index.js";
import { HttpLayer, type UpstreamTarget } from "../../src/datasources/http.js";
import {
  JobCloserClient,
  type JobCloserCredentials,
  JobCloserSession,
} from "../../src/datasources/jobcloser/client.js";
import { JobCloserDatasource } from "../../src/datasources/jobcloser/datasource.js";
import type { ListStream } from "../../src/datasources/paging.js";
import type { NodeRef, UnifiedChemicalApplication } from "../../src/datasources/unified.js";
import type { ChemicalApplicationInput } from "../../src/datasources/writes.js";
import {
  InputValidationError,
  NotFoundError,
  UnsupportedBySourceError,
  UpstreamError,
} from "../../src/errors.js";

/**
 * The JobCloser write half against its simulator over real HTTP, two companies in one database
 * (JobCloser keeps neither apart): chemical applications (create, atomic batch, edit as GET+PUT,
 * delete by GET), event photos by URL and by bytes, Zapier leads and customers. For each: the
 * returned record and the simulator's state, validation before any request, upstream failures
 * (HTTP 200 `Success: false`) on the client's paths, not-found, tenant isolation with no write
 * sent, read-your-writes and the exact requests. Each test gets a freshly seeded (small) simulator.
 */

const NOW = new Date("2026-03-01T12:30:00Z");
/** NOW as JobCloser renders it (America/Chicago, CST). */
const NOW_RENDERED = "2026-03-01T06:30:00-06:00";
const SIZE: Partial<JobCloserSize> = {
  locations: 1,
  customers: 10,
  jobs: 16,
  events: 40,
  chemicalApplications: 30,
  invoices: 6,
  products: 8,
  crews: 2,
  employees: 4,
  trackableAssets: 2,
  vendors: 2,
};
const UNKNOWN_ID = "0123456789abcdef0123456789abcd";
const PHOTO_URL = "https://photos.example.com/visits/front-yard.png";
const BROKEN_URL = "https://photos.example.com/visits/missing.png";
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

const R = {
  signIn: "GET /api/account/signin",
  job: "GET /api/jobs/get",
  event: "GET /api/events/get",
  customer: "GET /api/customers/get",
  customers: "GET /api/customers/getall",
  application: "GET /api/chemicalapplicationlocations/get",
  applications: "GET /api/chemicalapplicationlocations/getall",
  products: "GET /api/products/getall",
  create: "POST /api/chemicalapplicationlocations/create",
  batch: "POST /api/chemicalapplicationlocations/createbatch",
  edit: "PUT /api/chemicalapplicationlocations/create",
  delete: "GET /api/chemicalapplicationlocations/delete",
  byUrl: "GET /api/chemicalapplicationlocations/uploadimageviaurl",
  byBytes: "POST /api/chemicalapplicationlocations/uploadimageviabytearray",
  lead: "POST /api/zapier/createlead",
  zapierCustomer: "POST /api/zapier/createcustomer",
} as const;
const WRITE_ROUTES = [R.create, R.batch, R.edit, R.delete, R.byUrl, R.byBytes, R.lead, R.zapierCustomer];

let sim: JobCloserSim;
let http: HttpLayer;
/** A layer with a cross-request cache, for read-your-writes. */
let cachingHttp: HttpLayer;
let target: UpstreamTarget;
let session: JobCloserSession;

const layer = (ttlMs: number, retries = 0) =>
  new HttpLayer({
    timeoutMs: 2_000,
    retries,
    retryBaseDelayMs: 1,
    connections: 4,
    cache: { ttlMs, maxEntries: 1_000 },
  });

beforeEach(async () => {
  sim = createJobCloserSim({
    companies: [
      { ...JOBCLOSER_DEMO_COMPANY, size: SIZE },
      { ...JOBCLOSER_OTHER_COMPANY, size: SIZE },
    ],
    now: () => NOW,
    downloadImage: async (url) => (url === PHOTO_URL ? PNG : null),
  });
  await sim.listen(0);
  http = layer(0);
  cachingHttp = layer(60_000);
  target = { source: "jobcloser", tenantId: "t1", baseUrl: sim.baseUrl, headers: {}, timeoutMs: 2_000 };
  session = new JobCloserSession({ ...JOBCLOSER_DEMO_USER }, 60_000);
});

afterEach(async () => {
  await http.close();
  await cachingHttp.close();
  await sim.close();
});

/** A datasource as one GraphQL request gets it (fresh loaders and memo), on the tenant's session. */
function fresh(options: { http?: HttpLayer; session?: JobCloserSession } = {}): JobCloserDatasource {
  return new JobCloserDatasource(
    new JobCloserClient(options.http ?? http, target, options.session ?? session),
    "USD",
  );
}

const zapierSession = (credentials: JobCloserCredentials = { zapierKey: JOBCLOSER_DEMO_ZAPIER_KEY }) =>
  new JobCloserSession(credentials, 60_000);

/** Signs the session in and clears the counters: a test then counts its own requests only. */
async function signedIn(): Promise<void> {
  await new JobCloserClient(http, target, session).companyId();
  sim.control.resetCounts();
}

const demo = (): JobCloserCompanyState => sim.company(JOBCLOSER_DEMO_COMPANY_ID);
const other = (): JobCloserCompanyState => sim.company(JOBCLOSER_OTHER_COMPANY);
const ref = (type: NodeRef["type"], sourceId: string): NodeRef => ({ type, source: "jobcloser", sourceId });
const writeCount = () => WRITE_ROUTES.reduce((sum, route) => sum + sim.control.count(route), 0);

async function all<T>(stream: ListStream<T> | null | undefined): Promise<T[]> {
  if (!stream || stream.kind === "cursor") throw new Error("expected an offset stream");
  return (await stream.fetch(0, 1_000)).records;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the write to fail");
    },
    (reason: unknown) => reason,
  );
}

/** The fields of the InputValidationError a write fails with, and which source rejected it. */
async function invalid(promise: Promise<unknown>) {
  const error = await caught(promise);
  expect(error).toBeInstanceOf(InputValidationError);
  const validation = error as InputValidationError;
  return { fields: validation.fields, source: validation.extensions.source, message: validation.message };
}

// ---- Fixtures: seeded records of the demo company, and of the other company ----

interface Fixtures {
  /** A seeded application with a job item and product. */
  application: JobCloserChemicalApplication;
  job: JobCloserJob;
  event: JobCloserEvent;
  item: JobCloserJobItem;
  productId: string;
  /** Another demo job with a visit and a line item. */
  secondJob: JobCloserJob;
  secondEvent: JobCloserEvent;
  secondItem: JobCloserJobItem;
  foreignApplication: JobCloserChemicalApplication;
  foreignJob: JobCloserJob;
  foreignEvent: JobCloserEvent;
  foreignProductId: string;
}

function fixtures(): Fixtures {
  const pick = (state: JobCloserCompanyState) => {
    const application = [...state.chemicalApplications.values()].find((a) => a.JobItemId && a.ProductId);
    if (!application) throw new Error("no seeded application with a job item");
    return {
      application,
      job: state.jobs.get(application.JobId)!,
      event: state.events.get(application.EventId)!,
    };
  };
  const own = pick(demo());
  const foreign = pick(other());
  const secondJob = [...demo().jobs.values()].find(
    (job) =>
      job.Id !== own.job.Id &&
      [...demo().events.values()].some((event) => event.JobId === job.Id) &&
      [...demo().jobItems.values()].some((item) => item.JobId === job.Id),
  )!;
  return {
    ...own,
    item: demo().jobItems.get(own.application.JobItemId!)!,
    productId: own.application.ProductId!,
    secondJob,
    secondEvent: [...demo().events.values()].find((event) => event.JobId === secondJob.Id)!,
    secondItem: [...demo().jobItems.values()].find((item) => item.JobId === secondJob.Id)!,
    foreignApplication: foreign.application,
    foreignJob: foreign.job,
    foreignEvent: foreign.event,
    foreignProductId: foreign.application.ProductId!,
  };
}

/** The reference's create example (§4.2) as a unified input, on a seeded job and visit. */
function input(f: Fixtures, overrides: ChemicalApplicationInput = {}): ChemicalApplicationInput {
  return {
    jobId: f.job.Id,
    siteVisitId: f.event.Id,
    appliedAt: "2026-03-01T12:15:00Z",
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
    ...overrides,
  };
}

/** What JobCloser stores for `input(f)`: coordinates as text, the date rendered in Central time. */
function stored(f: Fixtures, id: string): JobCloserChemicalApplication {
  return {
    Id: id,
    EventCompletionId: null,
    EventId: f.event.Id,
    JobId: f.job.Id,
    JobItemId: null,
    ProductId: null,
    DateCreated: NOW_RENDERED,
    CreatedBy: null,
    ApplicationDate: "2026-03-01T06:15:00-06:00",
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
  };
}

/** The unified record of a stored application (reference §5.9 -> ChemicalApplication). */
function unified(a: JobCloserChemicalApplication): UnifiedChemicalApplication {
  return {
    __typename: "ChemicalApplication",
    source: "jobcloser",
    sourceId: a.Id,
    jobId: a.JobId,
    siteVisitId: a.EventId,
    jobItemId: a.JobItemId,
    productId: a.ProductId,
    appliedAt: a.ApplicationDate,
    latitude: Number(a.Latitude),
    longitude: Number(a.Longitude),
    meterSerialNumber: a.MeterSerialNumber,
    meterRawCount: a.MeterRawCount,
    meterCurrentRate: a.MeterCurrentRate,
    meterCalculatedFlowTotal: a.MeterCalculatedFlowTotal,
    meterRawCountsToZero: a.MeterRawCountsToZero,
    fluidTemperatureF: a.TemperatureOfFluid,
    ambientTemperatureF: a.AmbientTemperature,
    batteryPercent: a.BatteryStatusInPercent,
    batteryRunTimeMinutes: a.BatteryStatusInEstimatedRunTime,
    note: a.Note,
    deviceName: a.DeviceName,
    calibrationFactor: a.CalibrationFactor,
    eventCompletionId: a.EventCompletionId,
    createdAt: a.DateCreated,
    updatedAt: null,
  };
}

/** Every company's applications and attachments, to prove a refused write changed nothing. */
const everything = () =>
  [...sim.companies.values()].map((state) => ({
    applications: structuredClone([...state.chemicalApplications.values()]),
    attachments: structuredClone([...state.attachments.values()]),
    customers: state.customers.size,
  }));

// ---- Tests ----

describe("createChemicalApplications: one input", () => {
  it("POSTs create once after one jobs/get; returns and stores the record in JobCloser's forms", async () => {
    const f = fixtures();
    await signedIn();
    const before = demo().chemicalApplications.size;
    const written = await fresh().writes.createChemicalApplications([input(f)], {});
    expect(written.replayed).toBe(false);
    expect(written.record).toHaveLength(1);
    const id = written.record[0]!.sourceId;
    expect(demo().chemicalApplications.get(id)).toEqual(stored(f, id));
    expect(demo().chemicalApplications.size).toBe(before + 1);
    expect(written.record).toEqual([unified(stored(f, id))]);
    expect(sim.control.snapshot()).toEqual({ [R.job]: 1, [R.create]: 1 });
  });

  it("with a job item and product of the tenant: one products/getall more; tiny coordinates go as decimals", async () => {
    const f = fixtures();
    await signedIn();
    const written = await fresh().writes.createChemicalApplications(
      [input(f, { jobItemId: f.item.Id, productId: f.productId, latitude: 1e-7, longitude: -0.5 })],
      {},
    );
    const id = written.record[0]!.sourceId;
    expect(demo().chemicalApplications.get(id)).toEqual({
      ...stored(f, id),
      JobItemId: f.item.Id,
      ProductId: f.productId,
      Latitude: "0.0000001",
      Longitude: "-0.5",
    });
    expect(written.record[0]).toMatchObject({ jobItemId: f.item.Id, productId: f.productId, latitude: 1e-7 });
    expect(sim.control.snapshot()).toEqual({ [R.job]: 1, [R.products]: 1, [R.create]: 1 });
  });

  it("validates every field before any request, on `inputs[0]` paths (not even a sign-in)", async () => {
    const f = fixtures();
    const { fields } = await invalid(
      fresh().writes.createChemicalApplications(
        [
          input(f, {
            siteVisitId: undefined,
            appliedAt: "2026-02-30T10:00:00-06:00",
            latitude: 90.5,
            longitude: -181,
            meterSerialNumber: " ",
            batteryPercent: 86.5,
            batteryRunTimeMinutes: -1,
            note: null,
            deviceName: undefined,
            calibrationFactor: undefined,
          }),
        ],
        {},
      ),
    );
    expect(fields).toEqual([
      { path: "inputs[0].siteVisitId", message: "is required" },
      {
        path: "inputs[0].appliedAt",
        message: "must be a date-time with offset, e.g. 2026-03-01T09:30:00-06:00",
      },
      { path: "inputs[0].latitude", message: "must be at most 90" },
      { path: "inputs[0].longitude", message: "must be at least -180" },
      { path: "inputs[0].meterSerialNumber", message: "is required" },
      { path: "inputs[0].batteryPercent", message: "must be a whole number" },
      { path: "inputs[0].batteryRunTimeMinutes", message: "must be at least 0" },
      { path: "inputs[0].note", message: "is required" },
      { path: "inputs[0].deviceName", message: "is required" },
      { path: "inputs[0].calibrationFactor", message: "is required" },
    ]);
    const noOffset = await invalid(
      fresh().writes.createChemicalApplications(
        [input(f, { appliedAt: "2026-03-01T10:00:00", batteryPercent: 101 })],
        {},
      ),
    );
    expect(noOffset.fields).toEqual([
      {
        path: "inputs[0].appliedAt",
        message: "must be a date-time with offset, e.g. 2026-03-01T09:30:00-06:00",
      },
      { path: "inputs[0].batteryPercent", message: "must be at most 100" },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it("a product JobCloser no longer has (the tenant's catalog snapshot is older) is its ProductId rejection on inputs[0].productId", async () => {
    const f = fixtures();
    await all(fresh().lists.products());
    demo().products.delete(f.productId);
    sim.control.resetCounts();
    const before = everything();
    const rejected = await invalid(
      fresh().writes.createChemicalApplications([input(f, { productId: f.productId })], {}),
    );
    expect(rejected).toEqual({
      fields: [{ path: "inputs[0].productId", message: "is invalid" }],
      source: "jobcloser",
      message: "Invalid input (rejected by jobcloser): inputs[0].productId is invalid.",
    });
    expect(everything()).toEqual(before);
    expect(sim.control.snapshot()).toEqual({ [R.job]: 1, [R.create]: 1 });
  });

  it("API access switched off after the job was read: the refused write is UPSTREAM_ERROR naming the setting", async () => {
    const f = fixtures();
    await fresh({ http: cachingHttp }).load(ref("Job", f.job.Id));
    demo().company.EnableApiAccess = false;
    sim.control.resetCounts();
    const error = await caught(
      fresh({ http: cachingHttp }).writes.createChemicalApplications([input(f)], {}),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toBe(
      'JobCloser refused the write: API access is not enabled for this company (its "Enable API Access" setting is off)',
    );
    expect(sim.control.snapshot()).toEqual({ [R.create]: 1 });
  });

  it("is sent once: a 503 on create is not retried (JobCloser would duplicate it)", async () => {
    const f = fixtures();
    const retrying = layer(0, 2);
    try {
      await signedIn();
      sim.control.injectFault({ kind: "status", status: 503, route: R.create });
      const error = await caught(fresh({ http: retrying }).writes.createChemicalApplications([input(f)], {}));
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).code).toBe("UPSTREAM_UNAVAILABLE");
      expect(sim.control.snapshot()).toEqual({ [R.job]: 1, [R.create]: 1 });
    } finally {
      await retrying.close();
    }
  });
});

describe("createChemicalApplications: a batch", () => {
  it("one createbatch after one jobs/get per distinct job; records in input order, stored atomically", async () => {
    const f = fixtures();
    await signedIn();
    const second = input(f, {
      jobId: f.secondJob.Id,
      siteVisitId: f.secondEvent.Id,
      jobItemId: f.secondItem.Id,
      note: "Back fence",
    });
    const written = await fresh().writes.createChemicalApplications(
      [input(f), second, input(f, { productId: f.productId, batteryPercent: 80 })],
      {},
    );
    const ids = written.record.map((record) => record.sourceId);
    expect(new Set(ids).size).toBe(3);
    const [a, b, c] = ids as [string, string, string];
    const expected = [
      stored(f, a),
      {
        ...stored(f, b),
        JobId: f.secondJob.Id,
        EventId: f.secondEvent.Id,
        JobItemId: f.secondItem.Id,
        Note: "Back fence",
      },
      { ...stored(f, c), ProductId: f.productId, BatteryStatusInPercent: 80 },
    ];
    expect(ids.map((id) => demo().chemicalApplications.get(id))).toEqual(expected);
    expect(written.record).toEqual(expected.map(unified));
    expect(sim.control.snapshot()).toEqual({ [R.job]: 2, [R.products]: 1, [R.batch]: 1 });
  });

  it("validates every item (inputs[n] paths) and the batch size before any request", async () => {
    const f = fixtures();
    const { fields } = await invalid(
      fresh().writes.createChemicalApplications(
        [input(f), input(f, { siteVisitId: null, latitude: -95 }), input(f, { batteryPercent: 101 })],
        {},
      ),
    );
    expect(fields).toEqual([
      { path: "inputs[1].siteVisitId", message: "is required" },
      { path: "inputs[1].latitude", message: "must be at least -90" },
      { path: "inputs[2].batteryPercent", message: "must be at most 100" },
    ]);
    const empty = await invalid(fresh().writes.createChemicalApplications([], {}));
    expect(empty.fields).toEqual([{ path: "inputs", message: "must have at least one item" }]);
    const tooMany = await invalid(
      fresh().writes.createChemicalApplications(
        Array.from({ length: 501 }, () => input(f)),
        {},
      ),
    );
    expect(tooMany.fields).toEqual([{ path: "inputs", message: "must have at most 500 items" }]);
    expect(sim.control.count()).toBe(0);
  });

  it("an item JobCloser rejects (`Item 1: ProductId is invalid`) is inputs[1].productId; nothing is created", async () => {
    const f = fixtures();
    await all(fresh().lists.products());
    demo().products.delete(f.productId);
    sim.control.resetCounts();
    const before = everything();
    const rejected = await invalid(
      fresh().writes.createChemicalApplications([input(f), input(f, { productId: f.productId })], {}),
    );
    expect(rejected.fields).toEqual([{ path: "inputs[1].productId", message: "is invalid" }]);
    expect(rejected.source).toBe("jobcloser");
    expect(everything()).toEqual(before);
    expect(sim.control.snapshot()).toEqual({ [R.job]: 1, [R.batch]: 1 });
  });

  it("read-your-writes: the job's cached application list is read again after the batch", async () => {
    const f = fixtures();
    const before = await all(fresh({ http: cachingHttp }).lists.chemicalApplications({ jobId: f.job.Id }));
    const again = await all(fresh({ http: cachingHttp }).lists.chemicalApplications({ jobId: f.job.Id }));
    expect(again).toEqual(before);
    expect(sim.control.count(R.applications)).toBe(1);
    const written = await fresh({ http: cachingHttp }).writes.createChemicalApplications(
      [input(f), input(f, { note: "Second pass" })],
      {},
    );
    const after = await all(fresh({ http: cachingHttp }).lists.chemicalApplications({ jobId: f.job.Id }));
    expect(sim.control.count(R.applications)).toBe(2);
    expect(after).toHaveLength(before.length + 2);
    for (const record of written.record) expect(after).toContainEqual(record);
  });
});

describe("updateChemicalApplication", () => {
  it("GETs the record, merges the input over it and PUTs the full set: changed fields change, the rest stay", async () => {
    const f = fixtures();
    await signedIn();
    const original = structuredClone(f.application);
    const updated = await fresh().writes.updateChemicalApplication(f.application.Id, {
      note: "Re-sprayed the north bed",
      batteryPercent: 40,
      latitude: 33.5,
      appliedAt: "2026-02-27T15:00:00-06:00",
    });
    const expected: JobCloserChemicalApplication = {
      ...original,
      Note: "Re-sprayed the north bed",
      BatteryStatusInPercent: 40,
      Latitude: "33.5",
      ApplicationDate: "2026-02-27T15:00:00-06:00",
    };
    expect(demo().chemicalApplications.get(f.application.Id)).toEqual(expected);
    expect(updated).toEqual(unified(expected));
    expect(sim.control.snapshot()).toEqual({ [R.application]: 1, [R.job]: 1, [R.edit]: 1 });
  });

  it("moves to another job of the tenant with that job's visit and line item", async () => {
    const f = fixtures();
    await signedIn();
    const updated = await fresh().writes.updateChemicalApplication(f.application.Id, {
      jobId: f.secondJob.Id,
      siteVisitId: f.secondEvent.Id,
      jobItemId: f.secondItem.Id,
    });
    expect(demo().chemicalApplications.get(f.application.Id)).toMatchObject({
      JobId: f.secondJob.Id,
      EventId: f.secondEvent.Id,
      JobItemId: f.secondItem.Id,
      Note: f.application.Note,
    });
    expect(updated).toMatchObject({
      jobId: f.secondJob.Id,
      siteVisitId: f.secondEvent.Id,
      jobItemId: f.secondItem.Id,
    });
    expect(sim.control.snapshot()).toEqual({ [R.application]: 1, [R.job]: 2, [R.edit]: 1 });
  });

  it("a move must bring a visit and line item of the new job (neither can be cleared): no PUT otherwise", async () => {
    const f = fixtures();
    const before = everything();
    const { fields } = await invalid(
      fresh().writes.updateChemicalApplication(f.application.Id, { jobId: f.secondJob.Id }),
    );
    expect(fields).toEqual([
      { path: "input.siteVisitId", message: "is not a site visit of this job" },
      { path: "input.jobItemId", message: "is not a line item of this job" },
    ]);
    const visitOnly = await invalid(
      fresh().writes.updateChemicalApplication(f.application.Id, { siteVisitId: f.secondEvent.Id }),
    );
    expect(visitOnly.fields).toEqual([
      { path: "input.siteVisitId", message: "is not a site visit of this job" },
    ]);
    expect(everything()).toEqual(before);
    expect(sim.control.count(R.edit)).toBe(0);
  });

  it("validates before any request: nothing can be cleared, blanks would be ignored, ranges", async () => {
    const f = fixtures();
    const { fields } = await invalid(
      fresh().writes.updateChemicalApplication(f.application.Id, {
        note: null,
        jobItemId: null,
        deviceName: "",
        batteryPercent: 101,
        longitude: 200,
        appliedAt: "yesterday",
      }),
    );
    expect(fields).toEqual([
      { path: "input.jobItemId", message: "cannot be null: JobCloser cannot clear it" },
      { path: "input.appliedAt", message: "must be a date-time with offset, e.g. 2026-03-01T09:30:00-06:00" },
      { path: "input.longitude", message: "must be at most 180" },
      { path: "input.batteryPercent", message: "must be at most 100" },
      { path: "input.note", message: "cannot be null: JobCloser cannot clear it" },
      { path: "input.deviceName", message: "cannot be blank: JobCloser would keep the stored value" },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it("an unknown id is NOT_FOUND after one GET, with no PUT", async () => {
    await signedIn();
    const error = await caught(fresh().writes.updateChemicalApplication(UNKNOWN_ID, { note: "x" }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toBe(`JobCloser chemical application ${UNKNOWN_ID} not found`);
    expect((error as NotFoundError).extensions).toEqual({ code: "NOT_FOUND", source: "jobcloser" });
    expect(sim.control.snapshot()).toEqual({ [R.application]: 1 });
  });

  it("a product JobCloser no longer has is its ProductId rejection on input.productId, and the record is unchanged", async () => {
    const f = fixtures();
    const otherProduct = [...demo().products.keys()].find((id) => id !== f.productId)!;
    await all(fresh().lists.products());
    demo().products.delete(otherProduct);
    sim.control.resetCounts();
    const before = everything();
    const rejected = await invalid(
      fresh().writes.updateChemicalApplication(f.application.Id, { productId: otherProduct }),
    );
    expect(rejected.fields).toEqual([{ path: "input.productId", message: "is invalid" }]);
    expect(rejected.source).toBe("jobcloser");
    expect(everything()).toEqual(before);
    expect(sim.control.snapshot()).toEqual({ [R.application]: 1, [R.job]: 1, [R.edit]: 1 });
  });

  it("read-your-writes: the cached record and the lists of both jobs are read again; the edit merges over a fresh read", async () => {
    const f = fixtures();
    const cached = () => fresh({ http: cachingHttp });
    await cached().load(ref("ChemicalApplication", f.application.Id));
    await all(cached().lists.chemicalApplications({ jobId: f.job.Id }));
    await all(cached().lists.chemicalApplications({ jobId: f.secondJob.Id }));
    // Changed behind the gateway's back: the edit must not write the cached value back.
    demo().chemicalApplications.get(f.application.Id)!.DeviceName = "Sprayer 9";
    sim.control.resetCounts();
    await cached().writes.updateChemicalApplication(f.application.Id, {
      jobId: f.secondJob.Id,
      siteVisitId: f.secondEvent.Id,
      jobItemId: f.secondItem.Id,
    });
    expect(sim.control.count(R.application)).toBe(1);
    expect(demo().chemicalApplications.get(f.application.Id)?.DeviceName).toBe("Sprayer 9");

    const loaded = await cached().load(ref("ChemicalApplication", f.application.Id));
    expect(loaded).toMatchObject({ jobId: f.secondJob.Id, deviceName: "Sprayer 9" });
    const oldJob = await all(cached().lists.chemicalApplications({ jobId: f.job.Id }));
    const newJob = await all(cached().lists.chemicalApplications({ jobId: f.secondJob.Id }));
    expect(oldJob.map((record) => record.sourceId)).not.toContain(f.application.Id);
    expect(newJob.map((record) => record.sourceId)).toContain(f.application.Id);
    expect(sim.control.count(R.application)).toBe(2);
    expect(sim.control.count(R.applications)).toBe(2);
  });
});

describe("deleteChemicalApplication", () => {
  it("reads the record and its job, then one GET delete; the record is gone", async () => {
    const f = fixtures();
    await signedIn();
    const before = demo().chemicalApplications.size;
    expect(await fresh().writes.deleteChemicalApplication(f.application.Id)).toEqual({ permanent: true });
    expect(demo().chemicalApplications.has(f.application.Id)).toBe(false);
    expect(demo().chemicalApplications.size).toBe(before - 1);
    expect(sim.control.snapshot()).toEqual({ [R.application]: 1, [R.job]: 1, [R.delete]: 1 });
    expect(sim.control.requests.at(-1)?.query).toBe(`?id=${f.application.Id}`);
  });

  it("an unknown id is NOT_FOUND with no delete sent", async () => {
    await signedIn();
    const error = await caught(fresh().writes.deleteChemicalApplication(UNKNOWN_ID));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(sim.control.snapshot()).toEqual({ [R.application]: 1 });
  });

  it("already gone upstream (the gateway's read was cached): `Record not found` is NOT_FOUND, and the cache is dropped", async () => {
    const f = fixtures();
    await fresh({ http: cachingHttp }).load(ref("ChemicalApplication", f.application.Id));
    demo().chemicalApplications.delete(f.application.Id);
    sim.control.resetCounts();
    const error = await caught(
      fresh({ http: cachingHttp }).writes.deleteChemicalApplication(f.application.Id),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(sim.control.snapshot()).toEqual({ [R.delete]: 1 });
    expect(await fresh({ http: cachingHttp }).load(ref("ChemicalApplication", f.application.Id))).toBeNull();
    expect(sim.control.count(R.application)).toBe(1);
  });

  it("a GET that deletes is a write: never served from cache, never retried", async () => {
    const f = fixtures();
    const retrying = layer(60_000, 2);
    try {
      await fresh({ http: retrying }).load(ref("ChemicalApplication", f.application.Id));
      sim.control.resetCounts();
      sim.control.injectFault({ kind: "status", status: 503, route: R.delete, times: 1 });
      const error = await caught(
        fresh({ http: retrying }).writes.deleteChemicalApplication(f.application.Id),
      );
      expect(error).toBeInstanceOf(UpstreamError);
      expect(sim.control.snapshot()).toEqual({ [R.delete]: 1 });
      expect(demo().chemicalApplications.has(f.application.Id)).toBe(true);
      await fresh({ http: retrying }).writes.deleteChemicalApplication(f.application.Id);
      expect(sim.control.count(R.delete)).toBe(2);
      expect(demo().chemicalApplications.has(f.application.Id)).toBe(false);
    } finally {
      await retrying.close();
    }
  });

  it("read-your-writes: the cached record and the job's list are read again after the delete", async () => {
    const f = fixtures();
    const cached = () => fresh({ http: cachingHttp });
    const list = await all(cached().lists.chemicalApplications({ jobId: f.job.Id }));
    expect(list.map((record) => record.sourceId)).toContain(f.application.Id);
    await cached().load(ref("ChemicalApplication", f.application.Id));
    await cached().writes.deleteChemicalApplication(f.application.Id);
    sim.control.resetCounts();
    const after = await all(cached().lists.chemicalApplications({ jobId: f.job.Id }));
    expect(after).toEqual(list.filter((record) => record.sourceId !== f.application.Id));
    expect(await cached().load(ref("ChemicalApplication", f.application.Id))).toBeNull();
    expect(sim.control.snapshot()).toEqual({ [R.applications]: 1, [R.application]: 1 });
  });
});

describe("uploadSiteVisitPhoto", () => {
  it("by URL: one events/get, then GET uploadimageviaurl (JobCloser downloads it); the photo is stored", async () => {
    const f = fixtures();
    await signedIn();
    const written = await fresh().writes.uploadSiteVisitPhoto(
      {
        siteVisitId: f.event.Id,
        url: PHOTO_URL,
        caption: "Front yard",
        latitude: 33.5116331,
        longitude: -86.8965344,
      },
      {},
    );
    const id = written.record.sourceId;
    const attachment = demo().attachments.get(id);
    expect(attachment).toEqual({
      Id: id,
      CompanyId: JOBCLOSER_DEMO_COMPANY_ID,
      CustomerId: f.event.CustomerId,
      JobId: f.job.Id,
      EventId: f.event.Id,
      ProductId: null,
      FileName: "front-yard.png",
      Url: attachment?.Url,
      Caption: "Front yard",
      Latitude: "33.5116331",
      Longitude: "-86.8965344",
      DateCreated: NOW_RENDERED,
      CreatedBy: null,
    });
    expect(demo().images.get(id)?.bytes).toEqual(PNG);
    expect(written).toEqual({
      record: {
        source: "jobcloser",
        sourceId: id,
        fileName: "front-yard.png",
        url: attachment?.Url,
        caption: "Front yard",
        latitude: 33.5116331,
        longitude: -86.8965344,
        siteVisitId: f.event.Id,
        jobId: f.job.Id,
        customerId: f.event.CustomerId,
        createdAt: NOW_RENDERED,
      },
      replayed: false,
    });
    expect(sim.control.snapshot()).toEqual({ [R.event]: 1, [R.byUrl]: 1 });
    expect(sim.control.requests.at(-1)?.query).toBe(
      `?eventId=${f.event.Id}&url=${encodeURIComponent(PHOTO_URL)}&caption=Front+yard&latitude=33.5116331&longitude=-86.8965344`,
    );
  });

  it("by bytes: POST uploadimageviabytearray with the base64 content and file name", async () => {
    const f = fixtures();
    await signedIn();
    const written = await fresh().writes.uploadSiteVisitPhoto(
      { siteVisitId: f.event.Id, contentBase64: PNG.toString("base64"), fileName: "spray-01.png" },
      {},
    );
    const id = written.record.sourceId;
    expect(demo().images.get(id)).toEqual({
      attachmentId: id,
      fileName: "spray-01.png",
      bytes: PNG,
      sourceUrl: null,
    });
    expect(demo().attachments.get(id)).toMatchObject({
      FileName: "spray-01.png",
      Caption: null,
      Latitude: null,
    });
    expect(written.record).toMatchObject({
      fileName: "spray-01.png",
      caption: null,
      latitude: null,
      longitude: null,
    });
    expect(sim.control.snapshot()).toEqual({ [R.event]: 1, [R.byBytes]: 1 });
  });

  it("validates before any request: exactly one of url and contentBase64, base64, size, file name, ranges", async () => {
    const f = fixtures();
    const photo = fresh().writes;
    const check = async (input: Parameters<typeof photo.uploadSiteVisitPhoto>[0]) =>
      (await invalid(photo.uploadSiteVisitPhoto(input, {}))).fields;
    expect(await check({ siteVisitId: f.event.Id })).toEqual([
      { path: "input.url", message: "is required unless contentBase64 is given" },
      { path: "input.contentBase64", message: "is required unless url is given" },
    ]);
    expect(await check({ siteVisitId: f.event.Id, url: PHOTO_URL, contentBase64: "AAAA" })).toEqual([
      { path: "input.contentBase64", message: "cannot be given together with url: send exactly one of them" },
    ]);
    expect(
      await check({ siteVisitId: f.event.Id, url: "ftp://example.com/a.png", fileName: "a.png" }),
    ).toEqual([
      { path: "input.url", message: "must be an http(s) URL" },
      {
        path: "input.fileName",
        message: "is not supported with url: JobCloser names the file after the URL's last path segment",
      },
    ]);
    expect(await check({ siteVisitId: f.event.Id, contentBase64: "not base64!" })).toEqual([
      { path: "input.fileName", message: "is required" },
      { path: "input.contentBase64", message: "must be valid base64" },
    ]);
    expect(await check({ siteVisitId: f.event.Id, contentBase64: "", fileName: "x".repeat(256) })).toEqual([
      { path: "input.fileName", message: "must be at most 255 characters" },
      { path: "input.contentBase64", message: "must hold at least 1 byte" },
    ]);
    const elevenMb = Buffer.alloc(10 * 1024 * 1024 + 1).toString("base64");
    expect(
      await check({
        siteVisitId: f.event.Id,
        contentBase64: elevenMb,
        fileName: "big.png",
        caption: "c".repeat(256),
        latitude: 91,
        longitude: -180.5,
      }),
    ).toEqual([
      { path: "input.contentBase64", message: "must be at most 10 MB (10485760 bytes) once decoded" },
      { path: "input.caption", message: "must be at most 255 characters" },
      { path: "input.latitude", message: "must be at most 90" },
      { path: "input.longitude", message: "must be at least -180" },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it("an image JobCloser cannot download is input.url; nothing is stored", async () => {
    const f = fixtures();
    await signedIn();
    const before = everything();
    const rejected = await invalid(
      fresh().writes.uploadSiteVisitPhoto({ siteVisitId: f.event.Id, url: BROKEN_URL }, {}),
    );
    expect(rejected.fields).toEqual([{ path: "input.url", message: "could not be downloaded by JobCloser" }]);
    expect(rejected.source).toBe("jobcloser");
    expect(everything()).toEqual(before);
    expect(sim.control.snapshot()).toEqual({ [R.event]: 1, [R.byUrl]: 1 });
  });

  it("a visit gone upstream (the gateway's read was cached) is JobCloser's rejection on input.siteVisitId, both ways", async () => {
    const f = fixtures();
    await fresh({ http: cachingHttp }).load(ref("SiteVisit", f.event.Id));
    demo().events.delete(f.event.Id);
    sim.control.resetCounts();
    const bytes = await invalid(
      fresh({ http: cachingHttp }).writes.uploadSiteVisitPhoto(
        { siteVisitId: f.event.Id, contentBase64: PNG.toString("base64"), fileName: "a.png" },
        {},
      ),
    );
    // `eventId` is a body field of the byte upload, a query parameter of the URL upload (§2).
    expect(bytes.fields).toEqual([{ path: "input.siteVisitId", message: "is invalid" }]);
    const byUrl = await invalid(
      fresh({ http: cachingHttp }).writes.uploadSiteVisitPhoto(
        { siteVisitId: f.event.Id, url: PHOTO_URL },
        {},
      ),
    );
    expect(byUrl.fields).toEqual([{ path: "input.siteVisitId", message: "does not exist" }]);
    expect(byUrl.source).toBe("jobcloser");
    expect(sim.control.snapshot()).toEqual({ [R.byBytes]: 1, [R.byUrl]: 1 });
  });

  it("read-your-writes: the customer (which lists its attachments), visit and job are read again", async () => {
    const f = fixtures();
    const cached = () => fresh({ http: cachingHttp });
    const customerId = f.event.CustomerId!;
    await cached().load(ref("Customer", customerId));
    await cached().load(ref("SiteVisit", f.event.Id));
    await cached().load(ref("Job", f.job.Id));
    await cached().writes.uploadSiteVisitPhoto({ siteVisitId: f.event.Id, url: PHOTO_URL }, {});
    sim.control.resetCounts();
    await cached().load(ref("Customer", customerId));
    await cached().load(ref("SiteVisit", f.event.Id));
    await cached().load(ref("Job", f.job.Id));
    expect(sim.control.snapshot()).toEqual({ [R.customer]: 1, [R.event]: 1, [R.job]: 1 });
  });
});

describe("createLead and createCustomer (Zapier)", () => {
  const address = { line1: "400 Oak St", city: "Birmingham", region: "AL", postalCode: "35203" };

  it("need the tenant's Zapier key: without one, UnsupportedBySourceError and no request", async () => {
    const writes = fresh().writes;
    for (const attempt of [
      writes.createLead({ name: "Bob Smith" }, {}),
      writes.createCustomer({ name: "Bob Smith" }, {}),
    ]) {
      const error = await caught(attempt);
      expect(error).toBeInstanceOf(UnsupportedBySourceError);
    }
    await expect(writes.createCustomer({ name: "Bob Smith" }, {})).rejects.toThrow(
      "JobCloser creates customers only through its Zapier endpoints, which need the company's Zapier key: configure zapierKey for this tenant's JobCloser upstream.",
    );
    expect(sim.control.count()).toBe(0);
  });

  it("createLead: one POST createlead (no sign-in); a Lead customer whose ReferredBy is the lead's channel", async () => {
    const before = demo().customers.size;
    const nextNumber = demo().nextCustomerNumber;
    const written = await fresh({ session: zapierSession() }).writes.createLead(
      {
        name: "Bob Smith",
        email: "bob@example.com",
        phone: "(205) 555-0142",
        address,
        customerType: "Residential",
        channel: "Google",
        status: "NEW",
      },
      {},
    );
    const id = written.record.sourceId;
    expect(demo().customers.get(id)).toEqual({
      Id: id,
      CompanyId: JOBCLOSER_DEMO_COMPANY_ID,
      LocationId: null,
      SalespersonUserId: null,
      Number: nextNumber,
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
      DateCreated: NOW_RENDERED,
      CreatedBy: null,
      DateModified: null,
      ModifiedBy: null,
    });
    expect(demo().customers.size).toBe(before + 1);
    expect(written).toEqual({
      record: {
        __typename: "Lead",
        source: "jobcloser",
        sourceId: id,
        name: "Bob Smith",
        email: "bob@example.com",
        phone: "(205) 555-0142",
        address: { ...address, line2: null, country: null },
        status: "NEW",
        sourceStatus: "Lead",
        serviceInterests: [],
        notes: null,
        channel: "Google",
        customerId: id,
        createdAt: NOW_RENDERED,
        updatedAt: null,
      },
      replayed: false,
    });
    expect(sim.control.snapshot()).toEqual({ [R.lead]: 1 });
    expect(sim.control.requests[0]?.query).toBe(`?key=${encodeURIComponent(JOBCLOSER_DEMO_ZAPIER_KEY)}`);
  });

  it("createCustomer: POST createcustomer, an Active customer with both addresses; status LEAD goes to createlead", async () => {
    const writes = fresh({ session: zapierSession() }).writes;
    const written = await writes.createCustomer(
      {
        name: "Acme Offices",
        billingAddress: {
          line1: "PO Box 12",
          line2: "Suite 4",
          city: "Hoover",
          region: "AL",
          postalCode: "35216",
        },
        address,
        customerType: "Commercial",
        referredBy: "Yard sign",
      },
      {},
    );
    const id = written.record.sourceId;
    expect(demo().customers.get(id)).toMatchObject({
      Name: "Acme Offices",
      Status: "Active",
      JobAddress1: "400 Oak St",
      BillingAddress1: "PO Box 12",
      BillingAddress2: "Suite 4",
      BillingCity: "Hoover",
      BillingState: "AL",
      BillingZip: "35216",
      CustomerType: "Commercial",
      ReferredBy: "Yard sign",
      Email: null,
    });
    expect(written.record).toMatchObject({
      __typename: "Customer",
      status: "ACTIVE",
      sourceStatus: "Active",
      customerType: "Commercial",
      billingAddress: {
        line1: "PO Box 12",
        line2: "Suite 4",
        city: "Hoover",
        region: "AL",
        postalCode: "35216",
        country: null,
      },
    });
    const lead = await writes.createCustomer({ name: "Maybe Later", status: "LEAD" }, {});
    expect(demo().customers.get(lead.record.sourceId)?.Status).toBe("Lead");
    expect(lead.record).toMatchObject({ status: "LEAD", sourceStatus: "Lead" });
    expect(sim.control.snapshot()).toEqual({ [R.zapierCustomer]: 1, [R.lead]: 1 });
  });

  it("validate before any request: what JobCloser cannot store is rejected, never dropped", async () => {
    const writes = fresh({ session: zapierSession() }).writes;
    const customer = await invalid(
      writes.createCustomer(
        {
          name: " ",
          firstName: "Bob",
          mobile: "555",
          notes: "VIP",
          smsReminders: true,
          email: "not-an-email",
          phone: "9".repeat(256),
          address: { line1: "1 Main St", country: "US" },
          status: "INACTIVE",
        },
        {},
      ),
    );
    expect(customer.fields).toEqual([
      { path: "input.firstName", message: "is not supported by JobCloser customers" },
      { path: "input.mobile", message: "is not supported by JobCloser customers" },
      { path: "input.notes", message: "is not supported by JobCloser customers" },
      { path: "input.smsReminders", message: "is not supported by JobCloser customers" },
      {
        path: "input.status",
        message: "must be one of: ACTIVE, LEAD (JobCloser creates customers as Active, or as leads)",
      },
      { path: "input.name", message: "is required" },
      { path: "input.email", message: "must be a valid email address" },
      { path: "input.phone", message: "must be at most 255 characters" },
      { path: "input.address.country", message: "is not supported by JobCloser addresses" },
    ]);
    const lead = await invalid(
      writes.createLead(
        {
          name: "Bob",
          notes: "call back",
          serviceInterests: ["lawn"],
          status: "CONTACTED",
          channel: "Google",
          referredBy: "Facebook",
        },
        {},
      ),
    );
    expect(lead.fields).toEqual([
      { path: "input.notes", message: "is not supported by JobCloser leads" },
      { path: "input.serviceInterests", message: "is not supported by JobCloser leads" },
      { path: "input.status", message: "must be one of: NEW (a JobCloser lead is created NEW)" },
      {
        path: "input.channel",
        message: "must equal referredBy: JobCloser keeps both in one field (ReferredBy)",
      },
    ]);
    const longChannel = await invalid(writes.createLead({ name: "Bob", channel: "g".repeat(256) }, {}));
    expect(longChannel.fields).toEqual([
      { path: "input.channel", message: "must be at most 255 characters" },
    ]);
    expect(sim.control.count()).toBe(0);
  });

  it("a key JobCloser does not know, or a company without API access: UPSTREAM_ERROR without the key", async () => {
    const unknownKey = "00000000-0000-0000-0000-000000000000";
    const error = await caught(
      fresh({ session: zapierSession({ zapierKey: unknownKey }) }).writes.createLead({ name: "Bob" }, {}),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toBe(
      "JobCloser refused the write: the tenant's Zapier key was not accepted",
    );
    demo().company.EnableApiAccess = false;
    const disabled = await caught(
      fresh({ session: zapierSession() }).writes.createCustomer({ name: "Bob" }, {}),
    );
    expect((disabled as UpstreamError).message).toBe(
      'JobCloser refused the write: API access is not enabled for this company (its "Enable API Access" setting is off)',
    );
    expect(JSON.stringify([error, disabled])).not.toContain(JOBCLOSER_DEMO_ZAPIER_KEY);
    expect(sim.control.snapshot()).toEqual({ [R.lead]: 1, [R.zapierCustomer]: 1 });
  });

  it("read-your-writes: the session's customer and lead list snapshots are read again after a create", async () => {
    const zapier = zapierSession();
    const customers = await all(fresh({ session: zapier }).lists.customers({}));
    const leads = await all(fresh({ session: zapier }).lists.leads({}));
    await all(fresh({ session: zapier }).lists.customers({}));
    expect(sim.control.count(R.customers)).toBe(2);
    const written = await fresh({ session: zapier }).writes.createLead({ name: "Fresh Lead" }, {});
    const customersAfter = await all(fresh({ session: zapier }).lists.customers({}));
    const leadsAfter = await all(fresh({ session: zapier }).lists.leads({}));
    expect(sim.control.count(R.customers)).toBe(4);
    expect(customersAfter).toHaveLength(customers.length + 1);
    expect(leadsAfter).toEqual([written.record, ...leads]);
  });
});

describe("tenant isolation: JobCloser has none, so no write naming another company's record is sent", () => {
  it("creates naming another company's job, visit or product fail on those fields", async () => {
    const f = fixtures();
    await signedIn();
    const before = everything();
    const single = await invalid(
      fresh().writes.createChemicalApplications(
        [input(f, { jobId: f.foreignJob.Id, siteVisitId: f.foreignEvent.Id })],
        {},
      ),
    );
    expect(single.fields).toEqual([{ path: "inputs[0].jobId", message: "does not exist" }]);
    expect(single.source).toBeUndefined();
    const batch = await invalid(
      fresh().writes.createChemicalApplications(
        [
          input(f),
          input(f, { siteVisitId: f.foreignEvent.Id }),
          input(f, { productId: f.foreignProductId, jobItemId: f.secondItem.Id }),
          input(f, { jobId: f.foreignJob.Id, siteVisitId: f.foreignEvent.Id }),
        ],
        {},
      ),
    );
    expect(batch.fields).toEqual([
      { path: "inputs[1].siteVisitId", message: "is not a site visit of this job" },
      { path: "inputs[2].jobItemId", message: "is not a line item of this job" },
      { path: "inputs[2].productId", message: "does not exist" },
      { path: "inputs[3].jobId", message: "does not exist" },
    ]);
    expect(everything()).toEqual(before);
    expect(writeCount()).toBe(0);
    // The reads that decided it: one get per distinct job per request, and the tenant's catalog.
    expect(sim.control.snapshot()).toEqual({ [R.job]: 3, [R.products]: 1 });
  });

  it("another company's visit or line item that JobCloser lists under the tenant's job is not that job's: no write", async () => {
    const f = fixtures();
    const foreignItem = [...other().jobItems.values()][0];
    if (!foreignItem) throw new Error("no seeded line item of the other company");
    // JobCloser fills a job's events and items by job id alone (§3: no isolation): these would pass its own checks.
    const strays = {
      event: { ...f.foreignEvent, JobId: f.job.Id },
      item: { ...foreignItem, JobId: f.job.Id },
    };
    demo().events.set(strays.event.Id, strays.event);
    demo().jobItems.set(strays.item.Id, strays.item);
    try {
      await signedIn();
      const before = everything();
      const { fields } = await invalid(
        fresh().writes.createChemicalApplications(
          [input(f, { siteVisitId: strays.event.Id, jobItemId: strays.item.Id })],
          {},
        ),
      );
      expect(fields).toEqual([
        { path: "inputs[0].siteVisitId", message: "is not a site visit of this job" },
        { path: "inputs[0].jobItemId", message: "is not a line item of this job" },
      ]);
      expect(everything()).toEqual(before);
      expect(writeCount()).toBe(0);
      expect(sim.control.snapshot()).toEqual({ [R.job]: 1 });
    } finally {
      demo().events.delete(strays.event.Id);
      demo().jobItems.delete(strays.item.Id);
    }
  });

  it("another company's application cannot be edited, moved to, or deleted: NOT_FOUND / jobId, no write", async () => {
    const f = fixtures();
    await signedIn();
    const before = everything();
    for (const attempt of [
      fresh().writes.updateChemicalApplication(f.foreignApplication.Id, { note: "mine now" }),
      fresh().writes.deleteChemicalApplication(f.foreignApplication.Id),
    ]) {
      const error = await caught(attempt);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).message).toBe(
        `JobCloser chemical application ${f.foreignApplication.Id} not found`,
      );
    }
    const moved = await invalid(
      fresh().writes.updateChemicalApplication(f.application.Id, {
        jobId: f.foreignJob.Id,
        siteVisitId: f.foreignEvent.Id,
      }),
    );
    expect(moved.fields).toEqual([{ path: "input.jobId", message: "does not exist" }]);
    expect(everything()).toEqual(before);
    expect(writeCount()).toBe(0);
  });

  it("a photo for another company's visit fails on siteVisitId, by URL and by bytes, with no upload", async () => {
    const f = fixtures();
    await signedIn();
    const before = everything();
    for (const photo of [
      { siteVisitId: f.foreignEvent.Id, url: PHOTO_URL },
      { siteVisitId: f.foreignEvent.Id, contentBase64: PNG.toString("base64"), fileName: "a.png" },
    ]) {
      const { fields } = await invalid(fresh().writes.uploadSiteVisitPhoto(photo, {}));
      expect(fields).toEqual([{ path: "input.siteVisitId", message: "does not exist" }]);
    }
    expect(everything()).toEqual(before);
    expect(writeCount()).toBe(0);
    expect(sim.control.snapshot()).toEqual({ [R.event]: 2 });
  });
});
