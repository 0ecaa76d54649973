import { InvalidStateError, NotFoundError, SOURCE_LABELS } from "../../errors.js";
import type { UnifiedCustomer, UnifiedInvoice, UnifiedJob, UnifiedSiteVisit } from "../unified.js";
import {
  cents,
  countryCode,
  email,
  fieldMapper,
  integer,
  max,
  maxLength,
  min,
  notNull,
  Problems,
  pattern,
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
  LineItemInput,
  SiteVisitInput,
  SourceWrites,
  Written,
} from "../writes.js";
import type {
  ArtisanClient,
  ArtisanRefusal,
  CustomerBody,
  InvoiceBody,
  JobUpdateBody,
  SiteVisitUpdateBody,
  WriteResult,
} from "./client.js";
import {
  toUnifiedCustomer,
  toUnifiedInvoice,
  toUnifiedJob,
  toUnifiedSiteVisit,
  UPSTREAM_JOB_STATUS,
  UPSTREAM_SITE_VISIT_STATUS,
} from "./mappers.js";

/**
 * Check-in ARTISAN writes (upstreams/artisan.md §7): customers, jobs and site visits are created,
 * updated (PUT with only the fields to change) and deleted; invoices are only created. Inputs are
 * checked against the reference's rules first; what only ARTISAN can check (ids of another
 * company, job types, team members, catalog items) comes back as a 422 whose `messages` keep
 * their text and are moved onto the client's paths.
 *
 * Decisions where the reference is silent:
 * - A job's site address is one free-text line upstream: a unified address is joined as
 *   `line1, line2, postalCode city, region, country` (blank parts skipped), and an update
 *   replaces the whole line.
 * - A customer's address maps part by part; on update only the given parts change, `null` for a
 *   part clears it and `address: null` clears them all.
 * - On creates, `null` means "not given".
 */

const LABEL = SOURCE_LABELS.artisan;
const source = "artisan" as const;

const IMMUTABLE_INVOICES = `${LABEL} invoices are immutable: sequential legal numbering means they cannot be updated or deleted through its API (it answers 405).`;

/** Same shape `isValidId` accepts: ARTISAN ids are positive integers. */
const idOf = (what: string): Rule => pattern(/^[1-9][0-9]{0,15}$/, `must be a ${LABEL} ${what} id`);

/** Laravel turns a blank string into null, which a non-nullable field refuses. */
const notBlank: Rule = (value) =>
  typeof value === "string" && value.trim() === "" ? "cannot be blank" : null;

/** `null` where an update cannot clear. */
function refuseNulls(problems: Problems, fields: Record<string, unknown>): Problems {
  for (const [path, value] of Object.entries(fields)) problems.check(path, value, notNull);
  return problems;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** RFC 3339 with an offset: without one, ARTISAN would read the time in the company's timezone. */
const dateTimeWithOffset: Rule = (value) => {
  if (typeof value !== "string") return null;
  const [, year, month, day, hour, minute, second] = (RFC3339.exec(value) ?? []).map(Number);
  const valid =
    year !== undefined &&
    month !== undefined &&
    day !== undefined &&
    new Date(Date.UTC(year, month - 1, day)).getUTCMonth() === month - 1 &&
    (hour ?? 24) < 24 &&
    (minute ?? 60) < 60 &&
    (second ?? 60) < 60;
  return valid ? null : "must be an RFC 3339 date-time with offset, e.g. 2026-03-20T09:00:00+01:00";
};

const visitStatus: Rule = (value) =>
  value === "IN_PROGRESS"
    ? `is not supported by ${LABEL} site visits (their statuses are SCHEDULED, COMPLETED and CANCELLED)`
    : null;

/** Unified input path of each upstream field, for 422 `messages`. */
const CUSTOMER_PATHS = fieldMapper({
  first_name: "firstName",
  last_name: "lastName",
  email: "email",
  phone: "phone",
  mobile: "mobile",
  address: "address.line1",
  address2: "address.line2",
  zip_code: "address.postalCode",
  city: "address.city",
  country: "address.country",
  notes: "notes",
  send_sms: "smsReminders",
});

const JOB_PATHS = fieldMapper({
  customer_id: "customerId",
  title: "title",
  job_type_id: "jobTypeId",
  description: "description",
  address: "address",
  status: "status",
});

const SITE_VISIT_PATHS = fieldMapper({
  job_id: "jobId",
  scheduled_at: "scheduledAt",
  customer_id: "customerId",
  duration_minutes: "durationMinutes",
  notes: "notes",
  status: "status",
  team_member_id: "teamMemberId",
});

const INVOICE_PATHS = fieldMapper({
  customer_id: "customerId",
  paid: "paid",
  notes: "notes",
  lines: "lineItems",
  "lines.*.item_id": "lineItems[*].productId",
  "lines.*.description": "lineItems[*].description",
  "lines.*.quantity": "lineItems[*].quantity",
  "lines.*.price_with_tax": "lineItems[*].unitPrice",
  "lines.*.discount": "lineItems[*].discountPercent",
});

/** What a write touches: its refusals' wording and the cached reads it can change. */
interface Resource {
  /** As in "Check-in ARTISAN site visit 7 not found". */
  name: string;
  paths: (upstreamField: string) => string;
  /** Path prefixes of every cached GET whose content the write can change. */
  invalidates: readonly string[];
}

const CUSTOMERS: Resource = {
  name: "customer",
  paths: CUSTOMER_PATHS,
  // Job, site visit and invoice details embed the customer's name.
  invalidates: ["/customers", "/jobs", "/site-visits", "/invoices"],
};

const JOBS: Resource = {
  name: "job",
  paths: JOB_PATHS,
  // Customer details list their jobs; visit details embed the job title; deletes cascade to visits.
  invalidates: ["/jobs", "/site-visits", "/customers"],
};

const SITE_VISITS: Resource = {
  name: "site visit",
  paths: SITE_VISIT_PATHS,
  // Job details count their site visits.
  invalidates: ["/site-visits", "/jobs"],
};

const INVOICES: Resource = { name: "invoice", paths: INVOICE_PATHS, invalidates: ["/invoices"] };

const CUSTOMER_FIELDS = [
  "firstName",
  "lastName",
  "email",
  "phone",
  "mobile",
  "address",
  "notes",
  "smsReminders",
] as const;
const JOB_FIELDS = ["customerId", "title", "jobTypeId", "description", "address", "status"] as const;
/** Schedules and assignees belong to ARTISAN's site visits, not to its jobs. */
const JOB_SCHEDULE_FIELDS = [
  "scheduledDate",
  "scheduledTime",
  "scheduledEndTime",
  "durationMinutes",
  "assigneeId",
] as const;
const SITE_VISIT_FIELDS = [
  "jobId",
  "customerId",
  "scheduledAt",
  "durationMinutes",
  "notes",
  "status",
  "teamMemberId",
] as const;
const INVOICE_FIELDS = ["customerId", "paid", "notes", "lineItems"] as const;
const LINE_ITEM_FIELDS = ["description", "quantity", "unitPrice", "discountPercent", "productId"] as const;

/** Invoice fields ARTISAN has no place for, with the reason where there is one. */
const INVOICE_UNSUPPORTED_REASONS: Record<string, string> = {
  jobId: " (they belong to a customer, not to a job)",
  tax: " (prices include tax)",
  currency: " (they are in the company's currency)",
  issueDate: " (they are dated when created)",
  number: " (numbers are sequential and assigned automatically)",
};

const toId = (id: string | null | undefined): number | null | undefined => (id == null ? id : Number(id));

const present = (part: string | null | undefined): part is string => !!part && part.trim() !== "";

/** ARTISAN keeps a job's site address as one line, like its own example `12 Rue des Artisans, Paris`. */
function oneLineAddress(address: AddressInput): string | null {
  const locality = [address.postalCode, address.city]
    .filter(present)
    .map((part) => part.trim())
    .join(" ");
  const parts = [address.line1, address.line2, locality, address.region, address.country].filter(present);
  return parts.length > 0 ? parts.map((part) => part.trim()).join(", ") : null;
}

function customerAddress(address: AddressInput | null | undefined): CustomerBody {
  if (address === undefined) return {};
  if (address === null) return { address: null, address2: null, zip_code: null, city: null, country: null };
  return {
    address: address.line1,
    address2: address.line2,
    zip_code: address.postalCode,
    city: address.city,
    country: address.country,
  };
}

function customerBody(input: CustomerInput): CustomerBody {
  return {
    first_name: input.firstName ?? undefined,
    last_name: input.lastName ?? undefined,
    email: input.email,
    phone: input.phone,
    mobile: input.mobile,
    ...customerAddress(input.address),
    notes: input.notes,
    send_sms: input.smsReminders ?? undefined,
  };
}

function jobBody(input: JobInput): JobUpdateBody {
  return {
    title: input.title ?? undefined,
    job_type_id: toId(input.jobTypeId),
    description: input.description,
    address: input.address && oneLineAddress(input.address),
    status: input.status ? UPSTREAM_JOB_STATUS[input.status] : undefined,
  };
}

function siteVisitBody(input: SiteVisitInput): SiteVisitUpdateBody {
  return {
    scheduled_at: input.scheduledAt ?? undefined,
    duration_minutes: input.durationMinutes,
    notes: input.notes,
    status: (input.status && UPSTREAM_SITE_VISIT_STATUS[input.status]) ?? undefined,
    team_member_id: toId(input.teamMemberId),
  };
}

function invoiceBody(input: InvoiceInput & { customerId: string }): InvoiceBody {
  return {
    customer_id: Number(input.customerId),
    paid: input.paid ?? undefined,
    notes: input.notes ?? undefined,
    lines: input.lineItems?.map((line) => ({
      item_id: toId(line.productId) ?? undefined,
      description: line.description ?? undefined,
      quantity: line.quantity,
      // Decimal strings with at most 2 decimals (checked): exact as JSON numbers.
      price_with_tax: Number(line.unitPrice),
      discount: line.discountPercent ?? undefined,
    })),
  };
}

export class ArtisanWrites implements SourceWrites {
  readonly unsupported = { updateInvoice: IMMUTABLE_INVOICES, deleteInvoice: IMMUTABLE_INVOICES };

  constructor(
    private readonly client: ArtisanClient,
    private readonly context: {
      /** The company currency (invoice amounts), from the cached company profile. */
      currency(): Promise<string>;
      /** Drops records the current GraphQL request has already loaded. */
      forgetLoaded(): void;
    },
  ) {}

  async createCustomer(input: CustomerInput): Promise<Written<UnifiedCustomer>> {
    const problems = this.checkCustomer(input);
    // Splitting a full name would be a guess: ARTISAN needs both parts as the client means them.
    const missing =
      input.name == null ? "is required" : `is required (${LABEL} keeps first and last names apart)`;
    if (required(input.firstName)) problems.add("firstName", missing);
    if (required(input.lastName)) problems.add("lastName", missing);
    problems.throwIfAny();
    const record = await this.perform(CUSTOMERS, undefined, () =>
      this.client.createCustomer(customerBody(input)),
    );
    return { record: toUnifiedCustomer(record), replayed: false };
  }

  async updateCustomer(id: string, input: CustomerInput): Promise<UnifiedCustomer> {
    refuseNulls(this.checkCustomer(input), {
      firstName: input.firstName,
      lastName: input.lastName,
      smsReminders: input.smsReminders,
    })
      .check("firstName", input.firstName, notBlank)
      .check("lastName", input.lastName, notBlank)
      .throwIfAny();
    const record = await this.perform(CUSTOMERS, id, () =>
      this.client.updateCustomer(id, customerBody(input)),
    );
    return toUnifiedCustomer(record);
  }

  /** Upstream, the customer's jobs and their site visits go too; a customer with invoices stays. */
  async deleteCustomer(id: string): Promise<Deleted> {
    await this.perform(CUSTOMERS, id, () => this.client.deleteCustomer(id));
    return { permanent: true };
  }

  async createJob(input: JobInput): Promise<Written<UnifiedJob>> {
    const problems = this.checkJob(input, JOB_FIELDS);
    problems
      .check("customerId", input.customerId, required, idOf("customer"))
      .check("title", input.title, required)
      .throwIfAny();
    const customerId = Number(input.customerId);
    const title = input.title ?? "";
    const record = await this.perform(JOBS, undefined, () =>
      this.client.createJob({ ...jobBody(input), customer_id: customerId, title }),
    );
    return { record: toUnifiedJob(record), replayed: false };
  }

  async updateJob(id: string, input: JobInput): Promise<UnifiedJob> {
    const problems = this.checkJob(
      input,
      JOB_FIELDS.filter((field) => field !== "customerId"),
    );
    problems.unsupported(input, ["customerId"], `${LABEL} job updates (a job keeps its customer)`);
    refuseNulls(problems, { title: input.title, status: input.status })
      .check("title", input.title, notBlank)
      .throwIfAny();
    const record = await this.perform(JOBS, id, () => this.client.updateJob(id, jobBody(input)));
    return toUnifiedJob(record);
  }

  /** ARTISAN records no completion time or notes: completing is setting the status. */
  async completeJob(id: string, input: CompleteJobInput): Promise<UnifiedJob> {
    new Problems()
      .unsupported(input, ["completedAt", "completionNotes"], `${LABEL} jobs (they only record the status)`)
      .throwIfAny();
    const record = await this.perform(JOBS, id, () => this.client.updateJob(id, { status: "completed" }));
    return toUnifiedJob(record);
  }

  /** Upstream, the job's site visits go too. */
  async deleteJob(id: string): Promise<Deleted> {
    await this.perform(JOBS, id, () => this.client.deleteJob(id));
    return { permanent: true };
  }

  async createSiteVisit(input: SiteVisitInput): Promise<Written<UnifiedSiteVisit>> {
    const problems = this.checkSiteVisit(input, SITE_VISIT_FIELDS);
    problems
      .check("jobId", input.jobId, required, idOf("job"))
      .check("scheduledAt", input.scheduledAt, required)
      .check("customerId", input.customerId, idOf("customer"))
      .throwIfAny();
    const jobId = Number(input.jobId);
    const scheduledAt = input.scheduledAt ?? "";
    const customerId = toId(input.customerId) ?? undefined;
    const record = await this.perform(SITE_VISITS, undefined, () =>
      this.client.createSiteVisit({
        ...siteVisitBody(input),
        job_id: jobId,
        scheduled_at: scheduledAt,
        customer_id: customerId,
      }),
    );
    return { record: toUnifiedSiteVisit(record), replayed: false };
  }

  async updateSiteVisit(id: string, input: SiteVisitInput): Promise<UnifiedSiteVisit> {
    const problems = this.checkSiteVisit(
      input,
      SITE_VISIT_FIELDS.filter((field) => field !== "jobId" && field !== "customerId"),
    );
    problems.unsupported(
      input,
      ["jobId", "customerId"],
      `${LABEL} site visit updates (a visit keeps its job and customer)`,
    );
    refuseNulls(problems, { scheduledAt: input.scheduledAt, status: input.status }).throwIfAny();
    const record = await this.perform(SITE_VISITS, id, () =>
      this.client.updateSiteVisit(id, siteVisitBody(input)),
    );
    return toUnifiedSiteVisit(record);
  }

  async deleteSiteVisit(id: string): Promise<Deleted> {
    await this.perform(SITE_VISITS, id, () => this.client.deleteSiteVisit(id));
    return { permanent: true };
  }

  async createInvoice(input: InvoiceInput): Promise<Written<UnifiedInvoice>> {
    const problems = new Problems();
    for (const [field, reason] of Object.entries(INVOICE_UNSUPPORTED_REASONS))
      problems.unsupported(input, [field], `${LABEL} invoices${reason}`);
    problems
      .onlyFields(
        input,
        [...INVOICE_FIELDS, ...Object.keys(INVOICE_UNSUPPORTED_REASONS)],
        `${LABEL} invoices`,
      )
      .check("customerId", input.customerId, required, idOf("customer"))
      .check("notes", input.notes, maxLength(5000));
    input.lineItems?.forEach((line, index) => {
      this.checkLineItem(problems, line, `lineItems[${index}].`);
    });
    problems.throwIfAny();
    const customerId = input.customerId ?? "";
    // Read before writing: a POST is sent once, so nothing may fail after it has landed.
    const currency = await this.context.currency();
    const record = await this.perform(INVOICES, undefined, () =>
      this.client.createInvoice(invoiceBody({ ...input, customerId })),
    );
    return { record: toUnifiedInvoice(record, currency), replayed: false };
  }

  /** Rules shared by create and update (presence rules differ and are added by each). */
  private checkCustomer(input: CustomerInput): Problems {
    const problems = new Problems()
      .unsupported(input, ["name"], `${LABEL} customers (send firstName and lastName)`)
      .onlyFields(input, [...CUSTOMER_FIELDS, "name"], `${LABEL} customers`)
      .check("firstName", input.firstName, maxLength(255))
      .check("lastName", input.lastName, maxLength(255))
      .check("email", input.email, email, maxLength(255))
      .check("phone", input.phone, maxLength(50))
      .check("mobile", input.mobile, maxLength(50))
      .check("notes", input.notes, maxLength(5000));
    if (input.address) {
      const address = input.address;
      problems
        .unsupported(address, ["region"], `${LABEL} customers`, "address.")
        .check("address.line1", address.line1, maxLength(255))
        .check("address.line2", address.line2, maxLength(255))
        .check("address.postalCode", address.postalCode, maxLength(20))
        .check("address.city", address.city, maxLength(255))
        .check("address.country", address.country, countryCode);
    }
    return problems;
  }

  private checkJob(input: JobInput, accepted: readonly string[]): Problems {
    const problems = new Problems()
      .unsupported(
        input,
        JOB_SCHEDULE_FIELDS,
        `${LABEL} jobs (schedules and assignees belong to site visits: use createSiteVisit)`,
      )
      .onlyFields(input, [...accepted, "customerId", ...JOB_SCHEDULE_FIELDS], `${LABEL} jobs`)
      .check("title", input.title, maxLength(255))
      .check("jobTypeId", input.jobTypeId, idOf("job type"))
      .check("description", input.description, maxLength(5000));
    const line = input.address && oneLineAddress(input.address);
    if (line && line.length > 255)
      problems.add(
        "address",
        `must be at most 255 characters once joined into ${LABEL}'s one-line job address`,
      );
    return problems;
  }

  private checkSiteVisit(input: SiteVisitInput, accepted: readonly string[]): Problems {
    return new Problems()
      .onlyFields(input, [...accepted, "jobId", "customerId"], `${LABEL} site visits`)
      .check("scheduledAt", input.scheduledAt, dateTimeWithOffset)
      .check("durationMinutes", input.durationMinutes, integer, min(1))
      .check("notes", input.notes, maxLength(2000))
      .check("status", input.status, visitStatus)
      .check("teamMemberId", input.teamMemberId, idOf("team member"));
  }

  private checkLineItem(problems: Problems, line: LineItemInput, prefix: string): void {
    problems
      .unsupported(line, ["taxRate"], `${LABEL} invoices (prices include tax)`, prefix)
      .onlyFields(line, [...LINE_ITEM_FIELDS, "taxRate"], `${LABEL} invoices`, prefix)
      .check(`${prefix}description`, line.description, maxLength(1000))
      .check(`${prefix}quantity`, line.quantity, required, min(0.01))
      .check(`${prefix}unitPrice`, line.unitPrice, required, cents, min(0))
      .check(`${prefix}discountPercent`, line.discountPercent, min(0), max(50))
      .check(`${prefix}productId`, line.productId, idOf("catalog item"));
  }

  /**
   * Sends one write and settles it: a refusal becomes the gateway's error and changed nothing;
   * anything else (success, or a failure that leaves the outcome unknown) drops the reads it may
   * have changed.
   */
  private async perform<T>(
    resource: Resource,
    id: string | undefined,
    write: () => Promise<WriteResult<T>>,
  ): Promise<T> {
    let result: WriteResult<T>;
    try {
      result = await write();
    } catch (error) {
      this.invalidate(resource);
      throw error;
    }
    if (!result.ok) throw this.refused(result.refusal, resource, id);
    this.invalidate(resource);
    return result.record;
  }

  private invalidate(resource: Resource): void {
    for (const prefix of resource.invalidates) this.client.invalidate(prefix);
    this.context.forgetLoaded();
  }

  private refused(refusal: ArtisanRefusal, resource: Resource, id: string | undefined): Error {
    switch (refusal.kind) {
      case "not-found":
        return new NotFoundError(`${LABEL} ${resource.name} ${id} not found`, source);
      case "state":
        return new InvalidStateError(refusal.message, source);
      case "validation":
        return upstreamValidationError(
          source,
          Object.entries(refusal.messages).flatMap(([field, messages]) =>
            messages.map((message) => ({ path: resource.paths(field), message })),
          ),
        );
    }
  }
}
