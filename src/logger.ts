import pino, { type DestinationStream, type Logger } from "pino";
import type { GatewayConfig } from "./config.js";

/**
 * Structured logs, with secrets redacted centrally, twice over: by path (whatever object carries a
 * key named like a credential: headers, config objects) and by value (every configured secret
 * is replaced wherever it appears in a log line's values or message: an upstream error that echoes
 * a URL with JobCloser's password in its query string, a stack, a config problem).
 */
export const REDACTED_PATHS = [
  "*.authorization",
  "*.Authorization",
  "*['x-api-key']",
  "*.apiKey",
  "*.token",
  "*.password",
  "*.zapierKey",
  "*.webhookSecret",
  "*.key",
  "headers.authorization",
  "headers['x-api-key']",
];

const CENSOR = "[redacted]";

/**
 * The secret values the process knows (gateway keys, upstream credentials, webhook and signing
 * secrets). Shared by every logger and by the GraphQL error scrubber; a config reload adds its own.
 */
export class SecretRedactor {
  private secrets: string[] = [];
  /** Each secret and, where it differs, its URL-encoded form (a password in a query string). */
  private forms: string[] = [];

  /** Adds a config's secrets (values shorter than 6 characters would censor ordinary words). */
  register(config: Pick<GatewayConfig, "tenants" | "server" | "redis">): void {
    const found = new Set(this.secrets);
    for (const value of secretsOf(config)) if (value.length >= 6) found.add(value);
    // Longest first: a secret containing another is censored whole.
    this.secrets = [...found].sort((a, b) => b.length - a.length);
    this.forms = this.secrets.flatMap((secret) => {
      const encoded = encodeURIComponent(secret);
      return encoded === secret ? [secret] : [secret, encoded];
    });
  }

  /** The text with every known secret, and its URL-encoded form, replaced. */
  redact(text: string): string {
    let result = text;
    for (const form of this.forms) if (result.includes(form)) result = result.split(form).join(CENSOR);
    return result;
  }

  /** A deep copy of a log argument with secrets redacted in every string (keys kept). */
  redactValue(value: unknown, seen = new WeakSet<object>()): unknown {
    if (typeof value === "string") return this.redact(value);
    if (value === null || typeof value !== "object") return value;
    if (seen.has(value)) return "[circular]";
    seen.add(value);
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item, seen));
    if (value instanceof Error) {
      // Still an Error, so pino's error serializer names its type and keeps its cause.
      const copy = new Error(this.redact(value.message), { cause: this.redactValue(value.cause, seen) });
      copy.name = value.name;
      copy.stack = value.stack ? this.redact(value.stack) : undefined;
      for (const [key, item] of Object.entries(value)) {
        (copy as unknown as Record<string, unknown>)[key] = this.redactValue(item, seen);
      }
      return copy;
    }
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = this.redactValue(item, seen);
    return copy;
  }
}

function secretsOf(config: Pick<GatewayConfig, "tenants" | "server" | "redis">): string[] {
  const values: string[] = [];
  for (const tenant of config.tenants) {
    for (const apiKey of tenant.apiKeys) values.push(apiKey.key);
    const { cleanitall, cleanestimate, jobcloser, artisan, cleverinvo } = tenant.upstreams;
    if (cleanitall)
      values.push(cleanitall.apiKey, ...(cleanitall.webhookSecret ? [cleanitall.webhookSecret] : []));
    if (cleanestimate) {
      values.push(
        cleanestimate.apiKey,
        ...(cleanestimate.webhookSecret ? [cleanestimate.webhookSecret] : []),
      );
    }
    if (jobcloser?.password) values.push(jobcloser.password);
    if (jobcloser?.zapierKey) values.push(jobcloser.zapierKey);
    if (artisan) values.push(artisan.token);
    if (cleverinvo) values.push(cleverinvo.apiKey);
  }
  if (config.server.urlSigningSecret) values.push(config.server.urlSigningSecret);
  if (config.redis) {
    const { password } = new URL(config.redis.url);
    if (password) values.push(decodeURIComponent(password), password);
  }
  return values;
}

/** The process's redactor: loggers and the gateway share it. */
export const secretRedactor = new SecretRedactor();

export function createLogger(level = "info", destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    base: { service: "field-service-gateway" },
    hooks: {
      // Every argument, before pino formats it: objects (errors included) and the message.
      logMethod(args, method) {
        const redacted = args.map((arg) => secretRedactor.redactValue(arg)) as Parameters<typeof method>;
        return method.apply(this, redacted);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
