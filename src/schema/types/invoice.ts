import {
  refOf,
  type UnifiedCustomer,
  type UnifiedInvoice,
  type UnifiedJob,
} from "../../datasources/unified.js";
import { invoicePdfPath } from "../../files/invoicePdf.js";
import { checkDateRange } from "../args.js";
import { builder } from "../builder.js";
import { InvoiceConnection, PaymentConnection, pagingArgs, resolveList } from "../connections.js";
import { InvoiceStatusEnum, SourceEnum } from "../enums.js";
import { encodeGlobalId } from "../globalId.js";
import { CustomerRef, InvoiceRef, JobRef, LineItemRef, MoneyRef, NodeRef } from "../refs.js";
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
