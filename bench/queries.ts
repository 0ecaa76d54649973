import { z } from "zod";
import { JOBCLOSER_DEMO_COMPANY_ID } from "../sim/jobcloser/index.js";
import type { GraphQLRequest } from "./support/load.js";
import type { BenchUpstreams } from "./support/simulators.js";

/**
 * The read benchmark's fixed query set. Each query says, next to its text, the fewest upstream
 * requests the endpoints allow for it (README, "How many upstream requests a query costs", applied
 * to the upstream references) and how many upstream round trips must follow one another on its
 * critical path. Both are worked out from the simulators' seeded records and the records the answer
 * holds, so they stay exact if the seed changes; `why` is the one-line justification.
 *
 * Round trips count GraphQL's execution order: a field's upstream requests can start only once its
 * parent record is known, and independent requests at one level go out together.
 */

export interface Derived {
  value: number;
  why: string;
}

export interface BenchQuery {
  id: string;
  /** The Query field it selects (the bare-yoga baseline resolves only that one). */
  rootField: string;
  request(upstreams: BenchUpstreams): GraphQLRequest;
  /** Fewest upstream requests for one execution with a cold cache, given the answer's records. */
  minimumRequests(upstreams: BenchUpstreams, data: unknown): Derived;
  /** Sequential upstream round trips on the critical path. */
  roundTrips(upstreams: BenchUpstreams, data: unknown): Derived;
}

const ref = z.object({ source: z.string(), sourceId: z.string() });
const jobsPage = z.object({ jobs: z.object({ nodes: z.array(ref) }) });
const jobcloserCompany = (upstreams: BenchUpstreams) =>
  upstreams.jobcloser.company(JOBCLOSER_DEMO_COMPANY_ID);
const artisanCompany = (upstreams: BenchUpstreams) => {
  const company = upstreams.artisan.companies.get("swift-plumbing");
  if (!company) throw new Error("the ARTISAN simulator has no demo company");
  return company;
};
/** Offset or cursor pages of at most 100 records needed to read `records` to the end. */
const pagesFor = (records: number) => Math.max(1, Math.ceil(records / 100));
const globalId = (type: string, source: string, sourceId: string) =>
  Buffer.from(`${type}:${source}:${sourceId}`, "utf8").toString("base64url");

/** One page of one source: one list request holds it (first: 50 is within every page limit). */
function rootList(id: string, rootField: string, query: string, minimum?: Derived): BenchQuery {
  return {
    id,
    rootField,
    request: () => ({ query }),
    minimumRequests: () => minimum ?? { value: 1, why: "one list request returns the 50 records" },
    roundTrips: () => ({ value: 1, why: "one list request (any other request is independent of it)" }),
  };
}

/** `jobs(first: 50) { customer invoices }` over every source, the cost derived from the page. */
function costOfJobsPage(upstreams: BenchUpstreams, data: unknown): { requests: number; roundTrips: number } {
  const nodes = jobsPage.parse(data).jobs.nodes;
  const on = (source: string) => nodes.filter((node) => node.source === source).map((node) => node.sourceId);

  const cleanitall = upstreams.cleanitall.account();
  const cleanitallCustomers = new Set(on("CLEANITALL").map((id) => cleanitall.jobs.get(id)?.customer_id));
  const invoicesOf = (customerId: string | undefined) =>
    [...cleanitall.invoices.values()].filter((invoice) => invoice.customer_id === customerId).length;
  const cleanitallInvoicePages = [...cleanitallCustomers].map((id) => pagesFor(invoicesOf(id)));

  const cleanestimate = upstreams.cleanestimate.account().live;
  const cleanestimateJobs = on("CLEANESTIMATE");
  const cleanestimateClients = new Set(cleanestimateJobs.map((id) => cleanestimate.jobs.get(id)?.client_id));
  const cleanestimateInvoicePages = cleanestimateJobs.length > 0 ? pagesFor(cleanestimate.invoices.size) : 0;

  const jobcloser = jobcloserCompany(upstreams);
  const jobcloserJobs = on("JOBCLOSER");
  const jobcloserCustomers = [...new Set(jobcloserJobs.map((id) => jobcloser.jobs.get(id)?.CustomerId))];
  const archived = jobcloserCustomers.filter((id) => jobcloser.customers.get(id ?? "")?.Archived).length;
  const active = jobcloserCustomers.length - archived;

  const artisan = artisanCompany(upstreams);
  const artisanCustomers = new Set(on("ARTISAN").map((id) => artisan.jobs.get(Number(id))?.customer_id));

  const requests =
    // The merge needs each job source's newest 50: one list request each (CleverInvo has no jobs).
    4 +
    cleanitallCustomers.size +
    cleanitallInvoicePages.reduce((sum, pages) => sum + pages, 0) +
    cleanestimateClients.size +
    cleanestimateInvoicePages +
    // JobCloser: one customer list for the active ones (or one get for a single customer), one
    // `archived=true` list for archived ones (the default list leaves them out), one invoice list.
    (active > 0 ? 1 : 0) +
    (archived > 0 ? 1 : 0) +
    (jobcloserJobs.length > 0 ? 1 : 0) +
    artisanCustomers.size;

  // After the lists, each source's relations go out together; offset pages after the first can go
  // out together once the first has told the total, cursor pages only one after the other.
  const cleanitallDepth =
    cleanitallInvoicePages.length === 0 ? 0 : Math.max(...cleanitallInvoicePages) > 1 ? 2 : 1;
  const relationDepth = Math.max(
    cleanitallDepth,
    cleanestimateJobs.length > 0 ? Math.max(1, cleanestimateInvoicePages) : 0,
    jobcloserJobs.length > 0 ? 1 : 0,
    artisanCustomers.size > 0 ? 1 : 0,
  );
  return { requests, roundTrips: 1 + relationDepth };
}

const JOBS_PAGE_QUERY =
  "{ jobs(first: 50) { nodes { source sourceId title status customer { name } invoices { nodes { number total { amount currency } } } } } }";

const jobsAcrossSources: BenchQuery = {
  id: "jobs(first: 50) { customer invoices }, all sources",
  rootField: "jobs",
  request: () => ({ query: JOBS_PAGE_QUERY }),
  minimumRequests: (upstreams, data) => ({
    value: costOfJobsPage(upstreams, data).requests,
    why:
      "4 job lists; per distinct customer one GET (CleanItAll, CleanEstimate Pro, ARTISAN) or one list per " +
      "JobCloser kind (active, archived); invoices: CleanItAll per customer (no job filter), CleanEstimate Pro " +
      "read to the end once (status filter only), JobCloser one list, ARTISAN none (not linked to jobs)",
  }),
  roundTrips: (upstreams, data) => ({
    value: costOfJobsPage(upstreams, data).roundTrips,
    why: "the lists, then customers and invoices together; CleanEstimate Pro's invoice pages follow each other's cursor",
  }),
};

/** A CleanItAll invoice with its customer, by global id: the oldest-id invoice that has a customer. */
function nodeInvoice(upstreams: BenchUpstreams) {
  const invoice = [...upstreams.cleanitall.account().invoices.values()]
    .filter((candidate) => candidate.customer_id)
    .sort((a, b) => a.id.localeCompare(b.id))[0];
  if (!invoice) throw new Error("the CleanItAll simulator has no invoice with a customer");
  return invoice;
}

const nodeById: BenchQuery = {
  id: "node(id) { Invoice customer }, CleanItAll",
  rootField: "node",
  request: (upstreams) => ({
    query:
      "query($id: ID!) { node(id: $id) { id ... on Invoice { number status total { amount currency } customer { name email } } } }",
    variables: { id: globalId("Invoice", "cleanitall", nodeInvoice(upstreams).id) },
  }),
  minimumRequests: () => ({
    value: 2,
    why: "GET the invoice, then GET its customer (no embedding, no batch)",
  }),
  roundTrips: () => ({ value: 2, why: "the customer id is known only from the invoice" }),
};

/**
 * A JobCloser job whose crew has members and whose chemical applications name a product, with
 * invoices and line items: the deepest nested JobCloser selection. The first such job by id.
 */
function nestedJobCloserJob(upstreams: BenchUpstreams) {
  const company = jobcloserCompany(upstreams);
  const job = [...company.jobs.values()]
    .sort((a, b) => a.Id.localeCompare(b.Id))
    .find(
      (candidate) =>
        (company.crews.get(candidate.CrewId ?? "")?.EmployeeIds.length ?? 0) > 0 &&
        [...company.chemicalApplications.values()].some(
          (application) => application.JobId === candidate.Id && application.ProductId,
        ) &&
        [...company.invoices.values()].some((invoice) => invoice.JobId === candidate.Id) &&
        [...company.jobItems.values()].some((item) => item.JobId === candidate.Id),
    );
  if (!job)
    throw new Error("the JobCloser simulator has no job with a crew, applications, invoices and items");
  return job;
}

const nestedJobCloser: BenchQuery = {
  id: "job(id) { customer crew members lineItems chemicalApplications product invoices }, JobCloser",
  rootField: "job",
  request: (upstreams) => ({
    query:
      "query($id: ID!) { job(id: $id) { title status customer { name } crew { name members { name } } " +
      "lineItems { description quantity amount { amount } } " +
      "chemicalApplications { nodes { appliedAt product { name } } } invoices { nodes { number } } } }",
    variables: { id: globalId("Job", "jobcloser", nestedJobCloserJob(upstreams).Id) },
  }),
  minimumRequests: () => ({
    value: 5,
    why:
      "jobs/get (its answer fills Customer, Invoices and JobItems, jobcloser.md §4), crews, employees, " +
      "the job's chemical applications, products: one request each",
  }),
  roundTrips: () => ({
    value: 3,
    why: "the job; then crew and applications; then members and products (ids known only from those)",
  }),
};

const cleanitallJobs = rootList(
  "jobs(first: 50), CleanItAll",
  "jobs",
  "{ jobs(first: 50, source: CLEANITALL) { nodes { id title status scheduledDate price { amount currency } } } }",
);

export const COLD_QUERIES: BenchQuery[] = [
  cleanitallJobs,
  rootList(
    "estimates(first: 50), CleanEstimate Pro",
    "estimates",
    "{ estimates(first: 50, source: CLEANESTIMATE) { nodes { id status customerName total { amount currency } } } }",
  ),
  rootList(
    "customers(first: 50), JobCloser",
    "customers",
    "{ customers(first: 50, source: JOBCLOSER) { nodes { id name email phone } } }",
  ),
  rootList(
    "invoices(first: 50), ARTISAN",
    "invoices",
    "{ invoices(first: 50, source: ARTISAN) { nodes { id number status total { amount currency } } } }",
    { value: 2, why: "the invoice page, and GET /company for the currency its amounts are in (cold cache)" },
  ),
  rootList(
    "invoices(first: 50), CleverInvo",
    "invoices",
    "{ invoices(first: 50, source: CLEVERINVO) { nodes { id number status total { amount currency } } } }",
  ),
  jobsAcrossSources,
  nodeById,
  nestedJobCloser,
];

/** The same query as `jobsAcrossSources`, answered again while the cache holds every GET it needs. */
export const CACHED_QUERY: BenchQuery = {
  ...jobsAcrossSources,
  id: "cached: jobs(first: 50) { customer invoices }, repeated",
  minimumRequests: () => ({ value: 0, why: "every GET it needs was answered within the cache TTL" }),
  roundTrips: () => ({ value: 0, why: "nothing goes upstream" }),
};

/** Also answered by a hand-written graphql-yoga passthrough, the third latency floor (read.ts). */
export const PASSTHROUGH_QUERY: BenchQuery = cleanitallJobs;

/** Compared for throughput with bare graphql-yoga, on a warm cache: a nested query and a plain list. */
export const THROUGHPUT_QUERIES: BenchQuery[] = [jobsAcrossSources, cleanitallJobs];
