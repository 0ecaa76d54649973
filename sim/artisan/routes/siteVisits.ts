/** Site visits: list by date range (company zone), customer, job and status, ordered by schedule; CRUD. */
import type { SimRoute } from "../../core/server.js";
import { siteVisitDetail } from "../format.js";
import { type ArtisanWorld, authenticated, findRecord, noContent, ok, paginate, readList } from "../http.js";
import {
  type ArtisanCompanyState,
  type ArtisanSiteVisit,
  type ArtisanSiteVisitStatus,
  nextId,
  SITE_VISIT_STATUSES,
} from "../types.js";
import { type FieldRule, type Messages, readBody, validate, validationFailed } from "../validation.js";

function createRules(company: ArtisanCompanyState): Record<string, FieldRule> {
  return {
    job_id: { type: "integer", required: true, exists: (id) => company.jobs.has(id) },
    scheduled_at: { type: "datetime", required: true },
    customer_id: { type: "integer", exists: (id) => company.customers.has(id) },
    duration_minutes: { type: "integer", nullable: true, min: "1" },
    notes: { type: "string", nullable: true, max: 2000 },
    status: { type: "enum", values: SITE_VISIT_STATUSES },
    team_member_id: { type: "integer", nullable: true, exists: (id) => company.teamMembers.has(id) },
  };
}

/** PUT accepts `scheduled_at`, `duration_minutes`, `notes`, `status`, `team_member_id`. */
function updateRules(company: ArtisanCompanyState): Record<string, FieldRule> {
  const { job_id: _job, customer_id: _customer, ...rest } = createRules(company);
  return Object.fromEntries(
    Object.entries(rest).map(([field, rule]) => [field, { ...rule, required: false }]),
  );
}

/** Applies validated values; `scheduled_at` arrives as epoch ms and is rendered in the company zone. */
function render(
  values: Record<string, unknown>,
  zone: { render(ms: number): string },
): Record<string, unknown> {
  return typeof values.scheduled_at === "number"
    ? { ...values, scheduled_at: zone.render(values.scheduled_at) }
    : values;
}

export function siteVisitRoutes(world: ArtisanWorld): SimRoute[] {
  return [
    {
      method: "GET",
      pattern: "/api/v1/site-visits",
      handler: authenticated(world, (ctx) => {
        const list = readList(ctx, {
          from: { type: "day", nullable: true },
          to: { type: "day", nullable: true },
          customer_id: { type: "integer", nullable: true },
          job_id: { type: "integer", nullable: true },
          status: { type: "enum", nullable: true, values: SITE_VISIT_STATUSES },
        });
        if ("response" in list) return list.response;
        const {
          from,
          to,
          customer_id: customerId,
          job_id: jobId,
          status,
        } = list.filters as {
          from?: string;
          to?: string;
          customer_id?: number;
          job_id?: number;
          status?: string;
        };
        // scheduled_at is stored rendered in the company zone, so its first 10 characters are the local date.
        const items = [...ctx.company.siteVisits.values()]
          .filter((visit) => {
            const day = visit.scheduled_at.slice(0, 10);
            return (
              (from === undefined || day >= from) &&
              (to === undefined || day <= to) &&
              (customerId === undefined || visit.customer_id === customerId) &&
              (jobId === undefined || visit.job_id === jobId) &&
              (status === undefined || visit.status === status)
            );
          })
          .map((visit) => ({ visit, at: Date.parse(visit.scheduled_at) }))
          .sort((a, b) => a.at - b.at || a.visit.id - b.visit.id)
          .map(({ visit }) => visit);
        return paginate(items, list.page, list.perPage);
      }),
    },
    {
      method: "POST",
      pattern: "/api/v1/site-visits",
      handler: authenticated(world, (ctx) => {
        const messages: Messages = {};
        const values = validate(readBody(ctx.req.rawBody), createRules(ctx.company), ctx.zone, messages);
        if (Object.keys(messages).length > 0) return validationFailed(messages);
        const job = ctx.company.jobs.get(values.job_id as number);
        if (!job) throw new Error("validated job vanished");
        const now = ctx.zone.render(world.now().getTime());
        const visit: ArtisanSiteVisit = {
          id: nextId(world.ids, "siteVisit"),
          job_id: job.id,
          customer_id: (values.customer_id ?? job.customer_id) as number,
          team_member_id: (values.team_member_id ?? null) as number | null,
          scheduled_at: ctx.zone.render(values.scheduled_at as number),
          duration_minutes: (values.duration_minutes ?? null) as number | null,
          status: (values.status ?? "scheduled") as ArtisanSiteVisitStatus,
          notes: (values.notes ?? null) as string | null,
          created_at: now,
          updated_at: now,
        };
        ctx.company.siteVisits.set(visit.id, visit);
        return ok({ ...visit }, 201);
      }),
    },
    {
      method: "GET",
      pattern: "/api/v1/site-visits/{id}",
      handler: authenticated(world, (ctx) => {
        const found = findRecord(ctx, "siteVisits");
        if ("response" in found) return found.response;
        return ok(siteVisitDetail(ctx.company, found.record));
      }),
    },
    {
      method: "PUT",
      pattern: "/api/v1/site-visits/{id}",
      handler: authenticated(world, (ctx) => {
        const found = findRecord(ctx, "siteVisits");
        if ("response" in found) return found.response;
        const messages: Messages = {};
        const values = validate(readBody(ctx.req.rawBody), updateRules(ctx.company), ctx.zone, messages);
        if (Object.keys(messages).length > 0) return validationFailed(messages);
        Object.assign(found.record, render(values, ctx.zone));
        found.record.updated_at = ctx.zone.render(world.now().getTime());
        return ok({ ...found.record });
      }),
    },
    {
      method: "DELETE",
      pattern: "/api/v1/site-visits/{id}",
      handler: authenticated(world, (ctx) => {
        const found = findRecord(ctx, "siteVisits");
        if ("response" in found) return found.response;
        ctx.company.siteVisits.delete(found.record.id);
        return noContent();
      }),
    },
  ];
}
