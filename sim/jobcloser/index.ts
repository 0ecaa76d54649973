import { type SimRequest, type SimResponse, type SimRoute, SimServer } from "../core/server.js";
import { Simulator } from "../core/simulator.js";
import {
  endpoint,
  type Handler,
  type JobCloserWorld,
  MESSAGES,
  methodNotAllowed,
  notFound,
  rateLimited,
  serverError,
} from "./http.js";
import {
  getAccount,
  getApplication,
  getAsset,
  getCompany,
  getCrew,
  getCustomer,
  getEmployee,
  getEvent,
  getInvoice,
  getJob,
  getLineItems,
  getLocation,
  getProduct,
  getVendor,
  listApplications,
  listAssets,
  listCrews,
  listCustomers,
  listEmployees,
  listEvents,
  listInvoices,
  listJobs,
  listLocations,
  listProducts,
  listVendors,
  productsForJob,
  signIn,
  zapierSignIn,
} from "./reads.js";
import { seedCompany } from "./seed.js";
import type { JobCloserCompanySpec, JobCloserCompanyState, JobCloserRecordKinds } from "./types.js";
import {
  createApplication,
  createApplicationBatch,
  createCustomer,
  createLead,
  deleteApplication,
  editApplication,
  fetchImage,
  uploadImageViaByteArray,
  uploadImageViaUrl,
} from "./writes.js";

/**
 * HTTP simulator of the JobCloser API (/work/shared/upstreams/jobcloser.md): several seeded
 * companies in one database with no tenant isolation, sign-in by email/password or Zapier key,
 * the "Enable API Access" switch, every read and write endpoint, and the `{Success, Message,
 * Result}` envelope on HTTP 200 for every handled request.
 */

export {
  attachmentUrl,
  DEFAULT_SIZE as JOBCLOSER_DEFAULT_SIZE,
  JOBCLOSER_DOMAIN_ID,
  PULSES_PER_GALLON,
  RUNTIME_MINUTES_PER_PERCENT,
  seedCompany,
} from "./seed.js";
export type * from "./types.js";
export { EVENT_STATUSES, INVOICE_STATUSES, JOB_STATUSES, PAYMENT_METHODS } from "./types.js";
export { MAX_IMAGE_BYTES } from "./writes.js";

export const JOBCLOSER_BASE_PATH = "/api";

/** The documented demo login (`/api/account/signin?email=demo@jobcloser.com&password=password`). */
export const JOBCLOSER_DEMO_USER = { email: "demo@jobcloser.com", password: "password" } as const;

/** The documented Zapier key, on the demo company. */
export const JOBCLOSER_DEMO_ZAPIER_KEY = "A11121AF-66D3-4476-958C-92308EAD4B55";

/** Documented IDs: the demo company and the demo account answer the documented example URLs. */
export const JOBCLOSER_DEMO_COMPANY_ID = "5940991380dda460c1b3b6492bb759";
export const JOBCLOSER_DEMO_ACCOUNT_ID = "206437027606fc87c2b3fa4162ac43";

/** A pest-control and pressure-washing business in Birmingham, Alabama (Central time). */
export const JOBCLOSER_DEMO_COMPANY: JobCloserCompanySpec = {
  seed: 4,
  id: JOBCLOSER_DEMO_COMPANY_ID,
  name: "Magic City Pest & Pressure Wash",
  shortName: "Magic City",
  region: "birmingham",
  users: [{ ...JOBCLOSER_DEMO_USER, firstName: "Demo", lastName: "User", id: JOBCLOSER_DEMO_ACCOUNT_ID }],
  zapierKey: JOBCLOSER_DEMO_ZAPIER_KEY,
};

export const JOBCLOSER_OTHER_USER = {
  email: "owner@peachtreepest.example.com",
  password: "Peachtree#2026",
} as const;
export const JOBCLOSER_OTHER_ZAPIER_KEY = "3F2B8C1D-7E4A-4B9C-A1D2-5C6E7F8A9B0C";

/** A second company (Atlanta, Eastern time) in the same database, for isolation tests. */
export const JOBCLOSER_OTHER_COMPANY: JobCloserCompanySpec = {
  seed: 5,
  name: "Peachtree Pest Control",
  shortName: "Peachtree Pest",
  region: "atlanta",
  users: [{ ...JOBCLOSER_OTHER_USER, firstName: "Dana", lastName: "Whitfield" }],
  zapierKey: JOBCLOSER_OTHER_ZAPIER_KEY,
};

export interface JobCloserSimOptions {
  /** Default: the demo company and the other company. */
  companies?: JobCloserCompanySpec[];
  faultSeed?: number;
  /** Clock for write timestamps (default: real time). Seed data uses SEED_ANCHOR. */
  now?: () => Date;
  /** Downloads `uploadimageviaurl` images; default: fetch (2xx, ≤ 10 MB, 10 s). */
  downloadImage?: (url: string) => Promise<Uint8Array | null>;
}

export class JobCloserSim extends Simulator {
  constructor(
    server: SimServer,
    /** Live state by company ID; tests assert against it (and may edit it). */
    readonly companies: Map<string, JobCloserCompanyState>,
  ) {
    super("jobcloser", server, JOBCLOSER_BASE_PATH);
  }

  /** The state of a company by ID, or of the company seeded from a spec. */
  company(which: string | JobCloserCompanySpec = JOBCLOSER_DEMO_COMPANY): JobCloserCompanyState {
    if (typeof which === "string") {
      const state = this.companies.get(which);
      if (!state) throw new Error(`jobcloser simulator: no company ${which}`);
      return state;
    }
    for (const state of this.companies.values()) {
      if (state.spec === which || (state.spec.seed === which.seed && state.spec.name === which.name))
        return state;
    }
    throw new Error(`jobcloser simulator: no company seeded from ${which.name}`);
  }
}

const RECORD_KINDS: ReadonlyArray<keyof JobCloserRecordKinds> = [
  "accounts",
  "locations",
  "customers",
  "attachments",
  "jobs",
  "jobItems",
  "events",
  "chemicalApplications",
  "products",
  "crews",
  "employees",
  "invoices",
  "trackableAssets",
  "vendors",
];

/** One database: IDs, account e-mails and Zapier keys are unique across companies. */
function checkUnique(companies: Iterable<JobCloserCompanyState>): void {
  const ids = new Set<string>();
  const emails = new Set<string>();
  const keys = new Set<string>();
  const claim = (set: Set<string>, value: string, what: string) => {
    if (set.has(value)) throw new Error(`jobcloser simulator: duplicate ${what} ${value}`);
    set.add(value);
  };
  for (const state of companies) {
    claim(ids, state.company.Id, "company id");
    if (state.zapierKey !== null) claim(keys, state.zapierKey.toLowerCase(), "Zapier key");
    for (const account of state.accounts.values())
      claim(emails, account.Email.toLowerCase(), "account e-mail");
    for (const kind of RECORD_KINDS) {
      for (const id of (state[kind] as Map<string, unknown>).keys()) claim(ids, id, "record id");
    }
  }
}

export function createJobCloserSim(options: JobCloserSimOptions = {}): JobCloserSim {
  const specs = options.companies ?? [JOBCLOSER_DEMO_COMPANY, JOBCLOSER_OTHER_COMPANY];
  const companies = new Map<string, JobCloserCompanyState>();
  for (const spec of specs) {
    const state = seedCompany(spec);
    if (companies.has(state.company.Id))
      throw new Error(`jobcloser simulator: duplicate company id ${state.company.Id}`);
    companies.set(state.company.Id, state);
  }
  checkUnique(companies.values());

  const download = options.downloadImage ?? fetchImage;
  const world: JobCloserWorld = {
    companies,
    now: options.now ?? (() => new Date()),
    downloadImage: async (url) => {
      const bytes = await download(url);
      return bytes ? Buffer.from(bytes) : null;
    },
  };

  const route = (
    method: SimRoute["method"],
    path: string,
    handler: Handler,
    successMessage: string = MESSAGES.success,
  ): SimRoute => ({
    method,
    pattern: `${JOBCLOSER_BASE_PATH}${path}`,
    handler: endpoint(world, handler, successMessage),
  });

  const routes: SimRoute[] = [
    route("GET", "/account/signin", signIn, MESSAGES.signInSuccess),
    route("GET", "/account/get", getAccount),
    route("GET", "/companies/get", getCompany),
    route("GET", "/jobs/getall", listJobs),
    route("GET", "/jobs/get", getJob),
    route("GET", "/jobs/getlineitems", getLineItems),
    route("GET", "/customers/getall", listCustomers),
    route("GET", "/customers/get", getCustomer),
    route("GET", "/events/getall", listEvents),
    route("GET", "/events/get", getEvent),
    route("GET", "/products/getall", listProducts),
    route("GET", "/products/get", getProduct),
    route("GET", "/products/getforjob", productsForJob),
    route("GET", "/chemicalapplicationlocations/getall", listApplications),
    route("GET", "/chemicalapplicationlocations/get", getApplication),
    route("POST", "/chemicalapplicationlocations/create", createApplication),
    route("POST", "/chemicalapplicationlocations/createbatch", createApplicationBatch),
    route("PUT", "/chemicalapplicationlocations/create", editApplication),
    route("GET", "/chemicalapplicationlocations/delete", deleteApplication),
    route("GET", "/chemicalapplicationlocations/uploadimageviaurl", uploadImageViaUrl),
    route("POST", "/chemicalapplicationlocations/uploadimageviabytearray", uploadImageViaByteArray),
    route("GET", "/crews/getall", listCrews),
    route("GET", "/crews/get", getCrew),
    route("GET", "/employees/getall", listEmployees),
    route("GET", "/employees/get", getEmployee),
    route("GET", "/invoices/getall", listInvoices),
    route("GET", "/invoices/get", getInvoice),
    route("GET", "/locations/getall", listLocations),
    route("GET", "/locations/get", getLocation),
    route("GET", "/trackableassets/getall", listAssets),
    route("GET", "/trackableassets/get", getAsset),
    route("GET", "/vendors/getall", listVendors),
    route("GET", "/vendors/get", getVendor),
    route("GET", "/zapier/signin", zapierSignIn),
    route("POST", "/zapier/createlead", createLead),
    route("POST", "/zapier/createcustomer", createCustomer),
  ];

  const allowed = (path: string): string[] =>
    routes
      .filter((candidate) => candidate.pattern === path || `${candidate.pattern}/` === path)
      .map((candidate) => candidate.method);

  const server = new SimServer({
    name: "jobcloser",
    routes,
    notFound,
    methodNotAllowed: (req: SimRequest): SimResponse => methodNotAllowed(req, allowed(req.path)),
    serverError,
    rateLimited,
    faultSeed: options.faultSeed,
  });
  return new JobCloserSim(server, companies);
}
