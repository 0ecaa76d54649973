/**
 * Wire records of the Check-in ARTISAN API, in the reference's field order (artisan.md §6), and the
 * simulator's per-company state. State maps hold the list-format record itself, so a list page is a
 * copy of map values and tests can compare state with responses directly.
 */

export type ArtisanLocale = "en" | "fr";
export type ArtisanPlan = "free" | "solo" | "pro";
export type ArtisanJobStatus = "draft" | "open" | "in_progress" | "completed" | "cancelled";
export type ArtisanSiteVisitStatus = "scheduled" | "completed" | "cancelled";

export const JOB_STATUSES: readonly ArtisanJobStatus[] = [
  "draft",
  "open",
  "in_progress",
  "completed",
  "cancelled",
];
export const SITE_VISIT_STATUSES: readonly ArtisanSiteVisitStatus[] = ["scheduled", "completed", "cancelled"];

export type ArtisanWeekday =
  | "monday"
  | "tuesday"
  | "wednesday"
  | "thursday"
  | "friday"
  | "saturday"
  | "sunday";

/** Public company profile (`GET /api/v1/companies/{slug}`). */
export interface ArtisanCompany {
  slug: string;
  name: string;
  description: string | null;
  phone: string | null;
  mobile: string | null;
  email: string | null;
  website: string | null;
  address: string | null;
  address2: string | null;
  zip_code: string | null;
  city: string | null;
  country: string | null;
  /** A missing day is closed. */
  opening_hours: Partial<Record<ArtisanWeekday, string>> | null;
  social: {
    facebook: string | null;
    instagram: string | null;
    twitter: string | null;
    youtube: string | null;
  };
  locale: ArtisanLocale;
  currency: string;
  timezone: string;
}

/** `GET /api/v1/company`: the public profile plus the billing plan. */
export interface ArtisanCompanyWithPlan extends ArtisanCompany {
  plan: ArtisanPlan;
}

export interface ArtisanCustomer {
  id: number;
  first_name: string;
  last_name: string;
  full_name: string;
  email: string | null;
  phone: string | null;
  mobile: string | null;
  address: string | null;
  address2: string | null;
  zip_code: string | null;
  city: string | null;
  country: string | null;
  notes: string | null;
  send_sms: boolean;
  is_walk_in: boolean;
  created_at: string;
  updated_at: string;
}

export interface ArtisanCustomerDetail extends ArtisanCustomer {
  jobs: Array<{ id: number; title: string }>;
}

export interface ArtisanJob {
  id: number;
  customer_id: number;
  job_type_id: number | null;
  title: string;
  description: string | null;
  address: string | null;
  status: ArtisanJobStatus;
  created_at: string;
  updated_at: string;
}

export interface ArtisanJobDetail extends ArtisanJob {
  customer: { id: number; full_name: string };
  job_type: { id: number; name: string } | null;
  site_visits_count: number;
}

export interface ArtisanSiteVisit {
  id: number;
  job_id: number;
  customer_id: number;
  team_member_id: number | null;
  scheduled_at: string;
  duration_minutes: number | null;
  status: ArtisanSiteVisitStatus;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

export interface ArtisanSiteVisitDetail extends ArtisanSiteVisit {
  job: { id: number; title: string };
  customer: { id: number; full_name: string };
  team_member: { id: number; name: string } | null;
}

export interface ArtisanInvoice {
  id: number;
  invoice_number: string;
  customer_id: number;
  paid: boolean;
  total_with_tax: number;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

export interface ArtisanInvoiceLine {
  id: number;
  item_id: number | null;
  description: string | null;
  quantity: number;
  unit_price_with_tax: number;
  discount_percent: number;
  line_total_with_tax: number;
}

export interface ArtisanInvoiceDetail extends ArtisanInvoice {
  customer: { id: number; full_name: string; email: string | null };
  lines: ArtisanInvoiceLine[];
}

export interface ArtisanJobType {
  id: number;
  /** In the company locale. */
  name: string;
}

export interface ArtisanTeamMember {
  id: number;
  name: string;
}

/** Catalog item referenced by `lines[].item_id` (no endpoint). */
export interface ArtisanCatalogItem {
  id: number;
  name: string;
  price_with_tax: number;
}

export interface ArtisanCompanySpec {
  slug: string;
  name: string;
  seed: number;
  tokens: string[];
  /** IANA zone; default `Europe/Paris`. */
  timezone?: string;
  /** ISO 4217; default `EUR`. */
  currency?: string;
  /** Default `fr`. */
  locale?: ArtisanLocale;
  /** Default `pro`. */
  plan?: ArtisanPlan;
  size?: { customers?: number; jobs?: number; siteVisits?: number; invoices?: number };
}

/** Live state of one company; every map is in ascending id order (insertion order). */
export interface ArtisanCompanyState {
  spec: ArtisanCompanySpec;
  profile: ArtisanCompanyWithPlan;
  customers: Map<number, ArtisanCustomer>;
  jobs: Map<number, ArtisanJob>;
  siteVisits: Map<number, ArtisanSiteVisit>;
  invoices: Map<number, ArtisanInvoice>;
  /** Lines of each invoice, by invoice id. */
  invoiceLines: Map<number, ArtisanInvoiceLine[]>;
  jobTypes: Map<number, ArtisanJobType>;
  teamMembers: Map<number, ArtisanTeamMember>;
  items: Map<number, ArtisanCatalogItem>;
  /** Next value of the per-company invoice number sequence (never reset). */
  nextInvoiceSequence: number;
}

/** One id sequence per resource for the whole simulator, like auto-increment columns of one database. */
export interface ArtisanIdSequences {
  customer: number;
  job: number;
  siteVisit: number;
  invoice: number;
  invoiceLine: number;
  jobType: number;
  teamMember: number;
  item: number;
}

export type ArtisanIdKind = keyof ArtisanIdSequences;

export function nextId(ids: ArtisanIdSequences, kind: ArtisanIdKind): number {
  ids[kind] += 1;
  return ids[kind];
}
