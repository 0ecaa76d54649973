import type { SimResponse } from "../core/server.js";
import type { Handler } from "./http.js";
import type { CleanItAllInvoiceStatus, CleanItAllJobStatus } from "./types.js";
import { ApiError, IS_INVALID, notFound, oneOf, type ValidationDetail } from "./validation.js";
import { isValidDate } from "./values.js";

/** The list and by-id endpoints (§5, §7). */

export const JOB_STATUSES: readonly CleanItAllJobStatus[] = [
  "pending",
  "in_progress",
  "completed",
  "cancelled",
];
export const INVOICE_STATUSES: readonly CleanItAllInvoiceStatus[] = [
  "draft",
  "pending",
  "paid",
  "overdue",
  "cancelled",
];

/**
 * Query parameters of a list endpoint. An empty value (`?status=`) counts as absent, the way
 * truthiness-based filters treat it; unknown parameters are ignored (README §7).
 */
class Query {
  readonly details: ValidationDetail[] = [];

  constructor(private readonly params: URLSearchParams) {}

  text(name: string): string | undefined {
    const value = this.params.get(name);
    return value === null || value === "" ? undefined : value;
  }

  enumValue<T extends string>(name: string, values: readonly T[]): T | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if ((values as readonly string[]).includes(value)) return value as T;
    this.details.push({ field: name, message: oneOf(values) });
    return undefined;
  }

  date(name: string): string | undefined {
    const value = this.text(name);
    if (value === undefined || isValidDate(value)) return value;
    this.details.push({ field: name, message: IS_INVALID });
    return undefined;
  }

  /** `limit` 1–100 (default 50) and `offset` ≥ 0 (default 0), as decimal integers. */
  page(): { limit: number; offset: number } {
    const limitText = this.text("limit");
    const offsetText = this.text("offset");
    let limit = 50;
    let offset = 0;
    if (limitText !== undefined) {
      limit = /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
      if (!(limit >= 1 && limit <= 100)) this.details.push({ field: "limit", message: IS_INVALID });
    }
    if (offsetText !== undefined) {
      offset = /^\d+$/.test(offsetText) ? Number(offsetText) : Number.NaN;
      if (!Number.isSafeInteger(offset)) this.details.push({ field: "offset", message: IS_INVALID });
    }
    return { limit, offset };
  }

  throwIfFailed(): void {
    if (this.details.length > 0)
      throw new ApiError(400, "validation_error", "Validation failed", this.details);
  }
}

/** §5: `created_at` descending, then `id` descending. */
function newestFirst(a: { id: string; created_at: string }, b: { id: string; created_at: string }): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function list<T extends { id: string; created_at: string }>(
  records: Iterable<T>,
  matches: (record: T) => boolean,
  page: { limit: number; offset: number },
): SimResponse {
  const matching: T[] = [];
  for (const record of records) if (matches(record)) matching.push(record);
  matching.sort(newestFirst);
  return {
    status: 200,
    body: {
      data: matching.slice(page.offset, page.offset + page.limit),
      meta: { total: matching.length, limit: page.limit, offset: page.offset },
    },
  };
}

export const listJobs: Handler = ({ req, account }) => {
  const query = new Query(req.query);
  const status = query.enumValue("status", JOB_STATUSES);
  const customerId = query.text("customer_id");
  const assignedTo = query.text("assigned_to");
  const scheduledDate = query.date("scheduled_date");
  const page = query.page();
  query.throwIfFailed();
  return list(
    account.jobs.values(),
    (job) =>
      (status === undefined || job.status === status) &&
      (customerId === undefined || job.customer_id === customerId) &&
      (assignedTo === undefined || job.assigned_to === assignedTo) &&
      (scheduledDate === undefined || job.scheduled_date === scheduledDate),
    page,
  );
};

export const getJob: Handler = ({ req, account }) => {
  const job = account.jobs.get(req.params.id ?? "");
  if (!job) throw notFound("Job");
  return { status: 200, body: { data: job } };
};

export const listCustomers: Handler = ({ req, account }) => {
  const query = new Query(req.query);
  const search = query.text("search")?.toLowerCase();
  const page = query.page();
  query.throwIfFailed();
  const contains = (value: string | null) => value?.toLowerCase().includes(search ?? "") === true;
  return list(
    account.customers.values(),
    (customer) =>
      search === undefined || contains(customer.name) || contains(customer.email) || contains(customer.phone),
    page,
  );
};

export const getCustomer: Handler = ({ req, account }) => {
  const customer = account.customers.get(req.params.id ?? "");
  if (!customer) throw notFound("Customer");
  return { status: 200, body: { data: customer } };
};

export const listInvoices: Handler = ({ req, account }) => {
  const query = new Query(req.query);
  const status = query.enumValue("status", INVOICE_STATUSES);
  const customerId = query.text("customer_id");
  const fromDate = query.date("from_date");
  const toDate = query.date("to_date");
  const page = query.page();
  query.throwIfFailed();
  return list(
    account.invoices.values(),
    (invoice) =>
      (status === undefined || invoice.status === status) &&
      (customerId === undefined || invoice.customer_id === customerId) &&
      (fromDate === undefined || invoice.issue_date >= fromDate) &&
      (toDate === undefined || invoice.issue_date <= toDate),
    page,
  );
};

export const getInvoice: Handler = ({ req, account }) => {
  const invoice = account.invoices.get(req.params.id ?? "");
  if (!invoice) throw notFound("Invoice");
  return { status: 200, body: { data: invoice } };
};

export const listPayments: Handler = ({ req, account }) => {
  const query = new Query(req.query);
  const customerId = query.text("customer_id");
  const invoiceId = query.text("invoice_id");
  const fromDate = query.date("from_date");
  const toDate = query.date("to_date");
  const page = query.page();
  query.throwIfFailed();
  return list(
    account.payments.values(),
    (payment) =>
      (customerId === undefined || payment.customer_id === customerId) &&
      (invoiceId === undefined || payment.invoice_id === invoiceId) &&
      // paid_at is UTC already, so its first 10 characters are its UTC date.
      (fromDate === undefined || payment.paid_at.slice(0, 10) >= fromDate) &&
      (toDate === undefined || payment.paid_at.slice(0, 10) <= toDate),
    page,
  );
};
