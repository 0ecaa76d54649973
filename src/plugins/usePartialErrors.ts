import type { Plugin } from "graphql-yoga";
import type { GatewayContext } from "../context.js";

/**
 * Reports the failures of single sources in a cross-source list next to the data the other
 * sources returned. GraphQL resolvers can either return data or throw; a list that is partly
 * served records its failed sources in `context.partialErrors`, and this adds them to `errors`.
 */
export function usePartialErrors(): Plugin<GatewayContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const partial = (args.contextValue as GatewayContext).partialErrors;
          if (!partial || partial.length === 0 || Symbol.asyncIterator in result) return;
          setResult({ ...result, errors: [...(result.errors ?? []), ...partial] });
        },
      };
    },
  };
}
