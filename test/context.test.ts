import { describe, expect, it } from "vitest";
import type { Principal } from "../src/auth/apiKeys.js";
import { parseConfig } from "../src/config.js";
import { createContextFactory } from "../src/context.js";
import type { Datasource } from "../src/datasources/datasource.js";
import type { RequestScope } from "../src/datasources/http.js";
import type { TenantUpstreams } from "../src/datasources/index.js";
import type { SourceId } from "../src/errors.js";
import type { UnifiedEvent } from "../src/events/types.js";
import { UrlSigner } from "../src/files/signedUrls.js";
import { MemoryIdempotencyStore } from "../src/mutations/idempotency.js";

/**
 * The context's request scope: the datasources of a request are built for its id and deadline,
 * and a subscription's context, which outlives any one deadline, gives each event it resolves a
 * deadline of its own.
 */

const config = parseConfig({
  tenants: [
    {
      id: "acme",
      apiKeys: [{ key: "acme_context_key_012345", scopes: ["read"] }],
      upstreams: { artisan: { baseUrl: "http://127.0.0.1:9/api/v1", token: "unused-token" } },
    },
  ],
});

const principal: Principal = {
  tenantId: "acme",
  scopes: new Set(["read"]),
  keyLabel: "test",
  keyId: "0".repeat(64),
};

/** A tenant whose scopes have deadlines 1000, 2000, 3000... so each new one is visible. */
function stubTenant() {
  const created: RequestScope[] = [];
  let scopes = 0;
  let cleared = 0;
  const datasource = { clearLoaders: () => cleared++ } as unknown as Datasource;
  const tenant: TenantUpstreams = {
    tenantId: "acme",
    sources: [],
    create: (scope) => {
      created.push(scope);
      return new Map<SourceId, Datasource>([["cleanitall", datasource]]);
    },
    scope: (requestId) => {
      scopes++;
      return { requestId, deadlineAt: scopes * 1_000 };
    },
    invalidate: () => {},
  };
  return { tenant, created, cleared: () => cleared };
}

function contextFor(tenant: TenantUpstreams) {
  const factory = createContextFactory(
    new Map([["acme", tenant]]),
    config.limits,
    new UrlSigner(undefined, 60_000),
    () => true,
    {
      idempotency: new MemoryIdempotencyStore(config.idempotency),
      idempotencyWaitMs: 1_000,
      onIdempotencyStoreFailure: () => {},
    },
    {
      subscribe: () =>
        (async function* (): AsyncGenerator<UnifiedEvent> {})() as AsyncIterableIterator<UnifiedEvent>,
    },
  );
  return factory(principal, { requestId: "req-42", publicUrl: "http://gateway.test" });
}

describe("the context's request scope", () => {
  it("builds the request's datasources for its id and deadline; a query's deadline never moves", () => {
    const { tenant, created, cleared } = stubTenant();
    const context = contextFor(tenant);
    expect(created).toEqual([{ requestId: "req-42", deadlineAt: 1_000, reads: context.reads }]);
    // After a write, loaders are cleared: the request's deadline stays.
    context.clearLoaders();
    context.clearLoaders();
    expect(created[0]).toEqual({ requestId: "req-42", deadlineAt: 1_000, reads: context.reads });
    expect(cleared()).toBe(2);
  });

  it("a subscription's context gives each event (cleared loaders) a deadline of its own", () => {
    const { tenant, created } = stubTenant();
    const context = contextFor(tenant);
    context.events({ types: null, sources: null });
    context.clearLoaders();
    expect(created[0]).toEqual({ requestId: "req-42", deadlineAt: 2_000, reads: context.reads });
    context.clearLoaders();
    expect(created[0]).toEqual({ requestId: "req-42", deadlineAt: 3_000, reads: context.reads });
    expect(created).toHaveLength(1);
  });
});
