import type { z } from "zod";
import type { UpstreamRequest, UpstreamResponse } from "../http.js";
import type { NumberedListPage, StreamPage } from "../paging.js";
import { ResponseSchema, RestClient, upstreamErrorMessage } from "../rest.js";
import {
  type ClientRecord,
  clientRecord,
  errorBody,
  type InvoiceRecord,
  type InvoiceSummary,
  invoiceRecord,
  invoiceSummary,
  list,
  single,
} from "./records.js";

/**
 * CleverInvo REST client (upstreams/cleverinvo.md): Bearer key, page/limit pagination (≤ 100),
 * `{data}` / `{data, total, page, limit, totalPages}` envelopes, `{"error"}` bodies, the invoice
 * PDF as bytes, and the client and invoice writes of §7.
 */

export const CLEVERINVO_MAX_PAGE = 100;

const listOf = <T>(route: string, record: z.ZodType<T>) => ({
  route,
  answer: new ResponseSchema(list(record)),
  sizeParam: "limit",
  maxPerPage: CLEVERINVO_MAX_PAGE,
});

/** The read endpoints' answers, each built once: it keeps its parses of cached responses. */
const ANSWERS = {
  client: new ResponseSchema(single(clientRecord)),
  invoice: new ResponseSchema(single(invoiceRecord)),
};

const LISTS = {
  clients: listOf("/clients", clientRecord),
  invoices: listOf("/invoices", invoiceRecord),
};

export type ClientQuery = { search?: string };
export type InvoiceQuery = { search?: string; clientId?: string; status?: string };

/** `POST /clients`, `PUT /clients/:id` (§7): omitted = unchanged, `null` clears. */
export interface ClientBody {
  name?: string;
  email?: string | null;
  address?: string | null;
  taxId?: string | null;
  phone?: string | null;
  notes?: string | null;
  /** PUT only: `true` reactivates a soft-deleted client. */
  isActive?: boolean;
}

export interface LineItemBody {
  description: string;
  quantity: number;
  unitPrice: number;
  taxRate?: number;
}

/** `POST /invoices`, `PUT /invoices/:id` (§7); on PUT `lineItems` replaces the whole list. */
export interface InvoiceBody {
  clientId?: string;
  invoiceNumber?: string;
  currency?: string;
  issueDate?: string;
  dueDate?: string;
  lineItems?: LineItemBody[];
  notes?: string | null;
  terms?: string | null;
}

/**
 * A write CleverInvo refused (400, 403 or 404) with its `{"error"}` text. The write layer turns it
 * into the gateway's error: only it knows which input field or record the request was about.
 */
export class CleverInvoRejection extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(`CleverInvo answered HTTP ${status}: ${error}`);
    this.name = "CleverInvoRejection";
  }
}

export interface InvoicePdf {
  bytes: Buffer;
  fileName: string;
}

export class CleverInvoClient extends RestClient {
  getClient(id: string): Promise<ClientRecord | null> {
    return this.getOne("/clients/:id", `/clients/${encodeURIComponent(id)}`, ANSWERS.client);
  }

  getInvoice(id: string): Promise<InvoiceRecord | null> {
    return this.getOne("/invoices/:id", `/invoices/${encodeURIComponent(id)}`, ANSWERS.invoice);
  }

  listClients(query: ClientQuery, offset: number, limit: number): Promise<StreamPage<ClientRecord>> {
    return this.pageNumberWindow(
      LISTS.clients,
      (page) => ({ records: page.data, total: page.total }),
      query,
      offset,
      limit,
    );
  }

  listInvoices(query: InvoiceQuery, offset: number, limit: number): Promise<StreamPage<InvoiceRecord>> {
    return this.pageNumberWindow(
      LISTS.invoices,
      (page) => ({ records: page.data, total: page.total }),
      query,
      offset,
      limit,
    );
  }

  /** Page `page` of every active client, at the largest page size, from the upstream (change feeds). */
  clientsPage(page: number): Promise<NumberedListPage<ClientRecord>> {
    return this.freshPage(LISTS.clients, page);
  }

  invoicesPage(page: number): Promise<NumberedListPage<InvoiceRecord>> {
    return this.freshPage(LISTS.invoices, page);
  }

  /** `totalPages` is 0 for an empty list. */
  private freshPage<T>(list: ReturnType<typeof listOf<T>>, page: number): Promise<NumberedListPage<T>> {
    return this.freshNumberedPage(
      list,
      (body) => ({ records: body.data, total: body.total, lastPage: body.totalPages }),
      page,
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

  createClient(body: ClientBody): Promise<ClientRecord> {
    return this.writeRecord({ method: "POST", path: "/clients", route: "/clients", body }, 201, clientRecord);
  }

  /** A partial PUT sets the same fields however often it is sent, so it may be retried. */
  updateClient(id: string, body: ClientBody): Promise<ClientRecord> {
    const request: UpstreamRequest = {
      method: "PUT",
      path: `/clients/${encodeURIComponent(id)}`,
      route: "/clients/:id",
      body,
      effect: "idempotent-write",
    };
    return this.writeRecord(request, 200, clientRecord);
  }

  /** Soft delete: the client stays readable by id, inactive. */
  deleteClient(id: string): Promise<void> {
    return this.writeNoContent({
      method: "DELETE",
      path: `/clients/${encodeURIComponent(id)}`,
      route: "/clients/:id",
    });
  }

  createInvoice(body: InvoiceBody): Promise<InvoiceSummary> {
    return this.writeRecord(
      { method: "POST", path: "/invoices", route: "/invoices", body },
      201,
      invoiceSummary,
    );
  }

  /** DRAFT invoices only; `lineItems`, when sent, replaces the list. Retried like `updateClient`. */
  updateInvoice(id: string, body: InvoiceBody): Promise<InvoiceSummary> {
    const request: UpstreamRequest = {
      method: "PUT",
      path: `/invoices/${encodeURIComponent(id)}`,
      route: "/invoices/:id",
      body,
      effect: "idempotent-write",
    };
    return this.writeRecord(request, 200, invoiceSummary);
  }

  /** Permanent, whatever the status; the PDF goes too. */
  deleteInvoice(id: string): Promise<void> {
    return this.writeNoContent({
      method: "DELETE",
      path: `/invoices/${encodeURIComponent(id)}`,
      route: "/invoices/:id",
    });
  }

  private async writeRecord<T>(request: UpstreamRequest, success: number, schema: z.ZodType<T>): Promise<T> {
    const response = await this.write(request, success);
    return this.parse(single(schema), response.body, request).data;
  }

  private async writeNoContent(request: UpstreamRequest): Promise<void> {
    await this.write(request, 204);
  }

  private async write(request: UpstreamRequest, success: number): Promise<UpstreamResponse> {
    const response = await this.send(request);
    if (response.status === success) return response;
    const refusal = errorBody.safeParse(response.body);
    if (refusal.success && [400, 403, 404].includes(response.status)) {
      throw new CleverInvoRejection(response.status, refusal.data.error);
    }
    throw this.unexpected(request, response, upstreamErrorMessage(response.body));
  }
}
