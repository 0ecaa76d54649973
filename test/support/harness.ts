import {
  ARTISAN_DEMO_COMPANY,
  ARTISAN_DEMO_TOKEN,
  type ArtisanSim,
  createArtisanSim,
} from "../../sim/artisan/index.js";
import {
  CLEANESTIMATE_DEMO_ACCOUNT,
  CLEANESTIMATE_DEMO_KEY,
  type CleanEstimateSim,
  createCleanEstimateSim,
} from "../../sim/cleanestimate/index.js";
import {
  CLEANITALL_DEMO_ACCOUNT,
  CLEANITALL_DEMO_KEY,
  type CleanItAllSim,
  createCleanItAllSim,
} from "../../sim/cleanitall/index.js";
import {
  CLEVERINVO_DEMO_ACCOUNT,
  CLEVERINVO_DEMO_KEY,
  type CleverInvoSim,
  createCleverInvoSim,
} from "../../sim/cleverinvo/index.js";
import {
  createJobCloserSim,
  JOBCLOSER_DEMO_COMPANY,
  JOBCLOSER_DEMO_USER,
  JOBCLOSER_DEMO_ZAPIER_KEY,
  JOBCLOSER_OTHER_COMPANY,
  type JobCloserSim,
} from "../../sim/jobcloser/index.js";
import { type GatewayConfig, type GatewayConfigInput, parseConfig } from "../../src/config.js";

type TenantInput = GatewayConfigInput["tenants"][number];

import { createLogger, type Logger } from "../../src/logger.js";
import { createGateway, type Gateway } from "../../src/server.js";

/**
 * End-to-end harness: the simulators and the real gateway, each on port 0, over real HTTP.
 * Simulator clocks are pinned just after the seed anchor so seeded data reads the same every day
 * (no invoice turns overdue because the calendar moved), and rate limits are out of the way
 * unless a test sets its own.
 */

export const SIM_NOW = new Date("2026-03-01T12:30:00Z");
export const READ_KEY = "test_read_key_0123456789abcdef";
export const ALL_KEY = "test_all_scopes_key_0123456789ab";
export const NO_READ_KEY = "test_write_only_key_0123456789ab";
/** read + write, no delete. */
export const WRITE_KEY = "test_read_write_key_0123456789ab";
/** The CleanItAll signing secret of tenant acme (64 lowercase hex characters, as the dashboard shows it). */
export const CLEANITALL_WEBHOOK_SECRET = "4f9c2b7e1d8a6035c7e2f4a9b1d3e5f7a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9";
/** The CleanEstimate Pro signing secret of tenant acme (`whsec_` + base64 of 32 bytes). */
export const CLEANESTIMATE_WEBHOOK_SECRET = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

export interface Harness {
  cleanitall: CleanItAllSim;
  artisan: ArtisanSim;
  cleverinvo: CleverInvoSim;
  cleanestimate: CleanEstimateSim;
  jobcloser: JobCloserSim;
  gateway: Gateway;
  config: GatewayConfig;
  url: string;
  /** POSTs a GraphQL request to the gateway; returns status and parsed body. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string | null,
  ): Promise<{ status: number; body: GraphQLBody<T> }>;
  /** Zeroes both simulators' counters and request logs. */
  resetCounts(): void;
  /** Requests the simulators served, by route key, since the last reset (zero counts omitted). */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

export interface GraphQLBody<T> {
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

export interface HarnessOptions {
  /** Overrides merged into the gateway config (e.g. `cache: { ttlMs: 0 }`). */
  config?: Partial<GatewayConfigInput>;
  /** JobCloser list snapshot lifetime (default 60 s; 0 to count every list read). */
  jobcloserListCacheTtlMs?: number;
  /** Sign in to JobCloser with the demo company's Zapier key (lead and customer creation need it). */
  jobcloserZapier?: boolean;
  /** Which upstreams the tenant has (default all). */
  upstreams?: Array<"cleanitall" | "cleanestimate" | "jobcloser" | "artisan" | "cleverinvo">;
  /** Configure tenant acme's webhook secrets (CLEANITALL_WEBHOOK_SECRET, CLEANESTIMATE_WEBHOOK_SECRET). */
  webhookSecrets?: boolean;
  /**
   * The simulators deliver their webhooks to the gateway: CleanItAll's dashboard setting points at
   * it, and CleanEstimate Pro registrations return CLEANESTIMATE_WEBHOOK_SECRET. Retries come after
   * milliseconds instead of minutes. Implies `webhookSecrets`.
   */
  simWebhooks?: boolean;
  /** Where the gateway logs (default: nowhere). */
  logger?: Logger;
  /** More tenants besides acme (their upstream base URLs may use `sim:<id>` for a simulator's URL). */
  extraTenants?: TenantInput[];
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const now = () => SIM_NOW;
  const simWebhooks = options.simWebhooks ? { webhookAttemptDelaysMs: [0, 10, 10, 10] } : {};
  const cleanitall = createCleanItAllSim({
    accounts: [CLEANITALL_DEMO_ACCOUNT],
    rateLimit: { limit: 1_000_000, windowMs: 3_600_000 },
    now,
    ...simWebhooks,
  });
  const artisan = createArtisanSim({
    companies: [ARTISAN_DEMO_COMPANY],
    rateLimit: { limit: 1_000_000, windowMs: 60_000 },
    now,
  });
  const cleverinvo = createCleverInvoSim({
    accounts: [CLEVERINVO_DEMO_ACCOUNT],
    rateLimit: { limit: 1_000_000, windowMs: 60_000 },
    now,
  });
  const cleanestimate = createCleanEstimateSim({
    accounts: [CLEANESTIMATE_DEMO_ACCOUNT],
    rateLimit: { limit: 1_000_000, windowMs: 60_000 },
    now,
    ...(options.simWebhooks ? { ...simWebhooks, webhookSecrets: () => CLEANESTIMATE_WEBHOOK_SECRET } : {}),
  });
  // Two companies in one JobCloser: the upstream does not isolate them, the gateway must.
  const jobcloser = createJobCloserSim({ companies: [JOBCLOSER_DEMO_COMPANY, JOBCLOSER_OTHER_COMPANY], now });
  const [cleanitallUrl, artisanUrl, cleverinvoUrl, cleanestimateUrl, jobcloserUrl] = await Promise.all([
    cleanitall.listen(0),
    artisan.listen(0),
    cleverinvo.listen(0),
    cleanestimate.listen(0),
    jobcloser.listen(0),
  ]);
  const simUrls: Record<string, string> = {
    cleanitall: cleanitallUrl,
    artisan: artisanUrl,
    cleverinvo: cleverinvoUrl,
    cleanestimate: cleanestimateUrl,
    jobcloser: jobcloserUrl,
  };
  const wanted = options.upstreams ?? ["cleanitall", "cleanestimate", "jobcloser", "artisan", "cleverinvo"];
  const config = parseConfig({
    server: { host: "127.0.0.1", port: 0 },
    // Exact request counting: no cross-request cache unless a test asks for one.
    cache: { ttlMs: 0 },
    // No client-side budgets or breakers unless a test asks: injected faults would otherwise carry
    // over from one test to the next through the shared HTTP layer.
    // The gateway's own per-key limit is out of the way unless a test sets one.
    rateLimit: { requestsPerMinute: 1_000_000, burst: 100_000 },
    ...options.config,
    http: {
      timeoutMs: 2_000,
      retries: 0,
      rateBudgets: false,
      breaker: { enabled: false },
      ...options.config?.http,
    },
    tenants: [
      {
        id: "acme",
        apiKeys: [
          { key: READ_KEY, scopes: ["read"] },
          { key: ALL_KEY, scopes: ["read", "write", "delete"] },
          { key: NO_READ_KEY, scopes: ["write"] },
          { key: WRITE_KEY, scopes: ["read", "write"] },
        ],
        upstreams: {
          ...(wanted.includes("cleanitall")
            ? {
                cleanitall: {
                  baseUrl: cleanitallUrl,
                  apiKey: CLEANITALL_DEMO_KEY,
                  ...(options.webhookSecrets || options.simWebhooks
                    ? { webhookSecret: CLEANITALL_WEBHOOK_SECRET }
                    : {}),
                },
              }
            : {}),
          ...(wanted.includes("artisan")
            ? { artisan: { baseUrl: artisanUrl, token: ARTISAN_DEMO_TOKEN } }
            : {}),
          ...(wanted.includes("cleverinvo")
            ? { cleverinvo: { baseUrl: cleverinvoUrl, apiKey: CLEVERINVO_DEMO_KEY } }
            : {}),
          ...(wanted.includes("cleanestimate")
            ? {
                cleanestimate: {
                  baseUrl: cleanestimateUrl,
                  apiKey: CLEANESTIMATE_DEMO_KEY,
                  ...(options.webhookSecrets || options.simWebhooks
                    ? { webhookSecret: CLEANESTIMATE_WEBHOOK_SECRET }
                    : {}),
                },
              }
            : {}),
          ...(wanted.includes("jobcloser")
            ? {
                jobcloser: {
                  baseUrl: jobcloserUrl,
                  ...(options.jobcloserZapier
                    ? { zapierKey: JOBCLOSER_DEMO_ZAPIER_KEY }
                    : { email: JOBCLOSER_DEMO_USER.email, password: JOBCLOSER_DEMO_USER.password }),
                  listCacheTtlMs: options.jobcloserListCacheTtlMs ?? 60_000,
                },
              }
            : {}),
        },
      },
      ...(options.extraTenants ?? []).map((tenant) => withSimUrls(tenant, simUrls)),
    ],
  });
  const gateway = createGateway(config, { logger: options.logger ?? createLogger("silent") });
  const url = await gateway.start();
  if (options.simWebhooks) {
    cleanitall.setWebhookEndpoint(CLEANITALL_DEMO_ACCOUNT.id, {
      url: `${url}/webhooks/acme/cleanitall`,
      secret: CLEANITALL_WEBHOOK_SECRET,
    });
  }

  return {
    cleanitall,
    artisan,
    cleverinvo,
    cleanestimate,
    jobcloser,
    gateway,
    config,
    url,
    async gql(query, variables, key = READ_KEY) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (key !== null) headers.authorization = `Bearer ${key}`;
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: await response.json() };
    },
    resetCounts() {
      for (const sim of [cleanitall, cleanestimate, jobcloser, artisan, cleverinvo])
        sim.control.resetCounts();
    },
    counts() {
      const all: Record<string, number> = {};
      for (const sim of [cleanitall, cleanestimate, jobcloser, artisan, cleverinvo]) {
        for (const [route, count] of Object.entries(sim.control.snapshot())) {
          if (count > 0) all[`${sim.id} ${route}`] = count;
        }
      }
      return all;
    },
    async close() {
      await gateway.stop();
      await Promise.all([
        cleanitall.close(),
        artisan.close(),
        cleverinvo.close(),
        cleanestimate.close(),
        jobcloser.close(),
      ]);
    },
  };
}

/** Replaces `sim:<id>` base URLs of a tenant's upstreams with the simulator's URL. */
function withSimUrls(tenant: TenantInput, urls: Record<string, string>): TenantInput {
  const upstreams = Object.fromEntries(
    Object.entries(tenant.upstreams).map(([id, upstream]) => {
      const baseUrl = (upstream as { baseUrl: string }).baseUrl;
      const url = baseUrl.startsWith("sim:") ? urls[baseUrl.slice(4)] : baseUrl;
      return [id, { ...upstream, baseUrl: url ?? baseUrl }];
    }),
  );
  return { ...tenant, upstreams } as TenantInput;
}

/** Decodes a global id into its parts (tests only: clients treat ids as opaque). */
export function decodeId(id: string): string[] {
  return Buffer.from(id, "base64url").toString("utf8").split(":");
}

export function globalId(type: string, source: string, sourceId: string, locator?: string): string {
  return Buffer.from([type, source, sourceId, ...(locator ? [locator] : [])].join(":"), "utf8").toString(
    "base64url",
  );
}
