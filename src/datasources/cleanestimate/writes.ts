import {
  IdempotencyConflictError,
  InvalidStateError,
  NotFoundError,
  SOURCE_LABELS,
  UpstreamError,
} from "../../errors.js";
import type {
  JobStatus,
  LeadStatus,
  UnifiedCustomer,
  UnifiedEstimate,
  UnifiedJob,
  UnifiedLead,
} from "../unified.js";
import {
  calendarDate,
  cents,
  clockTime,
  email,
  fieldMapper,
  greaterThan,
  httpUrl,
  integer,
  listLength,
  max,
  maxLength,
  min,
  notNull,
  oneOf,
  Problems,
  pattern,
  type Rule,
  required,
  upstreamValidationError,
} from "../validation.js";
import type {
  AddressInput,
  CompleteJobInput,
  CustomerInput,
  Deleted,
  EstimateInput,
  JobInput,
  LeadInput,
  RegisteredWebhookEndpoint,
  SourceWrites,
  WebhookEndpointInput,
  WriteOperation,
  WriteOptions,
  Written,
} from "../writes.js";
import {
  type CleanEstimateClient,
  CleanEstimateRejection,
  type ClientBody,
  type EstimateBody,
  type JobBody,
  type LeadBody,
  type ListPath,
} from "./client.js";
import {
  toUnifiedCustomer,
  toUnifiedEstimate,
  toUnifiedJob,
  toUnifiedLead,
  toUnifiedWebhookEndpoint,
} from "./mappers.js";
import type { JobRecord, LeadRecord } from "./records.js";

/**
 * CleanEstimate Pro writes (upstreams/cleanestimate.md §4, §5, §8): leads, clients, priced
 * estimates, jobs and webhook endpoints. Inputs are checked against the reference's rules before
 * any request; the upstream de-duplicates POSTs by Idempotency-Key itself, so a client's key is
 * passed on and makes the POST safe to retry.
 */

const SOURCE = "cleanestimate" as const;
const LABEL = SOURCE_LABELS[SOURCE];

/** §7.4: the price list the upstream checks slugs against. */
const SERVICE_SLUGS = [
  "house_wash",
  "roof_wash",
  "driveway_cleaning",
  "patio_cleaning",
  "deck_cleaning",
  "fence_cleaning",
] as const;
const ADDON_SLUGS = ["gutter_brightening", "window_rinse", "rust_removal", "oil_stain_treatment"] as const;
const DIRTINESS_LEVELS = ["light", "medium", "heavy"] as const;
const PROPERTY_TYPES = ["residential", "commercial"] as const;

/** §9: what a webhook endpoint can subscribe to. */
const EVENT_TYPES = [
  "lead.created",
  "lead.updated",
  "client.created",
  "client.updated",
  "estimate.created",
  "estimate.updated",
  "estimate.accepted",
  "job.created",
  "job.updated",
  "job.completed",
  "invoice.created",
  "invoice.paid",
];

const LEAD_STATUS_VALUES: Record<LeadStatus, LeadRecord["status"]> = {
  NEW: "new",
  CONTACTED: "contacted",
  QUOTED: "quoted",
  WON: "won",
  LOST: "lost",
};

/** Jobs always have a date here: there is no UNSCHEDULED. */
const JOB_STATUS_VALUES: Partial<Record<JobStatus, JobRecord["status"]>> = {
  SCHEDULED: "scheduled",
  IN_PROGRESS: "in_progress",
  COMPLETED: "completed",
  CANCELLED: "cancelled",
};

const uuid = pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "must be a UUID");

const notEmpty: Rule = (value) => (value === "" ? "cannot be empty" : null);

const timestamp: Rule = (value) =>
  typeof value === "string" &&
  !(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  )
    ? "must be an RFC 3339 timestamp with offset, e.g. 2026-04-19T00:00:00Z"
    : null;

/** A field the upstream never stores as null. */
function checkNonNull(problems: Problems, path: string, value: unknown, ...rules: Rule[]): void {
  problems.check(path, value, notNull, ...rules);
}

/** A field the record cannot be without: required on create; on update it may be left out, not cleared. */
function checkMandatory(
  problems: Problems,
  creating: boolean,
  path: string,
  value: unknown,
  ...rules: Rule[]
): void {
  if (creating) problems.check(path, value, required, ...rules);
  else checkNonNull(problems, path, value, ...rules);
}

// ---- Addresses: each resource keeps its own subset under its own field names ----

const ADDRESS_PARTS = ["line1", "line2", "city", "region", "postalCode", "country"] as const;
type AddressLayout<F extends string> = Partial<
  Record<(typeof ADDRESS_PARTS)[number], { field: F; maxLength: number }>
>;

const LEAD_ADDRESS: AddressLayout<"service_address" | "city" | "state" | "zip"> = {
  line1: { field: "service_address", maxLength: 255 },
  city: { field: "city", maxLength: 100 },
  region: { field: "state", maxLength: 50 },
  postalCode: { field: "zip", maxLength: 20 },
};

/** Clients and estimates. */
const POSTAL_ADDRESS: AddressLayout<"address_line1" | "address_line2" | "city" | "state" | "zip"> = {
  line1: { field: "address_line1", maxLength: 255 },
  line2: { field: "address_line2", maxLength: 255 },
  city: { field: "city", maxLength: 100 },
  region: { field: "state", maxLength: 50 },
  postalCode: { field: "zip", maxLength: 20 },
};

const JOB_ADDRESS: AddressLayout<"service_address" | "service_city" | "service_state" | "service_zip"> = {
  line1: { field: "service_address", maxLength: 255 },
  city: { field: "service_city", maxLength: 100 },
  region: { field: "service_state", maxLength: 50 },
  postalCode: { field: "service_zip", maxLength: 20 },
};

function checkAddress<F extends string>(
  problems: Problems,
  address: AddressInput | null | undefined,
  layout: AddressLayout<F>,
  what: string,
): void {
  if (!address) return;
  problems.onlyFields(
    address,
    ADDRESS_PARTS.filter((part) => layout[part]),
    what,
    "address.",
  );
  for (const part of ADDRESS_PARTS) {
    const column = layout[part];
    if (column) problems.check(`address.${part}`, address[part], maxLength(column.maxLength));
  }
}

/** The address columns to send; `null` for the whole address clears every one of them. */
function addressBody<F extends string>(
  address: AddressInput | null | undefined,
  layout: AddressLayout<F>,
): Partial<Record<F, string | null>> {
  const body: Partial<Record<F, string | null>> = {};
  if (address === undefined) return body;
  for (const part of ADDRESS_PARTS) {
    const column = layout[part];
    const value = address === null ? null : address[part];
    if (column && value !== undefined) body[column.field] = value;
  }
  return body;
}

/** Upstream field -> client path, for the address columns of a layout. */
function addressPaths<F extends string>(layout: AddressLayout<F>): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const part of ADDRESS_PARTS) {
    const column = layout[part];
    if (column) paths[column.field] = `address.${part}`;
  }
  return paths;
}

function optional<T, R>(value: T | null | undefined, map: (present: T) => R): R | null | undefined {
  if (value === undefined) return undefined;
  return value === null ? null : map(value);
}

// ---- Leads (§7.1) ----

const LEAD_FIELDS = ["name", "email", "phone", "address", "serviceInterests", "notes", "channel", "status"];
const LEADS = `${LABEL} leads`;

function checkLead(input: LeadInput, creating: boolean): void {
  const problems = new Problems();
  problems.onlyFields(input, LEAD_FIELDS, LEADS);
  checkMandatory(problems, creating, "name", input.name, notEmpty, maxLength(255));
  problems.check("email", input.email, email, maxLength(255));
  problems.check("phone", input.phone, maxLength(50));
  checkAddress(problems, input.address, LEAD_ADDRESS, LEADS);
  checkNonNull(problems, "serviceInterests", input.serviceInterests, listLength({ max: 20 }));
  input.serviceInterests?.forEach((interest, index) => {
    problems.check(`serviceInterests[${index}]`, interest, maxLength(100));
  });
  problems.check("notes", input.notes, maxLength(5000));
  checkNonNull(problems, "channel", input.channel, maxLength(50));
  checkNonNull(problems, "status", input.status);
  problems.throwIfAny();
}

function leadBody(input: LeadInput): LeadBody {
  return {
    customer_name: input.name ?? undefined,
    customer_email: input.email,
    customer_phone: input.phone,
    ...addressBody(input.address, LEAD_ADDRESS),
    service_interest: input.serviceInterests ?? undefined,
    notes: input.notes,
    source: input.channel ?? undefined,
    status: optional(input.status, (status) => LEAD_STATUS_VALUES[status]) ?? undefined,
  };
}

const LEAD_PATHS = fieldMapper({
  customer_name: "name",
  customer_email: "email",
  customer_phone: "phone",
  ...addressPaths(LEAD_ADDRESS),
  service_interest: "serviceInterests",
  "service_interest.*": "serviceInterests[*]",
  notes: "notes",
  source: "channel",
  status: "status",
});

// ---- Clients (§7.2) ----

const CLIENT_FIELDS = ["name", "email", "phone", "address", "notes", "status"];
const CLIENTS = `${LABEL} clients`;

function checkClient(input: CustomerInput, creating: boolean): void {
  const problems = new Problems();
  problems.onlyFields(input, CLIENT_FIELDS, CLIENTS);
  checkMandatory(problems, creating, "name", input.name, notEmpty, maxLength(255));
  problems.check("email", input.email, email, maxLength(255));
  problems.check("phone", input.phone, maxLength(50));
  checkAddress(problems, input.address, POSTAL_ADDRESS, CLIENTS);
  problems.check("notes", input.notes, maxLength(5000));
  checkNonNull(problems, "status", input.status, oneOf(["ACTIVE", "INACTIVE"]));
  problems.throwIfAny();
}

function clientBody(input: CustomerInput): ClientBody {
  return {
    name: input.name ?? undefined,
    email: input.email,
    phone: input.phone,
    ...addressBody(input.address, POSTAL_ADDRESS),
    notes: input.notes,
    status: input.status === "ACTIVE" ? "active" : input.status === "INACTIVE" ? "inactive" : undefined,
  };
}

const CLIENT_PATHS = fieldMapper({
  name: "name",
  email: "email",
  phone: "phone",
  ...addressPaths(POSTAL_ADDRESS),
  notes: "notes",
  status: "status",
});

// ---- Estimates (§7.3, §8) ----

const ESTIMATES = `${LABEL} estimates`;
/** What PATCH /estimates/:id takes (§8). */
const ESTIMATE_UPDATE_FIELDS = [
  "customerName",
  "email",
  "phone",
  "address",
  "propertyType",
  "salesRepId",
  "status",
  "channel",
  "expiresAt",
];
/** Fields the upstream prices or links at creation and never changes afterwards (§8). */
const ESTIMATE_FIXED_FIELDS = ["services", "addons", "customItems", "dirtinessLevel", "customerId", "leadId"];

/** The fields POST and PATCH share. */
function checkEstimateDetails(problems: Problems, input: EstimateInput, creating: boolean): void {
  checkMandatory(problems, creating, "customerName", input.customerName, notEmpty, maxLength(255));
  problems.check("email", input.email, email, maxLength(255));
  problems.check("phone", input.phone, maxLength(50));
  checkAddress(problems, input.address, POSTAL_ADDRESS, ESTIMATES);
  problems.check("propertyType", input.propertyType, oneOf(PROPERTY_TYPES));
  problems.check("salesRepId", input.salesRepId, uuid);
  checkNonNull(
    problems,
    "status",
    input.status,
    oneOf(
      ["DRAFT", "SENT"],
      "customers accept or decline on the estimate page; sent estimates expire by date",
    ),
  );
  checkNonNull(problems, "channel", input.channel, maxLength(50));
  checkNonNull(problems, "expiresAt", input.expiresAt, timestamp);
}

function checkNewEstimate(input: EstimateInput): void {
  const problems = new Problems();
  problems.onlyFields(input, [...ESTIMATE_UPDATE_FIELDS, ...ESTIMATE_FIXED_FIELDS], ESTIMATES);
  checkEstimateDetails(problems, input, true);
  problems.check("customerId", input.customerId, uuid);
  problems.check("leadId", input.leadId, uuid);
  checkNonNull(problems, "dirtinessLevel", input.dirtinessLevel, oneOf(DIRTINESS_LEVELS));
  checkNonNull(problems, "services", input.services);
  input.services?.forEach((service, index) => {
    const at = `services[${index}]`;
    problems.check(`${at}.slug`, service.slug, required, oneOf(SERVICE_SLUGS));
    checkNonNull(problems, `${at}.enabled`, service.enabled);
    problems.check(`${at}.squareFeet`, service.squareFeet, required, greaterThan(0));
    checkNonNull(problems, `${at}.stories`, service.stories, integer, min(1), max(3));
  });
  checkNonNull(problems, "addons", input.addons);
  input.addons?.forEach((addon, index) => {
    problems.check(`addons[${index}].slug`, addon.slug, required, oneOf(ADDON_SLUGS));
    checkNonNull(problems, `addons[${index}].quantity`, addon.quantity, integer, min(1));
  });
  checkNonNull(problems, "customItems", input.customItems);
  input.customItems?.forEach((item, index) => {
    const at = `customItems[${index}]`;
    problems.check(`${at}.name`, item.name, required, maxLength(255));
    checkNonNull(problems, `${at}.quantity`, item.quantity, greaterThan(0));
    problems.check(`${at}.unitPrice`, item.unitPrice, required, cents, min(0));
  });
  // The upstream counts lines as submitted: a disabled service does not count.
  const lines =
    (input.services ?? []).filter((service) => service.enabled !== false).length +
    (input.addons?.length ?? 0) +
    (input.customItems?.length ?? 0);
  if (lines === 0 && input.services !== null && input.addons !== null && input.customItems !== null) {
    problems.add(
      "services",
      "is required: an estimate needs at least one enabled service, addon or custom item",
    );
  }
  problems.throwIfAny();
}

function checkEstimateChanges(input: EstimateInput): void {
  const problems = new Problems();
  for (const [field, value] of Object.entries(input)) {
    if (ESTIMATE_FIXED_FIELDS.includes(field) && value !== undefined) {
      problems.add(
        field,
        "cannot be updated: it changes the estimate's price or links; create a new estimate instead",
      );
    }
  }
  problems.onlyFields(input, [...ESTIMATE_UPDATE_FIELDS, ...ESTIMATE_FIXED_FIELDS], ESTIMATES);
  checkEstimateDetails(problems, input, false);
  problems.throwIfAny();
}

/** Fields the input does not set stay out of the body (PATCH refuses the fixed ones even as null). */
function estimateBody(input: EstimateInput): EstimateBody {
  return {
    customer_name: input.customerName ?? undefined,
    customer_email: input.email,
    customer_phone: input.phone,
    ...addressBody(input.address, POSTAL_ADDRESS),
    property_type: optional(input.propertyType, (type) => PROPERTY_TYPES.find((known) => known === type)),
    client_id: input.customerId,
    lead_id: input.leadId,
    services: input.services?.map((service) => ({
      service_slug: service.slug,
      enabled: service.enabled ?? undefined,
      sqft: service.squareFeet,
      stories: service.stories ?? undefined,
    })),
    addons: input.addons?.map((addon) => ({ addon_slug: addon.slug, quantity: addon.quantity ?? undefined })),
    custom_items: input.customItems?.map((item) => ({
      name: item.name,
      quantity: item.quantity ?? undefined,
      unit_price: Number(item.unitPrice),
    })),
    dirtiness_level: DIRTINESS_LEVELS.find((level) => level === input.dirtinessLevel),
    assigned_rep_id: input.salesRepId,
    status: input.status === "DRAFT" ? "draft" : input.status === "SENT" ? "sent" : undefined,
    source: input.channel ?? undefined,
    expires_at: input.expiresAt ?? undefined,
  };
}

/** Upstream detail fields (`services.0.sqft`) -> estimate input paths (`services[0].squareFeet`). */
export const ESTIMATE_PATHS = fieldMapper({
  customer_name: "customerName",
  customer_email: "email",
  customer_phone: "phone",
  ...addressPaths(POSTAL_ADDRESS),
  property_type: "propertyType",
  client_id: "customerId",
  lead_id: "leadId",
  services: "services",
  "services.*": "services[*]",
  "services.*.service_slug": "services[*].slug",
  "services.*.enabled": "services[*].enabled",
  "services.*.sqft": "services[*].squareFeet",
  "services.*.stories": "services[*].stories",
  addons: "addons",
  "addons.*": "addons[*]",
  "addons.*.addon_slug": "addons[*].slug",
  "addons.*.quantity": "addons[*].quantity",
  custom_items: "customItems",
  "custom_items.*": "customItems[*]",
  "custom_items.*.name": "customItems[*].name",
  "custom_items.*.quantity": "customItems[*].quantity",
  "custom_items.*.unit_price": "customItems[*].unitPrice",
  dirtiness_level: "dirtinessLevel",
  assigned_rep_id: "salesRepId",
  status: "status",
  source: "channel",
  expires_at: "expiresAt",
});

// ---- Jobs (§7.5) ----

const JOB_FIELDS = [
  "customerId",
  "serviceType",
  "scheduledDate",
  "scheduledTime",
  "scheduledEndTime",
  "address",
  "estimateId",
  "price",
  "notes",
  "accessNotes",
  "specialInstructions",
  "status",
];
const JOBS = `${LABEL} jobs`;

function checkJob(input: JobInput, creating: boolean): void {
  const problems = new Problems();
  // Checked apart for a better message: the unified title is derived, not stored.
  problems.onlyFields(input, [...JOB_FIELDS, "title"], JOBS);
  if (input.title !== undefined && input.title !== null) {
    problems.add("title", `is not supported by ${JOBS}: their title is the service type and customer name`);
  }
  checkMandatory(problems, creating, "customerId", input.customerId, uuid);
  checkMandatory(problems, creating, "serviceType", input.serviceType, notEmpty, maxLength(100));
  checkMandatory(problems, creating, "scheduledDate", input.scheduledDate, calendarDate);
  problems.check("scheduledTime", input.scheduledTime, clockTime);
  problems.check("scheduledEndTime", input.scheduledEndTime, clockTime);
  const start = input.scheduledTime;
  const end = input.scheduledEndTime;
  // A time the input leaves out is checked against the stored one by the upstream.
  if (start && end && clockTime(start) === null && clockTime(end) === null && end <= start) {
    problems.add("scheduledEndTime", "must be after scheduledTime");
  }
  checkAddress(problems, input.address, JOB_ADDRESS, JOBS);
  problems.check("estimateId", input.estimateId, uuid);
  problems.check("price", input.price, cents, min(0));
  problems.check("notes", input.notes, maxLength(5000));
  problems.check("accessNotes", input.accessNotes, maxLength(5000));
  problems.check("specialInstructions", input.specialInstructions, maxLength(5000));
  checkNonNull(
    problems,
    "status",
    input.status,
    oneOf(Object.keys(JOB_STATUS_VALUES), "CleanEstimate Pro jobs always have a scheduled date"),
  );
  problems.throwIfAny();
}

/** `09:30` -> `09:30:00` (§1 times have seconds). */
const upstreamTime = (time: string) => `${time}:00`;

function jobBody(input: JobInput): JobBody {
  return {
    client_id: input.customerId ?? undefined,
    estimate_id: input.estimateId,
    status: optional(input.status, (status) => JOB_STATUS_VALUES[status]) ?? undefined,
    service_type: input.serviceType ?? undefined,
    scheduled_date: input.scheduledDate ?? undefined,
    scheduled_time_start: optional(input.scheduledTime, upstreamTime),
    scheduled_time_end: optional(input.scheduledEndTime, upstreamTime),
    ...addressBody(input.address, JOB_ADDRESS),
    price: optional(input.price, Number),
    notes: input.notes,
    access_notes: input.accessNotes,
    special_instructions: input.specialInstructions,
  };
}

const JOB_PATHS = fieldMapper({
  client_id: "customerId",
  estimate_id: "estimateId",
  status: "status",
  service_type: "serviceType",
  scheduled_date: "scheduledDate",
  scheduled_time_start: "scheduledTime",
  scheduled_time_end: "scheduledEndTime",
  ...addressPaths(JOB_ADDRESS),
  price: "price",
  notes: "notes",
  access_notes: "accessNotes",
  special_instructions: "specialInstructions",
});

// ---- Webhook endpoints (§7.7) ----

function checkWebhookEndpoint(input: WebhookEndpointInput): void {
  const problems = new Problems();
  problems.onlyFields(input, ["name", "url", "events"], `${LABEL} webhook endpoints`);
  problems.check("name", input.name, required, maxLength(100));
  problems.check("url", input.url, required, maxLength(2048), httpUrl);
  problems.check("events", input.events, required, listLength({ min: 1, max: EVENT_TYPES.length }));
  input.events?.forEach((event, index) => {
    problems.check(`events[${index}]`, event, oneOf(EVENT_TYPES));
    if (input.events.indexOf(event) < index) problems.add(`events[${index}]`, "is listed more than once");
  });
  problems.throwIfAny();
}

const WEBHOOK_PATHS = fieldMapper({ name: "name", url: "url", events: "events", "events.*": "events[*]" });

// ---- Upstream refusals ----

/** The record a PATCH or DELETE targets, for its not-found message. */
interface Target {
  type: string;
  id: string;
}

/** A refusal from the upstream (§5) as the gateway's error, named by the client's input paths. */
function gatewayErrorFor(error: unknown, paths: (field: string) => string, target: Target | null): unknown {
  if (!(error instanceof CleanEstimateRejection)) return error;
  switch (error.code) {
    case "validation_error":
    case "invalid_request": {
      const key = error.details.find((detail) => detail.field === "Idempotency-Key");
      if (key)
        return upstreamValidationError(SOURCE, [{ path: "", message: key.message }], {
          argument: "idempotencyKey",
        });
      if (error.details.length === 0) break;
      return upstreamValidationError(
        SOURCE,
        error.details.map((detail) => ({ path: paths(detail.field), message: detail.message })),
      );
    }
    case "not_found":
      if (target) return new NotFoundError(`${LABEL} ${target.type} ${target.id} not found`, SOURCE);
      break;
    case "invalid_state":
      return new InvalidStateError(error.message, SOURCE);
    case "idempotency_key_reuse":
      return new IdempotencyConflictError(
        `This idempotencyKey was already used with a different ${LABEL} request. Use a new key for a new request.`,
      );
    case "live_key_required":
      return new UpstreamError(
        SOURCE,
        "UPSTREAM_ERROR",
        `${LABEL} manages webhook endpoints only with a live API key (ce_live_…); this tenant is configured with a test key.`,
        { status: error.status },
      );
  }
  return new UpstreamError(
    SOURCE,
    "UPSTREAM_ERROR",
    `${LABEL} refused the write (HTTP ${error.status} ${error.code}): ${error.message}`,
    { status: error.status },
  );
}

const READ_ONLY_INVOICES = `${LABEL} invoices are created, sent and paid in its app; its API only reads them.`;

export class CleanEstimateWrites implements SourceWrites {
  readonly nativeIdempotency = true;

  readonly unsupported: Partial<Record<WriteOperation, string>> = {
    createInvoice: READ_ONLY_INVOICES,
    updateInvoice: READ_ONLY_INVOICES,
    deleteInvoice: READ_ONLY_INVOICES,
    sendInvoice: READ_ONLY_INVOICES,
    markInvoicePaid: READ_ONLY_INVOICES,
    recordPayment: READ_ONLY_INVOICES,
  };

  constructor(private readonly client: CleanEstimateClient) {}

  async createLead(input: LeadInput, options: WriteOptions): Promise<Written<UnifiedLead>> {
    checkLead(input, true);
    const { record, replayed } = await this.write("/leads", LEAD_PATHS, null, () =>
      this.client.createLead(leadBody(input), options.idempotencyKey),
    );
    return { record: toUnifiedLead(record), replayed };
  }

  async updateLead(id: string, input: LeadInput): Promise<UnifiedLead> {
    checkLead(input, false);
    const record = await this.write("/leads", LEAD_PATHS, { type: "lead", id }, () =>
      this.client.updateLead(id, leadBody(input)),
    );
    return toUnifiedLead(record);
  }

  async createCustomer(input: CustomerInput, options: WriteOptions): Promise<Written<UnifiedCustomer>> {
    checkClient(input, true);
    const { record, replayed } = await this.write("/clients", CLIENT_PATHS, null, () =>
      this.client.createClient(clientBody(input), options.idempotencyKey),
    );
    return { record: toUnifiedCustomer(record), replayed };
  }

  async updateCustomer(id: string, input: CustomerInput): Promise<UnifiedCustomer> {
    checkClient(input, false);
    const record = await this.write("/clients", CLIENT_PATHS, { type: "client", id }, () =>
      this.client.updateClient(id, clientBody(input)),
    );
    return toUnifiedCustomer(record);
  }

  async createEstimate(input: EstimateInput, options: WriteOptions): Promise<Written<UnifiedEstimate>> {
    checkNewEstimate(input);
    const { record, replayed } = await this.write("/estimates", ESTIMATE_PATHS, null, () =>
      this.client.createEstimate(estimateBody(input), options.idempotencyKey),
    );
    return { record: toUnifiedEstimate(record), replayed };
  }

  async updateEstimate(id: string, input: EstimateInput): Promise<UnifiedEstimate> {
    checkEstimateChanges(input);
    const record = await this.write("/estimates", ESTIMATE_PATHS, { type: "estimate", id }, () =>
      this.client.updateEstimate(id, estimateBody(input)),
    );
    return toUnifiedEstimate(record);
  }

  async createJob(input: JobInput, options: WriteOptions): Promise<Written<UnifiedJob>> {
    checkJob(input, true);
    const { record, replayed } = await this.write("/jobs", JOB_PATHS, null, () =>
      this.client.createJob(jobBody(input), options.idempotencyKey),
    );
    return { record: toUnifiedJob(record), replayed };
  }

  async updateJob(id: string, input: JobInput): Promise<UnifiedJob> {
    checkJob(input, false);
    const record = await this.write("/jobs", JOB_PATHS, { type: "job", id }, () =>
      this.client.updateJob(id, jobBody(input)),
    );
    return toUnifiedJob(record);
  }

  /** Completion is a status change: the upstream stamps `completed_at` and keeps no notes. */
  async completeJob(id: string, input: CompleteJobInput): Promise<UnifiedJob> {
    const problems = new Problems();
    if (input.completedAt !== undefined && input.completedAt !== null) {
      problems.add(
        "completedAt",
        `is not supported by ${JOBS}: the upstream records when the job is completed`,
      );
    }
    problems.onlyFields(input, ["completedAt"], JOBS);
    problems.throwIfAny();
    const record = await this.write("/jobs", JOB_PATHS, { type: "job", id }, () =>
      this.client.updateJob(id, { status: "completed" }),
    );
    return toUnifiedJob(record);
  }

  async registerWebhookEndpoint(
    input: WebhookEndpointInput,
    options: WriteOptions,
  ): Promise<Written<RegisteredWebhookEndpoint>> {
    checkWebhookEndpoint(input);
    const { record, replayed } = await this.write("/webhooks", WEBHOOK_PATHS, null, () =>
      this.client.createWebhookEndpoint(
        { name: input.name, url: input.url, events: input.events },
        options.idempotencyKey,
      ),
    );
    return { record: { endpoint: toUnifiedWebhookEndpoint(record), secret: record.secret }, replayed };
  }

  async deleteWebhookEndpoint(id: string): Promise<Deleted> {
    await this.write("/webhooks", WEBHOOK_PATHS, { type: "webhook endpoint", id }, () =>
      this.client.deleteWebhookEndpoint(id),
    );
    return { permanent: true };
  }

  /**
   * Sends one write, maps a refusal onto the input, and drops the cached reads of the collection
   * it writes (lists and details share its path prefix). Other collections keep copies made at
   * creation (a job's customer name and address), so no write changes them.
   */
  private async write<T>(
    collection: ListPath,
    paths: (field: string) => string,
    target: Target | null,
    send: () => Promise<T>,
  ): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw gatewayErrorFor(error, paths, target);
    } finally {
      // Also after a failure: a write whose answer was lost may still have landed.
      this.client.invalidate(collection);
    }
  }
}
