import DataLoader from "dataloader";
import type { z as zod } from "zod";
import { type SourceId, UpstreamError } from "../errors.js";
import type { UpstreamHttp, UpstreamRequest, UpstreamResponse, UpstreamTarget } from "./http.js";
import { buildQueryString, effectOf } from "./http.js";
import { type NumberedListPage, planPageRequests, type StreamPage } from "./paging.js";

/**
 * Base of every upstream client: sends through the shared HTTP layer (its facade for the GraphQL
 * request, which carries the request id and deadline), de-duplicates identical GETs within one
 * GraphQL request, and parses bodies with zod so a reply that does not match the reference becomes
 * a clear UPSTREAM_ERROR instead of a wrong field further down.
 */
export abstract class RestClient {
  private readonly memo = new Map<string, Promise<UpstreamResponse>>();

  constructor(
    protected readonly http: UpstreamHttp,
    protected readonly target: UpstreamTarget,
  ) {}

  get source(): SourceId {
    return this.target.source;
  }

  protected send(request: UpstreamRequest, options: { ttlMs?: number } = {}): Promise<UpstreamResponse> {
    if (effectOf(request) !== "read") return this.http.request(this.target, request, options);
    const key = `${request.path}${buildQueryString(request.query)}`;
    let response = this.memo.get(key);
    if (!response) {
      response = this.http.request(this.target, request, options);
      this.memo.set(key, response);
      response.catch(() => this.memo.delete(key));
    }
    return response;
  }

  /**
   * A GET answer's body as `answer` parses it: parsed on first use, then the same value while the
   * response lives (see ResponseSchema). The value is shared with other requests: never mutate it.
   */
  protected parseResponse<T>(
    answer: ResponseSchema<T>,
    response: UpstreamResponse,
    request: UpstreamRequest,
  ): T {
    return answer.parsed(response, (schema) => this.parse(schema, response.body, request));
  }

  /**
   * Parses a body against the reference's shape; a mismatch names the first bad path. `within`:
   * where in the body `body` is, when it is a part of one (a record of a list).
   */
  protected parse<T>(
    schema: zod.ZodType<T>,
    body: unknown,
    request: UpstreamRequest,
    within: ReadonlyArray<PropertyKey> = [],
  ): T {
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const path = issue ? [...within, ...issue.path].map(String).join(".") : "";
    const where = issue ? `${path || "(body)"}: ${issue.message}` : "unknown shape";
    throw new UpstreamError(
      this.source,
      "UPSTREAM_ERROR",
      `${this.source} ${request.method} ${request.route} returned an unexpected body (${where})`,
    );
  }

  /** An answer no read should get (auth, validation): the upstream or its config is wrong, not the client. */
  protected unexpected(request: UpstreamRequest, response: UpstreamResponse, detail?: string): UpstreamError {
    const what =
      response.status === 401 || response.status === 403
        ? "rejected the gateway's credentials for this tenant"
        : `answered HTTP ${response.status}`;
    return new UpstreamError(
      this.source,
      "UPSTREAM_ERROR",
      `${this.source} ${request.method} ${request.route} ${what}${detail ? `: ${detail}` : ""}`,
      { status: response.status },
    );
  }

  /** Forgets this request's GET responses, so the next read goes to the cache or upstream again. */
  forget(): void {
    this.memo.clear();
  }

  /**
   * One record from a `{"data": record}` endpoint (every REST upstream here but JobCloser); null
   * for the statuses that mean "not this tenant's record" (404, and 403 for ARTISAN).
   */
  protected async getOne<T>(
    route: string,
    path: string,
    answer: ResponseSchema<{ data: T }>,
    options: { notFound?: readonly number[]; ttlMs?: number } = {},
  ): Promise<T | null> {
    const request: UpstreamRequest = { method: "GET", path, route };
    const response = await this.send(request, options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {});
    if ((options.notFound ?? [404]).includes(response.status)) return null;
    if (response.status !== 200)
      throw this.unexpected(request, response, upstreamErrorMessage(response.body));
    return this.parseResponse(answer, response, request).data;
  }

  /**
   * Records at positions [offset, offset + limit) of a page-numbered list (ARTISAN, CleverInvo):
   * the window is mapped to the fewest page requests (usually one, by choosing the page size),
   * sent concurrently.
   */
  protected async pageNumberWindow<T, P>(
    list: { route: string; answer: ResponseSchema<P>; sizeParam: string; maxPerPage: number },
    read: (page: P) => { records: T[]; total: number },
    query: Record<string, string | undefined>,
    offset: number,
    limit: number,
  ): Promise<StreamPage<T>> {
    const plans = planPageRequests(offset, limit, list.maxPerPage);
    const pages = await Promise.all(
      plans.map(async (plan) => {
        const request: UpstreamRequest = {
          method: "GET",
          path: list.route,
          route: list.route,
          query: { ...query, page: plan.page, [list.sizeParam]: plan.perPage },
        };
        const response = await this.send(request);
        if (response.status !== 200)
          throw this.unexpected(request, response, upstreamErrorMessage(response.body));
        const page = read(this.parseResponse(list.answer, response, request));
        return { records: page.records.slice(plan.skip, plan.skip + plan.take), total: page.total };
      }),
    );
    return { records: pages.flatMap((page) => page.records), total: pages[0]?.total ?? 0 };
  }

  /**
   * Page `page` of an unfiltered page-numbered list at the largest page size, from the upstream
   * (change feeds walk whole lists with it). Its cached answer is dropped first, and the fresh one
   * is left for normal traffic: a list window at the same position asks for the very same URL
   * (filters, which would come first, are absent).
   */
  protected async freshNumberedPage<T, P>(
    list: { route: string; answer: ResponseSchema<P>; sizeParam: string; maxPerPage: number },
    read: (page: P) => NumberedListPage<T>,
    page: number,
  ): Promise<NumberedListPage<T>> {
    const request: UpstreamRequest = {
      method: "GET",
      path: list.route,
      route: list.route,
      query: { page, [list.sizeParam]: list.maxPerPage },
    };
    this.invalidate(`${request.path}${buildQueryString(request.query)}`);
    const response = await this.send(request);
    if (response.status !== 200)
      throw this.unexpected(request, response, upstreamErrorMessage(response.body));
    return read(this.parseResponse(list.answer, response, request));
  }

  /** Drops this tenant's cached GETs below `pathPrefix` (after a write). */
  invalidate(pathPrefix = ""): void {
    this.memo.clear();
    this.http.invalidate(this.target, pathPrefix);
  }
}

/**
 * The zod schema of a GET answer's body, remembering what it parsed from each body. The HTTP
 * layer's cache answers every GraphQL request with the very same response while it holds it (and
 * a request's identical GETs share one), and an answer identical to the last one for its URL comes
 * with the same parsed body (ParsedBodies), so a read is checked once instead of once per request;
 * the checked value goes when the body does (a WeakMap). Build one per endpoint, at module level:
 * zod also compiles a schema on its first parse.
 */
export class ResponseSchema<T> {
  private readonly byBody = new WeakMap<object, T>();

  constructor(readonly schema: zod.ZodType<T>) {}

  /** `parse(schema)` the first time this body is seen; what it returned every time after. */
  parsed(response: UpstreamResponse, parse: (schema: zod.ZodType<T>) => T): T {
    const body = response.body;
    if (typeof body !== "object" || body === null) return parse(this.schema);
    const known = this.byBody.get(body);
    if (known !== undefined) return known;
    const value = parse(this.schema);
    this.byBody.set(body, value);
    return value;
  }
}

/**
 * `map` remembered per upstream record object. Records of a parsed response are the same objects
 * in every request that reads it (ResponseSchema), so each is mapped once, not once per request
 * (or, for a list scanned once per parent, once per parent). Unified records are therefore shared
 * between requests, like the parsed records behind them: never mutate either.
 */
export function mappedOnce<R extends object, T>(map: (record: R) => T): (record: R) => T {
  const mapped = new WeakMap<R, T>();
  return (record) => {
    const known = mapped.get(record);
    if (known !== undefined) return known;
    const value = map(record);
    mapped.set(record, value);
    return value;
  };
}

/**
 * As `mappedOnce`, for a mapper that also takes a setting of the tenant (an account currency):
 * remembered per record and setting, so a changed setting maps again.
 */
export function mappedOncePer<R extends object, S, T>(
  map: (record: R, setting: S) => T,
): (record: R, setting: S) => T {
  const mapped = new WeakMap<R, Map<S, T>>();
  return (record, setting) => {
    let bySetting = mapped.get(record);
    if (!bySetting) {
      bySetting = new Map();
      mapped.set(record, bySetting);
    }
    const known = bySetting.get(setting);
    if (known !== undefined) return known;
    const value = map(record, setting);
    bySetting.set(setting, value);
    return value;
  };
}

/** Missing-key marker for DataLoader batch functions: an Error per key the upstream does not have. */
export class RecordNotFound extends Error {
  constructor(
    readonly source: SourceId,
    readonly type: string,
    readonly id: string,
  ) {
    super(`${type} ${id} not found in ${source}`);
    this.name = "RecordNotFound";
  }
}

/**
 * A per-request by-id DataLoader for an upstream without batch endpoints: each distinct id is one
 * concurrent GET; results come back in key order, a RecordNotFound for each id the upstream lacks
 * and the upstream's error for each failed GET (DataLoader's rule: one result or Error per key).
 */
export function byIdLoader<T>(
  source: SourceId,
  type: string,
  get: (id: string) => Promise<T | null>,
): DataLoader<string, T> {
  return new DataLoader<string, T>((ids) =>
    Promise.all(
      ids.map((id) =>
        get(id).then(
          (record) => record ?? new RecordNotFound(source, type, id),
          (error: Error) => error,
        ),
      ),
    ),
  );
}

/** The upstream's own error text: `{"error": "..."}` or `{"error": {"message": "..."}}` bodies. */
export function upstreamErrorMessage(body: unknown): string | undefined {
  if (!body || typeof body !== "object" || !("error" in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error === "string") return error;
  if (error && typeof error === "object" && "message" in error)
    return String((error as { message: unknown }).message);
  return undefined;
}
