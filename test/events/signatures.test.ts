import { describe, expect, it } from "vitest";
import { verifyCleanItAllSignature, verifyStandardWebhook } from "../../src/events/signatures.js";

/** The references' test vectors (cleanitall.md §8, cleanestimate.md §9) and each way to fail. */

const CIA_SECRET = "4f9c2b7e1d8a6035c7e2f4a9b1d3e5f7a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9";
const CIA_BODY = Buffer.from(
  '{"id":"evt_8w2k4m6p8r0t2v4x6z8b0d2f","event":"customer.deleted","created_at":"2026-03-20T14:05:00Z","data":{"id":"cus_3k9x2m7q4v8b1n5c6z0p2r4t"}}',
);
const CIA_SIGNATURE = "sha256=7faa0101ba013a4225f6562bf63e7ee09fd40653e932c116856cda4921066c20";

const CE_SECRET = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const CE_ID = "5f0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b";
const CE_TIMESTAMP = "1774015500";
const CE_BODY = Buffer.from(
  '{"type":"lead.created","timestamp":"2026-03-20T14:05:00.000Z","data":{"id":"9b2e4c1d-7f3a-4b8e-a1c6-2d5e8f0a3b7c"}}',
);
const CE_SIGNATURE = "v1,JXjx5T994BgWCynAB+K0JquBm2bnhIff52I32Z6UwEU=";
const CE_NOW = 1774015500 * 1000;

describe("CleanItAll signatures", () => {
  it("accepts the reference's test vector", () => {
    expect(verifyCleanItAllSignature(CIA_SECRET, CIA_BODY, CIA_SIGNATURE)).toEqual({ ok: true });
    expect(
      verifyCleanItAllSignature(
        CIA_SECRET,
        CIA_BODY,
        CIA_SIGNATURE.toUpperCase().replace("SHA256", "sha256"),
      ),
    ).toEqual({
      ok: true,
    });
  });

  it("does not hex-decode the secret: the key is its UTF-8 bytes", () => {
    const hexDecodedKey = Buffer.from(CIA_SECRET, "hex").toString("latin1");
    expect(verifyCleanItAllSignature(hexDecodedKey, CIA_BODY, CIA_SIGNATURE).ok).toBe(false);
  });

  it("says why a signature fails", () => {
    expect(verifyCleanItAllSignature(CIA_SECRET, CIA_BODY, undefined)).toEqual({
      ok: false,
      reason: "missing X-Webhook-Signature header",
    });
    expect(
      verifyCleanItAllSignature(
        CIA_SECRET,
        CIA_BODY,
        "7faa0101ba013a4225f6562bf63e7ee09fd40653e932c116856cda4921066c20",
      ),
    ).toEqual({
      ok: false,
      reason: "X-Webhook-Signature is not sha256=<64 hex digits>",
    });
    expect(
      verifyCleanItAllSignature(CIA_SECRET, Buffer.concat([CIA_BODY, Buffer.from("\n")]), CIA_SIGNATURE),
    ).toEqual({
      ok: false,
      reason: "X-Webhook-Signature does not match the body",
    });
    expect(verifyCleanItAllSignature(`${CIA_SECRET}0`, CIA_BODY, CIA_SIGNATURE).ok).toBe(false);
  });
});

describe("CleanEstimate Pro (Standard Webhooks) signatures", () => {
  const headers = { id: CE_ID, timestamp: CE_TIMESTAMP, signature: CE_SIGNATURE };

  it("accepts the reference's test vector, alone or among other entries", () => {
    expect(verifyStandardWebhook(CE_SECRET, headers, CE_BODY, CE_NOW, 300)).toEqual({ ok: true });
    expect(
      verifyStandardWebhook(
        CE_SECRET,
        { ...headers, signature: `v2,abc v1,AAAA ${CE_SIGNATURE}` },
        CE_BODY,
        CE_NOW,
        300,
      ),
    ).toEqual({ ok: true });
  });

  it("binds the id, the timestamp and the body", () => {
    const noMatch = { ok: false, reason: "webhook-signature has no v1 entry matching the body" };
    expect(verifyStandardWebhook(CE_SECRET, { ...headers, id: `${CE_ID}x` }, CE_BODY, CE_NOW, 300)).toEqual(
      noMatch,
    );
    expect(
      verifyStandardWebhook(CE_SECRET, { ...headers, timestamp: "1774015501" }, CE_BODY, CE_NOW, 300),
    ).toEqual(noMatch);
    expect(verifyStandardWebhook(CE_SECRET, headers, Buffer.from(`${CE_BODY} `), CE_NOW, 300)).toEqual(
      noMatch,
    );
    // The key is the base64-decoded secret, not the secret's characters.
    expect(verifyStandardWebhook(CE_SECRET.replace("A", "B"), headers, CE_BODY, CE_NOW, 300)).toEqual(
      noMatch,
    );
  });

  it("rejects a timestamp outside the tolerance, either way", () => {
    expect(verifyStandardWebhook(CE_SECRET, headers, CE_BODY, CE_NOW + 300_000, 300)).toEqual({ ok: true });
    expect(verifyStandardWebhook(CE_SECRET, headers, CE_BODY, CE_NOW + 301_000, 300)).toEqual({
      ok: false,
      reason: "webhook-timestamp is 301 s away from the gateway's clock (tolerance 300 s)",
    });
    expect(verifyStandardWebhook(CE_SECRET, headers, CE_BODY, CE_NOW - 600_000, 300).ok).toBe(false);
  });

  it("names a missing or malformed header", () => {
    expect(verifyStandardWebhook(CE_SECRET, { ...headers, id: undefined }, CE_BODY, CE_NOW, 300)).toEqual({
      ok: false,
      reason: "missing webhook-id header",
    });
    expect(
      verifyStandardWebhook(CE_SECRET, { ...headers, timestamp: undefined }, CE_BODY, CE_NOW, 300),
    ).toEqual({
      ok: false,
      reason: "missing webhook-timestamp header",
    });
    expect(
      verifyStandardWebhook(CE_SECRET, { ...headers, signature: undefined }, CE_BODY, CE_NOW, 300),
    ).toEqual({
      ok: false,
      reason: "missing webhook-signature header",
    });
    expect(
      verifyStandardWebhook(CE_SECRET, { ...headers, timestamp: "2026-03-20" }, CE_BODY, CE_NOW, 300),
    ).toEqual({
      ok: false,
      reason: "webhook-timestamp is not Unix seconds",
    });
  });
});
