/**
 * `GET /openapi.json` (§8): the OpenAPI document of the v1 API. Its content is not normative; it
 * lists every route of the reference with its parameters and the shared list/query conventions.
 */

type Operation = { summary: string; idempotent?: boolean; list?: boolean; status?: string; noBody?: boolean };

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const listParams = [
  { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 25 } },
  { name: "sort", in: "query", schema: { type: "string", default: "created_at" } },
  { name: "order", in: "query", schema: { type: "string", enum: ["asc", "desc"], default: "desc" } },
  { name: "status", in: "query", schema: { type: "string" } },
  { name: "cursor", in: "query", schema: { type: "string" } },
];
const idParam = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
const idempotencyParam = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  schema: { type: "string", minLength: 1, maxLength: 255 },
};

function operation(resource: string, op: Operation, withId: boolean) {
  const parameters = [
    ...(withId ? [idParam] : []),
    ...(op.list ? listParams : []),
    ...(op.idempotent ? [idempotencyParam] : []),
  ];
  const content = { "application/json": { schema: op.list ? ref("List") : ref(resource) } };
  return {
    summary: op.summary,
    tags: [resource],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.idempotent && !op.noBody
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref(`${resource}Input`) } },
          },
        }
      : {}),
    responses: {
      [op.status ?? "200"]:
        op.status === "204" ? { description: "No content" } : { description: "OK", content },
      default: { description: "Error", content: { "application/json": { schema: ref("Error") } } },
    },
  };
}

function crud(resource: string, plural: string, options: { writable: boolean }) {
  const collection: Record<string, unknown> = {
    get: operation(resource, { summary: `List ${plural}`, list: true }, false),
  };
  const item: Record<string, unknown> = {
    get: operation(resource, { summary: `Get a ${resource.toLowerCase()}` }, true),
  };
  if (options.writable) {
    collection.post = operation(
      resource,
      { summary: `Create a ${resource.toLowerCase()}`, idempotent: true, status: "201" },
      false,
    );
    item.patch = operation(
      resource,
      { summary: `Update a ${resource.toLowerCase()}`, idempotent: true },
      true,
    );
  }
  return { [`/${plural}`]: collection, [`/${plural}/{id}`]: item };
}

export function openApiDocument(): unknown {
  return {
    openapi: "3.1.0",
    info: {
      title: "CleanEstimate Pro API",
      version: "v1",
      description:
        "Public v1 API: leads, clients, estimates (server-priced), jobs, invoices (read-only) and webhook destinations.",
    },
    servers: [{ url: "https://app.cleanestimate.pro/api/v1" }],
    security: [{ bearerAuth: [] }],
    paths: {
      ...crud("Lead", "leads", { writable: true }),
      ...crud("Client", "clients", { writable: true }),
      ...crud("Estimate", "estimates", { writable: true }),
      ...crud("Job", "jobs", { writable: true }),
      ...crud("Invoice", "invoices", { writable: false }),
      "/webhooks": {
        get: operation(
          "Webhook",
          { summary: "List webhook destinations (live keys only)", list: true },
          false,
        ),
        post: operation(
          "Webhook",
          { summary: "Register a webhook destination (live keys only)", idempotent: true, status: "201" },
          false,
        ),
      },
      "/webhooks/{id}": {
        delete: operation("Webhook", { summary: "Delete a webhook destination", status: "204" }, true),
      },
      "/openapi.json": {
        get: { summary: "This document", security: [], responses: { "200": { description: "OK" } } },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "ce_live_… or ce_test_… API key" },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string" },
                message: { type: "string" },
                details: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: { field: { type: "string" }, message: { type: "string" } },
                  },
                },
              },
            },
          },
        },
        List: {
          type: "object",
          required: ["data", "has_more", "next_cursor"],
          properties: {
            data: { type: "array", items: { type: "object" } },
            has_more: { type: "boolean" },
            next_cursor: { type: ["string", "null"] },
          },
        },
        Lead: { type: "object" },
        LeadInput: { type: "object", required: ["customer_name"] },
        Client: { type: "object" },
        ClientInput: { type: "object", required: ["name"] },
        Estimate: { type: "object" },
        EstimateInput: { type: "object", required: ["customer_name"] },
        Job: { type: "object" },
        JobInput: { type: "object", required: ["client_id", "service_type", "scheduled_date"] },
        Invoice: { type: "object" },
        Webhook: { type: "object" },
        WebhookInput: { type: "object", required: ["name", "url", "events"] },
      },
    },
  };
}
