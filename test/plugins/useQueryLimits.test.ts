import { GraphQLError, getIntrospectionQuery, parse } from "graphql";
import { createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LimitExceededError } from "../../src/errors.js";
import {
  DEFAULT_QUERY_LIMITS,
  type QueryLimits,
  queryCost,
  useQueryLimits,
} from "../../src/plugins/useQueryLimits.js";
import { schema } from "../../src/schema/index.js";
import { createDocumentCache, type DocumentCache } from "../../src/transport/directOperations.js";

/**
 * The gateway's real schema behind a real Yoga (masked errors on, as the gateway runs it) with the
 * limits plugin. Yoga builds the context after parsing and validation, right before execution; the
 * context function here counts and throws, so `reached` says whether a query got past the limits
 * and a refused query provably ran no resolver (and called no upstream).
 */

/** Limits no test query comes near; each test tightens the one it is about. */
const GENEROUS: QueryLimits = {
  maxDepth: 50,
  maxAliases: 1_000,
  maxDirectives: 1_000,
  maxTokens: 100_000,
  maxCost: 1_000_000_000,
  defaultListSize: 25,
};

const REACHED = "Execution reached.";

function gateway(limits: Partial<QueryLimits>, documents?: DocumentCache) {
  let reached = 0;
  const yoga = createYoga({
    schema,
    maskedErrors: true,
    logging: false,
    ...(documents ? { parserAndValidationCache: { documentCache: documents } } : {}),
    plugins: [
      useQueryLimits(
        { ...GENEROUS, ...limits },
        documents ? { parsedBefore: (query) => documents.has(query) } : {},
      ),
    ],
    context: () => {
      reached += 1;
      throw new GraphQLError(REACHED, { extensions: { code: "EXECUTION_REACHED" } });
    },
  });
  return {
    yoga,
    get reached() {
      return reached;
    },
    async post(
      query: string,
      options: { variables?: Record<string, unknown>; operationName?: string; accept?: string } = {},
    ) {
      const response = await yoga.fetch("http://gateway.test/graphql", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: options.accept ?? "application/graphql-response+json",
        },
        body: JSON.stringify({ query, variables: options.variables, operationName: options.operationName }),
      });
      return { status: response.status, body: GraphQLResponse.parse(await response.json()) };
    },
  };
}

const GraphQLResponse = z.object({
  data: z.unknown().optional(),
  errors: z
    .array(
      z.object({
        message: z.string(),
        locations: z.array(z.object({ line: z.number(), column: z.number() })).optional(),
        extensions: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
});

type Gateway = ReturnType<typeof gateway>;

/** The query got past every limit: the context (built right before execution) was asked for. */
async function expectAccepted(gw: Gateway, query: string, options: Parameters<Gateway["post"]>[1] = {}) {
  const before = gw.reached;
  const { body } = await gw.post(query, options);
  expect(body.errors?.map((error) => error.message)).toEqual([REACHED]);
  expect(gw.reached).toBe(before + 1);
}

/** The query was refused with exactly this error, with HTTP 400, and nothing executed. */
async function expectRefused(
  gw: Gateway,
  query: string,
  error: { message: string; code: string; limit: number; actual?: number },
  options: Parameters<Gateway["post"]>[1] = {},
) {
  const before = gw.reached;
  const { status, body } = await gw.post(query, options);
  expect(body).toEqual({
    errors: [
      {
        message: error.message,
        extensions: {
          code: error.code,
          limit: error.limit,
          ...(error.actual !== undefined ? { actual: error.actual } : {}),
        },
      },
    ],
  });
  expect(status).toBe(400);
  expect(gw.reached).toBe(before);
}

describe("depth", () => {
  const gw = gateway({ maxDepth: 6 });
  const tooDeep = (actual: number) => ({
    message: `Query depth ${actual} exceeds the limit of 6.`,
    code: "QUERY_TOO_DEEP",
    limit: 6,
    actual,
  });

  it("accepts a query at the limit and refuses one a level deeper", async () => {
    await expectAccepted(gw, "{ jobs { nodes { customer { jobs { nodes { id } } } } } }");
    await expectRefused(
      gw,
      "{ jobs { nodes { customer { jobs { nodes { customer { id } } } } } } }",
      tooDeep(7),
    );
  });

  it("follows named fragments", async () => {
    const fragments = `
      fragment JobPage on JobConnection { nodes { customer { ...CustomerJobs } } }
      fragment CustomerJobs on Customer { jobs { nodes { ...JobFields } } }`;
    await expectAccepted(gw, `{ jobs { ...JobPage } } ${fragments} fragment JobFields on Job { id }`);
    await expectRefused(
      gw,
      `{ jobs { ...JobPage } } ${fragments} fragment JobFields on Job { customer { name } }`,
      tooDeep(7),
    );
  });

  it("counts the fields inside inline fragments, not the fragments", async () => {
    await expectAccepted(
      gw,
      `{ node(id: "x") { ... on Job { customer { ... on Customer { jobs { nodes { customer { id } } } } } } } }`,
    );
    await expectRefused(
      gw,
      `{ node(id: "x") { ... on Job { customer { ... on Customer { jobs { nodes { customer { jobs { totalCount } } } } } } } } }`,
      tooDeep(7),
    );
  });

  it("reports the deepest of several branches", async () => {
    await expectRefused(
      gw,
      "{ sources jobs { totalCount nodes { customer { jobs { nodes { customer { jobs { nodes { id } } } } } } } } }",
      tooDeep(9),
    );
  });

  it("includes introspection: deep __schema and __type queries are refused", async () => {
    await expectRefused(
      gw,
      "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }",
      tooDeep(8),
    );
    await expectRefused(
      gw,
      '{ __type(name: "Job") { fields { type { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } }',
      tooDeep(9),
    );
    await expectAccepted(gw, "{ __schema { types { fields { type { ofType { name } } } } } }");
  });

  it("leaves a fragment cycle to graphql's own rule, without looping", async () => {
    const before = gw.reached;
    const { status, body } = await gw.post(`
      { jobs { ...Page } }
      fragment Page on JobConnection { nodes { customer { jobs { ...Page } } } }`);
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      {
        message: 'Cannot spread fragment "Page" within itself.',
        locations: [{ line: 3, column: 66 }],
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      },
    ]);
    const mutual = await gw.post(`
      { ...A }
      fragment A on Query { jobs { nodes { customer { ...B } } } }
      fragment B on Customer { jobs { nodes { ...C } } }
      fragment C on Job { customer { ...B } }`);
    expect(mutual.status).toBe(400);
    expect(mutual.body.errors?.map((error) => error.message)).toEqual([
      'Cannot spread fragment "B" within itself via "C".',
    ]);
    expect(gw.reached).toBe(before);
  });

  it("refuses brackets nested past twice the limit while lexing, before graphql-js recurses into them", async () => {
    // 3,000 levels of list nesting overflow graphql-js's recursive parser (an internal error).
    const wide = gateway({ maxDepth: 50 });
    await expectRefused(wide, `{ nodes(ids: ${"[".repeat(3_000)}"x"${"]".repeat(3_000)}) { id } }`, {
      message: "Query nests brackets more than 100 levels deep, twice the depth limit of 50.",
      code: "QUERY_TOO_DEEP",
      limit: 100,
    });
    await expectRefused(gw, `{ jobs ${"{ nodes ".repeat(13)}${"}".repeat(14)}`, {
      message: "Query nests brackets more than 12 levels deep, twice the depth limit of 6.",
      code: "QUERY_TOO_DEEP",
      limit: 12,
    });
  });
});

describe("aliases", () => {
  const gw = gateway({ maxAliases: 3 });
  const tooMany = (actual: number) => ({
    message: `Query uses ${actual} aliases, more than the limit of 3.`,
    code: "TOO_MANY_ALIASES",
    limit: 3,
    actual,
  });

  it("accepts the limit and refuses one more", async () => {
    await expectAccepted(
      gw,
      "{ a: jobs { totalCount } b: customers { totalCount } c: invoices { totalCount } }",
    );
    await expectRefused(
      gw,
      "{ a: jobs { totalCount } b: customers { totalCount } c: invoices { totalCount } d: sources }",
      tooMany(4),
    );
  });

  it("counts aliases nested at any level", async () => {
    await expectRefused(
      gw,
      "{ a: jobs { n: nodes { t: title } } customers { nodes { e: email } } }",
      tooMany(4),
    );
  });

  it("counts a fragment's aliases once per spread", async () => {
    const fragment = "fragment Counts on JobConnection { all: totalCount page: pageInfo { hasNextPage } }";
    await expectAccepted(gw, `{ jobs { ...Counts } } ${fragment}`);
    await expectRefused(
      gw,
      `{ jobs { ...Counts } customer(id: "x") { jobs { ...Counts } } } ${fragment}`,
      tooMany(4),
    );
  });

  it("counts aliases in inline fragments", async () => {
    await expectRefused(
      gw,
      '{ node(id: "x") { ... on Job { t: title s: status } ... on Customer { n: name m: email } } }',
      tooMany(4),
    );
  });

  it("measures fragments that spread each other twice per level without expanding them", async () => {
    // 2^30 aliased fields once expanded: measured per fragment, refused at once.
    const levels = Array.from(
      { length: 30 },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    ).join("\n");
    await expectRefused(
      gw,
      `{ ...F0 }\n${levels}\nfragment F30 on Query { t: __typename }`,
      tooMany(2 ** 30),
    );
  });
});

describe("directives", () => {
  const gw = gateway({ maxDirectives: 3 });
  const tooMany = (actual: number) => ({
    message: `Query uses ${actual} directives, more than the limit of 3.`,
    code: "TOO_MANY_DIRECTIVES",
    limit: 3,
    actual,
  });

  it("accepts the limit and refuses one more", async () => {
    await expectAccepted(
      gw,
      "{ jobs @include(if: true) { totalCount @skip(if: false) nodes @include(if: true) { id } } }",
    );
    await expectRefused(
      gw,
      "{ jobs @include(if: true) { totalCount @skip(if: false) nodes @include(if: true) { id @skip(if: false) } } }",
      tooMany(4),
    );
  });

  it("counts directives on spreads, inline fragments and fragment definitions, once per spread", async () => {
    await expectRefused(
      gw,
      `{ ...Names @include(if: true) ... on Query @skip(if: false) { sources } jobs { ...Total } customers { ...Total } }
       fragment Names on Query { sources }
       fragment Total on JobConnection @include(if: true) { totalCount }`,
      // The second spread of Total is on the wrong type (graphql's rule), but counts all the same.
      tooMany(4),
    );
  });

  it("refuses a flood of repeated directives before graphql's own rules see it", async () => {
    await expectRefused(gw, `{ sources ${"@include(if: true) ".repeat(500)}}`, tooMany(500));
  });
});

describe("tokens", () => {
  const gw = gateway({ maxTokens: 50 });
  const typenames = (count: number) => `{ ${"__typename ".repeat(count)}}`;

  it("accepts the limit (comments are not tokens) and refuses one more", async () => {
    await expectAccepted(gw, `# ${"a comment ".repeat(100)}\n${typenames(48)}`);
    await expectRefused(gw, typenames(49), {
      message: "Query exceeds the limit of 50 tokens (reading stopped at the limit).",
      code: "TOO_MANY_TOKENS",
      limit: 50,
    });
  });

  it("skips the check only for a text in the parse cache, where a refused text never gets", async () => {
    const documents = createDocumentCache();
    const cached = gateway({ maxTokens: 50 }, documents);
    const refusal = {
      message: "Query exceeds the limit of 50 tokens (reading stopped at the limit).",
      code: "TOO_MANY_TOKENS",
      limit: 50,
    };
    for (let i = 0; i < 3; i++) await expectRefused(cached, typenames(49), refusal);
    expect(documents.has(typenames(49))).toBe(false);
    for (let i = 0; i < 3; i++) await expectAccepted(cached, typenames(48));
    expect(documents.has(typenames(48))).toBe(true);
  });

  it("refuses a query sent with GET", async () => {
    const response = await gw.yoga.fetch(
      `http://gateway.test/graphql?query=${encodeURIComponent(typenames(60))}`,
      { headers: { accept: "application/graphql-response+json" } },
    );
    expect(response.status).toBe(400);
    expect(GraphQLResponse.parse(await response.json()).errors?.[0]?.extensions?.code).toBe(
      "TOO_MANY_TOKENS",
    );
  });

  it("refuses a 1 MB query after reading only up to the limit", async () => {
    const defaults = gateway(DEFAULT_QUERY_LIMITS);
    // If the parser read to the end it would stop at the trailing garbage with a syntax error.
    const query = `${typenames(100_000)} }}} !!! @@@`;
    expect(query.length).toBeGreaterThan(1_000_000);
    const started = performance.now();
    await expectRefused(defaults, query, {
      message: "Query exceeds the limit of 10000 tokens (reading stopped at the limit).",
      code: "TOO_MANY_TOKENS",
      limit: 10_000,
    });
    // Parsing the whole of it alone takes over a second.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("lets a syntax error within the limit be reported by the parser", async () => {
    const before = gw.reached;
    const { status, body } = await gw.post("{ jobs { totalCount }");
    expect(status).toBe(400);
    expect(body.errors?.map((error) => error.message)).toEqual(["Syntax Error: Expected Name, found <EOF>."]);
    expect(gw.reached).toBe(before);
  });
});

describe("cost", () => {
  const gw = gateway({ maxCost: 1_000 });
  const tooCostly = (actual: number) => ({
    message: `Query cost ${actual} exceeds the limit of 1000 (list sizes from "first" multiply).`,
    code: "QUERY_TOO_COSTLY",
    limit: 1_000,
    actual,
  });
  // 1 + first × (totalCount + nodes + id) = 1 + 3 × first.
  const page = "query Page($first: Int) { jobs(first: $first) { totalCount nodes { id } } }";

  it("multiplies by a literal first: accepts the limit, refuses past it", async () => {
    await expectAccepted(gw, "{ jobs(first: 333) { totalCount nodes { id } } }");
    await expectRefused(gw, "{ jobs(first: 334) { totalCount nodes { id } } }", tooCostly(1_003));
  });

  it("resolves first from the request's variables, for each request of the same document", async () => {
    // Yoga caches validation per document: a refusal must never be served to a cheaper request, nor
    // an acceptance to a costlier one.
    await expectAccepted(gw, page, { variables: { first: 333 } });
    await expectRefused(gw, page, tooCostly(1_003), { variables: { first: 334 } });
    await expectAccepted(gw, page, { variables: { first: 333 } });
    await expectRefused(gw, page, tooCostly(1_201), { variables: { first: 400 } });
    await expectRefused(gw, page, tooCostly(1_003), { variables: { first: 334 } });
    await expectAccepted(gw, page, { variables: { first: 10 } });
  });

  it("uses a variable's default value, and the default list size when first is absent or null", async () => {
    const withDefault = "query ($first: Int = 400) { jobs(first: $first) { totalCount nodes { id } } }";
    await expectRefused(gw, withDefault, tooCostly(1_201));
    await expectAccepted(gw, withDefault, { variables: { first: 5 } });
    // 1 + 25 × (nodes + (jobs: 1 + 25 × (nodes + id))) = 1 + 25 × 52.
    await expectRefused(gw, "{ customers { nodes { jobs { nodes { id } } } } }", tooCostly(1_301));
    expect(
      queryCost(schema, parse(page), {
        operationName: null,
        variables: { first: null },
        defaultListSize: 25,
      }),
    ).toBe(76);
  });

  it("multiplies nodes(ids:) by the number of ids", async () => {
    const nodes = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    const ids = (count: number) => Array.from({ length: count }, (_, i) => `id-${i}`);
    await expectAccepted(gw, nodes, { variables: { ids: ids(999) } });
    await expectRefused(gw, nodes, tooCostly(1_001), { variables: { ids: ids(1_000) } });
    await expectRefused(gw, `{ nodes(ids: ${JSON.stringify(ids(500))}) { id source } }`, tooCostly(1_001));
  });

  it("costs named and inline fragments with the multiplier of the field they are spread in", async () => {
    const fragment = "fragment Page on JobConnection { nodes { ... on Job { id title status } } }";
    await expectAccepted(gw, `{ jobs(first: 100) { ...Page } } ${fragment}`);
    await expectRefused(gw, `{ jobs(first: 300) { ...Page } } ${fragment}`, tooCostly(1_201));
  });

  it("costs nested connections: sizes multiply", async () => {
    // 1 + 10 × (nodes 1 + (customer 1 + (jobs 1 + 10 × (nodes 1 + id 1)))) = 1 + 10 × 24.
    await expectAccepted(
      gw,
      "{ jobs(first: 10) { nodes { customer { jobs(first: 10) { nodes { id } } } } } }",
    );
    await expectRefused(
      gw,
      "{ jobs(first: 10) { nodes { customer { jobs(first: 10) { nodes { id invoices(first: 10) { nodes { id } } } } } } } }",
      // 1 + 10 × (1 + 1 + 1 + 10 × (1 + 1 + 1 + 10 × 2)) = 1 + 10 × 233.
      tooCostly(2_331),
    );
  });

  it("costs the operation being run", async () => {
    const document = `
      query Cheap { jobs(first: 1) { totalCount } }
      query Costly { jobs(first: 1000) { nodes { id } } }`;
    await expectAccepted(gw, document, { operationName: "Cheap" });
    await expectRefused(gw, document, tooCostly(2_001), { operationName: "Costly" });
  });

  it("costs subscriptions like queries", async () => {
    const subscription = (first: number) =>
      `subscription { jobCompleted { id customer { jobs(first: ${first}) { nodes { id title } } } } }`;
    // 1 + (id 1 + (customer 1 + (jobs 1 + first × 3))).
    await expectAccepted(gw, subscription(300));
    await expectRefused(gw, subscription(400), tooCostly(1_204));
  });

  it("says so when the cost is past exact integers, without a rounded figure", async () => {
    await expectRefused(
      gw,
      "{ jobs(first: 2147483647) { nodes { customer { jobs(first: 2147483647) { nodes { customer { jobs(first: 2147483647) { totalCount } } } } } } } }",
      {
        message: `Query cost is more than 9007199254740991, far over the limit of 1000 (list sizes from "first" multiply).`,
        code: "QUERY_TOO_COSTLY",
        limit: 1_000,
      },
    );
  });
});

describe("queryCost on values execution would refuse", () => {
  const cost = (query: string, variables: Record<string, unknown> = {}) =>
    queryCost(schema, parse(query), { operationName: null, variables, defaultListSize: 25 });

  it("counts a negative first as an empty page and a non-integer one as the default size", () => {
    expect(cost("{ jobs(first: -5) { totalCount nodes { id } } }")).toBe(1);
    expect(cost("query ($n: Int) { jobs(first: $n) { totalCount nodes { id } } }", { n: "10" })).toBe(76);
  });

  it("reads a single id as a list of one, as GraphQL input coercion does", () => {
    expect(cost("query ($ids: [ID!]!) { nodes(ids: $ids) { id } }", { ids: "a" })).toBe(2);
    expect(cost('{ nodes(ids: "a") { id } }')).toBe(2);
  });

  it("costs unknown fields 1 each (graphql's rules refuse them after)", () => {
    expect(cost("{ nope { deeper { deepest } } jobs { nodes { nope } } }")).toBe(3 + 1 + 25 * 2);
  });
});

describe("several limits at once", () => {
  it("reports each limit the query breaks", async () => {
    const gw = gateway({ maxDepth: 2, maxAliases: 1, maxDirectives: 1 });
    const { status, body } = await gw.post(
      "{ a: jobs @include(if: true) { b: nodes @skip(if: false) { id } } }",
    );
    expect(status).toBe(400);
    expect(body.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([
      ["Query depth 3 exceeds the limit of 2.", "QUERY_TOO_DEEP"],
      ["Query uses 2 aliases, more than the limit of 1.", "TOO_MANY_ALIASES"],
      ["Query uses 2 directives, more than the limit of 1.", "TOO_MANY_DIRECTIVES"],
    ]);
    expect(gw.reached).toBe(0);
  });
});

describe("every client gets the same refusal", () => {
  const gw = gateway({ maxDepth: 3, maxTokens: 30, maxCost: 100 });

  it("answers 400 to Accept: application/json too", async () => {
    const json = { accept: "application/json" };
    await expectRefused(
      gw,
      "{ jobs { nodes { customer { id } } } }",
      { message: "Query depth 4 exceeds the limit of 3.", code: "QUERY_TOO_DEEP", limit: 3, actual: 4 },
      json,
    );
    await expectRefused(
      gw,
      "{ jobs(first: 50) { totalCount nodes { id } } }",
      {
        message: `Query cost 151 exceeds the limit of 100 (list sizes from "first" multiply).`,
        code: "QUERY_TOO_COSTLY",
        limit: 100,
        actual: 151,
      },
      json,
    );
    await expectRefused(
      gw,
      `{ ${"sources ".repeat(40)}}`,
      {
        message: "Query exceeds the limit of 30 tokens (reading stopped at the limit).",
        code: "TOO_MANY_TOKENS",
        limit: 30,
      },
      json,
    );
  });

  it("refuses over the WebSocket path (parse and validate called through Yoga's envelop)", () => {
    const costly = {
      query: "query ($first: Int) { jobs(first: $first) { totalCount nodes { id } } }",
      variables: { first: 50 },
    };
    const {
      parse: parseOperation,
      validate,
      schema: envelopedSchema,
    } = gw.yoga.getEnveloped({ params: costly });
    const errors: unknown = validate(envelopedSchema, parseOperation(costly.query));
    expect(errors).toEqual([expect.any(LimitExceededError)]);
    expect(z.array(z.instanceof(LimitExceededError)).parse(errors)[0]?.extensions).toMatchObject({
      code: "QUERY_TOO_COSTLY",
      limit: 100,
      actual: 151,
    });

    const long = { query: `{ ${"sources ".repeat(40)}}` };
    const enveloped = gw.yoga.getEnveloped({ params: long });
    // The WebSocket adapter returns a GraphQLError thrown by parse as the operation's errors.
    const thrown: unknown = (() => {
      try {
        enveloped.parse(long.query);
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(LimitExceededError);
    expect(z.instanceof(LimitExceededError).parse(thrown)).toMatchObject({
      message: "Query exceeds the limit of 30 tokens (reading stopped at the limit).",
      extensions: { code: "TOO_MANY_TOKENS", limit: 30 },
    });
  });
});

describe("default limits", () => {
  const gw = gateway(DEFAULT_QUERY_LIMITS);

  it("let GraphiQL's introspection query through", async () => {
    await expectAccepted(gw, getIntrospectionQuery());
  });

  it("let the README's example query through", async () => {
    await expectAccepted(
      gw,
      `{ jobs(first: 10) { totalCount pageInfo { hasNextPage endCursor }
           nodes { id source title status sourceStatus customer { name email phone }
             invoices { nodes { number status total { amount currency } amountDue { amount } } } } } }`,
    );
  });

  it("pass a cheap query all the way through execution", async () => {
    const yoga = createYoga({
      schema,
      logging: false,
      plugins: [useQueryLimits(DEFAULT_QUERY_LIMITS)],
      context: () => ({}),
    });
    const response = await yoga.fetch("http://gateway.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(response.status).toBe(200);
    expect(GraphQLResponse.parse(await response.json())).toEqual({ data: { __typename: "Query" } });
  });
});
