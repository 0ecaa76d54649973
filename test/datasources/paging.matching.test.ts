import { describe, expect, it } from "vitest";
import {
  type CursorPosition,
  type CursorRead,
  type CursorStream,
  decodeCursor,
  encodeCursor,
  type Page,
  paginate,
} from "../../src/datasources/paging.js";
import type { SourceId } from "../../src/errors.js";

/**
 * Cursor streams with `fetchMatching`: a source that leaves out what its `accept` rejects before
 * building it (CleanEstimate Pro's invoices of one job) must page exactly like the same source
 * filtered by the engine: same records, same cursors, same upstream requests.
 */

interface Rec {
  n: number;
  /** The parent the record belongs to (a job's invoices). */
  parent: string;
}

const SOURCE: SourceId = "cleanestimate";
const token = (index: number) => Buffer.from(`at:${index}`).toString("base64url");
const start = (cursor: string | null) =>
  cursor === null ? 0 : Number(Buffer.from(cursor, "base64url").toString().slice(3));

/** A cursor-paged upstream of `data` in pages of `pageSize`; `matching` adds `fetchMatching`. */
function stream(
  data: Rec[],
  options: { pageSize: number; parent: string; matching: boolean },
): CursorStream<Rec> & { calls: Array<[string | null, number]>; built: number[] } {
  const calls: Array<[string | null, number]> = [];
  /** Records handed to the engine (what a real source would have mapped). */
  const built: number[] = [];
  const read = (from: CursorPosition, limit: number): CursorRead<Rec> => {
    const upstreamLimit = Math.min(options.pageSize, from.s + limit);
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
  };
  const mine = (record: Rec) => record.parent === options.parent;
  return {
    source: SOURCE,
    kind: "cursor",
    calls,
    built,
    maxPageSize: options.pageSize,
    accept: mine,
    async fetchFrom(from, limit) {
      const page = read(from, limit);
      built.push(...page.records.map((record) => record.n));
      return page;
    },
    ...(options.matching
      ? {
          async fetchMatching(from: CursorPosition, limit: number) {
            const page = read(from, limit);
            const kept = page.records.flatMap((record, index) => {
              const after = page.after[index];
              return after && mine(record) ? [{ record, after }] : [];
            });
            built.push(...kept.map(({ record }) => record.n));
            return {
              records: kept.map(({ record }) => record),
              after: kept.map(({ after }) => after),
              done: page.done,
              end: page.after.at(-1) ?? from,
            };
          },
        }
      : {}),
  };
}

/** 23 records; job-a owns 0, 1, 7, 15, 16 and 22: whole upstream pages of 4 hold none of them. */
const DATA: Rec[] = Array.from({ length: 23 }, (_, n) => ({
  n,
  parent: [0, 1, 7, 15, 16, 22].includes(n) ? "job-a" : `job-${n % 3}`,
}));

async function pageAll(matching: boolean, first: number) {
  const pages: Array<Page<Rec>> = [];
  const calls: Array<[string | null, number]> = [];
  const built: number[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const source = stream(DATA, { pageSize: 4, parent: "job-a", matching });
    const page: Page<Rec> = await paginate([source], {
      first,
      after,
      compare: (a, b) => a.n - b.n,
      cursorSources: [SOURCE],
    });
    pages.push(page);
    calls.push(...source.calls);
    built.push(...source.built);
    if (!page.hasNextPage) break;
    after = page.edges.at(-1)?.cursor ?? null;
  }
  return {
    pages: pages.map((page) => ({
      nodes: page.edges.map((edge) => edge.node.n),
      cursors: page.edges.map((edge) => edge.cursor),
      hasNextPage: page.hasNextPage,
      totalCount: page.totalCount,
    })),
    calls,
    built,
  };
}

describe("fetchMatching", () => {
  it.each([1, 2, 4, 6, 25])("pages %i at a time exactly as the engine's own filter does", async (first) => {
    const filtered = await pageAll(false, first);
    const matching = await pageAll(true, first);
    expect(matching.pages).toEqual(filtered.pages);
    expect(matching.pages.flatMap((page) => page.nodes)).toEqual([0, 1, 7, 15, 16, 22]);
    expect(matching.pages.every((page) => page.totalCount === null)).toBe(true);
    // The same upstream requests, but only the parent's own records built.
    expect(matching.calls).toEqual(filtered.calls);
    expect(new Set(matching.built)).toEqual(new Set([0, 1, 7, 15, 16, 22]));
    expect(filtered.built.length).toBeGreaterThan(matching.built.length);
  });

  it("reads on through whole pages without a match, and stops at the list's end", async () => {
    const source = stream(DATA, { pageSize: 4, parent: "job-a", matching: true });
    const page = await paginate([source], {
      first: 3,
      after: encodeCursor({ [SOURCE]: { c: token(1), s: 1 } }),
      compare: (a, b) => a.n - b.n,
      cursorSources: [SOURCE],
    });
    expect(page.edges.map((edge) => edge.node.n)).toEqual([7, 15, 16]);
    expect(page.hasNextPage).toBe(true);
    // From record 2 (the upstream page from 1, one consumed): 1-4 (none left), 5-8 (7), 9-12 (none),
    // 13-16 (15, 16), then 17-20 (none) and 21-22 (22) to learn that a record follows.
    expect(source.calls).toEqual([
      [token(1), 4],
      [token(5), 4],
      [token(9), 4],
      [token(13), 4],
      [token(17), 4],
      [token(21), 4],
    ]);
    // 16 ends its upstream page: the position after it is the next page's cursor.
    expect(decodeCursor(page.edges.at(-1)?.cursor ?? "", [SOURCE])).toEqual({
      [SOURCE]: { c: token(17), s: 0 },
    });
  });

  it("ends a list whose read does not move forward instead of reading it again", async () => {
    const stuck: CursorStream<Rec> & { reads: number } = {
      source: SOURCE,
      kind: "cursor",
      reads: 0,
      maxPageSize: 4,
      accept: () => true,
      async fetchFrom() {
        throw new Error("fetchMatching is used when a stream has it");
      },
      async fetchMatching(from) {
        stuck.reads++;
        return { records: [], after: [], done: false, end: from };
      },
    };
    const page = await paginate([stuck], {
      first: 5,
      after: null,
      compare: (a, b) => a.n - b.n,
      cursorSources: [SOURCE],
    });
    expect(page.edges).toEqual([]);
    expect(page.hasNextPage).toBe(false);
    expect(stuck.reads).toBe(1);
  });
});

describe("edge cursors", () => {
  it("are the positions after each record, the same string at every read", async () => {
    const source = stream(DATA, { pageSize: 4, parent: "job-a", matching: true });
    const page = await paginate([source], {
      first: 2,
      after: null,
      compare: (a, b) => a.n - b.n,
      cursorSources: [SOURCE],
    });
    const [first, second] = page.edges;
    expect(first?.cursor).toBe(encodeCursor({ [SOURCE]: { c: null, s: 1 } }));
    expect(first?.cursor).toBe(first?.cursor);
    expect(second?.cursor).toBe(encodeCursor({ [SOURCE]: { c: null, s: 2 } }));
  });
});
