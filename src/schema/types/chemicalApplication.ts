import type {
  UnifiedChemicalApplication,
  UnifiedJob,
  UnifiedProduct,
  UnifiedSiteVisit,
} from "../../datasources/unified.js";
import { builder } from "../builder.js";
import { ChemicalApplicationConnection, pagingArgs, resolveList } from "../connections.js";
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
