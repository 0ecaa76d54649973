/** Customers: list with `search`, CRUD; deleting cascades to jobs and visits unless invoiced. */
import type { SimRoute } from "../../core/server.js";
import { customerDetail } from "../format.js";
import {
  type ArtisanWorld,
  authenticated,
  error,
  findRecord,
  noContent,
  ok,
  paginate,
  readList,
} from "../http.js";
import { type ArtisanCustomer, nextId } from "../types.js";
import { type FieldRule, type Messages, readBody, validate, validationFailed } from "../validation.js";

const CREATE_RULES: Record<string, FieldRule> = {
  first_name: { type: "string", required: true, max: 255 },
  last_name: { type: "string", required: true, max: 255 },
  email: { type: "email", nullable: true, max: 255 },
  phone: { type: "string", nullable: true, max: 50 },
  mobile: { type: "string", nullable: true, max: 50 },
  address: { type: "string", nullable: true, max: 255 },
  address2: { type: "string", nullable: true, max: 255 },
  zip_code: { type: "string", nullable: true, max: 20 },
  city: { type: "string", nullable: true, max: 255 },
  country: { type: "country", nullable: true },
  notes: { type: "string", nullable: true, max: 5000 },
  send_sms: { type: "boolean" },
};

/** PUT: the same fields, all optional (`sometimes`); a present null still fails non-nullable ones. */
const UPDATE_RULES: Record<string, FieldRule> = Object.fromEntries(
  Object.entries(CREATE_RULES).map(([field, rule]) => [field, { ...rule, required: false }]),
);

const SEARCHED = ["first_name", "last_name", "full_name", "email", "phone", "mobile"] as const;

export function customerRoutes(world: ArtisanWorld): SimRoute[] {
  return [
    {
      method: "GET",
      pattern: "/api/v1/customers",
      handler: authenticated(world, (ctx) => {
        const list = readList(ctx, { search: { type: "string", nullable: true } });
        if ("response" in list) return list.response;
        const needle = typeof list.filters.search === "string" ? list.filters.search.toLowerCase() : null;
        const items = [...ctx.company.customers.values()]
          .filter(
            (customer) =>
              needle === null || SEARCHED.some((field) => customer[field]?.toLowerCase().includes(needle)),
          )
          .reverse();
        return paginate(items, list.page, list.perPage);
      }),
    },
    {
      method: "POST",
      pattern: "/api/v1/customers",
      handler: authenticated(world, (ctx) => {
        const messages: Messages = {};
        const values = validate(readBody(ctx.req.rawBody), CREATE_RULES, ctx.zone, messages);
        if (Object.keys(messages).length > 0) return validationFailed(messages);
        const now = ctx.zone.render(world.now().getTime());
        const field = (name: string) => (values[name] ?? null) as string | null;
        const first = values.first_name as string;
        const last = values.last_name as string;
        const customer: ArtisanCustomer = {
          id: nextId(world.ids, "customer"),
          first_name: first,
          last_name: last,
          full_name: `${first} ${last}`,
          email: field("email"),
          phone: field("phone"),
          mobile: field("mobile"),
          address: field("address"),
          address2: field("address2"),
          zip_code: field("zip_code"),
          city: field("city"),
          country: field("country"),
          notes: field("notes"),
          send_sms: (values.send_sms ?? true) as boolean,
          is_walk_in: false,
          created_at: now,
          updated_at: now,
        };
        ctx.company.customers.set(customer.id, customer);
        return ok({ ...customer }, 201);
      }),
    },
    {
      method: "GET",
      pattern: "/api/v1/customers/{id}",
      handler: authenticated(world, (ctx) => {
        const found = findRecord(ctx, "customers");
        if ("response" in found) return found.response;
        return ok(customerDetail(ctx.company, found.record));
      }),
    },
    {
      method: "PUT",
      pattern: "/api/v1/customers/{id}",
      handler: authenticated(world, (ctx) => {
        const found = findRecord(ctx, "customers");
        if ("response" in found) return found.response;
        const messages: Messages = {};
        const values = validate(readBody(ctx.req.rawBody), UPDATE_RULES, ctx.zone, messages);
        if (Object.keys(messages).length > 0) return validationFailed(messages);
        const customer = found.record;
        Object.assign(customer, values);
        customer.full_name = `${customer.first_name} ${customer.last_name}`;
        customer.updated_at = ctx.zone.render(world.now().getTime());
        return ok({ ...customer });
      }),
    },
    {
      method: "DELETE",
      pattern: "/api/v1/customers/{id}",
      handler: authenticated(world, (ctx) => {
        const found = findRecord(ctx, "customers");
        if ("response" in found) return found.response;
        const { company } = ctx;
        const id = found.record.id;
        for (const invoice of company.invoices.values()) {
          if (invoice.customer_id === id)
            return error(422, "This customer has invoices and cannot be deleted.");
        }
        const jobIds = new Set<number>();
        for (const job of company.jobs.values()) if (job.customer_id === id) jobIds.add(job.id);
        for (const visit of [...company.siteVisits.values()]) {
          if (jobIds.has(visit.job_id) || visit.customer_id === id) company.siteVisits.delete(visit.id);
        }
        for (const jobId of jobIds) company.jobs.delete(jobId);
        company.customers.delete(id);
        return noContent();
      }),
    },
  ];
}
