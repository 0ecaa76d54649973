import { createHmac } from "node:crypto";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

/**
 * Test clients of the gateway's live side: graphql-ws and SSE subscribers that queue what they
 * receive (awaited, never polled), and signed webhook deliveries built independently of the
 * gateway's verifier (from the references' definitions).
 */

export interface Received {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** A queue of results: `next()` resolves with the next one (already received or still to come). */
class Inbox {
  private readonly items: Received[] = [];
  private readonly waiting: Array<(item: Received | null) => void> = [];
  ended = false;

  push(item: Received): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  end(): void {
    this.ended = true;
    for (const waiter of this.waiting.splice(0)) waiter(null);
  }

  /** The next result, or null when the stream ended. */
  next(): Promise<Received | null> {
    const item = this.items.shift();
    if (item) return Promise.resolve(item);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  get pending(): number {
    return this.items.length;
  }
}

export interface Subscriber {
  next(): Promise<Received | null>;
  /** Results received but not yet taken. */
  readonly pending: number;
  /** Resolves when the server completes the subscription (or it fails). */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

export interface WsOptions {
  /** `connectionParams.apiKey`; omit to send none. */
  apiKey?: string;
  /** Headers of the upgrade request. */
  headers?: Record<string, string>;
}

/** A graphql-ws client (no retries: a refused connection is a test result). */
export function wsClient(
  baseUrl: string,
  options: WsOptions = {},
): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let resolveClosed: (value: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    resolveClosed = resolve;
  });
  const headers = options.headers;
  class HeaderedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, headers ? { headers } : {});
    }
  }
  const client = createClient({
    url: `${baseUrl.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: HeaderedWebSocket,
    retryAttempts: 0,
    lazy: false,
    ...(options.apiKey !== undefined ? { connectionParams: { apiKey: options.apiKey } } : {}),
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        resolveClosed({ code, reason: String(reason) });
      },
    },
    onNonLazyError: () => {},
  });
  return { client, closed };
}

/** Waits until the gateway counts the subscription; fails with what the server said if it ended first. */
export async function live(subscriber: Subscriber, subscribed: Promise<void>): Promise<void> {
  const ended = subscriber.done.then(async () => {
    throw new Error(`subscription ended before it was live: ${JSON.stringify(await subscriber.next())}`);
  });
  await Promise.race([subscribed, ended]);
  ended.catch(() => {});
}

/** Subscribes over graphql-ws. */
export function wsSubscribe(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Subscriber {
  const inbox = new Inbox();
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const unsubscribe = client.subscribe(
    { query, variables },
    {
      next: (value) => inbox.push(value as Received),
      error: (error) => {
        const errors = Array.isArray(error)
          ? (error as Received["errors"])
          : [
              {
                message:
                  error instanceof Error
                    ? error.message
                    : String((error as { reason?: string }).reason ?? error),
              },
            ];
        inbox.push({ errors: errors ?? [] });
        inbox.end();
        resolveDone();
      },
      complete: () => {
        inbox.end();
        resolveDone();
      },
    },
  );
  return {
    next: () => inbox.next(),
    get pending() {
      return inbox.pending;
    },
    done,
    close: async () => {
      unsubscribe();
    },
  };
}

/** Subscribes over server-sent events (`Accept: text/event-stream`). */
export async function sseSubscribe(
  baseUrl: string,
  key: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Subscriber & { status: number }> {
  const controller = new AbortController();
  const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const inbox = new Inbox();
  const done = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    let buffer = "";
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        buffer += decoder.decode(read.value, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).trimStart())
            .join("\n");
          if (event === "complete") return;
          if (data) inbox.push(JSON.parse(data) as Received);
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      inbox.end();
    }
  })();
  return {
    status: response.status,
    next: () => inbox.next(),
    get pending() {
      return inbox.pending;
    },
    done,
    close: async () => {
      controller.abort();
      await done;
    },
  };
}

/** CleanItAll (cleanitall.md §8): `sha256=` + hex HMAC-SHA256 over the raw body, key = secret's UTF-8 bytes. */
export function cleanItAllSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", Buffer.from(secret, "utf8")).update(body, "utf8").digest("hex")}`;
}

/** CleanEstimate Pro (cleanestimate.md §9): `v1,` + base64 HMAC over `id.timestamp.body`, key = base64 after whsec_. */
export function standardWebhookSignature(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`, "utf8").digest("base64")}`;
}

/** POSTs a webhook delivery to the gateway. */
export async function deliver(
  baseUrl: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
