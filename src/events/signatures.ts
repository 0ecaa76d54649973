import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Webhook signature verification, exactly as each upstream's reference defines it. Both compute
 * the HMAC over the raw body bytes before any JSON parsing and compare in constant time.
 */

export type Verdict = { ok: true } | { ok: false; reason: string };

function equalBytes(expected: Buffer, presented: Buffer): boolean {
  // timingSafeEqual needs equal lengths; a length mismatch reveals nothing about the secret.
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

/**
 * CleanItAll (cleanitall.md §8): `X-Webhook-Signature: sha256=<lowercase hex>` of
 * HMAC-SHA256(key = the secret string's UTF-8 bytes, data = the raw body). The timestamp header is
 * not signed, so replays are stopped by de-duplicating `X-Webhook-Id` instead.
 */
export function verifyCleanItAllSignature(
  secret: string,
  rawBody: Buffer,
  header: string | undefined,
): Verdict {
  if (!header) return { ok: false, reason: "missing X-Webhook-Signature header" };
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match?.[1]) return { ok: false, reason: "X-Webhook-Signature is not sha256=<64 hex digits>" };
  const expected = createHmac("sha256", Buffer.from(secret, "utf8")).update(rawBody).digest();
  return equalBytes(expected, Buffer.from(match[1], "hex"))
    ? { ok: true }
    : { ok: false, reason: "X-Webhook-Signature does not match the body" };
}

/** The Standard Webhooks secret's key bytes: base64-decoded after `whsec_`. */
export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
}

export interface StandardWebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/**
 * CleanEstimate Pro (cleanestimate.md §9, Standard Webhooks): HMAC-SHA256 over
 * `<webhook-id>.<webhook-timestamp>.<raw body>` with the base64-decoded secret; `webhook-signature`
 * holds space-separated `v1,<base64>` entries, any of which may match; the timestamp must be within
 * `toleranceSeconds` of our clock in either direction.
 */
export function verifyStandardWebhook(
  secret: string,
  headers: StandardWebhookHeaders,
  rawBody: Buffer,
  nowMs: number,
  toleranceSeconds: number,
): Verdict {
  const { id, timestamp, signature } = headers;
  if (!id) return { ok: false, reason: "missing webhook-id header" };
  if (!timestamp) return { ok: false, reason: "missing webhook-timestamp header" };
  if (!signature) return { ok: false, reason: "missing webhook-signature header" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "webhook-timestamp is not Unix seconds" };
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skew > toleranceSeconds) {
    return {
      ok: false,
      reason: `webhook-timestamp is ${Math.round(skew)} s away from the gateway's clock (tolerance ${toleranceSeconds} s)`,
    };
  }
  const expected = createHmac("sha256", standardWebhooksKey(secret))
    .update(`${id}.${timestamp}.`, "utf8")
    .update(rawBody)
    .digest();
  for (const entry of signature.split(" ")) {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) continue;
    if (equalBytes(expected, Buffer.from(value, "base64"))) return { ok: true };
  }
  return { ok: false, reason: "webhook-signature has no v1 entry matching the body" };
}
