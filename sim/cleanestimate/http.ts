import type { FixedWindowLimiter, RateLimitVerdict } from "../core/rateLimit.js";
import { bearerToken, type SimRequest, type SimResponse } from "../core/server.js";
import type {
  CleanEstimateAccount,
  CleanEstimateDataSet,
  CleanEstimateEvent,
  CleanEstimateEventType,
  CleanEstimateMode,
} from "./types.js";
import { ApiError, IS_INVALID, invalidRequest, isObject, type JsonObject } from "./validation.js";
import { canonicalJson, isoMs, uuidFrom } from "./values.js";

/**
 * The request pipeline every CleanEstimate route runs through, in the reference's check order
 * (§4): 401 → 429 → 403 (test key on /webhooks) → 400 (malformed JSON, bad `Idempotency-Key`) →
 * idempotency lookup → the handler, which does its own record lookup (404) → validation (422) →
 * state rules (422 invalid_state). 2xx answers to keyed POST/PATCH requests are stored for replay.
 */

export interface RequestContext {
  req: SimRequest;
  account: CleanEstimateAccount;
  /** The data set of the key's mode. */
  data: CleanEstimateDataSet;
  mode: CleanEstimateMode;
  /** One clock reading per request, so every timestamp a write sets agrees. */
  now: Date;
  /** The parsed JSON body of a POST or PATCH (`{}` when empty); `{}` for other methods. */
  body: JsonObject;
  /** Records a webhook event (§9); a no-op for test-mode data. */
  emit(type: CleanEstimateEventType, data: unknown): void;
  webhooks: WebhookEndpointHooks;
}

/** What webhook endpoint registration needs from the simulator around it. */
export interface WebhookEndpointHooks {
  /** The signing secret of a new endpoint (`whsec_…`). */
  newSecret(): string;
  /** Stops every pending delivery to an endpoint that was just deleted (§8: "immediately"). */
  endpointDeleted(accountId: string, endpointId: string): void;
}

export type Handler = (ctx: RequestContext) => SimResponse;

export interface PipelineDeps {
  accounts: Map<string, CleanEstimateAccount>;
  limiter: FixedWindowLimiter;
  now: () => Date;
  onEvent?: (accountId: string, event: CleanEstimateEvent) => void;
  webhooks: WebhookEndpointHooks;
  basePath: string;
}

export const KEY_FORMAT = /^ce_(live|test)_[a-z0-9]{8}_[a-z0-9]{24}$/;
const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

export const INTERNAL_ERROR = errorBody("internal_error", "Internal server error");
const UNAUTHORIZED = errorBody("unauthorized", "Invalid or missing API key");
const RATE_LIMITED = errorBody("rate_limited", "Rate limit exceeded. Try again later.");
const LIVE_KEY_REQUIRED = errorBody(
  "live_key_required",
  "Webhook routes require a live API key (ce_live_...)",
);
const INVALID_JSON = errorBody("invalid_json", "Request body is not valid JSON");
const KEY_REUSE = errorBody(
  "idempotency_key_reuse",
  "Idempotency-Key has already been used with a different request",
);

/** The account and mode of a key; looked up live, so tests can revoke a key by removing it. */
export function findKey(
  accounts: Map<string, CleanEstimateAccount>,
  key: string | null,
): { account: CleanEstimateAccount; mode: CleanEstimateMode } | null {
  const match = key ? KEY_FORMAT.exec(key) : null;
  if (!match) return null;
  for (const account of accounts.values()) {
    if (account.apiKeys.some((candidate) => candidate.key === key)) {
      return { account, mode: match[1] === "test" ? "test" : "live" };
    }
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

/** The reference's 429 (§3), with `Retry-After` = whole seconds until the window resets. */
export function rateLimitedResponse(verdict: RateLimitVerdict, nowMs: number): SimResponse {
  return {
    status: 429,
    body: RATE_LIMITED,
    headers: {
      ...rateLimitHeaders({ ...verdict, remaining: 0 }),
      "retry-after": String(Math.max(0, Math.ceil((verdict.resetAtMs - nowMs) / 1000))),
    },
  };
}

export function errorResponse(error: ApiError): SimResponse {
  const body = error.details
    ? { error: { code: error.code, message: error.message, details: error.details } }
    : errorBody(error.code, error.message);
  return { status: error.status, body };
}

/** Parses a request body: empty → `{}`; anything but a JSON object → 400 `invalid_json`. */
function parseBody(raw: Buffer): JsonObject | null {
  const text = raw.toString("utf8");
  if (text.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** §4: 1–255 printable ASCII characters. */
const IDEMPOTENCY_KEY_FORMAT = /^[\x20-\x7e]{1,255}$/;

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Emits an event on the account's live record (test-mode data never emits, §1). */
export function makeEmitter(
  account: CleanEstimateAccount,
  mode: CleanEstimateMode,
  now: Date,
  onEvent: PipelineDeps["onEvent"],
): (type: CleanEstimateEventType, data: unknown) => void {
  return (type, data) => {
    if (mode !== "live") return;
    const event: CleanEstimateEvent = {
      id: uuidFrom(account.idRng),
      type,
      timestamp: isoMs(now),
      // A snapshot: later writes must not change what the event carried.
      data: structuredClone(data),
    };
    account.events.push(event);
    try {
      onEvent?.(account.id, event);
    } catch (error) {
      console.error("cleanestimate simulator: onEvent hook failed", error);
    }
  };
}

export function createPipeline(deps: PipelineDeps) {
  const webhooksPath = `${deps.basePath}/webhooks`;
  return (handler: Handler) =>
    (req: SimRequest): SimResponse => {
      const key = bearerToken(req.headers);
      const auth = findKey(deps.accounts, key);
      if (!auth || !key) return { status: 401, body: UNAUTHORIZED };
      const now = deps.now();
      const verdict = deps.limiter.hit(key);
      if (!verdict.allowed) return rateLimitedResponse(verdict, now.getTime());

      const { account, mode } = auth;
      const data = mode === "live" ? account.live : account.test;
      let answer: SimResponse;
      try {
        answer = run(handler, req, account, mode, data, now);
      } catch (error) {
        if (error instanceof ApiError) answer = errorResponse(error);
        else {
          console.error("cleanestimate simulator: handler failed", error);
          answer = { status: 500, body: INTERNAL_ERROR };
        }
      }
      return { ...answer, headers: { ...answer.headers, ...rateLimitHeaders(verdict) } };
    };

  function run(
    handler: Handler,
    req: SimRequest,
    account: CleanEstimateAccount,
    mode: CleanEstimateMode,
    data: CleanEstimateDataSet,
    now: Date,
  ): SimResponse {
    if (mode === "test" && (req.path === webhooksPath || req.path.startsWith(`${webhooksPath}/`))) {
      return { status: 403, body: LIVE_KEY_REQUIRED };
    }
    const hasBody = req.method === "POST" || req.method === "PATCH";
    let body: JsonObject = {};
    let idempotencyKey: string | undefined;
    if (hasBody) {
      const parsed = parseBody(req.rawBody);
      if (!parsed) return { status: 400, body: INVALID_JSON };
      body = parsed;
      idempotencyKey = headerValue(req.headers["idempotency-key"]);
      if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_FORMAT.test(idempotencyKey)) {
        throw invalidRequest([{ field: "Idempotency-Key", message: IS_INVALID }]);
      }
    }

    let fingerprint = "";
    if (idempotencyKey !== undefined) {
      fingerprint = `${req.method} ${req.path} ${canonicalJson(body)}`;
      const stored = data.idempotency.get(idempotencyKey);
      if (stored && stored.expiresAtMs > now.getTime()) {
        if (stored.fingerprint !== fingerprint) return { status: 422, body: KEY_REUSE };
        return {
          status: stored.status,
          body: structuredClone(stored.body),
          headers: { "idempotent-replayed": "true" },
        };
      }
    }

    const answer = handler({
      req,
      account,
      data,
      mode,
      now,
      body,
      emit: makeEmitter(account, mode, now, deps.onEvent),
      webhooks: deps.webhooks,
    });
    if (idempotencyKey !== undefined && answer.status >= 200 && answer.status < 300) {
      data.idempotency.set(idempotencyKey, {
        fingerprint,
        status: answer.status,
        body: structuredClone(answer.body),
        expiresAtMs: now.getTime() + IDEMPOTENCY_TTL_MS,
      });
    }
    return answer;
  }
}
