import { isoDateUtc, isoSecondsUtc } from "../core/time.js";
import type { Handler, RequestContext } from "./http.js";
import type {
  CleanItAllAccount,
  CleanItAllAddress,
  CleanItAllCustomer,
  CleanItAllInvoice,
  CleanItAllJob,
  CleanItAllJobStatus,
  CleanItAllLineItem,
  CleanItAllPayment,
  CleanItAllPaymentMethod,
} from "./types.js";
import {
  DOES_NOT_EXIST,
  emailRule,
  IS_INVALID,
  IS_REQUIRED,
  invalidState,
  isObject,
  notFound,
  parseBody,
  Validator,
} from "./validation.js";
import { addDays, fromCents, isCurrencyCode, multiplyToCents, toCents } from "./values.js";

/** The write endpoints of §7: validation, defaults, computed fields, state rules and events. */

const CREATE_JOB_STATUSES = ["pending", "in_progress"] as const;
const UPDATE_JOB_STATUSES = ["pending", "in_progress", "cancelled"] as const;
export const PAYMENT_METHODS: readonly CleanItAllPaymentMethod[] = [
  "card",
  "cash",
  "check",
  "bank_transfer",
  "other",
];

function newId(account: CleanItAllAccount, prefix: string, taken: Map<string, unknown>): string {
  for (;;) {
    const id = `${prefix}${account.idRng.string(24)}`;
    if (!taken.has(id)) return id;
  }
}

const money = (cents: number | null | undefined) =>
  cents === undefined ? undefined : cents === null ? null : fromCents(cents);

/** Assigns the fields that were sent (`undefined` = omitted = unchanged). */
function assignDefined<T extends object>(target: T, changes: Partial<T>): void {
  for (const [key, value] of Object.entries(changes)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
}

// ---------------------------------------------------------------------------------------------
// Jobs

interface JobFields {
  customer_id?: string;
  title?: string;
  scheduled_date?: string;
  description?: string | null;
  service_type?: string | null;
  scheduled_time?: string | null;
  duration_minutes?: number | null;
  assigned_to?: string | null;
  address?: CleanItAllAddress | null;
  price?: number | null;
  notes?: string | null;
  status?: CleanItAllJobStatus;
}

/** POST and PATCH share the field rules; on PATCH nothing is required and statuses differ. */
function readJobFields(ctx: RequestContext, creating: boolean): JobFields {
  const { account } = ctx;
  const v = new Validator(parseBody(ctx.req.rawBody));
  const customerId = v.string("customer_id", { required: creating });
  if (typeof customerId === "string" && !account.customers.has(customerId))
    v.fail("customer_id", DOES_NOT_EXIST);
  const title = v.string("title", { required: creating, min: 1, max: 255 });
  const scheduledDate = v.date("scheduled_date", { required: creating });
  const description = v.string("description", { nullable: true, max: 5000 });
  const serviceType = v.string("service_type", { nullable: true, max: 100 });
  const scheduledTime = v.time("scheduled_time", { nullable: true });
  const duration = v.number("duration_minutes", { nullable: true, integer: true, min: 1 });
  const assignedTo = v.string("assigned_to", { nullable: true });
  if (typeof assignedTo === "string" && !account.teamMemberIds.includes(assignedTo)) {
    v.fail("assigned_to", DOES_NOT_EXIST);
  }
  const address = v.address("address", { nullable: true });
  const price = v.money("price", { nullable: true, min: 0 });
  const notes = v.string("notes", { nullable: true, max: 5000 });
  const status = v.enumValue("status", creating ? CREATE_JOB_STATUSES : UPDATE_JOB_STATUSES);
  v.throwIfFailed();
  return {
    customer_id: customerId ?? undefined,
    title: title ?? undefined,
    scheduled_date: scheduledDate ?? undefined,
    description,
    service_type: serviceType,
    scheduled_time: scheduledTime,
    duration_minutes: duration,
    assigned_to: assignedTo,
    address,
    price: money(price),
    notes,
    status: status ?? undefined,
  };
}

export const createJob: Handler = (ctx) => {
  const { account, now } = ctx;
  const fields = readJobFields(ctx, true);
  const customer = account.customers.get(fields.customer_id ?? "");
  if (!customer || fields.title === undefined || fields.scheduled_date === undefined) {
    throw new Error("createJob: required fields passed validation without values");
  }
  const stamp = isoSecondsUtc(now);
  const job: CleanItAllJob = {
    id: newId(account, "job_", account.jobs),
    customer_id: customer.id,
    title: fields.title,
    description: fields.description ?? null,
    service_type: fields.service_type ?? null,
    status: fields.status ?? "pending",
    scheduled_date: fields.scheduled_date,
    scheduled_time: fields.scheduled_time ?? null,
    duration_minutes: fields.duration_minutes ?? null,
    assigned_to: fields.assigned_to ?? null,
    // Omitted address: the job happens at the customer's address (§7 POST /jobs).
    address:
      fields.address !== undefined ? fields.address : customer.address ? { ...customer.address } : null,
    price: fields.price ?? null,
    notes: fields.notes ?? null,
    completed_at: null,
    completion_notes: null,
    created_at: stamp,
    updated_at: stamp,
  };
  account.jobs.set(job.id, job);
  ctx.emit("job.created", job);
  return { status: 201, body: { data: job } };
};

function findJob(ctx: RequestContext): CleanItAllJob {
  const job = ctx.account.jobs.get(ctx.req.params.id ?? "");
  if (!job) throw notFound("Job");
  return job;
}

/** PATCH and its PUT alias. */
export const updateJob: Handler = (ctx) => {
  const job = findJob(ctx);
  const fields = readJobFields(ctx, false);
  const previous = job.status;
  if (fields.status !== undefined && fields.status !== previous) {
    if (previous === "completed" || previous === "cancelled") {
      throw invalidState(`Job status cannot be changed from ${previous}`);
    }
  }
  assignDefined(job, fields);
  job.updated_at = isoSecondsUtc(ctx.now);
  ctx.emit(job.status === "cancelled" && previous !== "cancelled" ? "job.cancelled" : "job.updated", job);
  return { status: 200, body: { data: job } };
};

export const completeJob: Handler = (ctx) => {
  const job = findJob(ctx);
  const v = new Validator(parseBody(ctx.req.rawBody));
  const completedAt = v.dateTime("completed_at");
  const completionNotes = v.string("completion_notes", { nullable: true, max: 5000 });
  v.throwIfFailed();
  if (job.status === "completed") throw invalidState("Job is already completed");
  if (job.status === "cancelled") throw invalidState("Cancelled jobs cannot be completed");
  const stamp = isoSecondsUtc(ctx.now);
  job.status = "completed";
  job.completed_at = completedAt ?? stamp;
  job.completion_notes = completionNotes ?? null;
  job.updated_at = stamp;
  ctx.emit("job.completed", job);
  return { status: 200, body: { data: job } };
};

export const deleteJob: Handler = (ctx) => {
  const job = findJob(ctx);
  for (const invoice of ctx.account.invoices.values()) {
    if (invoice.job_id === job.id) throw invalidState("Job has invoices and cannot be deleted");
  }
  ctx.account.jobs.delete(job.id);
  return { status: 200, body: { data: { id: job.id, deleted: true } } };
};

// ---------------------------------------------------------------------------------------------
// Customers

function readCustomerFields(ctx: RequestContext, creating: boolean) {
  const v = new Validator(parseBody(ctx.req.rawBody));
  const name = v.string("name", { required: creating, min: 1, max: 255 });
  const email = v.string("email", emailRule);
  const phone = v.string("phone", { nullable: true, max: 50 });
  const address = v.address("address", { nullable: true });
  const notes = v.string("notes", { nullable: true, max: 5000 });
  v.throwIfFailed();
  return { name: name ?? undefined, email, phone, address, notes };
}

export const createCustomer: Handler = (ctx) => {
  const { account } = ctx;
  const fields = readCustomerFields(ctx, true);
  if (fields.name === undefined) throw new Error("createCustomer: name passed validation without a value");
  const stamp = isoSecondsUtc(ctx.now);
  const customer: CleanItAllCustomer = {
    id: newId(account, "cus_", account.customers),
    name: fields.name,
    email: fields.email ?? null,
    phone: fields.phone ?? null,
    address: fields.address ?? null,
    notes: fields.notes ?? null,
    created_at: stamp,
    updated_at: stamp,
  };
  account.customers.set(customer.id, customer);
  ctx.emit("customer.created", customer);
  return { status: 201, body: { data: customer } };
};

export const updateCustomer: Handler = (ctx) => {
  const customer = ctx.account.customers.get(ctx.req.params.id ?? "");
  if (!customer) throw notFound("Customer");
  assignDefined(customer, readCustomerFields(ctx, false));
  customer.updated_at = isoSecondsUtc(ctx.now);
  ctx.emit("customer.updated", customer);
  return { status: 200, body: { data: customer } };
};

// ---------------------------------------------------------------------------------------------
// Invoices and payments

function readLineItems(v: Validator, raw: unknown): CleanItAllLineItem[] | undefined {
  if (raw === undefined || raw === null) return v.fail("line_items", IS_REQUIRED);
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > 100) return v.fail("line_items", IS_INVALID);
  const items: CleanItAllLineItem[] = [];
  const before = v.details.length;
  raw.forEach((entry: unknown, index) => {
    if (!isObject(entry)) {
      v.fail(`line_items.${index}`, IS_INVALID);
      return;
    }
    const item = v.nested(`line_items.${index}`, entry);
    const description = item.string("description", { required: true, min: 1, max: 1000 });
    const quantity = item.number("quantity", { above: 0 }) ?? 1;
    const unitPriceCents = item.money("unit_price", { required: true, min: 0 });
    if (typeof description === "string" && typeof unitPriceCents === "number") {
      const unitPrice = fromCents(unitPriceCents);
      items.push({
        description,
        quantity,
        unit_price: unitPrice,
        amount: fromCents(multiplyToCents(quantity, unitPrice)),
      });
    }
  });
  return v.details.length === before ? items : undefined;
}

export const createInvoice: Handler = (ctx) => {
  const { account, now } = ctx;
  const body = parseBody(ctx.req.rawBody);
  const v = new Validator(body);
  const customerId = v.string("customer_id", { required: true });
  const customer = typeof customerId === "string" ? account.customers.get(customerId) : undefined;
  if (typeof customerId === "string" && !customer) v.fail("customer_id", DOES_NOT_EXIST);
  const jobId = v.string("job_id", { nullable: true });
  if (typeof jobId === "string") {
    const job = account.jobs.get(jobId);
    if (!job) v.fail("job_id", DOES_NOT_EXIST);
    else if (customer && job.customer_id !== customer.id) v.fail("job_id", IS_INVALID);
  }
  const lineItems = readLineItems(v, body.line_items);
  const taxCents = v.money("tax", { min: 0 }) ?? 0;
  const currency = v.string("currency", { check: isCurrencyCode }) ?? account.currency;
  const issueDateInput = v.date("issue_date");
  const dueDateInput = v.date("due_date");
  const issueDate = issueDateInput ?? isoDateUtc(now);
  const dueDate = dueDateInput ?? addDays(issueDate, 30);
  // Compared only against a valid issue date, sent or defaulted (an invalid one is reported alone).
  const issueDateUsable = issueDateInput !== undefined || !v.has("issue_date");
  if (typeof dueDateInput === "string" && issueDateUsable && dueDate < issueDate)
    v.fail("due_date", IS_INVALID);
  v.throwIfFailed();
  if (!customer || !lineItems)
    throw new Error("createInvoice: required fields passed validation without values");

  const subtotalCents = lineItems.reduce((sum, item) => sum + toCents(item.amount), 0);
  const stamp = isoSecondsUtc(now);
  const invoice: CleanItAllInvoice = {
    id: newId(account, "inv_", account.invoices),
    number: `INV-${String(account.nextInvoiceNumber++).padStart(4, "0")}`,
    customer_id: customer.id,
    job_id: jobId ?? null,
    status: "draft",
    line_items: lineItems,
    subtotal: fromCents(subtotalCents),
    tax: fromCents(taxCents),
    total: fromCents(subtotalCents + taxCents),
    amount_paid: 0,
    currency,
    issue_date: issueDate,
    due_date: dueDate,
    sent_at: null,
    paid_at: null,
    created_at: stamp,
    updated_at: stamp,
  };
  account.invoices.set(invoice.id, invoice);
  ctx.emit("invoice.created", invoice);
  return { status: 201, body: { data: invoice } };
};

function findInvoice(ctx: RequestContext): CleanItAllInvoice {
  const invoice = ctx.account.invoices.get(ctx.req.params.id ?? "");
  if (!invoice) throw notFound("Invoice");
  return invoice;
}

export const sendInvoice: Handler = (ctx) => {
  const invoice = findInvoice(ctx);
  parseBody(ctx.req.rawBody); // no body is expected, but a malformed one is still a 400
  const customer = ctx.account.customers.get(invoice.customer_id);
  if (!customer?.email) {
    const v = new Validator({});
    v.fail("customer_id", "customer has no email address");
    v.throwIfFailed();
  }
  if (invoice.status === "paid" || invoice.status === "cancelled") {
    throw invalidState(`Invoice cannot be sent in status ${invoice.status}`);
  }
  const stamp = isoSecondsUtc(ctx.now);
  invoice.sent_at = stamp;
  if (invoice.status === "draft") invoice.status = "pending";
  invoice.updated_at = stamp;
  ctx.emit("invoice.sent", invoice);
  return { status: 200, body: { data: invoice } };
};

const payable = (invoice: CleanItAllInvoice) =>
  invoice.status === "draft" || invoice.status === "pending" || invoice.status === "overdue";

const balanceCents = (invoice: CleanItAllInvoice) => toCents(invoice.total) - toCents(invoice.amount_paid);

/**
 * A payment amount: > 0 as sent and ≥ 1 cent after rounding; the `≤ total − amount_paid` bound
 * only applies to an invoice that can take payments (otherwise the state rule answers).
 */
function readAmount(
  v: Validator,
  invoice: CleanItAllInvoice | undefined,
  required: boolean,
): number | undefined {
  const cents = v.money("amount", { required, above: 0 });
  if (typeof cents !== "number") return undefined;
  if (cents < 1 || (invoice && payable(invoice) && cents > balanceCents(invoice)))
    return v.fail("amount", IS_INVALID);
  return cents;
}

function recordPayment(
  ctx: RequestContext,
  invoice: CleanItAllInvoice,
  fields: {
    cents: number;
    method: CleanItAllPaymentMethod;
    paidAt: string;
    reference: string | null;
    notes: string | null;
  },
): CleanItAllPayment {
  const { account } = ctx;
  const payment: CleanItAllPayment = {
    id: newId(account, "pay_", account.payments),
    invoice_id: invoice.id,
    customer_id: invoice.customer_id,
    amount: fromCents(fields.cents),
    currency: invoice.currency,
    method: fields.method,
    paid_at: fields.paidAt,
    reference: fields.reference,
    notes: fields.notes,
    created_at: isoSecondsUtc(ctx.now),
  };
  account.payments.set(payment.id, payment);
  invoice.amount_paid = fromCents(toCents(invoice.amount_paid) + fields.cents);
  invoice.updated_at = payment.created_at;
  return payment;
}

export const markInvoicePaid: Handler = (ctx) => {
  const invoice = findInvoice(ctx);
  const v = new Validator(parseBody(ctx.req.rawBody));
  const paidAt = v.dateTime("paid_at");
  const method = v.enumValue("payment_method", PAYMENT_METHODS);
  const amount = readAmount(v, invoice, false);
  const reference = v.string("reference", { nullable: true, max: 255 });
  v.throwIfFailed();
  if (!payable(invoice)) throw invalidState(`Invoice is already ${invoice.status}`);

  const stamp = isoSecondsUtc(ctx.now);
  const cents = amount ?? balanceCents(invoice);
  const payment =
    cents > 0
      ? recordPayment(ctx, invoice, {
          cents,
          method: method ?? "other",
          paidAt: paidAt ?? stamp,
          reference: reference ?? null,
          notes: null,
        })
      : null;
  // Paid whatever the amount: the remainder is written off (§7 mark-paid).
  invoice.status = "paid";
  invoice.paid_at = paidAt ?? stamp;
  invoice.updated_at = stamp;
  if (payment) ctx.emit("payment.received", payment);
  ctx.emit("invoice.paid", invoice);
  return { status: 200, body: { data: invoice } };
};

export const createPayment: Handler = (ctx) => {
  const { account } = ctx;
  const v = new Validator(parseBody(ctx.req.rawBody));
  const invoiceId = v.string("invoice_id", { required: true });
  const invoice = typeof invoiceId === "string" ? account.invoices.get(invoiceId) : undefined;
  if (typeof invoiceId === "string" && !invoice) v.fail("invoice_id", DOES_NOT_EXIST);
  const amount = readAmount(v, invoice, true);
  const method = v.enumValue("method", PAYMENT_METHODS);
  const paidAt = v.dateTime("paid_at");
  const reference = v.string("reference", { nullable: true, max: 255 });
  const notes = v.string("notes", { nullable: true, max: 5000 });
  v.throwIfFailed();
  if (!invoice || amount === undefined) throw new Error("createPayment: required fields passed validation");
  if (!payable(invoice)) throw invalidState(`Invoice is already ${invoice.status}`);

  const payment = recordPayment(ctx, invoice, {
    cents: amount,
    method: method ?? "other",
    paidAt: paidAt ?? isoSecondsUtc(ctx.now),
    reference: reference ?? null,
    notes: notes ?? null,
  });
  const becamePaid = toCents(invoice.amount_paid) === toCents(invoice.total);
  if (becamePaid) {
    invoice.status = "paid";
    invoice.paid_at = payment.paid_at;
  }
  ctx.emit("payment.received", payment);
  if (becamePaid) ctx.emit("invoice.paid", invoice);
  return { status: 201, body: { data: payment } };
};
