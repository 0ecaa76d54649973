/**
 * Deterministic seed data for one company: the same spec and id sequences give the same records,
 * byte for byte. Everything is generated relative to SEED_ANCHOR with one Rng on the company seed;
 * records are created in time order so auto-increment ids follow created_at, as in a real database.
 */
import { EMAIL_DOMAINS } from "../core/names.js";
import { Rng } from "../core/rng.js";
import { DAY_MS, SEED_ANCHOR } from "../core/time.js";
import { centsToNumber, lineTotalCents } from "./money.js";
import {
  ADDRESS2,
  CATALOG,
  COMPANY_DESCRIPTIONS,
  CUSTOMER_NOTES,
  FR_FIRST_NAMES,
  FR_LAST_NAMES,
  FR_LOCALITIES,
  FR_STREET_NAMES,
  FREE_LINES,
  INVOICE_NOTES,
  JOB_DESCRIPTIONS,
  JOB_TYPES,
  type Localised,
  TEAM_MEMBER_NAMES,
  type Trade,
  UNTYPED_TITLES,
  VISIT_NOTES,
} from "./pools.js";
import {
  type ArtisanCatalogItem,
  type ArtisanCompanySpec,
  type ArtisanCompanyState,
  type ArtisanCompanyWithPlan,
  type ArtisanCustomer,
  type ArtisanIdSequences,
  type ArtisanInvoice,
  type ArtisanInvoiceLine,
  type ArtisanJob,
  type ArtisanJobStatus,
  type ArtisanJobType,
  type ArtisanSiteVisit,
  type ArtisanSiteVisitStatus,
  type ArtisanTeamMember,
  nextId,
} from "./types.js";
import { type Zone, zone } from "./zone.js";

export const DEFAULT_SIZE = { customers: 250, jobs: 1200, siteVisits: 2500, invoices: 900 } as const;

const HISTORY_DAYS = 548;
const HOUR_MS = 3_600_000;

/** `FA` + `YY` + `MM` of the creation month in the company zone + 5-digit sequence. */
export function invoiceNumber(createdAt: string, sequence: number): string {
  return `FA${createdAt.slice(2, 4)}${createdAt.slice(5, 7)}${String(sequence).padStart(5, "0")}`;
}

const plain = (text: string) =>
  text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");

function phone(rng: Rng, mobile: boolean): string {
  const lead = mobile ? rng.pick(["6", "7"]) : String(rng.int(1, 5));
  const pairs = Array.from({ length: 4 }, () => String(rng.int(0, 99)).padStart(2, "0"));
  return `+33 ${lead} ${pairs.join(" ")}`;
}

/** Weighted pick of an index; `weights` need not sum to 1. */
function weighted(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let roll = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    roll -= weights[i] ?? 0;
    if (roll < 0) return i;
  }
  return weights.length - 1;
}

/** Index into a cumulative weight table by binary search (fast picks among many customers). */
function pickCumulative(rng: Rng, cumulative: readonly number[]): number {
  const roll = rng.next() * (cumulative[cumulative.length - 1] ?? 0);
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] ?? 0) > roll) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface CustomerDraft {
  record: ArtisanCustomer;
  createdMs: number;
}

interface JobDraft {
  customer: CustomerDraft;
  createdMs: number;
  updatedMs: number;
  typeIndex: number | null;
  title: string;
  description: string | null;
  address: string | null;
  visitCount: number;
  record?: ArtisanJob;
  visits: VisitDraft[];
}

interface VisitDraft {
  job: JobDraft;
  scheduledMs: number;
  createdMs: number;
  updatedMs: number;
  duration: number | null;
  status: ArtisanSiteVisitStatus;
  teamMemberId: number | null;
  notes: string | null;
}

interface InvoiceDraft {
  customerId: number;
  trade: Trade;
  createdMs: number;
}

export function seedCompany(spec: ArtisanCompanySpec, ids: ArtisanIdSequences): ArtisanCompanyState {
  const rng = new Rng(spec.seed);
  const locale = spec.locale ?? "fr";
  const tz = zone(spec.timezone ?? "Europe/Paris");
  const anchor = SEED_ANCHOR.getTime();
  const text = (pair: Localised) => pair[locale];
  const size = { ...DEFAULT_SIZE, ...spec.size };

  const profile = seedProfile(spec, rng);

  const jobTypes = new Map<number, ArtisanJobType>();
  const jobTypeIds = JOB_TYPES.map((type) => {
    const id = nextId(ids, "jobType");
    jobTypes.set(id, { id, name: text(type.name) });
    return id;
  });

  const teamMembers = new Map<number, ArtisanTeamMember>();
  const teamSize = rng.int(3, 5);
  const teamStart = rng.int(0, TEAM_MEMBER_NAMES.length - 1);
  for (let i = 0; i < teamSize; i++) {
    const id = nextId(ids, "teamMember");
    teamMembers.set(id, { id, name: TEAM_MEMBER_NAMES[(teamStart + i) % TEAM_MEMBER_NAMES.length] ?? "" });
  }
  const teamIds = [...teamMembers.keys()];

  const items = new Map<number, ArtisanCatalogItem>();
  const itemSeeds = CATALOG.map((seed) => {
    const id = nextId(ids, "item");
    items.set(id, { id, name: text(seed.name), price_with_tax: seed.price });
    return { ...seed, id };
  });

  // Customers, in creation order.
  const customerTimes = Array.from(
    { length: size.customers },
    () => anchor - rng.int(HOUR_MS, HISTORY_DAYS * DAY_MS),
  ).sort((a, b) => a - b);
  const usedEmails = new Set<string>();
  const customers: CustomerDraft[] = customerTimes.map((createdMs) =>
    seedCustomer(rng, ids, tz, createdMs, anchor, usedEmails),
  );

  // Jobs: a few key accounts (property managers, offices) get a large share, so per-customer
  // pagination of jobs and site visits has real depth.
  const heavyShares = [0.05, 0.033, 0.02];
  const oldest = Math.max(1, Math.floor(customers.length / 5));
  const heavy = customers.length > 0 ? heavyShares.map(() => rng.int(0, oldest - 1)) : [];
  const cumulative: number[] = [];
  let running = 0;
  for (let i = 0; i < customers.length; i++) {
    running += 1 + rng.next() ** 3 * 6;
    cumulative.push(running);
  }
  const heavyJobs = heavy.flatMap((index, h) =>
    Array.from({ length: Math.round((heavyShares[h] ?? 0) * size.jobs) }, () => index),
  );
  const jobDrafts: JobDraft[] = [];
  if (customers.length > 0) {
    for (let j = 0; j < size.jobs; j++) {
      const customer = customers[heavyJobs[j] ?? pickCumulative(rng, cumulative)];
      if (customer) jobDrafts.push(seedJobDraft(rng, customer, anchor, text));
    }
  }
  jobDrafts.sort((a, b) => a.createdMs - b.createdMs);

  // Visit counts: a plausible spread, then nudged so the total is exactly the requested size.
  const countWeights = [12, 30, 25, 18, 10, 3, 2];
  for (const job of jobDrafts) {
    job.visitCount = weighted(rng, countWeights);
    if (heavy.some((h) => customers[h] === job.customer)) job.visitCount = Math.max(2, job.visitCount);
  }
  const visitTarget = jobDrafts.length > 0 ? size.siteVisits : 0;
  const cap = Math.max(8, Math.ceil(visitTarget / Math.max(1, jobDrafts.length)) + 2);
  let visitTotal = jobDrafts.reduce((sum, job) => sum + job.visitCount, 0);
  while (visitTotal !== visitTarget) {
    const job = jobDrafts[rng.int(0, jobDrafts.length - 1)];
    if (!job) break;
    if (visitTotal < visitTarget && job.visitCount < cap) {
      job.visitCount++;
      visitTotal++;
    } else if (visitTotal > visitTarget && job.visitCount > 0) {
      job.visitCount--;
      visitTotal--;
    }
  }

  const allVisits: VisitDraft[] = [];
  for (const job of jobDrafts) {
    seedVisits(rng, tz, job, anchor, teamIds, text);
    allVisits.push(...job.visits);
  }

  // Job records (ids in creation order), statuses consistent with their visits.
  const jobs = new Map<number, ArtisanJob>();
  for (const draft of jobDrafts) {
    const status = jobStatus(rng, draft, anchor);
    const id = nextId(ids, "job");
    const typeId = draft.typeIndex === null ? null : (jobTypeIds[draft.typeIndex] ?? null);
    draft.record = {
      id,
      customer_id: draft.customer.record.id,
      job_type_id: typeId,
      title: draft.title,
      description: draft.description,
      address: draft.address,
      status,
      created_at: tz.render(draft.createdMs),
      updated_at: tz.render(draft.updatedMs),
    };
    jobs.set(id, draft.record);
  }

  allVisits.sort((a, b) => a.createdMs - b.createdMs);
  const siteVisits = new Map<number, ArtisanSiteVisit>();
  for (const visit of allVisits) {
    const id = nextId(ids, "siteVisit");
    const job = visit.job.record;
    if (!job) continue;
    siteVisits.set(id, {
      id,
      job_id: job.id,
      customer_id: job.customer_id,
      team_member_id: visit.teamMemberId,
      scheduled_at: tz.render(visit.scheduledMs),
      duration_minutes: visit.duration,
      status: visit.status,
      notes: visit.notes,
      created_at: tz.render(visit.createdMs),
      updated_at: tz.render(visit.updatedMs),
    });
  }

  const state: ArtisanCompanyState = {
    spec,
    profile,
    customers: new Map(customers.map(({ record }) => [record.id, record])),
    jobs,
    siteVisits,
    invoices: new Map(),
    invoiceLines: new Map(),
    jobTypes,
    teamMembers,
    items,
    nextInvoiceSequence: 1,
  };

  seedInvoices(rng, state, ids, tz, jobDrafts, customers, size.invoices, anchor, itemSeeds, text);
  return state;
}

function seedProfile(spec: ArtisanCompanySpec, rng: Rng): ArtisanCompanyWithPlan {
  const locale = spec.locale ?? "fr";
  const handle = plain(spec.slug);
  const domain = `${handle}.fr`;
  const locality = rng.pick(FR_LOCALITIES);
  return {
    slug: spec.slug,
    name: spec.name,
    description: rng.pick(COMPANY_DESCRIPTIONS)[locale],
    phone: phone(rng, false),
    mobile: rng.chance(0.5) ? phone(rng, true) : null,
    email: `contact@${domain}`,
    website: `https://${domain}`,
    address: `${rng.int(1, 120)} ${rng.pick(FR_STREET_NAMES)}`,
    address2: null,
    zip_code: locality.zip,
    city: locality.city,
    country: "FR",
    opening_hours: {
      monday: "8:00-18:00",
      tuesday: "8:00-18:00",
      wednesday: "8:00-18:00",
      thursday: "8:00-18:00",
      friday: "8:00-18:00",
      saturday: "9:00-12:00",
    },
    social: {
      facebook: rng.chance(0.5) ? `https://facebook.com/${handle}` : null,
      instagram: `https://instagram.com/${handle}`,
      twitter: null,
      youtube: null,
    },
    locale,
    currency: spec.currency ?? "EUR",
    timezone: spec.timezone ?? "Europe/Paris",
    plan: spec.plan ?? "pro",
  };
}

function seedCustomer(
  rng: Rng,
  ids: ArtisanIdSequences,
  tz: Zone,
  createdMs: number,
  anchor: number,
  usedEmails: Set<string>,
): CustomerDraft {
  const first = rng.pick(FR_FIRST_NAMES);
  const last = rng.pick(FR_LAST_NAMES);
  const walkIn = rng.chance(0.04);
  let email: string | null = null;
  if (!walkIn && rng.chance(0.85)) {
    const base = `${plain(first)}.${plain(last)}`;
    const domain = rng.pick(EMAIL_DOMAINS);
    let candidate = `${base}@${domain}`;
    for (let n = 2; usedEmails.has(candidate); n++) candidate = `${base}${n}@${domain}`;
    usedEmails.add(candidate);
    email = candidate;
  }
  const hasAddress = !walkIn && rng.chance(0.92);
  const locality = rng.pick(FR_LOCALITIES);
  const mobile = rng.chance(0.55) ? phone(rng, true) : null;
  const updatedMs = rng.chance(0.3) ? createdMs + Math.floor(rng.next() * (anchor - createdMs)) : createdMs;
  const record: ArtisanCustomer = {
    id: nextId(ids, "customer"),
    first_name: first,
    last_name: last,
    full_name: `${first} ${last}`,
    email,
    phone: rng.chance(0.65) ? phone(rng, rng.chance(0.4)) : null,
    mobile,
    address: hasAddress ? `${rng.int(1, 180)} ${rng.pick(FR_STREET_NAMES)}` : null,
    address2: hasAddress && rng.chance(0.12) ? rng.pick(ADDRESS2) : null,
    zip_code: hasAddress ? locality.zip : null,
    city: hasAddress ? locality.city : null,
    country: hasAddress ? "FR" : null,
    notes: rng.chance(0.2) ? rng.pick(CUSTOMER_NOTES) : null,
    send_sms: rng.chance(0.8),
    is_walk_in: walkIn,
    created_at: tz.render(createdMs),
    updated_at: tz.render(updatedMs),
  };
  return { record, createdMs };
}

function seedJobDraft(
  rng: Rng,
  customer: CustomerDraft,
  anchor: number,
  text: (pair: Localised) => string,
): JobDraft {
  const createdMs = customer.createdMs + Math.floor(rng.next() * (anchor - customer.createdMs));
  const typed = rng.chance(0.9);
  const typeIndex = typed ? rng.int(0, JOB_TYPES.length - 1) : null;
  const titles = typeIndex === null ? UNTYPED_TITLES : (JOB_TYPES[typeIndex]?.titles ?? UNTYPED_TITLES);
  const { address, city } = customer.record;
  return {
    customer,
    createdMs,
    updatedMs: createdMs,
    typeIndex,
    title: text(rng.pick(titles)),
    description: rng.chance(0.75) ? text(rng.pick(JOB_DESCRIPTIONS)) : null,
    address: address && city && rng.chance(0.9) ? `${address}, ${city}` : null,
    visitCount: 0,
    visits: [],
  };
}

const VISIT_HOURS = [8, 9, 10, 11, 14, 15, 16, 17];
const DURATIONS = [30, 45, 60, 90, 120, 180, 240];

/** Visits on working days, business hours in the company zone, from after the job's creation on. */
function seedVisits(
  rng: Rng,
  tz: Zone,
  job: JobDraft,
  anchor: number,
  teamIds: readonly number[],
  text: (pair: Localised) => string,
): void {
  let day = job.createdMs + rng.int(1, 14) * DAY_MS;
  for (let k = 0; k < job.visitCount; k++) {
    if (k > 0) day += rng.int(1, 7) * DAY_MS;
    const local = tz.render(day);
    let [year, month, date] = local.slice(0, 10).split("-").map(Number) as [number, number, number];
    if (new Date(Date.UTC(year, month - 1, date)).getUTCDay() === 0) {
      const monday = new Date(Date.UTC(year, month - 1, date + 1));
      [year, month, date] = [monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate()];
    }
    const scheduledMs = tz.fromLocal(year, month, date, rng.pick(VISIT_HOURS), rng.pick([0, 30]));
    const duration = rng.chance(0.9) ? rng.pick(DURATIONS) : null;
    const past = scheduledMs < anchor;
    const status: ArtisanSiteVisitStatus = past
      ? rng.chance(0.9)
        ? "completed"
        : "cancelled"
      : rng.chance(0.94)
        ? "scheduled"
        : "cancelled";
    const createdMs =
      job.createdMs + Math.floor(rng.next() * (Math.min(scheduledMs, anchor) - job.createdMs));
    let updatedMs = createdMs;
    if (past) updatedMs = Math.min(anchor, scheduledMs + (duration ?? 60) * 60_000 + rng.int(0, 3 * HOUR_MS));
    else if (status === "cancelled") updatedMs = createdMs + Math.floor(rng.next() * (anchor - createdMs));
    job.visits.push({
      job,
      scheduledMs,
      createdMs,
      updatedMs: Math.max(updatedMs, createdMs),
      duration,
      status,
      teamMemberId: teamIds.length > 0 && rng.chance(0.85) ? rng.pick(teamIds) : null,
      notes: rng.chance(0.3) ? text(rng.pick(VISIT_NOTES)) : null,
    });
  }
}

function jobStatus(rng: Rng, job: JobDraft, anchor: number): ArtisanJobStatus {
  const visits = job.visits;
  const live = visits.filter((visit) => visit.status !== "cancelled");
  const lastTouch = Math.max(job.createdMs, ...visits.map((visit) => visit.updatedMs));
  job.updatedMs = lastTouch;
  if (visits.length === 0) {
    const recent = anchor - job.createdMs < 30 * DAY_MS;
    const status: ArtisanJobStatus = recent
      ? rng.pick(["draft", "open"] as const)
      : ((["open", "draft", "cancelled"] as const)[weighted(rng, [45, 15, 40])] ?? "open");
    if (status === "cancelled")
      job.updatedMs = job.createdMs + Math.floor(rng.next() * (anchor - job.createdMs));
    return status;
  }
  if (live.length === 0) return "cancelled";
  if (live.every((visit) => visit.status === "completed")) {
    const lastVisit = Math.max(...live.map((visit) => visit.scheduledMs));
    return anchor - lastVisit < 14 * DAY_MS && rng.chance(0.2) ? "in_progress" : "completed";
  }
  return live.some((visit) => visit.status === "completed") ? "in_progress" : "open";
}

function seedInvoices(
  rng: Rng,
  state: ArtisanCompanyState,
  ids: ArtisanIdSequences,
  tz: Zone,
  jobs: readonly JobDraft[],
  customers: readonly CustomerDraft[],
  count: number,
  anchor: number,
  itemSeeds: ReadonlyArray<(typeof CATALOG)[number] & { id: number }>,
  text: (pair: Localised) => string,
): void {
  const tradeOf = (job: JobDraft): Trade =>
    job.typeIndex === null ? "plumbing" : (JOB_TYPES[job.typeIndex]?.trade ?? "plumbing");
  // Invoices follow completed jobs; tiny specs without any fall back to other jobs, then customers.
  let sources: Array<{ customerId: number; trade: Trade; readyMs: number }> = jobs
    .filter((job) => job.record?.status === "completed")
    .map((job) => ({
      customerId: job.customer.record.id,
      trade: tradeOf(job),
      readyMs: Math.max(job.createdMs, ...job.visits.map((visit) => visit.updatedMs)),
    }));
  if (sources.length === 0) {
    sources = jobs.map((job) => ({
      customerId: job.customer.record.id,
      trade: tradeOf(job),
      readyMs: job.createdMs,
    }));
  }
  if (sources.length === 0) {
    sources = customers.map(({ record, createdMs }) => ({
      customerId: record.id,
      trade: "plumbing",
      readyMs: createdMs,
    }));
  }
  if (sources.length === 0) return;
  for (let i = sources.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [sources[i], sources[j]] = [
      sources[j] as (typeof sources)[number],
      sources[i] as (typeof sources)[number],
    ];
  }

  const drafts: InvoiceDraft[] = [];
  for (let i = 0; i < count; i++) {
    // Every source once first (in a shuffled order), then second invoices (balance after deposit).
    const source = i < sources.length ? sources[i] : sources[rng.int(0, sources.length - 1)];
    if (!source) continue;
    const delay = rng.int(0, 10 * DAY_MS) + (i >= sources.length ? rng.int(1, 20) * DAY_MS : 0);
    const late = source.readyMs + delay;
    const createdMs =
      late < anchor ? late : source.readyMs + Math.floor(rng.next() * (anchor - source.readyMs));
    drafts.push({ customerId: source.customerId, trade: source.trade, createdMs });
  }
  drafts.sort((a, b) => a.createdMs - b.createdMs);

  for (const draft of drafts) {
    const id = nextId(ids, "invoice");
    const ageDays = (anchor - draft.createdMs) / DAY_MS;
    const paid = rng.chance(ageDays > 60 ? 0.96 : ageDays > 30 ? 0.8 : 0.45);
    const updatedMs = paid
      ? draft.createdMs + Math.floor(rng.next() * Math.min(30 * DAY_MS, anchor - draft.createdMs))
      : draft.createdMs;
    const lines: ArtisanInvoiceLine[] = [];
    const lineCount = 1 + weighted(rng, [35, 35, 20, 10]);
    let totalCents = 0n;
    for (let l = 0; l < lineCount; l++) {
      const candidates = itemSeeds.filter((item) => item.trade === "any" || item.trade === draft.trade);
      const useItem = candidates.length > 0 && rng.chance(0.75);
      const item = useItem ? rng.pick(candidates) : null;
      const unit = item?.unit ?? "unit";
      const quantity =
        unit === "hour"
          ? rng.pick([0.5, 1, 1.5, 2, 2.5, 3, 4])
          : unit === "area"
            ? rng.int(10, 80)
            : rng.chance(0.8)
              ? 1
              : rng.int(2, 3);
      const price = item ? item.price : rng.money(8, 250);
      const discount = rng.chance(0.8) ? 0 : rng.pick([5, 10, 12.5, 15, 20]);
      const cents = lineTotalCents(quantity, price, discount);
      totalCents += cents;
      lines.push({
        id: nextId(ids, "invoiceLine"),
        item_id: item?.id ?? null,
        description: rng.chance(0.05) ? null : item ? text(item.name) : text(rng.pick(FREE_LINES)),
        quantity,
        unit_price_with_tax: price,
        discount_percent: discount,
        line_total_with_tax: centsToNumber(cents),
      });
    }
    const createdAt = tz.render(draft.createdMs);
    const invoice: ArtisanInvoice = {
      id,
      invoice_number: invoiceNumber(createdAt, state.nextInvoiceSequence++),
      customer_id: draft.customerId,
      paid,
      total_with_tax: centsToNumber(totalCents),
      notes: rng.chance(0.45) ? text(rng.pick(INVOICE_NOTES)) : null,
      created_at: createdAt,
      updated_at: tz.render(updatedMs),
    };
    state.invoices.set(id, invoice);
    state.invoiceLines.set(id, lines);
  }
}
