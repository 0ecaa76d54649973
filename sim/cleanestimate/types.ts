import type { Rng } from "../core/rng.js";

/** Wire records of the CleanEstimate Pro API (cleanestimate.md §7), field order as in the reference. */

export type CleanEstimateLeadStatus = "new" | "contacted" | "quoted" | "won" | "lost";

export interface CleanEstimateLead {
  id: string;
  status: CleanEstimateLeadStatus;
  customer_name: string;
  customer_email: string | null;
  customer_phone: string | null;
  service_address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  service_interest: string[];
  notes: string | null;
  source: string;
  created_at: string;
  updated_at: string;
}

export type CleanEstimateClientStatus = "active" | "inactive";

export interface CleanEstimateClient {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  notes: string | null;
  status: CleanEstimateClientStatus;
  created_at: string;
  updated_at: string;
}

export type CleanEstimateEstimateStatus = "draft" | "sent" | "accepted" | "declined" | "expired";
export type CleanEstimatePropertyType = "residential" | "commercial";
export type CleanEstimateDirtinessLevel = "light" | "medium" | "heavy";
export type CleanEstimateServiceSlug =
  | "house_wash"
  | "roof_wash"
  | "driveway_cleaning"
  | "patio_cleaning"
  | "deck_cleaning"
  | "fence_cleaning";
export type CleanEstimateAddonSlug =
  | "gutter_brightening"
  | "window_rinse"
  | "rust_removal"
  | "oil_stain_treatment";

export interface CleanEstimateService {
  service_slug: CleanEstimateServiceSlug;
  enabled: boolean;
  sqft: number;
  stories: number;
  amount: number;
}

export interface CleanEstimateAddon {
  addon_slug: CleanEstimateAddonSlug;
  quantity: number;
  unit_price: number;
  amount: number;
}

export interface CleanEstimateCustomItem {
  name: string;
  quantity: number;
  unit_price: number;
  amount: number;
}

/**
 * An estimate as stored. The wire form differs in one way only: a `sent` estimate whose
 * `expires_at` ≤ now reads as `expired` (§7.3, evaluated on read); use `estimateView`.
 */
export interface CleanEstimateEstimate {
  id: string;
  status: CleanEstimateEstimateStatus;
  client_id: string | null;
  lead_id: string | null;
  customer_name: string;
  customer_email: string | null;
  customer_phone: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  property_type: CleanEstimatePropertyType | null;
  services: CleanEstimateService[];
  addons: CleanEstimateAddon[];
  custom_items: CleanEstimateCustomItem[];
  dirtiness_level: CleanEstimateDirtinessLevel;
  total: number;
  assigned_rep_id: string | null;
  source: string;
  expires_at: string;
  accepted_at: string | null;
  created_at: string;
  updated_at: string;
}

export type CleanEstimateJobStatus = "scheduled" | "in_progress" | "completed" | "cancelled";

export interface CleanEstimateJob {
  id: string;
  client_id: string;
  estimate_id: string | null;
  status: CleanEstimateJobStatus;
  service_type: string;
  scheduled_date: string;
  scheduled_time_start: string | null;
  scheduled_time_end: string | null;
  customer_name: string;
  service_address: string | null;
  service_city: string | null;
  service_state: string | null;
  service_zip: string | null;
  price: number | null;
  notes: string | null;
  access_notes: string | null;
  special_instructions: string | null;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
}

export type CleanEstimateInvoiceStatus = "draft" | "sent" | "paid" | "overdue" | "void";

export interface CleanEstimateLineItem {
  description: string;
  quantity: number;
  unit_price: number;
  amount: number;
}

/**
 * An invoice as stored. On the wire a `sent` invoice past its `due_date` (UTC date) and not fully
 * paid reads as `overdue` (time-driven, no webhook); use `invoiceView`.
 */
export interface CleanEstimateInvoice {
  id: string;
  invoice_number: string;
  client_id: string;
  job_id: string | null;
  status: CleanEstimateInvoiceStatus;
  line_items: CleanEstimateLineItem[];
  subtotal: number;
  tax: number;
  total: number;
  amount_paid: number;
  issue_date: string;
  due_date: string;
  sent_at: string | null;
  paid_at: string | null;
  created_at: string;
  updated_at: string;
}

export type CleanEstimateEventType =
  | "lead.created"
  | "lead.updated"
  | "client.created"
  | "client.updated"
  | "estimate.created"
  | "estimate.updated"
  | "estimate.accepted"
  | "job.created"
  | "job.updated"
  | "job.completed"
  | "invoice.created"
  | "invoice.paid";

/** A webhook endpoint on the wire (§7.7); `secret` only in the POST response. */
export interface CleanEstimateWebhookEndpoint {
  id: string;
  name: string;
  url: string;
  events: CleanEstimateEventType[];
  secret?: string;
  created_at: string;
}

/** A registered endpoint as stored: the secret is kept for signing deliveries. */
export interface CleanEstimateWebhookRecord {
  id: string;
  name: string;
  url: string;
  events: CleanEstimateEventType[];
  secret: string;
  created_at: string;
}

/**
 * A webhook event as recorded (§9): `type`, `timestamp` and `data` are the body of its deliveries;
 * `id` identifies the event in the simulator only (each delivery gets its own `webhook-id`).
 */
export interface CleanEstimateEvent {
  id: string;
  type: CleanEstimateEventType;
  timestamp: string;
  data: unknown;
}

export type CleanEstimateMode = "live" | "test";

export interface CleanEstimateApiKey {
  /** `ce_live_` or `ce_test_` + 8 `[a-z0-9]` + `_` + 24 `[a-z0-9]`; the prefix picks the mode. */
  key: string;
}

export interface CleanEstimateSize {
  leads?: number;
  clients?: number;
  estimates?: number;
  jobs?: number;
  invoices?: number;
}

export interface CleanEstimateAccountSpec {
  id: string;
  seed: number;
  apiKeys: CleanEstimateApiKey[];
  /** Live data set size (default: 200 leads, 250 clients, 600 estimates, 500 jobs, 400 invoices). */
  size?: CleanEstimateSize;
  /** Test data set size (default: a tenth of the live defaults). */
  testSize?: CleanEstimateSize;
}

export interface IdempotencyEntry {
  fingerprint: string;
  status: number;
  body: unknown;
  expiresAtMs: number;
}

/** One mode's records (§1: test keys read and write a separate data set). */
export interface CleanEstimateDataSet {
  mode: CleanEstimateMode;
  leads: Map<string, CleanEstimateLead>;
  clients: Map<string, CleanEstimateClient>;
  estimates: Map<string, CleanEstimateEstimate>;
  jobs: Map<string, CleanEstimateJob>;
  invoices: Map<string, CleanEstimateInvoice>;
  /** Sequence for the next `INV-` number. */
  nextInvoiceNumber: number;
  /** Stored 2xx answers by `Idempotency-Key` (§4), scoped to account and mode. */
  idempotency: Map<string, IdempotencyEntry>;
}

/** One tenant's live state. Maps keep insertion order; lists sort on read. */
export interface CleanEstimateAccount {
  id: string;
  seed: number;
  apiKeys: CleanEstimateApiKey[];
  live: CleanEstimateDataSet;
  test: CleanEstimateDataSet;
  /** Registered webhook endpoints (live keys only, §2). */
  webhooks: Map<string, CleanEstimateWebhookRecord>;
  /** Every webhook event of live data, in order. Test-mode writes emit none (§1, §9). */
  events: CleanEstimateEvent[];
  /** IDs and secrets of records created at run time; seeded from the account so runs repeat. */
  idRng: Rng;
}
