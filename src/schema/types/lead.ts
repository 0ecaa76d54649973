import type { UnifiedCustomer, UnifiedLead } from "../../datasources/unified.js";
import { checkSearch } from "../args.js";
import { builder } from "../builder.js";
import { EstimateConnection, LeadConnection, pagingArgs, resolveList } from "../connections.js";
import { EstimateStatusEnum, LeadStatusEnum, SourceEnum } from "../enums.js";
import { AddressRef, CustomerRef, LeadRef, NodeRef } from "../refs.js";
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
