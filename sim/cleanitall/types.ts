import type { Rng } from "../core/rng.js";

/** Wire records of the CleanItAll API (cleanitall.md §6), field order as in the reference. */

export interface CleanItAllAddress {
  line1: string | null;
  line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
}

export interface CleanItAllCustomer {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  address: CleanItAllAddress | null;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

export type CleanItAllJobStatus = "pending" | "in_progress" | "completed" | "cancelled";

export interface CleanItAllJob {
  id: string;
  customer_id: string;
  title: string;
  description: string | null;
  service_type: string | null;
  status: CleanItAllJobStatus;
  scheduled_date: string;
  scheduled_time: string | null;
  duration_minutes: number | null;
  assigned_to: string | null;
  address: CleanItAllAddress | null;
  price: number | null;
  notes: string | null;
  completed_at: string | null;
  completion_notes: string | null;
  created_at: string;
  updated_at: string;
}

export interface CleanItAllLineItem {
  description: string;
  quantity: number;
  unit_price: number;
  amount: number;
}

export type CleanItAllInvoiceStatus = "draft" | "pending" | "paid" | "overdue" | "cancelled";

export interface CleanItAllInvoice {
  id: string;
  number: string;
  customer_id: string;
  job_id: string | null;
  status: CleanItAllInvoiceStatus;
  line_items: CleanItAllLineItem[];
  subtotal: number;
  tax: number;
  total: number;
  amount_paid: number;
  currency: string;
  issue_date: string;
  due_date: string;
  sent_at: string | null;
  paid_at: string | null;
  created_at: string;
  updated_at: string;
}

export type CleanItAllPaymentMethod = "card" | "cash" | "check" | "bank_transfer" | "other";

export interface CleanItAllPayment {
  id: string;
  invoice_id: string;
  customer_id: string;
  amount: number;
  currency: string;
  method: CleanItAllPaymentMethod;
  paid_at: string;
  reference: string | null;
  notes: string | null;
  created_at: string;
}

export type CleanItAllScope = "read" | "write" | "delete";

export interface CleanItAllApiKey {
  key: string;
  scopes: CleanItAllScope[];
}

/** A webhook event as the reference's envelope (§8); the exact body of its deliveries. */
export interface CleanItAllEvent {
  id: string;
  event: string;
  created_at: string;
  data: unknown;
}

/** The account's webhook endpoint (§8: one URL and one signing secret, set in the dashboard). */
export interface CleanItAllWebhookEndpoint {
  url: string;
  /** HMAC key as UTF-8 bytes; the dashboard shows 64 lowercase hex characters. */
  secret: string;
}

export interface CleanItAllAccountSpec {
  id: string;
  seed: number;
  apiKeys: CleanItAllApiKey[];
  /** The dashboard's webhook setting; absent or null: no endpoint, events are only recorded. */
  webhook?: CleanItAllWebhookEndpoint | null;
  size?: { customers?: number; jobs?: number; invoices?: number };
}

/** One tenant's live state. Maps keep insertion (creation) order; lists sort on read. */
export interface CleanItAllAccount {
  id: string;
  seed: number;
  apiKeys: CleanItAllApiKey[];
  /** Account default currency (reference: `USD`). */
  currency: string;
  customers: Map<string, CleanItAllCustomer>;
  jobs: Map<string, CleanItAllJob>;
  invoices: Map<string, CleanItAllInvoice>;
  payments: Map<string, CleanItAllPayment>;
  teamMemberIds: string[];
  /** Sequence for the next `INV-` number. */
  nextInvoiceNumber: number;
  /** Where events are delivered; null: nowhere. Change it with `sim.setWebhookEndpoint`. */
  webhook: CleanItAllWebhookEndpoint | null;
  /** Every webhook event emitted by writes and time-driven transitions, in order. */
  events: CleanItAllEvent[];
  /** IDs of records created at run time; seeded from the account so runs repeat. */
  idRng: Rng;
}
