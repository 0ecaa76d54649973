import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * The gateway's configuration: a JSON file, `${NAME}` replaced by environment variables, validated
 * with zod. Every error names the path of the bad value (`tenants[0].upstreams.artisan.baseUrl`).
 * This is the only module that reads `process.env`.
 */

const baseUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .transform((url) => url.replace(/\/+$/, ""));
const secret = z.string().min(1, "must not be empty");
const timeoutMs = z.number().int().positive().max(120_000);

const upstreamCommon = {
  baseUrl,
  /** Per-attempt timeout for this upstream; default `http.timeoutMs`. */
  timeoutMs: timeoutMs.optional(),
};

const currency = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD");
const cleanitall = z.strictObject({
  ...upstreamCommon,
  apiKey: secret,
  webhookSecret: secret.optional(),
  /** The account currency: CleanItAll states it on invoices and payments but never on job prices. */
  currency: currency.default("USD"),
});
const cleanestimate = z.strictObject({ ...upstreamCommon, apiKey: secret, webhookSecret: secret.optional() });
const jobcloser = z
  .strictObject({
    ...upstreamCommon,
    /** JobCloser states no currency; its amounts are in this one. */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD")
      .default("USD"),
    /** How long an unpaginated `getall` list is reused while clients page through it. */
    listCacheTtlMs: z.number().int().min(0).max(3_600_000).default(60_000),
    email: z.string().min(1).optional(),
    password: secret.optional(),
    zapierKey: secret.optional(),
  })
  .refine(
    (value) => (value.email !== undefined && value.password !== undefined) || value.zapierKey !== undefined,
    {
      error: "needs either email and password, or zapierKey",
    },
  );
const artisan = z.strictObject({ ...upstreamCommon, token: secret });
const cleverinvo = z.strictObject({ ...upstreamCommon, apiKey: secret });

/** Polling settings of one source; defaults keep polling to 20% of the upstream's documented limit. */
function pollingSettings(requestsPerMinute: number, minIntervalMs: number) {
  return z
    .strictObject({
      requestsPerMinute: z.number().positive().max(10_000).default(requestsPerMinute),
      minIntervalMs: z.number().int().min(10).max(3_600_000).default(minIntervalMs),
      maxIntervalMs: z.number().int().min(10).max(86_400_000).default(300_000),
    })
    .prefault({});
}

export const SCOPES = ["read", "write", "delete"] as const;
export type Scope = (typeof SCOPES)[number];

const apiKey = z.strictObject({
  key: z.string().min(16, "must be at least 16 characters"),
  scopes: z.array(z.enum(SCOPES)).min(1, "needs at least one scope"),
  /** A label for logs and metrics, never the key itself. */
  name: z.string().min(1).optional(),
});

const tenant = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be lowercase letters, digits, - or _ (max 63)"),
  apiKeys: z.array(apiKey).min(1, "needs at least one API key"),
  upstreams: z
    .strictObject({
      cleanitall: cleanitall.optional(),
      cleanestimate: cleanestimate.optional(),
      jobcloser: jobcloser.optional(),
      artisan: artisan.optional(),
      cleverinvo: cleverinvo.optional(),
    })
    .refine((value) => Object.keys(value).length > 0, { error: "needs at least one upstream" }),
});

export const configSchema = z
  .strictObject({
    server: z
      .strictObject({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65_535).default(4000),
        graphiql: z.boolean().default(true),
        introspection: z.boolean().default(true),
        /**
         * Run a query operation executed more than once as code compiled for it (graphql-jit) rather
         * than graphql-js's generic executor: same answers, less time per request. Off: graphql-js only.
         */
        compiledQueries: z.boolean().default(true),
        /**
         * The gateway's address as clients reach it (behind a proxy), for links such as
         * `Invoice.pdfUrl`; default: the address the request came to.
         */
        publicUrl: baseUrl.optional(),
        /** Secret for signed file links; set it when several instances serve the same clients. */
        urlSigningSecret: z.string().min(32, "must be at least 32 characters").optional(),
        /** How long a signed file link stays valid. */
        signedUrlTtlMs: z.number().int().positive().max(86_400_000).default(900_000),
        /** On shutdown, how long in-flight requests may take to finish before their connections are cut. */
        shutdownGraceMs: z.number().int().min(0).max(600_000).default(10_000),
        /**
         * Browser origins allowed to call the gateway cross-origin (CORS), e.g.
         * `https://dashboard.example.com`. Default none: only same-origin pages and non-browser clients.
         */
        corsOrigins: z
          .array(
            z
              .url({ protocol: /^https?$/, error: "must be an origin such as https://app.example.com" })
              .transform((url) => new URL(url).origin),
          )
          .default([]),
      })
      .prefault({}),
    redis: z
      .strictObject({
        url: z.url({ protocol: /^rediss?$/ }),
        /**
         * Prefix of every key and channel the gateway uses, so deployments (or test runs) can share
         * one Redis without seeing each other's events, deliveries or idempotency records.
         */
        keyPrefix: z
          .string()
          .regex(/^[A-Za-z0-9:_-]{1,64}$/, "must be 1-64 letters, digits, ':', '_' or '-'")
          .default("fsg:"),
      })
      .optional(),
    /** The cross-request cache of upstream GET responses. */
    cache: z
      .strictObject({
        ttlMs: z.number().int().min(0).max(3_600_000).default(5_000),
        /** Longer TTL for records that rarely change (company profiles, currency). */
        profileTtlMs: z.number().int().min(0).max(86_400_000).default(600_000),
        maxEntries: z.number().int().positive().default(10_000),
        /**
         * Query answers kept whole and given again while every upstream read behind them is still
         * cached and current (no invalidation, no expiry); 0 turns that off.
         */
        maxAnswers: z.number().int().min(0).max(100_000).default(1_000),
        /**
         * Bytes of upstream answers kept with their parsed records, so that an answer identical to
         * the last one for its URL is not parsed, checked and mapped again; 0 turns that off.
         */
        parsedBodyBytes: z.number().int().min(0).max(1_073_741_824).default(33_554_432),
      })
      .prefault({}),
    http: z
      .strictObject({
        timeoutMs: timeoutMs.default(10_000),
        /** Retries of idempotent requests after a transient failure. */
        retries: z.number().int().min(0).max(5).default(2),
        /** Keep-alive connections per upstream origin. */
        connections: z.number().int().positive().max(256).default(16),
        /** The most one GraphQL request may spend on upstream calls, retries included. */
        deadlineMs: z.number().int().positive().max(300_000).default(25_000),
        /**
         * Client-side budgets per upstream credential at each upstream's documented rate limit
         * (shared through Redis when configured), so the gateway never runs into the upstream's 429s.
         */
        rateBudgets: z.boolean().default(true),
        /** A circuit breaker per upstream and tenant: opens after `threshold` failures in a row. */
        breaker: z
          .strictObject({
            enabled: z.boolean().default(true),
            threshold: z.number().int().positive().max(1000).default(5),
            cooldownMs: z.number().int().positive().max(3_600_000).default(10_000),
          })
          .prefault({}),
      })
      .prefault({}),
    /** Gateway-side idempotency of create mutations (in Redis when `redis` is set, else in memory). */
    idempotency: z
      .strictObject({
        /** How long a create's result is replayed for a retry with the same key. */
        ttlMs: z
          .number()
          .int()
          .positive()
          .max(7 * 86_400_000)
          .default(86_400_000),
        /** How long a claim of a key is held if the gateway stops mid-request. */
        pendingTtlMs: z.number().int().positive().max(3_600_000).default(120_000),
      })
      .prefault({}),
    /** Per-API-key rate limit on the gateway itself (shared through Redis when configured). */
    rateLimit: z
      .strictObject({
        requestsPerMinute: z.number().int().positive().max(1_000_000).default(600),
        /** Requests a key may send back to back after being idle; then `requestsPerMinute` paces it. */
        burst: z.number().int().positive().max(100_000).default(60),
      })
      .prefault({}),
    /** Live events: webhook receivers, change detection and subscriptions. */
    events: z
      .strictObject({
        /** Webhook bodies larger than this are refused with 413. */
        webhookMaxBodyBytes: z.number().int().positive().max(16_777_216).default(1_048_576),
        /** Standard Webhooks (CleanEstimate Pro) timestamp tolerance, either way from our clock. */
        webhookToleranceSeconds: z.number().int().positive().max(3_600).default(300),
        /** How long a delivery id is remembered: longer than any upstream's retry schedule (7.6 h). */
        dedupeTtlMs: z
          .number()
          .int()
          .positive()
          .max(30 * 86_400_000)
          .default(86_400_000),
        /**
         * Polling of the upstreams without webhooks, per source: at most `requestsPerMinute` (a share
         * of the upstream's limit that leaves the rest to normal traffic), never more often than
         * `minIntervalMs`.
         */
        polling: z
          .strictObject({
            jobcloser: pollingSettings(30, 15_000),
            artisan: pollingSettings(12, 15_000),
            cleverinvo: pollingSettings(24, 15_000),
          })
          .prefault({}),
      })
      .prefault({}),
    limits: z
      .strictObject({
        defaultPageSize: z.number().int().positive().default(25),
        maxPageSize: z.number().int().positive().max(1000).default(100),
        /** Request bodies above this are refused (413). Photo uploads (JobCloser, 10 MB as base64) set the default. */
        maxBodyBytes: z.number().int().positive().max(104_857_600).default(15_728_640),
        /** Operations in one batched request (a JSON array); more is refused. */
        maxBatchSize: z.number().int().positive().max(100).default(10),
        /** Field nesting depth of an operation (fragments followed). GraphiQL's introspection needs 15. */
        maxDepth: z.number().int().positive().max(100).default(15),
        /** Aliased fields in an operation. */
        maxAliases: z.number().int().min(0).max(1000).default(30),
        /** Directive uses in an operation. */
        maxDirectives: z.number().int().min(0).max(1000).default(50),
        /** Lexical tokens of a document: bounds parsing work before anything else runs. */
        maxTokens: z.number().int().positive().max(1_000_000).default(10_000),
        /**
         * Characters of the query text itself (large values belong in variables): parsed queries are
         * cached by their text, so this bounds that cache too.
         */
        maxQueryLength: z.number().int().positive().max(10_000_000).default(100_000),
        /** Estimated cost: each field 1, multiplied by the `first` of every list around it. */
        maxCost: z.number().int().positive().max(100_000_000).default(50_000),
      })
      .prefault({})
      .refine((value) => value.defaultPageSize <= value.maxPageSize, {
        error: "defaultPageSize must not exceed maxPageSize",
      }),
    tenants: z.array(tenant).min(1, "needs at least one tenant"),
  })
  .superRefine(
    (config, ctx) => {
      // Runs even when other parts are invalid (see `when`), so duplicates are reported together with
      // every other problem; the value may then be partly unparsed, hence the shape checks.
      const tenants: unknown = (config as { tenants?: unknown }).tenants;
      if (!Array.isArray(tenants)) return;
      const tenantIds = new Set<string>();
      const keys = new Set<string>();
      tenants.forEach((t: unknown, index) => {
        if (t === null || typeof t !== "object") return;
        const { id, apiKeys } = t as { id?: unknown; apiKeys?: unknown };
        if (typeof id === "string") {
          if (tenantIds.has(id)) {
            ctx.addIssue({
              code: "custom",
              path: ["tenants", index, "id"],
              message: `duplicate tenant id "${id}"`,
            });
          }
          tenantIds.add(id);
        }
        if (!Array.isArray(apiKeys)) return;
        apiKeys.forEach((k: unknown, keyIndex) => {
          const key = k !== null && typeof k === "object" ? (k as { key?: unknown }).key : undefined;
          if (typeof key !== "string") return;
          // The message must not echo the key: config errors end up in logs.
          if (keys.has(key)) {
            ctx.addIssue({
              code: "custom",
              path: ["tenants", index, "apiKeys", keyIndex, "key"],
              message: "duplicate API key",
            });
          }
          keys.add(key);
        });
      });
    },
    { when: (payload) => payload.value !== null && typeof payload.value === "object" },
  );

export type GatewayConfig = z.infer<typeof configSchema>;
export type TenantConfig = GatewayConfig["tenants"][number];
export type UpstreamsConfig = TenantConfig["upstreams"];
export type GatewayConfigInput = z.input<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid gateway config:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** `["tenants", 0, "upstreams"]` -> `tenants[0].upstreams`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}

/**
 * Replaces `${NAME}` in every string with the environment variable NAME. Every missing variable is
 * reported at once (one start-up attempt shows them all), each with the path of its string.
 */
export function interpolateEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  path: PropertyKey[] = [],
): unknown {
  const problems: string[] = [];
  const result = interpolate(value, env, path, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return result;
}

function interpolate(
  value: unknown,
  env: Record<string, string | undefined>,
  path: PropertyKey[],
  problems: string[],
): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name: string) => {
      const replacement = env[name];
      if (replacement === undefined) {
        problems.push(`${formatPath(path) || "(root)"}: environment variable ${name} is not set`);
        return match;
      }
      return replacement;
    });
  }
  if (Array.isArray(value))
    return value.map((item, index) => interpolate(item, env, [...path, index], problems));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, env, [...path, key], problems)]),
    );
  }
  return value;
}

/** Validates an already-parsed config object (after interpolation). */
export function parseConfig(raw: unknown, env: Record<string, string | undefined> = {}): GatewayConfig {
  const interpolated = interpolateEnv(raw, env);
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${formatPath(issue.path) || "(root)"}: ${issue.message}`),
    );
  }
  return result.data;
}

/** Reads, interpolates and validates a config file. */
export function loadConfigFile(
  file: string,
  env: Record<string, string | undefined> = process.env,
): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError([`cannot read config file ${file}: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`config file ${file} is not valid JSON: ${(error as Error).message}`]);
  }
  return parseConfig(raw, env);
}

export interface LaunchOptions {
  /** Config file path, or null for demo mode. */
  configFile: string | null;
  logLevel: string;
  /** Demo mode's gateway port (`PORT`, default 4000); a config file sets its own. */
  demoPort: number;
}

/** Where the config comes from: `--config <file>`, else `GATEWAY_CONFIG`, else demo mode. */
export function launchOptions(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): LaunchOptions {
  const flag = argv.findIndex((arg) => arg === "--config" || arg.startsWith("--config="));
  const flagArg = flag >= 0 ? argv[flag] : undefined;
  let fromFlag: string | undefined;
  if (flagArg !== undefined) {
    fromFlag = flagArg.startsWith("--config=") ? flagArg.slice("--config=".length) : argv[flag + 1];
  }
  // `--config --other-flag` is a forgotten path, not a file named "--other-flag".
  if (flag >= 0 && (!fromFlag || fromFlag.startsWith("--"))) {
    throw new ConfigError(["--config needs a file path"]);
  }
  // Digits only: `Number()` would read "" as 0 and accept "0x1F" or "1e3".
  const demoPort = env.PORT === undefined ? 4000 : /^\d{1,5}$/.test(env.PORT) ? Number(env.PORT) : Number.NaN;
  if (!Number.isInteger(demoPort) || demoPort < 0 || demoPort > 65_535) {
    throw new ConfigError([`PORT must be a port number (0-65535); got "${env.PORT}"`]);
  }
  return {
    // An empty GATEWAY_CONFIG (`GATEWAY_CONFIG= npm start`) means unset: demo mode.
    configFile: fromFlag ?? (env.GATEWAY_CONFIG || null),
    logLevel: env.LOG_LEVEL ?? "info",
    demoPort,
  };
}
