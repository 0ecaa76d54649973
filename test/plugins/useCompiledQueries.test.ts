import { GraphQLError } from "graphql";
import { createSchema, createYoga, type Plugin } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { useCompiledQueries } from "../../src/plugins/useCompiledQueries.js";

/**
 * Compiled queries (graphql-jit) behind a real Yoga, over a small schema with every shape the
 * gateway's answers have: lists, nesting, an interface, enums, custom errors, null bubbling,
 * variables and directives. The first execution of an operation runs on graphql-js; later ones on
 * the compiled query; a client must not be able to tell them apart.
 */

const typeDefs = /* GraphQL */ `
  interface Node { id: ID! }
  enum Status { OPEN CLOSED }
  type Job implements Node {
    id: ID!
    title: String!
    status: Status!
    customer: Customer
    mustHave: String!
    mayHave: String
    guarded: String
  }
  type Customer implements Node { id: ID! name: String! }
  type Query {
    jobs(first: Int!, status: Status): [Job!]!
    node(id: ID!): Node
    strictJob: Job!
    counter: Int!
  }
  type Mutation { bump: Int! }
  type Subscription { ticks(count: Int!): Int! }
`;

interface Job {
  id: string;
  title: string;
  status: "OPEN" | "CLOSED";
  customerId: string | null;
}
const JOBS: Job[] = Array.from({ length: 8 }, (_, index) => ({
  id: `j${index}`,
  title: `Job ${index}`,
  status: index % 3 === 0 ? "CLOSED" : "OPEN",
  customerId: index % 2 === 0 ? `c${index}` : null,
}));

function server(compileAfter?: number) {
  const compiles: Array<string | null> = [];
  let counter = 0;
  let bumps = 0;
  const schema = createSchema({
    typeDefs,
    resolvers: {
      Node: { __resolveType: (node: { kind: string }) => node.kind },
      Query: {
        jobs: (_: unknown, args: { first: number; status?: string }) =>
          JOBS.filter((job) => !args.status || job.status === args.status).slice(0, args.first),
        node: (_: unknown, args: { id: string }) => {
          const job = JOBS.find((candidate) => candidate.id === args.id);
          if (job) return { ...job, kind: "Job" };
          if (args.id.startsWith("c")) return { id: args.id, name: `Customer ${args.id}`, kind: "Customer" };
          return null;
        },
        strictJob: () => JOBS[2],
        counter: () => ++counter,
      },
      Job: {
        customer: async (job: Job) =>
          job.customerId ? { id: job.customerId, name: `Customer ${job.customerId}` } : null,
        // Throws for job j2: a masked error whose null bubbles to the nearest nullable parent.
        mustHave: (job: Job) => {
          if (job.id === "j2") throw new Error("the upstream said no");
          return `has ${job.id}`;
        },
        mayHave: (job: Job) => {
          if (job.id === "j5") return Promise.reject(new Error("later failure"));
          return null;
        },
        // A coded error: shown to the client as it is, with its code.
        guarded: () => {
          throw new GraphQLError("not allowed", { extensions: { code: "FORBIDDEN" } });
        },
      },
      Mutation: { bump: () => ++bumps },
      Subscription: {
        ticks: {
          subscribe: async function* (_: unknown, args: { count: number }) {
            for (let tick = 1; tick <= args.count; tick++) yield { ticks: tick };
          },
        },
      },
    },
  });
  const plugins: Plugin[] = [
    useCompiledQueries({
      ...(compileAfter !== undefined ? { compileAfter } : {}),
      onCompile: ({ operationName, errors }) => {
        if (errors) throw new Error(`not compiled: ${errors.map((error) => error.message).join("; ")}`);
        compiles.push(operationName);
      },
    }),
  ];
  const yoga = createYoga({ schema, logging: false, plugins });
  const post = async (body: unknown, accept = "application/graphql-response+json") => {
    const response = await yoga.fetch("http://gateway.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.text() };
  };
  return { post, compiles };
}

/** Queries covering the answer shapes, each with what a client must receive. */
const QUERIES: Array<{ what: string; body: { query: string; variables?: unknown; operationName?: string } }> =
  [
    {
      what: "a list with nesting, aliases, fragments and __typename",
      body: {
        query:
          "query List($first: Int!) { jobs(first: $first) { __typename id heading: title status ...WithCustomer } } " +
          "fragment WithCustomer on Job { customer { __typename name } }",
        variables: { first: 5 },
      },
    },
    {
      what: "an error inside a list item: the item's null bubbles up to the list's nullable parent",
      body: { query: "{ jobs(first: 4) { id mustHave } }" },
    },
    {
      what: "an error on a nullable field, and one on a non-null root field",
      body: { query: "{ jobs(first: 6) { id mayHave } strictJob { id mustHave } }" },
    },
    {
      what: "an interface resolved to each of its types, and null for a missing record",
      body: {
        query:
          'query Nodes { job: node(id: "j1") { id ... on Job { title status } } ' +
          'customer: node(id: "c4") { id ... on Customer { name } } gone: node(id: "zz") { id } }',
      },
    },
    {
      what: "an enum argument and @include / @skip driven by variables",
      body: {
        query:
          "query Filtered($status: Status, $withTitle: Boolean!, $noId: Boolean!) { jobs(first: 8, status: $status) { " +
          "id @skip(if: $noId) title @include(if: $withTitle) status } }",
        variables: { status: "CLOSED", withTitle: true, noId: false },
      },
    },
  ];

describe("compiled queries", () => {
  it("answers every query the same on graphql-js (first) and compiled (second and third)", async () => {
    const gateway = server();
    for (const { what, body } of QUERIES) {
      const before = gateway.compiles.length;
      const first = await gateway.post(body);
      expect(gateway.compiles.length, what).toBe(before);
      const second = await gateway.post(body);
      const third = await gateway.post(body);
      expect(gateway.compiles.length, what).toBe(before + 1);
      expect(second, what).toEqual(first);
      expect(third, what).toEqual(first);
      expect(first.status, what).toBe(200);
    }
    expect(gateway.compiles).toEqual(["List", null, null, "Nodes", "Filtered"]);
  });

  it("gives each of a document's operations its own compiled query", async () => {
    const gateway = server(1);
    const query = "query Titles { jobs(first: 2) { title } } query Ids { jobs(first: 2) { id } }";
    const titles = await gateway.post({ query, operationName: "Titles" });
    const ids = await gateway.post({ query, operationName: "Ids" });
    expect(JSON.parse(titles.body)).toEqual({ data: { jobs: [{ title: "Job 0" }, { title: "Job 1" }] } });
    expect(JSON.parse(ids.body)).toEqual({ data: { jobs: [{ id: "j0" }, { id: "j1" }] } });
    expect(JSON.parse((await gateway.post({ query, operationName: "Titles" })).body)).toEqual(
      JSON.parse(titles.body),
    );
    expect(gateway.compiles).toEqual(["Titles", "Ids"]);
  });

  it("refuses bad variables of a compiled query as graphql-js does: 400 with the same errors", async () => {
    const gateway = server(1);
    const query = "query List($first: Int!) { jobs(first: $first) { id } }";
    expect((await gateway.post({ query, variables: { first: 1 } })).status).toBe(200);
    expect(gateway.compiles).toEqual(["List"]);
    const uncompiled = server(Number.MAX_SAFE_INTEGER);
    for (const variables of [{ first: "many" }, {}, { first: 1.5 }]) {
      for (const accept of ["application/graphql-response+json", "application/json"]) {
        const compiled = await gateway.post({ query, variables }, accept);
        expect(compiled, JSON.stringify(variables)).toEqual(
          await uncompiled.post({ query, variables }, accept),
        );
        if (accept === "application/graphql-response+json") expect(compiled.status).toBe(400);
      }
    }
    expect(uncompiled.compiles).toEqual([]);
  });

  it("runs every execution of a compiled query: resolvers are called each time, nothing is kept", async () => {
    const gateway = server(1);
    const counts = [];
    for (let i = 0; i < 3; i++) counts.push(JSON.parse((await gateway.post({ query: "{ counter }" })).body));
    expect(counts).toEqual([{ data: { counter: 1 } }, { data: { counter: 2 } }, { data: { counter: 3 } }]);
    expect(gateway.compiles).toEqual([null]);
  });

  it("never compiles mutations or subscriptions", async () => {
    const gateway = server(1);
    const bumps = [];
    for (let i = 0; i < 3; i++)
      bumps.push(JSON.parse((await gateway.post({ query: "mutation { bump }" })).body));
    expect(bumps).toEqual([{ data: { bump: 1 } }, { data: { bump: 2 } }, { data: { bump: 3 } }]);
    for (let i = 0; i < 2; i++) {
      const ticks = await gateway.post({ query: "subscription { ticks(count: 2) }" }, "text/event-stream");
      expect(ticks.status).toBe(200);
      expect(ticks.body).toContain('data: {"data":{"ticks":2}}');
    }
    expect(gateway.compiles).toEqual([]);
  });
});
