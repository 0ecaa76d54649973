import { GraphQLError } from "graphql";

/**
 * The gateway's error vocabulary. Every error a client can see is one of these classes, each
 * mapped to one `extensions.code`; anything else is an internal error and stays masked by Yoga.
 */

export type SourceId = "cleanitall" | "cleanestimate" | "jobcloser" | "artisan" | "cleverinvo";

/** Product names, for messages people read. */
export const SOURCE_LABELS: Record<SourceId, string> = {
  cleanitall: "CleanItAll",
  cleanestimate: "CleanEstimate Pro",
  jobcloser: "JobCloser",
  artisan: "Check-in ARTISAN",
  cleverinvo: "CleverInvo",
};

export type UpstreamErrorCode =
  | "UPSTREAM_UNAVAILABLE"
  | "UPSTREAM_RATE_LIMITED"
  | "UPSTREAM_TIMEOUT"
  | "UPSTREAM_ERROR";

export type ErrorCode =
  | UpstreamErrorCode
  | "BAD_USER_INPUT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "INVALID_STATE"
  | "IDEMPOTENCY_CONFLICT"
  | "IDEMPOTENCY_UNAVAILABLE"
  | LimitCode;

/** The gateway's own limits on what one request may ask (query hardening, rate limits). */
export type LimitCode =
  | "QUERY_TOO_DEEP"
  | "TOO_MANY_ALIASES"
  | "TOO_MANY_DIRECTIVES"
  | "TOO_MANY_TOKENS"
  | "QUERY_TOO_COSTLY"
  | "BATCH_TOO_LARGE"
  | "PAYLOAD_TOO_LARGE"
  | "RATE_LIMITED";

/** Base class: a GraphQLError with a code, so Yoga's masking lets it through unchanged. */
export class GatewayError extends GraphQLError {
  constructor(
    message: string,
    readonly code: ErrorCode,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { ...extensions, code } });
    this.name = new.target.name;
  }
}

/** An upstream failed; the fields it would have filled are null and this error says why. */
export class UpstreamError extends GatewayError {
  constructor(
    /** Named `upstream` because GraphQLError already has a `source` (the query text). */
    readonly upstream: SourceId,
    code: UpstreamErrorCode,
    message: string,
    details: { status?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message, code, {
      source: upstream,
      ...(details.status !== undefined ? { upstreamStatus: details.status } : {}),
      ...(details.retryAfterSeconds !== undefined ? { retryAfterSeconds: details.retryAfterSeconds } : {}),
    });
  }
}

/** The client sent something the gateway cannot use (bad id, cursor, argument). No upstream is called. */
export class BadInputError extends GatewayError {
  constructor(message: string, argument?: string) {
    super(message, "BAD_USER_INPUT", argument ? { argument } : {});
  }
}

/**
 * A source cannot serve a list the way it was asked (JobCloser lists events per job only). Thrown
 * by stream factories: a list restricted to that source fails with it; a list spanning several
 * sources leaves that source out, as the field's description says.
 */
export class UnsupportedBySourceError extends BadInputError {
  constructor(
    readonly upstream: SourceId,
    message: string,
    argument?: string,
  ) {
    super(message, argument);
  }
}

export class UnauthenticatedError extends GatewayError {
  constructor(
    message = "Missing or invalid API key: send it as `Authorization: Bearer <key>` or `X-API-Key`.",
  ) {
    super(message, "UNAUTHENTICATED", { http: { status: 401, headers: { "WWW-Authenticate": "Bearer" } } });
  }
}

export class ForbiddenError extends GatewayError {
  constructor(scope: string) {
    super(`This API key lacks the "${scope}" scope.`, "FORBIDDEN", { http: { status: 403 } });
  }
}

/** One bad input field: `path` is relative to the mutation argument (`lineItems[0].quantity`). */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * Input a mutation cannot send: found by the gateway before any upstream call, or reported by the
 * upstream's validation (then `extensions.source` says which). Every failing field is listed in
 * `extensions.fields` as `{ path, message }`, paths written from the argument (`input.email`).
 */
export class InputValidationError extends GatewayError {
  readonly fields: FieldProblem[];

  constructor(problems: FieldProblem[], options: { argument?: string; source?: SourceId } = {}) {
    const argument = options.argument ?? "input";
    const fields = problems.map((problem) => ({
      // `[3].siteVisitId` (an item of a list argument) reads `inputs[3].siteVisitId`.
      path: !problem.path
        ? argument
        : problem.path.startsWith("[")
          ? `${argument}${problem.path}`
          : `${argument}.${problem.path}`,
      message: problem.message,
    }));
    const list = fields.map((field) => `${field.path} ${field.message}`).join("; ");
    const by = options.source ? ` (rejected by ${options.source})` : "";
    super(`Invalid input${by}: ${list}.`, "BAD_USER_INPUT", {
      fields,
      ...(options.source ? { source: options.source } : {}),
    });
    this.fields = fields;
  }
}

/** The record a mutation targets does not exist (any more) in its upstream. */
export class NotFoundError extends GatewayError {
  constructor(message: string, source?: SourceId) {
    super(message, "NOT_FOUND", source ? { source } : {});
  }
}

/** The record's current state forbids the change (a completed job completed again, a sent invoice edited). */
export class InvalidStateError extends GatewayError {
  constructor(message: string, source: SourceId) {
    super(message, "INVALID_STATE", { source });
  }
}

/** An idempotency key reused with different input, or whose first request is still running. */
export class IdempotencyConflictError extends GatewayError {
  constructor(message: string) {
    super(message, "IDEMPOTENCY_CONFLICT");
  }
}

/** The shared idempotency store (Redis) cannot be reached: the mutation was not sent. */
export class IdempotencyUnavailableError extends GatewayError {
  constructor() {
    super(
      "The idempotency store is unavailable, so this mutation was not sent. Retry it with the same idempotencyKey.",
      "IDEMPOTENCY_UNAVAILABLE",
    );
  }
}

/**
 * A request over one of the gateway's limits: refused before any upstream is called. `limit` and
 * `actual` say by how much (`actual` is absent where counting stopped at the limit).
 */
export class LimitExceededError extends GatewayError {
  constructor(
    code: LimitCode,
    message: string,
    details: {
      limit: number;
      actual?: number;
      http?: { status: number; headers?: Record<string, string>; spec?: boolean };
    },
  ) {
    const { http, ...numbers } = details;
    // `spec: false`: the status holds for `Accept: application/json` clients too, not only 200.
    super(message, code, { ...numbers, http: { spec: false, ...(http ?? { status: 400 }) } });
  }
}
