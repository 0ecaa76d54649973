import type { Rng } from "../core/rng.js";

/** Wire records of the CleverInvo API (cleverinvo.md §6), field order as in the reference. */

export interface CleverInvoClient {
  id: string;
  name: string;
  email: string | null;
  address: string | null;
  taxId: string | null;
  phone: string | null;
  notes: string | null;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
}

export type CleverInvoInvoiceStatus = "DRAFT" | "SENT" | "VIEWED" | "PAID" | "PARTIALLY_PAID" | "OVERDUE";

export interface CleverInvoLineItem {
  description: string;
  quantity: number;
  unitPrice: number;
  /** round2(quantity × unitPrice). */
  amount: number;
  /** Percent, 0–100. */
  taxRate: number;
}

/** `{name, email}` of the invoice's client, read live from the client record. */
export interface CleverInvoClientRef {
  name: string;
  email: string | null;
}

/** `GET /invoices/:id`: the full invoice (§6.2). */
export interface CleverInvoInvoice {
  id: string;
  clientId: string;
  invoiceNumber: string;
  currency: string;
  issueDate: string;
  dueDate: string;
  lineItems: CleverInvoLineItem[];
  subtotal: number;
  taxTotal: number;
  discountTotal: number;
  total: number;
  status: CleverInvoInvoiceStatus;
  notes: string | null;
  terms: string | null;
  sentViaEmail: boolean;
  sentAt: string | null;
  paidAt: string | null;
  createdAt: string;
  client: CleverInvoClientRef;
}

/** An item of `GET /invoices`: the invoice minus the "In list: no" fields. */
export type CleverInvoInvoiceListItem = Omit<
  CleverInvoInvoice,
  "lineItems" | "notes" | "terms" | "sentViaEmail" | "sentAt" | "paidAt"
>;

/** What `POST /invoices` and `PUT /invoices/:id` answer. */
export interface CleverInvoInvoiceSummary {
  id: string;
  invoiceNumber: string;
  total: number;
  status: CleverInvoInvoiceStatus;
}

/** An invoice as stored: the wire invoice without the embedded `client`, which is read live. */
export type CleverInvoInvoiceRecord = Omit<CleverInvoInvoice, "client">;

/** `{data, total, page, limit, totalPages}` (§5). */
export interface CleverInvoList<T> {
  data: T[];
  total: number;
  page: number;
  limit: number;
  totalPages: number;
}

/**
 * The account's plan (§4, reconstructed: limits are not exposed by the API). `null` = unlimited.
 * Live in `account.plan`, so tests can tighten it between requests.
 */
export interface CleverInvoPlan {
  /** Active clients allowed; checked on `POST /clients`. */
  clientLimit: number | null;
  /** Invoices created in the current UTC calendar month; checked on `POST /invoices`. */
  monthlyInvoiceLimit: number | null;
  /** `false`: every endpoint answers 403 `API access is not available on your plan`. */
  apiAccess: boolean;
}

export interface CleverInvoSize {
  clients: number;
  invoices: number;
}

export interface CleverInvoAccountSpec {
  id: string;
  seed: number;
  /** Full keys, `cinv_` + 32 `[A-Za-z0-9]`; other shapes are never accepted. */
  apiKeys: string[];
  size?: Partial<CleverInvoSize>;
  plan?: Partial<CleverInvoPlan>;
}

export interface CleverInvoAccount {
  id: string;
  seed: number;
  /** Live: removing a key revokes it. */
  apiKeys: string[];
  plan: CleverInvoPlan;
  /** Insertion order = creation order. */
  clients: Map<string, CleverInvoClient>;
  invoices: Map<string, CleverInvoInvoiceRecord>;
  /** The stream run-time IDs are drawn from (separate from the seed stream). */
  idRng: Rng;
}
