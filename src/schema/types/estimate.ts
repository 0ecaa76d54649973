import type { GatewayContext } from "../../context.js";
import type {
  EstimateAddon,
  EstimateCustomItem,
  EstimateService,
  UnifiedCustomer,
  UnifiedEstimate,
  UnifiedLead,
} from "../../datasources/unified.js";
import type { SourceId } from "../../errors.js";
import { builder, type Types } from "../builder.js";
import { EstimateConnection, pagingArgs, resolveList } from "../connections.js";
import { EstimateStatusEnum, SourceEnum } from "../enums.js";
import {
  changePayload,
  createPayload,
  IDEMPOTENCY_KEY_DESCRIPTION,
  runCreate,
  runWrite,
  sameSourceId,
  targetOf,
} from "../mutations.js";
import { AddressRef, CustomerRef, EstimateRef, LeadRef, MoneyRef, NodeRef } from "../refs.js";
import { AddressInputRef } from "./common.js";
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

// Mutations

const EstimateServiceInput = builder.inputType("EstimateServiceInput", {
  description: "A priced service of an estimate; the upstream computes the amount.",
  fields: (t) => ({
    slug: t.string({
      required: true,
      description:
        "The service: house_wash, roof_wash, driveway_cleaning, patio_cleaning, deck_cleaning or fence_cleaning.",
    }),
    enabled: t.boolean({ required: false, description: "Whether it is priced in (default true)." }),
    squareFeet: t.float({ required: true, description: "Area in square feet (above 0)." }),
    stories: t.int({ required: false, description: "Stories, 1–3 (default 1)." }),
  }),
});

const EstimateAddonInput = builder.inputType("EstimateAddonInput", {
  description: "An add-on of an estimate at its list price.",
  fields: (t) => ({
    slug: t.string({
      required: true,
      description: "gutter_brightening, window_rinse, rust_removal or oil_stain_treatment.",
    }),
    quantity: t.int({ required: false, description: "How many (at least 1, default 1)." }),
  }),
});

const EstimateCustomItemInput = builder.inputType("EstimateCustomItemInput", {
  description: "A free line of an estimate.",
  fields: (t) => ({
    name: t.string({ required: true, description: "What it is (up to 255 characters)." }),
    quantity: t.float({ required: false, description: "How many (above 0, default 1)." }),
    unitPrice: t.field({ type: "Decimal", required: true, description: "Price of one, e.g. `15.00`." }),
  }),
});

const estimateFields = (t: PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">) => ({
  email: t.string({ required: false, description: "The customer's email." }),
  phone: t.string({ required: false, description: "The customer's phone." }),
  address: t.field({ type: AddressInputRef, required: false, description: "The property's address." }),
  propertyType: t.string({ required: false, description: "`residential` or `commercial`." }),
  salesRepId: t.string({ required: false, description: "The sales rep's user id (a UUID)." }),
  status: t.field({
    type: EstimateStatusEnum,
    required: false,
    description: "DRAFT (default) or SENT; the customer accepts or declines outside the API.",
  }),
  channel: t.string({ required: false, description: "Where the estimate came from (default `api`)." }),
  expiresAt: t.field({ type: "DateTime", required: false, description: "Expiry (default: 30 days)." }),
  customerId: t.id({ required: false, description: "The client's global id." }),
  leadId: t.id({ required: false, description: "The lead's global id." }),
  services: t.field({ type: [EstimateServiceInput], required: false, description: "Priced services." }),
  addons: t.field({ type: [EstimateAddonInput], required: false, description: "Add-ons." }),
  customItems: t.field({ type: [EstimateCustomItemInput], required: false, description: "Free lines." }),
  dirtinessLevel: t.string({
    required: false,
    description: "`light` (default), `medium` or `heavy`: multiplies service prices.",
  }),
});

const CreateEstimateInput = builder.inputType("CreateEstimateInput", {
  description:
    "A new estimate, priced by the upstream (CleanEstimate Pro). At least one enabled service, add-on or custom item.",
  fields: (t) => ({
    source: t.field({ type: SourceEnum, required: true, description: "CLEANESTIMATE." }),
    customerName: t.string({ required: true, description: "Who the estimate is for." }),
    ...estimateFields(t),
  }),
});

const UpdateEstimateInput = builder.inputType("UpdateEstimateInput", {
  description:
    "Changes to an estimate. Only contact, address, property type, rep, status, channel and expiry can change: `services`, `addons`, `customItems`, `dirtinessLevel`, `customerId` and `leadId` would change the price or links, and are refused (create a new estimate instead).",
  fields: (t) => ({
    customerName: t.string({ required: false, description: "Who the estimate is for." }),
    ...estimateFields(t),
  }),
});

const CreateEstimatePayload = createPayload(
  "CreateEstimatePayload",
  "estimate",
  EstimateRef,
  "The created, priced estimate.",
);

const EstimatePayload = changePayload(
  "EstimatePayload",
  "estimate",
  EstimateRef,
  "An estimate after a change.",
);

function estimateIds<T extends { customerId?: string | number | null; leadId?: string | number | null }>(
  context: GatewayContext,
  source: SourceId,
  input: T,
) {
  return {
    ...input,
    customerId: sameSourceId(context, source, input.customerId, "customerId", ["Customer"]),
    leadId: sameSourceId(context, source, input.leadId, "leadId", ["Lead"]),
  };
}

builder.mutationFields((t) => ({
  createEstimate: t.field({
    type: CreateEstimatePayload,
    authScopes: { write: true },
    description: "Creates an estimate in CleanEstimate Pro, which prices it.",
    args: {
      input: t.arg({ type: CreateEstimateInput, required: true, description: "The estimate." }),
      idempotencyKey: t.arg.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      const { source, ...input } = args.input;
      return runCreate(context, {
        operation: "createEstimate",
        source,
        args: args.input,
        idempotencyKey: args.idempotencyKey,
        perform: (writes, options) => writes.createEstimate(estimateIds(context, source, input), options),
      });
    },
  }),
  updateEstimate: t.field({
    type: EstimatePayload,
    authScopes: { write: true },
    description:
      "Changes an estimate's non-pricing fields (CleanEstimate Pro). Accepted, declined and expired estimates cannot change.",
    args: {
      id: t.arg.id({ required: true, description: "The estimate's global id." }),
      input: t.arg({ type: UpdateEstimateInput, required: true, description: "The changes." }),
    },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "Estimate", "updateEstimate");
      const input = estimateIds(context, ref.source, args.input);
      return runWrite(context, async () => ({
        record: await writes.updateEstimate(ref.sourceId, input),
      }));
    },
  }),
}));
