import { type GatewayError, NotFoundError, UnsupportedBySourceError, UpstreamError } from "../../errors.js";
import type { UnifiedChemicalApplication, UnifiedCustomer, UnifiedLead, UnifiedPhoto } from "../unified.js";
import {
  email,
  fieldMapper,
  httpUrl,
  integer,
  listLength,
  max,
  maxLength,
  min,
  oneOf,
  Problems,
  type Rule,
  required,
  upstreamValidationError,
} from "../validation.js";
import type {
  AddressInput,
  ChemicalApplicationInput,
  CustomerInput,
  Deleted,
  LeadInput,
  PhotoInput,
  SourceWrites,
  WriteOperation,
  WriteOptions,
  Written,
} from "../writes.js";
import type {
  ChemicalApplicationBody,
  JobCloserClient,
  PhotoDetails,
  WriteAnswer,
  ZapierCustomerBody,
  ZapierCustomerField,
} from "./client.js";
import { toUnifiedChemicalApplication, toUnifiedCustomer, toUnifiedLead, toUnifiedPhoto } from "./mappers.js";
import type { AttachmentRecord, ChemicalApplicationRecord, CustomerRecord, JobRecord } from "./records.js";

/**
 * JobCloser's write half (jobcloser.md §4.2–§4.3): chemical applications (create, atomic batch,
 * edit, delete), event photos, and customers and leads through the Zapier endpoints.
 *
 * JobCloser keeps no company apart: a write naming another company's job, event or record
 * succeeds. So before every write the gateway checks that what it names is the tenant's (the job,
 * with its visit and line item, the product, the edited or deleted record's job, the photo's
 * visit), through the same reads that check every by-id read, and sends nothing when it is not.
 * Another company's id reads exactly like an id that does not exist.
 *
 * Failures come as HTTP 200 `{"Success":false,"Message":…}`: `<Name> is required|invalid` and
 * `Item <n>: …` become field errors on the client's paths, `Record not found` NotFoundError.
 */

const MAX_BATCH = 500;
/** Decoded image size limit (§4.2): 10 MB. */
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const APPLICATIONS = "/chemicalapplicationlocations";

const RECORD_NOT_FOUND = "Record not found";
const DOWNLOAD_FAILED = "Unable to download image from url";
const API_ACCESS_DISABLED = "API access is not enabled for this company";
const UNKNOWN_ZAPIER_KEY = "The specified API key does not exist in our system";
const FIELD_FAILURE = /^(\w+) is (required|invalid)$/;
const ITEM_FAILURE = /^Item (\d+): (.*)$/s;

const CUSTOMERS_CREATE_ONLY =
  "JobCloser's API can only create customers and leads (through its Zapier endpoints), not change or delete them.";

/** Upstream body names (§4.2) -> ChemicalApplicationInput paths. */
const APPLICATION_FIELDS = fieldMapper({
  EventId: "siteVisitId",
  JobId: "jobId",
  JobItemId: "jobItemId",
  ProductId: "productId",
  ApplicationDate: "appliedAt",
  Latitude: "latitude",
  Longitude: "longitude",
  MeterSerialNumber: "meterSerialNumber",
  MeterRawCount: "meterRawCount",
  MeterCurrentRate: "meterCurrentRate",
  MeterCalculatedFlowTotal: "meterCalculatedFlowTotal",
  MeterRawCountsToZero: "meterRawCountsToZero",
  TemperatureOfFluid: "fluidTemperatureF",
  AmbientTemperature: "ambientTemperatureF",
  BatteryStatusInPercent: "batteryPercent",
  BatteryStatusInEstimatedRunTime: "batteryRunTimeMinutes",
  Note: "note",
  DeviceName: "deviceName",
  CalibrationFactor: "calibrationFactor",
});

/** Image upload parameter names -> PhotoInput paths. */
const PHOTO_FIELDS = fieldMapper({
  eventId: "siteVisitId",
  url: "url",
  content: "contentBase64",
  fileName: "fileName",
  caption: "caption",
  latitude: "latitude",
  longitude: "longitude",
});

/** Zapier body names (§4.3) -> CustomerInput / LeadInput paths (`ReferredBy` is set per call). */
const ZAPIER_FIELDS: Record<Exclude<ZapierCustomerField, "ReferredBy"> | "Name", string> = {
  Name: "name",
  Email: "email",
  Phone: "phone",
  JobAddress1: "address.line1",
  JobAddress2: "address.line2",
  JobCity: "address.city",
  JobState: "address.region",
  JobZip: "address.postalCode",
  BillingAddress1: "billingAddress.line1",
  BillingAddress2: "billingAddress.line2",
  BillingCity: "billingAddress.city",
  BillingState: "billingAddress.region",
  BillingZip: "billingAddress.postalCode",
  CustomerType: "customerType",
};

// ---- Rules

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** An RFC 3339 date-time with its offset (JobCloser would read one without as Central time). */
const dateTime: Rule = (value) => {
  if (typeof value !== "string") return null;
  const match = RFC3339.exec(value);
  const [year, month, day] = [Number(match?.[1]), Number(match?.[2]), Number(match?.[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const valid =
    match !== null &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day;
  return valid ? null : "must be a date-time with offset, e.g. 2026-03-01T09:30:00-06:00";
};

/** JobCloser treats an empty string as absent: on an edit it would silently keep the stored value. */
const notBlank: Rule = (value) =>
  typeof value === "string" && value.trim() === ""
    ? "cannot be blank: JobCloser would keep the stored value"
    : null;

/** Each application field's rules (§4.2, §5.9). */
const APPLICATION_RULES: Record<keyof ChemicalApplicationInput, Rule[]> = {
  jobId: [],
  siteVisitId: [],
  jobItemId: [],
  productId: [],
  appliedAt: [dateTime],
  latitude: [min(-90), max(90)],
  longitude: [min(-180), max(180)],
  meterSerialNumber: [],
  meterRawCount: [],
  meterCurrentRate: [],
  meterCalculatedFlowTotal: [],
  meterRawCountsToZero: [],
  fluidTemperatureF: [],
  ambientTemperatureF: [],
  batteryPercent: [integer, min(0), max(100)],
  batteryRunTimeMinutes: [integer, min(0)],
  note: [],
  deviceName: [],
  calibrationFactor: [],
};

/** Required on create are all fields but these (§4.2). */
const OPTIONAL_ON_CREATE: ReadonlyArray<keyof ChemicalApplicationInput> = ["jobItemId", "productId"];

/**
 * Create: every required field present. Edit: any subset, but none null or blank, since JobCloser
 * keeps the stored value of an absent, null or empty field (nothing can be cleared).
 */
function checkApplication(
  problems: Problems,
  input: ChemicalApplicationInput,
  at: string,
  mode: "create" | "edit",
): void {
  for (const field of Object.keys(APPLICATION_RULES) as Array<keyof ChemicalApplicationInput>) {
    const path = `${at}${field}`;
    const value = input[field];
    const rules = APPLICATION_RULES[field];
    if (mode === "create") {
      problems.check(path, value, ...(OPTIONAL_ON_CREATE.includes(field) ? [] : [required]), ...rules);
    } else if (value === null) {
      problems.add(path, "cannot be null: JobCloser cannot clear it");
    } else {
      problems.check(path, value, notBlank, ...rules);
    }
  }
}

/** Decoded size of strict base64 (whitespace ignored), or null when it is not base64. */
function base64Size(text: string): number | null {
  const compact = text.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return null;
  const padding = compact.endsWith("==") ? 2 : compact.endsWith("=") ? 1 : 0;
  return (compact.length / 4) * 3 - padding;
}

// ---- Mapping

/** A value the validation above has already required. */
function given<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined)
    throw new Error(`jobcloser: ${field} passed validation without a value`);
  return value;
}

/** A coordinate as plain decimal text (never `1e-7`), the form JobCloser stores. */
function decimalText(value: number): string {
  const text = String(value);
  return /e/i.test(text) ? value.toFixed(20).replace(/\.?0+$/, "") : text;
}

function createBody(input: ChemicalApplicationInput): ChemicalApplicationBody {
  return {
    EventId: given(input.siteVisitId, "siteVisitId"),
    JobId: given(input.jobId, "jobId"),
    JobItemId: input.jobItemId ?? undefined,
    ProductId: input.productId ?? undefined,
    ApplicationDate: given(input.appliedAt, "appliedAt"),
    Latitude: decimalText(given(input.latitude, "latitude")),
    Longitude: decimalText(given(input.longitude, "longitude")),
    MeterSerialNumber: given(input.meterSerialNumber, "meterSerialNumber"),
    MeterRawCount: given(input.meterRawCount, "meterRawCount"),
    MeterCurrentRate: given(input.meterCurrentRate, "meterCurrentRate"),
    MeterCalculatedFlowTotal: given(input.meterCalculatedFlowTotal, "meterCalculatedFlowTotal"),
    MeterRawCountsToZero: given(input.meterRawCountsToZero, "meterRawCountsToZero"),
    TemperatureOfFluid: given(input.fluidTemperatureF, "fluidTemperatureF"),
    AmbientTemperature: given(input.ambientTemperatureF, "ambientTemperatureF"),
    BatteryStatusInPercent: given(input.batteryPercent, "batteryPercent"),
    BatteryStatusInEstimatedRunTime: given(input.batteryRunTimeMinutes, "batteryRunTimeMinutes"),
    Note: given(input.note, "note"),
    DeviceName: given(input.deviceName, "deviceName"),
    CalibrationFactor: given(input.calibrationFactor, "calibrationFactor"),
  };
}

/** The edit requires every measured field: the input merged over the stored record, in full. */
function editBody(
  current: ChemicalApplicationRecord,
  input: ChemicalApplicationInput,
): ChemicalApplicationBody & { Id: string } {
  return {
    Id: current.Id,
    EventId: input.siteVisitId ?? current.EventId,
    JobId: input.jobId ?? current.JobId,
    JobItemId: input.jobItemId ?? current.JobItemId ?? undefined,
    ProductId: input.productId ?? current.ProductId ?? undefined,
    ApplicationDate: input.appliedAt ?? current.ApplicationDate,
    Latitude: input.latitude != null ? decimalText(input.latitude) : current.Latitude,
    Longitude: input.longitude != null ? decimalText(input.longitude) : current.Longitude,
    MeterSerialNumber: input.meterSerialNumber ?? current.MeterSerialNumber,
    MeterRawCount: input.meterRawCount ?? current.MeterRawCount,
    MeterCurrentRate: input.meterCurrentRate ?? current.MeterCurrentRate,
    MeterCalculatedFlowTotal: input.meterCalculatedFlowTotal ?? current.MeterCalculatedFlowTotal,
    MeterRawCountsToZero: input.meterRawCountsToZero ?? current.MeterRawCountsToZero,
    TemperatureOfFluid: input.fluidTemperatureF ?? current.TemperatureOfFluid,
    AmbientTemperature: input.ambientTemperatureF ?? current.AmbientTemperature,
    BatteryStatusInPercent: input.batteryPercent ?? current.BatteryStatusInPercent,
    BatteryStatusInEstimatedRunTime: input.batteryRunTimeMinutes ?? current.BatteryStatusInEstimatedRunTime,
    Note: input.note ?? current.Note ?? undefined,
    DeviceName: input.deviceName ?? current.DeviceName ?? undefined,
    CalibrationFactor: input.calibrationFactor ?? current.CalibrationFactor ?? undefined,
  };
}

/** What customers and leads share: the fields the Zapier body has. */
interface ZapierPerson {
  name?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  address?: AddressInput | null | undefined;
  billingAddress?: AddressInput | null | undefined;
  customerType?: string | null | undefined;
  referredBy?: string | null | undefined;
}

const ADDRESS_LINES = ["line1", "line2", "city", "region", "postalCode"] as const;

/** §4.3: `Name` required, every string ≤ 255; addresses have no country. */
function checkPerson(problems: Problems, person: ZapierPerson, referredByPath: string): void {
  problems.check("name", person.name, required, maxLength(255));
  problems.check("email", person.email, maxLength(255), email);
  problems.check("phone", person.phone, maxLength(255));
  problems.check("customerType", person.customerType, maxLength(255));
  problems.check(referredByPath, person.referredBy, maxLength(255));
  for (const [path, address] of [
    ["address", person.address],
    ["billingAddress", person.billingAddress],
  ] as const) {
    if (!address) continue;
    problems.unsupported(address, ["country"], "JobCloser addresses", `${path}.`);
    for (const line of ADDRESS_LINES) problems.check(`${path}.${line}`, address[line], maxLength(255));
  }
}

function zapierBody(person: ZapierPerson): ZapierCustomerBody {
  const text = (value: string | null | undefined) => value ?? undefined;
  return {
    Name: given(person.name, "name"),
    Email: text(person.email),
    Phone: text(person.phone),
    JobAddress1: text(person.address?.line1),
    JobAddress2: text(person.address?.line2),
    JobCity: text(person.address?.city),
    JobState: text(person.address?.region),
    JobZip: text(person.address?.postalCode),
    BillingAddress1: text(person.billingAddress?.line1),
    BillingAddress2: text(person.billingAddress?.line2),
    BillingCity: text(person.billingAddress?.city),
    BillingState: text(person.billingAddress?.region),
    BillingZip: text(person.billingAddress?.postalCode),
    CustomerType: text(person.customerType),
    ReferredBy: text(person.referredBy),
  };
}

// ---- Failures

/**
 * JobCloser's failure message as the gateway's error: field failures on the client's paths, under
 * `at` (a batch's `Item <n>: …` names its own item).
 */
function failure(
  message: string,
  fields: (upstreamField: string) => string,
  options: { argument: string; at?: string },
): GatewayError {
  const item = ITEM_FAILURE.exec(message);
  const at = item ? `[${item[1]}].` : (options.at ?? "");
  const text = item?.[2] ?? message;
  const field = FIELD_FAILURE.exec(text);
  if (field?.[1] !== undefined) {
    return upstreamValidationError(
      "jobcloser",
      [{ path: `${at}${fields(field[1])}`, message: `is ${field[2]}` }],
      {
        argument: options.argument,
      },
    );
  }
  return refused(text);
}

/** A failure that is not about the input: the company's settings or the upstream itself. */
function refused(message: string): UpstreamError {
  const why =
    message === API_ACCESS_DISABLED
      ? `${message} (its "Enable API Access" setting is off)`
      : message === UNKNOWN_ZAPIER_KEY
        ? "the tenant's Zapier key was not accepted"
        : message.slice(0, 200);
  return new UpstreamError("jobcloser", "UPSTREAM_ERROR", `JobCloser refused the write: ${why}`);
}

const applicationNotFound = (id: string) =>
  new NotFoundError(`JobCloser chemical application ${id} not found`, "jobcloser");

/** A single create's answer in the batch's shape. */
const asList = <T>(answer: WriteAnswer<T>): WriteAnswer<T[]> =>
  answer.ok ? { ok: true, result: [answer.result] } : answer;

/** What an application write names, checked against the tenant before it is sent. */
interface References {
  /** Path prefix of the input: `[2].` in a batch. */
  at: string;
  jobId: string;
  siteVisitId?: string | undefined;
  jobItemId?: string | undefined;
  productId?: string | undefined;
}

export class JobCloserWrites implements SourceWrites {
  readonly unsupported: Partial<Record<WriteOperation, string>> = {
    updateCustomer: CUSTOMERS_CREATE_ONLY,
    deleteCustomer: CUSTOMERS_CREATE_ONLY,
    updateLead: CUSTOMERS_CREATE_ONLY,
  };

  constructor(private readonly client: JobCloserClient) {}

  /**
   * One input is POST create, several one atomic createbatch; paths name the `inputs` argument
   * (`inputs[0].jobId`) either way. JobCloser has no idempotency keys: the gateway's store has.
   */
  async createChemicalApplications(
    inputs: ChemicalApplicationInput[],
    _options: WriteOptions,
  ): Promise<Written<UnifiedChemicalApplication[]>> {
    const argument = "inputs";
    const at = (index: number) => `[${index}].`;
    const problems = new Problems({ argument });
    problems.check("", inputs, listLength({ min: 1, max: MAX_BATCH }));
    inputs.forEach((input, index) => {
      checkApplication(problems, input, at(index), "create");
    });
    problems.throwIfAny();

    await this.checkReferences(
      problems,
      inputs.map((input, index) => ({
        at: at(index),
        jobId: given(input.jobId, "jobId"),
        siteVisitId: given(input.siteVisitId, "siteVisitId"),
        jobItemId: input.jobItemId ?? undefined,
        productId: input.productId ?? undefined,
      })),
    );
    problems.throwIfAny();

    const bodies = inputs.map(createBody);
    const [first] = bodies;
    const answer =
      bodies.length === 1 && first
        ? asList(await this.client.createChemicalApplication(first))
        : await this.client.createChemicalApplicationBatch(bodies);
    // A single create's failure has no `Item <n>:`: it is about the one item.
    if (!answer.ok) throw failure(answer.message, APPLICATION_FIELDS, { argument, at: at(0) });
    for (const jobId of new Set(answer.result.map((record) => record.JobId))) this.applicationsChanged(jobId);
    return { record: answer.result.map(toUnifiedChemicalApplication), replayed: false };
  }

  /**
   * GET the stored record (fresh), merge the input over it and PUT the full set: the edit requires
   * every measured field. The job may change when the visit (and line item) belong to the new one.
   */
  async updateChemicalApplication(
    id: string,
    input: ChemicalApplicationInput,
  ): Promise<UnifiedChemicalApplication> {
    const problems = new Problems();
    checkApplication(problems, input, "", "edit");
    problems.throwIfAny();

    const current = await this.client.getChemicalApplication(id, { fresh: true });
    if (!current) throw applicationNotFound(id);
    const jobId = input.jobId ?? current.JobId;
    const movesJob = jobId !== current.JobId;
    await this.checkReferences(problems, [
      {
        at: "",
        jobId,
        siteVisitId:
          movesJob || input.siteVisitId != null ? (input.siteVisitId ?? current.EventId) : undefined,
        // A line item cannot be cleared: moving to another job needs one of that job's.
        jobItemId: input.jobItemId ?? (movesJob ? (current.JobItemId ?? undefined) : undefined),
        productId: input.productId ?? undefined,
      },
    ]);
    problems.throwIfAny();

    const answer = await this.client.editChemicalApplication(editBody(current, input));
    if (!answer.ok) {
      if (answer.message === RECORD_NOT_FOUND) {
        this.applicationsChanged(current.JobId, id);
        throw applicationNotFound(id);
      }
      throw failure(answer.message, APPLICATION_FIELDS, { argument: "input" });
    }
    this.applicationsChanged(current.JobId, id);
    if (answer.result.JobId !== current.JobId) this.applicationsChanged(answer.result.JobId);
    return toUnifiedChemicalApplication(answer.result);
  }

  /** The record is read first: its job says whether it is the tenant's to delete. */
  async deleteChemicalApplication(id: string): Promise<Deleted> {
    const current = await this.client.getChemicalApplication(id);
    if (!current) throw applicationNotFound(id);
    const answer = await this.client.deleteChemicalApplication(id);
    // Deleted, or already gone (the read above was cached): either way the cached reads are stale.
    this.applicationsChanged(current.JobId, id);
    if (!answer.ok) {
      if (answer.message === RECORD_NOT_FOUND) throw applicationNotFound(id);
      throw refused(answer.message);
    }
    return { permanent: true };
  }

  /** By URL (JobCloser downloads it, GET uploadimageviaurl) or by bytes (POST uploadimageviabytearray). */
  async uploadSiteVisitPhoto(input: PhotoInput, _options: WriteOptions): Promise<Written<UnifiedPhoto>> {
    const problems = new Problems();
    problems.check("siteVisitId", input.siteVisitId, required);
    const { url, contentBase64 } = input;
    if (url != null && contentBase64 != null) {
      problems.add("contentBase64", "cannot be given together with url: send exactly one of them");
    } else if (url != null) {
      problems.check("url", url, httpUrl);
      if (input.fileName != null)
        problems.add(
          "fileName",
          "is not supported with url: JobCloser names the file after the URL's last path segment",
        );
    } else if (contentBase64 != null) {
      problems.check("fileName", input.fileName, required, maxLength(255));
      const size = base64Size(contentBase64);
      if (size === null) problems.add("contentBase64", "must be valid base64");
      else if (size === 0) problems.add("contentBase64", "must hold at least 1 byte");
      else if (size > MAX_IMAGE_BYTES)
        problems.add("contentBase64", `must be at most 10 MB (${MAX_IMAGE_BYTES} bytes) once decoded`);
    } else {
      problems.add("url", "is required unless contentBase64 is given");
      problems.add("contentBase64", "is required unless url is given");
    }
    problems.check("caption", input.caption, maxLength(255));
    problems.check("latitude", input.latitude, min(-90), max(90));
    problems.check("longitude", input.longitude, min(-180), max(180));
    problems.throwIfAny();

    const event = await this.client.getEvent(input.siteVisitId);
    if (!event) problems.add("siteVisitId", "does not exist").throwIfAny();
    const details: PhotoDetails = {
      caption: input.caption ?? undefined,
      latitude: input.latitude != null ? decimalText(input.latitude) : undefined,
      longitude: input.longitude != null ? decimalText(input.longitude) : undefined,
    };
    const answer =
      url != null
        ? await this.client.uploadEventPhotoFromUrl(input.siteVisitId, url, details)
        : await this.client.uploadEventPhoto(
            input.siteVisitId,
            {
              content: given(contentBase64, "contentBase64").replace(/\s+/g, ""),
              fileName: given(input.fileName, "fileName"),
            },
            details,
          );
    if (!answer.ok) {
      const problem =
        answer.message === DOWNLOAD_FAILED
          ? { path: "url", message: "could not be downloaded by JobCloser" }
          : answer.message === RECORD_NOT_FOUND
            ? { path: "siteVisitId", message: "does not exist" }
            : null;
      throw problem
        ? upstreamValidationError("jobcloser", [problem])
        : failure(answer.message, PHOTO_FIELDS, { argument: "input" });
    }
    this.photoAdded(answer.result);
    return { record: toUnifiedPhoto(answer.result), replayed: false };
  }

  /** POST zapier/createcustomer (`status` LEAD: createlead, JobCloser's other customer status on create). */
  async createCustomer(input: CustomerInput, _options: WriteOptions): Promise<Written<UnifiedCustomer>> {
    this.requireZapierKey("customers");
    const problems = new Problems();
    problems.unsupported(
      input,
      ["firstName", "lastName", "mobile", "taxId", "notes", "smsReminders"],
      "JobCloser customers",
    );
    problems.check(
      "status",
      input.status,
      oneOf(["ACTIVE", "LEAD"], "JobCloser creates customers as Active, or as leads"),
    );
    checkPerson(problems, input, "referredBy");
    problems.throwIfAny();

    const record = await this.createThroughZapier(
      input.status === "LEAD" ? "Lead" : "Active",
      zapierBody(input),
      "referredBy",
    );
    return { record: toUnifiedCustomer(record), replayed: false };
  }

  /** POST zapier/createlead: a customer in status Lead. Its `ReferredBy` reads back as `channel`. */
  async createLead(input: LeadInput, _options: WriteOptions): Promise<Written<UnifiedLead>> {
    this.requireZapierKey("leads");
    const problems = new Problems();
    problems.unsupported(input, ["notes"], "JobCloser leads");
    if (input.serviceInterests?.length)
      problems.add("serviceInterests", "is not supported by JobCloser leads");
    problems.check("status", input.status, oneOf(["NEW"], "a JobCloser lead is created NEW"));
    const { channel, referredBy } = input;
    if (channel != null && referredBy != null && channel !== referredBy) {
      problems.add("channel", "must equal referredBy: JobCloser keeps both in one field (ReferredBy)");
    }
    const referredByPath = referredBy == null && channel != null ? "channel" : "referredBy";
    const person: ZapierPerson = { ...input, referredBy: referredBy ?? channel };
    checkPerson(problems, person, referredByPath);
    problems.throwIfAny();

    const record = await this.createThroughZapier("Lead", zapierBody(person), referredByPath);
    return { record: toUnifiedLead(record), replayed: false };
  }

  /**
   * Tenant isolation of an application write: each job (one get per distinct job, shared with the
   * request's reads) must be the tenant's, and the visit and line item that job's; a product must
   * be in the tenant's catalog (its list, one read for any number).
   */
  private async checkReferences(problems: Problems, references: References[]): Promise<void> {
    const jobIds = [...new Set(references.map((reference) => reference.jobId))];
    const [jobs, catalog] = await Promise.all([
      Promise.all(jobIds.map((jobId) => this.client.getJob(jobId))),
      references.some((reference) => reference.productId !== undefined)
        ? this.client.listProducts()
        : Promise.resolve([]),
    ]);
    const jobById = new Map<string, JobRecord>();
    for (const job of jobs) if (job) jobById.set(job.Id, job);
    const products = new Set(catalog.map((product) => product.Id));

    for (const { at, jobId, siteVisitId, jobItemId, productId } of references) {
      const job = jobById.get(jobId);
      if (!job) {
        problems.add(`${at}jobId`, "does not exist");
      } else {
        if (siteVisitId !== undefined && !job.Events?.some((event) => event.Id === siteVisitId))
          problems.add(`${at}siteVisitId`, "is not a site visit of this job");
        if (jobItemId !== undefined && !job.JobItems?.some((item) => item.Id === jobItemId))
          problems.add(`${at}jobItemId`, "is not a line item of this job");
      }
      if (productId !== undefined && !products.has(productId))
        problems.add(`${at}productId`, "does not exist");
    }
  }

  private requireZapierKey(what: "customers" | "leads"): void {
    if (!this.client.hasZapierKey) {
      throw new UnsupportedBySourceError(
        "jobcloser",
        `JobCloser creates ${what} only through its Zapier endpoints, which need the company's Zapier key: configure zapierKey for this tenant's JobCloser upstream.`,
      );
    }
  }

  private async createThroughZapier(
    status: "Lead" | "Active",
    body: ZapierCustomerBody,
    referredByPath: string,
  ): Promise<CustomerRecord> {
    const answer = await this.client.createZapierCustomer(status, body);
    if (!answer.ok) {
      const fields = fieldMapper({ ...ZAPIER_FIELDS, ReferredBy: referredByPath });
      throw failure(answer.message, fields, { argument: "input" });
    }
    // A new customer is in the customer lists (every filter), not in any record's detail.
    this.client.invalidate("/customers/getall");
    return answer.result;
  }

  /** Read-your-writes: the job's application lists (every filter) and the record itself. */
  private applicationsChanged(jobId: string, applicationId?: string): void {
    this.client.invalidate(`${APPLICATIONS}/getall?jobId=${jobId}`);
    if (applicationId !== undefined) this.client.invalidate(`${APPLICATIONS}/get?id=${applicationId}`);
  }

  /** The photo is attached to the visit, its job and its customer; the customer's detail lists it. */
  private photoAdded(photo: AttachmentRecord): void {
    if (photo.CustomerId) this.client.invalidate(`/customers/get?id=${photo.CustomerId}`);
    if (photo.EventId) this.client.invalidate(`/events/get?id=${photo.EventId}`);
    if (photo.JobId) this.client.invalidate(`/jobs/get?id=${photo.JobId}`);
  }
}
