import type { IncomingHttpHeaders } from "node:http";
import type { FixedWindowLimiter, RateLimitVerdict } from "../core/rateLimit.js";
import { bearerToken, type SimRequest, type SimResponse } from "../core/server.js";
import { isoDateUtc, isoSecondsUtc } from "../core/time.js";
import type { CleanItAllAccount, CleanItAllEvent, CleanItAllScope } from "./types.js";
import { ApiError } from "./validation.js";

/**
 * The request pipeline every CleanItAll route runs through, in the reference's check order (§4):
 * authentication (401) → rate limit (429) → scope (403) → the handler, which does its own record
 * lookup (404) → validation (400) → state rules (400 invalid_state).
 */

export interface RequestContext {
  req: SimRequest;
  account: CleanItAllAccount;
  /** One clock reading per request, so every timestamp a write sets agrees. */
  now: Date;
  /** Records a webhook event for the account (§8). */
  emit(event: string, data: unknown): void;
}

export type Handler = (ctx: RequestContext) => SimResponse;

export interface PipelineDeps {
  accounts: Map<string, CleanItAllAccount>;
  limiter: FixedWindowLimiter;
  now: () => Date;
  onEvent?: (accountId: string, event: CleanItAllEvent) => void;
}

const KEY_FORMAT = /^jt_live_[a-z0-9]{32}$/;

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

export const INTERNAL_ERROR = errorBody("internal_error", "Internal server error");
const UNAUTHORIZED = errorBody("unauthorized", "Invalid or missing API key");
const RATE_LIMITED = errorBody("rate_limit_exceeded", "Rate limit exceeded. Try again later.");

/** §2: `X-API-Key` wins whenever the header is sent; otherwise `Authorization: Bearer`. */
export function apiKeyOf(headers: IncomingHttpHeaders): string | null {
  const header = headers["x-api-key"];
  if (header !== undefined) return (Array.isArray(header) ? header[0] : header)?.trim() ?? null;
  return bearerToken(headers);
}

function findAccount(
  accounts: Map<string, CleanItAllAccount>,
  key: string | null,
): { account: CleanItAllAccount; scopes: CleanItAllScope[] } | null {
  if (!key || !KEY_FORMAT.test(key)) return null;
  // Looked up live, so tests can revoke a key by removing it from `account.apiKeys`.
  for (const account of accounts.values()) {
    const found = account.apiKeys.find((candidate) => candidate.key === key);
    if (found) return { account, scopes: found.scopes };
  }
  return null;
}

export function rateLimitHeaders(verdict: RateLimitVerdict): Record<string, string> {
  return {
    "x-ratelimit-limit": String(verdict.limit),
    "x-ratelimit-remaining": String(verdict.remaining),
    "x-ratelimit-reset": String(Math.ceil(verdict.resetAtMs / 1000)),
  };
}

/** The reference's 429 (§3), with `Retry-After` = seconds until `X-RateLimit-Reset`. */
export function rateLimitedResponse(verdict: RateLimitVerdict, nowMs: number): SimResponse {
  const resetSeconds = Math.ceil(verdict.resetAtMs / 1000);
  return {
    status: 429,
    body: RATE_LIMITED,
    headers: {
      ...rateLimitHeaders({ ...verdict, remaining: 0 }),
      "retry-after": String(Math.max(0, resetSeconds - Math.floor(nowMs / 1000))),
    },
  };
}

export function errorResponse(error: ApiError): SimResponse {
  const body = error.details
    ? { error: { code: error.code, message: error.message, details: error.details } }
    : errorBody(error.code, error.message);
  return { status: error.status, body };
}

const SCOPE_BY_METHOD: Record<string, CleanItAllScope> = {
  GET: "read",
  POST: "write",
  PUT: "write",
  PATCH: "write",
  DELETE: "delete",
};

/**
 * A pending invoice past its due date is overdue (§6.4). Applied on every authenticated request of
 * the account, before the handler, so reads never see a stale `pending`; the event fires once
 * because the invoice leaves `pending`.
 */
function applyOverdue(ctx: RequestContext): void {
  const today = isoDateUtc(ctx.now);
  for (const invoice of ctx.account.invoices.values()) {
    if (invoice.status === "pending" && invoice.due_date < today) {
      invoice.status = "overdue";
      invoice.updated_at = isoSecondsUtc(ctx.now);
      ctx.emit("invoice.overdue", invoice);
    }
  }
}

/**
 * Appends an event to the account's record and hands it to `onEvent` (which delivers it). Used by
 * API writes and by dashboard actions of the simulator alike: §8 emits for both.
 */
export function recordEvent(
  account: CleanItAllAccount,
  event: string,
  data: unknown,
  now: Date,
  onEvent: PipelineDeps["onEvent"],
): CleanItAllEvent {
  const record: CleanItAllEvent = {
    id: `evt_${account.idRng.string(24)}`,
    event,
    created_at: isoSecondsUtc(now),
    // A snapshot: later writes must not change what the event carried.
    data: structuredClone(data),
  };
  account.events.push(record);
  try {
    onEvent?.(account.id, record);
  } catch (error) {
    console.error("cleanitall simulator: onEvent hook failed", error);
  }
  return record;
}

export function createPipeline(deps: PipelineDeps) {
  /** Wraps a handler. `scoped: false` (unknown paths) skips the per-route scope check. */
  return (handler: Handler, options: { scoped?: boolean } = {}) =>
    (req: SimRequest): SimResponse => {
      const key = apiKeyOf(req.headers);
      const auth = findAccount(deps.accounts, key);
      if (!auth || !key) return { status: 401, body: UNAUTHORIZED };
      const now = deps.now();
      const verdict = deps.limiter.hit(key);
      if (!verdict.allowed) return rateLimitedResponse(verdict, now.getTime());

      const { account } = auth;
      const ctx: RequestContext = {
        req,
        account,
        now,
        emit: (event, data) => recordEvent(account, event, data, now, deps.onEvent),
      };

      let answer: SimResponse;
      try {
        const scope = SCOPE_BY_METHOD[req.method];
        if (options.scoped !== false && scope && !auth.scopes.includes(scope)) {
          throw new ApiError(403, "insufficient_scope", `API key lacks required scope: ${scope}`);
        }
        applyOverdue(ctx);
        answer = handler(ctx);
      } catch (error) {
        if (error instanceof ApiError) answer = errorResponse(error);
        else {
          console.error("cleanitall simulator: handler failed", error);
          answer = { status: 500, body: INTERNAL_ERROR };
        }
      }
      return { ...answer, headers: { ...answer.headers, ...rateLimitHeaders(verdict) } };
    };
}
