import type { FixedWindowLimiter } from "../core/rateLimit.js";
import { bearerToken, type SimRequest, type SimResponse } from "../core/server.js";
import { isoDateUtc } from "../core/time.js";
import type { CleverInvoAccount } from "./types.js";
import { ApiError } from "./validation.js";

/**
 * The request pipeline every CleverInvo route runs through, in the reference's check order (§4):
 * 401 (key) → 429 (rate limit) → 403 (API access) → the handler, which does its own record lookup
 * (404) → validation (400) → plan limits (403).
 */

export interface RequestContext {
  req: SimRequest;
  account: CleverInvoAccount;
  /** One clock reading per request, so every timestamp a write sets agrees. */
  now: Date;
}

export type Handler = (ctx: RequestContext) => SimResponse;

export interface PipelineDeps {
  accounts: Map<string, CleverInvoAccount>;
  limiter: FixedWindowLimiter;
  now: () => Date;
}

export const KEY_FORMAT = /^cinv_[A-Za-z0-9]{32}$/;

export const errorBody = (message: string) => ({ error: message });
export const INTERNAL_ERROR = errorBody("Internal server error");
const UNAUTHORIZED = errorBody("Invalid or missing API key");
const RATE_LIMITED = errorBody("Rate limit exceeded");
const NO_API_ACCESS = errorBody("API access is not available on your plan");

/** `{"error": message}` with its status. */
export const fail = (status: number, message: string): SimResponse => ({ status, body: errorBody(message) });

/** §3: 429 with `Retry-After` = whole seconds until the window ends (at least 1); no other headers. */
export function rateLimitedResponse(resetAtMs: number, nowMs: number): SimResponse {
  return {
    status: 429,
    body: RATE_LIMITED,
    headers: { "retry-after": String(Math.max(1, Math.ceil((resetAtMs - nowMs) / 1000))) },
  };
}

function findAccount(accounts: Map<string, CleverInvoAccount>, key: string | null): CleverInvoAccount | null {
  if (!key || !KEY_FORMAT.test(key)) return null;
  // Looked up live, so tests can revoke a key by removing it from `account.apiKeys`.
  for (const account of accounts.values()) if (account.apiKeys.includes(key)) return account;
  return null;
}

/**
 * §6.2: `OVERDUE` when `dueDate` has passed with nothing paid. Applied on every authenticated
 * request of the account before the handler, so reads never see a stale `SENT`/`VIEWED`.
 */
function applyOverdue(account: CleverInvoAccount, now: Date): void {
  const today = isoDateUtc(now);
  for (const invoice of account.invoices.values()) {
    if ((invoice.status === "SENT" || invoice.status === "VIEWED") && invoice.dueDate < today) {
      invoice.status = "OVERDUE";
    }
  }
}

export function createPipeline(deps: PipelineDeps) {
  return (handler: Handler) =>
    (req: SimRequest): SimResponse => {
      const key = bearerToken(req.headers);
      const account = findAccount(deps.accounts, key);
      if (!account || !key) return { status: 401, body: UNAUTHORIZED };
      const now = deps.now();
      const verdict = deps.limiter.hit(key);
      if (!verdict.allowed) return rateLimitedResponse(verdict.resetAtMs, now.getTime());
      if (!account.plan.apiAccess) return { status: 403, body: NO_API_ACCESS };
      try {
        applyOverdue(account, now);
        return handler({ req, account, now });
      } catch (error) {
        if (error instanceof ApiError) return fail(error.status, error.message);
        console.error("cleverinvo simulator: handler failed", error);
        return { status: 500, body: INTERNAL_ERROR };
      }
    };
}
