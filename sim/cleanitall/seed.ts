import { EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, STREET_NAMES, US_CITIES } from "../core/names.js";
import { Rng } from "../core/rng.js";
import { DAY_MS, isoDateUtc, isoSecondsUtc, SEED_ANCHOR } from "../core/time.js";
import type {
  CleanItAllAccount,
  CleanItAllAccountSpec,
  CleanItAllAddress,
  CleanItAllCustomer,
  CleanItAllInvoice,
  CleanItAllInvoiceStatus,
  CleanItAllJob,
  CleanItAllJobStatus,
  CleanItAllLineItem,
  CleanItAllPayment,
  CleanItAllPaymentMethod,
} from "./types.js";
import { addDays, fromCents, multiplyToCents } from "./values.js";
import { checkedWebhookEndpoint } from "./webhooks.js";

/**
 * Deterministic seed data for one account: everything is drawn from one `Rng(spec.seed)` in a
 * fixed order, relative to `SEED_ANCHOR`, so the same spec yields the same records byte for byte.
 * Statuses are consistent with dates as of the anchor; the API's overdue rule then moves pending
 * invoices on as the real (or injected) clock passes their due dates.
 */

export const DEFAULT_SIZE = { customers: 300, jobs: 2500, invoices: 1500 } as const;
export const TEAM_SIZE = 12;

const ANCHOR_MS = SEED_ANCHOR.getTime();
const ANCHOR_DATE = isoDateUtc(SEED_ANCHOR);
/** Seeded history spans the ~18 months before the anchor. */
const HISTORY_START_MS = ANCHOR_MS - 548 * DAY_MS;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

const AREA_CODES: Record<string, string> = {
  Austin: "512",
  Dallas: "214",
  Houston: "713",
  Denver: "303",
  Phoenix: "602",
  Nashville: "615",
  Atlanta: "404",
  Raleigh: "919",
};

const BUSINESS_SUFFIXES = ["Property Management", "Dental", "Realty", "Law Group", "Offices"] as const;

const CUSTOMER_NOTES = [
  "Two dogs",
  "Prefers eco-friendly products",
  "Key under the mat",
  "Call before arriving",
  "Cat - keep doors closed",
  "Allergic to bleach",
  "Park in the driveway",
] as const;

const HOMES = [
  { label: "studio apartment", factor: 0.8 },
  { label: "1 bed apartment", factor: 0.9 },
  { label: "2 bed apartment", factor: 1 },
  { label: "2 bed condo", factor: 1.1 },
  { label: "3 bed house", factor: 1.4 },
  { label: "4 bed house", factor: 1.8 },
] as const;

interface Service {
  type: string;
  title: (home: string) => string;
  base: number;
  perHome: boolean;
  descriptions: readonly string[];
}

const SERVICES: readonly Service[] = [
  {
    type: "standard_cleaning",
    title: (home) => `Standard clean - ${home}`,
    base: 120,
    perHome: true,
    descriptions: ["Dusting, vacuuming, kitchen and bathrooms", "Weekly maintenance clean"],
  },
  {
    type: "deep_cleaning",
    title: (home) => `Deep clean - ${home}`,
    base: 240,
    perHome: true,
    descriptions: ["Kitchen, 2 bathrooms, all floors", "Baseboards, inside cabinets, all floors"],
  },
  {
    type: "move_out",
    title: (home) => `Move-out clean - ${home}`,
    base: 300,
    perHome: true,
    descriptions: ["Empty unit, deposit inspection on Friday", "Inside appliances and cabinets"],
  },
  {
    type: "move_in",
    title: (home) => `Move-in clean - ${home}`,
    base: 260,
    perHome: true,
    descriptions: ["Sanitize kitchen and bathrooms before move-in"],
  },
  {
    type: "office_cleaning",
    title: () => "Office cleaning",
    base: 180,
    perHome: false,
    descriptions: ["Reception, 6 offices, break room", "After-hours clean, alarm code on file"],
  },
  {
    type: "carpet_cleaning",
    title: () => "Carpet cleaning - 3 rooms",
    base: 135,
    perHome: false,
    descriptions: ["Steam clean living room and 2 bedrooms"],
  },
  {
    type: "window_cleaning",
    title: () => "Window cleaning - interior & exterior",
    base: 150,
    perHome: false,
    descriptions: ["All windows, ground floor and upstairs"],
  },
  {
    type: "post_construction",
    title: () => "Post-construction clean",
    base: 420,
    perHome: false,
    descriptions: ["Drywall dust, paint spots, debris removal"],
  },
];

const JOB_NOTES = [
  "Key under the mat",
  "Gate code on file",
  "Bring extra microfiber cloths",
  "Park on street",
];
const COMPLETION_NOTES = [
  "All rooms done",
  "Customer not home, used lockbox",
  "Extra time on kitchen",
  "Pet hair heavy in living room",
  "Left supplies in garage",
];

const ADD_ONS = [
  { description: "Inside oven", price: 35, quantities: [1] },
  { description: "Inside fridge", price: 30, quantities: [1] },
  { description: "Interior windows", price: 40, quantities: [1] },
  { description: "Laundry - per load", price: 15, quantities: [1, 2, 3] },
  { description: "Cleaning supplies", price: 12.5, quantities: [1] },
  { description: "Travel fee", price: 25, quantities: [1] },
  { description: "Baseboards", price: 45, quantities: [1] },
  { description: "Carpet spot treatment", price: 19.99, quantities: [1, 2, 4] },
  { description: "Additional hours", price: 45, quantities: [0.5, 1, 1.5, 2] },
] as const;

const STANDALONE_ITEMS = [
  { description: "Cleaning supplies restock", price: 64.9 },
  { description: "Monthly maintenance plan", price: 199 },
  { description: "Key replacement fee", price: 25 },
  { description: "Cancellation fee", price: 50 },
] as const;

const TAX_RATES = [0.0625, 0.07, 0.0725, 0.0825] as const;

const METHODS: Array<[CleanItAllPaymentMethod, number]> = [
  ["card", 0.55],
  ["bank_transfer", 0.15],
  ["check", 0.12],
  ["cash", 0.1],
  ["other", 0.08],
];

const MIXED_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Drops diacritics for e-mail local parts (`Chloé` → `chloe`). */
function ascii(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "");
}

const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;
const ts = (ms: number) => isoSecondsUtc(new Date(ms));
const dateOf = (ms: number) => isoDateUtc(new Date(ms));

export function seedAccount(spec: CleanItAllAccountSpec): CleanItAllAccount {
  const rng = new Rng(spec.seed);
  const size = { ...DEFAULT_SIZE, ...spec.size };
  const newId = (prefix: string) => `${prefix}${rng.string(24)}`;
  /** A whole-second instant in [a, b]; `a` when the range is empty. */
  const between = (a: number, b: number) => seconds(b > a ? a + rng.next() * (b - a) : a);

  const teamMemberIds = Array.from({ length: TEAM_SIZE }, () => newId("tm_"));

  // Customers, oldest first; the two oldest are the busy accounts (commercial clients with many
  // jobs) so per-customer pagination has more than one page.
  const customerTimes = Array.from({ length: size.customers }, () =>
    between(HISTORY_START_MS, ANCHOR_MS - 3 * DAY_MS),
  ).sort((a, b) => a - b);
  const customers: CleanItAllCustomer[] = customerTimes.map((createdMs, index) =>
    makeCustomer(rng, newId("cus_"), createdMs, index < 2, between),
  );

  const customerById = new Map(customers.map((customer) => [customer.id, customer]));

  // Jobs.
  const busy = size.customers >= 10;
  const jobs: Array<{ job: CleanItAllJob; createdMs: number; completedMs: number | null }> = [];
  for (let i = 0; i < (customers.length > 0 ? size.jobs : 0); i++) {
    const r = rng.next();
    const customerIndex = busy && r < 0.08 ? 0 : busy && r < 0.13 ? 1 : rng.int(0, customers.length - 1);
    const customer = customers[customerIndex]!;
    jobs.push(makeJob(rng, newId("job_"), customer, customerTimes[customerIndex]!, teamMemberIds, between));
  }
  jobs.sort((a, b) => a.createdMs - b.createdMs);

  // Invoices: most bill a completed job (its customer, its title and price), a few stand alone.
  const completed = jobs.filter((entry) => entry.completedMs !== null);
  const billedCount = Math.min(completed.length, Math.round(size.invoices * 0.95));
  for (let i = 0; i < billedCount; i++) {
    const j = rng.int(i, completed.length - 1);
    [completed[i], completed[j]] = [completed[j]!, completed[i]!];
  }
  const plans: Array<{ customer: CleanItAllCustomer; job: CleanItAllJob | null; createdMs: number }> = [];
  for (const entry of completed.slice(0, billedCount)) {
    const completedMs = entry.completedMs!;
    const createdMs = Math.min(
      completedMs + rng.int(10 * MINUTE_MS, 2 * DAY_MS),
      between(completedMs, ANCHOR_MS - MINUTE_MS),
    );
    const customer = customerById.get(entry.job.customer_id);
    if (!customer) throw new Error(`seed: job ${entry.job.id} has no customer`);
    plans.push({ customer, job: entry.job, createdMs: seconds(createdMs) });
  }
  const standalone = customers.length > 0 ? size.invoices - billedCount : 0;
  for (let i = 0; i < standalone; i++) {
    const index = rng.int(0, customers.length - 1);
    plans.push({
      customer: customers[index]!,
      job: null,
      createdMs: between(customerTimes[index]! + HOUR_MS, ANCHOR_MS - HOUR_MS),
    });
  }
  plans.sort((a, b) => a.createdMs - b.createdMs);

  const invoices: CleanItAllInvoice[] = [];
  const payments: Array<{ payment: CleanItAllPayment; createdMs: number }> = [];
  plans.forEach((plan, index) => {
    const made = makeInvoice(rng, newId, between, plan, index + 1);
    invoices.push(made.invoice);
    payments.push(...made.payments);
  });
  payments.sort((a, b) => a.createdMs - b.createdMs);

  return {
    id: spec.id,
    seed: spec.seed,
    apiKeys: spec.apiKeys.map((key) => ({ key: key.key, scopes: [...key.scopes] })),
    currency: "USD",
    customers: new Map(customers.map((customer) => [customer.id, customer])),
    jobs: new Map(jobs.map(({ job }) => [job.id, job])),
    invoices: new Map(invoices.map((invoice) => [invoice.id, invoice])),
    payments: new Map(payments.map(({ payment }) => [payment.id, payment])),
    teamMemberIds,
    nextInvoiceNumber: invoices.length + 1,
    webhook: spec.webhook ? checkedWebhookEndpoint(spec.webhook) : null,
    events: [],
    // A separate stream for run-time IDs, so writes repeat too without disturbing the seed data.
    idRng: new Rng((spec.seed ^ 0x5bd1e995) >>> 0),
  };
}

type Between = (a: number, b: number) => number;

function makeAddress(rng: Rng): CleanItAllAddress {
  const place = rng.pick(US_CITIES);
  return {
    line1: `${rng.int(100, 9899)} ${rng.pick(STREET_NAMES)}`,
    line2: rng.chance(0.2)
      ? rng.pick([`Apt ${rng.int(1, 30)}${rng.pick(["A", "B", "C"])}`, `Suite ${rng.int(100, 450)}`])
      : null,
    city: place.city,
    state: place.state,
    postal_code: `${place.postalPrefix}${String(rng.int(1, 99)).padStart(2, "0")}`,
    country: "US",
  };
}

function makeCustomer(
  rng: Rng,
  id: string,
  createdMs: number,
  business: boolean,
  between: Between,
): CleanItAllCustomer {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const isBusiness = business || rng.chance(0.08);
  const name = isBusiness ? `${last} ${rng.pick(BUSINESS_SUFFIXES)}` : `${first} ${last}`;
  const domain = rng.pick(EMAIL_DOMAINS);
  const email = rng.chance(0.88)
    ? isBusiness
      ? `billing@${ascii(name)}.${domain}`
      : `${ascii(first)}.${ascii(last)}${rng.chance(0.4) ? rng.int(1, 99) : ""}@${domain}`
    : null;
  // Busy commercial clients always have a site address (their jobs copy it).
  const address = business || rng.chance(0.9) ? makeAddress(rng) : null;
  const area = AREA_CODES[address?.city ?? rng.pick(US_CITIES).city] ?? "512";
  const phone = rng.chance(0.85) ? `+1${area}555${String(rng.int(100, 9999)).padStart(4, "0")}` : null;
  const notes = rng.chance(0.25) ? rng.pick(CUSTOMER_NOTES) : null;
  const updatedMs = rng.chance(0.3) ? between(createdMs, ANCHOR_MS - DAY_MS) : createdMs;
  return {
    id,
    name,
    email,
    phone,
    address,
    notes,
    created_at: ts(createdMs),
    updated_at: ts(updatedMs),
  };
}

function makeJob(
  rng: Rng,
  id: string,
  customer: CleanItAllCustomer,
  customerCreatedMs: number,
  teamMemberIds: string[],
  between: Between,
): { job: CleanItAllJob; createdMs: number; completedMs: number | null } {
  const createdMs = between(customerCreatedMs + HOUR_MS, ANCHOR_MS - HOUR_MS);
  const scheduledDate = dateOf(createdMs + (rng.chance(0.1) ? 0 : rng.int(1, 35)) * DAY_MS);
  const scheduledTime = rng.chance(0.9)
    ? `${String(rng.int(7, 16)).padStart(2, "0")}:${rng.pick(["00", "30"])}`
    : null;
  const duration = rng.chance(0.9) ? rng.pick([60, 90, 120, 150, 180, 240, 300, 360]) : null;
  const service = rng.pick(SERVICES);
  const home = rng.pick(HOMES);
  const priceCents =
    Math.round(service.base * (service.perHome ? home.factor : 1) * 20) * 5 +
    (rng.chance(0.2) ? rng.pick([50, 99]) : 0);
  const price = rng.chance(0.95) ? fromCents(priceCents) : null;
  const startMs = Date.parse(`${scheduledDate}T${scheduledTime ?? "09:00"}:00Z`);

  let status: CleanItAllJobStatus;
  const r = rng.next();
  if (scheduledDate < ANCHOR_DATE) status = r < 0.87 ? "completed" : r < 0.97 ? "cancelled" : "pending";
  else if (scheduledDate === ANCHOR_DATE) status = startMs < ANCHOR_MS && r < 0.7 ? "in_progress" : "pending";
  else status = r < 0.94 ? "pending" : "cancelled";

  let completedMs: number | null = null;
  let updatedMs = createdMs;
  if (status === "completed") {
    const finish = startMs + ((duration ?? 120) + rng.int(0, 30)) * MINUTE_MS;
    completedMs = seconds(Math.min(Math.max(finish, createdMs + HOUR_MS), ANCHOR_MS - MINUTE_MS));
    updatedMs = completedMs;
  } else if (status === "cancelled") {
    updatedMs = between(createdMs, Math.min(startMs, ANCHOR_MS - MINUTE_MS));
  } else if (status === "in_progress") {
    updatedMs = seconds(Math.max(createdMs, Math.min(startMs, ANCHOR_MS - MINUTE_MS)));
  } else if (rng.chance(0.2)) {
    updatedMs = between(createdMs, ANCHOR_MS - MINUTE_MS);
  }

  const job: CleanItAllJob = {
    id,
    customer_id: customer.id,
    title: service.title(home.label),
    description: rng.chance(0.5) ? rng.pick(service.descriptions) : null,
    service_type: rng.chance(0.92) ? service.type : null,
    status,
    scheduled_date: scheduledDate,
    scheduled_time: scheduledTime,
    duration_minutes: duration,
    assigned_to: rng.chance(status === "pending" ? 0.7 : 0.9) ? rng.pick(teamMemberIds) : null,
    address: customer.address ? { ...customer.address } : rng.chance(0.6) ? makeAddress(rng) : null,
    price,
    notes: rng.chance(0.15) ? rng.pick(JOB_NOTES) : null,
    completed_at: completedMs === null ? null : ts(completedMs),
    completion_notes: completedMs !== null && rng.chance(0.4) ? rng.pick(COMPLETION_NOTES) : null,
    created_at: ts(createdMs),
    updated_at: ts(updatedMs),
  };
  return { job, createdMs, completedMs };
}

function pickMethod(rng: Rng): CleanItAllPaymentMethod {
  let r = rng.next();
  for (const [method, weight] of METHODS) {
    r -= weight;
    if (r < 0) return method;
  }
  return "other";
}

function paymentReference(rng: Rng, method: CleanItAllPaymentMethod): string | null {
  switch (method) {
    case "card":
      return `ch_${rng.string(24, MIXED_ALNUM)}`;
    case "check":
      return String(rng.int(1001, 9999));
    case "bank_transfer":
      return `ACH${rng.int(100000, 999999)}`;
    default:
      return null;
  }
}

/** Splits `total` cents into `parts` positive amounts that sum exactly. */
function splitCents(rng: Rng, total: number, parts: number): number[] {
  const amounts: number[] = [];
  let left = total;
  for (let i = parts; i > 1; i--) {
    const share = Math.max(1, Math.min(left - (i - 1), Math.round(left * (0.3 + rng.next() * 0.3))));
    amounts.push(share);
    left -= share;
  }
  amounts.push(left);
  return amounts;
}

function makeInvoice(
  rng: Rng,
  newId: (prefix: string) => string,
  between: Between,
  plan: { customer: CleanItAllCustomer; job: CleanItAllJob | null; createdMs: number },
  sequence: number,
): { invoice: CleanItAllInvoice; payments: Array<{ payment: CleanItAllPayment; createdMs: number }> } {
  const { customer, job, createdMs } = plan;
  const id = newId("inv_");
  const issueDate = dateOf(createdMs);
  const dueDate = addDays(issueDate, rng.chance(0.8) ? 30 : 14);

  const lineItems: CleanItAllLineItem[] = [];
  let subtotalCents = 0;
  const addItem = (description: string, quantity: number, unitPrice: number) => {
    const amountCents = multiplyToCents(quantity, unitPrice);
    subtotalCents += amountCents;
    lineItems.push({ description, quantity, unit_price: unitPrice, amount: fromCents(amountCents) });
  };
  if (job) addItem(job.title, 1, job.price ?? rng.money(90, 300));
  else {
    const item = rng.pick(STANDALONE_ITEMS);
    addItem(item.description, 1, item.price);
  }
  const extras = rng.chance(0.45) ? rng.int(1, 4) : 0;
  for (let i = 0; i < extras; i++) {
    const addOn = rng.pick(ADD_ONS);
    if (lineItems.some((item) => item.description === addOn.description)) continue;
    addItem(addOn.description, rng.pick(addOn.quantities), addOn.price);
  }
  const taxCents = rng.chance(0.4) ? multiplyToCents(fromCents(subtotalCents), rng.pick(TAX_RATES)) : 0;
  const totalCents = subtotalCents + taxCents;

  let status: CleanItAllInvoiceStatus;
  let sentMs: number | null = null;
  let paidMs: number | null = null;
  let updatedMs = createdMs;
  let paidCents = 0;
  const payments: Array<{ payment: CleanItAllPayment; createdMs: number }> = [];
  const pastDue = dueDate < ANCHOR_DATE;
  const dueEndMs = Date.parse(`${dueDate}T00:00:00Z`) + DAY_MS;

  const pay = (amountCents: number, paidAtMs: number, note: string | null) => {
    const method = pickMethod(rng);
    const paymentCreatedMs = paidAtMs + rng.int(1, 20) * 1000;
    payments.push({
      createdMs: paymentCreatedMs,
      payment: {
        id: newId("pay_"),
        invoice_id: id,
        customer_id: customer.id,
        amount: fromCents(amountCents),
        currency: "USD",
        method,
        paid_at: ts(paidAtMs),
        reference: paymentReference(rng, method),
        notes: note ?? (method === "cash" && rng.chance(0.4) ? "Paid at door" : null),
        created_at: ts(paymentCreatedMs),
      },
    });
    paidCents += amountCents;
    updatedMs = Math.max(updatedMs, paymentCreatedMs);
  };

  if (rng.chance(0.03)) {
    status = "cancelled";
    sentMs = rng.chance(0.5) ? between(createdMs, ANCHOR_MS - HOUR_MS) : null;
    updatedMs = between(sentMs ?? createdMs, ANCHOR_MS - MINUTE_MS);
  } else if ((createdMs > ANCHOR_MS - 7 * DAY_MS && rng.chance(0.5)) || rng.chance(0.01)) {
    status = "draft";
  } else {
    sentMs = seconds(Math.min(createdMs + rng.int(60_000, DAY_MS), ANCHOR_MS - MINUTE_MS));
    updatedMs = sentMs;
    const earliest = sentMs + 30_000;
    const latest = Math.max(
      earliest,
      Math.min(ANCHOR_MS - 30_000, pastDue ? dueEndMs + 15 * DAY_MS : ANCHOR_MS),
    );
    const r = rng.next();
    const outcome = pastDue
      ? r < 0.85
        ? "paid"
        : r < 0.91
          ? "partial"
          : "unpaid"
      : r < 0.35
        ? "paid"
        : r < 0.45
          ? "partial"
          : "unpaid";
    if (outcome === "paid") {
      const parts = totalCents >= 300 && rng.chance(0.12) ? rng.int(2, 3) : totalCents > 0 ? 1 : 0;
      const times = Array.from({ length: parts }, () => between(earliest, latest)).sort((a, b) => a - b);
      splitCents(rng, totalCents, parts).forEach((amount, i) => {
        pay(amount, times[i]!, null);
      });
      status = "paid";
      paidMs = times.at(-1) ?? sentMs;
    } else {
      if (outcome === "partial" && totalCents >= 2) {
        const amount = Math.min(
          totalCents - 1,
          Math.max(1, Math.round(totalCents * (0.2 + rng.next() * 0.5))),
        );
        pay(amount, between(earliest, latest), "Partial payment");
      }
      status = pastDue ? "overdue" : "pending";
      if (pastDue) updatedMs = Math.max(updatedMs, dueEndMs + 5 * MINUTE_MS);
    }
  }

  const invoice: CleanItAllInvoice = {
    id,
    number: `INV-${String(sequence).padStart(4, "0")}`,
    customer_id: customer.id,
    job_id: job?.id ?? null,
    status,
    line_items: lineItems,
    subtotal: fromCents(subtotalCents),
    tax: fromCents(taxCents),
    total: fromCents(totalCents),
    amount_paid: fromCents(paidCents),
    currency: "USD",
    issue_date: issueDate,
    due_date: dueDate,
    sent_at: sentMs === null ? null : ts(sentMs),
    paid_at: paidMs === null ? null : ts(paidMs),
    created_at: ts(createdMs),
    updated_at: ts(updatedMs),
  };
  return { invoice, payments };
}
