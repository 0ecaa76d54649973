import type { Plugin } from "graphql-yoga";
import { LimitExceededError } from "../errors.js";

/**
 * Refuses query texts longer than the limit before anything parses or caches them. Yoga caches
 * parsed (and failed) documents by their text, so a flood of huge distinct queries would otherwise
 * fill memory; legitimate large values (photo bytes, batches) travel in variables instead.
 */
export function useQuerySize(maxQueryLength: number): Plugin {
  return {
    onParams({ params, setResult }) {
      if (typeof params.query !== "string" || params.query.length <= maxQueryLength) return;
      setResult({
        errors: [
          new LimitExceededError(
            "PAYLOAD_TOO_LARGE",
            `The query text is ${params.query.length} characters, more than the limit of ${maxQueryLength}; send large values as variables.`,
            { limit: maxQueryLength, actual: params.query.length },
          ),
        ],
      });
    },
  };
}
