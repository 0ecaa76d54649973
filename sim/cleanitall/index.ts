import { FixedWindowLimiter } from "../core/rateLimit.js";
import { type SimRequest, type SimResponse, type SimRoute, SimServer } from "../core/server.js";
import { Simulator } from "../core/simulator.js";
import { createPipeline, errorBody, type Handler, INTERNAL_ERROR, rateLimitedResponse } from "./http.js";
import {
  getCustomer,
  getInvoice,
  getJob,
  listCustomers,
  listInvoices,
  listJobs,
  listPayments,
} from "./reads.js";
import { seedAccount } from "./seed.js";
import type { CleanItAllAccount, CleanItAllAccountSpec, CleanItAllEvent } from "./types.js";
import { ApiError } from "./validation.js";
import {
  completeJob,
  createCustomer,
  createInvoice,
  createJob,
  createPayment,
  deleteJob,
  markInvoicePaid,
  sendInvoice,
  updateCustomer,
  updateJob,
} from "./writes.js";

/**
 * HTTP simulator of the CleanItAll REST API (/work/shared/upstreams/cleanitall.md): seeded
 * accounts, API-key auth with scopes, the hourly per-key rate limit, every read and write endpoint,
 * and recorded webhook events.
 */

export { DEFAULT_SIZE, seedAccount, TEAM_SIZE } from "./seed.js";
export type {
  CleanItAllAccount,
  CleanItAllAccountSpec,
  CleanItAllAddress,
  CleanItAllApiKey,
  CleanItAllCustomer,
  CleanItAllEvent,
  CleanItAllInvoice,
  CleanItAllInvoiceStatus,
  CleanItAllJob,
  CleanItAllJobStatus,
  CleanItAllLineItem,
  CleanItAllPayment,
  CleanItAllPaymentMethod,
  CleanItAllScope,
} from "./types.js";

export const CLEANITALL_BASE_PATH = "/api/v1";

/** A well-formed key (`jt_live_` + 32 `[a-z0-9]`) with every scope, on the demo account. */
export const CLEANITALL_DEMO_KEY = "jt_live_demo4k7x2m9q8v1b3n5c6z0p2r4t8w6y";

export const CLEANITALL_DEMO_ACCOUNT: CleanItAllAccountSpec = {
  id: "demo",
  seed: 1,
  apiKeys: [{ key: CLEANITALL_DEMO_KEY, scopes: ["read", "write", "delete"] }],
};

export interface CleanItAllSimOptions {
  accounts?: CleanItAllAccountSpec[];
  /** Default: the reference's 1000 requests per UTC clock hour per key. */
  rateLimit?: { limit: number; windowMs: number };
  faultSeed?: number;
  /** Clock for write timestamps, the overdue rule and rate-limit windows. Default: real time. */
  now?: () => Date;
  /** Called with every recorded webhook event, after it is appended to `account.events`. */
  onEvent?: (accountId: string, event: CleanItAllEvent) => void;
}

export class CleanItAllSim extends Simulator {
  constructor(
    server: SimServer,
    /** Live state by account ID; tests assert against it (and may edit it). */
    readonly accounts: Map<string, CleanItAllAccount>,
    /** Per-key request windows; `reset()` it or change `settings` in tests. */
    readonly limiter: FixedWindowLimiter,
  ) {
    super("cleanitall", server, CLEANITALL_BASE_PATH);
  }

  /** The account an ID names; throws for an unknown ID (a test set-up mistake). */
  account(id = CLEANITALL_DEMO_ACCOUNT.id): CleanItAllAccount {
    const account = this.accounts.get(id);
    if (!account) throw new Error(`cleanitall simulator: no account ${id}`);
    return account;
  }
}

const HOUR_MS = 3_600_000;

export function createCleanItAllSim(options: CleanItAllSimOptions = {}): CleanItAllSim {
  const now = options.now ?? (() => new Date());
  const accounts = new Map<string, CleanItAllAccount>();
  for (const spec of options.accounts ?? [CLEANITALL_DEMO_ACCOUNT]) accounts.set(spec.id, seedAccount(spec));

  const limiter = new FixedWindowLimiter(
    {
      limit: options.rateLimit?.limit ?? 1000,
      windowMs: options.rateLimit?.windowMs ?? HOUR_MS,
      // The reference's window is the UTC clock hour, i.e. aligned to the epoch.
      aligned: true,
    },
    () => now().getTime(),
  );
  const guard = createPipeline({ accounts, limiter, now, onEvent: options.onEvent });

  const route = (method: SimRoute["method"], path: string, handler: Handler): SimRoute => ({
    method,
    pattern: `${CLEANITALL_BASE_PATH}${path}`,
    handler: guard(handler),
  });

  const routeNotFound: Handler = () => {
    throw new ApiError(404, "not_found", "Route not found");
  };
  const guardedNotFound = guard(routeNotFound, { scoped: false });
  // Unknown paths under the base path pass authentication and the rate limit first (they sit
  // behind the API's auth middleware); anything outside the API is a bare 404.
  const notFound = (req: SimRequest): SimResponse =>
    req.path === CLEANITALL_BASE_PATH || req.path.startsWith(`${CLEANITALL_BASE_PATH}/`)
      ? guardedNotFound(req)
      : { status: 404, body: errorBody("not_found", "Route not found") };

  const server = new SimServer({
    name: "cleanitall",
    routes: [
      route("GET", "/jobs", listJobs),
      route("POST", "/jobs", createJob),
      route("GET", "/jobs/:id", getJob),
      route("PATCH", "/jobs/:id", updateJob),
      route("PUT", "/jobs/:id", updateJob),
      route("DELETE", "/jobs/:id", deleteJob),
      route("POST", "/jobs/:id/complete", completeJob),
      route("GET", "/customers", listCustomers),
      route("POST", "/customers", createCustomer),
      route("GET", "/customers/:id", getCustomer),
      route("PATCH", "/customers/:id", updateCustomer),
      route("PUT", "/customers/:id", updateCustomer),
      route("GET", "/invoices", listInvoices),
      route("POST", "/invoices", createInvoice),
      route("GET", "/invoices/:id", getInvoice),
      route("POST", "/invoices/:id/send", sendInvoice),
      route("POST", "/invoices/:id/mark-paid", markInvoicePaid),
      route("GET", "/payments", listPayments),
      route("POST", "/payments", createPayment),
    ],
    notFound,
    methodNotAllowed: notFound,
    serverError: (status) => ({ status, body: INTERNAL_ERROR }),
    // Fault-injected 429s know no key: they report the configured limit and the current window.
    rateLimited: () => {
      const nowMs = now().getTime();
      const { limit, windowMs } = limiter.settings;
      const resetAtMs = (Math.floor(nowMs / windowMs) + 1) * windowMs;
      return rateLimitedResponse({ allowed: false, limit, remaining: 0, resetAtMs }, nowMs);
    },
    faultSeed: options.faultSeed,
  });
  return new CleanItAllSim(server, accounts, limiter);
}
