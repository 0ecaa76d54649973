import { z } from "zod";

/** CleverInvo wire records (upstreams/cleverinvo.md §6). List invoices lack the detail-only fields. */

const nullableString = z.string().nullable();
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const datetime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "expected an ISO 8601 timestamp");

export const clientRecord = z.object({
  id: z.string(),
  name: z.string(),
  email: nullableString,
  address: nullableString,
  taxId: nullableString,
  phone: nullableString,
  notes: nullableString,
  isActive: z.boolean(),
  createdAt: datetime,
  updatedAt: datetime,
});

export const invoiceStatus = z.enum(["DRAFT", "SENT", "VIEWED", "PAID", "PARTIALLY_PAID", "OVERDUE"]);

export const lineItemRecord = z.object({
  description: z.string(),
  quantity: z.number(),
  unitPrice: z.number(),
  amount: z.number(),
  taxRate: z.number(),
});

export const invoiceRecord = z.object({
  id: z.string(),
  clientId: z.string(),
  invoiceNumber: z.string(),
  currency: z.string().length(3),
  issueDate: date,
  dueDate: date,
  subtotal: z.number(),
  taxTotal: z.number(),
  discountTotal: z.number(),
  total: z.number(),
  status: invoiceStatus,
  createdAt: datetime,
  client: z.object({ name: z.string(), email: nullableString }),
  // Detail only.
  lineItems: z.array(lineItemRecord).optional(),
  notes: nullableString.optional(),
  terms: nullableString.optional(),
  sentViaEmail: z.boolean().optional(),
  sentAt: datetime.nullable().optional(),
  paidAt: datetime.nullable().optional(),
});

/** What `POST /invoices` and `PUT /invoices/:id` answer (§7): not the invoice, only its headline. */
export const invoiceSummary = z.object({
  id: z.string(),
  invoiceNumber: z.string(),
  total: z.number(),
  status: invoiceStatus,
});

/** Every error answer (§4): one human-readable string, the first failing check. */
export const errorBody = z.object({ error: z.string() });

export const single = <T extends z.ZodType>(record: T) => z.object({ data: record });

export const list = <T extends z.ZodType>(record: T) =>
  z.object({
    data: z.array(record),
    total: z.number().int().min(0),
    page: z.number().int(),
    limit: z.number().int(),
    totalPages: z.number().int(),
  });

export type ClientRecord = z.infer<typeof clientRecord>;
export type InvoiceRecord = z.infer<typeof invoiceRecord>;
export type InvoiceSummary = z.infer<typeof invoiceSummary>;
