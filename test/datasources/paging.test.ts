import { describe, expect, it } from "vitest";
import {
  AllSourcesFailedError,
  type CursorPosition,
  type CursorStream,
  decodeCursor,
  encodeCursor,
  type ListStream,
  type Page,
  type PaginateOptions,
  paginate,
  planPageRequests,
  type SourceStream,
  type StreamPage,
} from "../../src/datasources/paging.js";
import { BadInputError, type SourceId, UpstreamError } from "../../src/errors.js";

/** A record of the merged list: `at` orders it across sources, `n` is its position in its source. */
interface Rec {
  source: SourceId;
  n: number;
  at: number;
}

interface ArrayStream extends SourceStream<Rec> {
  /** Every `fetch(offset, limit)` this stream received. */
  calls: Array<[number, number]>;
}

function records(source: SourceId, ats: number[]): Rec[] {
  return ats.map((at, n) => ({ source, n, at }));
}

/** An in-memory upstream list: `fetch` returns `data.slice(offset, offset + limit)` and the total. */
function arrayStream(
  source: SourceId,
  data: Rec[],
  options: { accept?: (record: Rec) => boolean; maxPageSize?: number; fail?: UpstreamError } = {},
): ArrayStream {
  const calls: Array<[number, number]> = [];
  const maxPageSize = options.maxPageSize ?? 100;
  return {
    source,
    calls,
    maxPageSize,
    ...(options.accept ? { accept: options.accept } : {}),
    async fetch(offset: number, limit: number): Promise<StreamPage<Rec>> {
      calls.push([offset, limit]);
      if (options.fail) throw options.fail;
      return { records: data.slice(offset, offset + Math.min(limit, maxPageSize)), total: data.length };
    },
  };
}

const byAt = (a: Rec, b: Rec) => a.at - b.at || a.source.localeCompare(b.source);
const SOURCES: SourceId[] = ["cleanitall", "artisan"];

function options(first: number, after: string | null = null): PaginateOptions<Rec> {
  return { first, after, compare: byAt, cursorSources: SOURCES };
}

const key = (record: Rec) => `${record.source}#${record.n}`;
const keys = (page: Page<Rec>) => page.edges.map((edge) => key(edge.node));

/** Pages through the whole list `first` at a time (streams rebuilt per page, as per request). */
async function pageAll(
  build: () => SourceStream<Rec>[],
  first: number,
): Promise<{ pages: Array<Page<Rec>>; all: Rec[] }> {
  const pages: Array<Page<Rec>> = [];
  let after: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const page: Page<Rec> = await paginate(build(), options(first, after));
    pages.push(page);
    if (!page.hasNextPage) break;
    after = page.edges.at(-1)?.cursor ?? null;
    expect(after, "a page with a next page has edges").not.toBeNull();
  }
  return { pages, all: pages.flatMap((page) => page.edges.map((edge) => edge.node)) };
}

// Two interleaving sources with ties (at 5 and 9 on both sides) and a run of one source.
const CLEANITALL = records("cleanitall", [1, 3, 5, 7, 9, 11, 12, 13, 20, 21]);
const ARTISAN = records("artisan", [2, 5, 6, 9, 14, 15, 16]);
const MERGED = [...CLEANITALL, ...ARTISAN].sort(byAt);

describe("cursor encoding", () => {
  it("round-trips offsets", () => {
    const cursor = encodeCursor({ cleanitall: 3, artisan: 0 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, SOURCES)).toEqual({ cleanitall: 3, artisan: 0 });
    expect(decodeCursor(encodeCursor({}), SOURCES)).toEqual({});
  });

  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64url");
  const bad: Array<[string, string]> = [
    ["garbage", "not a cursor!!"],
    ["empty", ""],
    ["no prefix", b64('{"cleanitall":1}')],
    ["wrong version", b64('c2:{"cleanitall":1}')],
    ["bad JSON", b64("c1:{cleanitall:1")],
    ["array", b64("c1:[1,2]")],
    ["null", b64("c1:null")],
    ["number", b64("c1:5")],
    ["negative offset", b64('c1:{"cleanitall":-1}')],
    ["fractional offset", b64('c1:{"cleanitall":1.5}')],
    ["string offset", b64('c1:{"cleanitall":"1"}')],
    ["huge offset", b64('c1:{"cleanitall":1e300}')],
    ["unknown source", b64('c1:{"jobcloser":1}')],
    ["__proto__", b64('c1:{"__proto__":1}')],
    ["tampered", `${encodeCursor({ cleanitall: 3 }).slice(0, -2)}zz`],
  ];
  it.each(bad)("%s cursor -> BAD_USER_INPUT naming `after`", (_name, cursor) => {
    let caught: unknown;
    try {
      decodeCursor(cursor, SOURCES);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BadInputError);
    const error = caught as BadInputError;
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.extensions).toEqual({ code: "BAD_USER_INPUT", argument: "after" });
    expect(error.message).toBe(
      `Invalid cursor "${cursor.slice(0, 64)}": use a cursor from this list's edges.`,
    );
  });

  it("the message quotes at most 64 characters of a long cursor", () => {
    const long = "x".repeat(500);
    expect(() => decodeCursor(long, SOURCES)).toThrow(`Invalid cursor "${"x".repeat(64)}": use a cursor`);
  });
});

describe("paginate: merging two sources", () => {
  it("first page: the merge order, cursors, hasNextPage, totalCount and one fetch per source", async () => {
    const cleanitall = arrayStream("cleanitall", CLEANITALL);
    const artisan = arrayStream("artisan", ARTISAN);
    const page = await paginate([cleanitall, artisan], options(5));
    expect(keys(page)).toEqual(["cleanitall#0", "artisan#0", "cleanitall#1", "artisan#1", "cleanitall#2"]);
    expect(page.edges.map((edge) => edge.node.at)).toEqual([1, 2, 3, 5, 5]);
    expect(page.edges.map((edge) => decodeCursor(edge.cursor, SOURCES))).toEqual([
      { cleanitall: 1, artisan: 0 },
      { cleanitall: 1, artisan: 1 },
      { cleanitall: 2, artisan: 1 },
      { cleanitall: 2, artisan: 2 },
      { cleanitall: 3, artisan: 2 },
    ]);
    expect(page.hasNextPage).toBe(true);
    expect(page.hasPreviousPage).toBe(false);
    expect(page.totalCount).toBe(17);
    expect(page.errors).toEqual([]);
    expect(cleanitall.calls).toEqual([[0, 5]]);
    expect(artisan.calls).toEqual([[0, 5]]);
  });

  it.each([1, 2, 3, 4, 5, 7, 16, 17, 18, 50])(
    "paging to the end %i at a time yields every record exactly once, in merge order",
    async (first) => {
      let fetches = 0;
      const build = () => {
        const streams = [arrayStream("cleanitall", CLEANITALL), arrayStream("artisan", ARTISAN)];
        return streams.map((stream) => ({
          ...stream,
          fetch: (offset: number, limit: number) => {
            fetches++;
            return stream.fetch(offset, limit);
          },
        }));
      };
      const { pages, all } = await pageAll(build, first);
      expect(all.map(key)).toEqual(MERGED.map(key));
      expect(pages).toHaveLength(Math.max(1, Math.ceil(MERGED.length / first)));
      // Unfiltered: every page asks each source exactly once.
      expect(fetches).toBe(2 * pages.length);
      for (const [index, page] of pages.entries()) {
        expect(page.totalCount).toBe(17);
        expect(page.hasPreviousPage).toBe(index > 0);
        expect(page.hasNextPage).toBe(index < pages.length - 1);
        expect(page.edges.length).toBe(index < pages.length - 1 ? first : MERGED.length - first * index);
      }
    },
  );

  it("a cursor from the middle of one page resumes exactly after its edge", async () => {
    const first = await paginate(
      [arrayStream("cleanitall", CLEANITALL), arrayStream("artisan", ARTISAN)],
      options(6),
    );
    const cleanitall = arrayStream("cleanitall", CLEANITALL);
    const artisan = arrayStream("artisan", ARTISAN);
    const cursor = first.edges[2]?.cursor ?? null;
    const resumed = await paginate([cleanitall, artisan], options(4, cursor));
    expect(keys(resumed)).toEqual(MERGED.slice(3, 7).map(key));
    expect(resumed.hasPreviousPage).toBe(true);
    expect(resumed.hasNextPage).toBe(true);
    // cursor = { cleanitall: 2, artisan: 1 }: each source is asked from its own offset.
    expect(cleanitall.calls).toEqual([[2, 4]]);
    expect(artisan.calls).toEqual([[1, 4]]);
  });

  it("the last page's cursor gives an empty page", async () => {
    const { pages } = await pageAll(
      () => [arrayStream("cleanitall", CLEANITALL), arrayStream("artisan", ARTISAN)],
      17,
    );
    expect(pages).toHaveLength(1);
    const end = pages[0]?.edges.at(-1)?.cursor ?? null;
    expect(decodeCursor(end ?? "", SOURCES)).toEqual({ cleanitall: 10, artisan: 7 });
    const after = await paginate(
      [arrayStream("cleanitall", CLEANITALL), arrayStream("artisan", ARTISAN)],
      options(5, end),
    );
    expect(after).toEqual({
      edges: [],
      hasNextPage: false,
      hasPreviousPage: true,
      totalCount: 17,
      errors: [],
    });
  });

  it("a cursor keeps the offsets of sources absent from this request (a source:-filtered list)", async () => {
    const cursor = encodeCursor({ cleanitall: 2, artisan: 4 });
    const page = await paginate([arrayStream("artisan", ARTISAN)], options(1, cursor));
    expect(keys(page)).toEqual(["artisan#4"]);
    expect(decodeCursor(page.edges[0]?.cursor ?? "", SOURCES)).toEqual({ cleanitall: 2, artisan: 5 });
  });

  it("empty sources: no edges, totalCount 0, no next page", async () => {
    const page = await paginate([arrayStream("cleanitall", []), arrayStream("artisan", [])], options(10));
    expect(page).toEqual({
      edges: [],
      hasNextPage: false,
      hasPreviousPage: false,
      totalCount: 0,
      errors: [],
    });
  });

  it("a source whose upstream pages are smaller than `first` is refilled as it drains", async () => {
    const cleanitall = arrayStream("cleanitall", CLEANITALL, { maxPageSize: 3 });
    const artisan = arrayStream("artisan", ARTISAN);
    const page = await paginate([cleanitall, artisan], options(10));
    expect(keys(page)).toEqual(MERGED.slice(0, 10).map(key));
    expect(page.totalCount).toBe(17);
    // 3 records (1, 3, 5) last five edges; then it is asked for the 5 the page still needs.
    expect(cleanitall.calls).toEqual([
      [0, 10],
      [3, 5],
    ]);
    expect(artisan.calls).toEqual([[0, 10]]);
  });

  it("first: 0 answers totalCount and hasNextPage with one probe per source", async () => {
    const cleanitall = arrayStream("cleanitall", CLEANITALL);
    const artisan = arrayStream("artisan", ARTISAN);
    const page = await paginate([cleanitall, artisan], options(0));
    expect(page).toEqual({
      edges: [],
      hasNextPage: true,
      hasPreviousPage: false,
      totalCount: 17,
      errors: [],
    });
    expect(cleanitall.calls).toEqual([[0, 1]]);
    expect(artisan.calls).toEqual([[0, 1]]);

    const empty = await paginate([arrayStream("cleanitall", [])], options(0));
    expect(empty).toEqual({
      edges: [],
      hasNextPage: false,
      hasPreviousPage: false,
      totalCount: 0,
      errors: [],
    });
  });

  it("first: 0 after the end: no next page", async () => {
    const page = await paginate(
      [arrayStream("cleanitall", CLEANITALL), arrayStream("artisan", ARTISAN)],
      options(0, encodeCursor({ cleanitall: 10, artisan: 7 })),
    );
    expect(page).toEqual({
      edges: [],
      hasNextPage: false,
      hasPreviousPage: true,
      totalCount: 17,
      errors: [],
    });
  });
});

describe("paginate: a gateway-side filter (accept)", () => {
  // cleanitall keeps only odd `at`: 1, 3, 5, 7, 9, 11, 13, 21 of 10 records.
  const odd = (record: Rec) => record.at % 2 === 1;
  const ACCEPTED = [...CLEANITALL.filter(odd), ...ARTISAN].sort(byAt);

  it.each([1, 2, 3, 5, 8, 15, 30])(
    "pages %i at a time: every accepted record once, in order",
    async (first) => {
      const { pages, all } = await pageAll(
        () => [
          arrayStream("cleanitall", CLEANITALL, { accept: odd, maxPageSize: 4 }),
          arrayStream("artisan", ARTISAN),
        ],
        first,
      );
      expect(all.map(key)).toEqual(ACCEPTED.map(key));
      for (const page of pages) expect(page.totalCount).toBeNull();
    },
  );

  it("scans in full upstream pages", async () => {
    const cleanitall = arrayStream("cleanitall", CLEANITALL, { accept: odd, maxPageSize: 4 });
    const page = await paginate([cleanitall], options(2));
    expect(keys(page)).toEqual(["cleanitall#0", "cleanitall#1"]);
    expect(cleanitall.calls).toEqual([[0, 4]]);
    expect(page.totalCount).toBeNull();
    expect(page.hasNextPage).toBe(true);
    // Resumes after the last accepted record, not after the scanned page.
    expect(decodeCursor(page.edges[1]?.cursor ?? "", SOURCES)).toEqual({ cleanitall: 2 });
  });

  it("keeps merge order when a scanned page holds no match", async () => {
    // cleanitall's first 8 records (two upstream pages) are all rejected; its first match (at 3)
    // precedes artisan's 4+.
    const cleanitall = arrayStream("cleanitall", records("cleanitall", [0, 0, 0, 0, 0, 0, 0, 0, 3, 8]), {
      accept: (record) => record.at > 0,
      maxPageSize: 4,
    });
    const artisan = arrayStream("artisan", records("artisan", [4, 5, 6]));
    const page = await paginate([cleanitall, artisan], options(3));
    expect(page.edges.map((edge) => `${edge.node.source}@${edge.node.at}`)).toEqual([
      "cleanitall@3",
      "artisan@4",
      "artisan@5",
    ]);
    expect(cleanitall.calls).toEqual([
      [0, 4],
      [4, 4],
      [8, 4],
    ]);
  });

  it("a filter that rejects everything: empty page, no next page once the scan ends", async () => {
    const cleanitall = arrayStream("cleanitall", CLEANITALL, { accept: () => false, maxPageSize: 4 });
    const page = await paginate([cleanitall], options(3));
    expect(page).toEqual({
      edges: [],
      hasNextPage: false,
      hasPreviousPage: false,
      totalCount: null,
      errors: [],
    });
    expect(cleanitall.calls).toEqual([
      [0, 4],
      [4, 4],
      [8, 4],
    ]);
  });

  it("first: 0 probes a filtered stream for a match: totalCount null", async () => {
    const cleanitall = arrayStream("cleanitall", CLEANITALL, { accept: odd, maxPageSize: 4 });
    const page = await paginate([cleanitall], options(0));
    expect(page).toEqual({
      edges: [],
      hasNextPage: true,
      hasPreviousPage: false,
      totalCount: null,
      errors: [],
    });
    expect(cleanitall.calls).toEqual([[0, 4]]);
  });
});

describe("paginate: failing sources", () => {
  const down = () =>
    new UpstreamError("artisan", "UPSTREAM_UNAVAILABLE", "artisan GET /jobs failed: HTTP 503");

  it("a failing source: the page holds the other's records and the failure is in errors", async () => {
    const failure = down();
    const cleanitall = arrayStream("cleanitall", CLEANITALL);
    const artisan = arrayStream("artisan", ARTISAN, { fail: failure });
    const page = await paginate([cleanitall, artisan], options(4));
    expect(keys(page)).toEqual(["cleanitall#0", "cleanitall#1", "cleanitall#2", "cleanitall#3"]);
    expect(page.errors).toEqual([failure]);
    expect(page.errors[0]?.extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE", source: "artisan" });
    expect(page.totalCount).toBeNull();
    expect(page.hasNextPage).toBe(true);
    expect(artisan.calls).toEqual([[0, 4]]);
    // The failed source keeps its offset in the cursor, so the next page retries it from there.
    expect(decodeCursor(page.edges[3]?.cursor ?? "", SOURCES)).toEqual({ cleanitall: 4, artisan: 0 });
  });

  it("a failure resumed from a cursor keeps the failed source's offset", async () => {
    const cursor = encodeCursor({ cleanitall: 1, artisan: 3 });
    const page = await paginate(
      [arrayStream("cleanitall", CLEANITALL), arrayStream("artisan", ARTISAN, { fail: down() })],
      options(1, cursor),
    );
    expect(decodeCursor(page.edges[0]?.cursor ?? "", SOURCES)).toEqual({ cleanitall: 2, artisan: 3 });
  });

  it("every source failing throws the first failure, carrying all of them", async () => {
    const timeout = new UpstreamError("cleanitall", "UPSTREAM_TIMEOUT", "cleanitall GET /jobs timed out");
    const limited = new UpstreamError(
      "artisan",
      "UPSTREAM_RATE_LIMITED",
      "artisan GET /jobs was rate limited",
      {
        status: 429,
        retryAfterSeconds: 30,
      },
    );
    const cleanitall = arrayStream("cleanitall", CLEANITALL, { fail: timeout });
    const artisan = arrayStream("artisan", ARTISAN, { fail: limited });
    let caught: unknown;
    try {
      await paginate([cleanitall, artisan], options(3));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AllSourcesFailedError);
    expect(caught).toBeInstanceOf(UpstreamError);
    const error = caught as AllSourcesFailedError;
    expect(error.message).toBe("cleanitall GET /jobs timed out");
    expect(error.extensions).toEqual({ code: "UPSTREAM_TIMEOUT", source: "cleanitall" });
    expect(error.failures).toEqual([timeout, limited]);
    expect(cleanitall.calls).toEqual([[0, 3]]);
    expect(artisan.calls).toEqual([[0, 3]]);

    // The first failure's details carry over.
    const reversed = await paginate(
      [
        arrayStream("artisan", ARTISAN, { fail: limited }),
        arrayStream("cleanitall", CLEANITALL, { fail: timeout }),
      ],
      options(3),
    ).catch((failure: unknown) => failure);
    expect((reversed as UpstreamError).extensions).toEqual({
      code: "UPSTREAM_RATE_LIMITED",
      source: "artisan",
      upstreamStatus: 429,
      retryAfterSeconds: 30,
    });
  });

  it("a single failing source throws its own error (first: 0 too)", async () => {
    const failure = down();
    await expect(paginate([arrayStream("artisan", ARTISAN, { fail: failure })], options(0))).rejects.toBe(
      failure,
    );
    await expect(paginate([arrayStream("artisan", ARTISAN, { fail: failure })], options(5))).rejects.toBe(
      failure,
    );
  });

  it("a non-upstream error (a bug) is not swallowed", async () => {
    const broken: SourceStream<Rec> = {
      source: "artisan",
      maxPageSize: 10,
      fetch: async () => {
        throw new TypeError("mapper bug");
      },
    };
    await expect(paginate([arrayStream("cleanitall", CLEANITALL), broken], options(3))).rejects.toThrow(
      "mapper bug",
    );
  });
});

describe("paginate: bad cursors reach no upstream", () => {
  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64url");
  it.each([
    ["garbage", "%%%"],
    ["tampered", `x${encodeCursor({ cleanitall: 1 })}`],
    ["negative offset", b64('c1:{"cleanitall":-3}')],
    ["unknown source", b64('c1:{"cleverinvo":0}')],
  ])("%s -> BAD_USER_INPUT before any fetch", async (_name, cursor) => {
    const cleanitall = arrayStream("cleanitall", CLEANITALL);
    const artisan = arrayStream("artisan", ARTISAN);
    const rejected = paginate([cleanitall, artisan], options(5, cursor));
    await expect(rejected).rejects.toBeInstanceOf(BadInputError);
    await expect(rejected).rejects.toMatchObject({
      extensions: { code: "BAD_USER_INPUT", argument: "after" },
    });
    expect(cleanitall.calls).toEqual([]);
    expect(artisan.calls).toEqual([]);
  });

  it("a cursor naming a source this list cannot have is rejected", async () => {
    const stream = arrayStream("cleanitall", CLEANITALL);
    await expect(
      paginate([stream], { ...options(2, encodeCursor({ artisan: 1 })), cursorSources: ["cleanitall"] }),
    ).rejects.toThrow(BadInputError);
    expect(stream.calls).toEqual([]);
  });
});

describe("planPageRequests", () => {
  type Plan = ReturnType<typeof planPageRequests>;

  /** Positions each plan hands out, in order. */
  const covered = (plans: Plan) =>
    plans.flatMap((plan) =>
      Array.from({ length: plan.take }, (_, index) => (plan.page - 1) * plan.perPage + plan.skip + index),
    );

  /** The fewest aligned pages (any mix of sizes up to max) that cover [offset, offset + limit). */
  function fewestRequests(offset: number, limit: number, max: number): number {
    const end = offset + limit;
    const memo = new Map<number, number>();
    const from = (position: number): number => {
      if (position >= end) return 0;
      const known = memo.get(position);
      if (known !== undefined) return known;
      let best = Number.POSITIVE_INFINITY;
      for (let size = 1; size <= max; size++) {
        best = Math.min(best, 1 + from((Math.floor(position / size) + 1) * size));
      }
      memo.set(position, best);
      return best;
    };
    return from(offset);
  }

  it("examples", () => {
    expect(planPageRequests(0, 25, 100)).toEqual([{ page: 1, perPage: 25, skip: 0, take: 25 }]);
    expect(planPageRequests(25, 25, 100)).toEqual([{ page: 2, perPage: 25, skip: 0, take: 25 }]);
    expect(planPageRequests(10, 5, 100)).toEqual([{ page: 3, perPage: 5, skip: 0, take: 5 }]);
    // 3..9 needs 7 records: 7 does not align (0-6, 7-13), 10 does (0-9).
    expect(planPageRequests(3, 7, 100)).toEqual([{ page: 1, perPage: 10, skip: 3, take: 7 }]);
    expect(planPageRequests(0, 250, 100)).toEqual([
      { page: 1, perPage: 84, skip: 0, take: 84 },
      { page: 2, perPage: 84, skip: 0, take: 84 },
      { page: 3, perPage: 84, skip: 0, take: 82 },
    ]);
    // [9, 21) with pages of at most 10: 2 pages of 7 (7-13, 14-20), not 3 pages of 10.
    expect(planPageRequests(9, 12, 10)).toEqual([
      { page: 2, perPage: 7, skip: 2, take: 5 },
      { page: 3, perPage: 7, skip: 0, take: 7 },
    ]);
    expect(planPageRequests(5, 0, 100)).toEqual([]);
  });

  it("covers exactly [offset, offset + limit) with the fewest requests, per_page <= max", () => {
    let checked = 0;
    for (const max of [1, 2, 3, 5, 7, 10, 16, 25]) {
      for (let offset = 0; offset <= 120; offset++) {
        for (let limit = 1; limit <= 3 * max + 2; limit++) {
          const plans = planPageRequests(offset, limit, max);
          const where = `offset ${offset}, limit ${limit}, max ${max}: ${JSON.stringify(plans)}`;
          expect(covered(plans), where).toEqual(Array.from({ length: limit }, (_, index) => offset + index));
          expect(plans.length, where).toBe(fewestRequests(offset, limit, max));
          for (const plan of plans) {
            expect(plan.perPage >= 1 && plan.perPage <= max, where).toBe(true);
            expect(plan.page >= 1, where).toBe(true);
            expect(plan.skip >= 0 && plan.take >= 1 && plan.skip + plan.take <= plan.perPage, where).toBe(
              true,
            );
          }
          // Pages come in order, all of one size (what the datasource concatenates).
          expect(new Set(plans.map((plan) => plan.perPage)).size, where).toBe(1);
          checked++;
        }
      }
    }
    expect(checked).toBe(26_983);
  });

  it("one request whenever a single page can hold the window", () => {
    for (let offset = 0; offset <= 300; offset++) {
      for (let limit = 1; limit <= 100; limit++) {
        const plans = planPageRequests(offset, limit, 100);
        const single = Array.from({ length: 101 - limit }, (_, index) => limit + index).some(
          (size) => Math.floor(offset / size) === Math.floor((offset + limit - 1) / size),
        );
        if (single) {
          expect(plans, `offset ${offset}, limit ${limit}`).toHaveLength(1);
          // And the smallest such page: no larger transfer than needed.
          const perPage = plans[0]?.perPage ?? 0;
          for (let size = limit; size < perPage; size++) {
            expect(Math.floor(offset / size) === Math.floor((offset + limit - 1) / size)).toBe(false);
          }
        }
      }
    }
  });
});

/**
 * An in-memory cursor-paged upstream (CleanEstimate Pro's shape): pages of at most `pageSize`
 * records, each page's `next_cursor` an opaque token; a client can only ask "from this cursor,
 * `limit` records".
 */
function cursorStream(
  source: SourceId,
  data: Rec[],
  pageSize = 100,
  accept?: (record: Rec) => boolean,
): CursorStream<Rec> & { calls: Array<[string | null, number]> } {
  const calls: Array<[string | null, number]> = [];
  const token = (index: number) => Buffer.from(`at:${index}`).toString("base64url");
  const start = (cursor: string | null) =>
    cursor === null ? 0 : Number(Buffer.from(cursor, "base64url").toString().slice(3));
  return {
    source,
    kind: "cursor",
    calls,
    maxPageSize: pageSize,
    ...(accept ? { accept } : {}),
    async fetchFrom(from: CursorPosition, limit: number) {
      // One upstream request: `min(pageSize, skip + limit)` records from the page cursor.
      const upstreamLimit = Math.min(pageSize, from.s + limit);
      calls.push([from.c, upstreamLimit]);
      const begin = start(from.c);
      const page = data.slice(begin, begin + upstreamLimit);
      const hasMore = begin + page.length < data.length;
      const nextCursor = hasMore ? token(begin + page.length) : null;
      const records = page.slice(from.s);
      const after = records.map((_, index) => {
        const inPage = from.s + index + 1;
        return inPage === page.length && nextCursor ? { c: nextCursor, s: 0 } : { c: from.c, s: inPage };
      });
      return { records, after, done: !hasMore };
    },
  };
}

describe("cursor-paged upstreams", () => {
  const estimates = records("cleanestimate", [2, 4, 5, 6, 8, 10, 14, 15, 16, 17, 18, 19, 22, 23]);

  it.each([1, 2, 3, 5, 7, 13, 40])(
    "merges a cursor-paged source with an offset source, paging to the end %i at a time",
    async (first) => {
      const build = (): ListStream<Rec>[] => [
        arrayStream("cleanitall", CLEANITALL, { maxPageSize: 4 }),
        cursorStream("cleanestimate", estimates, 4),
      ];
      const sources: SourceId[] = ["cleanitall", "cleanestimate"];
      const pages: Array<Page<Rec>> = [];
      let after: string | null = null;
      for (let guard = 0; guard < 100; guard++) {
        const page: Page<Rec> = await paginate(build(), {
          first,
          after,
          compare: byAt,
          cursorSources: sources,
        });
        pages.push(page);
        if (!page.hasNextPage) break;
        after = page.edges.at(-1)?.cursor ?? null;
      }
      const all = pages.flatMap((page) => page.edges.map((edge) => edge.node));
      const expected = [...CLEANITALL, ...estimates].sort(byAt);
      expect(all.map(key)).toEqual(expected.map(key));
      // Cursor-paged upstreams do not report a total.
      expect(pages.every((page) => page.totalCount === null)).toBe(true);
    },
  );

  it("resumes inside an upstream page from the page's cursor, skipping what was consumed", async () => {
    const stream = cursorStream("cleanestimate", estimates, 4);
    const first = await paginate([stream], {
      first: 2,
      after: null,
      compare: byAt,
      cursorSources: ["cleanestimate"],
    });
    expect(keys(first)).toEqual(["cleanestimate#0", "cleanestimate#1"]);
    const resumed = cursorStream("cleanestimate", estimates, 4);
    const second = await paginate([resumed], {
      first: 3,
      after: first.edges.at(-1)?.cursor ?? null,
      compare: byAt,
      cursorSources: ["cleanestimate"],
    });
    expect(keys(second)).toEqual(["cleanestimate#2", "cleanestimate#3", "cleanestimate#4"]);
    // The first page was fetched with limit 2, so its last edge points at the upstream's next_cursor:
    // the resumed page is one request from there.
    expect(resumed.calls).toEqual([[Buffer.from("at:2").toString("base64url"), 3]]);
    // Resuming after the second of those three records skips one record of that upstream page.
    const third = cursorStream("cleanestimate", estimates, 4);
    await paginate([third], {
      first: 2,
      after: second.edges[0]?.cursor ?? null,
      compare: byAt,
      cursorSources: ["cleanestimate"],
    });
    expect(third.calls).toEqual([[Buffer.from("at:2").toString("base64url"), 3]]);
  });

  it("filters a cursor-paged source in the gateway, scanning full pages", async () => {
    const even = (record: Rec) => record.n % 2 === 0;
    const stream = cursorStream("cleanestimate", estimates, 5, even);
    const page = await paginate([stream], {
      first: 100,
      after: null,
      compare: byAt,
      cursorSources: ["cleanestimate"],
    });
    expect(keys(page)).toEqual(estimates.filter(even).map(key));
    expect(page.totalCount).toBeNull();
    expect(stream.calls.map(([, limit]) => limit)).toEqual([5, 5, 5]);
  });

  it("refuses an offset cursor for a cursor-paged source (and the reverse) before any fetch", async () => {
    const stream = cursorStream("cleanestimate", estimates);
    const offsetCursor = encodeCursor({ cleanestimate: 3 });
    await expect(
      paginate([stream], { first: 1, after: offsetCursor, compare: byAt, cursorSources: ["cleanestimate"] }),
    ).rejects.toBeInstanceOf(BadInputError);
    const offset = arrayStream("cleanitall", CLEANITALL);
    const cursorCursor = encodeCursor({ cleanitall: { c: null, s: 1 } });
    await expect(
      paginate([offset], { first: 1, after: cursorCursor, compare: byAt, cursorSources: ["cleanitall"] }),
    ).rejects.toBeInstanceOf(BadInputError);
    expect(stream.calls).toEqual([]);
    expect(offset.calls).toEqual([]);
  });

  it.each([
    ["an extra key", { cleanestimate: { c: null, s: 1, x: 1 } }],
    ["a negative skip", { cleanestimate: { c: null, s: -1 } }],
    ["a non-string cursor", { cleanestimate: { c: 5, s: 0 } }],
    ["an empty cursor", { cleanestimate: { c: "", s: 0 } }],
  ])("refuses a cursor position with %s", (_name, positions) => {
    const cursor = Buffer.from(`c1:${JSON.stringify(positions)}`).toString("base64url");
    expect(() => decodeCursor(cursor, ["cleanestimate"])).toThrow(BadInputError);
  });
});
