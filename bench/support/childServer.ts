import { createServer, type RequestListener, type Server } from "node:http";
import { z } from "zod";

/**
 * The IPC life of a baseline HTTP server in its own process (the bare proxy, bare graphql-yoga, the
 * graphql-yoga passthrough), driven like gatewayProcess.ts: `start`, with the fields `startFields`
 * checks (other members of the message are ignored), builds the request handler and answers the URL it listens on (127.0.0.1, port 0); `stop`
 * closes it (and what `build` said to close) and exits.
 */
export function serveFromChild<T>(
  startFields: z.ZodType<T>,
  build: (start: T) => Promise<{ handler: RequestListener; close?: () => Promise<void> }>,
): void {
  const command = z.object({ cmd: z.enum(["start", "stop"]) });
  const send = (message: unknown) => process.send?.(message);
  let server: Server | null = null;
  let closeBuilt: (() => Promise<void>) | undefined;

  process.on("message", async (raw: unknown) => {
    try {
      if (command.parse(raw).cmd === "start") {
        const built = await build(startFields.parse(raw));
        closeBuilt = built.close;
        const listening = createServer(built.handler);
        await new Promise<void>((resolve, reject) => {
          listening.once("error", reject);
          listening.listen(0, "127.0.0.1", () => resolve());
        });
        server = listening;
        const address = listening.address();
        if (address === null || typeof address === "string") throw new Error("not listening on a TCP port");
        send({ ok: "start", url: `http://127.0.0.1:${address.port}` });
      } else {
        const closing = server;
        server = null;
        closing?.closeAllConnections();
        if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
        await closeBuilt?.();
        send({ ok: "stop" });
        process.exit(0);
      }
    } catch (error) {
      send({ error: error instanceof Error ? error.message : String(error) });
    }
  });
  send({ ok: "ready" });
}
