import type { Page } from "../../datasources/paging.js";
import type { UnifiedCustomer, UnifiedEstimate, UnifiedLead } from "../../datasources/unified.js";
import { checkDateRange, checkSearch } from "../args.js";
import { builder, type Types } from "../builder.js";
import {
  CustomerConnection,
  EstimateConnection,
  InvoiceConnection,
  JobConnection,
  PaymentConnection,
  pagingArgs,
  resolveList,
  SiteVisitConnection,
} from "../connections.js";
import {
  CustomerStatusEnum,
  EstimateStatusEnum,
  InvoiceStatusEnum,
  JobStatusEnum,
  SiteVisitStatusEnum,
  SourceEnum,
} from "../enums.js";
import {
  changePayload,
  createPayload,
  DeletePayloadRef,
  IDEMPOTENCY_KEY_DESCRIPTION,
  runCreate,
  runWrite,
  targetOf,
} from "../mutations.js";
import { AddressRef, CustomerRef, LeadRef, NodeRef } from "../refs.js";
import { AddressInputRef } from "./common.js";
import { loadByGlobalId } from "./node.js";

/** Only the customer's own source can hold its jobs, invoices, payments and visits. */
const ownSource =
  <F>(customer: UnifiedCustomer, filter: F) =>
  (source: string) =>
    source === customer.source ? filter : null;

CustomerRef.implement({
  description: "A customer (client) of the business: a person or company that work is done for.",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Customer",
  fields: (t) => ({
    number: t.exposeString("number", {
      nullable: true,
      description: "The upstream's customer number (JobCloser).",
    }),
    name: t.exposeString("name", { description: "Display name (ARTISAN: first and last name)." }),
    status: t.expose("status", {
      type: CustomerStatusEnum,
      nullable: true,
      description:
        "Unified status, where the upstream tracks one (CleanEstimate Pro, JobCloser, CleverInvo).",
    }),
    sourceStatus: t.exposeString("sourceStatus", {
      nullable: true,
      description: "The upstream's own status value, unchanged.",
    }),
    firstName: t.exposeString("firstName", {
      nullable: true,
      description: "Given name, where the upstream keeps it apart.",
    }),
    lastName: t.exposeString("lastName", {
      nullable: true,
      description: "Family name, where the upstream keeps it apart.",
    }),
    email: t.exposeString("email", { nullable: true, description: "Email address." }),
    phone: t.exposeString("phone", { nullable: true, description: "Phone number." }),
    mobile: t.exposeString("mobile", {
      nullable: true,
      description: "Mobile number, where the upstream keeps one apart.",
    }),
    address: t.expose("address", { type: AddressRef, nullable: true, description: "Postal address." }),
    billingAddress: t.expose("billingAddress", {
      type: AddressRef,
      nullable: true,
      description: "Billing address, where the upstream keeps one apart (JobCloser).",
    }),
    taxId: t.exposeString("taxId", {
      nullable: true,
      description: "The customer's tax identifier (CleverInvo).",
    }),
    customerType: t.exposeString("customerType", {
      nullable: true,
      description: "Free-text kind of customer, e.g. Residential or Commercial (JobCloser).",
    }),
    notes: t.exposeString("notes", { nullable: true, description: "Internal notes about the customer." }),
    smsReminders: t.exposeBoolean("smsReminders", {
      nullable: true,
      description:
        "Whether the customer gets SMS reminders (ARTISAN); null where the upstream has no such setting.",
    }),
    walkIn: t.exposeBoolean("walkIn", {
      nullable: true,
      description: "Whether the customer was recorded as a walk-in (ARTISAN); null elsewhere.",
    }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the customer was created upstream.",
      resolve: (c) => c.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the customer last changed upstream.",
      resolve: (c) => c.updatedAt,
    }),
    jobs: t.field({
      type: JobConnection,
      nullable: true,
      description: "The customer's jobs, newest first.",
      args: {
        ...pagingArgs(t.arg),
        status: t.arg({ type: JobStatusEnum, required: false, description: "Only jobs in this status." }),
      },
      resolve: (customer, args, context, info) =>
        resolveList(
          context,
          info,
          "jobs",
          args,
          ownSource(customer, { customerId: customer.sourceId, status: args.status ?? undefined }),
        ),
    }),
    invoices: t.field({
      type: InvoiceConnection,
      nullable: true,
      description: "The customer's invoices, newest first.",
      args: {
        ...pagingArgs(t.arg),
        status: t.arg({
          type: InvoiceStatusEnum,
          required: false,
          description: "Only invoices in this status.",
        }),
      },
      resolve: (customer, args, context, info) =>
        resolveList(
          context,
          info,
          "invoices",
          args,
          ownSource(customer, { customerId: customer.sourceId, status: args.status ?? undefined }),
        ),
    }),
    estimates: t.field({
      type: EstimateConnection,
      nullable: true,
      description: "Estimates written for the customer, newest first (CleanEstimate Pro).",
      args: {
        ...pagingArgs(t.arg),
        status: t.arg({
          type: EstimateStatusEnum,
          required: false,
          description: "Only estimates in this status.",
        }),
      },
      resolve: (customer, args, context, info) =>
        resolveList(
          context,
          info,
          "estimates",
          args,
          ownSource(customer, { customerId: customer.sourceId, status: args.status ?? undefined }),
        ),
    }),
    leads: t.field({
      type: [LeadRef],
      nullable: true,
      description:
        "The sales leads this customer came from: CleanEstimate Pro leads named by the customer's estimates; a JobCloser customer in status Lead is its own lead.",
      resolve: async (customer, _args, context, info) => {
        // JobCloser keeps leads as customers: the lead is this very record.
        if (customer.source === "jobcloser") {
          if (customer.status !== "LEAD") return [];
          const lead = await context.load({
            type: "Lead",
            source: customer.source,
            sourceId: customer.sourceId,
          });
          return lead?.__typename === "Lead" ? [lead] : [];
        }
        const leadIds = new Set<string>();
        let after: string | null = null;
        // Estimates are the only link from a client to its leads upstream: read them all.
        for (;;) {
          const page: Page<UnifiedEstimate> = await resolveList(
            context,
            info,
            "estimates",
            { first: context.limits.maxPageSize, after },
            ownSource(customer, { customerId: customer.sourceId }),
          );
          for (const edge of page.edges) if (edge.node.leadId) leadIds.add(edge.node.leadId);
          if (!page.hasNextPage || page.edges.length === 0) break;
          after = page.edges.at(-1)?.cursor ?? null;
        }
        const leads = await Promise.all(
          [...leadIds].map((sourceId) => context.load({ type: "Lead", source: customer.source, sourceId })),
        );
        return leads.filter((lead): lead is UnifiedLead => lead?.__typename === "Lead");
      },
    }),
    payments: t.field({
      type: PaymentConnection,
      nullable: true,
      description: "Payments received from the customer, newest first (sources that record payments).",
      args: pagingArgs(t.arg),
      resolve: (customer, args, context, info) =>
        resolveList(context, info, "payments", args, ownSource(customer, { customerId: customer.sourceId })),
    }),
    siteVisits: t.field({
      type: SiteVisitConnection,
      nullable: true,
      description: "Site visits at the customer's, earliest first (sources that schedule visits).",
      args: {
        ...pagingArgs(t.arg),
        status: t.arg({
          type: SiteVisitStatusEnum,
          required: false,
          description: "Only visits in this status.",
        }),
        from: t.arg({
          type: "Date",
          required: false,
          description: "Only visits scheduled on or after this date.",
        }),
        to: t.arg({
          type: "Date",
          required: false,
          description: "Only visits scheduled on or before this date.",
        }),
      },
      resolve: (customer, args, context, info) => {
        checkDateRange(args.from, args.to, "from", "to");
        return resolveList(
          context,
          info,
          "siteVisits",
          args,
          ownSource(customer, {
            customerId: customer.sourceId,
            status: args.status ?? undefined,
            from: args.from ?? undefined,
            to: args.to ?? undefined,
          }),
        );
      },
    }),
  }),
});

builder.queryFields((t) => ({
  customer: t.field({
    type: CustomerRef,
    nullable: true,
    description: "A customer by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The customer's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedCustomer>(context, args.id, "Customer"),
  }),
  customers: t.field({
    type: CustomerConnection,
    nullable: true,
    description: "Customers of every source (or one, with `source`), newest first.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's customers." }),
      search: t.arg.string({
        required: false,
        description: "Case-insensitive search in name, email and phone numbers (1–100 characters).",
      }),
    },
    resolve: (_root, args, context, info) => {
      const search = checkSearch(args.search, "search");
      return resolveList(context, info, "customers", args, () => ({ search }));
    },
  }),
}));

// Mutations

const customerFields = (t: PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">) => ({
  name: t.string({
    required: false,
    description:
      "Display name (CleanItAll, CleanEstimate Pro, JobCloser, CleverInvo: required on creation). ARTISAN takes `firstName` and `lastName` instead.",
  }),
  firstName: t.string({ required: false, description: "Given name (ARTISAN: required on creation)." }),
  lastName: t.string({ required: false, description: "Family name (ARTISAN: required on creation)." }),
  email: t.string({ required: false, description: "Email address." }),
  phone: t.string({ required: false, description: "Phone number." }),
  mobile: t.string({ required: false, description: "Mobile number (ARTISAN)." }),
  address: t.field({ type: AddressInputRef, required: false, description: "Postal address." }),
  billingAddress: t.field({
    type: AddressInputRef,
    required: false,
    description: "Billing address, where kept apart (JobCloser).",
  }),
  taxId: t.string({ required: false, description: "Tax identifier (CleverInvo)." }),
  customerType: t.string({
    required: false,
    description: "Free-text kind of customer, e.g. Residential (JobCloser).",
  }),
  referredBy: t.string({ required: false, description: "Who referred the customer (JobCloser)." }),
  notes: t.string({ required: false, description: "Internal notes." }),
  smsReminders: t.boolean({ required: false, description: "Whether to send SMS reminders (ARTISAN)." }),
});

const CreateCustomerInput = builder.inputType("CreateCustomerInput", {
  description:
    "A new customer. Fields a source cannot store are rejected with an error naming them, never dropped.",
  fields: (t) => ({
    source: t.field({
      type: SourceEnum,
      required: true,
      description:
        "The upstream to create the customer in: CLEANITALL, CLEANESTIMATE (a client), JOBCLOSER (needs a Zapier key in the tenant's config), ARTISAN or CLEVERINVO (a client).",
    }),
    ...customerFields(t),
  }),
});

const UpdateCustomerInput = builder.inputType("UpdateCustomerInput", {
  description: "Changes to a customer: omitted fields stay as they are, `null` clears a field.",
  fields: (t) => ({
    ...customerFields(t),
    status: t.field({
      type: CustomerStatusEnum,
      required: false,
      description:
        "ACTIVE or INACTIVE (CleanEstimate Pro clients; CleverInvo: ACTIVE reactivates a deleted client).",
    }),
  }),
});

const CreateCustomerPayload = createPayload(
  "CreateCustomerPayload",
  "customer",
  CustomerRef,
  "The created customer.",
);

const UpdateCustomerPayload = changePayload(
  "UpdateCustomerPayload",
  "customer",
  CustomerRef,
  "The updated customer.",
);

builder.mutationFields((t) => ({
  createCustomer: t.field({
    type: CreateCustomerPayload,
    authScopes: { write: true },
    description: "Creates a customer in one upstream (`input.source`).",
    args: {
      input: t.arg({ type: CreateCustomerInput, required: true, description: "The customer." }),
      idempotencyKey: t.arg.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      const { source, ...input } = args.input;
      return runCreate(context, {
        operation: "createCustomer",
        source,
        args: args.input,
        idempotencyKey: args.idempotencyKey,
        perform: (writes, options) => writes.createCustomer(input, options),
      });
    },
  }),
  updateCustomer: t.field({
    type: UpdateCustomerPayload,
    authScopes: { write: true },
    description:
      "Changes a customer (CleanItAll, CleanEstimate Pro, ARTISAN, CleverInvo; JobCloser has no customer update).",
    args: {
      id: t.arg.id({ required: true, description: "The customer's global id." }),
      input: t.arg({ type: UpdateCustomerInput, required: true, description: "The changes." }),
    },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "Customer", "updateCustomer");
      return runWrite(context, async () => ({
        record: await writes.updateCustomer(ref.sourceId, args.input),
      }));
    },
  }),
  deleteCustomer: t.field({
    type: DeletePayloadRef,
    authScopes: { delete: true },
    description:
      "Deletes a customer: permanently in ARTISAN (with its jobs and visits; refused while it has invoices), by deactivation in CleverInvo. Needs the `delete` scope.",
    args: { id: t.arg.id({ required: true, description: "The customer's global id." }) },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "Customer", "deleteCustomer");
      return runWrite(context, async () => ({ ref, ...(await writes.deleteCustomer(ref.sourceId)) }));
    },
  }),
}));
