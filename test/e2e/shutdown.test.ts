import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { type Harness, READ_KEY, startHarness } from "../support/harness.js";
import { live, sseSubscribe, wsClient, wsSubscribe } from "../support/subscriptions.js";

/**
 * Graceful shutdown: in-flight requests finish with their data, WebSockets close with 1001, SSE
 * streams complete, and new connections are refused. Request ids: echoed, logged.
 */

let h: Harness;
let logs = "";

beforeAll(async () => {
  h = await startHarness({
    upstreams: ["artisan"],
    logger: createLogger(
      "info",
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs += chunk.toString();
          done();
        },
      }),
    ),
  });
});
afterAll(async () => {
  await h.close();
});

describe("request ids", () => {
  it("echoes a client's request id, makes one otherwise, and logs each request with it", async () => {
    const send = (headers: Record<string, string>) =>
      fetch(`${h.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${READ_KEY}`, ...headers },
        body: JSON.stringify({ query: "{ sources }" }),
      });
    const given = await send({ "x-request-id": "dash-42.abc" });
    expect(given.headers.get("x-request-id")).toBe("dash-42.abc");
    const made = await send({ "x-request-id": "not a valid id; drop table" });
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => logs).toContain('"requestId":"dash-42.abc","method":"POST","status":200');
    expect(logs).toMatch(
      /"requestId":"dash-42\.abc","method":"POST","status":200,"durationMs":\d+,"key":"key:[0-9a-f]{8}","tenant":"acme","msg":"graphql request"/,
    );
  });
});

describe("graceful shutdown", () => {
  it("finishes in-flight requests, closes WebSockets with 1001, completes SSE, then refuses connections", async () => {
    const { client, closed } = wsClient(h.url, { apiKey: READ_KEY });
    const ws = wsSubscribe(
      client,
      "subscription { events(sources: [ARTISAN], types: [JOB_CREATED]) { type } }",
    );
    const sse = await sseSubscribe(
      h.url,
      READ_KEY,
      "subscription { events(sources: [ARTISAN], types: [JOB_CREATED]) { type } }",
    );
    await live(ws, h.gateway.events.whenSubscribed("acme", 2));

    // A query held up by a slow upstream is in flight when the stop begins.
    h.artisan.control.injectFault({ kind: "slow", delayMs: 300, route: "GET /api/v1/customers" });
    const inFlight = h.gql("{ customers(first: 2, source: ARTISAN) { nodes { source } } }");
    await expect.poll(() => h.artisan.control.snapshot()["GET /api/v1/customers"] ?? 0).toBeGreaterThan(0);

    await h.gateway.stop();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      data: { customers: { nodes: [{ source: "ARTISAN" }, { source: "ARTISAN" }] } },
    });
    expect(await closed).toEqual({ code: 1001, reason: "Server shutting down" });
    await sse.done;
    expect(await sse.next()).toBeNull();
    await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();
    await client.dispose();
  });
});
