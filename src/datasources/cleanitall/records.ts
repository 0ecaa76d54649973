import { z } from "zod";

/** CleanItAll wire records (upstreams/cleanitall.md §6), parsed, never cast. */

const nullableString = z.string().nullable();
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
export const datetime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "expected an ISO 8601 timestamp");

export const addressRecord = z.object({
  line1: nullableString,
  line2: nullableString,
  city: nullableString,
  state: nullableString,
  postal_code: nullableString,
  country: nullableString,
});

export const customerRecord = z.object({
  id: z.string(),
  name: z.string(),
  email: nullableString,
  phone: nullableString,
  address: addressRecord.nullable(),
  notes: nullableString,
  created_at: datetime,
  updated_at: datetime,
});

export const jobStatus = z.enum(["pending", "in_progress", "completed", "cancelled"]);

export const jobRecord = z.object({
  id: z.string(),
  customer_id: z.string(),
  title: z.string(),
  description: nullableString,
  service_type: nullableString,
  status: jobStatus,
  scheduled_date: date,
  scheduled_time: nullableString,
  duration_minutes: z.number().int().nullable(),
  assigned_to: nullableString,
  address: addressRecord.nullable(),
  price: z.number().nullable(),
  notes: nullableString,
  completed_at: datetime.nullable(),
  completion_notes: nullableString,
  created_at: datetime,
  updated_at: datetime,
});

export const lineItemRecord = z.object({
  description: z.string(),
  quantity: z.number(),
  unit_price: z.number(),
  amount: z.number(),
});

export const invoiceStatus = z.enum(["draft", "pending", "paid", "overdue", "cancelled"]);

export const invoiceRecord = z.object({
  id: z.string(),
  number: z.string(),
  customer_id: z.string(),
  job_id: nullableString,
  status: invoiceStatus,
  line_items: z.array(lineItemRecord),
  subtotal: z.number(),
  tax: z.number(),
  total: z.number(),
  amount_paid: z.number(),
  currency: z.string().length(3),
  issue_date: date,
  due_date: date,
  sent_at: datetime.nullable(),
  paid_at: datetime.nullable(),
  created_at: datetime,
  updated_at: datetime,
});

export const paymentMethod = z.enum(["card", "cash", "check", "bank_transfer", "other"]);

export const paymentRecord = z.object({
  id: z.string(),
  invoice_id: z.string(),
  customer_id: z.string(),
  amount: z.number(),
  currency: z.string().length(3),
  method: paymentMethod,
  paid_at: datetime,
  reference: nullableString,
  notes: nullableString,
  created_at: datetime,
});

export const single = <T extends z.ZodType>(record: T) => z.object({ data: record });

export const list = <T extends z.ZodType>(record: T) =>
  z.object({
    data: z.array(record),
    meta: z.object({ total: z.number().int().min(0), limit: z.number().int(), offset: z.number().int() }),
  });

export type CustomerRecord = z.infer<typeof customerRecord>;
export type JobRecord = z.infer<typeof jobRecord>;
export type InvoiceRecord = z.infer<typeof invoiceRecord>;
export type PaymentRecord = z.infer<typeof paymentRecord>;
export type AddressRecord = z.infer<typeof addressRecord>;
