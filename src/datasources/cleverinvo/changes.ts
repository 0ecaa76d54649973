import type { ChangeFeed } from "../../events/types.js";
import { type NumberedListPage, readWholeList } from "../paging.js";
import type { UnifiedNode } from "../unified.js";
import type { CleverInvoClient } from "./client.js";
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

type Snapshot = Awaited<ReturnType<ChangeFeed["snapshot"]>>;
type PageReader<R> = (page: number) => Promise<NumberedListPage<R>>;

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
      const { records, requests } = await readWholeList("cleverinvo", route, page);
      return { records: records.map(map), requests };
    },
  });
  return [
    feed("Customer", "/clients", (page) => client.clientsPage(page), toUnifiedCustomer),
    feed("Invoice", "/invoices", (page) => client.invoicesPage(page), toUnifiedInvoice),
  ];
}
