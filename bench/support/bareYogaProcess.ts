import { createServer, type Server } from "node:http";
import { createSchema, createYoga } from "graphql-yoga";
import { z } from "zod";

/**
 * The baseline of the throughput benchmark: a bare graphql-yoga server in its own process (as the
 * gateway is), over the gateway's own printed schema, whose one root resolver returns from memory the
 * JSON the gateway answered. GraphQL parsing, validation and execution of the same selection are the
 * same work on both sides; what the baseline skips is everything the gateway adds (authentication,
 * limits, loaders, cache lookups, mapping upstream records).
 *
 * Driven over IPC like gatewayProcess.ts: `start` answers the URL, `stop` exits.
 */

const command = z.discriminatedUnion("cmd", [
  z.object({
    cmd: z.literal("start"),
    typeDefs: z.string(),
    /** The Query field the benchmarked query selects. */
    rootField: z.string(),
    /** The gateway's `data[rootField]` for that query. */
    value: z.unknown(),
  }),
  z.object({ cmd: z.literal("stop") }),
]);

const send = (message: unknown) => process.send?.(message);
let server: Server | null = null;

process.on("message", async (raw: unknown) => {
  try {
    const message = command.parse(raw);
    if (message.cmd === "start") {
      const schema = createSchema({
        typeDefs: message.typeDefs,
        resolvers: { Query: { [message.rootField]: () => message.value } },
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
      send({ ok: "stop" });
      process.exit(0);
    }
  } catch (error) {
    send({ error: error instanceof Error ? error.message : String(error) });
  }
});
send({ ok: "ready" });
