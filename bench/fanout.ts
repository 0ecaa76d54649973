import { type ChildProcess, fork } from "node:child_process";
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

/**
 * Fan-out: N WebSocket subscribers on one gateway instance, a signed CleanItAll webhook POSTed to
 * it, and the time until the last subscriber has the event. The gateway runs in a child process so
 * its memory per subscriber is measured on its own (heap and RSS after a full GC, minus the same
 * figures before the subscribers connected).
 */

const SECRET = "bench-cleanitall-signing-secret-0123456789abcdef0123456789abcdef";
const KEY = "bench_read_key_0123456789abcdef";
const QUERY = "subscription { events(types: [CUSTOMER_DELETED]) { id type recordId } }";

export interface FanoutResult {
  subscribers: number;
  deliveries: number;
  /** Webhook POST to the last subscriber's receipt, per delivery (ms). */
  lastSubscriberMs: { p50: number; p99: number; max: number };
  /** Webhook POST to each subscriber's receipt, over all subscribers and deliveries (ms). */
  anySubscriberMs: { p50: number; p99: number };
  /** Gateway process growth per connected subscriber (bytes). */
  memoryPerSubscriber: { heapBytes: number; rssBytes: number };
  connectMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

function request<T>(child: ChildProcess, message: unknown, expect: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: { ok?: string; error?: string }) => {
      if (reply.error) {
        child.off("message", onMessage);
        reject(new Error(reply.error));
      } else if (reply.ok === expect) {
        child.off("message", onMessage);
        resolve(reply as T);
      }
    };
    child.on("message", onMessage);
    child.send(message as object);
  });
}

async function startGatewayProcess(): Promise<{ child: ChildProcess; url: string }> {
  const require = createRequire(import.meta.url);
  const tsx = require.resolve("tsx");
  const child = fork(new URL("./support/gatewayProcess.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", tsx, "--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve) => child.once("message", () => resolve()));
  const { url } = await request<{ url: string }>(
    child,
    {
      cmd: "start",
      config: {
        server: { host: "127.0.0.1", port: 0, graphiql: false },
        // One key holds every subscriber: the per-key limit would refuse the connection burst.
        rateLimit: { requestsPerMinute: 1_000_000, burst: 100_000 },
        tenants: [
          {
            id: "bench",
            apiKeys: [{ key: KEY, scopes: ["read"] }],
            // The webhook carries the record; nothing is read upstream, so no simulator is needed.
            upstreams: {
              cleanitall: {
                baseUrl: "http://127.0.0.1:9/api/v1",
                apiKey: "jt_live_bench",
                webhookSecret: SECRET,
              },
            },
          },
        ],
      },
    },
    "start",
  );
  return { child, url };
}

export async function runFanout(subscribers: number, deliveries = 20): Promise<FanoutResult> {
  const { child, url } = await startGatewayProcess();
  const memory = () => request<{ heapUsed: number; rss: number }>(child, { cmd: "memory" }, "memory");
  const before = await memory();

  let onReceipt: (at: number) => void = () => {};
  const clients = [];
  const connectStart = performance.now();
  for (let i = 0; i < subscribers; i++) {
    const client = createClient({
      url: `${url.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: KEY },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
    });
    client.subscribe(
      { query: QUERY },
      { next: () => onReceipt(performance.now()), error: () => {}, complete: () => {} },
    );
    clients.push(client);
  }
  await request(child, { cmd: "subscribers", tenantId: "bench", count: subscribers }, "subscribers");
  const connectMs = performance.now() - connectStart;
  const after = await memory();

  const lastTimes: number[] = [];
  const allTimes: number[] = [];
  for (let delivery = 0; delivery < deliveries; delivery++) {
    const body = JSON.stringify({
      id: `evt_bench${delivery}`,
      event: "customer.deleted",
      created_at: new Date().toISOString(),
      data: { id: `cus_bench${String(delivery).padStart(20, "0")}` },
    });
    let count = 0;
    let last = 0;
    const started = performance.now();
    const allArrived = new Promise<void>((resolve) => {
      onReceipt = (at) => {
        allTimes.push(at - started);
        count++;
        last = at;
        if (count === subscribers) resolve();
      };
    });
    const response = await fetch(`${url}/webhooks/bench/cleanitall`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-webhook-id": `whd_bench_${Date.now()}_${delivery}`,
        "x-webhook-signature": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      },
      body,
    });
    if (response.status !== 200)
      throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
    await allArrived;
    lastTimes.push(last - started);
  }

  for (const client of clients) await client.dispose();
  await request(child, { cmd: "stop" }, "stop");
  lastTimes.sort((a, b) => a - b);
  allTimes.sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    subscribers,
    deliveries,
    lastSubscriberMs: {
      p50: round(percentile(lastTimes, 50)),
      p99: round(percentile(lastTimes, 99)),
      max: round(lastTimes.at(-1) ?? Number.NaN),
    },
    anySubscriberMs: { p50: round(percentile(allTimes, 50)), p99: round(percentile(allTimes, 99)) },
    memoryPerSubscriber: {
      heapBytes: Math.round((after.heapUsed - before.heapUsed) / subscribers),
      rssBytes: Math.round((after.rss - before.rss) / subscribers),
    },
    connectMs: Math.round(connectMs),
  };
}
