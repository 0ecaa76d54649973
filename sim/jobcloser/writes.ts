import {
  Body,
  type Ctx,
  Failure,
  fail,
  type Handler,
  isAbsent,
  isObject,
  type JobCloserWorld,
  locate,
  MESSAGES,
  parseJson,
  requireAccess,
} from "./http.js";
import { zapierCompany } from "./reads.js";
import { attachmentUrl } from "./seed.js";
import type {
  JobCloserAttachment,
  JobCloserChemicalApplication,
  JobCloserCompanyState,
  JobCloserCustomer,
  JobCloserCustomerStatus,
  JobCloserEvent,
  JobCloserJob,
} from "./types.js";
import { charLength, hexId, parseDateTime, render } from "./values.js";

/**
 * The write endpoints of jobcloser.md §4.2–§4.3: chemical applications (create, atomic batch, edit
 * through PUT on the create path, delete through GET), event photo uploads (by URL, downloaded, and
 * by byte array) and Zapier leads/customers. Every write lands in the live state, so later reads see
 * it; failures are HTTP 200 envelopes with `Success: false` and nothing changes.
 */

/** A run-time ID, unique across every company of the simulator. */
function newId(world: JobCloserWorld, company: JobCloserCompanyState): string {
  for (;;) {
    const id = hexId(company.idRng);
    if (world.companies.has(id)) continue;
    let taken = false;
    for (const other of world.companies.values()) {
      if (
        other.chemicalApplications.has(id) ||
        other.attachments.has(id) ||
        other.customers.has(id) ||
        other.jobs.has(id) ||
        other.events.has(id)
      ) {
        taken = true;
        break;
      }
    }
    if (!taken) return id;
  }
}

// ---------------------------------------------------------------------------------------------
// Field readers: `<name> is invalid` when a value cannot be used.

/** JSON.NET binds numbers and booleans to string properties as their text. */
function stringField(body: Body, name: string): string | undefined {
  const value = body.get(name);
  if (isAbsent(value)) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return fail(MESSAGES.invalid(name));
}

/** A decimal: a JSON number or numeric text. */
function numberField(body: Body, name: string, rule: { integer?: boolean; min?: number; max?: number } = {}) {
  const value = body.get(name);
  if (isAbsent(value)) return undefined;
  let parsed: number = Number.NaN;
  if (typeof value === "number") parsed = value;
  else if (typeof value === "string" && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value))
    parsed = Number(value);
  if (!Number.isFinite(parsed)) return fail(MESSAGES.invalid(name));
  if (rule.integer && !Number.isInteger(parsed)) return fail(MESSAGES.invalid(name));
  if ((rule.min !== undefined && parsed < rule.min) || (rule.max !== undefined && parsed > rule.max)) {
    return fail(MESSAGES.invalid(name));
  }
  return parsed;
}

/** Decimal degrees given as a string or a number, kept as a string (§4.2). */
function coordinateField(body: Body, name: string, limit: number): string | undefined {
  const value = body.get(name);
  if (isAbsent(value)) return undefined;
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : null;
  if (text === null || !isCoordinate(text, limit)) return fail(MESSAGES.invalid(name));
  return text;
}

function isCoordinate(text: string, limit: number): boolean {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text)) return false;
  const value = Number(text);
  return Number.isFinite(value) && Math.abs(value) <= limit;
}

/** A datetime input (§1), rendered in America/Chicago. */
function dateTimeField(body: Body, name: string): string | undefined {
  const value = body.get(name);
  if (isAbsent(value)) return undefined;
  const ms = typeof value === "string" ? parseDateTime(value) : null;
  if (ms === null) return fail(MESSAGES.invalid(name));
  return render(ms);
}

/** An ID that must name an existing record of `kind` (any company). */
function referenceField<K extends "jobItems" | "products" | "accounts">(
  world: JobCloserWorld,
  body: Body,
  name: string,
  kind: K,
): string | undefined {
  const value = body.get(name);
  if (isAbsent(value)) return undefined;
  if (typeof value !== "string" || !locate(world, kind, value)) return fail(MESSAGES.invalid(name));
  return value;
}

// ---------------------------------------------------------------------------------------------
// Chemical applications

const MEASURED = [
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
] as const;

/** §4.2 required fields, in the documented order. */
export const CREATE_REQUIRED = [
  "EventId",
  "JobId",
  "ApplicationDate",
  ...MEASURED,
  "Note",
  "DeviceName",
  "CalibrationFactor",
] as const;
export const EDIT_REQUIRED = ["Id", "EventId", "JobId", ...MEASURED] as const;

type ApplicationFields = Omit<JobCloserChemicalApplication, "Id" | "EventCompletionId">;

interface CheckedApplication {
  company: JobCloserCompanyState;
  job: JobCloserJob;
  /** The fields sent (edit: absent optional fields are missing here and keep their values). */
  fields: Partial<ApplicationFields>;
  existing: { company: JobCloserCompanyState; record: JobCloserChemicalApplication } | null;
}

/**
 * Validates one create or edit body without changing anything, in the reference's order:
 * required fields → the edited record → JobId → API access of the job's company → the rest.
 */
function checkApplication(world: JobCloserWorld, raw: unknown, mode: "create" | "edit"): CheckedApplication {
  const body = new Body(isObject(raw) ? raw : {});
  body.require(mode === "create" ? CREATE_REQUIRED : EDIT_REQUIRED);
  let existing: CheckedApplication["existing"] = null;
  if (mode === "edit") {
    const id = body.get("Id");
    existing =
      (typeof id === "string" ? locate(world, "chemicalApplications", id) : undefined) ??
      fail(MESSAGES.notFound);
  }
  const jobId = body.get("JobId");
  const jobFound =
    (typeof jobId === "string" ? locate(world, "jobs", jobId) : undefined) ?? fail(MESSAGES.invalid("JobId"));
  requireAccess(jobFound.company);
  const job = jobFound.record;

  const eventId = body.get("EventId");
  const event = typeof eventId === "string" ? locate(world, "events", eventId)?.record : undefined;
  if (!event || event.JobId !== job.Id) fail(MESSAGES.invalid("EventId"));

  const fields: Partial<ApplicationFields> = {
    EventId: event?.Id,
    JobId: job.Id,
    ApplicationDate: dateTimeField(body, "ApplicationDate"),
    Latitude: coordinateField(body, "Latitude", 90),
    Longitude: coordinateField(body, "Longitude", 180),
    MeterSerialNumber: stringField(body, "MeterSerialNumber"),
    MeterRawCount: numberField(body, "MeterRawCount"),
    MeterCurrentRate: numberField(body, "MeterCurrentRate"),
    MeterCalculatedFlowTotal: numberField(body, "MeterCalculatedFlowTotal"),
    MeterRawCountsToZero: numberField(body, "MeterRawCountsToZero"),
    TemperatureOfFluid: numberField(body, "TemperatureOfFluid"),
    AmbientTemperature: numberField(body, "AmbientTemperature"),
    BatteryStatusInPercent: numberField(body, "BatteryStatusInPercent", { integer: true, min: 0, max: 100 }),
    BatteryStatusInEstimatedRunTime: numberField(body, "BatteryStatusInEstimatedRunTime", {
      integer: true,
      min: 0,
    }),
    Note: stringField(body, "Note"),
    DeviceName: stringField(body, "DeviceName"),
    CalibrationFactor: numberField(body, "CalibrationFactor"),
    JobItemId: referenceField(world, body, "JobItemId", "jobItems"),
    ProductId: referenceField(world, body, "ProductId", "products"),
    DateCreated: dateTimeField(body, "DateCreated"),
    CreatedBy: referenceField(world, body, "CreatedBy", "accounts"),
  };
  return { company: jobFound.company, job, fields, existing };
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`jobcloser simulator: ${name} passed validation without a value`);
  return value;
}

function buildApplication(
  id: string,
  fields: Partial<ApplicationFields>,
  now: Date,
): JobCloserChemicalApplication {
  return {
    Id: id,
    EventCompletionId: null,
    EventId: required(fields.EventId, "EventId"),
    JobId: required(fields.JobId, "JobId"),
    JobItemId: fields.JobItemId ?? null,
    ProductId: fields.ProductId ?? null,
    DateCreated: fields.DateCreated ?? render(now.getTime()),
    CreatedBy: fields.CreatedBy ?? null,
    ApplicationDate: required(fields.ApplicationDate, "ApplicationDate"),
    Latitude: required(fields.Latitude, "Latitude"),
    Longitude: required(fields.Longitude, "Longitude"),
    MeterSerialNumber: required(fields.MeterSerialNumber, "MeterSerialNumber"),
    MeterRawCount: required(fields.MeterRawCount, "MeterRawCount"),
    MeterCurrentRate: required(fields.MeterCurrentRate, "MeterCurrentRate"),
    MeterCalculatedFlowTotal: required(fields.MeterCalculatedFlowTotal, "MeterCalculatedFlowTotal"),
    MeterRawCountsToZero: required(fields.MeterRawCountsToZero, "MeterRawCountsToZero"),
    TemperatureOfFluid: required(fields.TemperatureOfFluid, "TemperatureOfFluid"),
    AmbientTemperature: required(fields.AmbientTemperature, "AmbientTemperature"),
    BatteryStatusInPercent: required(fields.BatteryStatusInPercent, "BatteryStatusInPercent"),
    BatteryStatusInEstimatedRunTime: required(
      fields.BatteryStatusInEstimatedRunTime,
      "BatteryStatusInEstimatedRunTime",
    ),
    Note: fields.Note ?? null,
    DeviceName: fields.DeviceName ?? null,
    CalibrationFactor: fields.CalibrationFactor ?? null,
  };
}

function commit(world: JobCloserWorld, checked: CheckedApplication, now: Date): JobCloserChemicalApplication {
  const record = buildApplication(newId(world, checked.company), checked.fields, now);
  checked.company.chemicalApplications.set(record.Id, record);
  return record;
}

export const createApplication: Handler = (ctx) => {
  const checked = checkApplication(ctx.world, parseJson(ctx.req.rawBody), "create");
  return commit(ctx.world, checked, ctx.now);
};

/** Atomic: every item is checked before any is created; `Item <n>: …` names the first failure. */
export const createApplicationBatch: Handler = (ctx) => {
  const body = parseJson(ctx.req.rawBody);
  if (!Array.isArray(body) || body.length === 0) return fail(MESSAGES.badBatch);
  if (body.length > 500) return fail(MESSAGES.batchTooLarge);
  const checked = body.map((item: unknown, index) => {
    try {
      return checkApplication(ctx.world, item, "create");
    } catch (error) {
      if (error instanceof Failure) return fail(MESSAGES.item(index, error.message));
      throw error;
    }
  });
  return checked.map((entry) => commit(ctx.world, entry, ctx.now));
};

/** PUT on the create path: fields absent (or null/empty) keep their stored values. */
export const editApplication: Handler = (ctx) => {
  const checked = checkApplication(ctx.world, parseJson(ctx.req.rawBody), "edit");
  const existing = required(checked.existing ?? undefined, "Id");
  const record = existing.record;
  for (const [key, value] of Object.entries(checked.fields)) {
    if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
  }
  // The record lives with its job's company; an edit may move it to a job of another company.
  if (existing.company !== checked.company) {
    existing.company.chemicalApplications.delete(record.Id);
    checked.company.chemicalApplications.set(record.Id, record);
  }
  return record;
};

export const deleteApplication: Handler = (ctx) => {
  const [id] = ctx.query.required("id");
  const found = locate(ctx.world, "chemicalApplications", id) ?? fail(MESSAGES.notFound);
  requireAccess(found.company);
  found.company.chemicalApplications.delete(id);
  return true;
};

// ---------------------------------------------------------------------------------------------
// Event photos

/** Decoded upload size limits (§4.2, reconstructed): 1 B – 10 MB. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** Optional caption/latitude/longitude: empty → null; coordinates must parse. */
function photoExtras(
  read: (name: string) => unknown,
): Pick<JobCloserAttachment, "Caption" | "Latitude" | "Longitude"> {
  const text = (name: string): string | null => {
    const value = read(name);
    if (isAbsent(value)) return null;
    if (typeof value === "string") return value;
    if (typeof value === "number") return String(value);
    return fail(MESSAGES.invalid(name));
  };
  const caption = text("caption");
  if (caption !== null && charLength(caption) > 255) fail(MESSAGES.invalid("caption"));
  const latitude = text("latitude")?.trim() ?? null;
  if (latitude !== null && !isCoordinate(latitude, 90)) fail(MESSAGES.invalid("latitude"));
  const longitude = text("longitude")?.trim() ?? null;
  if (longitude !== null && !isCoordinate(longitude, 180)) fail(MESSAGES.invalid("longitude"));
  return { Caption: caption, Latitude: latitude, Longitude: longitude };
}

function storePhoto(
  ctx: Ctx,
  company: JobCloserCompanyState,
  event: JobCloserEvent,
  fileName: string,
  bytes: Buffer,
  extras: Pick<JobCloserAttachment, "Caption" | "Latitude" | "Longitude">,
  sourceUrl: string | null,
): JobCloserAttachment {
  const id = newId(ctx.world, company);
  const attachment: JobCloserAttachment = {
    Id: id,
    CompanyId: company.company.Id,
    CustomerId: event.CustomerId,
    JobId: event.JobId,
    EventId: event.Id,
    ProductId: null,
    FileName: fileName,
    Url: attachmentUrl(id, fileName),
    Caption: extras.Caption,
    Latitude: extras.Latitude,
    Longitude: extras.Longitude,
    DateCreated: render(ctx.now.getTime()),
    CreatedBy: null,
  };
  company.attachments.set(id, attachment);
  company.images.set(id, { attachmentId: id, fileName, bytes, sourceUrl });
  return attachment;
}

/** The last non-empty path segment of a URL, decoded. */
function fileNameOf(url: URL): string {
  const segment = url.pathname
    .split("/")
    .filter((part) => part !== "")
    .at(-1);
  if (!segment) return "image";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export const uploadImageViaUrl: Handler = async (ctx) => {
  const [eventId, url] = ctx.query.required("eventId", "url");
  const found = locate(ctx.world, "events", eventId) ?? fail(MESSAGES.notFound);
  requireAccess(found.company);
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:"))
    return fail(MESSAGES.invalid("url"));
  const extras = photoExtras((name) => ctx.query.raw(name));
  const bytes = await ctx.world.downloadImage(parsed.href);
  if (!bytes || bytes.length === 0 || bytes.length > MAX_IMAGE_BYTES) return fail(MESSAGES.download);
  return storePhoto(ctx, found.company, found.record, fileNameOf(parsed), bytes, extras, parsed.href);
};

/** `byte[]` in JSON: a base64 string (JSON.NET's form) or an array of 0–255 integers. */
function decodeContent(value: unknown): Buffer | null {
  if (typeof value === "string") {
    const compact = value.replace(/\s+/g, "");
    if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return null;
    return Buffer.from(compact, "base64");
  }
  if (
    Array.isArray(value) &&
    value.every((n) => typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 255)
  ) {
    return Buffer.from(value as number[]);
  }
  return null;
}

export const uploadImageViaByteArray: Handler = (ctx) => {
  const raw = parseJson(ctx.req.rawBody);
  const body = new Body(isObject(raw) ? raw : {});
  body.require(["eventId", "content", "fileName"]);
  const eventId = body.get("eventId");
  const found =
    (typeof eventId === "string" ? locate(ctx.world, "events", eventId) : undefined) ??
    fail(MESSAGES.invalid("eventId"));
  requireAccess(found.company);
  const bytes = decodeContent(body.get("content"));
  if (!bytes || bytes.length === 0 || bytes.length > MAX_IMAGE_BYTES)
    return fail(MESSAGES.invalid("content"));
  const fileName = body.get("fileName");
  if (typeof fileName !== "string" || charLength(fileName) > 255) return fail(MESSAGES.invalid("fileName"));
  const extras = photoExtras((name) => body.get(name));
  return storePhoto(ctx, found.company, found.record, fileName, bytes, extras, null);
};

/** Downloads with the platform fetch: 2xx, at most 10 MB, within 10 s. */
export async function fetchImage(url: string): Promise<Buffer | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: "follow" });
    if (!response.ok) return null;
    const length = Number(response.headers.get("content-length") ?? "0");
    if (length > MAX_IMAGE_BYTES) return null;
    return Buffer.from(await response.arrayBuffer());
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Zapier

/** §4.3 optional fields, in the documented order. */
export const ZAPIER_FIELDS = [
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
] as const;

function zapierCreate(status: JobCloserCustomerStatus): Handler {
  return (ctx) => {
    const company = zapierCompany(ctx);
    const raw = parseJson(ctx.req.rawBody);
    const body = new Body(isObject(raw) ? raw : {});
    body.require(["Name"]);
    const text = (name: string): string | null => {
      const value = stringField(body, name);
      if (value === undefined) return null;
      if (charLength(value) > 255) return fail(MESSAGES.invalid(name));
      return value;
    };
    const name = required(text("Name") ?? undefined, "Name");
    const fields = Object.fromEntries(ZAPIER_FIELDS.map((field) => [field, text(field)])) as Record<
      (typeof ZAPIER_FIELDS)[number],
      string | null
    >;
    const customer: JobCloserCustomer = {
      Id: newId(ctx.world, company),
      CompanyId: company.company.Id,
      LocationId: null,
      SalespersonUserId: null,
      Number: company.nextCustomerNumber++,
      Name: name,
      ...fields,
      Status: status,
      Archived: false,
      Attachments: null,
      Notes: null,
      Jobs: null,
      Invoices: null,
      Payments: null,
      DateCreated: render(ctx.now.getTime()),
      CreatedBy: null,
      DateModified: null,
      ModifiedBy: null,
    };
    company.customers.set(customer.Id, customer);
    return customer;
  };
}

export const createLead = zapierCreate("Lead");
export const createCustomer = zapierCreate("Active");
