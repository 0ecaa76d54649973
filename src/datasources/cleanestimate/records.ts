import { z } from "zod";

/** CleanEstimate Pro wire records (upstreams/cleanestimate.md §7), parsed, never cast. */

const nullableString = z.string().nullable();
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const time = z.string().regex(/^\d{2}:\d{2}(:\d{2})?$/, "expected HH:MM:SS");
export const datetime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "expected an ISO 8601 timestamp");

export const leadRecord = z.object({
  id: z.string(),
  status: z.enum(["new", "contacted", "quoted", "won", "lost"]),
  customer_name: z.string(),
  customer_email: nullableString,
  customer_phone: nullableString,
  service_address: nullableString,
  city: nullableString,
  state: nullableString,
  zip: nullableString,
  service_interest: z.array(z.string()),
  notes: nullableString,
  source: z.string(),
  created_at: datetime,
  updated_at: datetime,
});

export const clientRecord = z.object({
  id: z.string(),
  name: z.string(),
  email: nullableString,
  phone: nullableString,
  address_line1: nullableString,
  address_line2: nullableString,
  city: nullableString,
  state: nullableString,
  zip: nullableString,
  notes: nullableString,
  status: z.enum(["active", "inactive"]),
  created_at: datetime,
  updated_at: datetime,
});

export const estimateRecord = z.object({
  id: z.string(),
  status: z.enum(["draft", "sent", "accepted", "declined", "expired"]),
  client_id: nullableString,
  lead_id: nullableString,
  customer_name: z.string(),
  customer_email: nullableString,
  customer_phone: nullableString,
  address_line1: nullableString,
  address_line2: nullableString,
  city: nullableString,
  state: nullableString,
  zip: nullableString,
  property_type: z.enum(["residential", "commercial"]).nullable(),
  services: z.array(
    z.object({
      service_slug: z.string(),
      enabled: z.boolean(),
      sqft: z.number(),
      stories: z.number().int(),
      amount: z.number(),
    }),
  ),
  addons: z.array(
    z.object({
      addon_slug: z.string(),
      quantity: z.number().int(),
      unit_price: z.number(),
      amount: z.number(),
    }),
  ),
  custom_items: z.array(
    z.object({ name: z.string(), quantity: z.number(), unit_price: z.number(), amount: z.number() }),
  ),
  dirtiness_level: z.enum(["light", "medium", "heavy"]),
  total: z.number(),
  assigned_rep_id: nullableString,
  source: z.string(),
  expires_at: datetime,
  accepted_at: datetime.nullable(),
  created_at: datetime,
  updated_at: datetime,
});

export const jobRecord = z.object({
  id: z.string(),
  client_id: z.string(),
  estimate_id: nullableString,
  status: z.enum(["scheduled", "in_progress", "completed", "cancelled"]),
  service_type: z.string(),
  scheduled_date: date,
  scheduled_time_start: time.nullable(),
  scheduled_time_end: time.nullable(),
  customer_name: z.string(),
  service_address: nullableString,
  service_city: nullableString,
  service_state: nullableString,
  service_zip: nullableString,
  price: z.number().nullable(),
  notes: nullableString,
  access_notes: nullableString,
  special_instructions: nullableString,
  completed_at: datetime.nullable(),
  created_at: datetime,
  updated_at: datetime,
});

export const invoiceRecord = z.object({
  id: z.string(),
  invoice_number: z.string(),
  client_id: z.string(),
  job_id: nullableString,
  status: z.enum(["draft", "sent", "paid", "overdue", "void"]),
  line_items: z.array(
    z.object({ description: z.string(), quantity: z.number(), unit_price: z.number(), amount: z.number() }),
  ),
  subtotal: z.number(),
  tax: z.number(),
  total: z.number(),
  amount_paid: z.number(),
  issue_date: date,
  due_date: date,
  sent_at: datetime.nullable(),
  paid_at: datetime.nullable(),
  created_at: datetime,
  updated_at: datetime,
});

/** A registered webhook endpoint; its `secret` is only ever shown when created. */
export const webhookEndpointRecord = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  created_at: datetime,
});

export const single = <T extends z.ZodType>(record: T) => z.object({ data: record });

export const cursorList = <T extends z.ZodType>(record: T) =>
  z.object({ data: z.array(record), has_more: z.boolean(), next_cursor: z.string().min(1).nullable() });

export type LeadRecord = z.infer<typeof leadRecord>;
export type ClientRecord = z.infer<typeof clientRecord>;
export type EstimateRecord = z.infer<typeof estimateRecord>;
export type JobRecord = z.infer<typeof jobRecord>;
export type InvoiceRecord = z.infer<typeof invoiceRecord>;
export type WebhookEndpointRecord = z.infer<typeof webhookEndpointRecord>;
