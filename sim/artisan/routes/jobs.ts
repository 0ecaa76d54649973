/** Jobs: list by customer and status, CRUD; deleting a job deletes its site visits. */
import type { SimRoute } from "../../core/server.js";
import { jobDetail } from "../format.js";
import { type ArtisanWorld, authenticated, findRecord, noContent, ok, paginate, readList } from "../http.js";
import {
  type ArtisanCompanyState,
  type ArtisanJob,
  type ArtisanJobStatus,
  JOB_STATUSES,
  nextId,
} from "../types.js";
import { type FieldRule, type Messages, readBody, validate, validationFailed } from "../validation.js";

/** Table order of POST /jobs; `customer_id` and `job_type_id` must belong to the company. */
function createRules(company: ArtisanCompanyState): Record<string, FieldRule> {
  return {
    customer_id: { type: "integer", required: true, exists: (id) => company.customers.has(id) },
    title: { type: "string", required: true, max: 255 },
    job_type_id: { type: "integer", nullable: true, exists: (id) => company.jobTypes.has(id) },
    description: { type: "string", nullable: true, max: 5000 },
    address: { type: "string", nullable: true, max: 255 },
    status: { type: "enum", values: JOB_STATUSES },
  };
}

/** PUT accepts every POST field but `customer_id` (ignored), all optional. */
function updateRules(company: ArtisanCompanyState): Record<string, FieldRule> {
  const { customer_id: _ignored, ...rest } = createRules(company);
  return Object.fromEntries(
    Object.entries(rest).map(([field, rule]) => [field, { ...rule, required: false }]),
  );
}

export function jobRoutes(world: ArtisanWorld): SimRoute[] {
  return [
    {
      method: "GET",
      pattern: "/api/v1/jobs",
      handler: authenticated(world, (ctx) => {
        const list = readList(ctx, {
          customer_id: { type: "integer", nullable: true },
          status: { type: "enum", nullable: true, values: JOB_STATUSES },
        });
        if ("response" in list) return list.response;
        const { customer_id: customerId, status } = list.filters;
        const items = [...ctx.company.jobs.values()]
          .filter(
            (job) =>
              (customerId === undefined || job.customer_id === customerId) &&
              (status === undefined || job.status === status),
          )
          .reverse();
        return paginate(items, list.page, list.perPage);
      }),
    },
    {
      method: "POST",
      pattern: "/api/v1/jobs",
      handler: authenticated(world, (ctx) => {
        const messages: Messages = {};
        const values = validate(readBody(ctx.req.rawBody), createRules(ctx.company), ctx.zone, messages);
        if (Object.keys(messages).length > 0) return validationFailed(messages);
        const now = ctx.zone.render(world.now().getTime());
        const job: ArtisanJob = {
          id: nextId(world.ids, "job"),
          customer_id: values.customer_id as number,
          job_type_id: (values.job_type_id ?? null) as number | null,
          title: values.title as string,
          description: (values.description ?? null) as string | null,
          address: (values.address ?? null) as string | null,
          status: (values.status ?? "open") as ArtisanJobStatus,
          created_at: now,
          updated_at: now,
        };
        ctx.company.jobs.set(job.id, job);
        return ok({ ...job }, 201);
      }),
    },
    {
      method: "GET",
      pattern: "/api/v1/jobs/{id}",
      handler: authenticated(world, (ctx) => {
        const found = findRecord(ctx, "jobs");
        if ("response" in found) return found.response;
        return ok(jobDetail(ctx.company, found.record));
      }),
    },
    {
      method: "PUT",
      pattern: "/api/v1/jobs/{id}",
      handler: authenticated(world, (ctx) => {
        const found = findRecord(ctx, "jobs");
        if ("response" in found) return found.response;
        const messages: Messages = {};
        const values = validate(readBody(ctx.req.rawBody), updateRules(ctx.company), ctx.zone, messages);
        if (Object.keys(messages).length > 0) return validationFailed(messages);
        Object.assign(found.record, values);
        found.record.updated_at = ctx.zone.render(world.now().getTime());
        return ok({ ...found.record });
      }),
    },
    {
      method: "DELETE",
      pattern: "/api/v1/jobs/{id}",
      handler: authenticated(world, (ctx) => {
        const found = findRecord(ctx, "jobs");
        if ("response" in found) return found.response;
        const { company } = ctx;
        for (const visit of [...company.siteVisits.values()]) {
          if (visit.job_id === found.record.id) company.siteVisits.delete(visit.id);
        }
        company.jobs.delete(found.record.id);
        return noContent();
      }),
    },
  ];
}
