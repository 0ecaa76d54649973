import type { ChangeFeed } from "../../events/types.js";
import type { JobCloserClient } from "./client.js";
import { toUnifiedCustomer, toUnifiedInvoice, toUnifiedJob } from "./mappers.js";

/**
 * Change feeds of JobCloser, which has no webhooks: each snapshot is one unpaginated `getall`,
 * read fresh (not from the session's list snapshots nor the cross-request cache) and kept to the
 * signed-in company's records, mapped as the read path maps them. Calendar events (site visits)
 * and chemical applications are listed per job only, one request per job: they have no feed.
 */

/**
 * Path prefixes of cached GETs a change can make stale. JobCloser's API writes none of these
 * records but customers (whose creation drops `/customers/getall`); a detected change can be any
 * edit, so the record's details and the details that embed it go too.
 */
const STALE = {
  // Customer lists (every filter, leads too) and details; job details embed their customer.
  Customer: ["/customers", "/jobs/get"],
  // Job lists, details and line items; customer details list their jobs; a job's products follow its items.
  Job: ["/jobs", "/customers/get", "/products/getforjob"],
  // Invoice lists and details; customer details embed invoices and payments, job details invoices.
  Invoice: ["/invoices", "/customers/get", "/jobs/get"],
} as const;

export function jobCloserChangeFeeds(client: JobCloserClient, currency: string): ChangeFeed[] {
  return [
    {
      nodeType: "Customer",
      stale: [...STALE.Customer],
      async snapshot() {
        const { records, requests } = await client.freshCustomers();
        return { records: records.map(toUnifiedCustomer), requests };
      },
    },
    {
      nodeType: "Job",
      stale: [...STALE.Job],
      async snapshot() {
        const { records, requests } = await client.freshJobs();
        return { records: records.map((job) => toUnifiedJob(job, currency)), requests };
      },
    },
    {
      nodeType: "Invoice",
      stale: [...STALE.Invoice],
      async snapshot() {
        const { records, requests } = await client.freshInvoices();
        return { records: records.map((invoice) => toUnifiedInvoice(invoice, currency)), requests };
      },
    },
  ];
}
