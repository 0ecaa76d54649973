import DataLoader from "dataloader";
import type { z } from "zod";
import { type SourceId, UpstreamError } from "../errors.js";
import type { HttpLayer, UpstreamRequest, UpstreamResponse, UpstreamTarget } from "./http.js";
import { buildQueryString } from "./http.js";

/**
 * Base of every upstream client: sends through the shared HTTP layer, de-duplicates identical
 * GETs within one GraphQL request, and parses bodies with zod so a reply that does not match the
 * reference becomes a clear UPSTREAM_ERROR instead of a wrong field further down.
 */
export abstract class RestClient {
  private readonly memo = new Map<string, Promise<UpstreamResponse>>();

  constructor(
    protected readonly http: HttpLayer,
    protected readonly target: UpstreamTarget,
  ) {}

  get source(): SourceId {
    return this.target.source;
  }

  protected send(request: UpstreamRequest, options: { ttlMs?: number } = {}): Promise<UpstreamResponse> {
    if (request.method !== "GET") return this.http.request(this.target, request, options);
    const key = `${request.path}${buildQueryString(request.query)}`;
    let response = this.memo.get(key);
    if (!response) {
      response = this.http.request(this.target, request, options);
      this.memo.set(key, response);
      response.catch(() => this.memo.delete(key));
    }
    return response;
  }

  /** Parses a body against the reference's shape; a mismatch names the first bad path. */
  protected parse<T>(schema: z.ZodType<T>, body: unknown, request: UpstreamRequest): T {
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const where = issue ? `${issue.path.join(".") || "(body)"}: ${issue.message}` : "unknown shape";
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

  /** Drops this tenant's cached GETs below `pathPrefix` (after a write). */
  invalidate(pathPrefix = ""): void {
    this.memo.clear();
    this.http.invalidate(this.target, pathPrefix);
  }
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
