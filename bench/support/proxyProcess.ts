import { createServer, type Server } from "node:http";
import { Pool } from "undici";
import { z } from "zod";

/**
 * The second floor under the latency figures: a bare HTTP proxy in its own process (as the gateway
 * is) that passes each GET to one upstream over an undici keep-alive pool and the body back, with
 * no GraphQL, no parsing and no checks. What it adds over the upstream alone is what any process
 * between the load generator and the simulators costs on this machine.
 *
 * Driven over IPC like gatewayProcess.ts: `start` answers the URL, `stop` exits.
 */

const command = z.discriminatedUnion("cmd", [
  z.object({ cmd: z.literal("start"), upstream: z.string().url() }),
  z.object({ cmd: z.literal("stop") }),
]);

const send = (message: unknown) => process.send?.(message);
let server: Server | null = null;
let pool: Pool | null = null;

process.on("message", async (raw: unknown) => {
  try {
    const message = command.parse(raw);
    if (message.cmd === "start") {
      const upstream = new URL(message.upstream);
      const upstreamPool = new Pool(upstream.origin, { connections: 16 });
      pool = upstreamPool;
      const listening = createServer((req, res) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === "string" && name !== "host" && name !== "connection") headers[name] = value;
        }
        upstreamPool
          .request({ method: "GET", path: `${upstream.pathname}${req.url ?? ""}`, headers })
          .then(async (answer) => {
            const body = Buffer.from(await answer.body.arrayBuffer());
            res.writeHead(answer.statusCode, { "content-type": "application/json" });
            res.end(body);
          })
          .catch((error: unknown) => {
            res.writeHead(502, { "content-type": "text/plain" });
            res.end(error instanceof Error ? error.message : String(error));
          });
      });
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
      await pool?.close();
      send({ ok: "stop" });
      process.exit(0);
    }
  } catch (error) {
    send({ error: error instanceof Error ? error.message : String(error) });
  }
});
send({ ok: "ready" });
