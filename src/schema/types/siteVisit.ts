import type {
  UnifiedCrew,
  UnifiedCustomer,
  UnifiedJob,
  UnifiedSiteVisit,
} from "../../datasources/unified.js";
import { checkDateRange } from "../args.js";
import { builder, type Types } from "../builder.js";
import {
  ChemicalApplicationConnection,
  pagingArgs,
  resolveList,
  SiteVisitConnection,
} from "../connections.js";
import { SiteVisitStatusEnum, SourceEnum } from "../enums.js";
import {
  changePayload,
  createPayload,
  DeletePayloadRef,
  IDEMPOTENCY_KEY_DESCRIPTION,
  runCreate,
  runWrite,
  sameSourceId,
  targetOf,
} from "../mutations.js";
import { CrewRef, CustomerRef, JobRef, NodeRef, SiteVisitRef, TeamMemberObjectRef } from "../refs.js";
import { filterRef, fullRecord, loadByGlobalId } from "./node.js";
import { related } from "./reference.js";

SiteVisitRef.implement({
  description:
    "A scheduled visit to a customer's site to work on a job (ARTISAN site visits, JobCloser calendar events).",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "SiteVisit",
  fields: (t) => ({
    title: t.exposeString("title", { nullable: true, description: "Calendar title (JobCloser events)." }),
    endsAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the visit is planned to end (JobCloser).",
      resolve: (visit) => visit.endsAt,
    }),
    allDay: t.exposeBoolean("allDay", {
      description: "Whether the visit takes the whole day, with no set hours.",
    }),
    completedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the visit was completed (JobCloser).",
      resolve: (visit) => visit.completedAt,
    }),
    crew: t.field({
      type: CrewRef,
      nullable: true,
      description: "The crew doing the visit (JobCloser).",
      resolve: (visit, _args, context) => related<UnifiedCrew>(context, visit, "Crew", visit.crewId),
    }),
    chemicalApplications: t.field({
      type: ChemicalApplicationConnection,
      nullable: true,
      description: "Chemical applications recorded during the visit, in application order (JobCloser).",
      args: pagingArgs(t.arg),
      resolve: (visit, args, context, info) =>
        resolveList(context, info, "chemicalApplications", args, (source) =>
          source === visit.source ? { jobId: visit.jobId, siteVisitId: visit.sourceId } : null,
        ),
    }),
    scheduledAt: t.field({
      type: "DateTime",
      description: "When the visit starts.",
      resolve: (visit) => visit.scheduledAt,
    }),
    durationMinutes: t.exposeInt("durationMinutes", {
      nullable: true,
      description: "Planned duration in minutes.",
    }),
    status: t.expose("status", { type: SiteVisitStatusEnum, description: "Unified status." }),
    sourceStatus: t.exposeString("sourceStatus", {
      description: "The upstream's own status value, unchanged.",
    }),
    notes: t.exposeString("notes", { nullable: true, description: "Internal notes for the visit." }),
    teamMember: t.field({
      type: TeamMemberObjectRef,
      nullable: true,
      description: "The team member doing the visit.",
      resolve: async (visit, _args, context) => {
        if (!visit.teamMember) return null;
        const full = visit.teamMember.name === null ? await fullRecord(context, visit) : visit;
        const member = full?.teamMember ?? visit.teamMember;
        return { ...member, source: visit.source };
      },
    }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the visit was created upstream.",
      resolve: (visit) => visit.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the visit last changed upstream.",
      resolve: (visit) => visit.updatedAt,
    }),
    job: t.field({
      type: JobRef,
      nullable: true,
      description: "The job the visit is for.",
      resolve: async (visit, _args, context) =>
        (await context.load({
          type: "Job",
          source: visit.source,
          sourceId: visit.jobId,
        })) as UnifiedJob | null,
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: "The customer visited.",
      resolve: async (visit, _args, context) =>
        visit.customerId
          ? ((await context.load({
              type: "Customer",
              source: visit.source,
              sourceId: visit.customerId,
            })) as UnifiedCustomer | null)
          : null,
    }),
  }),
});

builder.queryFields((t) => ({
  siteVisit: t.field({
    type: SiteVisitRef,
    nullable: true,
    description: "A site visit by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The visit's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedSiteVisit>(context, args.id, "SiteVisit"),
  }),
  siteVisits: t.field({
    type: SiteVisitConnection,
    nullable: true,
    description:
      "Site visits of every source that schedules them (or one, with `source`), earliest first. JobCloser lists its events per job only: they are included when `jobId` names a JobCloser job (or use `Job.siteVisits`).",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's visits." }),
      status: t.arg({
        type: SiteVisitStatusEnum,
        required: false,
        description: "Only visits in this status.",
      }),
      jobId: t.arg.id({ required: false, description: "Only visits of this job (global id)." }),
      customerId: t.arg.id({ required: false, description: "Only visits of this customer (global id)." }),
      from: t.arg({
        type: "Date",
        required: false,
        description: "Only visits scheduled on or after this date (in the source's timezone).",
      }),
      to: t.arg({
        type: "Date",
        required: false,
        description: "Only visits scheduled on or before this date (in the source's timezone).",
      }),
    },
    resolve: (_root, args, context, info) => {
      checkDateRange(args.from, args.to, "from", "to");
      const job = filterRef(context, args.jobId, "jobId", "Job");
      const customer = filterRef(context, args.customerId, "customerId", "Customer");
      return resolveList(context, info, "siteVisits", args, (source) =>
        (job && job.source !== source) || (customer && customer.source !== source)
          ? null
          : {
              status: args.status ?? undefined,
              jobId: job?.sourceId,
              customerId: customer?.sourceId,
              from: args.from ?? undefined,
              to: args.to ?? undefined,
            },
      );
    },
  }),
}));

// Mutations

const siteVisitFields = (t: PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">) => ({
  durationMinutes: t.int({ required: false, description: "Planned duration in minutes (at least 1)." }),
  notes: t.string({ required: false, description: "Internal notes (up to 2000 characters)." }),
  status: t.field({
    type: SiteVisitStatusEnum,
    required: false,
    description: "SCHEDULED (default), COMPLETED or CANCELLED.",
  }),
  teamMemberId: t.string({ required: false, description: "The team member's upstream id." }),
});

const CreateSiteVisitInput = builder.inputType("CreateSiteVisitInput", {
  description: "A new site visit of a job (ARTISAN).",
  fields: (t) => ({
    source: t.field({ type: SourceEnum, required: true, description: "ARTISAN." }),
    jobId: t.id({ required: true, description: "The job's global id." }),
    scheduledAt: t.field({ type: "DateTime", required: true, description: "When the visit starts." }),
    customerId: t.id({
      required: false,
      description: "The customer visited (default: the job's customer).",
    }),
    ...siteVisitFields(t),
  }),
});

const UpdateSiteVisitInput = builder.inputType("UpdateSiteVisitInput", {
  description: "Changes to a site visit: omitted fields stay as they are, `null` clears a field.",
  fields: (t) => ({
    scheduledAt: t.field({ type: "DateTime", required: false, description: "When the visit starts." }),
    ...siteVisitFields(t),
  }),
});

const CreateSiteVisitPayload = createPayload(
  "CreateSiteVisitPayload",
  "siteVisit",
  SiteVisitRef,
  "The created site visit.",
);

const SiteVisitPayload = changePayload(
  "SiteVisitPayload",
  "siteVisit",
  SiteVisitRef,
  "A site visit after a change.",
);

builder.mutationFields((t) => ({
  createSiteVisit: t.field({
    type: CreateSiteVisitPayload,
    authScopes: { write: true },
    description: "Schedules a site visit of a job (ARTISAN).",
    args: {
      input: t.arg({ type: CreateSiteVisitInput, required: true, description: "The visit." }),
      idempotencyKey: t.arg.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      const { source, ...input } = args.input;
      return runCreate(context, {
        operation: "createSiteVisit",
        source,
        args: args.input,
        idempotencyKey: args.idempotencyKey,
        perform: (writes, options) =>
          writes.createSiteVisit(
            {
              ...input,
              jobId: sameSourceId(context, source, input.jobId, "jobId", ["Job"]),
              customerId: sameSourceId(context, source, input.customerId, "customerId", ["Customer"]),
            },
            options,
          ),
      });
    },
  }),
  updateSiteVisit: t.field({
    type: SiteVisitPayload,
    authScopes: { write: true },
    description: "Reschedules or changes a site visit (ARTISAN).",
    args: {
      id: t.arg.id({ required: true, description: "The visit's global id." }),
      input: t.arg({ type: UpdateSiteVisitInput, required: true, description: "The changes." }),
    },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "SiteVisit", "updateSiteVisit");
      return runWrite(context, async () => ({
        record: await writes.updateSiteVisit(ref.sourceId, args.input),
      }));
    },
  }),
  deleteSiteVisit: t.field({
    type: DeletePayloadRef,
    authScopes: { delete: true },
    description: "Deletes a site visit (ARTISAN). Needs the `delete` scope.",
    args: { id: t.arg.id({ required: true, description: "The visit's global id." }) },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "SiteVisit", "deleteSiteVisit");
      return runWrite(context, async () => ({ ref, ...(await writes.deleteSiteVisit(ref.sourceId)) }));
    },
  }),
}));
