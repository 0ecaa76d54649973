import type { UnifiedCustomer, UnifiedInvoice, UnifiedPayment } from "../../datasources/unified.js";
import { checkDateRange } from "../args.js";
import { builder } from "../builder.js";
import { PaymentConnection, pagingArgs, resolveList } from "../connections.js";
import { PaymentMethodEnum, SourceEnum } from "../enums.js";
import { createPayload, IDEMPOTENCY_KEY_DESCRIPTION, runCreate, sameSourceId } from "../mutations.js";
import { CustomerRef, InvoiceRef, MoneyRef, NodeRef, PaymentRef } from "../refs.js";
import { eventRecord, eventStream } from "../subscriptions.js";
import { filterRef, loadByGlobalId } from "./node.js";

PaymentRef.implement({
  description: "A payment received against an invoice (CleanItAll payments).",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Payment",
  fields: (t) => ({
    amount: t.expose("amount", { type: MoneyRef, description: "Amount received." }),
    method: t.expose("method", { type: PaymentMethodEnum, description: "Unified payment method." }),
    sourceMethod: t.exposeString("sourceMethod", {
      description: "The upstream's own method value, unchanged.",
    }),
    paidAt: t.field({
      type: "DateTime",
      description: "When the payment was made.",
      resolve: (p) => p.paidAt,
    }),
    reference: t.exposeString("reference", {
      nullable: true,
      description: "Processor charge id, check number or similar.",
    }),
    notes: t.exposeString("notes", { nullable: true, description: "Notes on the payment." }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the payment was recorded upstream.",
      resolve: (p) => p.createdAt,
    }),
    invoice: t.field({
      type: InvoiceRef,
      nullable: true,
      description: "The invoice paid.",
      resolve: async (payment, _args, context) =>
        (await context.load({
          type: "Invoice",
          source: payment.source,
          sourceId: payment.invoiceId,
        })) as UnifiedInvoice | null,
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: "The customer who paid.",
      resolve: async (payment, _args, context) =>
        (await context.load({
          type: "Customer",
          source: payment.source,
          sourceId: payment.customerId,
        })) as UnifiedCustomer | null,
    }),
  }),
});

builder.queryFields((t) => ({
  payment: t.field({
    type: PaymentRef,
    nullable: true,
    description: "A payment by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The payment's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedPayment>(context, args.id, "Payment"),
  }),
  payments: t.field({
    type: PaymentConnection,
    nullable: true,
    description: "Payments of every source that records them (or one, with `source`), newest first.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's payments." }),
      customerId: t.arg.id({ required: false, description: "Only payments of this customer (global id)." }),
      invoiceId: t.arg.id({ required: false, description: "Only payments of this invoice (global id)." }),
      paidFrom: t.arg({
        type: "Date",
        required: false,
        description: "Only payments made on or after this date (UTC).",
      }),
      paidTo: t.arg({
        type: "Date",
        required: false,
        description: "Only payments made on or before this date (UTC).",
      }),
    },
    resolve: async (_root, args, context, info) => {
      checkDateRange(args.paidFrom, args.paidTo, "paidFrom", "paidTo");
      const customer = filterRef(context, args.customerId, "customerId", "Customer");
      const invoiceRef = filterRef(context, args.invoiceId, "invoiceId", "Invoice");
      const invoice = invoiceRef ? ((await context.load(invoiceRef)) as UnifiedInvoice | null) : null;
      return resolveList(context, info, "payments", args, (source) => {
        if (
          (customer && customer.source !== source) ||
          (invoiceRef && (!invoice || invoice.source !== source))
        )
          return null;
        return {
          customerId: customer?.sourceId,
          invoiceId: invoice ? { invoiceId: invoice.sourceId, customerId: invoice.customerId } : undefined,
          paidFrom: args.paidFrom ?? undefined,
          paidTo: args.paidTo ?? undefined,
        };
      });
    },
  }),
}));

// Mutations

const RecordPaymentInput = builder.inputType("RecordPaymentInput", {
  description: "A payment received against an invoice.",
  fields: (t) => ({
    source: t.field({ type: SourceEnum, required: true, description: "CLEANITALL." }),
    invoiceId: t.id({ required: true, description: "The invoice's global id." }),
    amount: t.field({
      type: "Decimal",
      required: true,
      description: "Amount received, above 0 and at most the balance.",
    }),
    method: t.field({ type: PaymentMethodEnum, required: false, description: "How (default OTHER)." }),
    paidAt: t.field({ type: "DateTime", required: false, description: "When (default: now)." }),
    reference: t.string({ required: false, description: "Processor charge id or check number." }),
    notes: t.string({ required: false, description: "Notes." }),
  }),
});

const RecordPaymentPayload = createPayload(
  "RecordPaymentPayload",
  "payment",
  PaymentRef,
  "The recorded payment (its invoice becomes PAID when fully paid).",
);

builder.mutationFields((t) => ({
  recordPayment: t.field({
    type: RecordPaymentPayload,
    authScopes: { write: true },
    description: "Records a payment against an invoice (CleanItAll).",
    args: {
      input: t.arg({ type: RecordPaymentInput, required: true, description: "The payment." }),
      idempotencyKey: t.arg.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      const { source, ...input } = args.input;
      return runCreate(context, {
        operation: "recordPayment",
        source,
        args: args.input,
        idempotencyKey: args.idempotencyKey,
        perform: (writes, options) => {
          const invoiceId = sameSourceId(context, source, input.invoiceId, "invoiceId", ["Invoice"]) ?? "";
          return writes.recordPayment({ ...input, invoiceId }, options);
        },
      });
    },
  }),
}));

// Subscriptions.

builder.subscriptionFields((t) => ({
  paymentReceived: t.field({
    type: PaymentRef,
    description: "Payments as they are recorded (CleanItAll).",
    args: { sources: t.arg({ type: [SourceEnum], required: false, description: "Only these upstreams." }) },
    subscribe: (_root, args, context) =>
      eventStream(context, { types: new Set(["PAYMENT_RECEIVED"]), sources: args.sources ?? null }),
    resolve: (event, _args, context) => eventRecord<UnifiedPayment>(context, event),
  }),
}));
