import { type DocumentNode, type ExecutionResult, getOperationAST, Kind } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GatewayMetrics, OperationOutcome, OperationType } from "../metrics.js";

/**
 * Counts and times GraphQL operations: name, type (query, mutation, subscription), outcome (ok,
 * error, partial) and duration; a subscription counts its start (ok once its stream is open,
 * error when refused) and is not timed.
 *
 * Operations arrive two ways. Over HTTP (SSE included), Yoga's own pipeline runs from `onParams`
 * to `onExecutionResult`, which sees every operation's final result: refusals before parsing
 * (query size), parse and validation errors, a context that failed (no key), and the data with
 * the partial errors other plugins added. graphql-ws operations skip that pipeline and go straight
 * through envelop (parse, validate, context, execute or subscribe), so for them the envelop hooks
 * report. For a query over WebSocket, register this after `usePartialErrors`, whose additions it
 * then sees.
 */

interface OperationState {
  startedAt: number;
  /** Yoga's HTTP pipeline reports this operation; the envelop hooks only describe it. */
  overHttp: boolean;
  /** The operation name the client sent, until the parsed document says better. */
  name: string | null;
  type: OperationType;
  reported: boolean;
}

export function useMetrics(metrics: Pick<GatewayMetrics, "observeOperation">): Plugin {
  // Keyed by the operation's context object: Yoga and envelop pass the same one from parameters
  // to result, and each operation of a batch has its own.
  const operations = new WeakMap<object, OperationState>();

  const begin = (context: object, overHttp: boolean, name: unknown): OperationState => {
    const state: OperationState = {
      startedAt: performance.now(),
      overHttp,
      name: typeof name === "string" ? name : null,
      type: "unknown",
      reported: false,
    };
    operations.set(context, state);
    return state;
  };

  const report = (state: OperationState, outcome: OperationOutcome): void => {
    if (state.reported) return;
    state.reported = true;
    metrics.observeOperation({
      name: state.name,
      type: state.type,
      outcome,
      ...(state.type === "subscription" ? {} : { durationMs: performance.now() - state.startedAt }),
    });
  };

  /** Reports from an envelop hook, unless Yoga's HTTP pipeline will. */
  const reportOverWebSocket = (context: object, outcome: OperationOutcome): void => {
    const state = operations.get(context);
    if (state && !state.overHttp) report(state, outcome);
  };

  return {
    onPluginInit({ registerContextErrorHandler }) {
      registerContextErrorHandler(({ context }) => reportOverWebSocket(context, "error"));
    },

    onParams({ context, params }) {
      begin(context, true, params.operationName);
    },

    onParse({ context }) {
      const state = operations.get(context) ?? begin(context, false, context.params?.operationName);
      return ({ result }) => {
        if (result instanceof Error) reportOverWebSocket(context, "error");
        else if (isDocument(result)) describe(state, result);
      };
    },

    onValidate({ context }) {
      return ({ valid }) => {
        if (!valid) reportOverWebSocket(context, "error");
      };
    },

    onExecute({ args }) {
      return {
        onExecuteDone({ result }) {
          reportOverWebSocket(args.contextValue, isAsyncIterable(result) ? "ok" : outcomeOf(result));
        },
      };
    },

    onSubscribe({ args }) {
      return {
        onSubscribeResult({ result }) {
          reportOverWebSocket(args.contextValue, isAsyncIterable(result) ? "ok" : outcomeOf(result));
        },
      };
    },

    onExecutionResult({ context, result }) {
      // Without state, another plugin's onParams ended the pipeline before ours ran.
      const state = operations.get(context) ?? begin(context, true, context.params?.operationName);
      report(state, result === undefined || isAsyncIterable(result) ? "ok" : outcomeOf(result));
    },
  };
}

/** The executed operation's name and type, as the document and the requested name select it. */
function describe(state: OperationState, document: DocumentNode): void {
  const operation = getOperationAST(document, state.name);
  if (!operation) return;
  state.type = operation.operation;
  state.name = operation.name?.value ?? null;
}

/**
 * `partial` when some data arrived next to the errors. A failed nullable root field still leaves
 * `data: { field: null }`, which is no data to the client: that is an error, not a partial result.
 */
function outcomeOf(result: ExecutionResult): OperationOutcome {
  if (!result.errors || result.errors.length === 0) return "ok";
  const fields = result.data ? Object.values(result.data) : [];
  return fields.some((value) => value !== null && value !== undefined) ? "partial" : "error";
}

function isAsyncIterable<T>(value: T | AsyncIterable<unknown>): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

function isDocument(value: unknown): value is DocumentNode {
  return typeof value === "object" && value !== null && "kind" in value && value.kind === Kind.DOCUMENT;
}
