import type { NodeRef, UnifiedNode } from "../datasources/unified.js";
import type { SourceId } from "../errors.js";

/**
 * The unified event model: what an upstream webhook or a detected change becomes before it is
 * published to subscribers. Events are plain JSON (they cross Redis between instances).
 */

export const EVENT_TYPES = [
  "JOB_CREATED",
  "JOB_UPDATED",
  "JOB_COMPLETED",
  "JOB_CANCELLED",
  "JOB_DELETED",
  "CUSTOMER_CREATED",
  "CUSTOMER_UPDATED",
  "CUSTOMER_DELETED",
  "INVOICE_CREATED",
  "INVOICE_UPDATED",
  "INVOICE_SENT",
  "INVOICE_PAID",
  "INVOICE_OVERDUE",
  "INVOICE_DELETED",
  "PAYMENT_RECEIVED",
  "ESTIMATE_CREATED",
  "ESTIMATE_UPDATED",
  "ESTIMATE_ACCEPTED",
  "ESTIMATE_DECLINED",
  "LEAD_CREATED",
  "LEAD_UPDATED",
  "SITE_VISIT_CREATED",
  "SITE_VISIT_UPDATED",
  "SITE_VISIT_COMPLETED",
  "SITE_VISIT_DELETED",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** How the gateway learned of a change. */
export type Detection = "WEBHOOK" | "POLLING";

/** One change of one record, as a source module reports it (before the gateway stamps it). */
export interface RecordChange {
  type: EventType;
  /** The changed record. For a deletion, the reference of the record that is gone. */
  ref: NodeRef;
  /** The record after the change, mapped like the read path maps it; null for deletions. */
  record: UnifiedNode | null;
}

/** A verified webhook body, parsed and mapped by its source's module (`src/datasources/<id>/webhooks.ts`). */
export interface ParsedWebhook {
  /** The upstream's event id (CleanItAll `id`; CleanEstimate Pro has none in the body: null). */
  eventId: string | null;
  /** The upstream's event name, e.g. `job.completed`. */
  sourceEventType: string;
  /** When the change happened upstream (RFC 3339). */
  occurredAt: string;
  /** The unified events it stands for: usually one; none for a type the gateway does not map. */
  changes: RecordChange[];
  /**
   * Path prefixes (below the upstream base URL) of cached GETs this change can have made stale,
   * e.g. `["/jobs", "/invoices"]`; the gateway drops them on every instance.
   */
  stale: string[];
  /** Why nothing is published (an event type this gateway does not know); absent otherwise. */
  ignored?: string;
}

/** A webhook body that is not what the upstream's reference says: answered 400 with this message. */
export class WebhookPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookPayloadError";
  }
}

/** Parses and maps a verified webhook body of one tenant's source. Throws WebhookPayloadError. */
export type WebhookParser = (body: unknown) => ParsedWebhook;

/** The unified event subscribers receive. */
export interface UnifiedEvent {
  /** Unique per event; the same change seen twice (redelivery, two pollers) gets the same id. */
  id: string;
  tenantId: string;
  source: SourceId;
  type: EventType;
  /** The upstream's own name for it (`job.completed`), or `poll` for a detected change. */
  sourceEventType: string;
  detectedBy: Detection;
  occurredAt: string;
  receivedAt: string;
  ref: NodeRef;
  record: UnifiedNode | null;
  /** Path prefixes of cached GETs to drop on every instance when the event arrives. */
  stale: string[];
}

/**
 * A list the gateway can watch for changes (upstreams without webhooks). `snapshot` reads every
 * record of the kind as the upstream has it now: never from the cross-request cache.
 */
export interface ChangeFeed {
  /** The node type the list holds (`Job`, `Customer`, `SiteVisit`, `Invoice`). */
  nodeType: "Job" | "Customer" | "SiteVisit" | "Invoice";
  /** Path prefixes of cached GETs to drop when a change of this kind is detected. */
  stale: string[];
  /** Every record of the kind, fresh from the upstream, and how many upstream requests it took. */
  snapshot(): Promise<{ records: UnifiedNode[]; requests: number }>;
}

/** The node type each event type is about (what a poller must watch to detect it). */
export function nodeTypeOfEvent(type: EventType): NodeRef["type"] {
  if (type.startsWith("JOB_")) return "Job";
  if (type.startsWith("CUSTOMER_")) return "Customer";
  if (type.startsWith("INVOICE_")) return "Invoice";
  if (type.startsWith("PAYMENT_")) return "Payment";
  if (type.startsWith("ESTIMATE_")) return "Estimate";
  if (type.startsWith("LEAD_")) return "Lead";
  return "SiteVisit";
}
