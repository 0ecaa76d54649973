/**
 * Check-in ARTISAN simulator (artisan.md): companies with seeded data, one id sequence per resource
 * across all companies (one database), token-scoped tenancy, Laravel throttle and validation.
 */
import { FixedWindowLimiter } from "../core/rateLimit.js";
import { type SimRequest, type SimResponse, type SimRoute, SimServer } from "../core/server.js";
import { Simulator } from "../core/simulator.js";
import { type ArtisanWorld, methodNotAllowed, notFound, serverError, tooManyAttempts } from "./http.js";
import { companyRoutes } from "./routes/company.js";
import { customerRoutes } from "./routes/customers.js";
import { invoiceRoutes } from "./routes/invoices.js";
import { jobRoutes } from "./routes/jobs.js";
import { siteVisitRoutes } from "./routes/siteVisits.js";
import { seedCompany } from "./seed.js";
import type { ArtisanCompanySpec, ArtisanCompanyState, ArtisanIdSequences } from "./types.js";

export { DEFAULT_SIZE as ARTISAN_DEFAULT_SIZE } from "./seed.js";
export type * from "./types.js";

/** Sanctum-style `<token id>|<40 alphanumerics>`. */
export const ARTISAN_DEMO_TOKEN = "7|Xb9kQ2mT4vLr8WnP3sYhJ6cZ1aFd5GqE0uKiBoNx";

export const ARTISAN_DEMO_COMPANY: ArtisanCompanySpec = {
  slug: "swift-plumbing",
  name: "Swift Plumbing & Co.",
  seed: 2,
  tokens: [ARTISAN_DEMO_TOKEN],
  timezone: "Europe/Paris",
  currency: "EUR",
  locale: "fr",
  plan: "pro",
};

/** The reference's limit: 60 requests per minute per token. */
export const ARTISAN_RATE_LIMIT = { limit: 60, windowMs: 60_000 } as const;

export interface ArtisanSimOptions {
  companies?: ArtisanCompanySpec[];
  rateLimit?: { limit: number; windowMs: number };
  faultSeed?: number;
  /** Clock for writes and the throttle window (default: real time). Seed data uses SEED_ANCHOR. */
  now?: () => Date;
}

const ROUTE_BASE = "/api/v1";

export class ArtisanSim extends Simulator {
  constructor(
    server: SimServer,
    /** Live state by company slug. */
    readonly companies: Map<string, ArtisanCompanyState>,
    /** The throttle; tests may `reset()` it or change `settings`. */
    readonly limiter: FixedWindowLimiter,
  ) {
    super("artisan", server, ROUTE_BASE);
  }

  /** The state of the company a token belongs to. */
  companyOf(token: string): ArtisanCompanyState | undefined {
    for (const company of this.companies.values()) if (company.spec.tokens.includes(token)) return company;
    return undefined;
  }
}

/** `Allow` lists the methods a matched path supports, as Laravel's MethodNotAllowedHttpException does. */
function allowHeader(routes: readonly SimRoute[], path: string): string {
  const methods: string[] = routes
    .filter((route) => new RegExp(`^${route.pattern.replace(/\{\w+\}/g, "[^/]+")}/?$`).test(path))
    .map((route) => route.method);
  if (methods.includes("GET")) methods.splice(methods.indexOf("GET") + 1, 0, "HEAD");
  return methods.join(", ");
}

export function createArtisanSim(options: ArtisanSimOptions = {}): ArtisanSim {
  const specs = options.companies ?? [ARTISAN_DEMO_COMPANY];
  const now = options.now ?? (() => new Date());
  const ids: ArtisanIdSequences = {
    customer: 0,
    job: 0,
    siteVisit: 0,
    invoice: 0,
    invoiceLine: 0,
    jobType: 0,
    teamMember: 0,
    item: 0,
  };
  const companies = new Map<string, ArtisanCompanyState>();
  const tokens = new Map<string, ArtisanCompanyState>();
  for (const spec of specs) {
    if (companies.has(spec.slug)) throw new Error(`artisan simulator: duplicate company slug ${spec.slug}`);
    const state = seedCompany(spec, ids);
    companies.set(spec.slug, state);
    for (const token of spec.tokens) {
      if (tokens.has(token)) throw new Error(`artisan simulator: token used by two companies: ${token}`);
      tokens.set(token, state);
    }
  }

  const limiter = new FixedWindowLimiter(
    { ...(options.rateLimit ?? ARTISAN_RATE_LIMIT), aligned: false },
    () => now().getTime(),
  );
  const world: ArtisanWorld = { companies, tokens, ids, now, limiter };
  const routes: SimRoute[] = [
    ...companyRoutes(world),
    ...customerRoutes(world),
    ...jobRoutes(world),
    ...siteVisitRoutes(world),
    ...invoiceRoutes(world),
  ];

  const server = new SimServer({
    name: "artisan",
    routes,
    faultSeed: options.faultSeed,
    notFound: () => notFound(),
    methodNotAllowed: (req: SimRequest): SimResponse => ({
      ...methodNotAllowed(),
      headers: { Allow: allowHeader(routes, req.path) },
    }),
    serverError,
    // An injected 429 looks like a real one for a fresh, exhausted window.
    rateLimited: () => {
      const nowMs = now().getTime();
      const { limit, windowMs } = limiter.settings;
      return tooManyAttempts({ allowed: false, limit, remaining: 0, resetAtMs: nowMs + windowMs }, nowMs);
    },
  });
  return new ArtisanSim(server, companies, limiter);
}
