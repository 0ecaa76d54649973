import { FixedWindowLimiter } from "../core/rateLimit.js";
import { type SimRequest, type SimResponse, type SimRoute, SimServer } from "../core/server.js";
import { Simulator } from "../core/simulator.js";
import { WebhookDispatcher } from "../core/webhooks.js";
import {
  createPipeline,
  errorBody,
  type Handler,
  INTERNAL_ERROR,
  rateLimitedResponse,
  recordEvent,
} from "./http.js";
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
import type {
  CleanItAllAccount,
  CleanItAllAccountSpec,
  CleanItAllCustomer,
  CleanItAllEvent,
  CleanItAllWebhookEndpoint,
} from "./types.js";
import { ApiError } from "./validation.js";
import {
  CLEANITALL_WEBHOOK_ATTEMPT_DELAYS_MS,
  CLEANITALL_WEBHOOK_TIMEOUT_MS,
  checkedWebhookEndpoint,
  cleanItAllDelivery,
} from "./webhooks.js";
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
 * and webhook events, recorded and delivered (signed, with retries) to the account's endpoint.
 * Dashboard actions (the webhook endpoint setting, customer deletion) are methods of the simulator.
 */

export type {
  WebhookAttempt,
  WebhookAttemptOutcome,
  WebhookDispatcher,
} from "../core/webhooks.js";

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
  CleanItAllWebhookEndpoint,
} from "./types.js";
export {
  CLEANITALL_WEBHOOK_ATTEMPT_DELAYS_MS,
  CLEANITALL_WEBHOOK_TIMEOUT_MS,
  newCleanItAllWebhookSecret,
  signCleanItAllWebhook,
} from "./webhooks.js";

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
  /**
   * Delay before each delivery attempt (the first from the event, the others from the previous
   * failure); its length is the number of attempts. Default: the reference's 0, 1 min, 5 min,
   * 30 min, 2 h. Tests pass milliseconds.
   */
  webhookAttemptDelaysMs?: readonly number[];
  /** A delivery attempt fails without a 2xx answer within this time. Default: 10 s. */
  webhookTimeoutMs?: number;
  /**
   * Clock (ms) of `X-Webhook-Timestamp`. Default: real time, even when `now` is pinned, because
   * receivers compare it with their own clock.
   */
  deliveryClock?: () => number;
}

export class CleanItAllSim extends Simulator {
  constructor(
    server: SimServer,
    /** Live state by account ID; tests assert against it (and may edit it). */
    readonly accounts: Map<string, CleanItAllAccount>,
    /** Per-key request windows; `reset()` it or change `settings` in tests. */
    readonly limiter: FixedWindowLimiter,
    /** Webhook deliveries: their attempt log, `idle()`, `waitForAttempt()`. */
    readonly deliveries: WebhookDispatcher,
    private readonly now: () => Date,
    private readonly onEvent: (accountId: string, event: CleanItAllEvent) => void,
  ) {
    super("cleanitall", server, CLEANITALL_BASE_PATH);
  }

  /** The account an ID names; throws for an unknown ID (a test set-up mistake). */
  account(id = CLEANITALL_DEMO_ACCOUNT.id): CleanItAllAccount {
    const account = this.accounts.get(id);
    if (!account) throw new Error(`cleanitall simulator: no account ${id}`);
    return account;
  }

  /**
   * The dashboard's webhook setting (§8): where the account's events go from now on, or null for
   * nowhere. Replacing or removing the endpoint stops the retries still pending for the old one.
   */
  setWebhookEndpoint(accountId: string, endpoint: CleanItAllWebhookEndpoint | null): void {
    const account = this.account(accountId);
    const next = endpoint ? checkedWebhookEndpoint(endpoint) : null;
    const previous = account.webhook;
    if (previous?.url === next?.url && previous?.secret === next?.secret) return;
    account.webhook = next;
    this.deliveries.cancel(accountId);
  }

  /**
   * A customer deleted in the dashboard (§7: the API cannot): `customer.deleted` with `{id}`. Only
   * customers without jobs, invoices or payments, so no record is left pointing at nothing.
   */
  deleteCustomer(accountId: string, customerId: string): CleanItAllCustomer {
    const account = this.account(accountId);
    const customer = account.customers.get(customerId);
    if (!customer) throw new Error(`cleanitall simulator: no customer ${customerId}`);
    const referenced = [account.jobs, account.invoices, account.payments].some((records) =>
      [...records.values()].some((record) => record.customer_id === customerId),
    );
    if (referenced) {
      throw new Error(`cleanitall simulator: customer ${customerId} has jobs, invoices or payments`);
    }
    account.customers.delete(customerId);
    recordEvent(account, "customer.deleted", { id: customerId }, this.now(), this.onEvent);
    return customer;
  }

  /** Stops the server and every pending webhook delivery. */
  override async close(): Promise<void> {
    await this.deliveries.close();
    await super.close();
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
  const deliveries = new WebhookDispatcher({
    name: "cleanitall",
    attemptDelaysMs: options.webhookAttemptDelaysMs ?? CLEANITALL_WEBHOOK_ATTEMPT_DELAYS_MS,
    timeoutMs: options.webhookTimeoutMs ?? CLEANITALL_WEBHOOK_TIMEOUT_MS,
    clock: options.deliveryClock,
  });
  // Every recorded event goes to the endpoint the account has at that moment, if any.
  const onEvent = (accountId: string, event: CleanItAllEvent): void => {
    const account = accounts.get(accountId);
    const endpoint = account?.webhook;
    if (account && endpoint) {
      deliveries.enqueue({
        ...cleanItAllDelivery(accountId, endpoint, event),
        isActive: () => account.webhook === endpoint,
      });
    }
    options.onEvent?.(accountId, event);
  };
  const guard = createPipeline({ accounts, limiter, now, onEvent });

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
  return new CleanItAllSim(server, accounts, limiter, deliveries, now, onEvent);
}
