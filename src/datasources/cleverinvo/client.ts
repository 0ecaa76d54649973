import type { z } from "zod";
import type { UpstreamRequest } from "../http.js";
import type { StreamPage } from "../paging.js";
import { RestClient, upstreamErrorMessage } from "../rest.js";
import { type ClientRecord, clientRecord, type InvoiceRecord, invoiceRecord, list } from "./records.js";

/**
 * CleverInvo REST client (upstreams/cleverinvo.md): Bearer key, page/limit pagination (≤ 100),
 * `{data}` / `{data, total, page, limit, totalPages}` envelopes, `{"error"}` bodies, and the
 * invoice PDF as bytes.
 */

export const CLEVERINVO_MAX_PAGE = 100;

const listOf = <T>(route: string, schema: z.ZodType<T>) => ({
  route,
  schema: list(schema),
  sizeParam: "limit",
  maxPerPage: CLEVERINVO_MAX_PAGE,
});

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
    return this.pageNumberWindow(
      listOf("/clients", clientRecord),
      (page) => ({ records: page.data, total: page.total }),
      query,
      offset,
      limit,
    );
  }

  listInvoices(query: InvoiceQuery, offset: number, limit: number): Promise<StreamPage<InvoiceRecord>> {
    return this.pageNumberWindow(
      listOf("/invoices", invoiceRecord),
      (page) => ({ records: page.data, total: page.total }),
      query,
      offset,
      limit,
    );
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
      throw this.unexpected(request, response, upstreamErrorMessage(response.body));
    if (!response.raw.subarray(0, 5).equals(Buffer.from("%PDF-"))) {
      throw this.unexpected(request, response, "the body is not a PDF document");
    }
    const disposition = response.headers["content-disposition"] ?? "";
    const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${id}.pdf`;
    return { bytes: response.raw, fileName };
  }
}
