import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SOURCE_LABELS, type SourceId } from "../errors.js";
import type { Logger } from "../logger.js";
import type { LiveEvents } from "./liveEvents.js";
import { type Verdict, verifyCleanItAllSignature, verifyStandardWebhook } from "./signatures.js";
import { type WebhookParser, WebhookPayloadError } from "./types.js";

/**
 * `POST /webhooks/:tenantId/:source`: the receiver of upstream webhooks. In order: the route
 * (404), the body size (413), the signature over the raw bytes (401), the body (400), then the
 * delivery id, published once (a redelivery is acknowledged and dropped). It answers as soon as
 * the events are handed to the event bus: no upstream call is made while the sender waits.
 */

export type WebhookSource = "cleanitall" | "cleanestimate";

/** What the receiver knows of one tenant's webhook source. */
export interface WebhookEndpoint {
  secret: string;
  parse: WebhookParser;
}

export interface WebhookReceiverOptions {
  /** tenant id -> its webhook sources with their secrets and parsers. */
  endpoints: ReadonlyMap<string, ReadonlyMap<WebhookSource, WebhookEndpoint>>;
  events: LiveEvents;
  maxBodyBytes: number;
  /** Standard Webhooks timestamp tolerance (CleanEstimate Pro). */
  toleranceSeconds: number;
  logger: Logger;
  now?: () => number;
  /** Each delivery's fate, for metrics: published, a redelivery, or refused. */
  onOutcome?(source: string, outcome: "received" | "duplicate" | "rejected"): void;
}

const WEBHOOK_SOURCES: ReadonlySet<string> = new Set<WebhookSource>(["cleanitall", "cleanestimate"]);

class Rejection extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads the body, refusing it (413) as soon as it passes the limit rather than buffering it all. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners("data");
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function tooLarge(maxBytes: number): Rejection {
  return new Rejection(413, "PAYLOAD_TOO_LARGE", `Webhook body is larger than ${maxBytes} bytes.`);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function createWebhookReceiver(options: WebhookReceiverOptions) {
  const now = options.now ?? Date.now;
  const { logger } = options;

  function route(tenantId: string, source: string): { source: WebhookSource; endpoint: WebhookEndpoint } {
    const tenant = options.endpoints.get(tenantId);
    if (!tenant) throw new Rejection(404, "NOT_FOUND", `Unknown tenant "${tenantId}".`);
    if (!WEBHOOK_SOURCES.has(source)) {
      const label = source in SOURCE_LABELS ? SOURCE_LABELS[source as SourceId] : `"${source}"`;
      throw new Rejection(
        404,
        "NOT_FOUND",
        `${label} sends no webhooks this gateway receives; webhook sources are cleanitall and cleanestimate.`,
      );
    }
    const endpoint = tenant.get(source as WebhookSource);
    if (!endpoint) {
      throw new Rejection(
        404,
        "NOT_FOUND",
        `Tenant "${tenantId}" has no ${SOURCE_LABELS[source as SourceId]} webhook secret configured.`,
      );
    }
    return { source: source as WebhookSource, endpoint };
  }

  function verify(
    source: WebhookSource,
    endpoint: WebhookEndpoint,
    req: IncomingMessage,
    body: Buffer,
  ): void {
    let verdict: Verdict;
    if (source === "cleanitall") {
      verdict = verifyCleanItAllSignature(endpoint.secret, body, header(req, "x-webhook-signature"));
    } else {
      verdict = verifyStandardWebhook(
        endpoint.secret,
        {
          id: header(req, "webhook-id"),
          timestamp: header(req, "webhook-timestamp"),
          signature: header(req, "webhook-signature"),
        },
        body,
        now(),
        options.toleranceSeconds,
      );
    }
    if (!verdict.ok) throw new Rejection(401, "INVALID_SIGNATURE", `Webhook rejected: ${verdict.reason}.`);
  }

  /** The id every retry of one delivery repeats: the dedupe key. */
  function deliveryId(source: WebhookSource, req: IncomingMessage): string {
    const id = source === "cleanitall" ? header(req, "x-webhook-id") : header(req, "webhook-id");
    if (!id || id.length > 200) {
      const name = source === "cleanitall" ? "X-Webhook-Id" : "webhook-id";
      throw new Rejection(400, "MALFORMED_WEBHOOK", `Webhook has no usable ${name} header.`);
    }
    return id;
  }

  async function receive(req: IncomingMessage, res: ServerResponse, tenantId: string, rawSource: string) {
    const { source, endpoint } = route(tenantId, rawSource);
    const body = await readBody(req, options.maxBodyBytes);
    verify(source, endpoint, req, body);
    const delivery = deliveryId(source, req);
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch (error) {
      throw new Rejection(400, "MALFORMED_WEBHOOK", `Webhook body is not JSON: ${(error as Error).message}.`);
    }
    let parsed: ReturnType<WebhookParser>;
    try {
      parsed = endpoint.parse(json);
    } catch (error) {
      if (error instanceof WebhookPayloadError) {
        throw new Rejection(
          400,
          "MALFORMED_WEBHOOK",
          `Webhook body is not a ${SOURCE_LABELS[source]} event: ${error.message}`,
        );
      }
      throw error;
    }
    if (parsed.ignored) {
      options.onOutcome?.(source, "received");
      logger.warn(
        { tenantId, source, delivery, event: parsed.sourceEventType },
        `webhook ignored: ${parsed.ignored}`,
      );
      send(res, 202, { received: true, published: 0, ignored: parsed.ignored });
      return;
    }
    const eventIdBase = createHash("sha256")
      .update(`${tenantId}\u0000${source}\u0000${delivery}`)
      .digest("base64url");
    const published = await options.events.publishOnce(`webhook:${tenantId}:${source}:${delivery}`, {
      tenantId,
      source,
      sourceEventType: parsed.sourceEventType,
      detectedBy: "WEBHOOK",
      changes: parsed.changes.map((change, index) => ({
        ...change,
        id: `whk_${eventIdBase.slice(0, 24)}${parsed.changes.length > 1 ? `_${index}` : ""}`,
        occurredAt: parsed.occurredAt,
        stale: parsed.stale,
      })),
    });
    if (!published) {
      options.onOutcome?.(source, "duplicate");
      logger.info({ tenantId, source, delivery }, "webhook redelivery dropped");
      send(res, 200, { received: true, duplicate: true, published: 0 });
      return;
    }
    options.onOutcome?.(source, "received");
    send(res, 200, {
      received: true,
      duplicate: false,
      published: parsed.changes.length,
      events: parsed.changes.map((change) => change.type),
    });
  }

  /** Handles a request whose path matched `/webhooks/...`. */
  return (req: IncomingMessage, res: ServerResponse, path: string): void => {
    const match = /^\/webhooks\/([^/]+)\/([^/]+)\/?$/.exec(path);
    const respond = (error: unknown) => {
      options.onOutcome?.(match?.[2] ?? "unknown", "rejected");
      if (error instanceof Rejection) {
        logger.warn({ status: error.status, code: error.code, path }, `webhook rejected: ${error.message}`);
        if (!res.headersSent)
          send(res, error.status, { error: { code: error.code, message: error.message } });
        else res.end();
        return;
      }
      logger.error({ err: error, path }, "webhook could not be processed");
      // 503: the upstream retries later, so the delivery is not lost.
      if (!res.headersSent) {
        send(res, 503, {
          error: { code: "UNAVAILABLE", message: "The webhook could not be processed now; retry later." },
        });
      } else res.end();
    };
    if (!match?.[1] || !match[2]) {
      respond(new Rejection(404, "NOT_FOUND", "Webhook URLs are /webhooks/<tenantId>/<source>."));
      return;
    }
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      respond(new Rejection(405, "METHOD_NOT_ALLOWED", "Webhooks are delivered with POST."));
      return;
    }
    let tenantId: string;
    let source: string;
    try {
      tenantId = decodeURIComponent(match[1]);
      source = decodeURIComponent(match[2]);
    } catch {
      respond(new Rejection(404, "NOT_FOUND", "Webhook URL is not valid."));
      return;
    }
    receive(req, res, tenantId, source).catch(respond);
  };
}
