import {
  type GatewayError,
  InvalidStateError,
  NotFoundError,
  SOURCE_LABELS,
  UpstreamError,
} from "../../errors.js";
import type { UnifiedCustomer, UnifiedInvoice } from "../unified.js";
import {
  calendarDate,
  cents,
  currencyCode,
  email,
  fieldMapper,
  greaterThan,
  listLength,
  max,
  maxLength,
  min,
  notNull,
  oneOf,
  Problems,
  pattern,
  type Rule,
  required,
  upstreamValidationError,
} from "../validation.js";
import type {
  AddressInput,
  CustomerInput,
  Deleted,
  InvoiceInput,
  LineItemInput,
  SourceWrites,
  WriteOperation,
  WriteOptions,
  Written,
} from "../writes.js";
import {
  type CleverInvoClient,
  CleverInvoRejection,
  type ClientBody,
  type InvoiceBody,
  type LineItemBody,
} from "./client.js";
import { toUnifiedCustomer, toUnifiedInvoice } from "./mappers.js";
import type { InvoiceSummary } from "./records.js";

/**
 * CleverInvo's write half (upstreams/cleverinvo.md §7): clients (soft delete) and invoices
 * (DRAFT-only updates, permanent delete). Sending invoices and recording payments happen only in
 * CleverInvo's dashboard. The API has no idempotency keys: POST and DELETE are sent once, the
 * partial PUTs may be retried.
 */

const SOURCE = "cleverinvo" as const;
const LABEL = SOURCE_LABELS[SOURCE];

type Mode = "create" | "update";

// ---- Rules the shared set lacks ------------------------------------------------------------

const notBlank: Rule = (value) =>
  typeof value === "string" && value.trim() === "" ? "cannot be empty" : null;

const decimal: Rule = pattern(/^-?\d+(\.\d+)?$/, "must be a decimal amount, e.g. 125.00");

/**
 * Amounts go upstream as JSON numbers: past this one a number no longer holds every cent, and a
 * long enough digit string is Infinity, which JSON writes as null.
 */
const MAX_AMOUNT = Math.floor(Number.MAX_SAFE_INTEGER / 100);
const sendableAmount: Rule = (value) =>
  typeof value === "string" && !(Math.abs(Number(value)) <= MAX_AMOUNT)
    ? `must be at most ${MAX_AMOUNT}`
    : null;

/** Checks a field an update may omit but not clear. */
function checkKept(problems: Problems, path: string, value: unknown, ...rules: Rule[]): void {
  problems.check(path, value, notNull, ...rules);
}

/**
 * Set fields the source has no place for, each with why where there is more to say than "it has
 * none" (`Problems.onlyFields` without the reasons).
 */
function rejectUnsupported(
  problems: Problems,
  input: object,
  allowed: readonly string[],
  what: string,
  reasons: Readonly<Record<string, string>>,
  prefix = "",
): void {
  for (const [field, value] of Object.entries(input)) {
    if (allowed.includes(field) || value === undefined || value === null) continue;
    const reason = reasons[field];
    problems.add(`${prefix}${field}`, `is not supported by ${what}${reason ? ` (${reason})` : ""}`);
  }
}

// ---- Clients --------------------------------------------------------------------------------

const CLIENT_FIELDS = ["name", "email", "address", "taxId", "phone", "notes"] as const;
const CLIENT_REASONS = {
  firstName: "a client has one name",
  lastName: "a client has one name",
  mobile: "a client has one phone number",
  billingAddress: "a client has one address",
};

/**
 * CleverInvo keeps the address as one text (≤ 500 characters), so the unified address is written
 * on one line, US style: `123 Main St, Apt 4, New York, NY 10001, US` (line1, line2, city,
 * "region postalCode", country; empty parts left out). Reads give that text back as `line1`, so a
 * round trip shows the same text in `line1` and `formatted`. An address with no parts clears it.
 */
export function addressLine(address: AddressInput): string | null {
  const part = (value: string | null | undefined) => value?.trim() ?? "";
  const regionAndCode = [part(address.region), part(address.postalCode)].filter(Boolean).join(" ");
  const text = [
    part(address.line1),
    part(address.line2),
    part(address.city),
    regionAndCode,
    part(address.country),
  ]
    .filter(Boolean)
    .join(", ");
  return text === "" ? null : text;
}

function clientBody(input: CustomerInput, mode: Mode): ClientBody {
  const problems = new Problems();
  const creating = mode === "create";
  if (creating) {
    rejectUnsupported(problems, input, CLIENT_FIELDS, `${LABEL} clients`, {
      ...CLIENT_REASONS,
      status: "a new client is always active",
    });
  } else {
    rejectUnsupported(problems, input, [...CLIENT_FIELDS, "status"], `${LABEL} clients`, CLIENT_REASONS);
  }
  if (creating) problems.check("name", input.name, required, maxLength(255));
  else checkKept(problems, "name", input.name, notBlank, maxLength(255));
  problems.check("email", input.email, maxLength(255), email);
  const address = input.address ? addressLine(input.address) : input.address;
  if (address && address.length > 500) {
    problems.add(
      "address",
      `must be at most 500 characters written on one line (${LABEL} keeps one address text); this one has ${address.length}`,
    );
  }
  problems.check("taxId", input.taxId, maxLength(100));
  problems.check("phone", input.phone, maxLength(50));
  problems.check("notes", input.notes, maxLength(2000));
  if (!creating) {
    const statuses = oneOf(["ACTIVE", "INACTIVE"], `${LABEL} clients are active or deleted, never leads`);
    checkKept(problems, "status", input.status, statuses);
  }
  problems.throwIfAny();
  // Omitted (undefined) fields stay out of the JSON body: unchanged on PUT.
  return {
    name: input.name ?? undefined,
    email: input.email,
    address,
    taxId: input.taxId,
    phone: input.phone,
    notes: input.notes,
    // ACTIVE reactivates a deleted client; INACTIVE deactivates, as a delete does.
    ...(input.status ? { isActive: input.status === "ACTIVE" } : {}),
  };
}

// ---- Invoices -------------------------------------------------------------------------------

const INVOICE_FIELDS = [
  "customerId",
  "number",
  "currency",
  "issueDate",
  "dueDate",
  "lineItems",
  "notes",
  "terms",
] as const;
const INVOICE_REASONS = {
  jobId: `${LABEL} has no jobs`,
  tax: "tax is computed per line from lineItems[].taxRate",
  paid: `payments are recorded only in the ${LABEL} dashboard`,
  send: `invoices are sent only from the ${LABEL} dashboard`,
};
const LINE_FIELDS = ["description", "quantity", "unitPrice", "taxRate"] as const;
const LINE_REASONS = {
  discountPercent: `discounts exist only in the ${LABEL} dashboard`,
  productId: `${LABEL} has no product catalog`,
};

function checkLine(problems: Problems, line: LineItemInput, prefix: string): void {
  rejectUnsupported(problems, line, LINE_FIELDS, `${LABEL} invoice lines`, LINE_REASONS, prefix);
  problems.check(`${prefix}description`, line.description, required, maxLength(500));
  problems.check(`${prefix}quantity`, line.quantity, required, greaterThan(0));
  problems.check(`${prefix}unitPrice`, line.unitPrice, required, decimal, min(0), cents, sendableAmount);
  problems.check(`${prefix}taxRate`, line.taxRate, min(0), max(100));
}

function lineBody(line: LineItemInput): LineItemBody {
  return {
    // Checked by checkLine: never empty here.
    description: line.description ?? "",
    quantity: line.quantity,
    unitPrice: Number(line.unitPrice),
    ...(line.taxRate !== null && line.taxRate !== undefined ? { taxRate: line.taxRate } : {}),
  };
}

function invoiceBody(input: InvoiceInput, mode: Mode): InvoiceBody {
  const problems = new Problems();
  const creating = mode === "create";
  rejectUnsupported(problems, input, INVOICE_FIELDS, `${LABEL} invoices`, INVOICE_REASONS);
  // On a create, null means "not given" (the upstream's default); an update cannot clear these.
  const kept = (path: string, value: unknown, ...rules: Rule[]) =>
    creating ? problems.check(path, value, ...rules) : checkKept(problems, path, value, ...rules);
  const requiredOnCreate = creating ? [required] : [];
  kept("customerId", input.customerId, ...requiredOnCreate);
  kept("number", input.number, notBlank, maxLength(50));
  kept("currency", input.currency, currencyCode);
  kept("issueDate", input.issueDate, calendarDate);
  kept("dueDate", input.dueDate, calendarDate);
  const { issueDate, dueDate } = input;
  if (
    issueDate &&
    dueDate &&
    calendarDate(issueDate) === null &&
    calendarDate(dueDate) === null &&
    dueDate < issueDate
  ) {
    problems.add("dueDate", "must not be before issueDate");
  }
  kept("lineItems", input.lineItems, ...requiredOnCreate, listLength({ min: 1, max: 100 }));
  for (const [index, line] of (input.lineItems ?? []).entries())
    checkLine(problems, line, `lineItems[${index}].`);
  problems.check("notes", input.notes, maxLength(2000));
  problems.check("terms", input.terms, maxLength(2000));
  problems.throwIfAny();
  return {
    clientId: input.customerId ?? undefined,
    invoiceNumber: input.number ?? undefined,
    currency: input.currency ?? undefined,
    issueDate: issueDate ?? undefined,
    dueDate: dueDate ?? undefined,
    lineItems: input.lineItems?.map(lineBody),
    notes: input.notes,
    terms: input.terms,
  };
}

// ---- Upstream refusals ----------------------------------------------------------------------

/** What a write was about, to name the record or input field a refusal concerns. */
interface WriteSubject {
  record: "customer" | "invoice";
  /** The record in the path (updates and deletes). */
  id?: string;
  /** Upstream body field -> client input path. */
  field: (upstreamField: string) => string;
}

const CLIENT_FIELD_PATHS = fieldMapper({ isActive: "status" });
const INVOICE_FIELD_PATHS = fieldMapper({ clientId: "customerId", invoiceNumber: "number" });

/** Exact texts of §4: CleverInvo has no error codes, only these messages. */
const NOT_FOUND = { customer: "Client not found", invoice: "Invoice not found" } as const;
const FIELD_ERROR = /^(Missing required field|Invalid field): (.+)$/;
const DUPLICATE_NUMBER = "Invoice number already exists";
const DRAFT_ONLY = "Only DRAFT invoices can be modified";
const PLAN_LIMITS = ["Client limit reached for your plan", "Invoice limit reached for your plan"];
const NO_API_ACCESS = "API access is not available on your plan";

/**
 * What `Invalid field` means where the gateway has already checked the format: the due date is
 * checked against the stored issue date (or today) only upstream.
 */
const INVALID_BECAUSE: Readonly<Record<string, string>> = { dueDate: "must not be before the issue date" };

export function refusalError(rejection: CleverInvoRejection, subject: WriteSubject): GatewayError {
  const { status, error } = rejection;
  const fieldError = (path: string, message: string) => upstreamValidationError(SOURCE, [{ path, message }]);
  if (status === 400) {
    const field = FIELD_ERROR.exec(error);
    if (field?.[2]) {
      const path = subject.field(field[2]);
      return fieldError(
        path,
        field[1] === "Missing required field" ? "is required" : (INVALID_BECAUSE[path] ?? "is invalid"),
      );
    }
    if (error === DUPLICATE_NUMBER)
      return fieldError("number", `is already used by another ${LABEL} invoice`);
    // CleverInvo's reply does not say the status, and asking would cost a request.
    if (error === DRAFT_ONLY) return new InvalidStateError(error, SOURCE);
  }
  if (status === 404) {
    if (subject.id !== undefined && error === NOT_FOUND[subject.record]) {
      return new NotFoundError(`${LABEL} ${subject.record} ${subject.id} not found`, SOURCE);
    }
    // An invoice write names a client only in its body: unknown, other account's, or deleted.
    if (subject.record === "invoice" && error === NOT_FOUND.customer) {
      return fieldError(subject.field("clientId"), `does not exist or is deleted in ${LABEL}`);
    }
  }
  // Plan limits are the account's state, not a fault of the input or the gateway.
  if (status === 403 && PLAN_LIMITS.includes(error)) return new InvalidStateError(error, SOURCE);
  if (status === 403 && error === NO_API_ACCESS) {
    return new UpstreamError(
      SOURCE,
      "UPSTREAM_ERROR",
      `${LABEL} refused the request: API access is not available on the account's plan`,
      { status },
    );
  }
  return new UpstreamError(SOURCE, "UPSTREAM_ERROR", `${LABEL} answered HTTP ${status}: ${error}`, {
    status,
  });
}

// ---- Operations -----------------------------------------------------------------------------

/** Cached reads a client write can change: invoices embed their client's name and e-mail. */
const CLIENT_PATHS = ["/clients", "/invoices"];
/** Invoice lists, details and PDFs (`/invoices/:id/pdf`). */
const INVOICE_PATHS = ["/invoices"];

export class CleverInvoWrites implements SourceWrites {
  readonly unsupported = {
    sendInvoice: `${LABEL} sends invoices only from its dashboard; its API cannot send them.`,
    markInvoicePaid: `${LABEL} records payments only in its dashboard; its API cannot mark invoices paid.`,
    recordPayment: `${LABEL} records payments only in its dashboard; its API has no payments.`,
  } satisfies Partial<Record<WriteOperation, string>>;

  constructor(private readonly client: CleverInvoClient) {}

  // CleverInvo has no idempotency keys (the gateway's own store de-duplicates creates): the
  // creates take no options.
  async createCustomer(input: CustomerInput, _options?: WriteOptions): Promise<Written<UnifiedCustomer>> {
    const body = clientBody(input, "create");
    const record = await this.write(() => this.client.createClient(body), CLIENT_PATHS, {
      record: "customer",
      field: CLIENT_FIELD_PATHS,
    });
    return { record: toUnifiedCustomer(record), replayed: false };
  }

  async updateCustomer(id: string, input: CustomerInput): Promise<UnifiedCustomer> {
    const body = clientBody(input, "update");
    const record = await this.write(() => this.client.updateClient(id, body), CLIENT_PATHS, {
      record: "customer",
      id,
      field: CLIENT_FIELD_PATHS,
    });
    return toUnifiedCustomer(record);
  }

  /** A soft delete: the client stays readable by id, INACTIVE, with its invoices. */
  async deleteCustomer(id: string): Promise<Deleted> {
    await this.write(() => this.client.deleteClient(id), CLIENT_PATHS, {
      record: "customer",
      id,
      field: CLIENT_FIELD_PATHS,
    });
    return { permanent: false };
  }

  /** Two requests: CleverInvo answers the POST with a summary, so the invoice is read back. */
  async createInvoice(input: InvoiceInput, _options?: WriteOptions): Promise<Written<UnifiedInvoice>> {
    const body = invoiceBody(input, "create");
    const summary = await this.write(() => this.client.createInvoice(body), INVOICE_PATHS, {
      record: "invoice",
      field: INVOICE_FIELD_PATHS,
    });
    return { record: await this.readBack(summary, "created"), replayed: false };
  }

  /** DRAFT invoices only; two requests, as for a create. */
  async updateInvoice(id: string, input: InvoiceInput): Promise<UnifiedInvoice> {
    const body = invoiceBody(input, "update");
    const summary = await this.write(() => this.client.updateInvoice(id, body), INVOICE_PATHS, {
      record: "invoice",
      id,
      field: INVOICE_FIELD_PATHS,
    });
    return this.readBack(summary, "updated");
  }

  async deleteInvoice(id: string): Promise<Deleted> {
    await this.write(() => this.client.deleteInvoice(id), INVOICE_PATHS, {
      record: "invoice",
      id,
      field: INVOICE_FIELD_PATHS,
    });
    return { permanent: true };
  }

  /** Sends one write, drops the cached reads it can have changed, and maps a refusal. */
  private async write<T>(
    send: () => Promise<T>,
    changes: readonly string[],
    subject: WriteSubject,
  ): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof CleverInvoRejection) throw refusalError(error, subject);
      throw error;
    } finally {
      // Also after a failure: a write that got no answer (timeout, dropped connection) may have landed.
      for (const prefix of changes) this.client.invalidate(prefix);
    }
  }

  /** The full invoice after a write that answered with a summary (the cache was just dropped). */
  private async readBack(summary: InvoiceSummary, done: "created" | "updated"): Promise<UnifiedInvoice> {
    const what = `${LABEL} ${done} invoice ${summary.id} (${summary.invoiceNumber})`;
    try {
      const record = await this.client.getInvoice(summary.id);
      if (record) return toUnifiedInvoice(record);
    } catch (error) {
      // The write itself succeeded: said plainly, and not as a transient code (timeout, rate
      // limit) that invites an automatic retry, which would create the invoice twice.
      if (error instanceof UpstreamError) {
        throw new UpstreamError(
          SOURCE,
          "UPSTREAM_ERROR",
          `${what}, but reading it back failed: ${error.message}`,
        );
      }
      throw error;
    }
    throw new UpstreamError(SOURCE, "UPSTREAM_ERROR", `${what}, but then answered 404 for it`);
  }
}
