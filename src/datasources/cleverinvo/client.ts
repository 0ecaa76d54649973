import type { z } from "zod";
import type { UpstreamRequest } from "../http.js";
import { planPageRequests, type StreamPage } from "../paging.js";
import { RestClient } from "../rest.js";
import {
  type ClientRecord,
  clientRecord,
  type InvoiceRecord,
  invoiceRecord,
  list,
  single,
} from "./records.js";

/**
 * CleverInvo REST client (upstreams/cleverinvo.md): Bearer key, page/limit pagination (≤ 100),
 * `{data}` / `{data, total, page, limit, totalPages}` envelopes, `{"error"}` bodies, and the
 * invoice PDF as bytes.
 */

export const CLEVERINVO_MAX_PAGE = 100;

export type ClientQuery = { search?: string };
export type InvoiceQuery = { search?: string; clientId?: string; status?: string };

export interface InvoicePdf {
  bytes: Buffer;
  fileName: string;
}

export class CleverInvoClient extends RestClient {
  getClient(id: string): Promise<ClientRecord | null> {
    return this.getOne("/clients/:id", `/clients/${encodeURIComponent(id)}`, clientRecord);
  }

  getInvoice(id: string): Promise<InvoiceRecord | null> {
    return this.getOne("/invoices/:id", `/invoices/${encodeURIComponent(id)}`, invoiceRecord);
  }

  listClients(query: ClientQuery, offset: number, limit: number): Promise<StreamPage<ClientRecord>> {
    return this.listWindow("/clients", clientRecord, query, offset, limit);
  }

  listInvoices(query: InvoiceQuery, offset: number, limit: number): Promise<StreamPage<InvoiceRecord>> {
    return this.listWindow("/invoices", invoiceRecord, query, offset, limit);
  }

  /** The invoice as a PDF document; null when the invoice does not exist. */
  async getInvoicePdf(id: string): Promise<InvoicePdf | null> {
    const request: UpstreamRequest = {
      method: "GET",
      path: `/invoices/${encodeURIComponent(id)}/pdf`,
      route: "/invoices/:id/pdf",
      responseType: "binary",
    };
    const response = await this.send(request);
    if (response.status === 404) return null;
    if (response.status !== 200 || !response.raw)
      throw this.unexpected(request, response, errorMessage(response.body));
    if (!response.raw.subarray(0, 5).equals(Buffer.from("%PDF-"))) {
      throw this.unexpected(request, response, "the body is not a PDF document");
    }
    const disposition = response.headers["content-disposition"] ?? "";
    const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${id}.pdf`;
    return { bytes: response.raw, fileName };
  }

  private async getOne<T>(route: string, path: string, schema: z.ZodType<T>): Promise<T | null> {
    const request: UpstreamRequest = { method: "GET", path, route };
    const response = await this.send(request);
    if (response.status === 404) return null;
    if (response.status !== 200) throw this.unexpected(request, response, errorMessage(response.body));
    return this.parse(single(schema), response.body, request).data as T;
  }

  /** Records at positions [offset, offset + limit), in the fewest page requests, sent concurrently. */
  private async listWindow<T>(
    route: string,
    schema: z.ZodType<T>,
    query: Record<string, string | undefined>,
    offset: number,
    limit: number,
  ): Promise<StreamPage<T>> {
    const plans = planPageRequests(offset, limit, CLEVERINVO_MAX_PAGE);
    const pages = await Promise.all(
      plans.map(async (plan) => {
        const request: UpstreamRequest = {
          method: "GET",
          path: route,
          route,
          query: { ...query, page: plan.page, limit: plan.perPage },
        };
        const response = await this.send(request);
        if (response.status !== 200) throw this.unexpected(request, response, errorMessage(response.body));
        const page = this.parse(list(schema), response.body, request);
        return { records: (page.data as T[]).slice(plan.skip, plan.skip + plan.take), total: page.total };
      }),
    );
    return { records: pages.flatMap((page) => page.records), total: pages[0]?.total ?? 0 };
  }
}

function errorMessage(body: unknown): string | undefined {
  if (body && typeof body === "object" && "error" in body) return String((body as { error: unknown }).error);
  return undefined;
}
