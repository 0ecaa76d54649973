import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ARTISAN_DEMO_COMPANY,
  ARTISAN_DEMO_TOKEN,
  type ArtisanSim,
  createArtisanSim,
} from "../../sim/artisan/index.js";
import { CLEANITALL_DEMO_KEY, type CleanItAllSim, createCleanItAllSim } from "../../sim/cleanitall/index.js";
import { parseConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createGateway, type Gateway } from "../../src/server.js";
import { SIM_NOW } from "../support/harness.js";

/** The cross-request cache: a repeated query is served without upstream requests, per tenant. */

const KEY_A = "tenant_a_key_0123456789abcdef";
const KEY_B = "tenant_b_key_0123456789abcdef";
let cleanitall: CleanItAllSim;
let artisan: ArtisanSim;
let gateway: Gateway;
let url: string;

beforeAll(async () => {
  cleanitall = createCleanItAllSim({ rateLimit: { limit: 1e6, windowMs: 3_600_000 }, now: () => SIM_NOW });
  artisan = createArtisanSim({
    companies: [ARTISAN_DEMO_COMPANY],
    rateLimit: { limit: 1e6, windowMs: 60_000 },
    now: () => SIM_NOW,
  });
  const [cleanitallUrl, artisanUrl] = await Promise.all([cleanitall.listen(0), artisan.listen(0)]);
  const upstreams = {
    cleanitall: { baseUrl: cleanitallUrl, apiKey: CLEANITALL_DEMO_KEY },
    artisan: { baseUrl: artisanUrl, token: ARTISAN_DEMO_TOKEN },
  };
  gateway = createGateway(
    parseConfig({
      server: { port: 0 },
      cache: { ttlMs: 60_000 },
      tenants: [
        { id: "a", apiKeys: [{ key: KEY_A, scopes: ["read"] }], upstreams },
        { id: "b", apiKeys: [{ key: KEY_B, scopes: ["read"] }], upstreams },
      ],
    }),
    { logger: createLogger("silent") },
  );
  url = await gateway.start();
});
afterAll(async () => {
  await gateway.stop();
  await Promise.all([cleanitall.close(), artisan.close()]);
});
beforeEach(() => {
  cleanitall.control.resetCounts();
  artisan.control.resetCounts();
});

const total = () => cleanitall.control.count() + artisan.control.count();

async function query(key: string, text: string) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: text }),
  });
  return response.json();
}

describe("cross-request cache", () => {
  const text =
    "{ jobs(first: 10) { nodes { title customer { name } } } invoices(first: 3, source: ARTISAN) { nodes { total { amount currency } } } }";

  it("serves a repeated query of the same tenant from the cache, with the same data", async () => {
    const first = await query(KEY_A, text);
    const afterFirst = total();
    expect(afterFirst).toBeGreaterThan(2);
    const second = await query(KEY_A, text);
    expect(second).toEqual(first);
    expect(total()).toBe(afterFirst);
  });

  it("keeps tenants apart: another tenant's identical query goes upstream", async () => {
    await query(KEY_A, text);
    cleanitall.control.resetCounts();
    artisan.control.resetCounts();
    await query(KEY_B, text);
    expect(total()).toBeGreaterThan(2);
  });
});
