import type { UnifiedCustomer, UnifiedLead } from "../../datasources/unified.js";
import { checkSearch } from "../args.js";
import { builder, type Types } from "../builder.js";
import { EstimateConnection, LeadConnection, pagingArgs, resolveList } from "../connections.js";
import { EstimateStatusEnum, LeadStatusEnum, SourceEnum } from "../enums.js";
import {
  changePayload,
  createPayload,
  IDEMPOTENCY_KEY_DESCRIPTION,
  runCreate,
  runWrite,
  targetOf,
} from "../mutations.js";
import { AddressRef, CustomerRef, LeadRef, NodeRef } from "../refs.js";
import { AddressInputRef } from "./common.js";
import { loadByGlobalId } from "./node.js";

LeadRef.implement({
  description: "A sales lead: someone who asked for work and is not (yet) a customer.",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Lead",
  fields: (t) => ({
    name: t.exposeString("name", { description: "The prospect's name." }),
    email: t.exposeString("email", { nullable: true, description: "Email address." }),
    phone: t.exposeString("phone", { nullable: true, description: "Phone number." }),
    address: t.expose("address", {
      type: AddressRef,
      nullable: true,
      description: "Where the work would be done.",
    }),
    status: t.expose("status", { type: LeadStatusEnum, description: "Unified status." }),
    sourceStatus: t.exposeString("sourceStatus", {
      description: "The upstream's own status value, unchanged.",
    }),
    serviceInterests: t.exposeStringList("serviceInterests", {
      description: "Services the lead asked about, as the upstream names them (e.g. `house-wash`).",
    }),
    notes: t.exposeString("notes", { nullable: true, description: "Notes on the lead." }),
    channel: t.exposeString("channel", {
      nullable: true,
      description: "Where the lead came from (`api`, a web form...).",
    }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the lead was created upstream.",
      resolve: (lead) => lead.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the lead last changed upstream.",
      resolve: (lead) => lead.updatedAt,
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description:
        "The customer record this lead is, where the upstream keeps leads as customers (JobCloser).",
      resolve: async (lead, _args, context) =>
        lead.customerId
          ? ((await context.load({
              type: "Customer",
              source: lead.source,
              sourceId: lead.customerId,
            })) as UnifiedCustomer | null)
          : null,
    }),
    estimates: t.field({
      type: EstimateConnection,
      nullable: true,
      description: "Estimates written for this lead, newest first.",
      args: {
        ...pagingArgs(t.arg),
        status: t.arg({
          type: EstimateStatusEnum,
          required: false,
          description: "Only estimates in this status.",
        }),
      },
      resolve: (lead, args, context, info) =>
        resolveList(context, info, "estimates", args, (source) =>
          source === lead.source ? { leadId: lead.sourceId, status: args.status ?? undefined } : null,
        ),
    }),
  }),
});

builder.queryFields((t) => ({
  lead: t.field({
    type: LeadRef,
    nullable: true,
    description: "A lead by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The lead's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedLead>(context, args.id, "Lead"),
  }),
  leads: t.field({
    type: LeadConnection,
    nullable: true,
    description: "Sales leads of every source that keeps them (or one, with `source`), newest first.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's leads." }),
      status: t.arg({ type: LeadStatusEnum, required: false, description: "Only leads in this status." }),
      search: t.arg.string({
        required: false,
        description: "Case-insensitive search in name, email and phone (1–100 characters).",
      }),
    },
    resolve: (_root, args, context, info) => {
      const search = checkSearch(args.search, "search");
      return resolveList(context, info, "leads", args, () => ({ status: args.status ?? undefined, search }));
    },
  }),
}));

// Mutations

const leadFields = (t: PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">) => ({
  email: t.string({ required: false, description: "Email address." }),
  phone: t.string({ required: false, description: "Phone number." }),
  address: t.field({ type: AddressInputRef, required: false, description: "Where the work would be done." }),
  billingAddress: t.field({
    type: AddressInputRef,
    required: false,
    description: "Billing address (JobCloser).",
  }),
  serviceInterests: t.stringList({
    required: false,
    description: "Services the lead asks about, e.g. `house-wash` (CleanEstimate Pro).",
  }),
  notes: t.string({ required: false, description: "Notes on the lead." }),
  channel: t.string({
    required: false,
    description: "Where the lead came from, e.g. `website` (CleanEstimate Pro; default `api`).",
  }),
  status: t.field({ type: LeadStatusEnum, required: false, description: "Status (CleanEstimate Pro)." }),
  customerType: t.string({ required: false, description: "Free-text kind of customer (JobCloser)." }),
  referredBy: t.string({ required: false, description: "Who referred the lead (JobCloser)." }),
});

const CreateLeadInput = builder.inputType("CreateLeadInput", {
  description: "A new sales lead. Fields a source cannot store are rejected with an error naming them.",
  fields: (t) => ({
    source: t.field({
      type: SourceEnum,
      required: true,
      description:
        "CLEANESTIMATE, or JOBCLOSER (a customer in status Lead; needs a Zapier key in the tenant's config).",
    }),
    name: t.string({ required: true, description: "The prospect's name." }),
    ...leadFields(t),
  }),
});

const UpdateLeadInput = builder.inputType("UpdateLeadInput", {
  description: "Changes to a lead: omitted fields stay as they are, `null` clears a field.",
  fields: (t) => ({
    name: t.string({ required: false, description: "The prospect's name (cannot be cleared)." }),
    ...leadFields(t),
  }),
});

const CreateLeadPayload = createPayload("CreateLeadPayload", "lead", LeadRef, "The created lead.");

const UpdateLeadPayload = changePayload("UpdateLeadPayload", "lead", LeadRef, "The updated lead.");

builder.mutationFields((t) => ({
  createLead: t.field({
    type: CreateLeadPayload,
    authScopes: { write: true },
    description: "Creates a sales lead in CleanEstimate Pro or JobCloser.",
    args: {
      input: t.arg({ type: CreateLeadInput, required: true, description: "The lead." }),
      idempotencyKey: t.arg.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      const { source, ...input } = args.input;
      return runCreate(context, {
        operation: "createLead",
        source,
        args: args.input,
        idempotencyKey: args.idempotencyKey,
        perform: (writes, options) => writes.createLead(input, options),
      });
    },
  }),
  updateLead: t.field({
    type: UpdateLeadPayload,
    authScopes: { write: true },
    description: "Changes a lead (CleanEstimate Pro).",
    args: {
      id: t.arg.id({ required: true, description: "The lead's global id." }),
      input: t.arg({ type: UpdateLeadInput, required: true, description: "The changes." }),
    },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "Lead", "updateLead");
      return runWrite(context, async () => ({ record: await writes.updateLead(ref.sourceId, args.input) }));
    },
  }),
}));
