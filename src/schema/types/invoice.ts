import {
  refOf,
  type UnifiedCustomer,
  type UnifiedInvoice,
  type UnifiedJob,
} from "../../datasources/unified.js";
import { invoicePdfPath } from "../../files/invoicePdf.js";
import { checkDateRange } from "../args.js";
import { builder, type Types } from "../builder.js";
import { InvoiceConnection, PaymentConnection, pagingArgs, resolveList } from "../connections.js";
import { InvoiceStatusEnum, PaymentMethodEnum, SourceEnum } from "../enums.js";
import { encodeGlobalId } from "../globalId.js";
import {
  changePayload,
  createPayload,
  DeletePayloadRef,
  IDEMPOTENCY_KEY_DESCRIPTION,
  runCreate,
  runWrite,
  sameSourceId,
  targetOf,
} from "../mutations.js";
import { CustomerRef, InvoiceRef, JobRef, LineItemRef, MoneyRef, NodeRef } from "../refs.js";
import { eventRecord, eventStream } from "../subscriptions.js";
import { detailField, filterRef, fullRecord, loadByGlobalId } from "./node.js";

InvoiceRef.implement({
  description: "An invoice issued to a customer.",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Invoice",
  fields: (t) => ({
    number: t.exposeString("number", {
      description: "The invoice number as printed (e.g. `INV-0042`, `FA260200042`).",
    }),
    status: t.expose("status", { type: InvoiceStatusEnum, description: "Unified status." }),
    sourceStatus: t.exposeString("sourceStatus", {
      description:
        "The upstream's own status value, unchanged (ARTISAN, which has only a paid flag: `paid` or `unpaid`).",
    }),
    lineItems: t.field({
      type: [LineItemRef],
      nullable: true,
      description: "The invoice lines.",
      resolve: async (invoice, _args, context) => (await fullRecord(context, invoice))?.lineItems ?? null,
    }),
    subtotal: t.expose("subtotal", {
      type: MoneyRef,
      nullable: true,
      description:
        "Sum of the lines before tax; null where amounts are tax-inclusive with no breakdown (ARTISAN).",
    }),
    tax: t.expose("tax", {
      type: MoneyRef,
      nullable: true,
      description: "Tax amount; null where amounts are tax-inclusive with no breakdown.",
    }),
    total: t.expose("total", { type: MoneyRef, description: "Total due, tax included." }),
    amountPaid: t.expose("amountPaid", {
      type: MoneyRef,
      nullable: true,
      description:
        "How much has been paid; null where the upstream does not say (a CleverInvo PARTIALLY_PAID invoice).",
    }),
    amountDue: t.field({
      type: MoneyRef,
      nullable: true,
      description: "What remains to be paid (zero once paid or void); null when the amount paid is unknown.",
      resolve: (invoice) => {
        const { currency } = invoice.total;
        if (invoice.status === "PAID" || invoice.status === "VOID") return { cents: 0, currency };
        if (!invoice.amountPaid) return null;
        return { cents: Math.max(0, invoice.total.cents - invoice.amountPaid.cents), currency };
      },
    }),
    discount: t.expose("discount", {
      type: MoneyRef,
      nullable: true,
      description: "Discount taken off the total, where the upstream records one (CleverInvo).",
    }),
    pdfUrl: t.string({
      nullable: true,
      description:
        "A link to the invoice as a PDF, streamed by the gateway from the upstream (CleverInvo). The link is signed for this tenant and expires after a while (15 minutes by default): fetch a fresh one rather than storing it. The same path also accepts the API key in headers.",
      resolve: (invoice, _args, context) =>
        invoice.hasPdf ? context.signedLink(invoicePdfPath(encodeGlobalId(refOf(invoice)))) : null,
    }),
    terms: t.string({
      nullable: true,
      description: "Payment terms printed on the invoice.",
      resolve: (invoice, _args, context) => detailField(context, invoice, "terms"),
    }),
    taxInclusive: t.exposeBoolean("taxInclusive", {
      description: "Whether prices and totals include tax (ARTISAN).",
    }),
    issueDate: t.field({
      type: "Date",
      nullable: true,
      description: "Date of issue.",
      resolve: (invoice) => invoice.issueDate,
    }),
    dueDate: t.field({
      type: "Date",
      nullable: true,
      description: "Payment due date.",
      resolve: (invoice) => invoice.dueDate,
    }),
    sentAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When it was last sent to the customer.",
      resolve: (invoice, _args, context) => detailField(context, invoice, "sentAt"),
    }),
    paidAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When it became paid, where the upstream records it.",
      resolve: (invoice, _args, context) => detailField(context, invoice, "paidAt"),
    }),
    notes: t.string({
      nullable: true,
      description: "Notes printed on the invoice.",
      resolve: (invoice, _args, context) => detailField(context, invoice, "notes"),
    }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the invoice was created upstream.",
      resolve: (i) => i.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the invoice last changed upstream.",
      resolve: (i) => i.updatedAt,
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: "The customer invoiced.",
      resolve: async (invoice, _args, context) =>
        (await context.load({
          type: "Customer",
          source: invoice.source,
          sourceId: invoice.customerId,
        })) as UnifiedCustomer | null,
    }),
    job: t.field({
      type: JobRef,
      nullable: true,
      description: "The job invoiced, where the upstream links one.",
      resolve: async (invoice, _args, context) =>
        invoice.jobId
          ? ((await context.load({
              type: "Job",
              source: invoice.source,
              sourceId: invoice.jobId,
            })) as UnifiedJob | null)
          : null,
    }),
    payments: t.field({
      type: PaymentConnection,
      nullable: true,
      description: "Payments recorded against the invoice, newest first (sources that record payments).",
      args: pagingArgs(t.arg),
      resolve: (invoice, args, context, info) =>
        resolveList(context, info, "payments", args, (source) =>
          // Nothing paid means no payment to list: no upstream request needed.
          source === invoice.source && invoice.amountPaid?.cents !== 0
            ? { invoiceId: { invoiceId: invoice.sourceId, customerId: invoice.customerId } }
            : null,
        ),
    }),
  }),
});

builder.queryFields((t) => ({
  invoice: t.field({
    type: InvoiceRef,
    nullable: true,
    description: "An invoice by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The invoice's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedInvoice>(context, args.id, "Invoice"),
  }),
  invoices: t.field({
    type: InvoiceConnection,
    nullable: true,
    description: "Invoices of every source (or one, with `source`), newest first.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's invoices." }),
      status: t.arg({
        type: InvoiceStatusEnum,
        required: false,
        description: "Only invoices in this status.",
      }),
      customerId: t.arg.id({ required: false, description: "Only invoices of this customer (global id)." }),
      jobId: t.arg.id({ required: false, description: "Only invoices that name this job (global id)." }),
      issuedFrom: t.arg({
        type: "Date",
        required: false,
        description: "Only invoices issued on or after this date.",
      }),
      issuedTo: t.arg({
        type: "Date",
        required: false,
        description: "Only invoices issued on or before this date.",
      }),
    },
    resolve: async (_root, args, context, info) => {
      checkDateRange(args.issuedFrom, args.issuedTo, "issuedFrom", "issuedTo");
      const customer = filterRef(context, args.customerId, "customerId", "Customer");
      const jobRef = filterRef(context, args.jobId, "jobId", "Job");
      // A job filter needs the job's customer (sources without a job filter scan the customer's invoices).
      const job = jobRef ? ((await context.load(jobRef)) as UnifiedJob | null) : null;
      return resolveList(context, info, "invoices", args, (source) => {
        if ((customer && customer.source !== source) || (jobRef && (!job || job.source !== source)))
          return null;
        return {
          status: args.status ?? undefined,
          customerId: customer?.sourceId,
          jobId: job ? { jobId: job.sourceId, customerId: job.customerId } : undefined,
          issuedFrom: args.issuedFrom ?? undefined,
          issuedTo: args.issuedTo ?? undefined,
        };
      });
    },
  }),
}));

// Mutations

const LineItemInput = builder.inputType("LineItemInput", {
  description: "One invoice line to write.",
  fields: (t) => ({
    description: t.string({
      required: false,
      description: "What is billed (required by CleanItAll and CleverInvo).",
    }),
    quantity: t.float({ required: true, description: "How many (above 0)." }),
    unitPrice: t.field({
      type: "Decimal",
      required: true,
      description: "Price of one, e.g. `125.00` (ARTISAN: tax included).",
    }),
    taxRate: t.float({
      required: false,
      description: "Tax rate of the line in percent, 0–100 (CleverInvo).",
    }),
    discountPercent: t.float({ required: false, description: "Discount in percent, 0–50 (ARTISAN)." }),
    productId: t.string({ required: false, description: "The catalog item's upstream id (ARTISAN)." }),
  }),
});

const invoiceFields = (t: PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">) => ({
  lineItems: t.field({
    type: [LineItemInput],
    required: false,
    description:
      "The lines (CleanItAll, CleverInvo: 1–100, required on creation). On update they replace all lines.",
  }),
  currency: t.string({ required: false, description: "ISO 4217 code (default: the account's)." }),
  issueDate: t.field({ type: "Date", required: false, description: "Issue date (default: today)." }),
  dueDate: t.field({
    type: "Date",
    required: false,
    description: "Due date, not before the issue date (default: 30 days after it).",
  }),
  number: t.string({ required: false, description: "Invoice number (CleverInvo; default: the next one)." }),
  notes: t.string({ required: false, description: "Notes printed on the invoice." }),
  terms: t.string({ required: false, description: "Payment terms (CleverInvo)." }),
});

const CreateInvoiceInput = builder.inputType("CreateInvoiceInput", {
  description: "A new invoice. Fields a source cannot store are rejected with an error naming them.",
  fields: (t) => ({
    source: t.field({
      type: SourceEnum,
      required: true,
      description:
        "CLEANITALL (created as a draft), ARTISAN (numbered, immutable once created) or CLEVERINVO (a draft).",
    }),
    customerId: t.id({ required: true, description: "The customer's global id, in the same source." }),
    jobId: t.id({ required: false, description: "The job billed (CleanItAll: a job of the same customer)." }),
    tax: t.field({
      type: "Decimal",
      required: false,
      description: "Tax amount of the invoice (CleanItAll).",
    }),
    paid: t.boolean({ required: false, description: "Create it already paid (ARTISAN)." }),
    send: t.boolean({
      required: false,
      description:
        "Send it to the customer right after creating it (CleanItAll). If sending fails the invoice stays a draft: the payload returns it and `errors` says sending failed.",
    }),
    ...invoiceFields(t),
  }),
});

const UpdateInvoiceInput = builder.inputType("UpdateInvoiceInput", {
  description: "Changes to a draft invoice (CleverInvo): omitted fields stay as they are.",
  fields: (t) => invoiceFields(t),
});

const MarkInvoicePaidInput = builder.inputType("MarkInvoicePaidInput", {
  description: "How an invoice was paid.",
  fields: (t) => ({
    paidAt: t.field({ type: "DateTime", required: false, description: "When (default: now)." }),
    method: t.field({ type: PaymentMethodEnum, required: false, description: "How (default OTHER)." }),
    amount: t.field({
      type: "Decimal",
      required: false,
      description: "Amount received (default: the balance); any rest is written off.",
    }),
    reference: t.string({ required: false, description: "Processor charge id or check number." }),
  }),
});

const CreateInvoicePayload = createPayload(
  "CreateInvoicePayload",
  "invoice",
  InvoiceRef,
  "The created invoice.",
);

const InvoicePayload = changePayload("InvoicePayload", "invoice", InvoiceRef, "An invoice after a change.");

builder.mutationFields((t) => ({
  createInvoice: t.field({
    type: CreateInvoicePayload,
    authScopes: { write: true },
    description: "Creates an invoice in CleanItAll, ARTISAN or CleverInvo.",
    args: {
      input: t.arg({ type: CreateInvoiceInput, required: true, description: "The invoice." }),
      idempotencyKey: t.arg.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      const { source, ...input } = args.input;
      return runCreate(context, {
        operation: "createInvoice",
        source,
        args: args.input,
        idempotencyKey: args.idempotencyKey,
        perform: (writes, options) =>
          writes.createInvoice(
            {
              ...input,
              customerId: sameSourceId(context, source, input.customerId, "customerId", ["Customer"]),
              jobId: sameSourceId(context, source, input.jobId, "jobId", ["Job"]),
            },
            options,
          ),
      });
    },
  }),
  updateInvoice: t.field({
    type: InvoicePayload,
    authScopes: { write: true },
    description:
      "Changes a draft invoice (CleverInvo). ARTISAN invoices are immutable and CleanItAll's change only through send, mark-paid and payments.",
    args: {
      id: t.arg.id({ required: true, description: "The invoice's global id." }),
      input: t.arg({ type: UpdateInvoiceInput, required: true, description: "The changes." }),
    },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "Invoice", "updateInvoice");
      return runWrite(context, async () => ({
        record: await writes.updateInvoice(ref.sourceId, args.input),
      }));
    },
  }),
  deleteInvoice: t.field({
    type: DeletePayloadRef,
    authScopes: { delete: true },
    description: "Deletes an invoice and its PDF (CleverInvo). Needs the `delete` scope.",
    args: { id: t.arg.id({ required: true, description: "The invoice's global id." }) },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "Invoice", "deleteInvoice");
      return runWrite(context, async () => ({ ref, ...(await writes.deleteInvoice(ref.sourceId)) }));
    },
  }),
  sendInvoice: t.field({
    type: InvoicePayload,
    authScopes: { write: true },
    description: "Emails an invoice to its customer (CleanItAll); a draft becomes SENT.",
    args: { id: t.arg.id({ required: true, description: "The invoice's global id." }) },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "Invoice", "sendInvoice");
      return runWrite(context, async () => ({ record: await writes.sendInvoice(ref.sourceId) }));
    },
  }),
  markInvoicePaid: t.field({
    type: InvoicePayload,
    authScopes: { write: true },
    description: "Marks an invoice paid, recording a payment for the amount received (CleanItAll).",
    args: {
      id: t.arg.id({ required: true, description: "The invoice's global id." }),
      input: t.arg({ type: MarkInvoicePaidInput, required: false, description: "Payment details." }),
    },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "Invoice", "markInvoicePaid");
      return runWrite(context, async () => ({
        record: await writes.markInvoicePaid(ref.sourceId, args.input ?? {}),
      }));
    },
  }),
}));

// Subscriptions.

builder.subscriptionFields((t) => ({
  invoicePaid: t.field({
    type: InvoiceRef,
    description: "Invoices as they are paid in full, in every upstream of the tenant or the ones named.",
    args: { sources: t.arg({ type: [SourceEnum], required: false, description: "Only these upstreams." }) },
    subscribe: (_root, args, context) =>
      eventStream(context, { types: new Set(["INVOICE_PAID"]), sources: args.sources ?? null }),
    resolve: (event, _args, context) => eventRecord<UnifiedInvoice>(context, event),
  }),
}));
