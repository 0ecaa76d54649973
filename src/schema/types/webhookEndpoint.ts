import { BadInputError, ForbiddenError } from "../../errors.js";
import { builder } from "../builder.js";
import { SourceEnum } from "../enums.js";

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
