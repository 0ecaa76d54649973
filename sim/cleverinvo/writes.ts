import { isoDateUtc } from "../core/time.js";
import { clientBody, invoiceSummary } from "./format.js";
import type { Handler, RequestContext } from "./http.js";
import { findClient, findInvoice } from "./reads.js";
import { cuid } from "./seed.js";
import type { CleverInvoAccount, CleverInvoClient, CleverInvoInvoiceRecord } from "./types.js";
import {
  ApiError,
  CLIENT_NOT_FOUND,
  FieldReader,
  invalidField,
  parseBody,
  type StringRule,
} from "./validation.js";
import { addDays, computeLines, invoiceTotal, isEmail, isoMillis, type LineInput } from "./values.js";

/** The write endpoints of §7: validation in table order, defaults, computed totals, plan limits. */

const CLIENT_LIMIT = "Client limit reached for your plan";
const INVOICE_LIMIT = "Invoice limit reached for your plan";
const DUPLICATE_NUMBER = "Invoice number already exists";
const DRAFT_ONLY = "Only DRAFT invoices can be modified";

function newId(account: CleverInvoAccount, now: Date): string {
  for (;;) {
    const id = cuid(account.idRng, now.getTime());
    if (!account.clients.has(id) && !account.invoices.has(id)) return id;
  }
}

/** Assigns the fields that were sent (`undefined` = omitted = unchanged). */
function assignDefined<T extends object>(target: T, changes: Partial<T>): void {
  for (const [key, value] of Object.entries(changes)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
}

// ---------------------------------------------------------------------------------------------
// Clients

const optionalText = (max: number): StringRule => ({ nullable: true, max });

/** §7's client table, in order; limits per §6.1. */
function readClientFields(ctx: RequestContext, creating: boolean): Partial<CleverInvoClient> {
  const r = new FieldReader(parseBody(ctx.req.rawBody));
  const fields: Partial<CleverInvoClient> = {
    name: r.string("name", { required: creating, min: 1, max: 255, notBlank: true }) ?? undefined,
    email: r.string("email", { nullable: true, max: 255, check: isEmail }),
    address: r.string("address", optionalText(500)),
    taxId: r.string("taxId", optionalText(100)),
    phone: r.string("phone", optionalText(50)),
    notes: r.string("notes", optionalText(2000)),
  };
  // `isActive` is accepted on PUT only; on POST it is an unknown field and ignored (README §7).
  if (!creating) fields.isActive = r.boolean("isActive");
  return fields;
}

export const createClient: Handler = (ctx) => {
  const { account, now } = ctx;
  const fields = readClientFields(ctx, true);
  const limit = account.plan.clientLimit;
  if (limit !== null) {
    let active = 0;
    for (const client of account.clients.values()) if (client.isActive) active++;
    if (active >= limit) throw new ApiError(403, CLIENT_LIMIT);
  }
  const stamp = isoMillis(now);
  const client: CleverInvoClient = {
    id: newId(account, now),
    name: fields.name ?? "",
    email: fields.email ?? null,
    address: fields.address ?? null,
    taxId: fields.taxId ?? null,
    phone: fields.phone ?? null,
    notes: fields.notes ?? null,
    isActive: true,
    createdAt: stamp,
    updatedAt: stamp,
  };
  account.clients.set(client.id, client);
  return { status: 201, body: { data: clientBody(client) } };
};

/** PUT and its PATCH alias: partial; `null` clears optional fields; `isActive: true` reactivates. */
export const updateClient: Handler = (ctx) => {
  const client = findClient(ctx);
  const fields = readClientFields(ctx, false);
  assignDefined(client, fields);
  client.updatedAt = isoMillis(ctx.now);
  return { status: 200, body: { data: clientBody(client) } };
};

/** Soft delete; an already inactive client answers 204 again, unchanged. */
export const deleteClient: Handler = (ctx) => {
  const client = findClient(ctx);
  if (client.isActive) {
    client.isActive = false;
    client.updatedAt = isoMillis(ctx.now);
  }
  return { status: 204 };
};

// ---------------------------------------------------------------------------------------------
// Invoices

interface InvoiceFields {
  clientId?: string;
  invoiceNumber?: string;
  currency?: string;
  issueDate?: string;
  dueDate?: string;
  lineItems?: LineInput[];
  notes?: string | null;
  terms?: string | null;
}

/**
 * §7's invoice table, in order. `existing` is the invoice a PUT modifies (nothing is required
 * then, and its own number does not count as taken).
 */
function readInvoiceFields(ctx: RequestContext, existing: CleverInvoInvoiceRecord | null): InvoiceFields {
  const { account } = ctx;
  const creating = existing === null;
  const r = new FieldReader(parseBody(ctx.req.rawBody));
  const fields: InvoiceFields = {};

  const clientId = r.string("clientId", { required: creating }) ?? undefined;
  if (clientId !== undefined) {
    if (account.clients.get(clientId)?.isActive !== true) throw new ApiError(404, CLIENT_NOT_FOUND);
    fields.clientId = clientId;
  }

  const invoiceNumber = r.string("invoiceNumber", { min: 1, max: 50, notBlank: true }) ?? undefined;
  if (invoiceNumber !== undefined) {
    for (const other of account.invoices.values()) {
      if (other !== existing && other.invoiceNumber === invoiceNumber)
        throw new ApiError(400, DUPLICATE_NUMBER);
    }
    fields.invoiceNumber = invoiceNumber;
  }

  fields.currency = r.string("currency", { check: (value) => /^[A-Z]{3}$/.test(value) }) ?? undefined;
  fields.issueDate = r.date("issueDate");
  fields.dueDate = r.date("dueDate");
  const issueDate = fields.issueDate ?? existing?.issueDate ?? isoDateUtc(ctx.now);
  const dueDate = fields.dueDate ?? existing?.dueDate;
  if (dueDate !== undefined && dueDate < issueDate) throw invalidField("dueDate");

  const items = r.array("lineItems", { required: creating, min: 1, max: 100 });
  if (items !== undefined) {
    fields.lineItems = items.map((item, index) => {
      const line = r.nested(item, `lineItems[${index}]`);
      const description = line.string("description", { required: true, min: 1, max: 500, notBlank: true });
      const quantity = line.number("quantity", { required: true, above: 0 });
      const unitPrice = line.number("unitPrice", { required: true, min: 0 });
      const taxRate = line.number("taxRate", { min: 0, max: 100 });
      return {
        description: description ?? "",
        quantity: quantity ?? 0,
        unitPrice: unitPrice ?? 0,
        taxRate: taxRate ?? 0,
      };
    });
  }

  fields.notes = r.string("notes", optionalText(2000));
  fields.terms = r.string("terms", optionalText(2000));
  return fields;
}

/** `INV-` + (1 + the highest `INV-<digits>` suffix), at least 4 digits (§7 POST /invoices). */
export function nextInvoiceNumber(account: CleverInvoAccount): string {
  let highest = 0n;
  for (const invoice of account.invoices.values()) {
    const match = /^INV-(\d+)$/.exec(invoice.invoiceNumber);
    if (match?.[1]) {
      const value = BigInt(match[1]);
      if (value > highest) highest = value;
    }
  }
  return `INV-${String(highest + 1n).padStart(4, "0")}`;
}

export const createInvoice: Handler = (ctx) => {
  const { account, now } = ctx;
  const fields = readInvoiceFields(ctx, null);
  const limit = account.plan.monthlyInvoiceLimit;
  if (limit !== null) {
    const month = isoMillis(now).slice(0, 7);
    let created = 0;
    for (const invoice of account.invoices.values()) if (invoice.createdAt.startsWith(month)) created++;
    if (created >= limit) throw new ApiError(403, INVOICE_LIMIT);
  }
  if (fields.clientId === undefined || fields.lineItems === undefined) {
    throw new Error("createInvoice: required fields passed validation without values");
  }
  const issueDate = fields.issueDate ?? isoDateUtc(now);
  const { lineItems, subtotal, taxTotal } = computeLines(fields.lineItems);
  const invoice: CleverInvoInvoiceRecord = {
    id: newId(account, now),
    clientId: fields.clientId,
    invoiceNumber: fields.invoiceNumber ?? nextInvoiceNumber(account),
    currency: fields.currency ?? "USD",
    issueDate,
    dueDate: fields.dueDate ?? addDays(issueDate, 30),
    lineItems,
    subtotal,
    taxTotal,
    discountTotal: 0,
    total: invoiceTotal(subtotal, taxTotal, 0),
    status: "DRAFT",
    notes: fields.notes ?? null,
    terms: fields.terms ?? null,
    sentViaEmail: false,
    sentAt: null,
    paidAt: null,
    createdAt: isoMillis(now),
  };
  account.invoices.set(invoice.id, invoice);
  return { status: 201, body: { data: invoiceSummary(invoice) } };
};

/** PUT and its PATCH alias: `DRAFT` only (checked before the body); totals recomputed. */
export const updateInvoice: Handler = (ctx) => {
  const invoice = findInvoice(ctx);
  if (invoice.status !== "DRAFT") throw new ApiError(400, DRAFT_ONLY);
  const fields = readInvoiceFields(ctx, invoice);
  const { lineItems: lines, ...rest } = fields;
  assignDefined(invoice, rest);
  const { lineItems, subtotal, taxTotal } = computeLines(lines ?? invoice.lineItems);
  invoice.lineItems = lineItems;
  invoice.subtotal = subtotal;
  invoice.taxTotal = taxTotal;
  invoice.total = invoiceTotal(subtotal, taxTotal, invoice.discountTotal);
  return { status: 200, body: { data: invoiceSummary(invoice) } };
};

/** Permanent, whatever the status (the PDF is rendered on demand, so it goes with the record). */
export const deleteInvoice: Handler = (ctx) => {
  const invoice = findInvoice(ctx);
  ctx.account.invoices.delete(invoice.id);
  return { status: 204 };
};
