import { createHmac, randomBytes } from "node:crypto";
import type { WebhookDeliveryInit } from "../core/webhooks.js";
import type { CleanItAllEvent, CleanItAllWebhookEndpoint } from "./types.js";

/** Webhook deliveries of CleanItAll (cleanitall.md §8): signing, headers and the retry schedule. */

/** §8: immediately, then +1 min, +5 min, +30 min, +2 h after the previous failure; 5 attempts. */
export const CLEANITALL_WEBHOOK_ATTEMPT_DELAYS_MS: readonly number[] = [
  0, 60_000, 300_000, 1_800_000, 7_200_000,
];

/** §8: an attempt succeeds on a 2xx answer within 10 s. */
export const CLEANITALL_WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * `X-Webhook-Signature`: `sha256=` + lowercase hex HMAC-SHA256 of the raw body, keyed with the
 * secret's UTF-8 bytes as they are (the 64 hex characters are not hex-decoded).
 */
export function signCleanItAllWebhook(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac("sha256", Buffer.from(secret, "utf8")).update(rawBody).digest("hex")}`;
}

/** A secret as the dashboard shows one: 64 lowercase hex characters. */
export function newCleanItAllWebhookSecret(): string {
  return randomBytes(32).toString("hex");
}

/** `whd_` + 24 `[a-z0-9]` (§1 ID shape), from the crypto source: delivery IDs must never repeat. */
export function newDeliveryId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let id = "whd_";
  // 252 = 7 × 36: bytes at or above it are skipped so every character is equally likely.
  while (id.length < 28) {
    for (const byte of randomBytes(32)) {
      if (byte < 252 && id.length < 28) id += alphabet[byte % 36];
    }
  }
  return id;
}

/** A copy of an endpoint setting, or an Error naming what is wrong (a test set-up mistake). */
export function checkedWebhookEndpoint(endpoint: CleanItAllWebhookEndpoint): CleanItAllWebhookEndpoint {
  let protocol = "";
  try {
    protocol = new URL(endpoint.url).protocol;
  } catch {
    // Reported below.
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new Error(`cleanitall simulator: webhook url must be an absolute http(s) URL, got ${endpoint.url}`);
  }
  if (endpoint.secret.length === 0) throw new Error("cleanitall simulator: webhook secret must not be empty");
  return { url: endpoint.url, secret: endpoint.secret };
}

/**
 * The delivery of one recorded event to the account's endpoint: the body is the event's envelope
 * (`{id,event,created_at,data}`) exactly as recorded, signed once; only the timestamp header
 * changes between attempts, and the signature does not cover it.
 */
export function cleanItAllDelivery(
  accountId: string,
  endpoint: CleanItAllWebhookEndpoint,
  event: CleanItAllEvent,
): WebhookDeliveryInit {
  const body = JSON.stringify(event);
  const deliveryId = newDeliveryId();
  const signature = signCleanItAllWebhook(endpoint.secret, body);
  return {
    deliveryId,
    eventId: event.id,
    eventType: event.event,
    url: endpoint.url,
    body,
    endpointKey: accountId,
    headers: ({ timestamp }) => ({
      "content-type": "application/json",
      "x-webhook-signature": signature,
      "x-webhook-event": event.event,
      "x-webhook-id": deliveryId,
      "x-webhook-timestamp": String(timestamp),
    }),
  };
}
