import type { Handler, RequestContext } from "./http.js";
import { ADDON_SLUGS, DIRTINESS_LEVELS, type PricingInput, priceEstimate, SERVICE_SLUGS } from "./pricing.js";
import { CLIENT_STATUSES, JOB_STATUSES, LEAD_STATUSES } from "./reads.js";
import type {
  CleanEstimateAccount,
  CleanEstimateAddonSlug,
  CleanEstimateClient,
  CleanEstimateEstimate,
  CleanEstimateEventType,
  CleanEstimateJob,
  CleanEstimateLead,
  CleanEstimatePropertyType,
  CleanEstimateServiceSlug,
  CleanEstimateWebhookEndpoint,
  CleanEstimateWebhookRecord,
} from "./types.js";
import {
  ApiError,
  CANNOT_BE_UPDATED,
  DOES_NOT_EXIST,
  emailRule,
  IS_INVALID,
  IS_REQUIRED,
  isObject,
  notFound,
  oneOf,
  Validator,
} from "./validation.js";
import { fromCents, isoMs, isWebhookUrl, toCents, uuidFrom } from "./values.js";
import { estimateStatusAt, estimateView } from "./views.js";

/** The write endpoints of §8: validation, defaults, computed fields, state rules and events (§9). */

export const EVENT_TYPES: readonly CleanEstimateEventType[] = [
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
const PROPERTY_TYPES: readonly CleanEstimatePropertyType[] = ["residential", "commercial"];
const API_ESTIMATE_STATUSES = ["draft", "sent"] as const;
const EXPIRY_MS = 30 * 86_400_000;

/** A fresh UUID, unique among `taken`; drawn from the account's run-time stream. */
export function newId(account: CleanEstimateAccount, taken: Map<string, unknown>): string {
  for (;;) {
    const id = uuidFrom(account.idRng);
    if (!taken.has(id)) return id;
  }
}

/** Assigns the fields that were sent (`undefined` = omitted = unchanged). */
function assignDefined<T extends object>(target: T, changes: Partial<T>): void {
  for (const [key, value] of Object.entries(changes)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
}

// ---------------------------------------------------------------------------------------------
// Leads (§7.1)

function readLeadFields(ctx: RequestContext, creating: boolean): Partial<CleanEstimateLead> {
  const v = new Validator(ctx.body);
  const fields: Partial<CleanEstimateLead> = {
    status: v.enumValue("status", LEAD_STATUSES) ?? undefined,
    customer_name: v.string("customer_name", { required: creating, min: 1, max: 255 }) ?? undefined,
    customer_email: v.string("customer_email", emailRule),
    customer_phone: v.string("customer_phone", { nullable: true, max: 50 }),
    service_address: v.string("service_address", { nullable: true, max: 255 }),
    city: v.string("city", { nullable: true, max: 100 }),
    state: v.string("state", { nullable: true, max: 50 }),
    zip: v.string("zip", { nullable: true, max: 20 }),
    service_interest: v.stringArray("service_interest", { maxItems: 20, maxLength: 100 }) ?? undefined,
    notes: v.string("notes", { nullable: true, max: 5000 }),
    source: v.string("source", { max: 50 }) ?? undefined,
  };
  v.throwIfFailed();
  return fields;
}

export const createLead: Handler = (ctx) => {
  const fields = readLeadFields(ctx, true);
  const stamp = isoMs(ctx.now);
  const lead: CleanEstimateLead = {
    id: newId(ctx.account, ctx.data.leads),
    status: fields.status ?? "new",
    customer_name: fields.customer_name ?? "",
    customer_email: fields.customer_email ?? null,
    customer_phone: fields.customer_phone ?? null,
    service_address: fields.service_address ?? null,
    city: fields.city ?? null,
    state: fields.state ?? null,
    zip: fields.zip ?? null,
    service_interest: fields.service_interest ?? [],
    notes: fields.notes ?? null,
    source: fields.source ?? "api",
    created_at: stamp,
    updated_at: stamp,
  };
  ctx.data.leads.set(lead.id, lead);
  ctx.emit("lead.created", lead);
  return { status: 201, body: { data: lead } };
};

export const updateLead: Handler = (ctx) => {
  const lead = ctx.data.leads.get(ctx.req.params.id ?? "");
  if (!lead) throw notFound("Lead");
  assignDefined(lead, readLeadFields(ctx, false));
  lead.updated_at = isoMs(ctx.now);
  ctx.emit("lead.updated", lead);
  return { status: 200, body: { data: lead } };
};

// ---------------------------------------------------------------------------------------------
// Clients (§7.2)

function readClientFields(ctx: RequestContext, creating: boolean): Partial<CleanEstimateClient> {
  const v = new Validator(ctx.body);
  const fields: Partial<CleanEstimateClient> = {
    name: v.string("name", { required: creating, min: 1, max: 255 }) ?? undefined,
    email: v.string("email", emailRule),
    phone: v.string("phone", { nullable: true, max: 50 }),
    address_line1: v.string("address_line1", { nullable: true, max: 255 }),
    address_line2: v.string("address_line2", { nullable: true, max: 255 }),
    city: v.string("city", { nullable: true, max: 100 }),
    state: v.string("state", { nullable: true, max: 50 }),
    zip: v.string("zip", { nullable: true, max: 20 }),
    notes: v.string("notes", { nullable: true, max: 5000 }),
    status: v.enumValue("status", CLIENT_STATUSES) ?? undefined,
  };
  v.throwIfFailed();
  return fields;
}

export const createClient: Handler = (ctx) => {
  const fields = readClientFields(ctx, true);
  const stamp = isoMs(ctx.now);
  const client: CleanEstimateClient = {
    id: newId(ctx.account, ctx.data.clients),
    name: fields.name ?? "",
    email: fields.email ?? null,
    phone: fields.phone ?? null,
    address_line1: fields.address_line1 ?? null,
    address_line2: fields.address_line2 ?? null,
    city: fields.city ?? null,
    state: fields.state ?? null,
    zip: fields.zip ?? null,
    notes: fields.notes ?? null,
    status: fields.status ?? "active",
    created_at: stamp,
    updated_at: stamp,
  };
  ctx.data.clients.set(client.id, client);
  ctx.emit("client.created", client);
  return { status: 201, body: { data: client } };
};

export const updateClient: Handler = (ctx) => {
  const client = ctx.data.clients.get(ctx.req.params.id ?? "");
  if (!client) throw notFound("Client");
  assignDefined(client, readClientFields(ctx, false));
  client.updated_at = isoMs(ctx.now);
  ctx.emit("client.updated", client);
  return { status: 200, body: { data: client } };
};

// ---------------------------------------------------------------------------------------------
// Estimates (§7.3, §7.4)

/** The contact, address and metadata fields POST and PATCH share. */
function readEstimateMetadata(v: Validator, creating: boolean): Partial<CleanEstimateEstimate> {
  return {
    customer_name: v.string("customer_name", { required: creating, min: 1, max: 255 }) ?? undefined,
    customer_email: v.string("customer_email", emailRule),
    customer_phone: v.string("customer_phone", { nullable: true, max: 50 }),
    address_line1: v.string("address_line1", { nullable: true, max: 255 }),
    address_line2: v.string("address_line2", { nullable: true, max: 255 }),
    city: v.string("city", { nullable: true, max: 100 }),
    state: v.string("state", { nullable: true, max: 50 }),
    zip: v.string("zip", { nullable: true, max: 20 }),
    property_type: v.enumValue("property_type", PROPERTY_TYPES, { nullable: true }),
    assigned_rep_id: v.uuid("assigned_rep_id", { nullable: true }),
    status: v.enumValue("status", API_ESTIMATE_STATUSES) ?? undefined,
    source: v.string("source", { max: 50 }) ?? undefined,
    expires_at: v.dateTime("expires_at") ?? undefined,
  };
}

/** Items of one line array; a missing or null array is empty, anything else but an array is invalid. */
function readItems<T>(
  v: Validator,
  field: string,
  read: (item: Validator) => T | undefined,
): { items: T[]; raw: unknown[] } {
  const value = v.raw(field, {});
  if (value === undefined) return { items: [], raw: [] };
  if (value === null || !Array.isArray(value.value)) {
    v.fail(field, IS_INVALID);
    return { items: [], raw: [] };
  }
  const items: T[] = [];
  value.value.forEach((entry: unknown, index) => {
    if (!isObject(entry)) {
      v.fail(`${field}.${index}`, IS_INVALID);
      return;
    }
    const item = read(v.nested(`${field}.${index}`, entry));
    if (item !== undefined) items.push(item);
  });
  return { items, raw: value.value };
}

export const createEstimate: Handler = (ctx) => {
  const { data, now } = ctx;
  const v = new Validator(ctx.body);
  const metadata = readEstimateMetadata(v, true);
  const clientId = v.uuid("client_id", { nullable: true });
  if (typeof clientId === "string" && !data.clients.has(clientId)) v.fail("client_id", DOES_NOT_EXIST);
  const leadId = v.uuid("lead_id", { nullable: true });
  if (typeof leadId === "string" && !data.leads.has(leadId)) v.fail("lead_id", DOES_NOT_EXIST);

  const services = readItems(v, "services", (item) => {
    const slug = item.enumValue("service_slug", SERVICE_SLUGS, { required: true });
    const enabled = item.boolean("enabled") ?? true;
    const sqft = item.number("sqft", { required: true, above: 0 });
    const stories = item.number("stories", { integer: true, min: 1, max: 3 }) ?? 1;
    return slug && typeof sqft === "number" && item.ok
      ? { service_slug: slug as CleanEstimateServiceSlug, enabled, sqft, stories }
      : undefined;
  });
  const addons = readItems(v, "addons", (item) => {
    const slug = item.enumValue("addon_slug", ADDON_SLUGS, { required: true });
    const quantity = item.number("quantity", { integer: true, min: 1 }) ?? 1;
    return slug && item.ok ? { addon_slug: slug as CleanEstimateAddonSlug, quantity } : undefined;
  });
  const customItems = readItems(v, "custom_items", (item) => {
    const name = item.string("name", { required: true, min: 1, max: 255 });
    const unitPrice = item.number("unit_price", { required: true, min: 0 });
    const quantity = item.number("quantity", { above: 0 }) ?? 1;
    return typeof name === "string" && typeof unitPrice === "number" && item.ok
      ? { name, quantity, unit_price: unitPrice }
      : undefined;
  });
  const dirtiness = v.enumValue("dirtiness_level", DIRTINESS_LEVELS) ?? "light";

  // At least one enabled service, addon or custom item (counted as submitted).
  const enabledServices = services.raw.filter((entry) => !isObject(entry) || entry.enabled !== false).length;
  if (
    enabledServices + addons.raw.length + customItems.raw.length === 0 &&
    !v.failed("services") &&
    !v.failed("addons") &&
    !v.failed("custom_items")
  ) {
    v.fail("services", IS_REQUIRED);
  }
  v.throwIfFailed();

  const input: PricingInput = {
    services: services.items,
    addons: addons.items,
    custom_items: customItems.items,
    dirtiness_level: dirtiness,
  };
  const priced = priceEstimate(input);
  const stamp = isoMs(now);
  const estimate: CleanEstimateEstimate = {
    id: newId(ctx.account, data.estimates),
    status: metadata.status ?? "draft",
    client_id: clientId ?? null,
    lead_id: leadId ?? null,
    customer_name: metadata.customer_name ?? "",
    customer_email: metadata.customer_email ?? null,
    customer_phone: metadata.customer_phone ?? null,
    address_line1: metadata.address_line1 ?? null,
    address_line2: metadata.address_line2 ?? null,
    city: metadata.city ?? null,
    state: metadata.state ?? null,
    zip: metadata.zip ?? null,
    property_type: metadata.property_type ?? null,
    services: priced.services,
    addons: priced.addons,
    custom_items: priced.custom_items,
    dirtiness_level: dirtiness,
    total: priced.total,
    assigned_rep_id: metadata.assigned_rep_id ?? null,
    source: metadata.source ?? "api",
    expires_at: metadata.expires_at ?? isoMs(now.getTime() + EXPIRY_MS),
    accepted_at: null,
    created_at: stamp,
    updated_at: stamp,
  };
  data.estimates.set(estimate.id, estimate);
  const view = estimateView(estimate, now);
  ctx.emit("estimate.created", view);
  return { status: 201, body: { data: view } };
};

/** §8: the only fields PATCH /estimates/:id accepts. */
export const ESTIMATE_PATCH_FIELDS: readonly string[] = [
  "customer_name",
  "customer_email",
  "customer_phone",
  "address_line1",
  "address_line2",
  "city",
  "state",
  "zip",
  "property_type",
  "assigned_rep_id",
  "status",
  "source",
  "expires_at",
];

export const updateEstimate: Handler = (ctx) => {
  const { data, now } = ctx;
  const estimate = data.estimates.get(ctx.req.params.id ?? "");
  if (!estimate) throw notFound("Estimate");
  const v = new Validator(ctx.body);
  // Any other field present, known or not, is refused (README §7: no leniency on this route).
  for (const field of Object.keys(ctx.body)) {
    if (!ESTIMATE_PATCH_FIELDS.includes(field)) v.fail(field, CANNOT_BE_UPDATED);
  }
  const changes = readEstimateMetadata(v, false);
  v.throwIfFailed();
  const status = estimateStatusAt(estimate, now);
  if (status === "accepted" || status === "declined" || status === "expired") {
    throw new ApiError(422, "invalid_state", "Estimate can no longer be modified");
  }
  assignDefined(estimate, changes);
  estimate.updated_at = isoMs(now);
  const view = estimateView(estimate, now);
  ctx.emit("estimate.updated", view);
  return { status: 200, body: { data: view } };
};

// ---------------------------------------------------------------------------------------------
// Jobs (§7.5)

interface JobInput extends Partial<Omit<CleanEstimateJob, "price">> {
  /** Cents after round2. */
  price?: number | null;
}

function readJobFields(ctx: RequestContext, job: CleanEstimateJob | null): JobInput {
  const creating = job === null;
  const { data } = ctx;
  const v = new Validator(ctx.body);
  const clientId = v.uuid("client_id", { required: creating });
  if (typeof clientId === "string" && !data.clients.has(clientId)) v.fail("client_id", DOES_NOT_EXIST);
  const estimateId = v.uuid("estimate_id", { nullable: true });
  if (typeof estimateId === "string" && !data.estimates.has(estimateId))
    v.fail("estimate_id", DOES_NOT_EXIST);
  const fields: JobInput = {
    client_id: clientId ?? undefined,
    estimate_id: estimateId,
    status: v.enumValue("status", JOB_STATUSES) ?? undefined,
    service_type: v.string("service_type", { required: creating, min: 1, max: 100 }) ?? undefined,
    scheduled_date: v.date("scheduled_date", { required: creating }) ?? undefined,
    scheduled_time_start: v.time("scheduled_time_start", { nullable: true }),
    scheduled_time_end: v.time("scheduled_time_end", { nullable: true }),
    customer_name: v.string("customer_name", { min: 1, max: 255 }) ?? undefined,
    service_address: v.string("service_address", { nullable: true, max: 255 }),
    service_city: v.string("service_city", { nullable: true, max: 100 }),
    service_state: v.string("service_state", { nullable: true, max: 50 }),
    service_zip: v.string("service_zip", { nullable: true, max: 20 }),
    notes: v.string("notes", { nullable: true, max: 5000 }),
    access_notes: v.string("access_notes", { nullable: true, max: 5000 }),
    special_instructions: v.string("special_instructions", { nullable: true, max: 5000 }),
  };
  const price = v.number("price", { nullable: true, min: 0 });
  fields.price = typeof price === "number" ? toCents(price) : price;

  // end > start when both are set, comparing the values the job will have.
  const startSent = v.has("scheduled_time_start");
  const endSent = v.has("scheduled_time_end");
  if (!v.failed("scheduled_time_start") && !v.failed("scheduled_time_end") && (startSent || endSent)) {
    const start = startSent ? fields.scheduled_time_start : (job?.scheduled_time_start ?? null);
    const end = endSent ? fields.scheduled_time_end : (job?.scheduled_time_end ?? null);
    if (start && end && end <= start)
      v.fail(endSent ? "scheduled_time_end" : "scheduled_time_start", IS_INVALID);
  }
  v.throwIfFailed();
  return fields;
}

export const createJob: Handler = (ctx) => {
  const { data, now } = ctx;
  const fields = readJobFields(ctx, null);
  const client = data.clients.get(fields.client_id ?? "");
  if (!client) throw new Error("createJob: client_id passed validation without a client");
  const estimate = fields.estimate_id ? data.estimates.get(fields.estimate_id) : undefined;
  const stamp = isoMs(now);
  const status = fields.status ?? "scheduled";
  const has = (field: string) => ctx.body[field] !== undefined;
  const job: CleanEstimateJob = {
    id: newId(ctx.account, data.jobs),
    client_id: client.id,
    estimate_id: fields.estimate_id ?? null,
    status,
    service_type: fields.service_type ?? "",
    scheduled_date: fields.scheduled_date ?? "",
    scheduled_time_start: fields.scheduled_time_start ?? null,
    scheduled_time_end: fields.scheduled_time_end ?? null,
    // Omitted fields default from the client (§7.5); an explicit null stays null.
    customer_name: fields.customer_name ?? client.name,
    service_address: has("service_address") ? (fields.service_address ?? null) : client.address_line1,
    service_city: has("service_city") ? (fields.service_city ?? null) : client.city,
    service_state: has("service_state") ? (fields.service_state ?? null) : client.state,
    service_zip: has("service_zip") ? (fields.service_zip ?? null) : client.zip,
    price: has("price")
      ? fields.price === null || fields.price === undefined
        ? null
        : fromCents(fields.price)
      : (estimate?.total ?? null),
    notes: fields.notes ?? null,
    access_notes: fields.access_notes ?? null,
    special_instructions: fields.special_instructions ?? null,
    completed_at: status === "completed" ? stamp : null,
    created_at: stamp,
    updated_at: stamp,
  };
  data.jobs.set(job.id, job);
  ctx.emit("job.created", job);
  return { status: 201, body: { data: job } };
};

export const updateJob: Handler = (ctx) => {
  const { data, now } = ctx;
  const job = data.jobs.get(ctx.req.params.id ?? "");
  if (!job) throw notFound("Job");
  const { price, ...fields } = readJobFields(ctx, job);
  const previous = job.status;
  assignDefined(job, fields);
  if (price !== undefined) job.price = price === null ? null : fromCents(price);
  const stamp = isoMs(now);
  const completedNow = job.status === "completed" && previous !== "completed";
  if (completedNow) job.completed_at = stamp;
  else if (job.status !== "completed") job.completed_at = null;
  job.updated_at = stamp;
  ctx.emit(completedNow ? "job.completed" : "job.updated", job);
  return { status: 200, body: { data: job } };
};

// ---------------------------------------------------------------------------------------------
// Webhook endpoints (§7.7)

export const createWebhook: Handler = (ctx) => {
  const { account } = ctx;
  const v = new Validator(ctx.body);
  const name = v.string("name", { required: true, min: 1, max: 100 });
  const url = v.string("url", { required: true, check: isWebhookUrl });
  const events: CleanEstimateEventType[] = [];
  const raw = v.raw("events", { required: true });
  if (raw) {
    if (!Array.isArray(raw.value)) v.fail("events", IS_INVALID);
    else if (raw.value.length === 0) v.fail("events", IS_REQUIRED);
    else {
      raw.value.forEach((entry: unknown, index) => {
        if (typeof entry !== "string" || !(EVENT_TYPES as readonly string[]).includes(entry)) {
          v.fail(`events.${index}`, oneOf(EVENT_TYPES));
        } else if (events.includes(entry as CleanEstimateEventType)) {
          v.fail(`events.${index}`, IS_INVALID);
        } else events.push(entry as CleanEstimateEventType);
      });
    }
  }
  v.throwIfFailed();
  const record: CleanEstimateWebhookRecord = {
    id: newId(account, account.webhooks),
    name: name ?? "",
    url: url ?? "",
    events,
    secret: ctx.webhooks.newSecret(),
    created_at: isoMs(ctx.now),
  };
  account.webhooks.set(record.id, record);
  const body: CleanEstimateWebhookEndpoint = {
    id: record.id,
    name: record.name,
    url: record.url,
    events: [...record.events],
    secret: record.secret,
    created_at: record.created_at,
  };
  return { status: 201, body: { data: body } };
};

export const deleteWebhook: Handler = (ctx) => {
  const record = ctx.account.webhooks.get(ctx.req.params.id ?? "");
  if (!record) throw notFound("Webhook");
  ctx.account.webhooks.delete(record.id);
  ctx.webhooks.endpointDeleted(ctx.account.id, record.id);
  return { status: 204 };
};
