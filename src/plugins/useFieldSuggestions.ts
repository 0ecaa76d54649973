import { type ExecutionArgs, GraphQLError, type validate } from "graphql";
import type { Plugin } from "graphql-yoga";

type ValidationOptions = Parameters<typeof validate>[3];

/**
 * Field suggestions ("Cannot query field "jbos" on type "Query". Did you mean "jobs"?") help people
 * exploring the schema, and tell anyone probing it what exists when introspection is off. Disabled,
 * errors name what was wrong and nothing more: graphql-js's `hideSuggestions` for validation and
 * execution, and the hint cut off the message where that option does not reach (with graphql 16,
 * Yoga's executor still suggests when it checks variable values: enum values, input fields).
 */
export function useFieldSuggestions(enabled: boolean): Plugin {
  if (enabled) return {};
  return {
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn(
        (
          schema: unknown,
          document: unknown,
          rules: unknown,
          options: ValidationOptions | undefined,
          ...rest: unknown[]
        ) => validateFn(schema, document, rules, { ...options, hideSuggestions: true }, ...rest),
      );
    },
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args: ExecutionArgs) => {
        const withoutSuggestions: ExecutionArgs = { ...args, hideSuggestions: true };
        return executeFn(withoutSuggestions);
      });
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result || !result.errors?.some(hasSuggestion)) return;
          setResult({ ...result, errors: result.errors.map(withoutSuggestion) });
        },
      };
    },
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      setSubscribeFn((args: ExecutionArgs) => {
        const withoutSuggestions: ExecutionArgs = { ...args, hideSuggestions: true };
        return subscribeFn(withoutSuggestions);
      });
      return {
        onSubscribeResult({ result, setResult }) {
          if (Symbol.asyncIterator in result || !result.errors?.some(hasSuggestion)) return;
          setResult({ ...result, errors: result.errors.map(withoutSuggestion) });
        },
      };
    },
  };
}

/**
 * The hint graphql-js and graphql-tools end a message with (their `didYouMean`): up to five quoted
 * schema names, optionally after words such as "the enum value". Anchored to the end and limited
 * to names, so a client's own value quoted earlier in the message is never mistaken for it.
 */
const NAME = '"[_A-Za-z][_0-9A-Za-z]*"';
const HINT = new RegExp(` Did you mean (?:[a-z][a-z ]* )?${NAME}(?:(?:, ${NAME})*,? or ${NAME})?\\?$`);

function hasSuggestion(error: GraphQLError): boolean {
  return HINT.test(error.message);
}

function withoutSuggestion(error: GraphQLError): GraphQLError {
  if (!HINT.test(error.message)) return error;
  return new GraphQLError(error.message.replace(HINT, ""), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}
