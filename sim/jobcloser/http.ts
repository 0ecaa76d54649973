import type { SimHandler, SimRequest, SimResponse } from "../core/server.js";
import type { JobCloserCompanyState, JobCloserEnvelope, JobCloserRecordKinds } from "./types.js";

/**
 * The request pipeline of every JobCloser route (jobcloser.md §2–§3): no credentials on data calls,
 * case-insensitive query and body names, and the `{Success, Message, Result}` envelope on HTTP 200
 * for every handled request, failures included. Handlers return the `Result` or throw a `Failure`
 * whose message goes into the envelope; checks stop at the first failure in the reference's order
 * (required parameters → record named by a query parameter → API access → other validation).
 * Anything else thrown is an unhandled exception: HTTP 500 with ASP.NET Web API's body.
 */

export interface JobCloserWorld {
  companies: Map<string, JobCloserCompanyState>;
  now: () => Date;
  /** Fetches an image for `uploadimageviaurl`; null when it cannot be downloaded. */
  downloadImage: (url: string) => Promise<Buffer | null>;
}

export interface Ctx {
  req: SimRequest;
  world: JobCloserWorld;
  query: Params;
  /** One clock reading per request. */
  now: Date;
}

export type Handler = (ctx: Ctx) => unknown;

/** A failure answer: `{"Success":false,"Message":<message>,"Result":null}` on HTTP 200. */
export class Failure extends Error {}

export const fail = (message: string): never => {
  throw new Failure(message);
};

export const MESSAGES = {
  success: "Success",
  /** The documented (misspelt) success message of `/api/account/signin`. */
  signInSuccess: "Sucess",
  badCredentials: "The specified email and password do not exist in our system",
  badKey: "The specified API key does not exist in our system",
  noApiAccess: "API access is not enabled for this company",
  notFound: "Record not found",
  badBatch: "Body must be a non-empty array",
  batchTooLarge: "Body must contain at most 500 items",
  download: "Unable to download image from url",
  required: (name: string) => `${name} is required`,
  invalid: (name: string) => `${name} is invalid`,
  item: (index: number, message: string) => `Item ${index}: ${message}`,
} as const;

export function envelope<T>(result: T, message: string = MESSAGES.success): SimResponse {
  const body: JobCloserEnvelope<T> = { Success: true, Message: message, Result: result };
  return { status: 200, body };
}

export function failure(message: string): SimResponse {
  const body: JobCloserEnvelope = { Success: false, Message: message, Result: null };
  return { status: 200, body };
}

/** ASP.NET Web API's body for an unhandled exception. */
export const INTERNAL_ERROR = { Message: "An error has occurred." };

const REASONS: Record<number, string> = {
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * A server failure (§2: transport level, body unspecified). 500 is the Web API exception body;
 * other 5xx come from IIS / the load balancer in front of it, as a small HTML page.
 */
export function serverError(status: number): SimResponse {
  if (status === 500) return { status, body: INTERNAL_ERROR };
  const reason = REASONS[status] ?? "Server Error";
  const html = `<!DOCTYPE html><html><head><title>${status} ${reason}</title></head><body><h1>${reason}</h1></body></html>`;
  return { status, raw: Buffer.from(html), contentType: "text/html; charset=utf-8" };
}

/**
 * Simulator-only: the reference documents no rate limit (§1), so an injected `rateLimit` fault is
 * a plain HTTP 429 carrying a failure envelope, without rate-limit headers.
 */
export function rateLimited(): SimResponse {
  const body: JobCloserEnvelope = { Success: false, Message: "Too many requests", Result: null };
  return { status: 429, body };
}

/** Web API's 404 for an unknown path (§2: unknown path 404, body unspecified). */
export function notFound(req: SimRequest): SimResponse {
  const host = typeof req.headers.host === "string" ? req.headers.host : "localhost";
  return {
    status: 404,
    body: { Message: `No HTTP resource was found that matches the request URI 'http://${host}${req.path}'.` },
  };
}

/** Web API's 405 for a known path with another method, with `Allow`. */
export function methodNotAllowed(req: SimRequest, allowed: string[]): SimResponse {
  return {
    status: 405,
    body: { Message: `The requested resource does not support http method '${req.method}'.` },
    headers: { Allow: allowed.join(", ") },
  };
}

/** "An empty-string parameter counts as absent"; `null` too, for body values. */
export const isAbsent = (value: unknown): boolean => value === undefined || value === null || value === "";

/** Query parameters, matched case-insensitively; the first occurrence of a name wins. */
export class Params {
  private readonly values = new Map<string, string>();

  constructor(query: URLSearchParams) {
    for (const [name, value] of query) {
      const key = name.toLowerCase();
      if (!this.values.has(key)) this.values.set(key, value);
    }
  }

  /** The value, or undefined when absent or empty. */
  text(name: string): string | undefined {
    const value = this.values.get(name.toLowerCase());
    return value === undefined || value === "" ? undefined : value;
  }

  /** The raw value, empty strings included. */
  raw(name: string): string | undefined {
    return this.values.get(name.toLowerCase());
  }

  /** Checks the required names in order; returns their values. */
  required<const N extends readonly string[]>(...names: N): { [K in keyof N]: string } {
    return names.map((name) => this.text(name) ?? fail(MESSAGES.required(name))) as {
      [K in keyof N]: string;
    };
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The JSON request body; undefined when empty or malformed (model binding then sees null). */
export function parseJson(raw: Buffer): unknown {
  const text = raw.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON object's properties, matched case-insensitively (an exact-case match wins). */
export class Body {
  private readonly values = new Map<string, unknown>();

  constructor(private readonly object: JsonObject) {
    for (const [name, value] of Object.entries(object)) {
      const key = name.toLowerCase();
      if (!this.values.has(key)) this.values.set(key, value);
    }
  }

  get(name: string): unknown {
    return Object.hasOwn(this.object, name) ? this.object[name] : this.values.get(name.toLowerCase());
  }

  present(name: string): boolean {
    return !isAbsent(this.get(name));
  }

  /** Checks the required names in order. */
  require(names: readonly string[]): void {
    for (const name of names) if (!this.present(name)) fail(MESSAGES.required(name));
  }
}

/** The company holding a record of any company (§3: no tenant isolation on `get?id=`). */
export function locate<K extends keyof JobCloserRecordKinds>(
  world: JobCloserWorld,
  kind: K,
  id: string,
): { company: JobCloserCompanyState; record: JobCloserRecordKinds[K] } | undefined {
  for (const company of world.companies.values()) {
    const record = (company[kind] as unknown as Map<string, JobCloserRecordKinds[K]>).get(id);
    if (record) return { company, record };
  }
  return undefined;
}

/** The company named by a `companyId` parameter; `Record not found` when unknown. */
export function companyNamed(world: JobCloserWorld, id: string): JobCloserCompanyState {
  return world.companies.get(id) ?? fail(MESSAGES.notFound);
}

/** §3: the company's "Enable API Access" setting must be on. */
export function requireAccess(company: JobCloserCompanyState): void {
  if (!company.company.EnableApiAccess) fail(MESSAGES.noApiAccess);
}

/** Wraps a handler into a route handler answering with the envelope. */
export function endpoint(
  world: JobCloserWorld,
  handler: Handler,
  successMessage: string = MESSAGES.success,
): SimHandler {
  return async (req) => {
    const ctx: Ctx = { req, world, query: new Params(req.query), now: world.now() };
    try {
      return envelope(await handler(ctx), successMessage);
    } catch (error) {
      if (error instanceof Failure) return failure(error.message);
      console.error("jobcloser simulator: handler failed", error);
      return serverError(500);
    }
  };
}
