import { EVENT_TYPES, type EventType, type UnifiedEvent } from "../../events/types.js";
import { builder } from "../builder.js";
import { SourceEnum } from "../enums.js";
import { encodeGlobalId } from "../globalId.js";
import { NodeRef } from "../refs.js";
import { eventStream, freshEvent } from "../subscriptions.js";

/** The unified event and the general `events` subscription. */

const EVENT_DESCRIPTIONS: Record<EventType, string> = {
  JOB_CREATED: "A job was created.",
  JOB_UPDATED: "A job changed (other than being completed or cancelled).",
  JOB_COMPLETED: "A job was completed.",
  JOB_CANCELLED: "A job was cancelled.",
  JOB_DELETED: "A job was deleted.",
  CUSTOMER_CREATED: "A customer (CleanEstimate Pro and CleverInvo: client) was created.",
  CUSTOMER_UPDATED: "A customer changed.",
  CUSTOMER_DELETED: "A customer was deleted.",
  INVOICE_CREATED: "An invoice was created.",
  INVOICE_UPDATED: "An invoice changed (other than being sent, paid or becoming overdue).",
  INVOICE_SENT: "An invoice was sent to the customer.",
  INVOICE_PAID: "An invoice was paid in full.",
  INVOICE_OVERDUE: "An invoice passed its due date unpaid.",
  INVOICE_DELETED: "An invoice was deleted.",
  PAYMENT_RECEIVED: "A payment was recorded.",
  ESTIMATE_CREATED: "An estimate was created.",
  ESTIMATE_UPDATED: "An estimate changed.",
  ESTIMATE_ACCEPTED: "The customer accepted an estimate.",
  ESTIMATE_DECLINED: "The customer declined an estimate.",
  LEAD_CREATED: "A lead was created.",
  LEAD_UPDATED: "A lead changed.",
  SITE_VISIT_CREATED: "A site visit was scheduled.",
  SITE_VISIT_UPDATED: "A site visit changed.",
  SITE_VISIT_COMPLETED: "A site visit was completed.",
  SITE_VISIT_DELETED: "A site visit was deleted.",
};

export const EventTypeEnum = builder.enumType("EventType", {
  description: "What happened to a record, the same for every upstream.",
  values: Object.fromEntries(
    EVENT_TYPES.map((type) => [type, { value: type, description: EVENT_DESCRIPTIONS[type] }]),
  ) as Record<EventType, { value: EventType; description: string }>,
});

const EventDetectionEnum = builder.enumType("EventDetection", {
  description: "How the gateway learned of a change.",
  values: {
    WEBHOOK: { description: "The upstream sent a signed webhook (CleanItAll, CleanEstimate Pro)." },
    POLLING: {
      description:
        "The gateway noticed the change by reading the upstream's lists (JobCloser, Check-in ARTISAN, CleverInvo have no webhooks).",
    },
  },
});

const EventRef = builder.objectRef<UnifiedEvent>("Event").implement({
  description: "A change of one record in an upstream.",
  fields: (t) => ({
    id: t.id({
      description:
        "The event's id: the same for every delivery of one change, so a client that reconnects can drop repeats.",
      resolve: (event) => event.id,
    }),
    type: t.field({ type: EventTypeEnum, description: "What happened.", resolve: (event) => event.type }),
    source: t.field({
      type: SourceEnum,
      description: "The upstream it happened in.",
      resolve: (e) => e.source,
    }),
    sourceEventType: t.exposeString("sourceEventType", {
      description:
        "The upstream's own name for the event (`job.completed`), or `poll` for a change the gateway detected.",
    }),
    detectedBy: t.field({
      type: EventDetectionEnum,
      description: "Webhook or polling.",
      resolve: (event) => event.detectedBy,
    }),
    occurredAt: t.field({
      type: "DateTime",
      description:
        "When it happened upstream (for a detected change: the record's update time, or when it was noticed).",
      resolve: (event) => event.occurredAt,
    }),
    receivedAt: t.field({
      type: "DateTime",
      description: "When the gateway learned of it.",
      resolve: (event) => event.receivedAt,
    }),
    recordId: t.id({
      description: "The global id of the record (also of a deleted one).",
      resolve: (event) => encodeGlobalId(event.ref),
    }),
    deleted: t.boolean({
      description: "True when the record was deleted: `record` is then null.",
      resolve: (event) => event.record === null,
    }),
    record: t.field({
      type: NodeRef,
      nullable: true,
      description:
        "The record as it was right after the change (null when deleted). Select its fields with `... on Job { }`; its relations are read when the event is delivered.",
      resolve: (event) => event.record,
    }),
  }),
});

builder.subscriptionFields((t) => ({
  events: t.field({
    type: EventRef,
    description:
      "Every event of the tenant's upstreams, optionally only some types and sources. Events arrive at most once per change; their order across records is not guaranteed (upstreams deliver unordered).",
    args: {
      types: t.arg({ type: [EventTypeEnum], required: false, description: "Only these event types." }),
      sources: t.arg({ type: [SourceEnum], required: false, description: "Only these upstreams." }),
    },
    subscribe: (_root, args, context) =>
      eventStream(context, { types: args.types ? new Set(args.types) : null, sources: args.sources ?? null }),
    resolve: (event, _args, context) => freshEvent(context, event),
  }),
}));
