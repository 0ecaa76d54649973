import { UpstreamError } from "../../errors.js";
import type { ChangeFeed } from "../../events/types.js";
import { type NumberedListPage, readWholeList } from "../paging.js";
import type { UnifiedNode } from "../unified.js";
import type { ArtisanClient } from "./client.js";
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

type PageReader<R> = (page: number) => Promise<NumberedListPage<R>>;

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
    const { records, requests } = await readWholeList("artisan", route, page);
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
        readWholeList("artisan", "/invoices", (page) => client.invoicesPage(page)),
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
