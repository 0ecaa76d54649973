import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Short-lived signed URLs for files the gateway streams (invoice PDFs), so a browser can open them
 * with a plain link: the URL names the tenant and expiry, and an HMAC binds them to the path. The
 * API key itself never goes into a URL.
 */
export class UrlSigner {
  private readonly secret: Buffer;

  constructor(
    secret: string | undefined,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    // Without a configured secret, URLs are valid only on this instance until it restarts.
    this.secret = secret ? Buffer.from(secret, "utf8") : randomBytes(32);
  }

  private mac(tenantId: string, path: string, expires: number): Buffer {
    return createHmac("sha256", this.secret).update(`${tenantId}\n${path}\n${expires}`).digest();
  }

  /** The query string that authorizes `path` for `tenantId` until the TTL runs out. */
  sign(tenantId: string, path: string): string {
    const expires = Math.floor((this.now() + this.ttlMs) / 1000);
    const signature = this.mac(tenantId, path, expires).toString("base64url");
    return new URLSearchParams({ tenant: tenantId, expires: String(expires), signature }).toString();
  }

  /** The tenant a signed query authorizes for `path`, or null (missing, tampered or expired). */
  verify(path: string, query: URLSearchParams): string | null {
    const tenantId = query.get("tenant");
    const expires = Number(query.get("expires"));
    const signature = query.get("signature");
    if (!tenantId || !signature || !Number.isSafeInteger(expires)) return null;
    if (expires * 1000 < this.now()) return null;
    const expected = this.mac(tenantId, path, expires);
    const given = Buffer.from(signature, "base64url");
    return given.length === expected.length && timingSafeEqual(given, expected) ? tenantId : null;
  }
}
