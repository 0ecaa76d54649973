import type {
  EstimateAddon,
  EstimateCustomItem,
  EstimateService,
  UnifiedCustomer,
  UnifiedEstimate,
  UnifiedLead,
} from "../../datasources/unified.js";
import { builder } from "../builder.js";
import { EstimateConnection, pagingArgs, resolveList } from "../connections.js";
import { EstimateStatusEnum, SourceEnum } from "../enums.js";
import { AddressRef, CustomerRef, EstimateRef, LeadRef, MoneyRef, NodeRef } from "../refs.js";
import { filterRef, loadByGlobalId } from "./node.js";

const EstimateServiceRef = builder.objectRef<EstimateService>("EstimateService").implement({
  description: "A priced service on an estimate (the upstream prices it from area, stories and dirtiness).",
  fields: (t) => ({
    slug: t.exposeString("slug", {
      description: "The service as the upstream's price list names it (e.g. `house_wash`).",
    }),
    enabled: t.exposeBoolean("enabled", { description: "Whether the service counts towards the total." }),
    squareFeet: t.exposeFloat("squareFeet", { description: "Area to clean, in square feet." }),
    stories: t.exposeInt("stories", { description: "Number of stories (1–3)." }),
    amount: t.expose("amount", { type: MoneyRef, description: "Price of the service (zero when disabled)." }),
  }),
});

const EstimateAddonRef = builder.objectRef<EstimateAddon>("EstimateAddon").implement({
  description: "A priced add-on on an estimate.",
  fields: (t) => ({
    slug: t.exposeString("slug", { description: "The add-on as the upstream's price list names it." }),
    quantity: t.exposeInt("quantity", { description: "How many." }),
    unitPrice: t.expose("unitPrice", { type: MoneyRef, description: "Price of one." }),
    amount: t.expose("amount", { type: MoneyRef, description: "Line total." }),
  }),
});

const EstimateCustomItemRef = builder.objectRef<EstimateCustomItem>("EstimateCustomItem").implement({
  description: "A free-form line on an estimate.",
  fields: (t) => ({
    name: t.exposeString("name", { description: "What the line is for." }),
    quantity: t.exposeFloat("quantity", { description: "How many." }),
    unitPrice: t.expose("unitPrice", { type: MoneyRef, description: "Price of one." }),
    amount: t.expose("amount", { type: MoneyRef, description: "Line total." }),
  }),
});

EstimateRef.implement({
  description:
    "An estimate (quote), priced by the upstream: services, add-ons and custom lines add up to `total`.",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Estimate",
  fields: (t) => ({
    status: t.expose("status", { type: EstimateStatusEnum, description: "Unified status." }),
    sourceStatus: t.exposeString("sourceStatus", {
      description: "The upstream's own status value, unchanged.",
    }),
    customerName: t.exposeString("customerName", {
      description: "Who the estimate is for, as written on it.",
    }),
    email: t.exposeString("email", { nullable: true, description: "The customer's email on the estimate." }),
    phone: t.exposeString("phone", { nullable: true, description: "The customer's phone on the estimate." }),
    address: t.expose("address", {
      type: AddressRef,
      nullable: true,
      description: "The property's address.",
    }),
    propertyType: t.exposeString("propertyType", {
      nullable: true,
      description: "`residential` or `commercial`, when known.",
    }),
    dirtinessLevel: t.exposeString("dirtinessLevel", {
      description: "`light`, `medium` or `heavy`: a pricing multiplier.",
    }),
    services: t.expose("services", { type: [EstimateServiceRef], description: "Priced services." }),
    addons: t.expose("addons", { type: [EstimateAddonRef], description: "Priced add-ons." }),
    customItems: t.expose("customItems", { type: [EstimateCustomItemRef], description: "Free-form lines." }),
    total: t.expose("total", { type: MoneyRef, description: "The priced total (no tax)." }),
    salesRepId: t.exposeString("salesRepId", {
      nullable: true,
      description: "The upstream's id of the assigned sales rep.",
    }),
    channel: t.exposeString("channel", {
      nullable: true,
      description: "Where the estimate came from (`api`...).",
    }),
    expiresAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When an unanswered estimate expires.",
      resolve: (e) => e.expiresAt,
    }),
    acceptedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the customer accepted it.",
      resolve: (e) => e.acceptedAt,
    }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the estimate was created upstream.",
      resolve: (e) => e.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the estimate last changed upstream.",
      resolve: (e) => e.updatedAt,
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: "The customer the estimate is for, when it is linked to one.",
      resolve: async (estimate, _args, context) =>
        estimate.customerId
          ? ((await context.load({
              type: "Customer",
              source: estimate.source,
              sourceId: estimate.customerId,
            })) as UnifiedCustomer | null)
          : null,
    }),
    lead: t.field({
      type: LeadRef,
      nullable: true,
      description: "The lead the estimate was written for, when it is linked to one.",
      resolve: async (estimate, _args, context) =>
        estimate.leadId
          ? ((await context.load({
              type: "Lead",
              source: estimate.source,
              sourceId: estimate.leadId,
            })) as UnifiedLead | null)
          : null,
    }),
  }),
});

builder.queryFields((t) => ({
  estimate: t.field({
    type: EstimateRef,
    nullable: true,
    description: "An estimate by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The estimate's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedEstimate>(context, args.id, "Estimate"),
  }),
  estimates: t.field({
    type: EstimateConnection,
    nullable: true,
    description: "Estimates of every source that keeps them (or one, with `source`), newest first.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's estimates." }),
      status: t.arg({
        type: EstimateStatusEnum,
        required: false,
        description: "Only estimates in this status.",
      }),
      customerId: t.arg.id({ required: false, description: "Only estimates for this customer (global id)." }),
    },
    resolve: (_root, args, context, info) => {
      const customer = filterRef(context, args.customerId, "customerId", "Customer");
      return resolveList(context, info, "estimates", args, (source) =>
        customer && customer.source !== source
          ? null
          : { status: args.status ?? undefined, customerId: customer?.sourceId },
      );
    },
  }),
}));
