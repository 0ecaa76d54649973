/**
 * Request pipeline shared by every Check-in ARTISAN route: authentication, the Laravel throttle,
 * record lookup with tenancy, pagination. It encodes the reference's check order
 * 401 → 429 → 404 → 403 → 422 (artisan.md §4).
 */
import type { FixedWindowLimiter, RateLimitVerdict } from "../core/rateLimit.js";
import { bearerToken, type SimHandler, type SimRequest, type SimResponse } from "../core/server.js";
import type {
  ArtisanCompanyState,
  ArtisanCustomer,
  ArtisanIdSequences,
  ArtisanInvoice,
  ArtisanJob,
  ArtisanSiteVisit,
} from "./types.js";
import { type FieldRule, type Messages, readQuery, validate, validationFailed } from "./validation.js";
import { type Zone, zone } from "./zone.js";

export interface ArtisanWorld {
  companies: Map<string, ArtisanCompanyState>;
  tokens: Map<string, ArtisanCompanyState>;
  ids: ArtisanIdSequences;
  now: () => Date;
  limiter: FixedWindowLimiter;
}

export interface Ctx {
  req: SimRequest;
  world: ArtisanWorld;
  company: ArtisanCompanyState;
  zone: Zone;
}

export const error = (status: number, message: string): SimResponse => ({ status, body: { error: message } });
export const unauthenticated = () => error(401, "Unauthenticated.");
export const forbidden = () => error(403, "This action is unauthorized.");
export const notFound = () => error(404, "Resource not found.");
export const methodNotAllowed = () => error(405, "Method not allowed.");
export const serverError = (status: number) => error(status, "Server Error.");
export const ok = (data: unknown, status = 200): SimResponse => ({ status, body: { data } });
export const noContent = (): SimResponse => ({ status: 204 });

function rateHeaders(verdict: RateLimitVerdict): Record<string, string> {
  return { "X-RateLimit-Limit": String(verdict.limit), "X-RateLimit-Remaining": String(verdict.remaining) };
}

/** Laravel's ThrottleRequestsException answer; `Retry-After` rounds the time left up to whole seconds. */
export function tooManyAttempts(verdict: RateLimitVerdict, nowMs: number): SimResponse {
  return {
    status: 429,
    body: { error: "Too Many Attempts." },
    headers: {
      ...rateHeaders(verdict),
      "Retry-After": String(Math.max(1, Math.ceil((verdict.resetAtMs - nowMs) / 1000))),
      "X-RateLimit-Reset": String(Math.ceil(verdict.resetAtMs / 1000)),
    },
  };
}

/** Counts the request; returns either the refusal or the headers every later answer carries. */
function throttle(
  world: ArtisanWorld,
  key: string,
): { refused: SimResponse } | { headers: Record<string, string> } {
  const verdict = world.limiter.hit(key);
  if (!verdict.allowed) return { refused: tooManyAttempts(verdict, world.now().getTime()) };
  return { headers: rateHeaders(verdict) };
}

const withHeaders = (response: SimResponse, headers: Record<string, string>): SimResponse => ({
  ...response,
  headers: { ...headers, ...response.headers },
});

/**
 * A token-authenticated route. 401 comes before the throttle (Laravel's auth middleware has
 * priority), so a refused token neither counts nor gets rate-limit headers.
 */
export function authenticated(world: ArtisanWorld, handler: (ctx: Ctx) => SimResponse): SimHandler {
  return (req) => {
    const token = bearerToken(req.headers);
    const company = token === null ? undefined : world.tokens.get(token);
    if (!token || !company) return unauthenticated();
    const limited = throttle(world, `token:${token}`);
    if ("refused" in limited) return limited.refused;
    return withHeaders(
      handler({ req, world, company, zone: zone(company.profile.timezone) }),
      limited.headers,
    );
  };
}

/** The public route: no authentication (a sent token is ignored), throttled per client IP. */
export function publicRoute(world: ArtisanWorld, handler: (req: SimRequest) => SimResponse): SimHandler {
  return (req) => {
    const limited = throttle(world, `ip:${req.remoteAddress}`);
    if ("refused" in limited) return limited.refused;
    return withHeaders(handler(req), limited.headers);
  };
}

export interface RecordKinds {
  customers: ArtisanCustomer;
  jobs: ArtisanJob;
  siteVisits: ArtisanSiteVisit;
  invoices: ArtisanInvoice;
}

export const recordsOf = <K extends keyof RecordKinds>(
  company: ArtisanCompanyState,
  kind: K,
): Map<number, RecordKinds[K]> => company[kind] as unknown as Map<number, RecordKinds[K]>;

/**
 * The `{id}` record of the caller's company: 404 when no company has it (or the id is not a positive
 * integer, as route-model binding does), 403 when another company owns it.
 */
export function findRecord<K extends keyof RecordKinds>(
  ctx: Ctx,
  kind: K,
): { record: RecordKinds[K] } | { response: SimResponse } {
  const raw = ctx.req.params.id ?? "";
  const id = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : Number.NaN;
  const record = recordsOf(ctx.company, kind).get(id);
  if (record) return { record };
  for (const other of ctx.world.companies.values()) {
    if (other !== ctx.company && recordsOf(other, kind).has(id)) return { response: forbidden() };
  }
  return { response: notFound() };
}

const PAGING_RULES: Record<string, FieldRule> = {
  per_page: { type: "integer", nullable: true, min: "1", max: 100 },
  page: { type: "integer", nullable: true, min: "1" },
};

/** Validates the list filters then `per_page` and `page`; the reference's messages, one 422 for all. */
export function readList(
  ctx: Ctx,
  filterRules: Record<string, FieldRule>,
): { filters: Record<string, unknown>; page: number; perPage: number } | { response: SimResponse } {
  const names = [...Object.keys(filterRules), ...Object.keys(PAGING_RULES)];
  const input = readQuery(ctx.req.query, names);
  const messages: Messages = {};
  const filters = validate(input, filterRules, ctx.zone, messages);
  const paging = validate(input, PAGING_RULES, ctx.zone, messages);
  if (Object.keys(messages).length > 0) return { response: validationFailed(messages) };
  return {
    filters,
    page: typeof paging.page === "number" ? paging.page : 1,
    perPage: typeof paging.per_page === "number" ? paging.per_page : 25,
  };
}

/** `{data, meta}` with exactly the four meta keys; a page past the end is empty. */
export function paginate<T>(items: readonly T[], page: number, perPage: number): SimResponse {
  const start = (page - 1) * perPage;
  return {
    status: 200,
    body: {
      data: start < items.length ? items.slice(start, start + perPage) : [],
      meta: {
        current_page: page,
        last_page: Math.max(1, Math.ceil(items.length / perPage)),
        per_page: perPage,
        total: items.length,
      },
    },
  };
}
