import { BadInputError, type SourceId, UpstreamError, type UpstreamErrorCode } from "../errors.js";

/**
 * Cursor paging over one or several upstream lists.
 *
 * Each upstream list is a `SourceStream`: records in the upstream's own order, fetched by
 * position (offset + count, whatever the upstream's paging scheme). A page of a cross-source list
 * is a k-way merge of the streams' heads; its cursor records how far each stream has been
 * consumed. Resuming from a cursor therefore yields every record exactly once, in a deterministic
 * order, even though no upstream can page by another upstream's cursor. Streams whose upstream
 * cannot filter the way the client asked carry an `accept` predicate and are scanned in full pages.
 */

export interface StreamPage<T> {
  /** Records at positions offset, offset+1, ... in the upstream's order. */
  records: T[];
  /** Total number of records in the upstream list (matching its upstream-side filters). */
  total: number;
}

/** An upstream list addressed by position: offset/limit and page-numbered upstreams. */
export interface SourceStream<T> {
  source: SourceId;
  kind?: "offset";
  fetch(offset: number, limit: number): Promise<StreamPage<T>>;
  /** Gateway-side filter for what the upstream cannot filter itself. */
  accept?: (record: T) => boolean;
  /** The upstream's largest page, used for gateway-side filtered scans. */
  maxPageSize: number;
}

/**
 * Where a cursor-paged upstream list stands: the upstream's own cursor of a page start (null for
 * the first page) and how many records of that page are behind us.
 */
export interface CursorPosition {
  c: string | null;
  s: number;
}

/** Records read from a cursor-paged list, the position after each, and whether the list ends with them. */
export interface CursorRead<T> {
  records: T[];
  after: CursorPosition[];
  done: boolean;
}

/** An upstream list that can only be walked with its own opaque cursors (CleanEstimate Pro). */
export interface CursorStream<T> {
  source: SourceId;
  kind: "cursor";
  /** Up to `limit` records from `from` on, the position after each, and whether the list ends with them. */
  fetchFrom(from: CursorPosition, limit: number): Promise<CursorRead<T>>;
  /**
   * The same read, leaving out records it can tell `accept` would reject, without building them
   * (a job's invoices, when the upstream can only list every invoice); `end` is where the stretch
   * read ends. Paging uses it when a stream has it.
   */
  fetchMatching?(from: CursorPosition, limit: number): Promise<CursorRead<T> & { end: CursorPosition }>;
  accept?: (record: T) => boolean;
  maxPageSize: number;
}

export type ListStream<T> = SourceStream<T> | CursorStream<T>;

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Null when it cannot be known without scanning (gateway-side filters) or a source failed. */
  totalCount: number | null;
  /** Sources that failed; the page holds what the others returned. */
  errors: UpstreamError[];
}

/**
 * Every source of a list failed. It is the first failure (same code, source and message, so the
 * list field is null with that error) and carries all of them in `failures`, so the resolver can
 * report each source's failure, not only the first.
 */
export class AllSourcesFailedError extends UpstreamError {
  constructor(
    first: UpstreamError,
    /** Every source's failure, `first` included. */
    readonly failures: readonly UpstreamError[],
  ) {
    const { upstreamStatus, retryAfterSeconds } = first.extensions as {
      upstreamStatus?: number;
      retryAfterSeconds?: number;
    };
    super(first.upstream, first.code as UpstreamErrorCode, first.message, {
      ...(upstreamStatus !== undefined ? { status: upstreamStatus } : {}),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
  }
}

type Position = number | CursorPosition;
type Offsets = Partial<Record<SourceId, Position>>;

function isCursorPosition(value: unknown): value is CursorPosition {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const { c, s, ...rest } = value as Record<string, unknown>;
  return (
    Object.keys(rest).length === 0 &&
    (c === null || (typeof c === "string" && c.length > 0 && c.length <= 1024)) &&
    typeof s === "number" &&
    Number.isSafeInteger(s) &&
    s >= 0
  );
}

const CURSOR_PREFIX = "c1:";

export function encodeCursor(offsets: Offsets): string {
  return Buffer.from(`${CURSOR_PREFIX}${JSON.stringify(offsets)}`, "utf8").toString("base64url");
}

/**
 * An edge whose cursor is encoded when first read: most queries select `nodes` and at most the
 * end cursor, so encoding one per record would be wasted. Positions are never changed in place, so
 * the snapshot stays what it was when the record was taken.
 */
function edgeAt<T>(node: T, positions: Offsets): Edge<T> {
  let cursor: string | undefined;
  return {
    node,
    get cursor() {
      cursor ??= encodeCursor(positions);
      return cursor;
    },
  };
}

export function decodeCursor(cursor: string, sources: readonly SourceId[]): Offsets {
  const invalid = () =>
    new BadInputError(
      `Invalid cursor "${cursor.slice(0, 64)}": use a cursor from this list's edges.`,
      "after",
    );
  let text: string;
  try {
    text = Buffer.from(cursor, "base64url").toString("utf8");
  } catch {
    throw invalid();
  }
  if (!text.startsWith(CURSOR_PREFIX)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(CURSOR_PREFIX.length));
  } catch {
    throw invalid();
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw invalid();
  const offsets: Offsets = {};
  for (const [source, offset] of Object.entries(parsed)) {
    if (!sources.includes(source as SourceId)) throw invalid();
    const isOffset = typeof offset === "number" && Number.isSafeInteger(offset) && offset >= 0;
    if (!isOffset && !isCursorPosition(offset)) throw invalid();
    offsets[source as SourceId] = offset as Position;
  }
  return offsets;
}

interface StreamState<T> {
  stream: ListStream<T>;
  /** Position after the last record handed out. */
  consumed: Position;
  /** Position of the next record to fetch. */
  fetched: Position;
  buffer: Array<{ record: T; after: Position }>;
  total: number | null;
  exhausted: boolean;
  error: UpstreamError | null;
}

export interface PaginateOptions<T> {
  first: number;
  after: string | null | undefined;
  /** Merge order across sources: negative when `a` comes first. */
  compare: (a: T, b: T) => number;
  /** All sources a cursor of this list may name (for cursor validation). */
  cursorSources: readonly SourceId[];
}

async function refill<T>(state: StreamState<T>, want: number): Promise<void> {
  const { stream } = state;
  const limit = stream.accept ? Math.max(want, stream.maxPageSize) : want;
  const keep = (record: T) => !stream.accept || stream.accept(record);
  try {
    if (stream.kind === "cursor") {
      const from = state.fetched as CursorPosition;
      const matching = stream.fetchMatching ? await stream.fetchMatching(from, limit) : null;
      const page = matching ?? (await stream.fetchFrom(from, limit));
      page.records.forEach((record, index) => {
        const after = page.after[index];
        if (after && keep(record)) state.buffer.push({ record, after });
      });
      const end = matching?.end ?? page.after.at(-1) ?? from;
      state.fetched = end;
      // Cursor-paged upstreams do not tell how many records they hold.
      state.total = null;
      // A read that moved nothing forward is the end, whatever the upstream says.
      state.exhausted = page.done || (end.c === from.c && end.s === from.s);
      return;
    }
    const from = state.fetched as number;
    const page = await stream.fetch(from, limit);
    page.records.forEach((record, index) => {
      if (keep(record)) state.buffer.push({ record, after: from + index + 1 });
    });
    state.fetched = from + page.records.length;
    state.total = page.total;
    // A short page is not the end while the total says more follow (an upstream may cap its pages
    // below `limit`); an empty one is, whatever the total claims.
    state.exhausted = from + page.records.length >= page.total || page.records.length === 0;
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    state.error = error;
    state.exhausted = true;
    state.buffer = [];
  }
}

function startOf<T>(stream: ListStream<T>, saved: Position | undefined, invalid: () => Error): Position {
  if (stream.kind === "cursor") {
    if (saved === undefined) return { c: null, s: 0 };
    if (typeof saved === "number") throw invalid();
    return saved;
  }
  if (saved === undefined) return 0;
  if (typeof saved !== "number") throw invalid();
  return saved;
}

/** One page of the merged list. Throws when every source failed; otherwise reports failures in `errors`. */
export async function paginate<T>(streams: ListStream<T>[], options: PaginateOptions<T>): Promise<Page<T>> {
  const offsets = options.after ? decodeCursor(options.after, options.cursorSources) : {};
  const mismatch = () =>
    new BadInputError(
      `Invalid cursor "${options.after?.slice(0, 64)}": use a cursor from this list's edges.`,
      "after",
    );
  const states: StreamState<T>[] = streams.map((stream) => {
    const start = startOf(stream, offsets[stream.source], mismatch);
    return {
      stream,
      consumed: start,
      fetched: start,
      buffer: [],
      total: null,
      exhausted: false,
      error: null,
    };
  });
  const positionsNow = () => {
    const current: Offsets = { ...offsets };
    for (const state of states) current[state.stream.source] = state.consumed;
    return current;
  };

  const edges: Edge<T>[] = [];
  if (options.first > 0) {
    // Every stream may supply the whole page, so each is asked for `first` records up front, in parallel.
    await Promise.all(states.map((state) => refill(state, options.first)));
    while (edges.length < options.first) {
      // Every live stream must show its head before the merge can pick one. A filtered stream may
      // scan a whole page without a match, so refill until it has one or runs out: picking another
      // stream's head meanwhile would put records out of merge order.
      let starving = states.filter((state) => state.buffer.length === 0 && !state.exhausted);
      while (starving.length > 0) {
        await Promise.all(starving.map((state) => refill(state, options.first - edges.length)));
        starving = states.filter((state) => state.buffer.length === 0 && !state.exhausted);
      }
      let best: StreamState<T> | null = null;
      for (const state of states) {
        const head = state.buffer[0];
        if (!head) continue;
        const bestHead = best?.buffer[0];
        if (!bestHead || options.compare(head.record, bestHead.record) < 0) best = state;
      }
      const taken = best?.buffer.shift();
      if (!best || !taken) break;
      best.consumed = taken.after;
      edges.push(edgeAt(taken.record, positionsNow()));
    }
  } else {
    // `first: 0` still answers totalCount and hasNextPage: one probe record per source.
    await Promise.all(states.map((state) => refill(state, 1)));
  }

  // A filtered stream with nothing buffered may still hold matches further on: look before answering.
  // hasNextPage must be true only when a record follows: scan on until one matches or the list ends.
  const isUnsure = (state: StreamState<T>) =>
    Boolean(state.stream.accept) && state.buffer.length === 0 && !state.exhausted;
  for (let unsure = states.filter(isUnsure); unsure.length > 0; unsure = states.filter(isUnsure)) {
    await Promise.all(unsure.map((state) => refill(state, 1)));
  }

  const failed = states.filter((state) => state.error);
  if (states.length > 0 && failed.length === states.length) {
    const errors = failed
      .map((state) => state.error)
      .filter((error): error is UpstreamError => error !== null);
    const [first] = errors;
    if (!first) throw new Error("unreachable: failed sources without an error");
    throw errors.length > 1 ? new AllSourcesFailedError(first, errors) : first;
  }
  const live = states.filter((state) => !state.error);
  const exactTotal =
    failed.length === 0 && live.every((state) => !state.stream.accept && state.total !== null);
  return {
    edges,
    hasNextPage: live.some((state) => state.buffer.length > 0 || !state.exhausted),
    hasPreviousPage: Object.values(offsets).some((offset) =>
      typeof offset === "number" ? offset > 0 : offset.c !== null || offset.s > 0,
    ),
    totalCount: exactTotal ? live.reduce((sum, state) => sum + (state.total ?? 0), 0) : null,
    errors: failed.map((state) => state.error).filter((error): error is UpstreamError => error !== null),
  };
}

/**
 * Plans the upstream page requests that cover positions [offset, offset + limit) of a
 * page-numbered list (`page` from 1, `per_page` up to `maxPerPage`): the fewest requests (one
 * whenever some page size lets a single page hold the whole window), and among plans with that many
 * requests the smallest `per_page`, which transfers the fewest records. Plans are in page order and
 * do not overlap, so concatenating each page's `records.slice(skip, skip + take)` yields the window.
 */
export function planPageRequests(
  offset: number,
  limit: number,
  maxPerPage: number,
): Array<{ page: number; perPage: number; skip: number; take: number }> {
  if (limit <= 0) return [];
  const last = offset + limit - 1;
  // Full-size pages are not always fewest: [9, 21) needs 3 pages of 10 but 2 of 7 (7-13, 14-20).
  let perPage = maxPerPage;
  let fewest = Number.POSITIVE_INFINITY;
  for (let size = 1; size <= maxPerPage; size++) {
    const count = Math.floor(last / size) - Math.floor(offset / size) + 1;
    if (count < fewest) {
      fewest = count;
      perPage = size;
    }
  }
  const plans: Array<{ page: number; perPage: number; skip: number; take: number }> = [];
  for (let page = Math.floor(offset / perPage); page <= Math.floor(last / perPage); page++) {
    const pageStart = page * perPage;
    const skip = Math.max(0, offset - pageStart);
    const take = Math.min(perPage - skip, offset + limit - (pageStart + skip));
    plans.push({ page: page + 1, perPage, skip, take });
  }
  return plans;
}

/** One page of a page-numbered upstream list (ARTISAN, CleverInvo). */
export interface NumberedListPage<R> {
  records: R[];
  total: number;
  lastPage: number;
}

/**
 * How many reads `readWholeList` makes of a list at most. Pages are positions: a record created,
 * deleted or moved between two page requests shifts the pages after it, so a record shows twice
 * or not at all, and a record missing by accident would read as deleted by a change detector.
 */
const WHOLE_LIST_READS = 2;

/**
 * Every record of a page-numbered list: page 1, then the remaining pages at once (the sooner they
 * are all read, the less the list can move meanwhile). A read is consistent when every page
 * reports the same total and the distinct records number that total; otherwise the list is read
 * again. Returns how many upstream requests it took.
 */
export async function readWholeList<R extends { id: string | number }>(
  source: SourceId,
  route: string,
  readPage: (page: number) => Promise<NumberedListPage<R>>,
): Promise<{ records: R[]; requests: number }> {
  let requests = 0;
  const read = (page: number) => {
    requests++;
    return readPage(page);
  };
  for (let attempt = 1; attempt <= WHOLE_LIST_READS; attempt++) {
    const first = await read(1);
    const rest = await Promise.all(
      Array.from({ length: Math.max(0, first.lastPage - 1) }, (_, index) => read(index + 2)),
    );
    const byId = new Map<string | number, R>();
    for (const page of [first, ...rest]) {
      for (const record of page.records) if (!byId.has(record.id)) byId.set(record.id, record);
    }
    if (rest.every((page) => page.total === first.total) && byId.size === first.total) {
      return { records: [...byId.values()], requests };
    }
  }
  throw new UpstreamError(
    source,
    "UPSTREAM_ERROR",
    `${source} GET ${route} changed while it was being read, ${WHOLE_LIST_READS} times in a row: no consistent snapshot of the list`,
  );
}
