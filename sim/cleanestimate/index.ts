import { FixedWindowLimiter } from "../core/rateLimit.js";
import { type SimRequest, type SimResponse, type SimRoute, SimServer } from "../core/server.js";
import { Simulator } from "../core/simulator.js";
import { WebhookDispatcher } from "../core/webhooks.js";
import {
  createPipeline,
  errorBody,
  type Handler,
  INTERNAL_ERROR,
  makeEmitter,
  rateLimitedResponse,
  type WebhookEndpointHooks,
} from "./http.js";
import { openApiDocument } from "./openapi.js";
import {
  getClient,
  getEstimate,
  getInvoice,
  getJob,
  getLead,
  listClients,
  listEstimates,
  listInvoices,
  listJobs,
  listLeads,
  listWebhooks,
} from "./reads.js";
import { seedAccount } from "./seed.js";
import type {
  CleanEstimateAccount,
  CleanEstimateAccountSpec,
  CleanEstimateDataSet,
  CleanEstimateEstimate,
  CleanEstimateEvent,
  CleanEstimateInvoice,
  CleanEstimateLineItem,
  CleanEstimateMode,
} from "./types.js";
import { ApiError } from "./validation.js";
import { addDays, fromCents, isoMs, productToCents, toCents } from "./values.js";
import { estimateStatusAt, invoiceStatusAt, invoiceView } from "./views.js";
import {
  CLEANESTIMATE_WEBHOOK_ATTEMPT_DELAYS_MS,
  CLEANESTIMATE_WEBHOOK_TIMEOUT_MS,
  checkWebhookSecret,
  cleanEstimateDelivery,
  endpointKey,
  newCleanEstimateWebhookSecret,
} from "./webhooks.js";
import {
  createClient,
  createEstimate,
  createJob,
  createLead,
  createWebhook,
  deleteWebhook,
  newId,
  updateClient,
  updateEstimate,
  updateJob,
  updateLead,
} from "./writes.js";

/**
 * HTTP simulator of the CleanEstimate Pro REST API (/work/shared/upstreams/cleanestimate.md):
 * seeded accounts with separate live and test data sets, bearer keys, the per-minute per-key rate
 * limit, idempotency keys, cursor pagination, server-side estimate pricing, webhook endpoint
 * registration, and webhook events, recorded and delivered (Standard Webhooks signatures, with
 * retries) to every endpoint subscribed to them. App-side actions (customer accepts or declines an
 * estimate, invoices created and paid in the app) are methods of the simulator and emit too.
 */

export type {
  WebhookAttempt,
  WebhookAttemptOutcome,
  WebhookDispatcher,
} from "../core/webhooks.js";

export { ADDON_PRICES, priceEstimate, SERVICE_RATES } from "./pricing.js";
export { DEFAULT_SIZE, DEFAULT_TEST_SIZE, REP_COUNT, seedAccount, seedDataSet } from "./seed.js";
export type * from "./types.js";
export { estimateStatusAt, estimateView, invoiceStatusAt, invoiceView } from "./views.js";
export {
  CLEANESTIMATE_WEBHOOK_ATTEMPT_DELAYS_MS,
  CLEANESTIMATE_WEBHOOK_TIMEOUT_MS,
  newCleanEstimateWebhookSecret,
  signCleanEstimateWebhook,
} from "./webhooks.js";
export { ESTIMATE_PATCH_FIELDS, EVENT_TYPES } from "./writes.js";

export const CLEANESTIMATE_BASE_PATH = "/api/v1";

/** A well-formed live key (`ce_live_` + 8 + `_` + 24 `[a-z0-9]`) on the demo account. */
export const CLEANESTIMATE_DEMO_KEY = "ce_live_demo3k7x_q8v1b3n5c6z0p2r4t8w6y9m2";
/** The demo account's test-mode key: it sees the test data set only. */
export const CLEANESTIMATE_DEMO_TEST_KEY = "ce_test_demo3k7x_h4j6l8n0p2r4t6v8x0z2b4d6";

export const CLEANESTIMATE_DEMO_ACCOUNT: CleanEstimateAccountSpec = {
  id: "demo",
  seed: 3,
  apiKeys: [{ key: CLEANESTIMATE_DEMO_KEY }, { key: CLEANESTIMATE_DEMO_TEST_KEY }],
};

/** The reference's limit (§3): 120 requests per UTC minute per key. */
export const CLEANESTIMATE_RATE_LIMIT = { limit: 120, windowMs: 60_000 } as const;

export interface CleanEstimateSimOptions {
  accounts?: CleanEstimateAccountSpec[];
  /** Default: 120 requests per UTC minute per key. */
  rateLimit?: { limit: number; windowMs: number };
  faultSeed?: number;
  /** Clock for write timestamps, read-time rules, idempotency expiry and rate-limit windows. */
  now?: () => Date;
  /** Called with every recorded (live) webhook event, after it is appended to `account.events`. */
  onEvent?: (accountId: string, event: CleanEstimateEvent) => void;
  /**
   * Makes the `whsec_…` secret `POST /webhooks` returns, so tests can know it in advance.
   * Default: `whsec_` + base64 of 32 random bytes (§7.7).
   */
  webhookSecrets?: () => string;
  /**
   * Delay before each delivery attempt (the first from the event, the others from the previous
   * failure); its length is the number of attempts. Default: the reference's 0, 5 s, 5 min,
   * 30 min, 2 h, 5 h. Tests pass milliseconds.
   */
  webhookAttemptDelaysMs?: readonly number[];
  /** A delivery attempt fails without a 2xx answer within this time. Default: 15 s. */
  webhookTimeoutMs?: number;
  /**
   * Clock (ms) of `webhook-timestamp`. Default: real time, even when `now` is pinned, because
   * receivers reject timestamps more than 5 minutes from their own clock.
   */
  deliveryClock?: () => number;
}

/** An invoice the business creates in the app (§7.6: invoices are read-only in the API). */
export interface AppInvoiceInput {
  client_id: string;
  job_id?: string | null;
  line_items: Array<{ description: string; quantity: number; unit_price: number }>;
  /** Tax amount in USD (default 0). */
  tax?: number;
  /** Days from the issue date (today) to the due date (default 14). */
  due_in_days?: number;
  /** Sent right away (default) or kept as a draft. */
  send?: boolean;
}

export class CleanEstimateSim extends Simulator {
  constructor(
    server: SimServer,
    /** Live state by account ID; tests assert against it (and may edit it). */
    readonly accounts: Map<string, CleanEstimateAccount>,
    /** Per-key request windows; `reset()` it or change `settings` in tests. */
    readonly limiter: FixedWindowLimiter,
    /** Webhook deliveries: their attempt log, `idle()`, `waitForAttempt()`. */
    readonly deliveries: WebhookDispatcher,
    private readonly now: () => Date,
    private readonly onEvent: CleanEstimateSimOptions["onEvent"],
  ) {
    super("cleanestimate", server, CLEANESTIMATE_BASE_PATH);
  }

  /** Stops the server and every pending webhook delivery. */
  override async close(): Promise<void> {
    await this.deliveries.close();
    await super.close();
  }

  /** The account an ID names; throws for an unknown ID (a test set-up mistake). */
  account(id = CLEANESTIMATE_DEMO_ACCOUNT.id): CleanEstimateAccount {
    const account = this.accounts.get(id);
    if (!account) throw new Error(`cleanestimate simulator: no account ${id}`);
    return account;
  }

  /** One mode's data set of an account. */
  dataSet(accountId = CLEANESTIMATE_DEMO_ACCOUNT.id, mode: CleanEstimateMode = "live"): CleanEstimateDataSet {
    const account = this.account(accountId);
    return mode === "live" ? account.live : account.test;
  }

  private app(accountId: string, mode: CleanEstimateMode) {
    const account = this.account(accountId);
    const now = this.now();
    return {
      account,
      data: mode === "live" ? account.live : account.test,
      now,
      emit: makeEmitter(account, mode, now, this.onEvent),
    };
  }

  private sentEstimate(data: CleanEstimateDataSet, id: string, now: Date): CleanEstimateEstimate {
    const estimate = data.estimates.get(id);
    if (!estimate) throw new Error(`cleanestimate simulator: no estimate ${id}`);
    const status = estimateStatusAt(estimate, now);
    if (status !== "sent") throw new Error(`cleanestimate simulator: estimate ${id} is ${status}, not sent`);
    return estimate;
  }

  /** The customer accepts a sent estimate on the estimate page: `estimate.accepted`. */
  acceptEstimate(
    accountId: string,
    estimateId: string,
    mode: CleanEstimateMode = "live",
  ): CleanEstimateEstimate {
    const { data, now, emit } = this.app(accountId, mode);
    const estimate = this.sentEstimate(data, estimateId, now);
    estimate.status = "accepted";
    estimate.accepted_at = isoMs(now);
    estimate.updated_at = isoMs(now);
    emit("estimate.accepted", estimate);
    return estimate;
  }

  /** The customer declines a sent estimate: `estimate.updated` (§9). */
  declineEstimate(
    accountId: string,
    estimateId: string,
    mode: CleanEstimateMode = "live",
  ): CleanEstimateEstimate {
    const { data, now, emit } = this.app(accountId, mode);
    const estimate = this.sentEstimate(data, estimateId, now);
    estimate.status = "declined";
    estimate.updated_at = isoMs(now);
    emit("estimate.updated", estimate);
    return estimate;
  }

  /** Creates an invoice in the app, numbered in sequence: `invoice.created`. */
  createInvoice(
    accountId: string,
    input: AppInvoiceInput,
    mode: CleanEstimateMode = "live",
  ): CleanEstimateInvoice {
    const { account, data, now, emit } = this.app(accountId, mode);
    if (!data.clients.has(input.client_id))
      throw new Error(`cleanestimate simulator: no client ${input.client_id}`);
    if (input.job_id && !data.jobs.has(input.job_id))
      throw new Error(`cleanestimate simulator: no job ${input.job_id}`);
    const lines: CleanEstimateLineItem[] = input.line_items.map((item) => ({
      description: item.description,
      quantity: item.quantity,
      unit_price: item.unit_price,
      amount: fromCents(productToCents(item.quantity, item.unit_price)),
    }));
    const subtotalCents = lines.reduce((sum, line) => sum + toCents(line.amount), 0);
    const taxCents = toCents(input.tax ?? 0);
    const stamp = isoMs(now);
    const issueDate = stamp.slice(0, 10);
    const send = input.send ?? true;
    const invoice: CleanEstimateInvoice = {
      id: newId(account, data.invoices),
      invoice_number: `INV-${data.nextInvoiceNumber++}`,
      client_id: input.client_id,
      job_id: input.job_id ?? null,
      status: send ? "sent" : "draft",
      line_items: lines,
      subtotal: fromCents(subtotalCents),
      tax: fromCents(taxCents),
      total: fromCents(subtotalCents + taxCents),
      amount_paid: 0,
      issue_date: issueDate,
      due_date: addDays(issueDate, input.due_in_days ?? 14),
      sent_at: send ? stamp : null,
      paid_at: null,
      created_at: stamp,
      updated_at: stamp,
    };
    data.invoices.set(invoice.id, invoice);
    emit("invoice.created", invoiceView(invoice, now));
    return invoice;
  }

  /**
   * A payment recorded in the app (default: the balance). The one that settles the invoice marks it
   * paid and emits `invoice.paid`; partial payments emit nothing.
   */
  recordInvoicePayment(
    accountId: string,
    invoiceId: string,
    amount?: number,
    mode: CleanEstimateMode = "live",
  ): CleanEstimateInvoice {
    const { data, now, emit } = this.app(accountId, mode);
    const invoice = data.invoices.get(invoiceId);
    if (!invoice) throw new Error(`cleanestimate simulator: no invoice ${invoiceId}`);
    const status = invoiceStatusAt(invoice, now);
    if (status !== "sent" && status !== "overdue") {
      throw new Error(`cleanestimate simulator: invoice ${invoiceId} is ${status}, not payable`);
    }
    const balance = toCents(invoice.total) - toCents(invoice.amount_paid);
    const paying = amount === undefined ? balance : Math.min(balance, toCents(amount));
    if (paying <= 0) throw new Error("cleanestimate simulator: payment amount must be positive");
    const stamp = isoMs(now);
    invoice.amount_paid = fromCents(toCents(invoice.amount_paid) + paying);
    invoice.updated_at = stamp;
    if (paying === balance) {
      invoice.status = "paid";
      invoice.paid_at = stamp;
      emit("invoice.paid", invoice);
    }
    return invoice;
  }
}

export function createCleanEstimateSim(options: CleanEstimateSimOptions = {}): CleanEstimateSim {
  const now = options.now ?? (() => new Date());
  const accounts = new Map<string, CleanEstimateAccount>();
  for (const spec of options.accounts ?? [CLEANESTIMATE_DEMO_ACCOUNT])
    accounts.set(spec.id, seedAccount(spec));

  const limiter = new FixedWindowLimiter(
    {
      limit: options.rateLimit?.limit ?? CLEANESTIMATE_RATE_LIMIT.limit,
      windowMs: options.rateLimit?.windowMs ?? CLEANESTIMATE_RATE_LIMIT.windowMs,
      // §3: the window is aligned to the UTC minute.
      aligned: true,
    },
    () => now().getTime(),
  );
  const deliveries = new WebhookDispatcher({
    name: "cleanestimate",
    attemptDelaysMs: options.webhookAttemptDelaysMs ?? CLEANESTIMATE_WEBHOOK_ATTEMPT_DELAYS_MS,
    timeoutMs: options.webhookTimeoutMs ?? CLEANESTIMATE_WEBHOOK_TIMEOUT_MS,
    clock: options.deliveryClock,
  });
  // Only live events get here (test-mode writes emit nothing, §1): each goes to every endpoint
  // registered at that moment whose `events` list has its type.
  const onEvent = (accountId: string, event: CleanEstimateEvent): void => {
    const account = accounts.get(accountId);
    for (const endpoint of account?.webhooks.values() ?? []) {
      if (!endpoint.events.includes(event.type)) continue;
      const isActive = () => account?.webhooks.get(endpoint.id) === endpoint;
      deliveries.enqueue(cleanEstimateDelivery(accountId, endpoint, event, isActive));
    }
    options.onEvent?.(accountId, event);
  };
  const makeSecret = options.webhookSecrets ?? newCleanEstimateWebhookSecret;
  const webhooks: WebhookEndpointHooks = {
    newSecret: () => checkWebhookSecret(makeSecret()),
    endpointDeleted: (accountId, endpointId) => {
      deliveries.cancel(endpointKey(accountId, endpointId));
    },
  };
  const guard = createPipeline({
    accounts,
    limiter,
    now,
    onEvent,
    webhooks,
    basePath: CLEANESTIMATE_BASE_PATH,
  });

  const route = (method: SimRoute["method"], path: string, handler: Handler): SimRoute => ({
    method,
    pattern: `${CLEANESTIMATE_BASE_PATH}${path}`,
    handler: guard(handler),
  });

  const routeNotFound = guard(() => {
    throw new ApiError(404, "not_found", "Route not found");
  });
  // Unknown paths and methods under the base path pass authentication and the rate limit first;
  // anything outside the API is a bare 404.
  const notFound = (req: SimRequest): SimResponse =>
    req.path === CLEANESTIMATE_BASE_PATH || req.path.startsWith(`${CLEANESTIMATE_BASE_PATH}/`)
      ? routeNotFound(req)
      : { status: 404, body: errorBody("not_found", "Route not found") };

  const openApi = openApiDocument();
  const server = new SimServer({
    name: "cleanestimate",
    routes: [
      // No authentication, not rate limited (§8).
      {
        method: "GET",
        pattern: `${CLEANESTIMATE_BASE_PATH}/openapi.json`,
        handler: () => ({ status: 200, body: openApi }),
      },
      route("GET", "/leads", listLeads),
      route("POST", "/leads", createLead),
      route("GET", "/leads/:id", getLead),
      route("PATCH", "/leads/:id", updateLead),
      route("GET", "/clients", listClients),
      route("POST", "/clients", createClient),
      route("GET", "/clients/:id", getClient),
      route("PATCH", "/clients/:id", updateClient),
      route("GET", "/estimates", listEstimates),
      route("POST", "/estimates", createEstimate),
      route("GET", "/estimates/:id", getEstimate),
      route("PATCH", "/estimates/:id", updateEstimate),
      route("GET", "/jobs", listJobs),
      route("POST", "/jobs", createJob),
      route("GET", "/jobs/:id", getJob),
      route("PATCH", "/jobs/:id", updateJob),
      route("GET", "/invoices", listInvoices),
      route("GET", "/invoices/:id", getInvoice),
      route("GET", "/webhooks", listWebhooks),
      route("POST", "/webhooks", createWebhook),
      route("DELETE", "/webhooks/:id", deleteWebhook),
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
  return new CleanEstimateSim(server, accounts, limiter, deliveries, now, onEvent);
}
