import { GraphQLError } from "graphql";

/**
 * The gateway's error vocabulary. Every error a client can see is one of these classes, each
 * mapped to one `extensions.code`; anything else is an internal error and stays masked by Yoga.
 */

export type SourceId = "cleanitall" | "cleanestimate" | "jobcloser" | "artisan" | "cleverinvo";

export type UpstreamErrorCode =
  | "UPSTREAM_UNAVAILABLE"
  | "UPSTREAM_RATE_LIMITED"
  | "UPSTREAM_TIMEOUT"
  | "UPSTREAM_ERROR";

export type ErrorCode = UpstreamErrorCode | "BAD_USER_INPUT" | "UNAUTHENTICATED" | "FORBIDDEN";

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
