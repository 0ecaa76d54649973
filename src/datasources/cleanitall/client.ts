import { z } from "zod";
import type { UpstreamRequest, UpstreamResponse } from "../http.js";
import type { StreamPage } from "../paging.js";
import { ResponseSchema, RestClient, upstreamErrorMessage } from "../rest.js";
import {
  type AddressRecord,
  type CustomerRecord,
  customerRecord,
  type InvoiceRecord,
  invoiceRecord,
  type JobRecord,
  jobRecord,
  list,
  type PaymentRecord,
  type paymentMethod,
  paymentRecord,
  single,
} from "./records.js";

/**
 * CleanItAll REST client (upstreams/cleanitall.md): `X-API-Key` auth, offset pagination
 * (`limit` ≤ 100), `{data}` / `{data, meta}` envelopes, 404 for unknown or malformed ids.
 */

export const CLEANITALL_MAX_PAGE = 100;

export type JobQuery = {
  status?: string;
  customer_id?: string;
  assigned_to?: string;
  scheduled_date?: string;
};
export type CustomerQuery = { search?: string };
export type InvoiceQuery = { status?: string; customer_id?: string; from_date?: string; to_date?: string };
export type PaymentQuery = {
  customer_id?: string;
  invoice_id?: string;
  from_date?: string;
  to_date?: string;
};

/** Write bodies (§7). An `undefined` field is left out of the JSON: the upstream keeps or defaults it. */

type WritableJobStatus = "pending" | "in_progress" | "cancelled";
export type PaymentMethodValue = z.infer<typeof paymentMethod>;

export interface CustomerBody {
  name?: string;
  email?: string | null;
  phone?: string | null;
  address?: AddressRecord | null;
  notes?: string | null;
}

export interface JobBody {
  customer_id?: string;
  title?: string;
  scheduled_date?: string;
  description?: string | null;
  service_type?: string | null;
  scheduled_time?: string | null;
  duration_minutes?: number | null;
  assigned_to?: string | null;
  address?: AddressRecord | null;
  price?: number | null;
  notes?: string | null;
  status?: WritableJobStatus;
}

export interface CompleteJobBody {
  completed_at?: string;
  completion_notes?: string | null;
}

/** `customer_id`, `line_items` and each item's `description` are required; checked before sending. */
export interface InvoiceBody {
  customer_id?: string;
  job_id?: string | null;
  line_items: Array<{ description?: string; quantity: number; unit_price: number }>;
  tax?: number;
  currency?: string;
  issue_date?: string;
  due_date?: string;
}

export interface MarkPaidBody {
  paid_at?: string;
  payment_method?: PaymentMethodValue;
  amount?: number;
  reference?: string;
}

export interface PaymentBody {
  invoice_id: string;
  amount: number;
  method?: PaymentMethodValue;
  paid_at?: string;
  reference?: string | null;
  notes?: string | null;
}

const errorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});

const deletedRecord = z.object({ id: z.string(), deleted: z.literal(true) });

/** The read endpoints' answers (§6), each built once: it keeps its parses of cached responses. */
const ANSWERS = {
  customer: new ResponseSchema(single(customerRecord)),
  job: new ResponseSchema(single(jobRecord)),
  invoice: new ResponseSchema(single(invoiceRecord)),
  customers: new ResponseSchema(list(customerRecord)),
  jobs: new ResponseSchema(list(jobRecord)),
  invoices: new ResponseSchema(list(invoiceRecord)),
  payments: new ResponseSchema(list(paymentRecord)),
};

type ListAnswer<T> = ResponseSchema<{ data: T[]; meta: { total: number; limit: number; offset: number } }>;

/**
 * A CleanItAll error answer to a write (§4), kept in the upstream's terms: what it means for the
 * client (which input field, which record) is decided by the caller, which knows the operation.
 */
export class CleanItAllRejection extends Error {
  constructor(
    readonly request: UpstreamRequest,
    readonly status: number,
    /** `validation_error`, `invalid_state`...; null when the body is not the documented envelope. */
    readonly code: string | null,
    message: string,
    readonly details: ReadonlyArray<{ field: string; message: string }>,
  ) {
    super(message);
    this.name = "CleanItAllRejection";
  }
}

export class CleanItAllClient extends RestClient {
  getCustomer(id: string): Promise<CustomerRecord | null> {
    return this.getOne("/customers/:id", `/customers/${encodeURIComponent(id)}`, ANSWERS.customer);
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.getOne("/jobs/:id", `/jobs/${encodeURIComponent(id)}`, ANSWERS.job);
  }

  getInvoice(id: string): Promise<InvoiceRecord | null> {
    return this.getOne("/invoices/:id", `/invoices/${encodeURIComponent(id)}`, ANSWERS.invoice);
  }

  listCustomers(query: CustomerQuery, offset: number, limit: number): Promise<StreamPage<CustomerRecord>> {
    return this.listWindow("/customers", ANSWERS.customers, query, offset, limit);
  }

  listJobs(query: JobQuery, offset: number, limit: number): Promise<StreamPage<JobRecord>> {
    return this.listWindow("/jobs", ANSWERS.jobs, query, offset, limit);
  }

  listInvoices(query: InvoiceQuery, offset: number, limit: number): Promise<StreamPage<InvoiceRecord>> {
    return this.listWindow("/invoices", ANSWERS.invoices, query, offset, limit);
  }

  listPayments(query: PaymentQuery, offset: number, limit: number): Promise<StreamPage<PaymentRecord>> {
    return this.listWindow("/payments", ANSWERS.payments, query, offset, limit);
  }

  createCustomer(body: CustomerBody): Promise<CustomerRecord> {
    return this.write({ method: "POST", path: "/customers", route: "/customers", body }, customerRecord);
  }

  updateCustomer(id: string, body: CustomerBody): Promise<CustomerRecord> {
    const path = `/customers/${encodeURIComponent(id)}`;
    return this.write({ method: "PATCH", path, route: "/customers/:id", body }, customerRecord);
  }

  createJob(body: JobBody): Promise<JobRecord> {
    return this.write({ method: "POST", path: "/jobs", route: "/jobs", body }, jobRecord);
  }

  updateJob(id: string, body: JobBody): Promise<JobRecord> {
    return this.write(
      { method: "PATCH", path: `/jobs/${encodeURIComponent(id)}`, route: "/jobs/:id", body },
      jobRecord,
    );
  }

  completeJob(id: string, body: CompleteJobBody): Promise<JobRecord> {
    const path = `/jobs/${encodeURIComponent(id)}/complete`;
    return this.write({ method: "POST", path, route: "/jobs/:id/complete", body }, jobRecord);
  }

  async deleteJob(id: string): Promise<void> {
    const path = `/jobs/${encodeURIComponent(id)}`;
    await this.write({ method: "DELETE", path, route: "/jobs/:id" }, deletedRecord);
  }

  createInvoice(body: InvoiceBody): Promise<InvoiceRecord> {
    return this.write({ method: "POST", path: "/invoices", route: "/invoices", body }, invoiceRecord);
  }

  /** No body: CleanItAll e-mails the invoice as it stands. */
  sendInvoice(id: string): Promise<InvoiceRecord> {
    const path = `/invoices/${encodeURIComponent(id)}/send`;
    return this.write({ method: "POST", path, route: "/invoices/:id/send" }, invoiceRecord);
  }

  markInvoicePaid(id: string, body: MarkPaidBody): Promise<InvoiceRecord> {
    const path = `/invoices/${encodeURIComponent(id)}/mark-paid`;
    return this.write({ method: "POST", path, route: "/invoices/:id/mark-paid", body }, invoiceRecord);
  }

  createPayment(body: PaymentBody): Promise<PaymentRecord> {
    return this.write({ method: "POST", path: "/payments", route: "/payments", body }, paymentRecord);
  }

  /**
   * Sends a write once (CleanItAll has no idempotency keys: a retried POST duplicates) and parses
   * the `{data}` answer; an error answer becomes a CleanItAllRejection.
   */
  private async write<T>(request: UpstreamRequest, schema: z.ZodType<T>): Promise<T> {
    const response = await this.send({ ...request, effect: "write" });
    if (response.status < 200 || response.status >= 300) throw this.rejection(request, response);
    return this.parse(single(schema), response.body, request).data;
  }

  private rejection(request: UpstreamRequest, response: UpstreamResponse): CleanItAllRejection {
    const envelope = errorEnvelope.safeParse(response.body);
    if (!envelope.success)
      return new CleanItAllRejection(request, response.status, null, `HTTP ${response.status}`, []);
    const { code, message, details } = envelope.data.error;
    return new CleanItAllRejection(request, response.status, code, message, details ?? []);
  }

  /**
   * Records at positions [offset, offset + limit). A window wider than one upstream page is split
   * into page-sized requests sent concurrently: offsets are known up front.
   */
  private async listWindow<T>(
    route: string,
    answer: ListAnswer<T>,
    query: Record<string, string | undefined>,
    offset: number,
    limit: number,
  ): Promise<StreamPage<T>> {
    const starts: number[] = [];
    for (let start = offset; start < offset + limit; start += CLEANITALL_MAX_PAGE) starts.push(start);
    const pages = await Promise.all(
      starts.map(async (start) => {
        const request: UpstreamRequest = {
          method: "GET",
          path: route,
          route,
          query: { ...query, limit: Math.min(CLEANITALL_MAX_PAGE, offset + limit - start), offset: start },
        };
        const response = await this.send(request);
        if (response.status !== 200)
          throw this.unexpected(request, response, upstreamErrorMessage(response.body));
        return this.parseResponse(answer, response, request);
      }),
    );
    return {
      records: pages.flatMap((page) => page.data),
      total: pages[0]?.meta.total ?? 0,
    };
  }
}
