import { createSchema, createYoga } from "graphql-yoga";
import { Pool } from "undici";
import { z } from "zod";
import { JOB_STATUS } from "../../src/datasources/cleanitall/mappers.js";
import { formatCents, money } from "../../src/datasources/unified.js";
import { encodeGlobalId } from "../../src/schema/globalId.js";
import { serveFromChild } from "./childServer.js";

/**
 * The third floor under the latency figures: graphql-yoga in its own process, over the gateway's
 * printed schema, whose one resolver fetches CleanItAll's job list with undici and maps the fields
 * the benchmark selects by hand: no authentication, limits, loaders, checks of the upstream answer,
 * cache or metrics. What the gateway adds over it is what the gateway's own features cost; what it
 * adds over the bare proxy is what any graphql-yoga server in between costs.
 */

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

serveFromChild(
  z.object({
    typeDefs: z.string(),
    /** CleanItAll's API base URL and key. */
    upstream: z.string().url(),
    apiKey: z.string(),
    currency: z.string(),
  }),
  async (start) => {
    const upstream = new URL(start.upstream);
    const pool = new Pool(upstream.origin, { connections: 16 });
    const { apiKey, currency } = start;
    const schema = createSchema({
      typeDefs: start.typeDefs,
      resolvers: {
        Query: {
          jobs: async (_: unknown, args: { first?: number | null }) => {
            const answer = await pool.request({
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
    return { handler: (req, res) => void yoga.handle(req, res), close: () => pool.close() };
  },
);
