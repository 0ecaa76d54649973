import { FixedWindowLimiter } from "../core/rateLimit.js";
import { type SimRequest, type SimResponse, type SimRoute, SimServer } from "../core/server.js";
import { Simulator } from "../core/simulator.js";
import { createPipeline, fail, type Handler, INTERNAL_ERROR, rateLimitedResponse } from "./http.js";
import { getClient, getInvoice, getInvoicePdf, listClients, listInvoices } from "./reads.js";
import { seedAccount } from "./seed.js";
import type { CleverInvoAccount, CleverInvoAccountSpec, CleverInvoInvoiceRecord } from "./types.js";
import { ApiError } from "./validation.js";
import {
  createClient,
  createInvoice,
  deleteClient,
  deleteInvoice,
  updateClient,
  updateInvoice,
} from "./writes.js";

/**
 * HTTP simulator of the CleverInvo REST API (/work/shared/upstreams/cleverinvo.md): seeded
 * accounts, Bearer `cinv_` keys, the per-key 120/minute limit, clients with soft delete, invoices
 * with exact totals and DRAFT-only updates, and real PDF downloads. Status changes that happen
 * outside the API (sending, viewing, payments) are driven through the `CleverInvoSim` methods.
 */

export { type PdfClient, renderInvoicePdf } from "./pdf.js";
export { INVOICE_STATUSES } from "./reads.js";
export { cuid, DEFAULT_PLAN, DEFAULT_SIZE, seedAccount } from "./seed.js";
export type {
  CleverInvoAccount,
  CleverInvoAccountSpec,
  CleverInvoClient,
  CleverInvoClientRef,
  CleverInvoInvoice,
  CleverInvoInvoiceListItem,
  CleverInvoInvoiceRecord,
  CleverInvoInvoiceStatus,
  CleverInvoInvoiceSummary,
  CleverInvoLineItem,
  CleverInvoList,
  CleverInvoPlan,
  CleverInvoSize,
} from "./types.js";
export { nextInvoiceNumber } from "./writes.js";

export const CLEVERINVO_BASE_PATH = "/api/v1";

/** A well-formed key (`cinv_` + 32 `[A-Za-z0-9]`) on the demo account. */
export const CLEVERINVO_DEMO_KEY = "cinv_demo7Kx2Qm9Vb4Nc6Zp1Rt8Wy3Hs5Jf0";

export const CLEVERINVO_DEMO_ACCOUNT: CleverInvoAccountSpec = {
  id: "demo",
  seed: 6,
  apiKeys: [CLEVERINVO_DEMO_KEY],
};

/** The reference's limit (§3): 120 requests per UTC minute per key. */
export const CLEVERINVO_RATE_LIMIT = { limit: 120, windowMs: 60_000 } as const;

export interface CleverInvoSimOptions {
  accounts?: CleverInvoAccountSpec[];
  /** Default: 120 per minute. Windows are aligned to the epoch (the UTC minute). */
  rateLimit?: { limit: number; windowMs: number };
  faultSeed?: number;
  /** Clock for write timestamps, "today", the overdue rule and rate-limit windows. Default: real time. */
  now?: () => Date;
}

export class CleverInvoSim extends Simulator {
  constructor(
    server: SimServer,
    /** Live state by account ID; tests assert against it (and may edit it, e.g. `plan`). */
    readonly accounts: Map<string, CleverInvoAccount>,
    /** Per-key request windows; `reset()` it or change `settings` in tests. */
    readonly limiter: FixedWindowLimiter,
    private readonly now: () => Date,
  ) {
    super("cleverinvo", server, CLEVERINVO_BASE_PATH);
  }

  /** The account an ID names; throws for an unknown ID (a test set-up mistake). */
  account(id = CLEVERINVO_DEMO_ACCOUNT.id): CleverInvoAccount {
    const account = this.accounts.get(id);
    if (!account) throw new Error(`cleverinvo simulator: no account ${id}`);
    return account;
  }

  private invoice(invoiceId: string, accountId?: string): CleverInvoInvoiceRecord {
    const invoice = this.account(accountId).invoices.get(invoiceId);
    if (!invoice) throw new Error(`cleverinvo simulator: no invoice ${invoiceId}`);
    return invoice;
  }

  /**
   * Dashboard "send" (§6.2): a `DRAFT` becomes `SENT` with `sentViaEmail` and `sentAt`. A due date
   * already past turns it `OVERDUE` on the next request.
   */
  sendInvoice(invoiceId: string, options: { accountId?: string; at?: Date } = {}): CleverInvoInvoiceRecord {
    const invoice = this.invoice(invoiceId, options.accountId);
    if (invoice.status !== "DRAFT")
      throw new Error(`cleverinvo simulator: ${invoiceId} is ${invoice.status}`);
    invoice.status = "SENT";
    invoice.sentViaEmail = true;
    invoice.sentAt = (options.at ?? this.now()).toISOString();
    return invoice;
  }

  /** The client opens a `SENT` invoice: `VIEWED`. */
  viewInvoice(invoiceId: string, options: { accountId?: string } = {}): CleverInvoInvoiceRecord {
    const invoice = this.invoice(invoiceId, options.accountId);
    if (invoice.status !== "SENT") throw new Error(`cleverinvo simulator: ${invoiceId} is ${invoice.status}`);
    invoice.status = "VIEWED";
    return invoice;
  }

  /**
   * A payment recorded in the dashboard: `partial` → `PARTIALLY_PAID`, otherwise `PAID` with
   * `paidAt`. Only issued, unpaid invoices take payments.
   */
  recordPayment(
    invoiceId: string,
    options: { accountId?: string; partial?: boolean; at?: Date } = {},
  ): CleverInvoInvoiceRecord {
    const invoice = this.invoice(invoiceId, options.accountId);
    if (invoice.status === "DRAFT" || invoice.status === "PAID") {
      throw new Error(`cleverinvo simulator: ${invoiceId} is ${invoice.status}`);
    }
    if (options.partial) invoice.status = "PARTIALLY_PAID";
    else {
      invoice.status = "PAID";
      invoice.paidAt = (options.at ?? this.now()).toISOString();
    }
    return invoice;
  }
}

export function createCleverInvoSim(options: CleverInvoSimOptions = {}): CleverInvoSim {
  const now = options.now ?? (() => new Date());
  const accounts = new Map<string, CleverInvoAccount>();
  const keys = new Set<string>();
  for (const spec of options.accounts ?? [CLEVERINVO_DEMO_ACCOUNT]) {
    if (accounts.has(spec.id)) throw new Error(`cleverinvo simulator: duplicate account ${spec.id}`);
    for (const key of spec.apiKeys) {
      if (keys.has(key)) throw new Error(`cleverinvo simulator: key used by two accounts: ${key}`);
      keys.add(key);
    }
    accounts.set(spec.id, seedAccount(spec));
  }

  const limiter = new FixedWindowLimiter(
    {
      limit: options.rateLimit?.limit ?? CLEVERINVO_RATE_LIMIT.limit,
      windowMs: options.rateLimit?.windowMs ?? CLEVERINVO_RATE_LIMIT.windowMs,
      // §3: the window is the UTC minute, i.e. aligned to the epoch.
      aligned: true,
    },
    () => now().getTime(),
  );
  const guard = createPipeline({ accounts, limiter, now });

  const route = (method: SimRoute["method"], path: string, handler: Handler): SimRoute => ({
    method,
    pattern: `${CLEVERINVO_BASE_PATH}${path}`,
    handler: guard(handler),
  });

  const routeNotFound: Handler = () => {
    throw new ApiError(404, "Not found");
  };
  const guardedNotFound = guard(routeNotFound);
  // Unknown paths (and unsupported methods) under the base path sit behind authentication and the
  // rate limit; anything outside the API is a bare 404.
  const notFound = (req: SimRequest): SimResponse =>
    req.path === CLEVERINVO_BASE_PATH || req.path.startsWith(`${CLEVERINVO_BASE_PATH}/`)
      ? guardedNotFound(req)
      : fail(404, "Not found");

  const server = new SimServer({
    name: "cleverinvo",
    routes: [
      route("GET", "/clients", listClients),
      route("POST", "/clients", createClient),
      route("GET", "/clients/:id", getClient),
      route("PUT", "/clients/:id", updateClient),
      route("PATCH", "/clients/:id", updateClient),
      route("DELETE", "/clients/:id", deleteClient),
      route("GET", "/invoices", listInvoices),
      route("POST", "/invoices", createInvoice),
      route("GET", "/invoices/:id", getInvoice),
      route("PUT", "/invoices/:id", updateInvoice),
      route("PATCH", "/invoices/:id", updateInvoice),
      route("DELETE", "/invoices/:id", deleteInvoice),
      route("GET", "/invoices/:id/pdf", getInvoicePdf),
    ],
    notFound,
    methodNotAllowed: notFound,
    serverError: (status) => ({ status, body: INTERNAL_ERROR }),
    // Fault-injected 429s know no key: they report the time left in the current UTC window.
    rateLimited: () => {
      const nowMs = now().getTime();
      const { windowMs } = limiter.settings;
      return rateLimitedResponse((Math.floor(nowMs / windowMs) + 1) * windowMs, nowMs);
    },
    faultSeed: options.faultSeed,
  });
  return new CleverInvoSim(server, accounts, limiter, now);
}
