import type { GatewayContext } from "../../context.js";
import type {
  UnifiedCrew,
  UnifiedCustomer,
  UnifiedEstimate,
  UnifiedJob,
  UnifiedLocation,
} from "../../datasources/unified.js";
import type { SourceId } from "../../errors.js";
import { builder, type Types } from "../builder.js";
import {
  ChemicalApplicationConnection,
  InvoiceConnection,
  JobConnection,
  pagingArgs,
  resolveList,
  SiteVisitConnection,
} from "../connections.js";
import { InvoiceStatusEnum, JobStatusEnum, SiteVisitStatusEnum, SourceEnum } from "../enums.js";
import { decodeGlobalId } from "../globalId.js";
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
import {
  AddressRef,
  CrewRef,
  CustomerRef,
  EstimateRef,
  JobRef,
  JobTypeRef,
  LineItemRef,
  LocationRef,
  MoneyRef,
  NodeRef,
  ProductRef,
  TeamMemberObjectRef,
} from "../refs.js";
import { calendarDateIn, checkTimeZone, eventRecord, eventStream } from "../subscriptions.js";
import { AddressInputRef } from "./common.js";
import { filterRef, fullRecord, loadByGlobalId } from "./node.js";
import { related } from "./reference.js";

/** Only the job's own source can hold its site visits and invoices. */
const ownSource =
  <F>(job: UnifiedJob, filter: F) =>
  (source: string) =>
    source === job.source ? filter : null;

JobRef.implement({
  description:
    "A job: work to be done for a customer. CleanItAll jobs are single scheduled visits (their schedule is on the job); ARTISAN jobs are scheduled through site visits.",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Job",
  fields: (t) => ({
    number: t.exposeString("number", {
      nullable: true,
      description: "The upstream's job number (JobCloser).",
    }),
    title: t.exposeString("title", {
      description:
        "Short title of the job (CleanEstimate Pro jobs have none: their service type and customer).",
    }),
    description: t.exposeString("description", { nullable: true, description: "What is to be done." }),
    status: t.expose("status", { type: JobStatusEnum, description: "Unified status." }),
    sourceStatus: t.exposeString("sourceStatus", {
      description: "The upstream's own status value, unchanged.",
    }),
    serviceType: t.exposeString("serviceType", {
      nullable: true,
      description: "Free-text kind of service (CleanItAll, e.g. `deep_cleaning`).",
    }),
    jobType: t.field({
      type: JobTypeRef,
      nullable: true,
      description: "The company-defined job type (ARTISAN).",
      resolve: (job) => (job.jobType ? { ...job.jobType, source: job.source, job } : null),
    }),
    scheduledDate: t.field({
      type: "Date",
      nullable: true,
      description: "The day the job is scheduled (CleanItAll; ARTISAN schedules are on site visits).",
      resolve: (job) => job.scheduledDate,
    }),
    scheduledTime: t.exposeString("scheduledTime", {
      nullable: true,
      description: "Start time, `HH:MM` in 24 h (CleanItAll).",
    }),
    scheduledEndTime: t.exposeString("scheduledEndTime", {
      nullable: true,
      description: "End of the scheduled window, `HH:MM` in 24 h (CleanEstimate Pro).",
    }),
    durationMinutes: t.exposeInt("durationMinutes", {
      nullable: true,
      description: "Planned duration in minutes (CleanItAll).",
    }),
    assignee: t.field({
      type: TeamMemberObjectRef,
      nullable: true,
      description: "The team member assigned to the job (CleanItAll).",
      resolve: (job) => (job.assignee ? { ...job.assignee, source: job.source } : null),
    }),
    address: t.expose("address", {
      type: AddressRef,
      nullable: true,
      description: "Where the work is done.",
    }),
    price: t.expose("price", {
      type: MoneyRef,
      nullable: true,
      description: "Quoted price of the job (CleanItAll).",
    }),
    notes: t.exposeString("notes", { nullable: true, description: "Internal notes." }),
    accessNotes: t.exposeString("accessNotes", {
      nullable: true,
      description: "How to get in: gate codes, keys (CleanEstimate Pro).",
    }),
    specialInstructions: t.exposeString("specialInstructions", {
      nullable: true,
      description: "Instructions for the crew on site (CleanEstimate Pro).",
    }),
    estimate: t.field({
      type: EstimateRef,
      nullable: true,
      description: "The estimate the job was sold from, where the upstream links one (CleanEstimate Pro).",
      resolve: async (job, _args, context) =>
        job.estimateId
          ? ((await context.load({
              type: "Estimate",
              source: job.source,
              sourceId: job.estimateId,
            })) as UnifiedEstimate | null)
          : null,
    }),
    completedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the job was completed (CleanItAll).",
      resolve: (job) => job.completedAt,
    }),
    completionNotes: t.exposeString("completionNotes", {
      nullable: true,
      description: "Notes left on completion (CleanItAll).",
    }),
    crew: t.field({
      type: CrewRef,
      nullable: true,
      description: "The crew assigned to the job (JobCloser).",
      resolve: (job, _args, context) => related<UnifiedCrew>(context, job, "Crew", job.crewId),
    }),
    location: t.field({
      type: LocationRef,
      nullable: true,
      description: "The branch the job belongs to (JobCloser).",
      resolve: (job, _args, context) => related<UnifiedLocation>(context, job, "Location", job.locationId),
    }),
    salesperson: t.field({
      type: TeamMemberObjectRef,
      nullable: true,
      description: "Who sold the job, where the upstream records it (JobCloser).",
      resolve: async (job, _args, context) => {
        const datasource = context.datasources.get(job.source);
        const member =
          job.salespersonId && datasource?.teamMember ? await datasource.teamMember(job.salespersonId) : null;
        return member ? { ...member, source: job.source } : null;
      },
    }),
    products: t.field({
      type: [ProductRef],
      nullable: true,
      description:
        "The catalog products the job's line items use, in line order (JobCloser); null elsewhere.",
      resolve: async (job, _args, context) => {
        const datasource = context.datasources.get(job.source);
        return datasource?.jobProducts ? datasource.jobProducts(job) : null;
      },
    }),
    lineItems: t.field({
      type: [LineItemRef],
      nullable: true,
      description:
        "What the job is made of, priced, where the upstream keeps lines on jobs (JobCloser); null elsewhere.",
      resolve: async (job, _args, context) => {
        const datasource = context.datasources.get(job.source);
        return datasource?.jobLineItems ? datasource.jobLineItems(job) : null;
      },
    }),
    chemicalApplications: t.field({
      type: ChemicalApplicationConnection,
      nullable: true,
      description: "Chemical applications recorded on the job, in application order (JobCloser).",
      args: pagingArgs(t.arg),
      resolve: (job, args, context, info) =>
        resolveList(context, info, "chemicalApplications", args, (source) =>
          source === job.source ? { jobId: job.sourceId } : null,
        ),
    }),
    siteVisitCount: t.int({
      nullable: true,
      description: "How many site visits the job has.",
      resolve: async (job, _args, context) => (await fullRecord(context, job))?.siteVisitCount ?? null,
    }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the job was created upstream.",
      resolve: (job) => job.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the job last changed upstream.",
      resolve: (job) => job.updatedAt,
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: "The customer the job is for.",
      resolve: async (job, _args, context) =>
        (await context.load({
          type: "Customer",
          source: job.source,
          sourceId: job.customerId,
        })) as UnifiedCustomer | null,
    }),
    siteVisits: t.field({
      type: SiteVisitConnection,
      nullable: true,
      description:
        "The job's site visits, earliest first. Empty for CleanItAll jobs, which are themselves one visit.",
      args: {
        ...pagingArgs(t.arg),
        status: t.arg({
          type: SiteVisitStatusEnum,
          required: false,
          description: "Only visits in this status.",
        }),
      },
      resolve: (job, args, context, info) =>
        resolveList(
          context,
          info,
          "siteVisits",
          args,
          ownSource(job, { jobId: job.sourceId, status: args.status ?? undefined }),
        ),
    }),
    invoices: t.field({
      type: InvoiceConnection,
      nullable: true,
      description:
        "Invoices that name this job, newest first. Empty for ARTISAN jobs: ARTISAN links invoices to customers only.",
      args: {
        ...pagingArgs(t.arg),
        status: t.arg({
          type: InvoiceStatusEnum,
          required: false,
          description: "Only invoices in this status.",
        }),
      },
      resolve: (job, args, context, info) =>
        resolveList(
          context,
          info,
          "invoices",
          args,
          ownSource(job, {
            jobId: { jobId: job.sourceId, customerId: job.customerId },
            status: args.status ?? undefined,
          }),
        ),
    }),
  }),
});

builder.queryFields((t) => ({
  job: t.field({
    type: JobRef,
    nullable: true,
    description: "A job by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The job's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedJob>(context, args.id, "Job"),
  }),
  jobs: t.field({
    type: JobConnection,
    nullable: true,
    description: "Jobs of every source (or one, with `source`), newest first.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's jobs." }),
      status: t.arg({ type: JobStatusEnum, required: false, description: "Only jobs in this status." }),
      customerId: t.arg.id({ required: false, description: "Only jobs of this customer (global id)." }),
      scheduledDate: t.arg({
        type: "Date",
        required: false,
        description:
          "Only jobs scheduled on this day. ARTISAN jobs carry no date (their visits do: use `siteVisits(from:, to:)`), so none match.",
      }),
      assigneeId: t.arg.string({
        required: false,
        description:
          "Only jobs assigned to this team member (`TeamMember.sourceId`). ARTISAN assigns visits, not jobs, so none match.",
      }),
    },
    resolve: (_root, args, context, info) => {
      const customer = filterRef(context, args.customerId, "customerId", "Customer");
      return resolveList(context, info, "jobs", args, (source) =>
        customer && customer.source !== source
          ? null
          : {
              status: args.status ?? undefined,
              customerId: customer?.sourceId,
              scheduledDate: args.scheduledDate ?? undefined,
              assigneeId: args.assigneeId ?? undefined,
            },
      );
    },
  }),
}));

// Mutations

const jobFields = (t: PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">) => ({
  title: t.string({ required: false, description: "Title (CleanItAll, ARTISAN: required on creation)." }),
  description: t.string({ required: false, description: "What the job is." }),
  serviceType: t.string({
    required: false,
    description: "Kind of service, e.g. `house_wash` (CleanItAll; CleanEstimate Pro: required on creation).",
  }),
  scheduledDate: t.field({
    type: "Date",
    required: false,
    description: "Scheduled day (CleanItAll, CleanEstimate Pro: required on creation).",
  }),
  scheduledTime: t.string({ required: false, description: "Scheduled start, `HH:MM` 24 h." }),
  scheduledEndTime: t.string({
    required: false,
    description: "End of the scheduled window, `HH:MM` (CleanEstimate Pro).",
  }),
  durationMinutes: t.int({ required: false, description: "Planned duration in minutes (CleanItAll)." }),
  assigneeId: t.string({
    required: false,
    description: "The team member's upstream id, e.g. `tm_…` (CleanItAll).",
  }),
  address: t.field({
    type: AddressInputRef,
    required: false,
    description: "Where the work is done (default: the customer's address, where the source copies it).",
  }),
  price: t.field({ type: "Decimal", required: false, description: "Agreed price, e.g. `240.00`." }),
  notes: t.string({ required: false, description: "Internal notes." }),
  accessNotes: t.string({ required: false, description: "How to get in (CleanEstimate Pro)." }),
  specialInstructions: t.string({
    required: false,
    description: "Special instructions (CleanEstimate Pro).",
  }),
  status: t.field({
    type: JobStatusEnum,
    required: false,
    description:
      "Status to set. CleanItAll completes jobs only through `completeJob`; UNSCHEDULED exists in ARTISAN only.",
  }),
  jobTypeId: t.string({ required: false, description: "The job type's upstream id (ARTISAN)." }),
});

const CreateJobInput = builder.inputType("CreateJobInput", {
  description: "A new job. Fields a source cannot store are rejected with an error naming them.",
  fields: (t) => ({
    source: t.field({
      type: SourceEnum,
      required: true,
      description: "The upstream to create the job in: CLEANITALL, CLEANESTIMATE or ARTISAN.",
    }),
    customerId: t.id({ required: true, description: "The customer's global id, in the same source." }),
    estimateId: t.id({
      required: false,
      description: "The estimate the job was sold from (CleanEstimate Pro; its total becomes the price).",
    }),
    ...jobFields(t),
  }),
});

const UpdateJobInput = builder.inputType("UpdateJobInput", {
  description: "Changes to a job: omitted fields stay as they are, `null` clears a field.",
  fields: (t) => ({
    customerId: t.id({
      required: false,
      description: "Move the job to another customer of the same source (CleanItAll, CleanEstimate Pro).",
    }),
    estimateId: t.id({
      required: false,
      description: "The estimate the job was sold from (CleanEstimate Pro).",
    }),
    ...jobFields(t),
  }),
});

const CompleteJobInput = builder.inputType("CompleteJobInput", {
  description: "How a job was completed.",
  fields: (t) => ({
    completedAt: t.field({
      type: "DateTime",
      required: false,
      description: "When the work was finished (CleanItAll; default: now).",
    }),
    completionNotes: t.string({ required: false, description: "Notes on the finished work (CleanItAll)." }),
  }),
});

const CreateJobPayload = createPayload("CreateJobPayload", "job", JobRef, "The created job.");

const JobPayload = changePayload("JobPayload", "job", JobRef, "A job after a change.");

/** Input ids (global) -> the source's own ids, checked to be in the job's source. */
function jobIds<T extends { customerId?: string | number | null; estimateId?: string | number | null }>(
  context: GatewayContext,
  source: SourceId,
  input: T,
) {
  return {
    ...input,
    customerId: sameSourceId(context, source, input.customerId, "customerId", ["Customer"]),
    estimateId: sameSourceId(context, source, input.estimateId, "estimateId", ["Estimate"]),
  };
}

builder.mutationFields((t) => ({
  createJob: t.field({
    type: CreateJobPayload,
    authScopes: { write: true },
    description: "Creates a job in CleanItAll, CleanEstimate Pro or ARTISAN.",
    args: {
      input: t.arg({ type: CreateJobInput, required: true, description: "The job." }),
      idempotencyKey: t.arg.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      const { source, ...input } = args.input;
      return runCreate(context, {
        operation: "createJob",
        source,
        args: args.input,
        idempotencyKey: args.idempotencyKey,
        perform: (writes, options) => writes.createJob(jobIds(context, source, input), options),
      });
    },
  }),
  updateJob: t.field({
    type: JobPayload,
    authScopes: { write: true },
    description: "Changes a job (CleanItAll, CleanEstimate Pro, ARTISAN).",
    args: {
      id: t.arg.id({ required: true, description: "The job's global id." }),
      input: t.arg({ type: UpdateJobInput, required: true, description: "The changes." }),
    },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "Job", "updateJob");
      const input = jobIds(context, ref.source, args.input);
      return runWrite(context, async () => ({ record: await writes.updateJob(ref.sourceId, input) }));
    },
  }),
  completeJob: t.field({
    type: JobPayload,
    authScopes: { write: true },
    description:
      "Marks a job completed: CleanItAll's complete action (with its notes), or the COMPLETED status in CleanEstimate Pro and ARTISAN.",
    args: {
      id: t.arg.id({ required: true, description: "The job's global id." }),
      input: t.arg({ type: CompleteJobInput, required: false, description: "Completion details." }),
    },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "Job", "completeJob");
      return runWrite(context, async () => ({
        record: await writes.completeJob(ref.sourceId, args.input ?? {}),
      }));
    },
  }),
  deleteJob: t.field({
    type: DeletePayloadRef,
    authScopes: { delete: true },
    description:
      "Deletes a job (CleanItAll: refused while invoices reference it; ARTISAN: its site visits go too). Needs the `delete` scope.",
    args: { id: t.arg.id({ required: true, description: "The job's global id." }) },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "Job", "deleteJob");
      return runWrite(context, async () => ({ ref, ...(await writes.deleteJob(ref.sourceId)) }));
    },
  }),
}));

// Subscriptions: a job's own changes, and completions for dashboards.

builder.subscriptionFields((t) => ({
  jobUpdated: t.field({
    type: JobRef,
    description:
      "The job each time it changes (updated, rescheduled, completed, cancelled), as it is right after the change. The stream ends when the job is deleted.",
    args: { id: t.arg.id({ required: true, description: "The job's global id." }) },
    subscribe: (_root, args, context) => {
      const ref = decodeGlobalId(context, String(args.id), "id", ["Job"]);
      return eventStream(
        context,
        { record: { type: "Job", source: ref.source, sourceId: ref.sourceId } },
        (event) => (event.record === null ? "end" : true),
      );
    },
    resolve: (event, _args, context) => eventRecord<UnifiedJob>(context, event),
  }),
  jobCompleted: t.field({
    type: JobRef,
    description:
      "Jobs as they are completed, in every upstream of the tenant or the ones named. With `completedOn`, only jobs completed on that day in `timeZone`: a 'completed today' board passes today's date.",
    args: {
      sources: t.arg({ type: [SourceEnum], required: false, description: "Only these upstreams." }),
      completedOn: t.arg({
        type: "Date",
        required: false,
        description: "Only jobs completed on this calendar day (in `timeZone`).",
      }),
      timeZone: t.arg.string({
        required: false,
        defaultValue: "UTC",
        description: "The IANA time zone `completedOn` is a day of, e.g. America/Chicago. Default UTC.",
      }),
    },
    subscribe: (_root, args, context) => {
      const timeZone = checkTimeZone(args.timeZone ?? "UTC", "timeZone");
      const day = args.completedOn ?? null;
      return eventStream(
        context,
        { types: new Set(["JOB_COMPLETED"]), sources: args.sources ?? null },
        (event) => {
          if (day === null) return true;
          const job = event.record as UnifiedJob | null;
          return calendarDateIn(job?.completedAt ?? event.occurredAt, timeZone) === day;
        },
      );
    },
    resolve: (event, _args, context) => eventRecord<UnifiedJob>(context, event),
  }),
}));
