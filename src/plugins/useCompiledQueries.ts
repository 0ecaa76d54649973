import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  type SourceLocation,
} from "graphql";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";
import type { Plugin } from "graphql-yoga";

export interface CompiledQueriesOptions {
  compileAfter?: number;
  /** Told of each compilation: `errors` when graphql-jit could not compile the operation. */
  onCompile?: (event: { operationName: string | null; errors?: readonly GraphQLError[] }) => void;
}

interface OperationState {
  /** The operation's name in the document (what logs and metrics call it). */
  name: string | null;
  /** Executions counted until it is compiled. */
  executions: number;
  /** undefined: not compiled yet; null: never compiled (not a query, or graphql-jit cannot). */
  compiled: CompiledQuery | null | undefined;
}

/**
 * Runs hot queries as compiled JavaScript (graphql-jit) instead of graphql-js's generic executor:
 * completing a page of 50 records field by field is most of the gateway's own time on a list, and a
 * compiled query does it several times faster. Same schema, resolvers, context and result.
 *
 * - Only queries: mutations keep graphql-js's serial execution, subscriptions its event mapping.
 * - Only an operation executed `compileAfter` times (default 2): compiling costs more than one
 *   execution, so a query sent once never pays for it.
 * - Variables graphql-jit refuses go to the standard executor, which refuses them with the errors
 *   (and Yoga's 400) a client gets for them anywhere else.
 * - A query graphql-jit cannot compile keeps the standard executor.
 *
 * A compiled query lives as long as its parsed document, which Yoga's bounded parse cache holds.
 */
export function useCompiledQueries(options: CompiledQueriesOptions = {}): Plugin {
  const compileAfter = Math.max(1, options.compileAfter ?? 2);
  // Keyed by schema too: a compiled query holds the resolvers of the schema it was compiled for.
  const operations = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, OperationState>>>();

  const stateOf = (args: ExecutionArgs): OperationState => {
    let bySchema = operations.get(args.schema);
    if (!bySchema) {
      bySchema = new WeakMap();
      operations.set(args.schema, bySchema);
    }
    let byName = bySchema.get(args.document);
    if (!byName) {
      byName = new Map();
      bySchema.set(args.document, byName);
    }
    const name = args.operationName ?? "";
    let state = byName.get(name);
    if (!state) {
      const operation = getOperationAST(args.document, args.operationName);
      state = {
        name: operation?.name?.value ?? null,
        executions: 0,
        compiled: operation?.operation === "query" ? undefined : null,
      };
      byName.set(name, state);
    }
    return state;
  };

  const compile = (args: ExecutionArgs, operationName: string | null): CompiledQuery | null => {
    const compiled = compileQuery(args.schema, args.document, args.operationName ?? undefined);
    if (isCompiledQuery(compiled)) {
      options.onCompile?.({ operationName });
      return compiled;
    }
    options.onCompile?.({ operationName, errors: compiled.errors ?? [] });
    return null;
  };

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const state = stateOf(args);
      if (state.compiled === undefined) {
        if (++state.executions < compileAfter) return;
        state.compiled = compile(args, state.name);
      }
      const compiled = state.compiled;
      if (!compiled) return;
      setExecuteFn((executeArgs: ExecutionArgs) => {
        const result = compiled.query(
          executeArgs.rootValue,
          executeArgs.contextValue,
          executeArgs.variableValues ?? {},
        );
        if (isThenable(result)) return result.then((settled) => asExecuted(settled, executeArgs.document));
        // No `data` at all: graphql-jit refused the variables before anything ran.
        if (!("data" in result)) return executeFn(executeArgs);
        return asExecuted(result, executeArgs.document);
      });
    },
  };
}

/**
 * A compiled query's result as graphql-js's executor shapes it. Errors come first (as graphql-js
 * serializes them), and each is a graphql-js GraphQLError with the source and positions of its
 * locations: graphql-jit's own error class keeps only the locations, and Yoga's masking rebuilds
 * a masked error from its nodes or source positions (a masked error would lose its locations).
 */
function asExecuted(result: ExecutionResult, document: DocumentNode): ExecutionResult {
  if (!result.errors || result.errors.length === 0) return result;
  const source = document.loc?.source;
  const errors = result.errors.map((error) => {
    if (error.nodes || !source || !error.locations) return error;
    return new GraphQLError(error.message, {
      source,
      positions: error.locations.map((location) => positionOf(source.body, location)),
      path: error.path,
      originalError: error.originalError,
      extensions: error.extensions,
    });
  });
  return { errors, data: result.data, ...(result.extensions ? { extensions: result.extensions } : {}) };
}

/** The character offset of a 1-based line and column, lines ended as GraphQL ends them. */
function positionOf(body: string, { line, column }: SourceLocation): number {
  const lineEnd = /\r\n|[\n\r]/g;
  let start = 0;
  for (let current = 1; current < line; current++) {
    const match = lineEnd.exec(body);
    if (!match) break;
    start = match.index + match[0].length;
  }
  return start + column - 1;
}

const isThenable = (value: object): value is PromiseLike<ExecutionResult> =>
  typeof (value as { then?: unknown }).then === "function";
