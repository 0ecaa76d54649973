import { createSchema, createYoga } from "graphql-yoga";
import { z } from "zod";
import { serveFromChild } from "./childServer.js";

/**
 * The baseline of the throughput benchmark: a bare graphql-yoga server in its own process (as the
 * gateway is), over the gateway's own printed schema, whose one root resolver returns from memory the
 * JSON the gateway answered. GraphQL parsing, validation and execution of the same selection are the
 * same work on both sides; what the baseline skips is everything the gateway adds (authentication,
 * limits, loaders, cache lookups, mapping upstream records).
 */

serveFromChild(
  z.object({
    typeDefs: z.string(),
    /** The Query field the benchmarked query selects. */
    rootField: z.string(),
    /** The gateway's `data[rootField]` for that query. */
    value: z.unknown(),
  }),
  async (start) => {
    const schema = createSchema({
      typeDefs: start.typeDefs,
      resolvers: { Query: { [start.rootField]: () => start.value } },
    });
    const yoga = createYoga({ schema, logging: false, graphiql: false });
    return { handler: (req, res) => void yoga.handle(req, res) };
  },
);
