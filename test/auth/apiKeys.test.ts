import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ApiKeyRegistry, presentedKey } from "../../src/auth/apiKeys.js";
import { parseConfig } from "../../src/config.js";

const READ_KEY = "acme_read_key_0123456789abcdef";
const ALL_KEY = "acme_all_scopes_key_0123456789ab";
const OTHER_KEY = "other_tenant_key_0123456789abcd";

const config = parseConfig({
  tenants: [
    {
      id: "acme",
      apiKeys: [
        { key: READ_KEY, scopes: ["read"] },
        { key: ALL_KEY, scopes: ["read", "write", "delete"], name: "acme-backoffice" },
      ],
      upstreams: { artisan: { baseUrl: "https://checkinartisan.app/api/v1", token: "t" } },
    },
    {
      id: "globex",
      apiKeys: [{ key: OTHER_KEY, scopes: ["write"] }],
      upstreams: { cleverinvo: { baseUrl: "https://cleverinvo.com/api/v1", apiKey: "cinv_x" } },
    },
  ],
});
const registry = new ApiKeyRegistry(config);

const sha256Prefix = (key: string) => createHash("sha256").update(key, "utf8").digest("hex").slice(0, 8);

describe("ApiKeyRegistry", () => {
  it("maps each key to its tenant and scopes", () => {
    const read = registry.authenticate(READ_KEY);
    expect(read?.tenantId).toBe("acme");
    expect([...(read?.scopes ?? [])]).toEqual(["read"]);

    const all = registry.authenticate(ALL_KEY);
    expect(all?.tenantId).toBe("acme");
    expect([...(all?.scopes ?? [])].sort()).toEqual(["delete", "read", "write"]);

    const other = registry.authenticate(OTHER_KEY);
    expect(other?.tenantId).toBe("globex");
    expect([...(other?.scopes ?? [])]).toEqual(["write"]);
    expect(other?.scopes.has("read")).toBe(false);
  });

  it("labels keys by their configured name, else a digest prefix, never the key", () => {
    expect(registry.authenticate(ALL_KEY)?.keyLabel).toBe("acme-backoffice");
    expect(registry.authenticate(READ_KEY)?.keyLabel).toBe(`key:${sha256Prefix(READ_KEY)}`);
    expect(registry.authenticate(OTHER_KEY)?.keyLabel).toBe(`key:${sha256Prefix(OTHER_KEY)}`);
    for (const key of [READ_KEY, ALL_KEY, OTHER_KEY]) {
      const label = registry.authenticate(key)?.keyLabel ?? "";
      expect(label).not.toContain(key);
      expect(label).not.toContain(key.slice(0, 8));
    }
  });

  it("unknown, empty, null, near-miss and differently-cased keys are rejected", () => {
    for (const presented of [
      "nope",
      "",
      null,
      undefined,
      `${READ_KEY}x`,
      READ_KEY.slice(0, -1),
      READ_KEY.toUpperCase(),
      ` ${READ_KEY}`,
    ]) {
      expect(registry.authenticate(presented), String(presented)).toBeNull();
    }
  });

  it("an empty registry accepts nothing", () => {
    expect(new ApiKeyRegistry({ tenants: [] }).authenticate(READ_KEY)).toBeNull();
  });
});

describe("presentedKey", () => {
  it("reads Authorization: Bearer <key> (any case of the scheme, surrounding spaces)", () => {
    expect(presentedKey(new Headers({ authorization: `Bearer ${READ_KEY}` }))).toBe(READ_KEY);
    expect(presentedKey(new Headers({ Authorization: `bearer   ${READ_KEY}  ` }))).toBe(READ_KEY);
    expect(presentedKey(new Headers({ authorization: `BEARER ${READ_KEY}` }))).toBe(READ_KEY);
  });

  it("reads X-API-Key, trimmed", () => {
    expect(presentedKey(new Headers({ "X-API-Key": READ_KEY }))).toBe(READ_KEY);
    expect(presentedKey(new Headers({ "x-api-key": `  ${READ_KEY} ` }))).toBe(READ_KEY);
  });

  it("X-API-Key wins over Authorization", () => {
    const headers = new Headers({ authorization: `Bearer ${READ_KEY}`, "x-api-key": ALL_KEY });
    expect(presentedKey(headers)).toBe(ALL_KEY);
    expect(registry.authenticate(presentedKey(headers))?.keyLabel).toBe("acme-backoffice");
    // A blank X-API-Key does not hide the bearer key.
    expect(presentedKey(new Headers({ authorization: `Bearer ${READ_KEY}`, "x-api-key": "  " }))).toBe(
      READ_KEY,
    );
  });

  it("no key, other schemes and malformed bearer values -> null", () => {
    for (const authorization of [
      `Basic ${Buffer.from("u:p").toString("base64")}`,
      "Bearer",
      "Bearer ",
      `Bearer ${READ_KEY} extra`,
      READ_KEY,
      `Token ${READ_KEY}`,
    ]) {
      expect(presentedKey(new Headers({ authorization })), authorization).toBeNull();
    }
    expect(presentedKey(new Headers())).toBeNull();
    expect(presentedKey(new Headers({ "x-api-key": "" }))).toBeNull();
  });

  it("end to end: headers -> principal", () => {
    const principal = registry.authenticate(
      presentedKey(new Headers({ authorization: `Bearer ${OTHER_KEY}` })),
    );
    expect(principal?.tenantId).toBe("globex");
    expect(
      registry.authenticate(presentedKey(new Headers({ authorization: "Bearer unknown-key" }))),
    ).toBeNull();
  });
});
