import { createServer, type Server } from "node:http";
import { createSchema, createYoga } from "graphql-yoga";
import { Pool } from "undici";
import { z } from "zod";
import { JOB_STATUS } from "../../src/datasources/cleanitall/mappers.js";
import { formatCents, money } from "../../src/datasources/unified.js";
import { encodeGlobalId } from "../../src/schema/globalId.js";

/**
 * The third floor under the latency figures: graphql-yoga in its own process, over the gateway's
 * printed schema, whose one resolver fetches CleanItAll's job list with undici and maps the fields
 * the benchmark selects by hand: no authentication, limits, loaders, checks of the upstream answer,
 * cache or metrics. What the gateway adds over it is what the gateway's own features cost; what it
 * adds over the bare proxy is what any graphql-yoga server in between costs.
 *
 * Driven over IPC like gatewayProcess.ts: `start` answers the URL, `stop` exits.
 */

const command = z.discriminatedUnion("cmd", [
  z.object({
    cmd: z.literal("start"),
    typeDefs: z.string(),
    /** CleanItAll's API base URL and key. */
    upstream: z.string().url(),
    apiKey: z.string(),
    currency: z.string(),
  }),
  z.object({ cmd: z.literal("stop") }),
]);

/** Only what the selection reads, trusted as it comes: this baseline checks nothing. */
interface JobWire {
  id: string;
  title: string;
  status: keyof typeof JOB_STATUS;
  scheduled_date: string;
  price: number | null;
}

function priceOf(amount: number, currency: string) {
  const { cents } = money(amount, currency);
  return { amount: formatCents(cents), currency };
}

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
      const { apiKey, currency } = message;
      const schema = createSchema({
        typeDefs: message.typeDefs,
        resolvers: {
          Query: {
            jobs: async (_: unknown, args: { first?: number | null }) => {
              const answer = await upstreamPool.request({
                method: "GET",
                path: `${upstream.pathname}/jobs?limit=${args.first ?? 20}&offset=0`,
                headers: { "x-api-key": apiKey },
              });
              const body = JSON.parse(await answer.body.text()) as { data: JobWire[] };
              return {
                nodes: body.data.map((job) => ({
                  id: encodeGlobalId({ type: "Job", source: "cleanitall", sourceId: job.id }),
                  title: job.title,
                  status: JOB_STATUS[job.status],
                  scheduledDate: job.scheduled_date,
                  price: job.price === null ? null : priceOf(job.price, currency),
                })),
              };
            },
          },
        },
      });
      const yoga = createYoga({ schema, logging: false, graphiql: false });
      const listening = createServer(yoga);
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
