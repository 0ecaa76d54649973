import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { GatewayConfig, Scope } from "../config.js";

/**
 * Gateway API keys -> tenant and scopes. Keys are held only as SHA-256 digests; a presented key
 * is hashed and its digest compared in constant time, so neither the lookup nor the comparison
 * reveals how much of a guessed key was right.
 */

export interface Principal {
  tenantId: string;
  scopes: ReadonlySet<Scope>;
  /** A label for logs: the configured name, or the key's digest prefix. Never the key. */
  keyLabel: string;
  /** The key's SHA-256 digest (hex): its identity for rate limits and revocation. Never the key. */
  keyId: string;
}

const digest = (key: string) => createHash("sha256").update(key, "utf8").digest();

export class ApiKeyRegistry {
  private byDigest = new Map<string, { digest: Buffer; principal: Principal }>();

  constructor(config: Pick<GatewayConfig, "tenants">) {
    this.replace(config);
  }

  /** Swaps in a reloaded config's keys at once: a removed key fails from the next request on. */
  replace(config: Pick<GatewayConfig, "tenants">): void {
    const byDigest = new Map<string, { digest: Buffer; principal: Principal }>();
    for (const tenant of config.tenants) {
      for (const apiKey of tenant.apiKeys) {
        const hashed = digest(apiKey.key);
        const hex = hashed.toString("hex");
        byDigest.set(hex, {
          digest: hashed,
          principal: {
            tenantId: tenant.id,
            scopes: new Set(apiKey.scopes),
            keyLabel: apiKey.name ?? `key:${hex.slice(0, 8)}`,
            keyId: hex,
          },
        });
      }
    }
    this.byDigest = byDigest;
  }

  authenticate(presented: string | null | undefined): Principal | null {
    if (!presented) return null;
    const hashed = digest(presented);
    const entry = this.byDigest.get(hashed.toString("hex"));
    if (!entry || !timingSafeEqual(entry.digest, hashed)) return null;
    return entry.principal;
  }

  /** Whether a principal authenticated earlier still holds (same key, tenant and scopes) after a reload. */
  stillValid(principal: Principal): boolean {
    const current = this.byDigest.get(principal.keyId)?.principal;
    if (!current || current.tenantId !== principal.tenantId) return false;
    if (current.scopes.size !== principal.scopes.size) return false;
    for (const scope of current.scopes) if (!principal.scopes.has(scope)) return false;
    return true;
  }
}

/**
 * The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`, in a Fetch `Headers` or a Node
 * request's headers (HTTP, the WebSocket upgrade, file routes).
 */
export function presentedKey(headers: Pick<Headers, "get"> | IncomingHttpHeaders): string | null {
  // Not `instanceof Headers`: Yoga's Fetch implementation may bring its own Headers class.
  const get = (name: string): string | undefined => {
    if (typeof headers.get === "function") return (headers as Pick<Headers, "get">).get(name) ?? undefined;
    const value = (headers as IncomingHttpHeaders)[name];
    return Array.isArray(value) ? value[0] : value;
  };
  // A blank X-API-Key (a client template with an empty variable) falls through to Authorization.
  const apiKey = get("x-api-key")?.trim();
  if (apiKey) return apiKey;
  const authorization = get("authorization");
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1] ?? null;
}
