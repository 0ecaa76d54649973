import { type Dispatcher, Pool } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CLEANITALL_DEMO_ACCOUNT,
  CLEANITALL_DEMO_KEY,
  type CleanItAllSim,
  createCleanItAllSim,
} from "../../sim/cleanitall/index.js";
import { parseConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createGateway, type Gateway } from "../../src/server.js";
import { SIM_NOW } from "../support/harness.js";

/**
 * End to end over real HTTP: the request id a client sends (or the one the gateway makes up)
 * reaches every upstream request made for that GraphQL request, and no other.
 */

const KEY = "resilience_read_key_0123456789";
/** X-Request-Id of every upstream request the gateway sent, in order. */
const sent: Array<string | undefined> = [];

let cleanitall: CleanItAllSim;
let gateway: Gateway;
let url = "";

beforeAll(async () => {
  cleanitall = createCleanItAllSim({
    accounts: [CLEANITALL_DEMO_ACCOUNT],
    rateLimit: { limit: 1_000_000, windowMs: 3_600_000 },
    now: () => SIM_NOW,
  });
  const baseUrl = await cleanitall.listen(0);
  const config = parseConfig({
    server: { host: "127.0.0.1", port: 0 },
    cache: { ttlMs: 0 },
    http: { timeoutMs: 2_000, retries: 0 },
    tenants: [
      {
        id: "acme",
        apiKeys: [{ key: KEY, scopes: ["read"] }],
        upstreams: { cleanitall: { baseUrl, apiKey: CLEANITALL_DEMO_KEY } },
      },
    ],
  });
  // The gateway's real transport, with an interceptor noting each request's id.
  const dispatcherFor = (origin: string): Dispatcher =>
    new Pool(origin).compose((dispatch) => (options, handler) => {
      const headers = options.headers as Record<string, string> | undefined;
      sent.push(headers?.["x-request-id"]);
      return dispatch(options, handler);
    });
  gateway = createGateway(config, { logger: createLogger("silent"), dispatcherFor });
  url = await gateway.start();
});

afterAll(async () => {
  await gateway.stop();
  await cleanitall.close();
});

beforeEach(() => {
  sent.length = 0;
  cleanitall.control.resetCounts();
});

const QUERY = "{ jobs(first: 3, source: CLEANITALL) { nodes { title customer { name } } } }";

async function query(requestId?: string): Promise<unknown> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${KEY}`,
      ...(requestId ? { "x-request-id": requestId } : {}),
    },
    body: JSON.stringify({ query: QUERY }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body;
}

describe("X-Request-Id upstream", () => {
  it("the client's request id is sent with every upstream request of its GraphQL request", async () => {
    await query("client-req-42");
    // One list request and one GET per distinct customer of the three jobs.
    expect(sent.length).toBe(cleanitall.control.count());
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sent)).toEqual(new Set(["client-req-42"]));
  });

  it("without one, the gateway's own id for the request is sent, a new one per request", async () => {
    await query();
    const first = new Set(sent);
    sent.length = 0;
    await query();
    const second = new Set(sent);
    expect(first.size).toBe(1);
    expect(second.size).toBe(1);
    const [firstId] = first;
    const [secondId] = second;
    expect(firstId).toMatch(/^[0-9a-f-]{36}$/);
    expect(secondId).toMatch(/^[0-9a-f-]{36}$/);
    expect(firstId).not.toBe(secondId);
  });
});
