import { type DocumentNode, type ExecutionResult, getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import { LRUCache } from "lru-cache";
import type { GatewayContext } from "../context.js";

/**
 * Gives a query's answer again, without executing it, while every upstream read it was built from
 * is still current in the gateway's caches (see ReadLog). Executing it again would read the same
 * cached records and build the same answer: this skips only the work, never a fresher read. The
 * answer is keyed by the tenant, the key's scopes, the document, the operation and the variables;
 * answers with errors, and answers that read anything uncached or hold a signed link, are not kept.
 *
 * Register it last: an answer given again stops execution, and plugins after it would not see the
 * operation through envelop's hooks.
 */

export type AnswerReuseOutcome =
  /** Given again without executing. */
  | "hit"
  /** Executed and kept. */
  | "stored"
  /** A kept answer whose reads had changed: dropped and executed again. */
  | "stale"
  /** Executed and not kept (an uncached read, a signed link, errors). */
  | "not_reusable";

export interface AnswerReuseOptions {
  /** Answers kept (least recently used ones go first); 0 turns reuse off. */
  maxEntries: number;
  /** The most their JSON may add up to (default 64 MiB); an answer larger than a tenth of it is not kept. */
  maxBytes?: number;
  /** An upper bound on any answer's life, whatever its reads say. */
  maxAgeMs: number;
  onOutcome?(outcome: AnswerReuseOutcome): void;
}

export interface AnswerReuse {
  plugin: Plugin<GatewayContext>;
  /** Forgets every answer (a config reload may change what any of them would be). */
  clear(): void;
}

interface KeptAnswer {
  /** The result with its JSON rendered once (Yoga serializes through `stringify` when a result has one). */
  result: ExecutionResult & { stringify: () => string };
  json: string;
  dependencies: ReadonlyArray<() => boolean>;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export function createAnswerReuse(options: AnswerReuseOptions): AnswerReuse {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const answers =
    options.maxEntries > 0
      ? new LRUCache<string, KeptAnswer>({
          max: options.maxEntries,
          maxSize: maxBytes,
          // UTF-16 code units: near enough to bytes for a bound.
          sizeCalculation: (answer) => Math.max(1, answer.json.length),
          ttl: options.maxAgeMs,
        })
      : null;
  // Yoga hands the same parsed document for the same query text, so identity names it cheaply.
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const documentId = (document: DocumentNode): number => {
    let id = documentIds.get(document);
    if (id === undefined) {
      id = nextDocumentId++;
      documentIds.set(document, id);
    }
    return id;
  };
  const report = (outcome: AnswerReuseOutcome) => options.onOutcome?.(outcome);

  const plugin: Plugin<GatewayContext> = {
    onExecute({ args, setResultAndStopExecution }) {
      if (!answers) return;
      const context = args.contextValue as Partial<GatewayContext>;
      const reads = context.reads;
      if (!reads || !context.scopes) return;
      if (getOperationAST(args.document, args.operationName)?.operation !== "query") return;
      const key = [
        context.tenantId,
        [...context.scopes].sort().join(","),
        context.publicUrl,
        documentId(args.document),
        args.operationName ?? "",
        JSON.stringify(args.variableValues ?? {}),
      ].join("\u0000");

      const kept = answers.get(key);
      if (kept) {
        if (kept.dependencies.every((current) => current())) {
          report("hit");
          setResultAndStopExecution(kept.result);
          return;
        }
        answers.delete(key);
        report("stale");
      }
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          const failed = (result.errors?.length ?? 0) > 0 || (context.partialErrors?.length ?? 0) > 0;
          const dependencies = reads.dependencies();
          // Also refused: an answer whose reads are already gone (a not-found the cache did not keep,
          // an invalidation while it executed).
          if (failed || reads.whyNotReusable !== null || !dependencies.every((current) => current())) {
            report("not_reusable");
            return;
          }
          const json = JSON.stringify(result);
          if (json.length > maxBytes / 10) {
            report("not_reusable");
            return;
          }
          const kept: KeptAnswer = { result: { ...result, stringify: () => json }, json, dependencies };
          // It goes with its shortest-lived read: a kept answer never outlives what it was built from.
          answers.set(key, kept, { ttl: Math.max(1, Math.min(options.maxAgeMs, reads.lifeMs)) });
          report("stored");
        },
      };
    },
  };
  return { plugin, clear: () => answers?.clear() };
}
