import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { WebhookDeliveryInit } from "../core/webhooks.js";
import type { CleanEstimateEvent, CleanEstimateWebhookRecord } from "./types.js";

/**
 * Webhook deliveries of CleanEstimate Pro (cleanestimate.md §9, Standard Webhooks): signing,
 * headers, secrets and the retry schedule.
 */

/** §9: immediately, then +5 s, +5 min, +30 min, +2 h, +5 h after the previous failure; 6 attempts. */
export const CLEANESTIMATE_WEBHOOK_ATTEMPT_DELAYS_MS: readonly number[] = [
  0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000,
];

/** §9: an attempt succeeds on a 2xx answer within 15 s. */
export const CLEANESTIMATE_WEBHOOK_TIMEOUT_MS = 15_000;

const SECRET_FORMAT = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/** §7.7: `whsec_` + base64 of 32 random bytes. */
export function newCleanEstimateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The HMAC key of a `whsec_…` secret: the base64-decoded part after the prefix. */
function signingKey(secret: string): Buffer {
  const encoded = SECRET_FORMAT.exec(secret)?.[1];
  if (!encoded) throw new Error("cleanestimate simulator: a webhook secret is whsec_ + base64");
  return Buffer.from(encoded, "base64");
}

/** Throws unless `secret` is a usable `whsec_…` secret (for secrets supplied by tests). */
export function checkWebhookSecret(secret: string): string {
  if (signingKey(secret).length === 0) throw new Error("cleanestimate simulator: empty webhook secret");
  return secret;
}

/**
 * `webhook-signature`: `v1,` + base64 HMAC-SHA256 of `<id>.<timestamp>.<raw body>`, keyed with the
 * decoded secret.
 */
export function signCleanEstimateWebhook(
  secret: string,
  webhookId: string,
  timestamp: number | string,
  rawBody: string | Buffer,
): string {
  const hmac = createHmac("sha256", signingKey(secret));
  hmac.update(`${webhookId}.${timestamp}.`, "utf8");
  hmac.update(rawBody);
  return `v1,${hmac.digest("base64")}`;
}

/** The key `cancel` stops an endpoint's deliveries by. */
export function endpointKey(accountId: string, endpointId: string): string {
  return `${accountId}/${endpointId}`;
}

/**
 * The delivery of one event to one endpoint: `webhook-id` is unique to this pair (a random UUID,
 * so it never repeats across runs or simulators) and the body is fixed; every attempt signs it
 * afresh with its own timestamp. `isActive` is the endpoint still being registered as it was.
 */
export function cleanEstimateDelivery(
  accountId: string,
  endpoint: CleanEstimateWebhookRecord,
  event: CleanEstimateEvent,
  isActive: () => boolean,
): WebhookDeliveryInit {
  const body = JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
  const webhookId = randomUUID();
  return {
    deliveryId: webhookId,
    eventId: event.id,
    eventType: event.type,
    url: endpoint.url,
    body,
    endpointKey: endpointKey(accountId, endpoint.id),
    isActive,
    headers: ({ timestamp }) => ({
      "content-type": "application/json",
      "webhook-id": webhookId,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signCleanEstimateWebhook(endpoint.secret, webhookId, timestamp, body),
    }),
  };
}
