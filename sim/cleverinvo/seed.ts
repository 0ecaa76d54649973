import {
  EMAIL_DOMAINS,
  FIRST_NAMES,
  FR_CITIES,
  FR_STREETS,
  LAST_NAMES,
  STREET_NAMES,
  US_CITIES,
} from "../core/names.js";
import { Rng } from "../core/rng.js";
import { DAY_MS, isoDateUtc, SEED_ANCHOR } from "../core/time.js";
import type {
  CleverInvoAccount,
  CleverInvoAccountSpec,
  CleverInvoClient,
  CleverInvoInvoiceRecord,
  CleverInvoInvoiceStatus,
  CleverInvoPlan,
  CleverInvoSize,
} from "./types.js";
import {
  addDays,
  computeLines,
  fromCents,
  invoiceTotal,
  isoMillis,
  type LineInput,
  percentOfCents,
  toCents,
} from "./values.js";

/**
 * Deterministic seed data for one account: everything is drawn from one `Rng(spec.seed)` in a
 * fixed order, relative to `SEED_ANCHOR`, so the same spec yields the same records byte for byte.
 * Statuses are consistent with the dates as of the anchor (nothing unpaid is past due unless it is
 * `OVERDUE` or `PARTIALLY_PAID`); the API's overdue rule moves `SENT`/`VIEWED` invoices on as the
 * clock passes their due dates.
 */

export const DEFAULT_SIZE: CleverInvoSize = { clients: 200, invoices: 700 };
export const DEFAULT_PLAN: CleverInvoPlan = { clientLimit: null, monthlyInvoiceLimit: null, apiAccess: true };

const ANCHOR_MS = SEED_ANCHOR.getTime();
const ANCHOR_DATE = isoDateUtc(SEED_ANCHOR);
/** Seeded history spans the two years before the anchor. */
const HISTORY_START_MS = ANCHOR_MS - 730 * DAY_MS;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** A cuid: `c` + the creation time in base 36 (8 chars) + 16 random `[a-z0-9]` (25 chars). */
export function cuid(rng: Rng, atMs: number): string {
  return `c${Math.max(0, Math.floor(atMs)).toString(36).padStart(8, "0").slice(-8)}${rng.string(16)}`;
}

type Region = "US" | "FR" | "UK" | "CA";

const REGION_CURRENCY: Record<Region, string> = { US: "USD", FR: "EUR", UK: "GBP", CA: "CAD" };
/** Price factor per currency, applied to the USD catalogue. */
const CURRENCY_FACTOR: Record<string, number> = { USD: 1, EUR: 0.9, GBP: 0.8, CAD: 1.35 };
const REGION_TAX: Record<Region, readonly number[]> = {
  US: [0, 0, 6.25, 7, 8.25, 8.875],
  FR: [20, 20, 20, 10, 5.5],
  UK: [20, 20, 0],
  CA: [13, 13, 5, 14.975],
};

const COMPANY_WORDS = [
  "Northwind",
  "Bluebird",
  "Summit",
  "Evergreen",
  "Silverline",
  "Redwood",
  "Harbor",
  "Brightside",
  "Keystone",
  "Lakeshore",
  "Pinnacle",
  "Atlas",
  "Horizon",
  "Granite",
  "Beacon",
  "Riverstone",
  "Oakridge",
  "Acme",
  "Copperleaf",
  "Foxglove",
] as const;
const COMPANY_KINDS = [
  "Consulting",
  "Design Studio",
  "Dental",
  "Property Management",
  "Realty",
  "Law Group",
  "Marketing",
  "Logistics",
  "Architects",
  "Bakery",
  "Fitness",
  "Media",
  "Software",
  "Coffee Co.",
  "Landscaping",
] as const;
const COMPANY_SUFFIXES = ["LLC", "Inc.", "Corp", "", "", "Ltd"] as const;
const MAILBOXES = ["billing", "accounts", "ap", "finance", "hello"] as const;

const CLIENT_NOTES = [
  "Net 30 terms",
  "Net 15 terms",
  "Send invoices to the AP department",
  "PO number required on every invoice",
  "Prefers PDF by email",
  "Retainer client",
  "Quarterly billing",
  "Tax exempt - certificate on file",
] as const;

const UK_CITIES = [
  { city: "London", postcode: "SW1A 1AA" },
  { city: "Manchester", postcode: "M1 1AE" },
  { city: "Bristol", postcode: "BS1 4DJ" },
  { city: "Leeds", postcode: "LS1 4AP" },
] as const;
const UK_STREETS = ["High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane"] as const;
const CA_CITIES = [
  { city: "Toronto", province: "ON", postal: "M5H 2N2", area: "416" },
  { city: "Vancouver", province: "BC", postal: "V6B 1A1", area: "604" },
  { city: "Montreal", province: "QC", postal: "H2Y 1C6", area: "514" },
  { city: "Ottawa", province: "ON", postal: "K1P 1J1", area: "613" },
] as const;
const CA_STREETS = ["King St W", "Queen St E", "Bay St", "Granville St", "Rue Saint-Paul"] as const;
const US_AREA = ["512", "214", "713", "303", "602", "615", "404", "919"] as const;

interface CatalogueItem {
  description: string;
  /** USD unit price. */
  price: number;
  quantities: readonly number[];
  /** Reimbursed expenses carry no tax. */
  untaxed?: boolean;
}

const CATALOGUE: readonly CatalogueItem[] = [
  { description: "Web Development", price: 125, quantities: [2.5, 4, 7.5, 12, 16, 20, 40] },
  { description: "UI/UX Design", price: 95, quantities: [1.5, 3, 6, 10, 24] },
  { description: "Consulting", price: 150, quantities: [0.5, 1, 2, 4, 8] },
  { description: "Project Management", price: 85, quantities: [2, 5, 10, 15.5] },
  { description: "Copywriting (per word)", price: 0.12, quantities: [800, 1500, 2250, 4000] },
  { description: "SEO Audit", price: 750, quantities: [1] },
  { description: "Website hosting (monthly)", price: 29.99, quantities: [1, 3, 6, 12] },
  { description: "Domain renewal", price: 18.5, quantities: [1, 2] },
  { description: "Logo design", price: 1200, quantities: [1] },
  { description: "Photography - half day", price: 650, quantities: [1, 2] },
  { description: "Maintenance retainer", price: 500, quantities: [1] },
  { description: "Travel expenses", price: 86.4, quantities: [1], untaxed: true },
  { description: "Content strategy workshop", price: 1800, quantities: [1] },
  { description: "Bug fixes (hourly)", price: 110, quantities: [0.25, 0.75, 1.5, 3.25] },
  { description: "Data migration", price: 2400, quantities: [1] },
  { description: "Training session", price: 350, quantities: [1, 2, 3] },
  { description: "Software license (per seat)", price: 49, quantities: [3, 5, 10, 25] },
  { description: "Printing - brochures (per unit)", price: 1.37, quantities: [250, 500, 1000] },
];

const INVOICE_NOTES = [
  "Thank you for your business",
  "Thanks for choosing us!",
  "Please include the invoice number with your payment",
  "Bank transfer details are on the second page of our proposal",
] as const;

/** Drops diacritics and non-alphanumerics (`Chloé` → `chloe`). */
function slug(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "");
}

const digits = (rng: Rng, count: number) => rng.string(count, "0123456789");

interface ClientPlan {
  client: CleverInvoClient;
  createdMs: number;
  region: Region;
  currency: string;
}

export function seedAccount(spec: CleverInvoAccountSpec): CleverInvoAccount {
  const rng = new Rng(spec.seed);
  const size: CleverInvoSize = { ...DEFAULT_SIZE, ...spec.size };
  /** An instant in [a, b] (ms precision); `a` when the range is empty. */
  const between = (a: number, b: number) => Math.floor(b > a ? a + rng.next() * (b - a) : a);

  const clientTimes = Array.from({ length: size.clients }, () =>
    between(HISTORY_START_MS, ANCHOR_MS - 5 * DAY_MS),
  ).sort((a, b) => a - b);
  const clients: ClientPlan[] = clientTimes.map((createdMs, index) => makeClient(rng, createdMs, index < 3));

  // Invoices: the three oldest clients are busy retainers (more than a page of invoices each).
  const busy = clients.length >= 10;
  const plans: Array<{ client: ClientPlan; createdMs: number }> = [];
  for (let i = 0; i < (clients.length > 0 ? size.invoices : 0); i++) {
    const r = rng.next();
    const index =
      busy && r < 0.06 ? 0 : busy && r < 0.1 ? 1 : busy && r < 0.13 ? 2 : rng.int(0, clients.length - 1);
    const client = clients[index]!;
    plans.push({ client, createdMs: between(client.createdMs + HOUR_MS, ANCHOR_MS - MINUTE_MS) });
  }
  plans.sort((a, b) => a.createdMs - b.createdMs);

  const invoices: CleverInvoInvoiceRecord[] = [];
  const lastInvoiceMs = new Map<string, number>();
  let sequence = 0;
  for (const plan of plans) {
    // A few invoices carry a hand-picked number, which the default numbering ignores.
    const custom = rng.chance(0.015);
    const number = custom
      ? `INV-${new Date(plan.createdMs).getUTCFullYear()}-${digits(rng, 3)}`
      : `INV-${String(++sequence).padStart(4, "0")}`;
    if (custom && invoices.some((invoice) => invoice.invoiceNumber === number)) {
      sequence++;
      invoices.push(
        makeInvoice(rng, between, plan.client, plan.createdMs, `INV-${String(sequence).padStart(4, "0")}`),
      );
    } else invoices.push(makeInvoice(rng, between, plan.client, plan.createdMs, number));
    lastInvoiceMs.set(plan.client.client.id, plan.createdMs);
  }

  // A few soft-deleted clients (never the busy ones), deleted after their last invoice.
  const deletable = clients.slice(busy ? 3 : 0);
  const deletions = clients.length >= 10 ? Math.round(clients.length * 0.03) : 0;
  for (let i = 0; i < deletions && deletable.length > 0; i++) {
    const [picked] = deletable.splice(rng.int(0, deletable.length - 1), 1);
    if (!picked) break;
    const after = Math.max(picked.createdMs, lastInvoiceMs.get(picked.client.id) ?? 0) + MINUTE_MS;
    picked.client.isActive = false;
    picked.client.updatedAt = isoMillis(between(after, ANCHOR_MS - MINUTE_MS));
  }

  return {
    id: spec.id,
    seed: spec.seed,
    apiKeys: [...spec.apiKeys],
    plan: { ...DEFAULT_PLAN, ...spec.plan },
    clients: new Map(clients.map(({ client }) => [client.id, client])),
    invoices: new Map(invoices.map((invoice) => [invoice.id, invoice])),
    // A separate stream for run-time IDs, so writes repeat too without disturbing the seed data.
    idRng: new Rng((spec.seed ^ 0x2c1b3c6d) >>> 0),
  };
}

type Between = (a: number, b: number) => number;

function makeAddress(rng: Rng, region: Region): string {
  switch (region) {
    case "US": {
      const place = rng.pick(US_CITIES);
      const suite = rng.chance(0.25) ? `, Suite ${rng.int(100, 950)}` : "";
      return `${rng.int(10, 9899)} ${rng.pick(STREET_NAMES)}${suite}, ${place.city}, ${place.state} ${place.postalPrefix}${digits(rng, 2)}`;
    }
    case "FR": {
      const place = rng.pick(FR_CITIES);
      return `${rng.int(1, 120)} ${rng.pick(FR_STREETS)}, ${place.zip} ${place.city}, France`;
    }
    case "UK": {
      const place = rng.pick(UK_CITIES);
      return `${rng.int(1, 240)} ${rng.pick(UK_STREETS)}, ${place.city} ${place.postcode}, United Kingdom`;
    }
    case "CA": {
      const place = rng.pick(CA_CITIES);
      return `${rng.int(10, 1999)} ${rng.pick(CA_STREETS)}, ${place.city}, ${place.province} ${place.postal}, Canada`;
    }
  }
}

function makePhone(rng: Rng, region: Region): string {
  switch (region) {
    case "US":
      return `+1-${rng.pick(US_AREA)}-555-${digits(rng, 4)}`;
    case "CA":
      return `+1-${rng.pick(CA_CITIES).area}-555-${digits(rng, 4)}`;
    case "FR":
      return `+33 ${rng.int(1, 9)} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)}`;
    case "UK":
      return `+44 20 7946 ${digits(rng, 4)}`;
  }
}

function makeTaxId(rng: Rng, region: Region): string {
  switch (region) {
    case "US":
      return `US-${digits(rng, 9)}`;
    case "FR":
      return `FR${digits(rng, 11)}`;
    case "UK":
      return `GB${digits(rng, 9)}`;
    case "CA":
      return `${digits(rng, 9)}RT0001`;
  }
}

function makeClient(rng: Rng, createdMs: number, business: boolean): ClientPlan {
  const r = rng.next();
  const region: Region = r < 0.7 ? "US" : r < 0.82 ? "FR" : r < 0.92 ? "UK" : "CA";
  const isBusiness = business || rng.chance(0.65);
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  let name: string;
  if (isBusiness) {
    const suffix = rng.pick(COMPANY_SUFFIXES);
    const base = rng.chance(0.3) ? `${last} & Sons` : `${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_KINDS)}`;
    name = suffix ? `${base} ${suffix}` : base;
  } else name = `${first} ${last}`;
  const domain = rng.pick(EMAIL_DOMAINS);
  const email =
    business || rng.chance(0.9)
      ? isBusiness
        ? `${rng.pick(MAILBOXES)}@${slug(name.replace(/ (LLC|Inc\.|Corp|Ltd)$/, ""))}.${domain}`
        : `${slug(first)}.${slug(last)}${rng.chance(0.3) ? rng.int(1, 99) : ""}@${domain}`
      : null;
  const address = business || rng.chance(0.8) ? makeAddress(rng, region) : null;
  const taxId = isBusiness && rng.chance(0.6) ? makeTaxId(rng, region) : null;
  const phone = rng.chance(0.75) ? makePhone(rng, region) : null;
  const notes = rng.chance(0.3) ? rng.pick(CLIENT_NOTES) : null;
  const updatedMs = rng.chance(0.3)
    ? Math.floor(createdMs + rng.next() * (ANCHOR_MS - DAY_MS - createdMs))
    : createdMs;
  const client: CleverInvoClient = {
    id: cuid(rng, createdMs),
    name,
    email,
    address,
    taxId,
    phone,
    notes,
    isActive: true,
    createdAt: isoMillis(createdMs),
    updatedAt: isoMillis(Math.max(createdMs, updatedMs)),
  };
  return { client, createdMs, region, currency: REGION_CURRENCY[region] };
}

/** A catalogue price in `currency`: whole units from 50 up, cents below. */
function priceIn(item: CatalogueItem, currency: string): number {
  const factor = CURRENCY_FACTOR[currency] ?? 1;
  if (factor === 1) return item.price;
  const cents = toCents(item.price) * factor;
  return item.price >= 50 ? Math.round(cents / 100) : fromCents(Math.round(cents));
}

const NET_DAYS = [30, 30, 30, 30, 15, 15, 14, 45, 60, 0] as const;
const LINE_COUNTS = [1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6] as const;

function makeInvoice(
  rng: Rng,
  between: Between,
  plan: ClientPlan,
  createdMs: number,
  invoiceNumber: string,
): CleverInvoInvoiceRecord {
  const id = cuid(rng, createdMs);
  const currency = rng.chance(0.95) ? plan.currency : "USD";
  const issueDate = isoDateUtc(new Date(createdMs));
  const netDays = rng.pick(NET_DAYS);
  const dueDate = addDays(issueDate, netDays);

  const rate = rng.pick(REGION_TAX[plan.region]);
  const lines: LineInput[] = [];
  const count = rng.pick(LINE_COUNTS);
  for (let i = 0; i < count; i++) {
    const item = rng.pick(CATALOGUE);
    lines.push({
      description: item.description,
      quantity: rng.pick(item.quantities),
      unitPrice: priceIn(item, currency),
      taxRate: item.untaxed ? 0 : rate,
    });
  }
  const { lineItems, subtotal, taxTotal } = computeLines(lines);

  const pastDue = dueDate < ANCHOR_DATE;
  const dueEndMs = Date.parse(`${dueDate}T00:00:00Z`) + DAY_MS;
  let status: CleverInvoInvoiceStatus;
  let sentMs: number | null = null;
  let paidMs: number | null = null;
  if ((createdMs > ANCHOR_MS - 14 * DAY_MS && rng.chance(0.45)) || rng.chance(0.01)) {
    status = "DRAFT";
  } else {
    sentMs = Math.min(createdMs + rng.int(5 * MINUTE_MS, 2 * DAY_MS), ANCHOR_MS - MINUTE_MS);
    const r = rng.next();
    if (pastDue) status = r < 0.8 ? "PAID" : r < 0.87 ? "PARTIALLY_PAID" : "OVERDUE";
    else status = r < 0.3 ? "PAID" : r < 0.38 ? "PARTIALLY_PAID" : r < 0.68 ? "VIEWED" : "SENT";
    if (status === "PAID") {
      paidMs = between(sentMs + HOUR_MS, Math.min(ANCHOR_MS - MINUTE_MS, dueEndMs + 20 * DAY_MS));
    }
  }
  // Dashboard discounts, on some issued invoices only (the API writes none).
  const discountTotal =
    status !== "DRAFT" && rng.chance(0.06)
      ? fromCents(percentOfCents(toCents(subtotal), rng.pick([5, 10])))
      : 0;

  return {
    id,
    clientId: plan.client.id,
    invoiceNumber,
    currency,
    issueDate,
    dueDate,
    lineItems,
    subtotal,
    taxTotal,
    discountTotal,
    total: invoiceTotal(subtotal, taxTotal, discountTotal),
    status,
    notes: rng.chance(0.5) ? rng.pick(INVOICE_NOTES) : null,
    terms: rng.chance(0.7) ? (netDays === 0 ? "Due on receipt" : `Payment due within ${netDays} days`) : null,
    sentViaEmail: sentMs !== null,
    sentAt: sentMs === null ? null : isoMillis(sentMs),
    paidAt: paidMs === null ? null : isoMillis(paidMs),
    createdAt: isoMillis(createdMs),
  };
}
