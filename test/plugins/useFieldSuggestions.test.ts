import { createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useFieldSuggestions } from "../../src/plugins/useFieldSuggestions.js";
import { useQueryLimits } from "../../src/plugins/useQueryLimits.js";
import { schema } from "../../src/schema/index.js";

/**
 * The gateway's real schema behind a real Yoga. Every query here fails in validation or while
 * Yoga's executor checks the variables, before any resolver runs, so an empty context is enough.
 */

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

function gateway(suggestions: boolean) {
  const yoga = createYoga({
    schema,
    logging: false,
    plugins: [useFieldSuggestions(suggestions)],
    context: () => ({}),
  });
  return async (query: string, variables?: Record<string, unknown>) => {
    const response = await yoga.fetch("http://gateway.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: GraphQLResponse.parse(await response.json()) };
  };
}

const messages = (body: z.infer<typeof GraphQLResponse>) => body.errors?.map((error) => error.message);

/** Each probe, with the message it gets with suggestions off and the hint it gets with them on. */
const PROBES: Array<{
  what: string;
  query: string;
  variables?: Record<string, unknown>;
  bare: string[];
  hinted: string[];
}> = [
  {
    what: "a misspelt field",
    query: "{ jbos { totalCount } }",
    bare: ['Cannot query field "jbos" on type "Query".'],
    hinted: ['Cannot query field "jbos" on type "Query". Did you mean "jobs" or "job"?'],
  },
  {
    what: "a field of a concrete type asked of an interface",
    query: '{ node(id: "x") { title } }',
    bare: ['Cannot query field "title" on type "Node".'],
    hinted: [
      'Cannot query field "title" on type "Node". Did you mean to use an inline fragment on "Employee", "Job", or "SiteVisit"?',
    ],
  },
  {
    what: "a misspelt argument",
    query: "{ jobs(firts: 1) { totalCount } }",
    bare: ['Unknown argument "firts" on field "Query.jobs".'],
    hinted: ['Unknown argument "firts" on field "Query.jobs". Did you mean "first"?'],
  },
  {
    what: "a misspelt type",
    query: "query ($status: JobStatu) { jobs(status: $status) { totalCount } }",
    bare: ['Unknown type "JobStatu".'],
    hinted: ['Unknown type "JobStatu". Did you mean "JobStatus" or "JobType"?'],
  },
  {
    what: "a misspelt enum value",
    query: "{ jobs(status: COMPLTED) { totalCount } }",
    bare: ['Value "COMPLTED" does not exist in "JobStatus" enum.'],
    hinted: ['Value "COMPLTED" does not exist in "JobStatus" enum. Did you mean the enum value "COMPLETED"?'],
  },
  {
    what: "a misspelt input field",
    query:
      'mutation { createLead(input: { source: JOBCLOSER, nmae: "Ada" }, idempotencyKey: "k-1") { replayed } }',
    bare: [
      'Field "CreateLeadInput.name" of required type "String!" was not provided.',
      'Field "nmae" is not defined by type "CreateLeadInput".',
    ],
    hinted: [
      'Field "CreateLeadInput.name" of required type "String!" was not provided.',
      'Field "nmae" is not defined by type "CreateLeadInput". Did you mean "name"?',
    ],
  },
  {
    what: "a misspelt enum value in a variable (checked at execution)",
    query: "query ($status: JobStatus) { jobs(status: $status) { totalCount } }",
    variables: { status: "COMPLTED" },
    bare: [
      'Variable "$status" got invalid value "COMPLTED"; Value "COMPLTED" does not exist in "JobStatus" enum.',
    ],
    hinted: [
      'Variable "$status" got invalid value "COMPLTED"; Value "COMPLTED" does not exist in "JobStatus" enum. Did you mean the enum value "COMPLETED"?',
    ],
  },
  {
    what: "a misspelt input field in a variable (checked at execution)",
    query:
      'mutation ($input: CreateLeadInput!) { createLead(input: $input, idempotencyKey: "k-1") { replayed } }',
    variables: { input: { source: "JOBCLOSER", name: "Ada", emial: "ada@example.com" } },
    bare: [
      'Variable "$input" got invalid value { source: "JOBCLOSER", name: "Ada", emial: "ada@example.com" }; Field "emial" is not defined by type "CreateLeadInput".',
    ],
    hinted: [
      'Variable "$input" got invalid value { source: "JOBCLOSER", name: "Ada", emial: "ada@example.com" }; Field "emial" is not defined by type "CreateLeadInput". Did you mean "email"?',
    ],
  },
  {
    what: "a misspelt enum value in a subscription's variable",
    query: "subscription ($sources: [Source!]) { events(sources: $sources) { id } }",
    variables: { sources: ["JOBCLOSR"] },
    bare: [
      'Variable "$sources" got invalid value "JOBCLOSR" at "sources[0]"; Value "JOBCLOSR" does not exist in "Source" enum.',
    ],
    hinted: [
      'Variable "$sources" got invalid value "JOBCLOSR" at "sources[0]"; Value "JOBCLOSR" does not exist in "Source" enum. Did you mean the enum value "JOBCLOSER"?',
    ],
  },
];

describe("field suggestions off (introspection off)", () => {
  const post = gateway(false);

  for (const probe of PROBES) {
    it(`names ${probe.what} without suggesting what exists`, async () => {
      const { status, body } = await post(probe.query, probe.variables);
      expect(status).toBe(400);
      expect(messages(body)).toEqual(probe.bare);
    });
  }

  it("keeps each error's code and location", async () => {
    const { body } = await post("{\n  jobs { totalCount }\n  jbos { totalCount }\n}");
    expect(body.errors).toEqual([
      {
        message: 'Cannot query field "jbos" on type "Query".',
        locations: [{ line: 3, column: 3 }],
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      },
    ]);
    const variable = await post("query ($status: JobStatus) { jobs(status: $status) { totalCount } }", {
      status: "DONE",
    });
    expect(variable.body.errors).toEqual([
      {
        message:
          'Variable "$status" got invalid value "DONE"; Value "DONE" does not exist in "JobStatus" enum.',
        locations: [{ line: 1, column: 8 }],
      },
    ]);
  });

  it("leaves a client's own text in a message whole", async () => {
    // The value quoted back contains the hint's words; only graphql's hint at the end is cut.
    const { body } = await post("query ($status: JobStatus) { jobs(status: $status) { totalCount } }", {
      status: "X Did you mean Y",
    });
    expect(messages(body)).toEqual([
      'Variable "$status" got invalid value "X Did you mean Y"; Value "X Did you mean Y" does not exist in "JobStatus" enum.',
    ]);
  });

  it("works beside the query limits plugin, and a valid query still runs", async () => {
    const yoga = createYoga({
      schema,
      logging: false,
      plugins: [
        useQueryLimits({
          maxDepth: 10,
          maxAliases: 10,
          maxDirectives: 10,
          maxTokens: 1_000,
          maxCost: 1_000,
          defaultListSize: 25,
        }),
        useFieldSuggestions(false),
      ],
      context: () => ({}),
    });
    const send = async (query: string) => {
      const response = await yoga.fetch("http://gateway.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
        body: JSON.stringify({ query }),
      });
      return GraphQLResponse.parse(await response.json());
    };
    expect(messages(await send("{ jbos { totalCount } }"))).toEqual([
      'Cannot query field "jbos" on type "Query".',
    ]);
    expect(await send("{ __typename }")).toEqual({ data: { __typename: "Query" } });
  });
});

describe("field suggestions on (introspection on)", () => {
  const post = gateway(true);

  for (const probe of PROBES) {
    it(`suggests for ${probe.what}`, async () => {
      const { status, body } = await post(probe.query, probe.variables);
      expect(status).toBe(400);
      expect(messages(body)).toEqual(probe.hinted);
    });
  }
});
