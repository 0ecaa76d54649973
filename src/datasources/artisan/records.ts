import { z } from "zod";

/**
 * Check-in ARTISAN wire records (upstreams/artisan.md §6). Lists carry fewer fields than the
 * detail endpoints; the detail-only fields are optional here and their absence is meaningful.
 */

const nullableString = z.string().nullable();
const datetime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "expected an ISO 8601 timestamp");
const id = z.number().int().positive();

export const companyRecord = z.object({
  slug: z.string(),
  name: z.string(),
  description: nullableString,
  phone: nullableString,
  mobile: nullableString,
  email: nullableString,
  website: nullableString,
  address: nullableString,
  address2: nullableString,
  zip_code: nullableString,
  city: nullableString,
  country: nullableString,
  opening_hours: z.record(z.string(), z.string()).nullable(),
  locale: z.string(),
  currency: z.string().length(3),
  timezone: z.string(),
  plan: z.enum(["free", "solo", "pro"]).optional(),
});

export const customerRecord = z.object({
  id,
  first_name: z.string(),
  last_name: z.string(),
  full_name: z.string(),
  email: nullableString,
  phone: nullableString,
  mobile: nullableString,
  address: nullableString,
  address2: nullableString,
  zip_code: nullableString,
  city: nullableString,
  country: nullableString,
  notes: nullableString,
  send_sms: z.boolean(),
  is_walk_in: z.boolean(),
  created_at: datetime,
  updated_at: datetime,
});

export const jobStatus = z.enum(["draft", "open", "in_progress", "completed", "cancelled"]);

export const jobRecord = z.object({
  id,
  customer_id: id,
  job_type_id: id.nullable(),
  title: z.string(),
  description: nullableString,
  address: nullableString,
  status: jobStatus,
  created_at: datetime,
  updated_at: datetime,
  // Detail only.
  job_type: z.object({ id, name: z.string() }).nullable().optional(),
  site_visits_count: z.number().int().min(0).optional(),
});

export const siteVisitStatus = z.enum(["scheduled", "completed", "cancelled"]);

export const siteVisitRecord = z.object({
  id,
  job_id: id,
  customer_id: id,
  team_member_id: id.nullable(),
  scheduled_at: datetime,
  duration_minutes: z.number().int().nullable(),
  status: siteVisitStatus,
  notes: nullableString,
  created_at: datetime,
  updated_at: datetime,
  // Detail only.
  team_member: z.object({ id, name: z.string() }).nullable().optional(),
});

export const invoiceLineRecord = z.object({
  id,
  item_id: id.nullable(),
  description: nullableString,
  quantity: z.number(),
  unit_price_with_tax: z.number(),
  discount_percent: z.number(),
  line_total_with_tax: z.number(),
});

export const invoiceRecord = z.object({
  id,
  customer_id: id,
  invoice_number: z.string(),
  paid: z.boolean(),
  total_with_tax: z.number(),
  notes: nullableString,
  created_at: datetime,
  updated_at: datetime,
  // Detail only.
  lines: z.array(invoiceLineRecord).optional(),
});

export const single = <T extends z.ZodType>(record: T) => z.object({ data: record });

export const list = <T extends z.ZodType>(record: T) =>
  z.object({
    data: z.array(record),
    meta: z.object({
      current_page: z.number().int(),
      last_page: z.number().int(),
      per_page: z.number().int(),
      total: z.number().int().min(0),
    }),
  });

export type CompanyRecord = z.infer<typeof companyRecord>;
export type CustomerRecord = z.infer<typeof customerRecord>;
export type JobRecord = z.infer<typeof jobRecord>;
export type SiteVisitRecord = z.infer<typeof siteVisitRecord>;
export type InvoiceRecord = z.infer<typeof invoiceRecord>;
