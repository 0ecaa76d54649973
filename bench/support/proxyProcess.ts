import { Pool } from "undici";
import { z } from "zod";
import { serveFromChild } from "./childServer.js";

/**
 * The second floor under the latency figures: a bare HTTP proxy in its own process (as the gateway
 * is) that passes each GET to one upstream over an undici keep-alive pool and the body back, with
 * no GraphQL, no parsing and no checks. What it adds over the upstream alone is what any process
 * between the load generator and the simulators costs on this machine.
 */

serveFromChild(z.object({ upstream: z.string().url() }), async (start) => {
  const upstream = new URL(start.upstream);
  const pool = new Pool(upstream.origin, { connections: 16 });
  return {
    handler: (req, res) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string" && name !== "host" && name !== "connection") headers[name] = value;
      }
      pool
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
    },
    close: () => pool.close(),
  };
});
