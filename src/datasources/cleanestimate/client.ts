import { randomUUID } from "node:crypto";
import { z } from "zod";
import { BadInputError } from "../../errors.js";
import type { UpstreamRequest, UpstreamResponse } from "../http.js";
import type { CursorPosition } from "../paging.js";
import { ResponseSchema, RestClient, upstreamErrorMessage } from "../rest.js";
import {
  type ClientRecord,
  clientRecord,
  cursorList,
  type EstimateRecord,
  estimateRecord,
  type InvoiceRecord,
  invoiceRecord,
  type JobRecord,
  jobRecord,
  type LeadRecord,
  leadRecord,
  single,
  type WebhookEndpointRecord,
  webhookEndpointRecord,
} from "./records.js";

/**
 * CleanEstimate Pro REST client (upstreams/cleanestimate.md): Bearer key, cursor pagination
 * (`limit` ≤ 100, `next_cursor`, `has_more`), `{data}` envelopes, `{"error":{code,message}}` bodies.
 * Lists are always read newest first (`sort=created_at&order=desc`), the gateway's merge order.
 */

export const CLEANESTIMATE_MAX_PAGE = 100;

export type ListPath = "/leads" | "/clients" | "/estimates" | "/jobs" | "/invoices" | "/webhooks";

export interface CursorPage<T> {
  records: T[];
  after: CursorPosition[];
  done: boolean;
}

/** Request bodies of the write endpoints (§8), snake_case; on PATCH `null` clears a nullable field. */
export interface LeadBody {
  customer_name?: string;
  customer_email?: string | null;
  customer_phone?: string | null;
  service_address?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
  service_interest?: string[];
  notes?: string | null;
  source?: string;
  status?: LeadRecord["status"];
}

export interface ClientBody {
  name?: string;
  email?: string | null;
  phone?: string | null;
  address_line1?: string | null;
  address_line2?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
  notes?: string | null;
  status?: ClientRecord["status"];
}

export interface EstimateBody {
  customer_name?: string;
  customer_email?: string | null;
  customer_phone?: string | null;
  address_line1?: string | null;
  address_line2?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
  property_type?: EstimateRecord["property_type"];
  client_id?: string | null;
  lead_id?: string | null;
  services?: Array<{ service_slug: string; enabled?: boolean; sqft: number; stories?: number }>;
  addons?: Array<{ addon_slug: string; quantity?: number }>;
  custom_items?: Array<{ name: string; quantity?: number; unit_price: number }>;
  dirtiness_level?: EstimateRecord["dirtiness_level"];
  assigned_rep_id?: string | null;
  /** The API sets only these two; the customer accepts or declines outside it. */
  status?: "draft" | "sent";
  source?: string;
  expires_at?: string;
}

export interface JobBody {
  client_id?: string;
  estimate_id?: string | null;
  status?: JobRecord["status"];
  service_type?: string;
  scheduled_date?: string;
  scheduled_time_start?: string | null;
  scheduled_time_end?: string | null;
  service_address?: string | null;
  service_city?: string | null;
  service_state?: string | null;
  service_zip?: string | null;
  price?: number | null;
  notes?: string | null;
  access_notes?: string | null;
  special_instructions?: string | null;
}

export interface WebhookEndpointBody {
  name: string;
  url: string;
  events: string[];
}

/** A created record, and whether the upstream replayed it for a repeated Idempotency-Key (§4). */
export interface Created<T> {
  record: T;
  replayed: boolean;
}

/** The signing secret comes only in the POST answer (§7.7). */
const createdWebhookEndpoint = webhookEndpointRecord.extend({ secret: z.string().startsWith("whsec_") });
export type CreatedWebhookEndpoint = z.infer<typeof createdWebhookEndpoint>;

/** The read endpoints' answers (§7), each built once: it keeps its parses of cached responses. */
const ANSWERS = {
  lead: new ResponseSchema(single(leadRecord)),
  client: new ResponseSchema(single(clientRecord)),
  estimate: new ResponseSchema(single(estimateRecord)),
  job: new ResponseSchema(single(jobRecord)),
  invoice: new ResponseSchema(single(invoiceRecord)),
  leads: new ResponseSchema(cursorList(leadRecord)),
  clients: new ResponseSchema(cursorList(clientRecord)),
  estimates: new ResponseSchema(cursorList(estimateRecord)),
  jobs: new ResponseSchema(cursorList(jobRecord)),
  invoices: new ResponseSchema(cursorList(invoiceRecord)),
  webhookEndpoints: new ResponseSchema(cursorList(webhookEndpointRecord)),
};

type CursorListAnswer<T> = ResponseSchema<{ data: T[]; has_more: boolean; next_cursor: string | null }>;

const errorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});

/**
 * A write the upstream refused with a 4xx in its §5 envelope (other than 401): validation, not
 * found, state rules, key reuse. The writes layer knows the input behind it and maps it there.
 */
export class CleanEstimateRejection extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Array<{ field: string; message: string }>,
  ) {
    super(message);
    this.name = "CleanEstimateRejection";
  }
}

export class CleanEstimateClient extends RestClient {
  getLead(id: string): Promise<LeadRecord | null> {
    return this.getOne("/leads/:id", `/leads/${encodeURIComponent(id)}`, ANSWERS.lead);
  }

  getClient(id: string): Promise<ClientRecord | null> {
    return this.getOne("/clients/:id", `/clients/${encodeURIComponent(id)}`, ANSWERS.client);
  }

  getEstimate(id: string): Promise<EstimateRecord | null> {
    return this.getOne("/estimates/:id", `/estimates/${encodeURIComponent(id)}`, ANSWERS.estimate);
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.getOne("/jobs/:id", `/jobs/${encodeURIComponent(id)}`, ANSWERS.job);
  }

  getInvoice(id: string): Promise<InvoiceRecord | null> {
    return this.getOne("/invoices/:id", `/invoices/${encodeURIComponent(id)}`, ANSWERS.invoice);
  }

  listLeads(
    status: string | undefined,
    from: CursorPosition,
    limit: number,
  ): Promise<CursorPage<LeadRecord>> {
    return this.listFrom("/leads", ANSWERS.leads, status, from, limit);
  }

  listClients(
    status: string | undefined,
    from: CursorPosition,
    limit: number,
  ): Promise<CursorPage<ClientRecord>> {
    return this.listFrom("/clients", ANSWERS.clients, status, from, limit);
  }

  listEstimates(
    status: string | undefined,
    from: CursorPosition,
    limit: number,
  ): Promise<CursorPage<EstimateRecord>> {
    return this.listFrom("/estimates", ANSWERS.estimates, status, from, limit);
  }

  listJobs(status: string | undefined, from: CursorPosition, limit: number): Promise<CursorPage<JobRecord>> {
    return this.listFrom("/jobs", ANSWERS.jobs, status, from, limit);
  }

  listInvoices(
    status: string | undefined,
    from: CursorPosition,
    limit: number,
  ): Promise<CursorPage<InvoiceRecord>> {
    return this.listFrom("/invoices", ANSWERS.invoices, status, from, limit);
  }

  createLead(body: LeadBody, idempotencyKey?: string): Promise<Created<LeadRecord>> {
    return this.create("/leads", leadRecord, body, idempotencyKey);
  }

  updateLead(id: string, body: LeadBody): Promise<LeadRecord> {
    return this.update("/leads", id, leadRecord, body);
  }

  createClient(body: ClientBody, idempotencyKey?: string): Promise<Created<ClientRecord>> {
    return this.create("/clients", clientRecord, body, idempotencyKey);
  }

  updateClient(id: string, body: ClientBody): Promise<ClientRecord> {
    return this.update("/clients", id, clientRecord, body);
  }

  createEstimate(body: EstimateBody, idempotencyKey?: string): Promise<Created<EstimateRecord>> {
    return this.create("/estimates", estimateRecord, body, idempotencyKey);
  }

  updateEstimate(id: string, body: EstimateBody): Promise<EstimateRecord> {
    return this.update("/estimates", id, estimateRecord, body);
  }

  createJob(body: JobBody, idempotencyKey?: string): Promise<Created<JobRecord>> {
    return this.create("/jobs", jobRecord, body, idempotencyKey);
  }

  updateJob(id: string, body: JobBody): Promise<JobRecord> {
    return this.update("/jobs", id, jobRecord, body);
  }

  createWebhookEndpoint(
    body: WebhookEndpointBody,
    idempotencyKey?: string,
  ): Promise<Created<CreatedWebhookEndpoint>> {
    return this.create("/webhooks", createdWebhookEndpoint, body, idempotencyKey);
  }

  async deleteWebhookEndpoint(id: string): Promise<void> {
    const request: UpstreamRequest = {
      method: "DELETE",
      path: `/webhooks/${encodeURIComponent(id)}`,
      route: "/webhooks/:id",
    };
    const response = await this.send(request);
    if (response.status !== 204) throw this.refusal(request, response);
  }

  /**
   * POST. With a key the upstream answers a repeat with the stored result instead of creating
   * again, so the HTTP layer may retry it; without one it is sent once.
   */
  private async create<T>(
    route: ListPath,
    schema: z.ZodType<T>,
    body: object,
    idempotencyKey: string | undefined,
  ): Promise<Created<T>> {
    const request: UpstreamRequest = {
      method: "POST",
      path: route,
      route,
      body,
      ...(idempotencyKey === undefined
        ? {}
        : { headers: { "Idempotency-Key": idempotencyKey }, effect: "idempotent-write" as const }),
    };
    const response = await this.send(request);
    if (response.status !== 201) throw this.refusal(request, response);
    return {
      record: this.parse(single(schema), response.body, request).data,
      replayed: response.headers["idempotent-replayed"] === "true",
    };
  }

  /**
   * PATCH, under a key of its own (§4: clients should always send one): a retry after a lost
   * answer is replayed, not applied twice with a second webhook, so the HTTP layer may retry it.
   */
  private async update<T>(route: ListPath, id: string, schema: z.ZodType<T>, body: object): Promise<T> {
    const request: UpstreamRequest = {
      method: "PATCH",
      path: `${route}/${encodeURIComponent(id)}`,
      route: `${route}/:id`,
      body,
      headers: { "Idempotency-Key": randomUUID() },
      effect: "idempotent-write",
    };
    const response = await this.send(request);
    if (response.status !== 200) throw this.refusal(request, response);
    return this.parse(single(schema), response.body, request).data;
  }

  /** A 4xx in the §5 envelope is the writes layer's to map; anything else is the upstream's fault. */
  private refusal(request: UpstreamRequest, response: UpstreamResponse): Error {
    const envelope = errorEnvelope.safeParse(response.body);
    if (response.status >= 400 && response.status < 500 && response.status !== 401 && envelope.success) {
      const { code, message, details } = envelope.data.error;
      return new CleanEstimateRejection(response.status, code, message, details ?? []);
    }
    return this.unexpected(request, response, upstreamErrorMessage(response.body));
  }

  /** Every registered webhook endpoint (a short list: read to its end). */
  async listWebhookEndpoints(): Promise<WebhookEndpointRecord[]> {
    const endpoints: WebhookEndpointRecord[] = [];
    let from: CursorPosition = { c: null, s: 0 };
    for (;;) {
      const page = await this.listFrom(
        "/webhooks",
        ANSWERS.webhookEndpoints,
        undefined,
        from,
        CLEANESTIMATE_MAX_PAGE,
      );
      endpoints.push(...page.records);
      const next = page.after.at(-1);
      if (page.done || !next) return endpoints;
      from = next;
    }
  }

  /**
   * Up to `limit` records from a position: one request from the position's page cursor, skipping
   * the records of that page already consumed. The position after the last record of a page that
   * has more is the upstream's `next_cursor`, so later pages never re-read this one.
   */
  private async listFrom<T>(
    route: ListPath,
    answer: CursorListAnswer<T>,
    status: string | undefined,
    from: CursorPosition,
    limit: number,
  ): Promise<CursorPage<T>> {
    const pageSize = Math.min(CLEANESTIMATE_MAX_PAGE, from.s + limit);
    const request: UpstreamRequest = {
      method: "GET",
      path: route,
      route,
      query: { limit: pageSize, sort: "created_at", order: "desc", status, cursor: from.c ?? undefined },
    };
    const response = await this.send(request);
    // The upstream cursor travels inside the gateway's: one it rejects (forged, or from another
    // list) is the client's mistake, not an upstream failure.
    if (response.status === 400 && from.c !== null && rejectsCursor(response.body)) {
      throw new BadInputError("Invalid cursor: use a cursor from this list's edges.", "after");
    }
    if (response.status !== 200)
      throw this.unexpected(request, response, upstreamErrorMessage(response.body));
    const page = this.parseResponse(answer, response, request);
    const data = page.data;
    const records = data.slice(from.s);
    const after = records.map((_, index): CursorPosition => {
      const consumed = from.s + index + 1;
      return consumed === data.length && page.has_more && page.next_cursor
        ? { c: page.next_cursor, s: 0 }
        : { c: from.c, s: consumed };
    });
    return { records, after, done: !page.has_more };
  }
}

/** A 400 `invalid_request` naming the `cursor` parameter (§5, §6). */
function rejectsCursor(body: unknown): boolean {
  const error =
    body && typeof body === "object" && "error" in body ? (body as { error: unknown }).error : null;
  if (!error || typeof error !== "object" || !("details" in error)) return false;
  const { details } = error as { details: unknown };
  return (
    Array.isArray(details) &&
    details.some((detail: unknown) => Boolean(detail) && (detail as { field?: unknown }).field === "cursor")
  );
}
