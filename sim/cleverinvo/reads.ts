import type { SimResponse } from "../core/server.js";
import { clientBody, clientOf, fullInvoice, invoiceListItem } from "./format.js";
import type { Handler, RequestContext } from "./http.js";
import { renderInvoicePdf } from "./pdf.js";
import type {
  CleverInvoClient,
  CleverInvoInvoiceRecord,
  CleverInvoInvoiceStatus,
  CleverInvoList,
} from "./types.js";
import { ApiError, CLIENT_NOT_FOUND, INVOICE_NOT_FOUND, invalidQuery } from "./validation.js";
import { charLength } from "./values.js";

/** The list, by-id and PDF endpoints (§5, §7). */

export const INVOICE_STATUSES: readonly CleverInvoInvoiceStatus[] = [
  "DRAFT",
  "SENT",
  "VIEWED",
  "PAID",
  "PARTIALLY_PAID",
  "OVERDUE",
];

interface ListQuery {
  page: number;
  limit: number;
  search?: string;
  clientId?: string;
  status?: CleverInvoInvoiceStatus;
}

/**
 * §5's parameters, checked in the table's order (`page`, `limit`, `search`, `clientId`, `status`);
 * the first invalid one is reported. An empty value (`?status=`) counts as absent; unknown
 * parameters, and `clientId`/`status` on `/clients`, are ignored (README §7).
 */
function readListQuery(params: URLSearchParams, invoices: boolean): ListQuery {
  const text = (name: string) => {
    const value = params.get(name);
    return value === null || value === "" ? undefined : value;
  };
  const positive = (name: string, max: number) => {
    const value = text(name);
    if (value === undefined) return undefined;
    const parsed = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
    if (!(parsed >= 1 && parsed <= max)) throw invalidQuery(name);
    return parsed;
  };
  const query: ListQuery = {
    page: positive("page", Number.MAX_SAFE_INTEGER) ?? 1,
    limit: positive("limit", 100) ?? 20,
  };
  const search = text("search");
  if (search !== undefined && charLength(search) > 255) throw invalidQuery("search");
  query.search = search;
  if (invoices) {
    query.clientId = text("clientId");
    const status = text("status");
    if (status !== undefined && !(INVOICE_STATUSES as readonly string[]).includes(status)) {
      throw invalidQuery("status");
    }
    query.status = status as CleverInvoInvoiceStatus | undefined;
  }
  return query;
}

/** §5: `createdAt` descending, then `id` descending. */
function newestFirst(a: { id: string; createdAt: string }, b: { id: string; createdAt: string }): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function page<T extends { id: string; createdAt: string }, W>(
  matching: T[],
  query: ListQuery,
  render: (record: T) => W,
): SimResponse {
  matching.sort(newestFirst);
  const start = (query.page - 1) * query.limit;
  const body: CleverInvoList<W> = {
    data: start < matching.length ? matching.slice(start, start + query.limit).map(render) : [],
    total: matching.length,
    page: query.page,
    limit: query.limit,
    totalPages: Math.ceil(matching.length / query.limit),
  };
  return { status: 200, body };
}

const contains = (value: string | null, needle: string) => value?.toLowerCase().includes(needle) === true;

export const listClients: Handler = ({ req, account }) => {
  const query = readListQuery(req.query, false);
  const needle = query.search?.toLowerCase();
  const matching: CleverInvoClient[] = [];
  for (const client of account.clients.values()) {
    if (!client.isActive) continue;
    if (needle !== undefined && !contains(client.name, needle) && !contains(client.email, needle)) continue;
    matching.push(client);
  }
  return page(matching, query, clientBody);
};

export function findClient(ctx: RequestContext): CleverInvoClient {
  const client = ctx.account.clients.get(ctx.req.params.id ?? "");
  if (!client) throw new ApiError(404, CLIENT_NOT_FOUND);
  return client;
}

/** Inactive (soft-deleted) clients are returned too. */
export const getClient: Handler = (ctx) => ({ status: 200, body: { data: clientBody(findClient(ctx)) } });

export const listInvoices: Handler = ({ req, account }) => {
  const query = readListQuery(req.query, true);
  const needle = query.search?.toLowerCase();
  const matching: CleverInvoInvoiceRecord[] = [];
  for (const invoice of account.invoices.values()) {
    if (query.clientId !== undefined && invoice.clientId !== query.clientId) continue;
    if (query.status !== undefined && invoice.status !== query.status) continue;
    if (needle !== undefined) {
      const client = clientOf(account, invoice);
      if (
        !contains(invoice.invoiceNumber, needle) &&
        !contains(client.name, needle) &&
        !contains(client.email, needle)
      ) {
        continue;
      }
    }
    matching.push(invoice);
  }
  return page(matching, query, (invoice) => invoiceListItem(account, invoice));
};

export function findInvoice(ctx: RequestContext): CleverInvoInvoiceRecord {
  const invoice = ctx.account.invoices.get(ctx.req.params.id ?? "");
  if (!invoice) throw new ApiError(404, INVOICE_NOT_FOUND);
  return invoice;
}

export const getInvoice: Handler = (ctx) => ({
  status: 200,
  body: { data: fullInvoice(ctx.account, findInvoice(ctx)) },
});

/** `filename` = `invoiceNumber` + `.pdf`; characters a quoted header value cannot carry become `_`. */
export function pdfFilename(invoiceNumber: string): string {
  return `${invoiceNumber.replace(/[^\x20-\x7e]|["\\]/gu, "_")}.pdf`;
}

export const getInvoicePdf: Handler = (ctx) => {
  const invoice = findInvoice(ctx);
  return {
    status: 200,
    raw: renderInvoicePdf(invoice, clientOf(ctx.account, invoice)),
    contentType: "application/pdf",
    headers: { "content-disposition": `attachment; filename="${pdfFilename(invoice.invoiceNumber)}"` },
  };
};
