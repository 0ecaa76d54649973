import {
  GatewayError,
  InvalidStateError,
  NotFoundError,
  SOURCE_LABELS,
  UpstreamError,
} from "../../errors.js";
import type {
  JobStatus,
  PaymentMethod,
  UnifiedCustomer,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedPayment,
} from "../unified.js";
import {
  calendarDate,
  cents,
  clockTime,
  countryCode,
  currencyCode,
  email,
  fieldMapper,
  greaterThan,
  integer,
  listLength,
  maxLength,
  min,
  notBlank,
  notNull,
  Problems,
  type Rule,
  required,
  upstreamValidationError,
} from "../validation.js";
import type {
  AddressInput,
  CompleteJobInput,
  CustomerInput,
  Deleted,
  InvoiceInput,
  JobInput,
  MarkInvoicePaidInput,
  PaymentInput,
  SourceWrites,
  WriteOperation,
  WriteOptions,
  Written,
} from "../writes.js";
import {
  type CleanItAllClient,
  CleanItAllRejection,
  type CustomerBody,
  type InvoiceBody,
  type JobBody,
  type PaymentMethodValue,
} from "./client.js";
import { toUnifiedCustomer, toUnifiedInvoice, toUnifiedJob, toUnifiedPayment } from "./mappers.js";
import type { AddressRecord } from "./records.js";

/**
 * CleanItAll writes (upstreams/cleanitall.md §7). Inputs are checked against the reference's
 * rules before any request; every write is sent once (CleanItAll has no idempotency keys, so a
 * retried POST would duplicate), and afterwards the tenant's cached reads it can have changed are
 * dropped.
 */

const source = "cleanitall" as const;
const LABEL = SOURCE_LABELS[source];

/** CleanItAll stores these statuses; COMPLETED goes through `/complete`, UNSCHEDULED does not exist. */
const UPSTREAM_JOB_STATUS: Partial<Record<JobStatus, NonNullable<JobBody["status"]>>> = {
  SCHEDULED: "pending",
  IN_PROGRESS: "in_progress",
  CANCELLED: "cancelled",
};

const jobStatus =
  (allowed: readonly JobStatus[]): Rule =>
  (value) => {
    if (value === "COMPLETED") return "cannot be set to COMPLETED here: use the completeJob mutation";
    if (value === "UNSCHEDULED")
      return `UNSCHEDULED is not a ${LABEL} status: every ${LABEL} job has a scheduled date`;
    return typeof value === "string" && !allowed.includes(value as JobStatus)
      ? `must be one of: ${allowed.join(", ")}`
      : null;
  };

const UPSTREAM_PAYMENT_METHOD: Record<PaymentMethod, PaymentMethodValue> = {
  CARD: "card",
  CASH: "cash",
  CHECK: "check",
  BANK_TRANSFER: "bank_transfer",
  OTHER: "other",
};

// ---- Upstream field names -> the client's input paths ----

const ADDRESS_FIELDS = { "address.state": "address.region", "address.postal_code": "address.postalCode" };

const CUSTOMER_FIELDS = fieldMapper(ADDRESS_FIELDS);

const JOB_FIELDS = fieldMapper({
  ...ADDRESS_FIELDS,
  customer_id: "customerId",
  scheduled_date: "scheduledDate",
  service_type: "serviceType",
  scheduled_time: "scheduledTime",
  duration_minutes: "durationMinutes",
  assigned_to: "assigneeId",
});

const COMPLETE_JOB_FIELDS = fieldMapper({
  completed_at: "completedAt",
  completion_notes: "completionNotes",
});

const INVOICE_FIELDS = fieldMapper({
  customer_id: "customerId",
  job_id: "jobId",
  line_items: "lineItems",
  "line_items.*": "lineItems[*]",
  "line_items.*.description": "lineItems[*].description",
  "line_items.*.quantity": "lineItems[*].quantity",
  "line_items.*.unit_price": "lineItems[*].unitPrice",
  issue_date: "issueDate",
  due_date: "dueDate",
});

const MARK_PAID_FIELDS = fieldMapper({ paid_at: "paidAt", payment_method: "method" });

const PAYMENT_FIELDS = fieldMapper({ invoice_id: "invoiceId", paid_at: "paidAt" });

// ---- Input checks (§6, §7) ----

function checkAddress(problems: Problems, address: AddressInput | null | undefined): void {
  if (!address) return;
  problems
    .check("address.line1", address.line1, maxLength(255))
    .check("address.line2", address.line2, maxLength(255))
    .check("address.city", address.city, maxLength(100))
    .check("address.region", address.region, maxLength(100))
    .check("address.postalCode", address.postalCode, maxLength(20))
    .check("address.country", address.country, countryCode);
}

/** On create the field must be given; on update it may be left out, not cleared or emptied. */
function checkKept(
  problems: Problems,
  creating: boolean,
  path: string,
  value: unknown,
  ...rules: Rule[]
): void {
  problems.check(path, value, ...(creating ? [required] : [notNull, notBlank]), ...rules);
}

const CUSTOMER_STORED = ["name", "email", "phone", "address", "notes"] as const;

function checkCustomer(input: CustomerInput, creating: boolean): void {
  const problems = new Problems().onlyFields(input, CUSTOMER_STORED, `${LABEL} customers`);
  checkKept(problems, creating, "name", input.name, maxLength(255));
  problems
    .check("email", input.email, maxLength(255), email)
    .check("phone", input.phone, maxLength(50))
    .check("notes", input.notes, maxLength(5000));
  checkAddress(problems, input.address);
  problems.throwIfAny();
}

const JOB_STORED = [
  "customerId",
  "title",
  "description",
  "serviceType",
  "scheduledDate",
  "scheduledTime",
  "durationMinutes",
  "assigneeId",
  "address",
  "price",
  "notes",
  "status",
] as const;

function checkJob(input: JobInput, creating: boolean): void {
  const problems = new Problems().onlyFields(input, JOB_STORED, `${LABEL} jobs`);
  checkKept(problems, creating, "customerId", input.customerId);
  checkKept(problems, creating, "title", input.title, maxLength(255));
  checkKept(problems, creating, "scheduledDate", input.scheduledDate, calendarDate);
  problems
    .check("description", input.description, maxLength(5000))
    .check("serviceType", input.serviceType, maxLength(100))
    .check("scheduledTime", input.scheduledTime, clockTime)
    .check("durationMinutes", input.durationMinutes, integer, min(1))
    .check("price", input.price, min(0), cents)
    .check("notes", input.notes, maxLength(5000));
  // Status is optional on create too (default SCHEDULED); an update may leave it out but not clear it.
  if (creating) problems.check("status", input.status, jobStatus(["SCHEDULED", "IN_PROGRESS"]));
  else
    checkKept(problems, false, "status", input.status, jobStatus(["SCHEDULED", "IN_PROGRESS", "CANCELLED"]));
  checkAddress(problems, input.address);
  problems.throwIfAny();
}

const INVOICE_STORED = [
  "customerId",
  "jobId",
  "lineItems",
  "tax",
  "currency",
  "issueDate",
  "dueDate",
  "send",
] as const;

function checkInvoice(input: InvoiceInput): void {
  const problems = new Problems().onlyFields(input, INVOICE_STORED, `${LABEL} invoices`);
  problems
    .check("customerId", input.customerId, required)
    .check("lineItems", input.lineItems, required, listLength({ min: 1, max: 100 }));
  input.lineItems?.forEach((line, index) => {
    const at = `lineItems[${index}]`;
    problems
      .onlyFields(line, ["description", "quantity", "unitPrice"], `${LABEL} line items`, `${at}.`)
      .check(`${at}.description`, line.description, required, maxLength(1000))
      .check(`${at}.quantity`, line.quantity, greaterThan(0))
      .check(`${at}.unitPrice`, line.unitPrice, required, min(0), cents);
  });
  problems
    .check("tax", input.tax, min(0), cents)
    .check("currency", input.currency, currencyCode)
    .check("issueDate", input.issueDate, calendarDate)
    .check("dueDate", input.dueDate, calendarDate);
  const datesValid = !problems.list.some((p) => p.path === "issueDate" || p.path === "dueDate");
  // Without an issue date the upstream compares with its own "today", which it checks itself.
  if (datesValid && input.issueDate && input.dueDate && input.dueDate < input.issueDate)
    problems.add("dueDate", "must be on or after issueDate");
  problems.throwIfAny();
}

function checkMarkPaid(input: MarkInvoicePaidInput): void {
  new Problems()
    .check("amount", input.amount, greaterThan(0), cents)
    .check("reference", input.reference, maxLength(255))
    .throwIfAny();
}

function checkPayment(input: PaymentInput): void {
  new Problems()
    .check("invoiceId", input.invoiceId, required)
    .check("amount", input.amount, required, greaterThan(0), cents)
    .check("reference", input.reference, maxLength(255))
    .check("notes", input.notes, maxLength(5000))
    .throwIfAny();
}

// ---- Unified input -> upstream bodies ----

/** The upstream stores an address as one value: sub-fields not given are stored as null. */
function upstreamAddress(address: AddressInput | null | undefined): AddressRecord | null | undefined {
  if (!address) return address;
  return {
    line1: address.line1 ?? null,
    line2: address.line2 ?? null,
    city: address.city ?? null,
    state: address.region ?? null,
    postal_code: address.postalCode ?? null,
    country: address.country ?? null,
  };
}

/** Money inputs are decimal strings; CleanItAll takes JSON numbers in major units. */
function upstreamAmount(amount: string | null | undefined): number | null | undefined {
  return typeof amount === "string" ? Number(amount) : amount;
}

function customerBody(input: CustomerInput): CustomerBody {
  return {
    name: input.name ?? undefined,
    email: input.email,
    phone: input.phone,
    address: upstreamAddress(input.address),
    notes: input.notes,
  };
}

function jobBody(input: JobInput): JobBody {
  return {
    customer_id: input.customerId ?? undefined,
    title: input.title ?? undefined,
    scheduled_date: input.scheduledDate ?? undefined,
    description: input.description,
    service_type: input.serviceType,
    scheduled_time: input.scheduledTime,
    duration_minutes: input.durationMinutes,
    assigned_to: input.assigneeId,
    // Left out on create, the upstream copies the customer's address.
    address: upstreamAddress(input.address),
    price: upstreamAmount(input.price),
    notes: input.notes,
    status: input.status ? UPSTREAM_JOB_STATUS[input.status] : undefined,
  };
}

function invoiceBody(input: InvoiceInput): InvoiceBody {
  return {
    customer_id: input.customerId ?? undefined,
    job_id: input.jobId,
    line_items: (input.lineItems ?? []).map((line) => ({
      description: line.description ?? undefined,
      quantity: line.quantity,
      unit_price: Number(line.unitPrice),
    })),
    // Null means "not given" here: the upstream's defaults apply.
    tax: upstreamAmount(input.tax) ?? undefined,
    currency: input.currency ?? undefined,
    issue_date: input.issueDate ?? undefined,
    due_date: input.dueDate ?? undefined,
  };
}

// ---- Upstream failures -> the gateway's errors ----

type RecordType = "customer" | "job" | "invoice";

interface WriteContext {
  /** Upstream field names in validation details -> the client's input paths (default: as named). */
  fields?: (upstreamField: string) => string;
  /** The record the path names, for a 404. */
  target?: { type: RecordType; id: string };
  /** Cached GET paths whose content the write can change. */
  invalidates: readonly string[];
}

const NO_EMAIL = "customer has no email address";

function translate(rejection: CleanItAllRejection, context: WriteContext): GatewayError {
  const { request, status, code, message, details } = rejection;
  if (status === 400 && code === "validation_error" && details.length > 0) {
    // `/send` reports the customer's missing e-mail as a detail on a field the client never sent.
    if (details.some((detail) => detail.message === NO_EMAIL))
      return new InvalidStateError(
        "The invoice's customer has no email address: add one with updateCustomer, then send the invoice again.",
        source,
      );
    return upstreamValidationError(
      source,
      details.map((detail) => ({
        path: context.fields?.(detail.field) ?? detail.field,
        message: detail.message,
      })),
    );
  }
  if (status === 400 && code === "invalid_state") return new InvalidStateError(message, source);
  if (status === 404 && context.target)
    return new NotFoundError(`${LABEL} ${context.target.type} ${context.target.id} not found`, source);
  const what = `${LABEL} ${request.method} ${request.route}`;
  if (status === 403 && code === "insufficient_scope") {
    const scope = /scope: (\w+)$/.exec(message)?.[1] ?? (request.method === "DELETE" ? "delete" : "write");
    return new UpstreamError(
      source,
      "UPSTREAM_ERROR",
      `The tenant's ${LABEL} API key lacks the \`${scope}\` scope, which ${what} needs: grant it in ${LABEL} (Settings → API Keys).`,
      { status },
    );
  }
  if (status === 401)
    return new UpstreamError(
      source,
      "UPSTREAM_ERROR",
      `${what} rejected the tenant's ${LABEL} API key (${message}).`,
      { status },
    );
  return new UpstreamError(source, "UPSTREAM_ERROR", `${what} answered HTTP ${status}: ${message}`, {
    status,
  });
}

/** What is left undone when the invoice was created but `/send` failed. */
function sendFailure(invoice: UnifiedInvoice, error: unknown): GatewayError {
  const reason =
    error instanceof GatewayError
      ? error
      : new UpstreamError(source, "UPSTREAM_ERROR", `${LABEL} POST /invoices/:id/send failed unexpectedly`);
  return new GatewayError(
    `invoice ${invoice.number} (${invoice.sourceId}) was created as a draft but sending failed: ${reason.message}`,
    reason.code,
    { ...reason.extensions },
  );
}

const CUSTOMERS = ["/customers"] as const;
const JOBS = ["/jobs"] as const;
// Paying (mark-paid included, which records a payment) changes invoices and payments together.
const BILLING = ["/invoices", "/payments"] as const;

/** Creates ignore `WriteOptions.idempotencyKey`: CleanItAll has no idempotency keys. */
export class CleanItAllWrites implements SourceWrites {
  readonly unsupported: Partial<Record<WriteOperation, string>> = {
    deleteCustomer: `${LABEL} customers are deleted only in its dashboard; its API has no customer delete.`,
    updateInvoice: `${LABEL} invoices cannot be edited or deleted through its API; they change through send, mark-paid and payments.`,
    deleteInvoice: `${LABEL} invoices cannot be edited or deleted through its API; they change through send, mark-paid and payments.`,
  };

  constructor(
    private readonly client: CleanItAllClient,
    /** Account currency of job prices. */
    private readonly currency: string,
    /** Forgets what the current GraphQL request has loaded, so it reads its own writes. */
    private readonly afterWrite: () => void,
  ) {}

  async createCustomer(input: CustomerInput, _options: WriteOptions): Promise<Written<UnifiedCustomer>> {
    checkCustomer(input, true);
    const record = await this.perform(() => this.client.createCustomer(customerBody(input)), {
      fields: CUSTOMER_FIELDS,
      invalidates: CUSTOMERS,
    });
    return { record: toUnifiedCustomer(record), replayed: false };
  }

  async updateCustomer(id: string, input: CustomerInput): Promise<UnifiedCustomer> {
    checkCustomer(input, false);
    const record = await this.perform(() => this.client.updateCustomer(id, customerBody(input)), {
      fields: CUSTOMER_FIELDS,
      target: { type: "customer", id },
      invalidates: CUSTOMERS,
    });
    return toUnifiedCustomer(record);
  }

  async createJob(input: JobInput, _options: WriteOptions): Promise<Written<UnifiedJob>> {
    checkJob(input, true);
    const record = await this.perform(() => this.client.createJob(jobBody(input)), {
      fields: JOB_FIELDS,
      invalidates: JOBS,
    });
    return { record: toUnifiedJob(record, this.currency), replayed: false };
  }

  async updateJob(id: string, input: JobInput): Promise<UnifiedJob> {
    checkJob(input, false);
    const record = await this.perform(() => this.client.updateJob(id, jobBody(input)), {
      fields: JOB_FIELDS,
      target: { type: "job", id },
      invalidates: JOBS,
    });
    return toUnifiedJob(record, this.currency);
  }

  /** Null fields mean "not given": the upstream then completes the job now, without notes. */
  async completeJob(id: string, input: CompleteJobInput): Promise<UnifiedJob> {
    new Problems().check("completionNotes", input.completionNotes, maxLength(5000)).throwIfAny();
    const body = {
      completed_at: input.completedAt ?? undefined,
      completion_notes: input.completionNotes ?? undefined,
    };
    const record = await this.perform(() => this.client.completeJob(id, body), {
      fields: COMPLETE_JOB_FIELDS,
      target: { type: "job", id },
      invalidates: JOBS,
    });
    return toUnifiedJob(record, this.currency);
  }

  async deleteJob(id: string): Promise<Deleted> {
    await this.perform(() => this.client.deleteJob(id), {
      target: { type: "job", id },
      invalidates: JOBS,
    });
    return { permanent: true };
  }

  /**
   * Creates a draft; with `send`, sends it in a second request. A failed send keeps the created
   * draft as the result and says in `incomplete` what was not done: retrying the whole mutation
   * would create a second invoice.
   */
  async createInvoice(input: InvoiceInput, _options: WriteOptions): Promise<Written<UnifiedInvoice>> {
    checkInvoice(input);
    const created = toUnifiedInvoice(
      await this.perform(() => this.client.createInvoice(invoiceBody(input)), {
        fields: INVOICE_FIELDS,
        invalidates: BILLING,
      }),
    );
    if (!input.send) return { record: created, replayed: false };
    try {
      return { record: await this.sendInvoice(created.sourceId), replayed: false };
    } catch (error) {
      return { record: created, replayed: false, incomplete: sendFailure(created, error) };
    }
  }

  async sendInvoice(id: string): Promise<UnifiedInvoice> {
    const record = await this.perform(() => this.client.sendInvoice(id), {
      target: { type: "invoice", id },
      invalidates: BILLING,
    });
    return toUnifiedInvoice(record);
  }

  /** Null fields mean "not given": the upstream's defaults (now, `other`, the balance) apply. */
  async markInvoicePaid(id: string, input: MarkInvoicePaidInput): Promise<UnifiedInvoice> {
    checkMarkPaid(input);
    const body = {
      paid_at: input.paidAt ?? undefined,
      payment_method: input.method ? UPSTREAM_PAYMENT_METHOD[input.method] : undefined,
      amount: upstreamAmount(input.amount) ?? undefined,
      reference: input.reference ?? undefined,
    };
    const record = await this.perform(() => this.client.markInvoicePaid(id, body), {
      fields: MARK_PAID_FIELDS,
      target: { type: "invoice", id },
      invalidates: BILLING,
    });
    return toUnifiedInvoice(record);
  }

  async recordPayment(input: PaymentInput, _options: WriteOptions): Promise<Written<UnifiedPayment>> {
    checkPayment(input);
    const body = {
      invoice_id: input.invoiceId,
      amount: Number(input.amount),
      method: input.method ? UPSTREAM_PAYMENT_METHOD[input.method] : undefined,
      paid_at: input.paidAt ?? undefined,
      reference: input.reference,
      notes: input.notes,
    };
    const record = await this.perform(() => this.client.createPayment(body), {
      fields: PAYMENT_FIELDS,
      invalidates: BILLING,
    });
    return { record: toUnifiedPayment(record), replayed: false };
  }

  /**
   * Runs one upstream write: a rejection becomes the gateway's error for it, and whatever the
   * outcome (a timed-out write may still have landed) the reads it can have changed are dropped.
   */
  private async perform<T>(write: () => Promise<T>, context: WriteContext): Promise<T> {
    try {
      return await write();
    } catch (error) {
      throw error instanceof CleanItAllRejection ? translate(error, context) : error;
    } finally {
      for (const path of context.invalidates) this.client.invalidate(path);
      this.afterWrite();
    }
  }
}
