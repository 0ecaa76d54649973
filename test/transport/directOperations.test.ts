import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createSchema, createYoga } from "graphql-yoga";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import {
  createDirectOperations,
  createDocumentCache,
  jsonMediaTypeFor,
} from "../../src/transport/directOperations.js";
import { readBodyForYoga } from "../../src/transport/requestBody.js";

/**
 * The direct path against Yoga's own: two servers over the same schema, one answering what it can
 * directly (and the rest through yoga.handle), one always through yoga.handle. For every request
 * both must answer the same status, content type and body; the first also records which path took
 * each request.
 */

const typeDefs = /* GraphQL */ `
  type Query {
    hello(name: String!): String!
    broken: String
  }
  type Mutation {
    bump: Int!
  }
  type Subscription {
    ticks: Int!
  }
`;

function buildYoga() {
  let bumps = 0;
  const schema = createSchema<Record<string, unknown>>({
    typeDefs,
    resolvers: {
      Query: {
        hello: (_: unknown, args: { name: string }) => `hello ${args.name}`,
        broken: () => {
          throw new Error("a secret the client must not see");
        },
      },
      Mutation: { bump: () => ++bumps },
      Subscription: {
        ticks: {
          async *subscribe() {
            yield { ticks: 1 };
          },
        },
      },
    },
  });
  const documents = createDocumentCache();
  const yoga = createYoga<Record<string, unknown>>({
    schema,
    logging: false,
    batching: { limit: 5 },
    parserAndValidationCache: { documentCache: documents },
  });
  return { yoga, documents };
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<[Server, string]> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`];
}

let paths: Array<"direct" | "yoga">;
let withDirect: [Server, string];
let yogaOnly: [Server, string];
beforeAll(async () => {
  const lane = buildYoga();
  const direct = createDirectOperations(lane.yoga, lane.documents, createLogger("silent"));
  withDirect = await listen((req, res) => {
    readBodyForYoga(req).then(() => {
      const took = req.method === "POST" && direct.answer(req, res);
      paths.push(took ? "direct" : "yoga");
      if (!took) lane.yoga.handle(req, res);
    });
  });
  const plain = buildYoga();
  yogaOnly = await listen((req, res) => {
    readBodyForYoga(req).then(() => plain.yoga.handle(req, res));
  });
});
afterAll(async () => {
  for (const [server] of [withDirect, yogaOnly]) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
beforeEach(() => {
  paths = [];
});

interface Answer {
  status: number;
  contentType: string | null;
  body: string;
}

async function ask(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: await response.text(),
  };
}

/** Asks both servers twice (the second time the query text is in the parse cache). */
async function askBoth(body: unknown, headers: Record<string, string> = {}) {
  const expected = [await ask(yogaOnly[1], body, headers), await ask(yogaOnly[1], body, headers)];
  const answered = [await ask(withDirect[1], body, headers), await ask(withDirect[1], body, headers)];
  return { expected, answered };
}

describe("direct operations", () => {
  it("answers a query Yoga has parsed directly, exactly as Yoga answers it", async () => {
    const { expected, answered } = await askBoth({
      query: "query Hi($name: String!) { hello(name: $name) }",
      variables: { name: "Ada" },
    });
    expect(answered).toEqual(expected);
    expect(answered[1]).toEqual({
      status: 200,
      contentType: "application/json; charset=utf-8",
      body: '{"data":{"hello":"hello Ada"}}',
    });
    // The first sight of a query text goes through Yoga, which parses it; the next is direct.
    expect(paths).toEqual(["yoga", "direct"]);
  });

  it("answers mutations directly, and leaves subscriptions and batches to Yoga", async () => {
    const mutation = await askBoth({ query: "mutation { bump }" });
    // Each server counts its own bumps.
    expect(mutation.answered).toEqual(mutation.expected);
    expect(mutation.answered.map((answer) => answer.body)).toEqual([
      '{"data":{"bump":1}}',
      '{"data":{"bump":2}}',
    ]);
    expect(paths).toEqual(["yoga", "direct"]);

    paths = [];
    const subscription = await askBoth({ query: "subscription { ticks }" });
    expect(subscription.answered).toEqual(subscription.expected);
    expect(subscription.answered[1]?.contentType).toBe("text/event-stream");
    expect(paths).toEqual(["yoga", "yoga"]);

    paths = [];
    const batch = await askBoth([{ query: '{ hello(name: "a") }' }, { query: '{ hello(name: "b") }' }]);
    expect(batch.answered).toEqual(batch.expected);
    expect(paths).toEqual(["yoga", "yoga"]);
  });

  it("answers errors with Yoga's status codes and masking", async () => {
    const cases: Array<[unknown, Record<string, string>]> = [
      // Masked resolver error: 200 with the data it has.
      [{ query: "{ broken }" }, {}],
      // Variable coercion: 200 for application/json, 400 for the GraphQL response type.
      [{ query: "query Hi($name: String!) { hello(name: $name) }", variables: { name: 5 } }, {}],
      [
        { query: "query Hi($name: String!) { hello(name: $name) }", variables: {} },
        { accept: "application/graphql-response+json" },
      ],
      // Validation errors, and parameters Yoga refuses.
      [{ query: "{ nope }" }, {}],
      [{ query: "{ nope }" }, { accept: "application/graphql-response+json" }],
      [{ query: '{ hello(name: "x") }', variables: "not an object" }, {}],
      [{ query: '{ hello(name: "x") }', operationName: 7 }, {}],
      [{ query: '{ hello(name: "x") }', unknownField: true }, {}],
    ];
    for (const [body, headers] of cases) {
      const { expected, answered } = await askBoth(body, headers);
      expect(answered, JSON.stringify(body)).toEqual(expected);
    }
    expect(JSON.parse((await ask(withDirect[1], { query: "{ broken }" })).body)).toEqual({
      data: { broken: null },
      errors: [
        {
          message: "Unexpected error.",
          locations: [{ line: 1, column: 3 }],
          path: ["broken"],
          extensions: { code: "INTERNAL_SERVER_ERROR" },
        },
      ],
    });
  });

  it("reads Accept as Yoga does, and leaves other media types and browsers to Yoga", async () => {
    const query = { query: '{ hello(name: "accept") }' };
    const direct: Array<Record<string, string>> = [
      {},
      { accept: "*/*" },
      { accept: "application/json" },
      { accept: "application/graphql-response+json" },
      { accept: "application/graphql-response+json, application/json;q=0.9" },
      { accept: "application/json; charset=utf-8, application/graphql-response+json" },
      { "content-type": "application/graphql+json" },
    ];
    for (const headers of direct) {
      paths = [];
      const { expected, answered } = await askBoth(query, headers);
      expect(answered, JSON.stringify(headers)).toEqual(expected);
      expect(paths[1], JSON.stringify(headers)).toBe("direct");
    }
    const toYoga: Array<Record<string, string>> = [
      { accept: "text/event-stream" },
      { accept: "multipart/mixed" },
      { accept: "application/json; charset=iso-8859-1" },
      { accept: "application/json, */*" },
      { accept: "text/html" },
      { origin: "https://app.example" },
    ];
    for (const headers of toYoga) {
      paths = [];
      const { expected, answered } = await askBoth(query, headers);
      expect(answered, JSON.stringify(headers)).toEqual(expected);
      expect(paths, JSON.stringify(headers)).toEqual(["yoga", "yoga"]);
    }
  });
});

describe("jsonMediaTypeFor", () => {
  it("gives the JSON type Yoga would answer with, or null when Yoga might choose another", () => {
    expect(jsonMediaTypeFor(undefined)).toBe("application/json");
    expect(jsonMediaTypeFor("")).toBe("application/json");
    expect(jsonMediaTypeFor(" */* ")).toBe("application/json");
    expect(jsonMediaTypeFor("Application/GraphQL-Response+JSON")).toBe("application/graphql-response+json");
    expect(jsonMediaTypeFor("application/json, application/graphql-response+json")).toBe("application/json");
    expect(jsonMediaTypeFor("application/json;charset=UTF-8")).toBe("application/json");
    expect(jsonMediaTypeFor("application/json;charset=latin1")).toBeNull();
    expect(jsonMediaTypeFor("text/event-stream")).toBeNull();
    expect(jsonMediaTypeFor("application/*")).toBeNull();
  });
});
