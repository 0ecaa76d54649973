import type { GatewayContext } from "../../context.js";
import type {
  UnifiedChemicalApplication,
  UnifiedJob,
  UnifiedPhoto,
  UnifiedProduct,
  UnifiedSiteVisit,
} from "../../datasources/unified.js";
import { InputValidationError, type SourceId } from "../../errors.js";
import { builder, type Types } from "../builder.js";
import { ChemicalApplicationConnection, pagingArgs, resolveList } from "../connections.js";
import { SourceEnum } from "../enums.js";
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
import { ChemicalApplicationRef, JobRef, NodeRef, ProductRef, SiteVisitRef } from "../refs.js";
import { filterRef, loadByGlobalId } from "./node.js";
import { related } from "./reference.js";

const GeoPointRef = builder.objectRef<{ latitude: number; longitude: number }>("GeoPoint").implement({
  description: "A point on Earth in decimal degrees (WGS 84).",
  fields: (t) => ({
    latitude: t.exposeFloat("latitude", { description: "Latitude, -90 to 90." }),
    longitude: t.exposeFloat("longitude", { description: "Longitude, -180 to 180." }),
  }),
});

const MeterReadingRef = builder.objectRef<UnifiedChemicalApplication>("MeterReading").implement({
  description: "What the sprayer's flow meter read for one application.",
  fields: (t) => ({
    serialNumber: t.exposeString("meterSerialNumber", { description: "The meter's serial number." }),
    rawCount: t.exposeFloat("meterRawCount", { description: "Raw pulse count." }),
    currentRate: t.exposeFloat("meterCurrentRate", { description: "Flow rate at the time of the reading." }),
    calculatedFlowTotal: t.exposeFloat("meterCalculatedFlowTotal", {
      description: "Total flow, as the meter calculated it.",
    }),
    rawCountsToZero: t.exposeFloat("meterRawCountsToZero", {
      description: "Raw counts since the meter was zeroed.",
    }),
    calibrationFactor: t.exposeFloat("calibrationFactor", {
      nullable: true,
      description: "Calibration factor applied.",
    }),
  }),
});

ChemicalApplicationRef.implement({
  description:
    "One recorded chemical application: where and when product was applied on a job's visit, with the sprayer's meter, temperatures and device state (JobCloser).",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "ChemicalApplication",
  fields: (t) => ({
    appliedAt: t.field({
      type: "DateTime",
      description: "When the product was applied.",
      resolve: (a) => a.appliedAt,
    }),
    location: t.field({
      type: GeoPointRef,
      nullable: true,
      description: "Where it was applied; null when the device reported no usable position.",
      resolve: (a) =>
        a.latitude !== null && a.longitude !== null ? { latitude: a.latitude, longitude: a.longitude } : null,
    }),
    meter: t.field({ type: MeterReadingRef, description: "The flow meter's reading.", resolve: (a) => a }),
    fluidTemperatureF: t.exposeFloat("fluidTemperatureF", { description: "Temperature of the fluid, °F." }),
    ambientTemperatureF: t.exposeFloat("ambientTemperatureF", { description: "Air temperature, °F." }),
    batteryPercent: t.exposeInt("batteryPercent", { description: "Device battery, percent." }),
    batteryRunTimeMinutes: t.exposeInt("batteryRunTimeMinutes", {
      description: "Estimated battery run time left, minutes.",
    }),
    deviceName: t.exposeString("deviceName", {
      nullable: true,
      description: "The sprayer or device that recorded it.",
    }),
    note: t.exposeString("note", { nullable: true, description: "Note, e.g. the treated area." }),
    eventCompletionId: t.exposeString("eventCompletionId", {
      nullable: true,
      description:
        "Set when recorded through the upstream app's visit-completion flow; null for records written through the API.",
    }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the record was created upstream.",
      resolve: (a) => a.createdAt,
    }),
    job: t.field({
      type: JobRef,
      nullable: true,
      description: "The job treated.",
      resolve: (a, _args, context) => related<UnifiedJob>(context, a, "Job", a.jobId),
    }),
    siteVisit: t.field({
      type: SiteVisitRef,
      nullable: true,
      description: "The visit (calendar event) during which it was applied.",
      resolve: (a, _args, context) => related<UnifiedSiteVisit>(context, a, "SiteVisit", a.siteVisitId),
    }),
    product: t.field({
      type: ProductRef,
      nullable: true,
      description: "The product applied.",
      resolve: (a, _args, context) => related<UnifiedProduct>(context, a, "Product", a.productId),
    }),
  }),
});

builder.queryFields((t) => ({
  chemicalApplication: t.field({
    type: ChemicalApplicationRef,
    nullable: true,
    description: "A chemical application by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The application's global id." }) },
    resolve: (_root, args, context) =>
      loadByGlobalId<UnifiedChemicalApplication>(context, args.id, "ChemicalApplication"),
  }),
  chemicalApplications: t.field({
    type: ChemicalApplicationConnection,
    nullable: true,
    description:
      "A job's chemical applications, in application order. JobCloser records them per job, so a job is required.",
    args: {
      ...pagingArgs(t.arg),
      jobId: t.arg.id({ required: true, description: "The job (global id)." }),
      siteVisitId: t.arg.id({ required: false, description: "Only applications of this visit (global id)." }),
      productId: t.arg.id({ required: false, description: "Only applications of this product (global id)." }),
    },
    resolve: (_root, args, context, info) => {
      const job = filterRef(context, args.jobId, "jobId", "Job");
      const visit = filterRef(context, args.siteVisitId, "siteVisitId", "SiteVisit");
      const product = filterRef(context, args.productId, "productId", "Product");
      return resolveList(
        context,
        info,
        "chemicalApplications",
        { ...args, source: job?.source ?? null },
        (source) =>
          job &&
          source === job.source &&
          (!visit || visit.source === source) &&
          (!product || product.source === source)
            ? { jobId: job.sourceId, siteVisitId: visit?.sourceId, productId: product?.sourceId }
            : null,
      );
    },
  }),
}));

// Mutations

const chemicalApplicationFields = (
  t: PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">,
  required: boolean,
) => ({
  appliedAt: t.field({ type: "DateTime", required, description: "When the product was applied." }),
  latitude: t.float({ required, description: "Latitude in decimal degrees, -90 to 90." }),
  longitude: t.float({ required, description: "Longitude in decimal degrees, -180 to 180." }),
  meterSerialNumber: t.string({ required, description: "The flow meter's serial number." }),
  meterRawCount: t.float({ required, description: "Raw pulse count." }),
  meterCurrentRate: t.float({ required, description: "Flow rate at the time of the reading." }),
  meterCalculatedFlowTotal: t.float({ required, description: "Total flow, as the meter calculated it." }),
  meterRawCountsToZero: t.float({ required, description: "Raw counts since the meter was zeroed." }),
  fluidTemperatureF: t.float({ required, description: "Temperature of the fluid, °F." }),
  ambientTemperatureF: t.float({ required, description: "Air temperature, °F." }),
  batteryPercent: t.int({ required, description: "Device battery, 0–100 %." }),
  batteryRunTimeMinutes: t.int({ required, description: "Estimated battery run time left, minutes." }),
  note: t.string({ required, description: "Note on the application, e.g. the treated area." }),
  deviceName: t.string({ required, description: "The sprayer's name." }),
  calibrationFactor: t.float({ required, description: "Calibration factor applied." }),
  jobItemId: t.string({ required: false, description: "The job line item's upstream id." }),
  productId: t.string({ required: false, description: "The product's upstream id." }),
});

const CreateChemicalApplicationInput = builder.inputType("CreateChemicalApplicationInput", {
  description:
    "A chemical application to record on a job's visit (JobCloser). Every measurement is required.",
  fields: (t) => ({
    jobId: t.id({ required: true, description: "The job's global id." }),
    siteVisitId: t.id({
      required: true,
      description: "The visit's (calendar event's) global id, of that job.",
    }),
    ...chemicalApplicationFields(t, true),
  }),
});

const UpdateChemicalApplicationInput = builder.inputType("UpdateChemicalApplicationInput", {
  description: "Changes to a chemical application: omitted fields keep their recorded values.",
  fields: (t) => ({
    jobId: t.id({ required: false, description: "Move it to another job (global id)." }),
    siteVisitId: t.id({ required: false, description: "Move it to another visit of the job (global id)." }),
    ...chemicalApplicationFields(t, false),
  }),
});

const PhotoRef = builder.objectRef<UnifiedPhoto>("SiteVisitPhoto").implement({
  description: "A photo attached to a site visit (a JobCloser event attachment).",
  fields: (t) => ({
    sourceId: t.exposeString("sourceId", { description: "The upstream's id of the attachment." }),
    source: t.field({ type: SourceEnum, description: "The upstream.", resolve: (p) => p.source }),
    fileName: t.exposeString("fileName", { description: "File name." }),
    url: t.exposeString("url", { description: "Where the upstream hosts its copy." }),
    caption: t.exposeString("caption", { nullable: true, description: "Caption." }),
    latitude: t.exposeFloat("latitude", { nullable: true, description: "Where it was taken: latitude." }),
    longitude: t.exposeFloat("longitude", { nullable: true, description: "Where it was taken: longitude." }),
    createdAt: t.field({
      type: "DateTime",
      description: "When it was uploaded.",
      resolve: (p) => p.createdAt,
    }),
    siteVisit: t.field({
      type: SiteVisitRef,
      nullable: true,
      description: "The visit the photo belongs to.",
      resolve: (p, _args, context) => related<UnifiedSiteVisit>(context, p, "SiteVisit", p.siteVisitId),
    }),
    job: t.field({
      type: JobRef,
      nullable: true,
      description: "The visit's job.",
      resolve: (p, _args, context) => related<UnifiedJob>(context, p, "Job", p.jobId),
    }),
  }),
});

const UploadSiteVisitPhotoInput = builder.inputType("UploadSiteVisitPhotoInput", {
  description: "A job photo for a site visit: give exactly one of `url` and `contentBase64`.",
  fields: (t) => ({
    source: t.field({ type: SourceEnum, required: true, description: "JOBCLOSER." }),
    siteVisitId: t.id({ required: true, description: "The visit's global id." }),
    url: t.string({ required: false, description: "An http(s) URL the upstream downloads the image from." }),
    contentBase64: t.string({ required: false, description: "The image bytes, base64 (up to 10 MB)." }),
    fileName: t.string({ required: false, description: "File name (required with `contentBase64`)." }),
    caption: t.string({ required: false, description: "Caption." }),
    latitude: t.float({ required: false, description: "Where it was taken: latitude." }),
    longitude: t.float({ required: false, description: "Where it was taken: longitude." }),
  }),
});

const CreateChemicalApplicationsPayload = builder
  .objectRef<{ record: UnifiedChemicalApplication[]; replayed: boolean }>("CreateChemicalApplicationsPayload")
  .implement({
    description: "The recorded chemical applications, in input order.",
    fields: (t) => ({
      chemicalApplications: t.expose("record", {
        type: [ChemicalApplicationRef],
        description: "As the upstream stored them, in input order.",
      }),
      replayed: t.exposeBoolean("replayed", {
        description:
          "True when this is the stored result of an earlier request with the same `idempotencyKey`.",
      }),
    }),
  });

const ChemicalApplicationPayload = changePayload(
  "ChemicalApplicationPayload",
  "chemicalApplication",
  ChemicalApplicationRef,
  "A chemical application after a change.",
);

const UploadSiteVisitPhotoPayload = createPayload(
  "UploadSiteVisitPhotoPayload",
  "photo",
  PhotoRef,
  "The uploaded photo.",
);

function applicationIds<T extends { jobId?: string | number | null; siteVisitId?: string | number | null }>(
  context: GatewayContext,
  source: SourceId,
  input: T,
  argument = "input",
  prefix = "",
) {
  return {
    ...input,
    jobId: sameSourceId(context, source, input.jobId, `${prefix}jobId`, ["Job"], argument),
    siteVisitId: sameSourceId(
      context,
      source,
      input.siteVisitId,
      `${prefix}siteVisitId`,
      ["SiteVisit"],
      argument,
    ),
  };
}

const MAX_BATCH = 500;

builder.mutationFields((t) => ({
  createChemicalApplications: t.field({
    type: CreateChemicalApplicationsPayload,
    authScopes: { write: true },
    description: `Records chemical applications (JobCloser), 1–${MAX_BATCH} at once: one goes to JobCloser's create endpoint, several to its atomic batch endpoint. All are recorded or none: one invalid item fails the whole batch, and the error names it (\`inputs[3].siteVisitId\`).`,
    args: {
      source: t.arg({ type: SourceEnum, required: true, description: "JOBCLOSER." }),
      inputs: t.arg({
        type: [CreateChemicalApplicationInput],
        required: true,
        description: "The applications.",
      }),
      idempotencyKey: t.arg.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      if (args.inputs.length === 0 || args.inputs.length > MAX_BATCH) {
        throw new InputValidationError(
          [{ path: "", message: `must have 1 to ${MAX_BATCH} items; got ${args.inputs.length}` }],
          { argument: "inputs" },
        );
      }
      return runCreate(context, {
        operation: "createChemicalApplications",
        source: args.source,
        args: { source: args.source, inputs: args.inputs },
        idempotencyKey: args.idempotencyKey,
        perform: (writes, options) =>
          writes.createChemicalApplications(
            args.inputs.map((input, index) =>
              applicationIds(context, args.source, input, "inputs", `[${index}].`),
            ),
            options,
          ),
      });
    },
  }),
  updateChemicalApplication: t.field({
    type: ChemicalApplicationPayload,
    authScopes: { write: true },
    description: "Corrects a recorded chemical application (JobCloser).",
    args: {
      id: t.arg.id({ required: true, description: "The application's global id." }),
      input: t.arg({ type: UpdateChemicalApplicationInput, required: true, description: "The changes." }),
    },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "ChemicalApplication", "updateChemicalApplication");
      const input = applicationIds(context, ref.source, args.input);
      return runWrite(context, async () => ({
        record: await writes.updateChemicalApplication(ref.sourceId, input),
      }));
    },
  }),
  deleteChemicalApplication: t.field({
    type: DeletePayloadRef,
    authScopes: { delete: true },
    description: "Deletes a recorded chemical application (JobCloser). Needs the `delete` scope.",
    args: { id: t.arg.id({ required: true, description: "The application's global id." }) },
    resolve: (_root, args, context) => {
      const { ref, writes } = targetOf(context, args.id, "ChemicalApplication", "deleteChemicalApplication");
      return runWrite(context, async () => ({
        ref,
        ...(await writes.deleteChemicalApplication(ref.sourceId)),
      }));
    },
  }),
  uploadSiteVisitPhoto: t.field({
    type: UploadSiteVisitPhotoPayload,
    authScopes: { write: true },
    description: "Attaches a job photo to a site visit, from a URL or from its bytes (JobCloser).",
    args: {
      input: t.arg({ type: UploadSiteVisitPhotoInput, required: true, description: "The photo." }),
      idempotencyKey: t.arg.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      const { source, ...input } = args.input;
      return runCreate(context, {
        operation: "uploadSiteVisitPhoto",
        source,
        args: args.input,
        idempotencyKey: args.idempotencyKey,
        perform: (writes, options) => {
          const siteVisitId =
            sameSourceId(context, source, input.siteVisitId, "siteVisitId", ["SiteVisit"]) ?? "";
          return writes.uploadSiteVisitPhoto({ ...input, siteVisitId }, options);
        },
      });
    },
  }),
}));
