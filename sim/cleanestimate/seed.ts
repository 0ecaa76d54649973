import { EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, STREET_NAMES } from "../core/names.js";
import { Rng } from "../core/rng.js";
import { DAY_MS, SEED_ANCHOR } from "../core/time.js";
import { ADDON_SLUGS, type PricingInput, priceEstimate } from "./pricing.js";
import type {
  CleanEstimateAccount,
  CleanEstimateAccountSpec,
  CleanEstimateClient,
  CleanEstimateDataSet,
  CleanEstimateDirtinessLevel,
  CleanEstimateEstimate,
  CleanEstimateEstimateStatus,
  CleanEstimateInvoice,
  CleanEstimateInvoiceStatus,
  CleanEstimateJob,
  CleanEstimateJobStatus,
  CleanEstimateLead,
  CleanEstimateLeadStatus,
  CleanEstimateLineItem,
  CleanEstimateMode,
  CleanEstimateServiceSlug,
  CleanEstimateSize,
} from "./types.js";
import { addDays, fromCents, isoMs, productToCents, toCents, uuidFrom } from "./values.js";

/**
 * Deterministic seed data for one account: each data set is drawn from one `Rng` in a fixed order,
 * relative to `SEED_ANCHOR`, so the same spec yields the same records byte for byte. A
 * pressure-washing and exterior-cleaning business around Charlotte, NC. Statuses agree with dates
 * as of the anchor; the read-time rules (estimate expiry, invoice overdue) then move records on as
 * the real (or injected) clock passes their dates.
 */

export const DEFAULT_SIZE: Required<CleanEstimateSize> = {
  leads: 200,
  clients: 250,
  estimates: 600,
  jobs: 500,
  invoices: 400,
};
export const DEFAULT_TEST_SIZE: Required<CleanEstimateSize> = {
  leads: 20,
  clients: 25,
  estimates: 60,
  jobs: 50,
  invoices: 40,
};
/** Sales reps `assigned_rep_id` points at (there is no user endpoint). */
export const REP_COUNT = 5;

const ANCHOR_MS = SEED_ANCHOR.getTime();
const ANCHOR_DATE = SEED_ANCHOR.toISOString().slice(0, 10);
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

const PLACES = [
  {
    city: "Charlotte",
    state: "NC",
    zips: ["28202", "28203", "28205", "28207", "28209", "28210", "28211", "28226", "28277"],
    area: "704",
  },
  { city: "Matthews", state: "NC", zips: ["28104", "28105"], area: "704" },
  { city: "Huntersville", state: "NC", zips: ["28078"], area: "980" },
  { city: "Cornelius", state: "NC", zips: ["28031"], area: "704" },
  { city: "Mooresville", state: "NC", zips: ["28115", "28117"], area: "704" },
  { city: "Concord", state: "NC", zips: ["28025", "28027"], area: "980" },
  { city: "Gastonia", state: "NC", zips: ["28052", "28054", "28056"], area: "704" },
  { city: "Indian Trail", state: "NC", zips: ["28079"], area: "704" },
  { city: "Fort Mill", state: "SC", zips: ["29707", "29708", "29715"], area: "803" },
  { city: "Rock Hill", state: "SC", zips: ["29730", "29732"], area: "803" },
] as const;

const BUSINESS_NAMES = [
  "Property Management",
  "HOA",
  "Realty Group",
  "Dental Care",
  "Storage Center",
  "Church",
  "Apartments",
] as const;

const LEAD_SOURCES = [
  "website",
  "website",
  "google",
  "facebook",
  "referral",
  "yelp",
  "phone",
  "api",
  "zapier",
];
const ESTIMATE_SOURCES = ["app", "app", "app", "website", "api", "zapier"];
const INTERESTS = [
  "house-wash",
  "roof-wash",
  "driveway-cleaning",
  "patio-cleaning",
  "deck-cleaning",
  "fence-cleaning",
  "gutter-brightening",
  "window-cleaning",
] as const;
const LEAD_NOTES = [
  "Requested a Saturday estimate",
  "Interested in house wash and driveway.",
  "HOA letter about mildew on siding",
  "Left voicemail. Follow up tomorrow morning.",
  "Wants the work done before a family event",
  "Selling the house next month",
  "Two dogs in the backyard",
  "Asked about soft washing vs pressure washing",
];
const CLIENT_NOTES = [
  "Prefers text first. Side gate code is 4421.",
  "Requested Friday afternoon appointments only.",
  "Annual spring house wash",
  "Water spigot on the left side of the house",
  "Do not spray near the koi pond",
  "Pays by check on site",
  "Gate code on file",
];
const JOB_NOTES = [
  "Customer requested a 30-minute arrival call.",
  "Bring the surface cleaner",
  "Second visit to finish the fence",
  "Rust stains near the sprinkler heads",
];
const ACCESS_NOTES = [
  "Use side gate. Code 4421.",
  "Gate code 1985",
  "Spigot behind the AC unit",
  "Knock first; dog in the yard",
  "Water from the front spigot only",
];
const SPECIAL_INSTRUCTIONS = [
  "Park on the street, not in the driveway.",
  "Cover the plants along the front beds",
  "Low pressure on the painted trim",
  "Avoid the new sod on the right side",
];

const SERVICE_LABELS: Record<CleanEstimateServiceSlug, string> = {
  house_wash: "House wash",
  roof_wash: "Roof wash",
  driveway_cleaning: "Driveway cleaning",
  patio_cleaning: "Patio cleaning",
  deck_cleaning: "Deck cleaning",
  fence_cleaning: "Fence cleaning",
};
const ADDON_LABELS: Record<string, string> = {
  gutter_brightening: "Gutter brightening",
  window_rinse: "Window rinse",
  rust_removal: "Rust removal",
  oil_stain_treatment: "Oil stain treatment",
};

/** Square footage ranges (in steps of 50) and whether stories apply. */
const SERVICE_SHAPES: Array<{ slug: CleanEstimateServiceSlug; min: number; max: number; storied: boolean }> =
  [
    { slug: "house_wash", min: 1200, max: 4800, storied: true },
    { slug: "house_wash", min: 1400, max: 3600, storied: true },
    { slug: "roof_wash", min: 1500, max: 3500, storied: true },
    { slug: "driveway_cleaning", min: 400, max: 1600, storied: false },
    { slug: "driveway_cleaning", min: 500, max: 1200, storied: false },
    { slug: "patio_cleaning", min: 150, max: 800, storied: false },
    { slug: "deck_cleaning", min: 150, max: 650, storied: false },
    { slug: "fence_cleaning", min: 200, max: 1200, storied: false },
  ];

const CUSTOM_ITEMS = [
  { name: "Mailbox cleaning", unitPrice: 15, quantities: [1] },
  { name: "Trash can sanitizing", unitPrice: 12.5, quantities: [1, 2, 3] },
  { name: "Garage door wash", unitPrice: 35, quantities: [1, 2] },
  { name: "Playset cleaning", unitPrice: 45, quantities: [1] },
  { name: "Solar panel rinse", unitPrice: 6.75, quantities: [12, 16, 20, 24] },
  { name: "Pool cage wash", unitPrice: 189.99, quantities: [1] },
  { name: "Trip charge", unitPrice: 25, quantities: [1] },
  { name: "Sidewalk edge cleaning", unitPrice: 0.35, quantities: [40, 75, 120] },
] as const;

const STANDALONE_ITEMS = [
  { description: "Annual maintenance plan", unitPrice: 349 },
  { description: "Gutter cleaning", unitPrice: 175 },
  { description: "Dumpster pad cleaning", unitPrice: 120 },
  { description: "Storefront sidewalk cleaning", unitPrice: 95 },
] as const;

const TAX_RATES = [0.0725, 0.07, 0.0475] as const;

/** Drops diacritics for e-mail local parts (`Chloé` → `chloe`). */
function ascii(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "");
}

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface Person {
  name: string;
  email: string | null;
  phone: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  business: boolean;
}

/** Generates one mode's data set. */
export function seedDataSet(
  seed: number,
  size: Required<CleanEstimateSize>,
  mode: CleanEstimateMode,
): CleanEstimateDataSet {
  const rng = new Rng(seed);
  /** A millisecond instant in [a, b]; `a` when the range is empty. */
  const between = (a: number, b: number) => Math.floor(b > a ? a + rng.next() * (b - a) : a);
  const reps = Array.from({ length: REP_COUNT }, () => uuidFrom(rng));

  const person = (businessChance: number): Person => {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const business = rng.chance(businessChance);
    const name = business ? `${last} ${rng.pick(BUSINESS_NAMES)}` : `${first} ${last}`;
    const domain = rng.pick(EMAIL_DOMAINS);
    const email = rng.chance(0.9)
      ? business
        ? `office@${ascii(name)}.${domain}`
        : `${ascii(first)}${rng.chance(0.5) ? "." : ""}${ascii(last)}${rng.chance(0.3) ? rng.int(1, 99) : ""}@${domain}`
      : null;
    const place = rng.pick(PLACES);
    const hasAddress = rng.chance(0.92);
    const phone = rng.chance(0.9) ? `+1${place.area}555${String(rng.int(100, 9999)).padStart(4, "0")}` : null;
    return {
      name,
      email,
      phone,
      address: hasAddress ? `${rng.int(100, 9899)} ${rng.pick(STREET_NAMES)}` : null,
      city: hasAddress ? place.city : null,
      state: hasAddress ? place.state : null,
      zip: hasAddress ? rng.pick(place.zips) : null,
      business,
    };
  };

  // ---- Leads: the last 12 months; older leads have moved further along the funnel.
  const leadTimes = Array.from({ length: size.leads }, () =>
    between(ANCHOR_MS - 365 * DAY_MS, ANCHOR_MS - HOUR_MS),
  ).sort((a, b) => a - b);
  const leads: CleanEstimateLead[] = leadTimes.map((createdMs) => {
    const who = person(0.05);
    const age = ANCHOR_MS - createdMs;
    const r = rng.next();
    let status: CleanEstimateLeadStatus;
    if (age < 7 * DAY_MS) status = r < 0.6 ? "new" : r < 0.9 ? "contacted" : "quoted";
    else if (age < 30 * DAY_MS)
      status = r < 0.15 ? "new" : r < 0.5 ? "contacted" : r < 0.85 ? "quoted" : r < 0.93 ? "won" : "lost";
    else status = r < 0.05 ? "new" : r < 0.15 ? "contacted" : r < 0.35 ? "quoted" : r < 0.68 ? "won" : "lost";
    const updatedMs =
      status === "new" && rng.chance(0.8)
        ? createdMs
        : between(createdMs, Math.min(createdMs + 30 * DAY_MS, ANCHOR_MS - MINUTE_MS));
    const interests = new Set<string>();
    const count = rng.int(0, 3);
    for (let i = 0; i < count; i++) interests.add(rng.pick(INTERESTS));
    return {
      id: uuidFrom(rng),
      status,
      customer_name: who.name,
      customer_email: who.email,
      customer_phone: who.phone,
      service_address: who.address,
      city: who.city,
      state: who.state,
      zip: who.zip,
      service_interest: [...interests],
      notes: rng.chance(0.4) ? rng.pick(LEAD_NOTES) : null,
      source: rng.pick(LEAD_SOURCES),
      created_at: isoMs(createdMs),
      updated_at: isoMs(updatedMs),
    };
  });

  // ---- Clients: won leads became clients; the rest came in over the last 18 months.
  const clientPlans: Array<{ createdMs: number; who: Person; lead: CleanEstimateLead | null }> = [];
  for (const lead of leads) {
    if (clientPlans.length >= size.clients) break;
    if (lead.status !== "won") continue;
    const createdMs = Math.min(
      Date.parse(lead.updated_at) + rng.int(5, 240) * MINUTE_MS,
      ANCHOR_MS - MINUTE_MS,
    );
    clientPlans.push({
      createdMs,
      lead,
      who: {
        name: lead.customer_name,
        email: lead.customer_email,
        phone: lead.customer_phone,
        address: lead.service_address,
        city: lead.city,
        state: lead.state,
        zip: lead.zip,
        business: false,
      },
    });
  }
  while (clientPlans.length < size.clients) {
    clientPlans.push({
      createdMs: between(ANCHOR_MS - 540 * DAY_MS, ANCHOR_MS - DAY_MS),
      who: person(0.1),
      lead: null,
    });
  }
  clientPlans.sort((a, b) => a.createdMs - b.createdMs);
  const clientOfLead = new Map<string, CleanEstimateClient>();
  const clientCreated = new Map<string, number>();
  const businessClients = new Set<string>();
  const clients: CleanEstimateClient[] = clientPlans.map(({ createdMs, who, lead }) => {
    const updatedMs = rng.chance(0.3) ? between(createdMs, ANCHOR_MS - MINUTE_MS) : createdMs;
    const client: CleanEstimateClient = {
      id: uuidFrom(rng),
      name: who.name,
      email: who.email,
      phone: who.phone,
      address_line1: who.address,
      address_line2:
        who.address && rng.chance(0.08) ? `${who.business ? "Suite" : "Unit"} ${rng.int(100, 450)}` : null,
      city: who.city,
      state: who.state,
      zip: who.zip,
      notes: rng.chance(0.3) ? rng.pick(CLIENT_NOTES) : null,
      status: rng.chance(0.1) ? "inactive" : "active",
      created_at: isoMs(createdMs),
      updated_at: isoMs(updatedMs),
    };
    if (lead) clientOfLead.set(lead.id, client);
    if (who.business) businessClients.add(client.id);
    clientCreated.set(client.id, createdMs);
    return client;
  });

  // ---- Estimates, priced by the API's own function.
  const estimatePlans: Array<{
    createdMs: number;
    lead: CleanEstimateLead | null;
    client: CleanEstimateClient | null;
  }> = [];
  // Only leads that got as far as a quote have estimates.
  const quotedLeads = leads.filter(
    (lead) => lead.status === "quoted" || lead.status === "won" || lead.status === "lost",
  );
  for (let i = 0; i < size.estimates; i++) {
    const r = rng.next();
    if (r < 0.25 && quotedLeads.length > 0) {
      const lead = rng.pick(quotedLeads);
      const leadMs = Date.parse(lead.created_at);
      const createdMs = between(leadMs + HOUR_MS, Math.min(leadMs + 10 * DAY_MS, ANCHOR_MS - MINUTE_MS));
      const client = clientOfLead.get(lead.id);
      estimatePlans.push({
        createdMs,
        lead,
        // The lead's client, once it exists.
        client: client && Date.parse(client.created_at) <= createdMs ? client : null,
      });
    } else if (r < 0.9 && clients.length > 0) {
      const client = rng.pick(clients);
      estimatePlans.push({
        createdMs: between((clientCreated.get(client.id) ?? 0) + MINUTE_MS, ANCHOR_MS - MINUTE_MS),
        lead: null,
        client,
      });
    } else {
      estimatePlans.push({
        createdMs: between(ANCHOR_MS - 365 * DAY_MS, ANCHOR_MS - MINUTE_MS),
        lead: null,
        client: null,
      });
    }
  }
  estimatePlans.sort((a, b) => a.createdMs - b.createdMs);
  const estimates: CleanEstimateEstimate[] = estimatePlans.map((plan) =>
    makeEstimate(rng, between, plan, reps, businessClients),
  );

  // ---- Jobs: accepted estimates of known clients become jobs; the rest is repeat business.
  const clientById = new Map(clients.map((client) => [client.id, client]));
  const jobPlans: Array<{
    createdMs: number;
    client: CleanEstimateClient;
    estimate: CleanEstimateEstimate | null;
  }> = [];
  for (const estimate of estimates) {
    if (jobPlans.length >= Math.round(size.jobs * 0.4)) break;
    const client = estimate.client_id ? clientById.get(estimate.client_id) : undefined;
    if (estimate.status !== "accepted" || !client || !estimate.accepted_at) continue;
    const acceptedMs = Date.parse(estimate.accepted_at);
    jobPlans.push({
      createdMs: Math.min(acceptedMs + rng.int(10, 600) * MINUTE_MS, ANCHOR_MS - MINUTE_MS),
      client,
      estimate,
    });
  }
  while (clients.length > 0 && jobPlans.length < size.jobs) {
    const client = rng.pick(clients);
    jobPlans.push({
      createdMs: between((clientCreated.get(client.id) ?? 0) + HOUR_MS, ANCHOR_MS - HOUR_MS),
      client,
      estimate: null,
    });
  }
  jobPlans.sort((a, b) => a.createdMs - b.createdMs);
  const jobs = jobPlans.map((plan) => makeJob(rng, between, plan));

  // ---- Invoices: completed jobs are billed (their estimate's lines when they have one).
  const estimateById = new Map(estimates.map((estimate) => [estimate.id, estimate]));
  const completed = jobs.filter((entry) => entry.completedMs !== null);
  const billedCount = Math.min(completed.length, Math.round(size.invoices * 0.94));
  for (let i = 0; i < billedCount; i++) {
    const j = rng.int(i, completed.length - 1);
    [completed[i], completed[j]] = [completed[j]!, completed[i]!];
  }
  const invoicePlans: Array<{ createdMs: number; clientId: string; job: CleanEstimateJob | null }> = [];
  for (const entry of completed.slice(0, billedCount)) {
    const completedMs = entry.completedMs ?? 0;
    invoicePlans.push({
      createdMs: Math.min(
        completedMs + rng.int(10, 2 * 24 * 60) * MINUTE_MS,
        between(completedMs, ANCHOR_MS - MINUTE_MS),
      ),
      clientId: entry.job.client_id,
      job: entry.job,
    });
  }
  while (clients.length > 0 && invoicePlans.length < size.invoices) {
    const client = rng.pick(clients);
    invoicePlans.push({
      createdMs: between((clientCreated.get(client.id) ?? 0) + HOUR_MS, ANCHOR_MS - HOUR_MS),
      clientId: client.id,
      job: null,
    });
  }
  invoicePlans.sort((a, b) => a.createdMs - b.createdMs);
  const invoices = invoicePlans.map((plan, index) =>
    makeInvoice(
      rng,
      between,
      plan,
      1001 + index,
      plan.job?.estimate_id ? estimateById.get(plan.job.estimate_id) : undefined,
    ),
  );

  return {
    mode,
    leads: new Map(leads.map((lead) => [lead.id, lead])),
    clients: new Map(clients.map((client) => [client.id, client])),
    estimates: new Map(estimates.map((estimate) => [estimate.id, estimate])),
    jobs: new Map(jobs.map(({ job }) => [job.id, job])),
    invoices: new Map(invoices.map((invoice) => [invoice.id, invoice])),
    nextInvoiceNumber: 1001 + invoices.length,
    idempotency: new Map(),
  };
}

type Between = (a: number, b: number) => number;

function makeEstimate(
  rng: Rng,
  between: Between,
  plan: { createdMs: number; lead: CleanEstimateLead | null; client: CleanEstimateClient | null },
  reps: string[],
  businessClients: Set<string>,
): CleanEstimateEstimate {
  const { createdMs, lead, client } = plan;
  const walkIn = lead || client ? null : personLike(rng);
  const name = client?.name ?? lead?.customer_name ?? walkIn?.name ?? "";
  const commercial = client !== null && businessClients.has(client.id);

  // Lines: 1–3 services (one may be switched off), sometimes add-ons and custom items.
  const services: PricingInput["services"] = [];
  const serviceCount = rng.pick([1, 1, 1, 2, 2, 3]);
  for (let i = 0; i < serviceCount; i++) {
    const shape = rng.pick(SERVICE_SHAPES);
    if (services.some((service) => service.service_slug === shape.slug)) continue;
    services.push({
      service_slug: shape.slug,
      enabled: !(i > 0 && rng.chance(0.12)),
      sqft: rng.int(shape.min / 50, shape.max / 50) * 50 + (rng.chance(0.05) ? 25 : 0),
      stories: shape.storied ? rng.pick([1, 1, 2, 2, 2, 3]) : 1,
    });
  }
  const addons: PricingInput["addons"] = [];
  const addonCount = rng.pick([0, 0, 0, 1, 1, 2]);
  for (let i = 0; i < addonCount; i++) {
    const slug = rng.pick(ADDON_SLUGS);
    if (addons.some((addon) => addon.addon_slug === slug)) continue;
    addons.push({ addon_slug: slug, quantity: slug === "oil_stain_treatment" ? rng.int(1, 3) : 1 });
  }
  const customItems: PricingInput["custom_items"] = [];
  if (rng.chance(0.2)) {
    const item = rng.pick(CUSTOM_ITEMS);
    customItems.push({ name: item.name, quantity: rng.pick(item.quantities), unit_price: item.unitPrice });
  }
  const r = rng.next();
  const dirtiness: CleanEstimateDirtinessLevel = r < 0.45 ? "light" : r < 0.85 ? "medium" : "heavy";
  const priced = priceEstimate({ services, addons, custom_items: customItems, dirtiness_level: dirtiness });

  const expiresMs = createdMs + rng.pick([30, 30, 30, 30, 14, 45, 60]) * DAY_MS;
  const age = ANCHOR_MS - createdMs;
  let status: CleanEstimateEstimateStatus;
  let acceptedMs: number | null = null;
  let updatedMs = createdMs;
  if ((age < 10 * DAY_MS && rng.chance(0.4)) || rng.chance(0.08)) {
    status = "draft";
    if (rng.chance(0.3)) updatedMs = between(createdMs, ANCHOR_MS - MINUTE_MS);
  } else {
    const sentMs = Math.min(createdMs + rng.int(1, 180) * MINUTE_MS, ANCHOR_MS - MINUTE_MS);
    const respondBy = Math.min(expiresMs, ANCHOR_MS - MINUTE_MS);
    const outcome = rng.next();
    // Answers arrive before expiry; recent estimates have had less time to get one.
    const answerChance = Math.min(1, Math.max(0.15, age / (14 * DAY_MS)));
    if (outcome < 0.5 * answerChance && respondBy > sentMs) {
      status = "accepted";
      acceptedMs = between(sentMs + MINUTE_MS, respondBy);
      updatedMs = acceptedMs;
    } else if (outcome < 0.72 * answerChance && respondBy > sentMs) {
      status = "declined";
      updatedMs = between(sentMs + MINUTE_MS, respondBy);
    } else {
      // Unanswered: stored as sent; it reads as expired once expires_at has passed (§7.3).
      status = "sent";
      updatedMs = sentMs;
    }
  }
  return {
    id: uuidFrom(rng),
    status,
    client_id: client?.id ?? null,
    lead_id: lead?.id ?? null,
    customer_name: name,
    customer_email: client?.email ?? lead?.customer_email ?? walkIn?.email ?? null,
    customer_phone: client?.phone ?? lead?.customer_phone ?? walkIn?.phone ?? null,
    address_line1: client?.address_line1 ?? lead?.service_address ?? walkIn?.address ?? null,
    address_line2: client?.address_line2 ?? null,
    city: client?.city ?? lead?.city ?? walkIn?.city ?? null,
    state: client?.state ?? lead?.state ?? walkIn?.state ?? null,
    zip: client?.zip ?? lead?.zip ?? walkIn?.zip ?? null,
    property_type: rng.chance(0.12) ? null : commercial ? "commercial" : "residential",
    services: priced.services,
    addons: priced.addons,
    custom_items: priced.custom_items,
    dirtiness_level: dirtiness,
    total: priced.total,
    assigned_rep_id: rng.chance(0.8) ? rng.pick(reps) : null,
    source: lead ? "api" : rng.pick(ESTIMATE_SOURCES),
    expires_at: isoMs(expiresMs),
    accepted_at: acceptedMs === null ? null : isoMs(acceptedMs),
    created_at: isoMs(createdMs),
    updated_at: isoMs(updatedMs),
  };
}

/** A one-off customer of an estimate that has neither a lead nor a client. */
function personLike(rng: Rng): Omit<Person, "business"> {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const place = rng.pick(PLACES);
  return {
    name: `${first} ${last}`,
    email: rng.chance(0.8) ? `${ascii(first)}.${ascii(last)}@${rng.pick(EMAIL_DOMAINS)}` : null,
    phone: `+1${place.area}555${String(rng.int(100, 9999)).padStart(4, "0")}`,
    address: `${rng.int(100, 9899)} ${rng.pick(STREET_NAMES)}`,
    city: place.city,
    state: place.state,
    zip: rng.pick(place.zips),
  };
}

const pad2 = (n: number) => String(n).padStart(2, "0");

function makeJob(
  rng: Rng,
  between: Between,
  plan: { createdMs: number; client: CleanEstimateClient; estimate: CleanEstimateEstimate | null },
): { job: CleanEstimateJob; completedMs: number | null } {
  const { createdMs, client, estimate } = plan;
  const scheduledDate = dateOf(createdMs + rng.int(estimate ? 2 : 1, 30) * DAY_MS);
  const timed = rng.chance(0.85);
  const startHour = rng.int(7, 14);
  const startMinute = rng.pick([0, 30]);
  const hours = rng.int(1, 4);
  const start = timed ? `${pad2(startHour)}:${pad2(startMinute)}:00` : null;
  const end = timed ? `${pad2(startHour + hours)}:${pad2(startMinute)}:00` : null;
  const firstService = estimate?.services.find((service) => service.enabled)?.service_slug;
  const serviceType = firstService ?? rng.pick(SERVICE_SHAPES).slug;
  const price = estimate
    ? estimate.total
    : rng.chance(0.9)
      ? fromCents(rng.int(120, 900) * 100 + rng.pick([0, 0, 0, 50]))
      : null;
  const startMs = Date.parse(`${scheduledDate}T${start ?? "09:00:00"}Z`);

  let status: CleanEstimateJobStatus;
  const r = rng.next();
  if (scheduledDate < ANCHOR_DATE) status = r < 0.9 ? "completed" : r < 0.98 ? "cancelled" : "scheduled";
  else if (scheduledDate === ANCHOR_DATE) status = startMs < ANCHOR_MS ? "in_progress" : "scheduled";
  else status = r < 0.95 ? "scheduled" : "cancelled";

  let completedMs: number | null = null;
  let updatedMs = createdMs;
  if (status === "completed") {
    const finish = startMs + (hours * 60 + rng.int(-20, 40)) * MINUTE_MS + rng.int(0, 59_999);
    completedMs = Math.min(Math.max(finish, createdMs + HOUR_MS), ANCHOR_MS - MINUTE_MS);
    updatedMs = completedMs;
  } else if (status === "cancelled") {
    updatedMs = between(createdMs, Math.min(startMs, ANCHOR_MS - MINUTE_MS));
  } else if (status === "in_progress") {
    updatedMs = Math.max(createdMs, Math.min(startMs + rng.int(0, 600_000), ANCHOR_MS - MINUTE_MS));
  } else if (rng.chance(0.2)) {
    updatedMs = between(createdMs, ANCHOR_MS - MINUTE_MS);
  }
  const elsewhere = rng.chance(0.04);
  const job: CleanEstimateJob = {
    id: uuidFrom(rng),
    client_id: client.id,
    estimate_id: estimate?.id ?? null,
    status,
    service_type: serviceType,
    scheduled_date: scheduledDate,
    scheduled_time_start: start,
    scheduled_time_end: end,
    customer_name: client.name,
    service_address: elsewhere ? `${rng.int(100, 9899)} ${rng.pick(STREET_NAMES)}` : client.address_line1,
    service_city: client.city,
    service_state: client.state,
    service_zip: client.zip,
    price,
    notes: rng.chance(0.25) ? rng.pick(JOB_NOTES) : null,
    access_notes: rng.chance(0.3) ? rng.pick(ACCESS_NOTES) : null,
    special_instructions: rng.chance(0.2) ? rng.pick(SPECIAL_INSTRUCTIONS) : null,
    completed_at: completedMs === null ? null : isoMs(completedMs),
    created_at: isoMs(createdMs),
    updated_at: isoMs(updatedMs),
  };
  return { job, completedMs };
}

/** An estimate's priced lines as invoice lines (their amounts are the estimate's, so totals agree). */
function estimateLines(estimate: CleanEstimateEstimate): CleanEstimateLineItem[] {
  const lines: CleanEstimateLineItem[] = [];
  for (const service of estimate.services) {
    if (!service.enabled) continue;
    lines.push({
      description: `${SERVICE_LABELS[service.service_slug]} (${service.sqft.toLocaleString("en-US")} sq ft)`,
      quantity: 1,
      unit_price: service.amount,
      amount: service.amount,
    });
  }
  for (const addon of estimate.addons) {
    lines.push({
      description: ADDON_LABELS[addon.addon_slug] ?? addon.addon_slug,
      quantity: addon.quantity,
      unit_price: addon.unit_price,
      amount: addon.amount,
    });
  }
  for (const item of estimate.custom_items) {
    lines.push({
      description: item.name,
      quantity: item.quantity,
      unit_price: item.unit_price,
      amount: item.amount,
    });
  }
  return lines;
}

function makeInvoice(
  rng: Rng,
  between: Between,
  plan: { createdMs: number; clientId: string; job: CleanEstimateJob | null },
  number: number,
  estimate: CleanEstimateEstimate | undefined,
): CleanEstimateInvoice {
  const { createdMs, clientId, job } = plan;
  const issueDate = dateOf(createdMs);
  const dueDate = addDays(issueDate, rng.pick([14, 14, 14, 30, 0]));

  let lines: CleanEstimateLineItem[];
  if (estimate && job?.price === estimate.total) lines = estimateLines(estimate);
  else {
    const line = (description: string, quantity: number, unitPrice: number): CleanEstimateLineItem => ({
      description,
      quantity,
      unit_price: unitPrice,
      amount: fromCents(productToCents(quantity, unitPrice)),
    });
    if (job) {
      const label = SERVICE_LABELS[job.service_type as CleanEstimateServiceSlug] ?? job.service_type;
      lines = [line(label, 1, job.price ?? rng.int(150, 600))];
      if (rng.chance(0.2)) lines.push(line("Trip charge", 1, 25));
    } else {
      const item = rng.pick(STANDALONE_ITEMS);
      lines = [line(item.description, 1, item.unitPrice)];
    }
  }
  const subtotalCents = lines.reduce((sum, item) => sum + toCents(item.amount), 0);
  const taxCents = rng.chance(0.3) ? productToCents(fromCents(subtotalCents), rng.pick(TAX_RATES)) : 0;
  const totalCents = subtotalCents + taxCents;

  let status: CleanEstimateInvoiceStatus;
  let sentMs: number | null = null;
  let paidMs: number | null = null;
  let paidCents = 0;
  let updatedMs = createdMs;
  const pastDue = dueDate < ANCHOR_DATE;
  const overdueMs = Date.parse(`${dueDate}T00:00:00Z`) + DAY_MS + 6 * HOUR_MS;
  if (rng.chance(0.03)) {
    status = "void";
    updatedMs = between(createdMs, ANCHOR_MS - MINUTE_MS);
  } else if ((createdMs > ANCHOR_MS - 5 * DAY_MS && rng.chance(0.5)) || rng.chance(0.01)) {
    status = "draft";
  } else {
    sentMs = Math.min(createdMs + rng.int(1, 24 * 60) * MINUTE_MS, ANCHOR_MS - MINUTE_MS);
    updatedMs = sentMs;
    const r = rng.next();
    const outcome = pastDue
      ? r < 0.85
        ? "paid"
        : r < 0.91
          ? "partial"
          : "unpaid"
      : r < 0.4
        ? "paid"
        : r < 0.5
          ? "partial"
          : "unpaid";
    const latestPayment = Math.max(
      sentMs + MINUTE_MS,
      Math.min(ANCHOR_MS - MINUTE_MS, pastDue ? overdueMs + 15 * DAY_MS : ANCHOR_MS),
    );
    if (outcome === "paid") {
      status = "paid";
      paidCents = totalCents;
      paidMs = between(sentMs + MINUTE_MS, latestPayment);
      updatedMs = paidMs;
    } else {
      if (outcome === "partial") {
        paidCents = Math.min(totalCents - 1, Math.max(1, Math.round(totalCents * (0.2 + rng.next() * 0.5))));
        updatedMs = between(sentMs + MINUTE_MS, latestPayment);
      }
      // Past due and not fully paid: the app's nightly run has already marked it overdue.
      status = pastDue ? "overdue" : "sent";
      if (pastDue) updatedMs = Math.max(updatedMs, Math.min(overdueMs, ANCHOR_MS - MINUTE_MS));
    }
  }
  return {
    id: uuidFrom(rng),
    invoice_number: `INV-${number}`,
    client_id: clientId,
    job_id: job?.id ?? null,
    status,
    line_items: lines,
    subtotal: fromCents(subtotalCents),
    tax: fromCents(taxCents),
    total: fromCents(totalCents),
    amount_paid: fromCents(paidCents),
    issue_date: issueDate,
    due_date: dueDate,
    sent_at: sentMs === null ? null : isoMs(sentMs),
    paid_at: paidMs === null ? null : isoMs(paidMs),
    created_at: isoMs(createdMs),
    updated_at: isoMs(updatedMs),
  };
}

export function seedAccount(spec: CleanEstimateAccountSpec): CleanEstimateAccount {
  return {
    id: spec.id,
    seed: spec.seed,
    apiKeys: spec.apiKeys.map((key) => ({ key: key.key })),
    live: seedDataSet(spec.seed, { ...DEFAULT_SIZE, ...spec.size }, "live"),
    // Test mode is its own data set (§1): a smaller sample with its own seed.
    test: seedDataSet((spec.seed ^ 0x7e57da7a) >>> 0, { ...DEFAULT_TEST_SIZE, ...spec.testSize }, "test"),
    webhooks: new Map(),
    events: [],
    // A separate stream for run-time IDs and secrets, so writes repeat too.
    idRng: new Rng((spec.seed ^ 0x5bd1e995) >>> 0),
  };
}
