import type { IncomingMessage, ServerResponse } from "node:http";
import { type DocumentNode, type ExecutionResult, getOperationAST } from "graphql";
import { type FetchAPI, type GraphQLParams, processRegularResult } from "graphql-yoga";
import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import { mediaTypeOf } from "./requestBody.js";

/**
 * The common GraphQL POST, answered without the Fetch round trip of Yoga's Node adapter: one JSON
 * operation (a query or a mutation) from a client that is not a browser page, asking for JSON. Yoga
 * still does all the GraphQL work through `getResultForParams` (every plugin's params, parse,
 * validate, context and execute hooks, error masking) and decides the status and body through its
 * own `processRegularResult`; what is skipped is the adapter building a Fetch Request from the Node
 * one, Yoga's request-parsing hooks (the gateway has already checked and parsed the body), result
 * negotiation (the Accept header is read here the way Yoga reads it) and the Fetch Response written
 * back: less work per request, which shows most under load (README, Performance).
 *
 * Anything else goes to `yoga.handle` as before: batches, subscriptions, GET, browser requests
 * (CORS headers), other Accept types, a query text Yoga has not parsed yet (its parse cache tells
 * the operation type without parsing again), and bodies Yoga must refuse in its own words.
 */

/** Yoga's parse cache, shared so this path can tell a query from a subscription without parsing. */
export type DocumentCache = LRUCache<string, DocumentNode>;

export function createDocumentCache(): DocumentCache {
  // Yoga's own default: 1,024 query texts for an hour.
  return new LRUCache<string, DocumentNode>({ max: 1024, ttl: 3_600_000 });
}

export interface DirectOperations {
  /** Answers the request when it is of the common kind, and says whether it did. */
  answer(req: IncomingMessage & { body?: unknown }, res: ServerResponse): boolean;
}

/** What this path reads of a body before Yoga checks all of it (useCheckGraphQLQueryParams). */
interface UncheckedParams {
  query: string;
  operationName?: unknown;
}

/** The part of a Yoga server this path uses: its Fetch classes and its operation pipeline. */
export interface YogaOperationPipeline {
  readonly fetchAPI: FetchAPI;
  getResultForParams(
    payload: { params: GraphQLParams; request: Request },
    serverContext: { req: IncomingMessage; res: ServerResponse },
  ): unknown;
}

export function createDirectOperations(
  yoga: YogaOperationPipeline,
  documents: DocumentCache,
  logger: Logger,
): DirectOperations {
  return {
    answer(req, res) {
      const params = req.body;
      if (!isSingleOperation(params)) return false;
      // A browser's request needs Yoga's CORS headers.
      if (req.headers.origin !== undefined) return false;
      if (!YOGA_JSON_BODY_TYPES.has(mediaTypeOf(req.headers["content-type"]))) return false;
      const mediaType = jsonMediaTypeFor(req.headers.accept);
      if (mediaType === null) return false;
      const document = documents.get(params.query);
      if (!document) return false;
      const operation = getOperationAST(
        document,
        typeof params.operationName === "string" ? params.operationName : undefined,
      );
      if (!operation || operation.operation === "subscription") return false;

      // No abort signal: nothing in the pipeline reads one (Yoga cancels execution on it only with
      // useExecutionCancellation, which the gateway does not use).
      let request: Request;
      try {
        request = new yoga.fetchAPI.Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
          method: "POST",
          headers: fetchHeaders(req.headers),
        });
      } catch {
        // A host header no URL can hold: Yoga's adapter answers it as it does.
        return false;
      }
      // Handed over as Yoga's own JSON parser hands a body over: its params hook checks every field.
      const checkedByYoga = params as GraphQLParams;
      new Promise((resolve) =>
        resolve(yoga.getResultForParams({ params: checkedByYoga, request }, { req, res })),
      )
        .then(async (result) => {
          // Never a stream: subscriptions do not come this way, and no plugin defers or streams.
          const response = await processRegularResult(result as ExecutionResult, yoga.fetchAPI, mediaType);
          const body = await response.text();
          if (res.destroyed || res.writableEnded) return;
          const headers: Record<string, string> = {};
          response.headers.forEach((value, name) => {
            headers[name] = value;
          });
          res.writeHead(response.status, response.statusText || undefined, headers);
          res.end(body);
        })
        .catch((error: unknown) => {
          // Yoga answers the operation's errors as results; only a fault outside them lands here.
          logger.error({ err: error }, "graphql request failed outside execution");
          if (res.headersSent) {
            res.destroy();
            return;
          }
          const body = JSON.stringify({ errors: [{ message: "Unexpected error." }] });
          res.writeHead(500, { "content-type": `${mediaType}; charset=utf-8` });
          res.end(body);
        });
      return true;
    },
  };
}

/** Content types Yoga's JSON body parser takes (`application/graphql-response+json` is not one). */
const YOGA_JSON_BODY_TYPES = new Set(["application/json", "application/graphql+json"]);
/** The media types Yoga's regular (single JSON result) processor answers with. */
const JSON_RESULT_TYPES = new Set(["application/json", "application/graphql-response+json"]);

/**
 * One operation Yoga's params check (useCheckGraphQLQueryParams) will let through: that check
 * throws instead of answering, so what it would refuse goes to Yoga's whole pipeline to refuse.
 */
function isSingleOperation(body: unknown): body is UncheckedParams {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const params = body as Record<string, unknown>;
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && !PARAM_NAMES.has(name)) return false;
  }
  return (
    typeof params.query === "string" &&
    isObjectOrNothing(params.variables) &&
    isObjectOrNothing(params.extensions)
  );
}

const PARAM_NAMES = new Set(["query", "variables", "operationName", "extensions"]);

const isObjectOrNothing = (value: unknown) =>
  value === undefined || value === null || (typeof value === "object" && !Array.isArray(value));

/**
 * The media type Yoga answers a single result with for this Accept header, when only its JSON
 * processor could be chosen; null when Yoga might choose another (event stream, multipart) or refuse.
 * Yoga reads Accept in order and ignores q-values: a missing header or the bare wildcard gets
 * application/json, and a list of JSON types gets the first one listed.
 */
export function jsonMediaTypeFor(accept: string | undefined): string | null {
  const header = (accept ?? "*/*").replace(/\s/g, "").toLowerCase();
  if (header === "*/*" || header === "") return "application/json";
  let first: string | null = null;
  for (const entry of header.split(",")) {
    const [mediaType, ...parameters] = entry.split(";");
    const charset = parameters.find((parameter) => parameter.includes("charset="));
    // Yoga skips entries with another charset: whether it would still choose JSON is its call.
    if (charset !== undefined && charset !== "charset=utf-8") return null;
    if (mediaType === undefined || !JSON_RESULT_TYPES.has(mediaType)) return null;
    first ??= mediaType;
  }
  return first;
}

/** Node's header object as Fetch headers (repeated headers joined, as the Fetch API does). */
function fetchHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
