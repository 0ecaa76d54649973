import type { z } from "zod";
import { BadInputError } from "../../errors.js";
import type { UpstreamRequest } from "../http.js";
import type { CursorPosition } from "../paging.js";
import { RestClient, upstreamErrorMessage } from "../rest.js";
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

export class CleanEstimateClient extends RestClient {
  getLead(id: string): Promise<LeadRecord | null> {
    return this.getOne("/leads/:id", `/leads/${encodeURIComponent(id)}`, leadRecord);
  }

  getClient(id: string): Promise<ClientRecord | null> {
    return this.getOne("/clients/:id", `/clients/${encodeURIComponent(id)}`, clientRecord);
  }

  getEstimate(id: string): Promise<EstimateRecord | null> {
    return this.getOne("/estimates/:id", `/estimates/${encodeURIComponent(id)}`, estimateRecord);
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.getOne("/jobs/:id", `/jobs/${encodeURIComponent(id)}`, jobRecord);
  }

  getInvoice(id: string): Promise<InvoiceRecord | null> {
    return this.getOne("/invoices/:id", `/invoices/${encodeURIComponent(id)}`, invoiceRecord);
  }

  listLeads(
    status: string | undefined,
    from: CursorPosition,
    limit: number,
  ): Promise<CursorPage<LeadRecord>> {
    return this.listFrom("/leads", leadRecord, status, from, limit);
  }

  listClients(
    status: string | undefined,
    from: CursorPosition,
    limit: number,
  ): Promise<CursorPage<ClientRecord>> {
    return this.listFrom("/clients", clientRecord, status, from, limit);
  }

  listEstimates(
    status: string | undefined,
    from: CursorPosition,
    limit: number,
  ): Promise<CursorPage<EstimateRecord>> {
    return this.listFrom("/estimates", estimateRecord, status, from, limit);
  }

  listJobs(status: string | undefined, from: CursorPosition, limit: number): Promise<CursorPage<JobRecord>> {
    return this.listFrom("/jobs", jobRecord, status, from, limit);
  }

  listInvoices(
    status: string | undefined,
    from: CursorPosition,
    limit: number,
  ): Promise<CursorPage<InvoiceRecord>> {
    return this.listFrom("/invoices", invoiceRecord, status, from, limit);
  }

  /** Every registered webhook endpoint (a short list: read to its end). */
  async listWebhookEndpoints(): Promise<WebhookEndpointRecord[]> {
    const endpoints: WebhookEndpointRecord[] = [];
    let from: CursorPosition = { c: null, s: 0 };
    for (;;) {
      const page = await this.listFrom(
        "/webhooks",
        webhookEndpointRecord,
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
    schema: z.ZodType<T>,
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
    const page = this.parse(cursorList(schema), response.body, request);
    const data = page.data as T[];
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
