import { UpstreamError } from "../../errors.js";
import type { ChangeFeed } from "../../events/types.js";
import type { UnifiedNode } from "../unified.js";
import type { ArtisanClient, NumberedPage } from "./client.js";
import {
  toUnifiedCompany,
  toUnifiedCustomer,
  toUnifiedInvoice,
  toUnifiedJob,
  toUnifiedSiteVisit,
} from "./mappers.js";

/**
 * Change feeds of Check-in ARTISAN, which has no webhooks: each snapshot reads a whole list at
 * `per_page=100` (the reference's maximum), mapped as the read path maps list records. Pages are
 * read from the upstream, never from the cross-request cache (see `ArtisanClient.freshPage`).
 */

/** Path prefixes of cached GETs a change can make stale: what the matching writes drop (`writes.ts`). */
const STALE = {
  // Job, site visit and invoice details embed the customer's name.
  Customer: ["/customers", "/jobs", "/site-visits", "/invoices"],
  // Customer details list their jobs; visit details embed the job title; deletes cascade to visits.
  Job: ["/jobs", "/site-visits", "/customers"],
  // Job details count their site visits.
  SiteVisit: ["/site-visits", "/jobs"],
  Invoice: ["/invoices"],
} as const satisfies Record<ChangeFeed["nodeType"], readonly string[]>;

/**
 * How many reads a snapshot makes of a list at most: one that moved meanwhile is read again. Pages
 * are positions: a record created, deleted or moved (a rescheduled site visit) between two page
 * requests shifts the pages after it, so a record shows twice or not at all, and a record missing
 * by accident would read as deleted.
 */
const MAX_READS = 2;

type PageReader<R> = (page: number) => Promise<NumberedPage<R>>;

type Snapshot = Awaited<ReturnType<ChangeFeed["snapshot"]>>;

export function artisanChangeFeeds(client: ArtisanClient, profileTtlMs: number): ChangeFeed[] {
  const feed = (nodeType: ChangeFeed["nodeType"], read: () => Promise<Snapshot>): ChangeFeed => ({
    nodeType,
    stale: [...STALE[nodeType]],
    snapshot: () => {
      // Each snapshot reads like a new request: nothing this client memoised before is reused.
      client.forget();
      return read();
    },
  });
  const mapped = async <R extends { id: number }>(
    route: string,
    page: PageReader<R>,
    map: (record: R) => UnifiedNode,
  ): Promise<Snapshot> => {
    const { records, requests } = await readWholeList(route, page);
    return { records: records.map(map), requests };
  };

  return [
    feed("Customer", () => mapped("/customers", (page) => client.customersPage(page), toUnifiedCustomer)),
    feed("Job", () => mapped("/jobs", (page) => client.jobsPage(page), toUnifiedJob)),
    feed("SiteVisit", () =>
      mapped("/site-visits", (page) => client.siteVisitsPage(page), toUnifiedSiteVisit),
    ),
    feed("Invoice", async () => {
      // Amounts are in the company currency: the profile, cached for `profileTtlMs` as on the read
      // path, costs a request only when that cache has to be refilled.
      const [profile, list] = await Promise.all([
        client.upstreamRequestsOn("/company", () => client.getCompany(profileTtlMs)),
        readWholeList("/invoices", (page) => client.invoicesPage(page)),
      ]);
      if (!profile.value) {
        throw new UpstreamError(
          "artisan",
          "UPSTREAM_ERROR",
          "artisan GET /company found no company for this token",
        );
      }
      const { currency } = toUnifiedCompany(profile.value);
      return {
        records: list.records.map((record) => toUnifiedInvoice(record, currency)),
        requests: list.requests + profile.requests,
      };
    }),
  ];
}

/**
 * Every record of a list: page 1, then the remaining pages at once (the sooner they are all read,
 * the less the list can move meanwhile). A read is consistent when every page reports the same
 * total and the distinct records number that total; otherwise the list is read again.
 */
async function readWholeList<R extends { id: number }>(
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
    const byId = new Map<number, R>();
    for (const page of [first, ...rest]) {
      for (const record of page.records) if (!byId.has(record.id)) byId.set(record.id, record);
    }
    if (rest.every((page) => page.total === first.total) && byId.size === first.total) {
      return { records: [...byId.values()], requests };
    }
  }
  throw new UpstreamError(
    "artisan",
    "UPSTREAM_ERROR",
    `artisan GET ${route} changed while it was being read, ${MAX_READS} times in a row: no consistent snapshot of the list`,
  );
}
