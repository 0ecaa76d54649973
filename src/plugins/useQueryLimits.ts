import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  Lexer,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  Source,
  type Token,
  TokenKind,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type ValidationRule,
  type ValueNode,
  valueFromASTUntyped,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { z } from "zod";
import { type LimitCode, LimitExceededError } from "../errors.js";

/**
 * Query hardening: what one GraphQL request may ask, refused before any resolver (and so any
 * upstream) runs. Tokens and bracket nesting are checked while lexing, before an AST exists;
 * depth, aliases and directives are properties of the document; cost also depends on the
 * request's operation and variables (`first: $pageSize`), so it is worked out for each of those.
 */
export interface QueryLimits {
  /** Deepest field nesting, fragments followed: `{ jobs { nodes { id } } }` is 3. */
  maxDepth: number;
  /** Aliased fields in an operation, counted once per fragment spread. */
  maxAliases: number;
  /** Directive uses in an operation (`@include`, `@skip`...), counted once per fragment spread. */
  maxDirectives: number;
  /** Lexical tokens of the query text (punctuators, names, values; comments not counted). */
  maxTokens: number;
  /** Each field costs 1; a list field multiplies the cost of its selection by its size. */
  maxCost: number;
  /** The size assumed for a connection field without `first` (the gateway's default page size). */
  defaultListSize: number;
}

/**
 * Fits the gateway's schema: GraphiQL's introspection query (depth 15, so `maxDepth` must stay at
 * 15 or more while GraphiQL is on; cost 220) and the README's queries (`jobs(first: 10)` with
 * customers and invoices: cost 2151) pass. Large mutation batches go in variables, which are not
 * tokens (500 chemical applications written inline are ~30,000).
 */
export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 15,
  maxAliases: 30,
  maxDirectives: 50,
  maxTokens: 10_000,
  maxCost: 50_000,
  defaultListSize: 25,
};

export function useQueryLimits(
  limits: QueryLimits,
  options: {
    /**
     * Whether this query text is in the parse cache: it was parsed, so it passed the lexical
     * checks (the parser runs them), with these same limits.
     */
    parsedBefore?: (query: string) => boolean;
  } = {},
): Plugin {
  // Depth, aliases and directives depend on the document alone, and Yoga reuses one document
  // object per query text: each document is measured once.
  const shapes = new WeakMap<DocumentNode, QueryShape>();
  const costs = new CostMemo();
  return {
    // HTTP requests are checked on their raw query text, before the parse cache and the parser. A
    // refusal set here keeps its 400: Yoga turns errors thrown while parsing into GraphQL-over-HTTP
    // parse errors, which `Accept: application/json` clients receive with 200.
    onParams({ params, setResult }) {
      if (typeof params.query !== "string") return;
      if (options.parsedBefore?.(params.query)) return;
      const refusal = lexicalRefusal(new Source(params.query), limits);
      if (refusal) setResult({ errors: [refusal] });
    },
    // WebSocket operations reach the parser without onParams.
    onParse({ parseFn, setParseFn }) {
      setParseFn((source: unknown, options: unknown) => {
        const refusal = lexicalRefusal(
          source instanceof Source ? source : new Source(String(source)),
          limits,
        );
        if (refusal) throw refusal;
        return parseFn(source, options);
      });
    },
    onValidate({ params, context, addValidationRule, setResult }) {
      const schema: GraphQLSchema = params.schema;
      const document: DocumentNode = params.documentAST;
      let shape = shapes.get(document);
      if (!shape) {
        shape = measureShape(document);
        shapes.set(document, shape);
      }
      // Refusals skip graphql's own rules: they are the costly part of validation
      // (OverlappingFieldsCanBeMerged compares fields pairwise), and a hostile query inflates them.
      const shapeRefusals = shapeErrors(shape, limits);
      if (shapeRefusals.length > 0) {
        setResult(shapeRefusals);
        return;
      }
      const request = RequestParams.safeParse(context.params);
      const { operationName, variables } = request.success ? request.data : {};
      const cost = costs.of(document, operationName ?? null, variables ?? {}, () =>
        queryCost(schema, document, {
          operationName: operationName ?? null,
          variables: variables ?? {},
          defaultListSize: limits.defaultListSize,
        }),
      );
      if (cost <= limits.maxCost) return;
      const refusal = costError(cost, limits.maxCost);
      // Yoga caches validation results per document and per the names of the rules that ran. The
      // same document is fine with `first: 10` and too costly with `first: 100000`, so a refusal
      // is filed under a rule named after its cost, never under the document's plain entry.
      addValidationRule(costRule(cost, limits.maxCost, refusal));
      setResult([refusal]);
    },
  };
}

/**
 * Costs already worked out, per document object (Yoga's parse cache hands the same one for the same
 * text) and per operation and variables. Variables too long to make a cheap key (a large mutation
 * batch) are costed each time.
 */
class CostMemo {
  private static readonly MAX_KEY_LENGTH = 1024;
  private static readonly MAX_PER_DOCUMENT = 64;
  private readonly byDocument = new WeakMap<DocumentNode, Map<string, number>>();

  of(
    document: DocumentNode,
    operationName: string | null,
    variables: Readonly<Record<string, unknown>>,
    measure: () => number,
  ): number {
    const key = `${operationName ?? ""}\u0000${JSON.stringify(variables)}`;
    if (key.length > CostMemo.MAX_KEY_LENGTH) return measure();
    let known = this.byDocument.get(document);
    if (!known) {
      known = new Map();
      this.byDocument.set(document, known);
    }
    let cost = known.get(key);
    if (cost === undefined) {
      cost = measure();
      if (known.size >= CostMemo.MAX_PER_DOCUMENT) known.clear();
      known.set(key, cost);
    }
    return cost;
  }
}

/** The request parameters Yoga (HTTP) and the WebSocket transport put in the initial context. */
const RequestParams = z.object({
  operationName: z.string().nullish(),
  variables: z.record(z.string(), z.unknown()).nullish(),
});

function limitError(code: LimitCode, message: string, limit: number, actual?: number): LimitExceededError {
  // `spec: false`: Yoga answers GraphQL validation errors with 200 to `Accept: application/json`
  // clients (the GraphQL-over-HTTP spec's legacy rule) unless the error says it is not one. A
  // refused query is a 400 for every client. A fresh object per error: Yoga's plugins write to it.
  const http = { status: 400, spec: false };
  return new LimitExceededError(code, message, { limit, ...(actual !== undefined ? { actual } : {}), http });
}

/**
 * Counts tokens as graphql-js's `maxTokens` does (comments and the end excluded) and stops at the
 * first one over the limit, so a megabyte of query text costs no more than the limit's worth of
 * lexing. Also stops brackets nested past twice the depth limit: graphql-js parses and validates
 * nesting recursively, and a few thousand levels (`[[[[...`) overflow the stack. No query within
 * the depth limit needs them (selection sets, inline fragments and input values together).
 */
function lexicalRefusal(source: Source, limits: QueryLimits): LimitExceededError | null {
  const maxNesting = 2 * limits.maxDepth;
  const lexer = new Lexer(source);
  let tokens = 0;
  let nesting = 0;
  for (let token = nextToken(lexer); token && token.kind !== TokenKind.EOF; token = nextToken(lexer)) {
    tokens += 1;
    if (tokens > limits.maxTokens) {
      return limitError(
        "TOO_MANY_TOKENS",
        `Query exceeds the limit of ${limits.maxTokens} tokens (reading stopped at the limit).`,
        limits.maxTokens,
      );
    }
    if (OPENING.has(token.kind)) {
      nesting += 1;
      if (nesting > maxNesting) {
        return limitError(
          "QUERY_TOO_DEEP",
          `Query nests brackets more than ${maxNesting} levels deep, twice the depth limit of ${limits.maxDepth}.`,
          maxNesting,
        );
      }
    } else if (CLOSING.has(token.kind)) {
      nesting = Math.max(0, nesting - 1);
    }
  }
  return null;
}

/** The next token, or null at a lexical error (the parser then reports it, with its location). */
function nextToken(lexer: Lexer): Token | null {
  try {
    return lexer.advance();
  } catch {
    return null;
  }
}

const OPENING = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/** What an operation asks, measured over its fields with fragments expanded. */
export interface QueryShape {
  depth: number;
  aliases: number;
  directives: number;
}

const EMPTY_SHAPE: QueryShape = { depth: 0, aliases: 0, directives: 0 };

/** The largest depth, alias count and directive count among the document's operations. */
export function measureShape(document: DocumentNode): QueryShape {
  const fragments = fragmentsOf(document);
  const byFragment = new Map<string, QueryShape>();
  const expanding = new Set<string>();

  const ofFragment = (name: string): QueryShape => {
    const known = byFragment.get(name);
    if (known) return known;
    const definition = fragments.get(name);
    // Unknown fragments and cycles are graphql's own validation errors (KnownFragmentNames,
    // NoFragmentCycles); counting a spread back into its own expansion as empty keeps this finite.
    if (!definition || expanding.has(name)) return EMPTY_SHAPE;
    expanding.add(name);
    const inner = ofSelections(definition.selectionSet);
    expanding.delete(name);
    const shape = { ...inner, directives: inner.directives + (definition.directives?.length ?? 0) };
    // Memoised per fragment, so fragments spreading each other twice per level stay linear to measure.
    byFragment.set(name, shape);
    return shape;
  };

  const ofSelections = (selectionSet: SelectionSetNode): QueryShape => {
    let depth = 0;
    let aliases = 0;
    let directives = 0;
    for (const selection of selectionSet.selections) {
      directives += selection.directives?.length ?? 0;
      let inner: QueryShape;
      if (selection.kind === Kind.FIELD) {
        const below = selection.selectionSet ? ofSelections(selection.selectionSet) : EMPTY_SHAPE;
        inner = { ...below, depth: below.depth + 1 };
        if (selection.alias) aliases += 1;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = ofSelections(selection.selectionSet);
      } else {
        inner = ofFragment(selection.name.value);
      }
      depth = Math.max(depth, inner.depth);
      aliases += inner.aliases;
      directives += inner.directives;
    }
    return { depth, aliases, directives };
  };

  let largest = EMPTY_SHAPE;
  for (const operation of operationsOf(document)) {
    const inner = ofSelections(operation.selectionSet);
    const onVariables = (operation.variableDefinitions ?? []).reduce(
      (count, variable) => count + (variable.directives?.length ?? 0),
      0,
    );
    largest = {
      depth: Math.max(largest.depth, inner.depth),
      aliases: Math.max(largest.aliases, inner.aliases),
      directives: Math.max(
        largest.directives,
        inner.directives + (operation.directives?.length ?? 0) + onVariables,
      ),
    };
  }
  return largest;
}

function shapeErrors(shape: QueryShape, limits: QueryLimits): GraphQLError[] {
  const errors: GraphQLError[] = [];
  if (shape.depth > limits.maxDepth) {
    errors.push(
      limitError(
        "QUERY_TOO_DEEP",
        `Query depth ${shape.depth} exceeds the limit of ${limits.maxDepth}.`,
        limits.maxDepth,
        shape.depth,
      ),
    );
  }
  if (shape.aliases > limits.maxAliases) {
    errors.push(
      limitError(
        "TOO_MANY_ALIASES",
        `Query uses ${shape.aliases} aliases, more than the limit of ${limits.maxAliases}.`,
        limits.maxAliases,
        shape.aliases,
      ),
    );
  }
  if (shape.directives > limits.maxDirectives) {
    errors.push(
      limitError(
        "TOO_MANY_DIRECTIVES",
        `Query uses ${shape.directives} directives, more than the limit of ${limits.maxDirectives}.`,
        limits.maxDirectives,
        shape.directives,
      ),
    );
  }
  return errors;
}

function costError(cost: number, limit: number): LimitExceededError {
  const why = `(list sizes from "first" multiply)`;
  // Past 2^53 the figure is no longer exact; say so rather than print a rounded number.
  return Number.isSafeInteger(cost)
    ? limitError("QUERY_TOO_COSTLY", `Query cost ${cost} exceeds the limit of ${limit} ${why}.`, limit, cost)
    : limitError(
        "QUERY_TOO_COSTLY",
        `Query cost is more than ${Number.MAX_SAFE_INTEGER}, far over the limit of ${limit} ${why}.`,
        limit,
      );
}

/** A rule that reports a cost refusal; its name files the refusal apart in Yoga's validation cache. */
function costRule(cost: number, limit: number, error: GraphQLError): ValidationRule {
  const name = `QueryCost${Number.isSafeInteger(cost) ? cost : "Unbounded"}Over${limit}`;
  const rule: ValidationRule = (context) => ({
    Document: () => context.reportError(error),
  });
  Object.defineProperty(rule, "name", { value: name });
  return rule;
}

export interface CostOptions {
  /** The operation to run; null: the costliest of the document's operations. */
  operationName: string | null;
  /** The request's variable values as sent (JSON). */
  variables: Readonly<Record<string, unknown>>;
  defaultListSize: number;
}

/**
 * Each field costs 1, plus its selection's cost times its list size: `first` (literal, variable or
 * the variable's default), `defaultListSize` for a connection field without `first`, or the number
 * of `ids`. Tolerates documents that fail validation (unknown fields and types cost 1 each, cycles
 * stop), since it runs before graphql's own rules.
 */
export function queryCost(schema: GraphQLSchema, document: DocumentNode, options: CostOptions): number {
  const fragments = fragmentsOf(document);
  let costliest = 0;
  for (const operation of operationsOf(document)) {
    if (options.operationName !== null && operation.name?.value !== options.operationName) continue;
    const meter = new CostMeter(schema, fragments, operation, options);
    costliest = Math.max(costliest, meter.operation());
  }
  return costliest;
}

class CostMeter {
  private readonly byFragment = new Map<string, number>();
  private readonly expanding = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly operationNode: OperationDefinitionNode,
    private readonly options: CostOptions,
  ) {}

  operation(): number {
    const root = this.schema.getRootType(this.operationNode.operation) ?? undefined;
    return this.selections(this.operationNode.selectionSet, root);
  }

  private selections(selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined): number {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        cost += this.field(selection, parent);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? this.schema.getType(selection.typeCondition.name.value)
          : parent;
        cost += this.selections(selection.selectionSet, type ?? undefined);
      } else {
        cost += this.fragment(selection.name.value);
      }
    }
    return cost;
  }

  private fragment(name: string): number {
    const known = this.byFragment.get(name);
    if (known !== undefined) return known;
    const definition = this.fragments.get(name);
    if (!definition || this.expanding.has(name)) return 0;
    this.expanding.add(name);
    const type = this.schema.getType(definition.typeCondition.name.value) ?? undefined;
    const cost = this.selections(definition.selectionSet, type);
    this.expanding.delete(name);
    this.byFragment.set(name, cost);
    return cost;
  }

  private field(node: FieldNode, parent: GraphQLNamedType | undefined): number {
    const definition = parent ? fieldDefinition(this.schema, parent, node.name.value) : undefined;
    if (!node.selectionSet) return 1;
    const type = definition ? getNamedType(definition.type) : undefined;
    return 1 + this.listSize(node, definition) * this.selections(node.selectionSet, type);
  }

  private listSize(node: FieldNode, definition: GraphQLField<unknown, unknown> | undefined): number {
    const argument = (name: string) => node.arguments?.find((arg) => arg.name.value === name)?.value;
    const first = argument("first");
    if (first) return this.count(first) ?? this.options.defaultListSize;
    if (definition?.args.some((arg) => arg.name === "first")) return this.options.defaultListSize;
    const ids = argument("ids");
    if (ids) return this.length(ids);
    return 1;
  }

  /** A non-negative integer, or undefined when the value is null or not an integer (execution refuses those). */
  private count(value: ValueNode): number | undefined {
    const resolved = this.resolve(value);
    return typeof resolved === "number" && Number.isInteger(resolved) ? Math.max(0, resolved) : undefined;
  }

  /** How many items a list argument holds (GraphQL reads a single value as a list of one). */
  private length(value: ValueNode): number {
    const resolved = this.resolve(value);
    if (Array.isArray(resolved)) return resolved.length;
    return resolved === null || resolved === undefined ? 0 : 1;
  }

  private resolve(value: ValueNode): unknown {
    if (value.kind !== Kind.VARIABLE) return valueFromASTUntyped(value);
    const name = value.name.value;
    if (Object.hasOwn(this.options.variables, name)) return this.options.variables[name];
    const definition = this.operationNode.variableDefinitions?.find(
      (variable) => variable.variable.name.value === name,
    );
    return definition?.defaultValue ? valueFromASTUntyped(definition.defaultValue) : undefined;
  }
}

function fieldDefinition(
  schema: GraphQLSchema,
  parent: GraphQLNamedType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    // The first of duplicate names wins here; UniqueFragmentNames refuses the document anyway.
    if (definition.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(definition.name.value)) {
      fragments.set(definition.name.value, definition);
    }
  }
  return fragments;
}

function operationsOf(document: DocumentNode): OperationDefinitionNode[] {
  return document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
}
