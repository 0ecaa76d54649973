import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";

/**
 * A real webhook receiver for the delivery tests: a `node:http` server on port 0 that records
 * every request (raw body bytes and headers) before answering it as scripted per path.
 */

export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/**
 * How to answer one request: a status (200, 500, 302 with a Location...), `drop` (destroy the
 * connection without an answer) or `hang` (never answer; the sender's timeout must end it).
 */
export type ScriptedAnswer = number | "drop" | "hang";

export interface WebhookReceiver {
  /** Origin, e.g. `http://127.0.0.1:43121`; endpoints are `${origin}/any/path`. */
  origin: string;
  /** Every request, in arrival order. */
  received: ReceivedWebhook[];
  /** Requests to one path. */
  at(path: string): ReceivedWebhook[];
  /** Queues answers for a path, used in order; once they run out the path answers 200. */
  script(path: string, ...answers: ScriptedAnswer[]): void;
  /** Resolves once `count` requests in all have arrived (a request is recorded before its answer). */
  receivedCount(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  const hanging = new Set<ServerResponse>();
  const waiters: Array<{ count: number; resolve: () => void }> = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const body = Buffer.concat(chunks);
      received.push({
        method: req.method ?? "",
        path,
        headers: req.headers,
        body,
        text: body.toString("utf8"),
      });
      for (const waiter of waiters.filter((candidate) => candidate.count <= received.length)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const answer = scripts.get(path)?.shift() ?? 200;
      if (answer === "drop") {
        req.socket.destroy();
      } else if (answer === "hang") {
        hanging.add(res);
      } else if (answer >= 300 && answer < 400) {
        // Where a redirect-following sender would go: it must never arrive.
        res.writeHead(answer, { location: `${path}/redirected` }).end();
      } else {
        res.writeHead(answer, { "content-type": "text/plain" }).end("ok");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("receiver: no TCP address");
  const { port } = address;

  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    at: (path) => received.filter((request) => request.path === path),
    script: (path, ...answers) => {
      scripts.set(path, [...(scripts.get(path) ?? []), ...answers]);
    },
    receivedCount: (count) =>
      count <= received.length
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
