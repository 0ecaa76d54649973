import { UpstreamError } from "../../errors.js";
import type { ChangeFeed } from "../../events/types.js";
import type { UnifiedNode } from "../unified.js";
import type { CleverInvoClient, NumberedPage } from "./client.js";
import { toUnifiedCustomer, toUnifiedInvoice } from "./mappers.js";

/**
 * Change feeds of CleverInvo, which has no webhooks: each snapshot reads a whole list at
 * `limit=100` (the reference's maximum), mapped as the read path maps list records. Pages are
 * read from the upstream, never from the cross-request cache (see `CleverInvoClient.freshPage`).
 * The client list holds active clients only, as on the read path: a soft-deleted client leaves it.
 */

/** Path prefixes of cached GETs a change can make stale: what the matching writes drop (`writes.ts`). */
const STALE = {
  // Invoices embed their client's name and e-mail.
  Customer: ["/clients", "/invoices"],
  // Invoice lists, details and PDFs (`/invoices/:id/pdf`).
  Invoice: ["/invoices"],
} as const;

/**
 * How many reads a snapshot makes of a list at most: one that moved meanwhile is read again. Pages
 * are positions: a record created or deleted (soft-deleted clients leave the list) between two page
 * requests shifts the pages after it, so a record shows twice or not at all, and a record missing
 * by accident would read as deleted.
 */
const MAX_READS = 2;

type Snapshot = Awaited<ReturnType<ChangeFeed["snapshot"]>>;
type PageReader<R> = (page: number) => Promise<NumberedPage<R>>;

export function cleverInvoChangeFeeds(client: CleverInvoClient): ChangeFeed[] {
  const feed = <R extends { id: string }>(
    nodeType: keyof typeof STALE,
    route: string,
    page: PageReader<R>,
    map: (record: R) => UnifiedNode,
  ): ChangeFeed => ({
    nodeType,
    stale: [...STALE[nodeType]],
    async snapshot(): Promise<Snapshot> {
      // Each snapshot reads like a new request: nothing this client memoised before is reused.
      client.forget();
      const { records, requests } = await readWholeList(route, page);
      return { records: records.map(map), requests };
    },
  });
  return [
    feed("Customer", "/clients", (page) => client.clientsPage(page), toUnifiedCustomer),
    feed("Invoice", "/invoices", (page) => client.invoicesPage(page), toUnifiedInvoice),
  ];
}

/**
 * Every record of a list: page 1, then the remaining pages at once (the sooner they are all read,
 * the less the list can move meanwhile). A read is consistent when every page reports the same
 * total and the distinct records number that total; otherwise the list is read again.
 */
async function readWholeList<R extends { id: string }>(
  route: string,
  readPage: PageReader<R>,
): Promise<{ records: R[]; requests: number }> {
  let requests = 0;
  const read = (page: number) => {
    requests++;
    return readPage(page);
  };
  for (let attempt = 1; attempt <= MAX_READS; attempt++) {
    const first = await read(1);
    const rest = await Promise.all(
      Array.from({ length: Math.max(0, first.lastPage - 1) }, (_, index) => read(index + 2)),
    );
    const byId = new Map<string, R>();
    for (const page of [first, ...rest]) {
      for (const record of page.records) if (!byId.has(record.id)) byId.set(record.id, record);
    }
    if (rest.every((page) => page.total === first.total) && byId.size === first.total) {
      return { records: [...byId.values()], requests };
    }
  }
  throw new UpstreamError(
    "cleverinvo",
    "UPSTREAM_ERROR",
    `cleverinvo GET ${route} changed while it was being read, ${MAX_READS} times in a row: no consistent snapshot of the list`,
  );
}
