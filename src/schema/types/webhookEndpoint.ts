import type { RegisteredWebhookEndpoint } from "../../datasources/writes.js";
import { BadInputError, ForbiddenError } from "../../errors.js";
import { builder } from "../builder.js";
import { SourceEnum } from "../enums.js";
import { IDEMPOTENCY_KEY_DESCRIPTION, runCreate, runWrite, writesFor } from "../mutations.js";

const WebhookEndpointRef = builder
  .objectRef<{ sourceId: string; name: string; url: string; events: string[]; createdAt: string }>(
    "WebhookEndpoint",
  )
  .implement({
    description:
      "A webhook endpoint registered with an upstream (CleanEstimate Pro). Its signing secret is never shown.",
    fields: (t) => ({
      sourceId: t.exposeString("sourceId", { description: "The upstream's id of the endpoint." }),
      name: t.exposeString("name", { description: "The endpoint's name." }),
      url: t.exposeString("url", { description: "Where the upstream delivers events." }),
      events: t.exposeStringList("events", {
        description: "Event types delivered, as the upstream names them.",
      }),
      createdAt: t.field({
        type: "DateTime",
        description: "When it was registered.",
        resolve: (e) => e.createdAt,
      }),
    }),
  });

builder.queryFields((t) => ({
  webhookEndpoints: t.field({
    type: [WebhookEndpointRef],
    description:
      "Webhook endpoints registered with an upstream (CleanEstimate Pro). An admin read: needs the `delete` scope.",
    args: { source: t.arg({ type: SourceEnum, required: true, description: "Which upstream." }) },
    resolve: async (_root, args, context) => {
      if (!context.scopes.has("delete")) throw new ForbiddenError("delete");
      const datasource = context.datasources.get(args.source);
      if (!datasource?.webhookEndpoints) {
        throw new BadInputError(
          `Source ${args.source.toUpperCase()} has no webhook endpoints for this tenant.`,
          "source",
        );
      }
      return datasource.webhookEndpoints();
    },
  }),
}));

// Mutations: admin writes, so they need the `delete` scope like the read above.

const RegisterWebhookEndpointInput = builder.inputType("RegisterWebhookEndpointInput", {
  description: "A webhook endpoint to register with an upstream (CleanEstimate Pro, live keys only).",
  fields: (t) => ({
    source: t.field({ type: SourceEnum, required: true, description: "CLEANESTIMATE." }),
    name: t.string({ required: true, description: "A name for the endpoint (1–100 characters)." }),
    url: t.string({ required: true, description: "Where to deliver events: an absolute http(s) URL." }),
    events: t.stringList({
      required: true,
      description: "Event types to deliver, as the upstream names them (e.g. `job.completed`).",
    }),
  }),
});

const RegisterWebhookEndpointPayload = builder
  .objectRef<{ record: RegisteredWebhookEndpoint; replayed: boolean }>("RegisterWebhookEndpointPayload")
  .implement({
    description: "The registered endpoint and its signing secret.",
    fields: (t) => ({
      webhookEndpoint: t.field({
        type: WebhookEndpointRef,
        description: "The endpoint.",
        resolve: (payload) => payload.record.endpoint,
      }),
      secret: t.string({
        description:
          "The signing secret of the endpoint. The upstream shows it only in this answer: store it now (the gateway does not keep it).",
        resolve: (payload) => payload.record.secret,
      }),
      replayed: t.exposeBoolean("replayed", {
        description:
          "True when the upstream returned the stored result of an earlier request with the same key.",
      }),
    }),
  });

const DeleteWebhookEndpointPayload = builder
  .objectRef<{ sourceId: string }>("DeleteWebhookEndpointPayload")
  .implement({
    description: "A deleted webhook endpoint: deliveries to it stop at once.",
    fields: (t) => ({
      sourceId: t.exposeString("sourceId", { description: "The upstream's id of the deleted endpoint." }),
    }),
  });

builder.mutationFields((t) => ({
  registerWebhookEndpoint: t.field({
    type: RegisterWebhookEndpointPayload,
    authScopes: { delete: true },
    description:
      "Registers a webhook endpoint with an upstream (CleanEstimate Pro). An admin write: needs the `delete` scope.",
    args: {
      input: t.arg({ type: RegisterWebhookEndpointInput, required: true, description: "The endpoint." }),
      idempotencyKey: t.arg.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      const { source, ...input } = args.input;
      return runCreate(context, {
        operation: "registerWebhookEndpoint",
        source,
        args: args.input,
        idempotencyKey: args.idempotencyKey,
        perform: (writes, options) => writes.registerWebhookEndpoint(input, options),
      });
    },
  }),
  deleteWebhookEndpoint: t.field({
    type: DeleteWebhookEndpointPayload,
    authScopes: { delete: true },
    description:
      "Deletes a webhook endpoint registered with an upstream (CleanEstimate Pro). Needs the `delete` scope.",
    args: {
      source: t.arg({ type: SourceEnum, required: true, description: "CLEANESTIMATE." }),
      sourceId: t.arg.string({ required: true, description: "The endpoint's upstream id." }),
    },
    resolve: (_root, args, context) => {
      const writes = writesFor(context, args.source, "deleteWebhookEndpoint");
      return runWrite(context, async () => {
        await writes.deleteWebhookEndpoint(args.sourceId);
        return { sourceId: args.sourceId };
      });
    },
  }),
}));
