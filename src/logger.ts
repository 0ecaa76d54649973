import pino, { type Logger } from "pino";

/**
 * Structured logs. Secrets are redacted centrally: whatever path they take into a log line
 * (a request's headers, a config object), these keys are censored.
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

export function createLogger(level = "info"): Logger {
  return pino({
    level,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    base: { service: "field-service-gateway" },
  });
}

export type { Logger };
