import type { SimResponse } from "../core/server.js";
import type { Handler } from "./http.js";
import type {
  CleanEstimateClientStatus,
  CleanEstimateEstimateStatus,
  CleanEstimateInvoiceStatus,
  CleanEstimateJobStatus,
  CleanEstimateLeadStatus,
  CleanEstimateWebhookEndpoint,
  CleanEstimateWebhookRecord,
} from "./types.js";
import { IS_INVALID, invalidRequest, notFound, oneOf, type ValidationDetail } from "./validation.js";
import { estimateStatusAt, estimateView, invoiceStatusAt, invoiceView } from "./views.js";

/** The list (§6) and by-id endpoints. */

export const LEAD_STATUSES: readonly CleanEstimateLeadStatus[] = [
  "new",
  "contacted",
  "quoted",
  "won",
  "lost",
];
export const CLIENT_STATUSES: readonly CleanEstimateClientStatus[] = ["active", "inactive"];
export const ESTIMATE_STATUSES: readonly CleanEstimateEstimateStatus[] = [
  "draft",
  "sent",
  "accepted",
  "declined",
  "expired",
];
export const JOB_STATUSES: readonly CleanEstimateJobStatus[] = [
  "scheduled",
  "in_progress",
  "completed",
  "cancelled",
];
export const INVOICE_STATUSES: readonly CleanEstimateInvoiceStatus[] = [
  "draft",
  "sent",
  "paid",
  "overdue",
  "void",
];

const BASE_SORTS = ["created_at", "updated_at"] as const;
const JOB_SORTS = ["created_at", "updated_at", "scheduled_date"] as const;
const ORDERS = ["asc", "desc"] as const;

type Order = (typeof ORDERS)[number];

interface Listing<T> {
  /** Tag carried in the cursor, so one resource's cursor is invalid on another. */
  resource: string;
  sorts: readonly string[];
  statuses: readonly string[] | null;
  /** The sort key value of a record (ISO strings and dates compare as text). */
  sortValue(record: T, sort: string): string;
  /** The status a filter compares with (the wire status, after read-time rules). */
  statusOf?(record: T): string;
}

interface CursorState {
  r: string;
  s: string;
  o: Order;
  f: string | null;
  /** Sort value and id of the last record of the previous page. */
  v: string;
  i: string;
}

const LIMIT_PATTERN = /^\d{1,3}$/;

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state), "utf8").toString("base64url");
}

function decodeCursor(text: string, listing: Listing<never>): CursorState | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const state = parsed as Partial<Record<keyof CursorState, unknown>>;
  const { r, s, o, f, v, i } = state;
  if (r !== listing.resource || typeof s !== "string" || !listing.sorts.includes(s)) return null;
  if (o !== "asc" && o !== "desc") return null;
  if (f !== null && (typeof f !== "string" || !listing.statuses?.includes(f))) return null;
  if (typeof v !== "string" || typeof i !== "string") return null;
  return { r, s, o, f, v, i };
}

/** §6: `limit`, `sort`, `order`, `status`, `cursor` → `{data, has_more, next_cursor}`. */
function list<T extends { id: string }>(
  query: URLSearchParams,
  records: Iterable<T>,
  listing: Listing<NoInfer<T>>,
  view: (record: NoInfer<T>) => unknown = (record) => record,
): SimResponse {
  const details: ValidationDetail[] = [];
  const param = (name: string) => {
    const value = query.get(name);
    return value === null || value === "" ? undefined : value;
  };

  let limit = 25;
  const limitText = param("limit");
  if (limitText !== undefined) {
    limit = LIMIT_PATTERN.test(limitText) ? Number(limitText) : 0;
    if (limit < 1 || limit > 100) details.push({ field: "limit", message: IS_INVALID });
  }

  let state: { s: string; o: Order; f: string | null; after: { v: string; i: string } | null } = {
    s: "created_at",
    o: "desc",
    f: null,
    after: null,
  };
  const cursorText = param("cursor");
  if (cursorText !== undefined) {
    // With a cursor, sort, order and status come from it; supplied values are ignored.
    const cursor = decodeCursor(cursorText, listing as Listing<never>);
    if (!cursor) details.push({ field: "cursor", message: IS_INVALID });
    else state = { s: cursor.s, o: cursor.o, f: cursor.f, after: { v: cursor.v, i: cursor.i } };
  } else {
    const sort = param("sort");
    if (sort !== undefined) {
      if (listing.sorts.includes(sort)) state.s = sort;
      else details.push({ field: "sort", message: oneOf(listing.sorts) });
    }
    const order = param("order");
    if (order !== undefined) {
      if (order === "asc" || order === "desc") state.o = order;
      else details.push({ field: "order", message: oneOf(ORDERS) });
    }
    const status = param("status");
    // `/webhooks` has no status filter: the parameter is unknown there and ignored.
    if (status !== undefined && listing.statuses) {
      if (listing.statuses.includes(status)) state.f = status;
      else details.push({ field: "status", message: oneOf(listing.statuses) });
    }
  }
  if (details.length > 0) throw invalidRequest(details);

  const { s: sort, o: order, f: status, after } = state;
  const direction = order === "asc" ? 1 : -1;
  const compare = (av: string, ai: string, bv: string, bi: string): number => {
    if (av !== bv) return (av < bv ? -1 : 1) * direction;
    return ai === bi ? 0 : (ai < bi ? -1 : 1) * direction;
  };
  const keyed: Array<{ record: T; value: string }> = [];
  for (const record of records) {
    if (status !== null && listing.statusOf?.(record) !== status) continue;
    const value = listing.sortValue(record, sort);
    if (after && compare(value, record.id, after.v, after.i) <= 0) continue;
    keyed.push({ record, value });
  }
  keyed.sort((a, b) => compare(a.value, a.record.id, b.value, b.record.id));
  const page = keyed.slice(0, limit);
  const hasMore = keyed.length > limit;
  const last = page.at(-1);
  return {
    status: 200,
    body: {
      data: page.map(({ record }) => view(record)),
      has_more: hasMore,
      next_cursor:
        hasMore && last
          ? encodeCursor({
              r: listing.resource,
              s: sort,
              o: order,
              f: status,
              v: last.value,
              i: last.record.id,
            })
          : null,
    },
  };
}

type Timestamped = { created_at: string; updated_at: string };
const byTimestamp = (record: Timestamped, sort: string) =>
  sort === "updated_at" ? record.updated_at : record.created_at;

export const listLeads: Handler = ({ req, data }) =>
  list(req.query, data.leads.values(), {
    resource: "leads",
    sorts: BASE_SORTS,
    statuses: LEAD_STATUSES,
    sortValue: byTimestamp,
    statusOf: (lead) => lead.status,
  });

export const getLead: Handler = ({ req, data }) => {
  const lead = data.leads.get(req.params.id ?? "");
  if (!lead) throw notFound("Lead");
  return { status: 200, body: { data: lead } };
};

export const listClients: Handler = ({ req, data }) =>
  list(req.query, data.clients.values(), {
    resource: "clients",
    sorts: BASE_SORTS,
    statuses: CLIENT_STATUSES,
    sortValue: byTimestamp,
    statusOf: (client) => client.status,
  });

export const getClient: Handler = ({ req, data }) => {
  const client = data.clients.get(req.params.id ?? "");
  if (!client) throw notFound("Client");
  return { status: 200, body: { data: client } };
};

export const listEstimates: Handler = ({ req, data, now }) =>
  list(
    req.query,
    data.estimates.values(),
    {
      resource: "estimates",
      sorts: BASE_SORTS,
      statuses: ESTIMATE_STATUSES,
      sortValue: byTimestamp,
      statusOf: (estimate) => estimateStatusAt(estimate, now),
    },
    (estimate) => estimateView(estimate, now),
  );

export const getEstimate: Handler = ({ req, data, now }) => {
  const estimate = data.estimates.get(req.params.id ?? "");
  if (!estimate) throw notFound("Estimate");
  return { status: 200, body: { data: estimateView(estimate, now) } };
};

export const listJobs: Handler = ({ req, data }) =>
  list(req.query, data.jobs.values(), {
    resource: "jobs",
    sorts: JOB_SORTS,
    statuses: JOB_STATUSES,
    sortValue: (job, sort) => (sort === "scheduled_date" ? job.scheduled_date : byTimestamp(job, sort)),
    statusOf: (job) => job.status,
  });

export const getJob: Handler = ({ req, data }) => {
  const job = data.jobs.get(req.params.id ?? "");
  if (!job) throw notFound("Job");
  return { status: 200, body: { data: job } };
};

export const listInvoices: Handler = ({ req, data, now }) =>
  list(
    req.query,
    data.invoices.values(),
    {
      resource: "invoices",
      sorts: BASE_SORTS,
      statuses: INVOICE_STATUSES,
      sortValue: byTimestamp,
      statusOf: (invoice) => invoiceStatusAt(invoice, now),
    },
    (invoice) => invoiceView(invoice, now),
  );

export const getInvoice: Handler = ({ req, data, now }) => {
  const invoice = data.invoices.get(req.params.id ?? "");
  if (!invoice) throw notFound("Invoice");
  return { status: 200, body: { data: invoiceView(invoice, now) } };
};

/** The wire form of a stored endpoint, without its secret (§7.7). */
export function webhookView(record: CleanEstimateWebhookRecord): CleanEstimateWebhookEndpoint {
  return {
    id: record.id,
    name: record.name,
    url: record.url,
    events: [...record.events],
    created_at: record.created_at,
  };
}

export const listWebhooks: Handler = ({ req, account }) =>
  list(
    req.query,
    account.webhooks.values(),
    {
      resource: "webhooks",
      sorts: BASE_SORTS,
      statuses: null,
      // Endpoints are never updated (no PATCH route): `updated_at` orders as `created_at`.
      sortValue: (record) => record.created_at,
    },
    webhookView,
  );
