import { Rng } from "../core/rng.js";
import { DAY_MS, SEED_ANCHOR } from "../core/time.js";
import {
  APPLICATION_NOTES,
  ASSET_TEMPLATES,
  type Branch,
  BUSINESS_NAMES,
  CATALOG,
  type CatalogItem,
  type City,
  CREW_TEMPLATES,
  type CrewKind,
  CUSTOMER_FILES,
  CUSTOMER_NOTES,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  PHOTO_CAPTIONS,
  PROGRAMS,
  type Program,
  REFERRED_BY,
  REGIONS,
  type Region,
  STREETS,
  SUB_STATUSES,
  VENDOR_TEMPLATES,
} from "./pools.js";
import type {
  JobCloserAccount,
  JobCloserAttachment,
  JobCloserChemicalApplication,
  JobCloserCompany,
  JobCloserCompanySpec,
  JobCloserCompanyState,
  JobCloserCrew,
  JobCloserCustomer,
  JobCloserCustomerStatus,
  JobCloserEmployee,
  JobCloserEvent,
  JobCloserEventStatus,
  JobCloserInvoice,
  JobCloserInvoiceStatus,
  JobCloserJob,
  JobCloserJobItem,
  JobCloserJobStatus,
  JobCloserLocation,
  JobCloserNote,
  JobCloserPayment,
  JobCloserPaymentMethod,
  JobCloserProduct,
  JobCloserSize,
  JobCloserTrackableAsset,
  JobCloserVendor,
} from "./types.js";
import { fromCents, hexId, multiplyToCents, render, roundPlaces, toCents } from "./values.js";
import { central, type Zone, zone } from "./zone.js";

/**
 * Deterministic seed data for one company: everything is drawn from one `Rng(spec.seed)` in a fixed
 * order, relative to `SEED_ANCHOR`, so the same spec yields the same records byte for byte. Statuses
 * agree with dates as of the anchor (visits before it are done, after it scheduled; invoices past
 * due and unpaid are overdue). Wall-clock times (visits at 08:00) are in the company's own zone and
 * rendered, like every timestamp, in America/Chicago.
 */

export const DEFAULT_SIZE: JobCloserSize = {
  locations: 3,
  customers: 150,
  jobs: 400,
  events: 800,
  chemicalApplications: 600,
  products: 40,
  crews: 5,
  employees: 15,
  invoices: 300,
  trackableAssets: 25,
  vendors: 12,
};

/** The white-label domain of jobcloser.com (the documented `DomainId`). */
export const JOBCLOSER_DOMAIN_ID = "9870231330c395a608cfea48ee8b5f";

/** Where uploaded files are hosted (the documented Attachment `Url` form). */
export const UPLOADS_ORIGIN = "https://jobcloser.com/Uploads";

export const attachmentUrl = (id: string, fileName: string) =>
  `${UPLOADS_ORIGIN}/${id}/${encodeURIComponent(fileName)}`;

/** Flow meter K-factor of the seeded sprayers: raw pulses per gallon. */
export const PULSES_PER_GALLON = 100;

/** Minutes of battery run time per percent of charge. */
export const RUNTIME_MINUTES_PER_PERCENT = 15.7;

const ANCHOR_MS = SEED_ANCHOR.getTime();
const HISTORY_START_MS = ANCHOR_MS - 730 * DAY_MS;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

const JOB_STATUS_WEIGHTS: ReadonlyArray<[JobCloserJobStatus, number]> = [
  ["Lead", 6],
  ["Estimate", 8],
  ["Sold", 5],
  ["Scheduled", 14],
  ["InProgress", 12],
  ["Completed", 48],
  ["Cancelled", 7],
];
const SERVICE_STATUSES: ReadonlySet<JobCloserJobStatus> = new Set([
  "Scheduled",
  "InProgress",
  "Completed",
  "Cancelled",
]);
const PAYMENT_WEIGHTS: ReadonlyArray<[JobCloserPaymentMethod, number]> = [
  ["CreditCard", 45],
  ["Check", 25],
  ["ACH", 12],
  ["Cash", 12],
  ["Other", 6],
];
const CUSTOMER_TYPES: ReadonlyArray<[string, number]> = [
  ["Residential", 72],
  ["Commercial", 18],
  ["HOA", 4],
  ["Property Management", 6],
];

const ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

function ascii(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "");
}

function weighted<T>(rng: Rng, table: ReadonlyArray<readonly [T, number]>): T {
  let total = 0;
  for (const [, weight] of table) total += weight;
  let roll = rng.next() * total;
  for (const [value, weight] of table) {
    roll -= weight;
    if (roll < 0) return value;
  }
  const last = table[table.length - 1];
  if (!last) throw new Error("weighted: empty table");
  return last[0];
}

/** Largest-remainder split of `total` by weight, so small totals still get every category. */
function apportion<T>(total: number, table: ReadonlyArray<readonly [T, number]>): T[] {
  let weightSum = 0;
  for (const [, weight] of table) weightSum += weight;
  const shares = table.map(([value, weight]) => ({ value, exact: (total * weight) / weightSum }));
  const counts = shares.map((share) => Math.floor(share.exact));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = shares
    .map((share, index) => ({ index, rest: share.exact - Math.floor(share.exact) }))
    .sort((a, b) => b.rest - a.rest || a.index - b.index);
  for (const { index } of order) {
    if (left <= 0) break;
    counts[index] = (counts[index] ?? 0) + 1;
    left--;
  }
  return shares.flatMap((share, index) => Array.from({ length: counts[index] ?? 0 }, () => share.value));
}

function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Sorts in place by a rendered timestamp (as an instant), then by `Id`. */
function sortByTime<T extends { Id: string }>(records: T[], time: (record: T) => string): void {
  const keyed = records.map((record) => ({ record, ms: Date.parse(time(record)) }));
  keyed.sort((a, b) => a.ms - b.ms || (a.record.Id < b.record.Id ? -1 : a.record.Id > b.record.Id ? 1 : 0));
  keyed.forEach((entry, index) => {
    records[index] = entry.record;
  });
}

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? "");

/** Wall-clock helpers in one zone. Days are UTC-midnight instants naming a calendar date. */
class Clock {
  constructor(readonly zone: Zone) {}

  /** The calendar day (as UTC midnight) of an instant, in this zone. */
  day(ms: number): number {
    return Math.floor((ms + this.zone.offsetMinutes(ms) * MINUTE_MS) / DAY_MS) * DAY_MS;
  }

  at(day: number, hour: number, minute = 0, second = 0): number {
    const date = new Date(day);
    return this.zone.fromLocal(
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      hour,
      minute,
      second,
    );
  }

  /** Monday–Saturday: a Sunday moves to Monday. */
  workday(day: number): number {
    return new Date(day).getUTCDay() === 0 ? day + DAY_MS : day;
  }

  month(ms: number): number {
    return new Date(this.day(ms)).getUTCMonth();
  }

  hour(ms: number): number {
    return new Date(ms + this.zone.offsetMinutes(ms) * MINUTE_MS).getUTCHours();
  }
}

interface Person {
  first: string;
  last: string;
}

interface Device {
  name: string;
  meter: string;
  calibration: number;
}

interface CustomerDraft {
  record: JobCloserCustomer;
  createdMs: number;
  branch: Branch;
  point: { lat: number; lon: number };
  commercial: boolean;
  jobs: JobDraft[];
}

interface VisitPlan {
  startMs: number;
  endMs: number;
  allDay: boolean;
  status: JobCloserEventStatus;
  estimate: boolean;
  title: string;
}

interface JobDraft {
  record: JobCloserJob;
  status: JobCloserJobStatus;
  program: Program;
  customer: CustomerDraft;
  createdMs: number;
  point: { lat: number; lon: number };
  visits: VisitPlan[];
  items: JobCloserJobItem[];
  /** Items (and extra products) sprayed at visits. */
  applied: Array<{ product: JobCloserProduct; catalog: CatalogItem; item: JobCloserJobItem | null }>;
  events: JobCloserEvent[];
  crew: CrewDraft | null;
  /** Completed visits before cancellation (Cancelled jobs) or so far (InProgress). */
  doneVisits: number;
}

interface CrewDraft {
  record: JobCloserCrew;
  kind: CrewKind;
  lead: EmployeeDraft | null;
  devices: Device[];
}

interface EmployeeDraft {
  record: JobCloserEmployee;
  account: JobCloserAccount | null;
}

export function seedCompany(spec: JobCloserCompanySpec): JobCloserCompanyState {
  const rng = new Rng(spec.seed);
  const size: JobCloserSize = { ...DEFAULT_SIZE, ...spec.size };
  const region: Region = REGIONS[spec.region ?? "birmingham"];
  const clock = new Clock(zone(region.ianaZone));
  const chicago = new Clock(central());
  const taken = new Set<string>();
  const newId = (): string => {
    for (;;) {
      const id = hexId(rng);
      if (!taken.has(id)) {
        taken.add(id);
        return id;
      }
    }
  };
  const between = (a: number, b: number) => Math.floor((b > a ? a + rng.next() * (b - a) : a) / 1000) * 1000;
  const phone = () => `(${rng.pick(region.areaCodes)}) 555-01${String(rng.int(0, 99)).padStart(2, "0")}`;
  const person = (): Person => ({ first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) });
  const businessHour = (day: number) => clock.at(day, rng.int(8, 16), rng.int(0, 59), rng.int(0, 59));

  const branches = region.branches.slice(0, Math.max(1, Math.min(size.locations, region.branches.length)));
  const hq = branches[0]!;
  const shortName = spec.shortName ?? spec.name.split(/\s+/).slice(0, 2).join(" ");
  const mailDomain = `${ascii(shortName)}.example.com`;

  // Company.
  const companyId = spec.id ?? newId();
  taken.add(companyId);
  const companyCreatedMs = businessHour(clock.day(ANCHOR_MS - (900 + rng.int(0, 120)) * DAY_MS));

  // Accounts: the spec's users (the first owns the company), then staff logins.
  const accounts: JobCloserAccount[] = [];
  const emails = new Set(spec.users.map((user) => user.email.toLowerCase()));
  const uniqueEmail = (local: string): string => {
    for (let n = 1; ; n++) {
      const email = `${local}${n === 1 ? "" : n}@${mailDomain}`;
      if (!emails.has(email)) {
        emails.add(email);
        return email;
      }
    }
  };
  const addAccount = (
    who: Person,
    options: { email?: string; password?: string; id?: string; active?: boolean; createdMs: number },
    creator: string | null,
  ): JobCloserAccount => {
    const id = options.id ?? newId();
    taken.add(id);
    const created = render(options.createdMs);
    const account: JobCloserAccount = {
      Id: id,
      CompanyId: companyId,
      DomainId: JOBCLOSER_DOMAIN_ID,
      DateCreated: created,
      CreatedBy: creator ?? id,
      DateModified: created,
      ModifiedBy: creator ?? id,
      FirstName: who.first,
      LastName: who.last,
      Email: options.email ?? uniqueEmail(`${ascii(who.first)}.${ascii(who.last)}`),
      Password: options.password ?? rng.string(12, ALNUM),
      Phone: phone(),
      BillingAddress: `${hq.address1}, ${hq.city} ${region.state} ${hq.zip}`,
      PhysicalAddress: `${hq.address1}, ${hq.city} ${region.state} ${hq.zip}`,
      Active: options.active ?? true,
    };
    accounts.push(account);
    return account;
  };
  const users = spec.users.map((user, index) => {
    const fallback = person();
    return addAccount(
      { first: user.firstName ?? fallback.first, last: user.lastName ?? fallback.last },
      {
        email: user.email,
        password: user.password,
        id: user.id,
        active: user.active,
        createdMs: companyCreatedMs + index * 3 * DAY_MS,
      },
      index === 0 ? null : (accounts[0]?.Id ?? null),
    );
  });
  const owner = users[0] ?? addAccount(person(), { createdMs: companyCreatedMs }, null);
  const staffAccount = (who: Person, daysAfterStart: number, active = true) =>
    addAccount(
      who,
      { active, createdMs: businessHour(clock.day(companyCreatedMs + daysAfterStart * DAY_MS)) },
      owner.Id,
    );

  const company: JobCloserCompany = {
    Id: companyId,
    DateCreated: render(companyCreatedMs),
    CreatedBy: owner.Id,
    DateModified: render(companyCreatedMs + rng.int(30, 400) * DAY_MS),
    ModifiedBy: owner.Id,
    Name: spec.name,
    ShortName: shortName,
    TimeZone: region.windowsZone,
    BillingAddress1: hq.address1,
    BillingAddress2: null,
    BillingCity: hq.city,
    BillingState: region.state,
    BillingZip: hq.zip,
    PhysicalAddress1: hq.address1,
    PhysicalAddress2: null,
    PhysicalCity: hq.city,
    PhysicalState: region.state,
    PhysicalZip: hq.zip,
    BillingSameAsPhysical: true,
    Phone: hq.phone,
    Logo: `${UPLOADS_ORIGIN}/${companyId}/logo.png`,
    Watermark: `${UPLOADS_ORIGIN}/${companyId}/watermark.png`,
    WatermarkPosition: "Bottom Right",
    Active: true,
    Number: rng.int(10000, 29999),
    EnableApiAccess: spec.apiAccess ?? true,
  };

  // Locations.
  const locations: JobCloserLocation[] = branches.map((branch, index) => {
    const createdMs = businessHour(
      clock.day(companyCreatedMs + (index === 0 ? 0 : rng.int(30, 500)) * DAY_MS),
    );
    return {
      Id: newId(),
      CompanyId: companyId,
      Name: branch.name,
      Address1: branch.address1,
      Address2: rng.chance(0.3) ? `Suite ${rng.int(100, 300)}` : null,
      City: branch.city,
      State: region.state,
      Zip: branch.zip,
      Phone: branch.phone,
      Email: `${branch.email}@${mailDomain}`,
      Active: true,
      DateCreated: render(createdMs),
      CreatedBy: owner.Id,
      DateModified: null,
      ModifiedBy: null,
    };
  });
  const locationOf = new Map(branches.map((branch, index) => [branch, locations[index]!]));

  // Crews and employees.
  const crewTemplates = CREW_TEMPLATES.slice(0, Math.max(0, size.crews));
  const crews: CrewDraft[] = crewTemplates.map((template, index) => {
    const createdMs = businessHour(clock.day(companyCreatedMs + rng.int(1, 200) * DAY_MS));
    return {
      kind: template.kind,
      lead: null,
      devices: [],
      record: {
        Id: newId(),
        CompanyId: companyId,
        LocationId: locations[index % locations.length]?.Id ?? null,
        Name: template.name,
        Color: template.color,
        // The fifth crew and later ones were wound down.
        Active: index < 4 || index % 2 === 1,
        EmployeeIds: [],
        DateCreated: render(createdMs),
        CreatedBy: owner.Id,
        DateModified: null,
        ModifiedBy: null,
      },
    };
  });
  const activeCrews = crews.filter((crew) => crew.record.Active);

  type Role = { title: string; account: boolean; crew: CrewDraft | null; lead: boolean; active: boolean };
  const roles: Role[] = [
    { title: "Owner", account: true, crew: null, lead: false, active: true },
    ...users
      .slice(1)
      .map(() => ({ title: "Office Administrator", account: true, crew: null, lead: false, active: true })),
    { title: "Office Manager", account: true, crew: null, lead: false, active: true },
    { title: "Sales Representative", account: true, crew: null, lead: false, active: true },
    { title: "Sales Representative", account: true, crew: null, lead: false, active: true },
    ...crews.map((crew) => ({
      title:
        crew.kind === "wash"
          ? "Wash Tech Lead"
          : crew.kind === "termite"
            ? "Termite Specialist"
            : "Crew Lead",
      account: true,
      crew,
      lead: true,
      active: true,
    })),
  ];
  const techTitle: Record<CrewKind, string> = {
    pest: "Applicator",
    termite: "Termite Technician",
    lawn: "Lawn Technician",
    wash: "Pressure Washing Tech",
  };
  for (let i = 0; roles.length < size.employees; i++) {
    const crew = activeCrews.length > 0 ? activeCrews[i % activeCrews.length]! : null;
    roles.push({
      title: crew ? techTitle[crew.kind] : "Technician",
      account: false,
      crew,
      lead: false,
      active: true,
    });
  }
  // The last technician left the company: inactive, out of the crew, login disabled.
  const lastRole = roles[roles.length - 1];
  if (lastRole && roles.length > 6 && !lastRole.lead && lastRole.title !== "Owner") {
    lastRole.active = false;
    lastRole.account = true;
    lastRole.crew = null;
  }
  const employees: EmployeeDraft[] = roles.slice(0, Math.max(0, size.employees)).map((role, index) => {
    const isOwner = index === 0;
    const specUser = index < users.length ? users[index] : undefined;
    const who: Person = specUser ? { first: specUser.FirstName, last: specUser.LastName } : person();
    const account = specUser ?? (role.account ? staffAccount(who, rng.int(5, 400), role.active) : null);
    const createdMs = account
      ? Date.parse(account.DateCreated) + MINUTE_MS
      : businessHour(clock.day(companyCreatedMs + rng.int(10, 600) * DAY_MS));
    const crew = role.crew;
    const record: JobCloserEmployee = {
      Id: newId(),
      CompanyId: companyId,
      LocationId: crew?.record.LocationId ?? (isOwner ? (locations[0]?.Id ?? null) : rng.pick(locations).Id),
      AccountId: account?.Id ?? null,
      CrewId: crew?.record.Id ?? null,
      FirstName: who.first,
      LastName: who.last,
      Email:
        account?.Email ??
        (rng.chance(0.7) ? `${ascii(who.first)}${rng.int(1, 99)}@${rng.pick(EMAIL_DOMAINS)}` : null),
      Phone: account?.Phone ?? phone(),
      Title: role.title,
      Active: role.active,
      DateCreated: render(createdMs),
      CreatedBy: owner.Id,
      DateModified: role.active ? null : render(ANCHOR_MS - rng.int(20, 90) * DAY_MS),
      ModifiedBy: role.active ? null : owner.Id,
    };
    const draft: EmployeeDraft = { record, account };
    if (crew) {
      crew.record.EmployeeIds.push(record.Id);
      if (role.lead) crew.lead = draft;
    }
    return draft;
  });
  const salesAccounts = employees
    .filter((employee) => employee.record.Title === "Sales Representative" && employee.account)
    .map((employee) => employee.account!.Id);
  const sellers = [owner.Id, ...salesAccounts];
  const officeAccounts = [
    owner.Id,
    ...employees
      .filter((employee) => /Office/.test(employee.record.Title ?? "") && employee.account)
      .map((employee) => employee.account!.Id),
  ];

  // Products.
  const catalog = CATALOG.slice(0, Math.max(0, size.products));
  const productBySku = new Map<string, { product: JobCloserProduct; catalog: CatalogItem }>();
  const products: JobCloserProduct[] = catalog.map((item) => {
    const createdMs = businessHour(clock.day(companyCreatedMs + rng.int(1, 90) * DAY_MS));
    const modified = rng.chance(0.4) ? businessHour(clock.day(createdMs + rng.int(20, 600) * DAY_MS)) : null;
    const product: JobCloserProduct = {
      Id: newId(),
      CompanyId: companyId,
      Name: item.name,
      Description: item.description,
      Sku: item.sku,
      Category: item.category,
      Unit: item.unit,
      Price: item.price,
      Cost: item.cost,
      Taxable: item.taxable,
      Active: item.active ?? true,
      QuantityOnHand:
        item.kind === "service"
          ? null
          : rng.chance(0.2)
            ? roundPlaces(rng.int(1, 40) + 0.5, 1)
            : rng.int(0, 60),
      Notes: item.notes,
      Attachments: null,
      DateCreated: render(createdMs),
      CreatedBy: owner.Id,
      DateModified: modified === null ? null : render(Math.min(modified, ANCHOR_MS - HOUR_MS)),
      ModifiedBy: modified === null ? null : rng.pick(officeAccounts),
    };
    productBySku.set(item.sku, { product, catalog: item });
    return product;
  });

  // Trackable assets; sprayers become the crews' metered application devices.
  const assetTemplates = ASSET_TEMPLATES.slice(0, Math.max(0, size.trackableAssets));
  const meterOf = new Map<string, Device>();
  const assets: JobCloserTrackableAsset[] = assetTemplates.map((template, index) => {
    const createdMs = businessHour(clock.day(companyCreatedMs + rng.int(1, 500) * DAY_MS));
    const status =
      template.sprayer || template.type === "Vehicle"
        ? index === assetTemplates.length - 1 || template.name === "Truck 9"
          ? "Retired"
          : "InUse"
        : rng.chance(0.12)
          ? "InRepair"
          : "Available";
    const asset: JobCloserTrackableAsset = {
      Id: newId(),
      CompanyId: companyId,
      LocationId: rng.pick(locations).Id,
      AssignedEmployeeId: null,
      Name: template.name,
      Description: template.description,
      Type: template.type,
      SerialNumber: fill(template.serial, { n: String(rng.int(1000, 99999)).padStart(4, "0") }),
      Status: status,
      DateCreated: render(createdMs),
      CreatedBy: owner.Id,
      DateModified:
        status === "Retired" || status === "InRepair" ? render(ANCHOR_MS - rng.int(5, 120) * DAY_MS) : null,
      ModifiedBy: status === "Retired" || status === "InRepair" ? owner.Id : null,
    };
    if (template.sprayer && status === "InUse") {
      meterOf.set(template.name, {
        name: template.name,
        meter: `AF2${String(rng.int(1000, 9999))}`,
        calibration: roundPlaces(0.96 + rng.next() * 0.08, 2),
      });
    }
    return asset;
  });
  const devicePreference: Record<CrewKind, string[]> = {
    pest: ["Sprayer 1", "Sprayer 3", "Backpack Sprayer 1"],
    termite: ["Sprayer 4", "Sprayer 2"],
    lawn: ["Sprayer 2", "Sprayer 1"],
    wash: ["Soft Wash Rig 1", "Soft Wash Rig 2"],
  };
  const spareDevice: Device = { name: "Sprayer", meter: `AF2${rng.int(1000, 9999)}`, calibration: 1 };
  for (const crew of crews) {
    const preferred = devicePreference[crew.kind]
      .map((name) => meterOf.get(name))
      .filter((d) => d !== undefined);
    crew.devices = preferred.length > 0 ? preferred : [...meterOf.values()].slice(0, 1);
    if (crew.devices.length === 0) crew.devices = [spareDevice];
  }
  for (const asset of assets) {
    if (asset.Status !== "InUse") continue;
    const crew = crews.find((candidate) => candidate.devices.some((device) => device.name === asset.Name));
    const holder =
      crew?.lead ??
      rng.pick(
        employees.filter((e) => e.record.Active && e.record.CrewId !== null).concat(employees.slice(0, 1)),
      );
    asset.AssignedEmployeeId = holder?.record.Id ?? null;
  }

  // Vendors.
  const vendors: JobCloserVendor[] = VENDOR_TEMPLATES.slice(0, Math.max(0, size.vendors)).map((template) => {
    const branch = rng.pick(branches);
    const city = rng.pick(branch.cities);
    const createdMs = businessHour(clock.day(companyCreatedMs + rng.int(1, 600) * DAY_MS));
    const inactive = rng.chance(0.15);
    return {
      Id: newId(),
      CompanyId: companyId,
      Name: template.name,
      ContactName: rng.chance(0.9) ? template.contact : null,
      Email: template.email,
      Phone: phone(),
      Address1: `${rng.int(10, 4999)} ${rng.pick(["Industrial Dr", "Commerce Pkwy", "Distribution Way", "Park Dr", "Main St"])}`,
      Address2: rng.chance(0.2) ? `Unit ${rng.int(1, 20)}` : null,
      City: city.city,
      State: region.state,
      Zip: rng.pick(city.zips),
      Type: template.type,
      Notes: template.notes,
      Status: inactive ? "Inactive" : "Active",
      DateCreated: render(createdMs),
      CreatedBy: rng.pick(officeAccounts),
      DateModified: inactive ? render(ANCHOR_MS - rng.int(10, 300) * DAY_MS) : null,
      ModifiedBy: inactive ? owner.Id : null,
    };
  });

  // Customers, oldest first.
  const customerTimes = Array.from({ length: Math.max(0, size.customers) }, (_, index) =>
    index < Math.ceil(size.customers / 10)
      ? businessHour(clock.day(companyCreatedMs + rng.int(1, 30) * DAY_MS))
      : between(HISTORY_START_MS, ANCHOR_MS - DAY_MS),
  ).sort((a, b) => a - b);
  const customers: CustomerDraft[] = customerTimes.map((createdMs, index) => {
    const type = weighted(rng, CUSTOMER_TYPES);
    const commercial = type !== "Residential";
    const branch = rng.chance(0.5) ? hq : rng.pick(branches);
    const city: City = rng.pick(branch.cities);
    const who = person();
    const name = commercial
      ? fill(rng.pick(BUSINESS_NAMES), { city: city.city, n: String(rng.int(100, 999)) })
      : `${who.first} ${who.last}`;
    const street = `${rng.int(100, 9899)} ${rng.pick(STREETS)}`;
    const zip = rng.pick(city.zips);
    const unit = rng.chance(0.08) ? `${commercial ? "Suite" : "Apt"} ${rng.int(1, 40)}` : null;
    const billedElsewhere = rng.chance(commercial ? 0.35 : 0.1);
    const billingCity = billedElsewhere ? rng.pick(rng.pick(branches).cities) : city;
    const email = rng.chance(0.85)
      ? commercial
        ? `${rng.pick(["office", "billing", "manager", "ap"])}@${ascii(name).slice(0, 20)}.example.com`
        : `${ascii(who.first)}.${ascii(who.last)}${rng.chance(0.4) ? rng.int(1, 99) : ""}@${rng.pick(EMAIL_DOMAINS)}`
      : null;
    const record: JobCloserCustomer = {
      Id: newId(),
      CompanyId: companyId,
      LocationId: locationOf.get(branch)?.Id ?? null,
      SalespersonUserId: rng.chance(0.9) ? rng.pick(sellers) : null,
      Number: 3001 + index,
      Name: name,
      Email: email,
      Phone: rng.chance(0.95) ? phone() : null,
      JobAddress1: street,
      JobAddress2: unit,
      JobCity: city.city,
      JobState: region.state,
      JobZip: zip,
      BillingAddress1: billedElsewhere ? `PO Box ${rng.int(100, 9999)}` : street,
      BillingAddress2: billedElsewhere ? null : unit,
      BillingCity: billingCity.city,
      BillingState: region.state,
      BillingZip: billedElsewhere ? rng.pick(billingCity.zips) : zip,
      CustomerType: rng.chance(0.95) ? type : null,
      ReferredBy: rng.chance(0.75) ? rng.pick(REFERRED_BY) : null,
      Status: "Active",
      Archived: false,
      Attachments: null,
      Notes: null,
      Jobs: null,
      Invoices: null,
      Payments: null,
      DateCreated: render(createdMs),
      CreatedBy: rng.pick(sellers),
      DateModified: null,
      ModifiedBy: null,
    };
    return {
      record,
      createdMs,
      branch,
      commercial,
      point: { lat: city.lat + (rng.next() - 0.5) * 0.08, lon: city.lon + (rng.next() - 0.5) * 0.08 },
      jobs: [],
    };
  });
  const commercialCustomers = customers.filter((customer) => customer.commercial);

  // Jobs: statuses apportioned exactly, then visit counts fitted to the event total.
  const statuses = shuffle(
    rng,
    apportion(customers.length > 0 ? Math.max(0, size.jobs) : 0, JOB_STATUS_WEIGHTS),
  );
  const programWeights = PROGRAMS.map((program) => [program, program.weight] as const);
  const plans = statuses.map((status) => {
    const program = weighted(rng, programWeights);
    let visits = 0;
    if (status === "Estimate") visits = 1;
    else if (status === "Sold") visits = rng.chance(0.7) ? 1 : 0;
    else if (SERVICE_STATUSES.has(status)) visits = program.visits;
    return { status, program, visits };
  });
  const minVisits = (plan: (typeof plans)[number]) =>
    SERVICE_STATUSES.has(plan.status) || plan.status === "Estimate"
      ? 1
      : plan.status === "Sold"
        ? plan.visits
        : 0;
  let visitTotal = plans.reduce((sum, plan) => sum + plan.visits, 0);
  const target = Math.max(0, size.events);
  if (visitTotal > target) {
    // Cap the longest programs (future visits are booked a few at a time), then hand the rest back.
    const capped = (cap: number) =>
      plans.reduce((sum, plan) => sum + Math.max(minVisits(plan), Math.min(plan.visits, cap)), 0);
    let cap = plans.reduce((max, plan) => Math.max(max, plan.visits), 0);
    while (cap > 0 && capped(cap) > target) cap--;
    const cut = shuffle(
      rng,
      plans.filter((plan) => plan.visits > cap && cap >= minVisits(plan)),
    );
    for (const plan of plans) plan.visits = Math.max(minVisits(plan), Math.min(plan.visits, cap));
    visitTotal = capped(cap);
    for (const plan of cut) {
      if (visitTotal >= target) break;
      plan.visits++;
      visitTotal++;
    }
  }
  // Too few: more visits on service jobs, up to 24 each (so a small company may fall short).
  const growable = plans.filter((plan) => SERVICE_STATUSES.has(plan.status) && plan.visits < 24);
  while (visitTotal < target && growable.length > 0) {
    const index = rng.int(0, growable.length - 1);
    const pick = growable[index]!;
    pick.visits++;
    visitTotal++;
    if (pick.visits >= 24) growable.splice(index, 1);
  }

  const jobs: JobDraft[] = [];
  for (const plan of plans) {
    const job = planJob(plan.status, plan.program, plan.visits);
    jobs.push(job);
  }

  function planJob(status: JobCloserJobStatus, program: Program, visitCount: number): JobDraft {
    const interval = (program.intervalDays || 14) * DAY_MS;
    const estimateOnly = !SERVICE_STATUSES.has(status);
    let firstDay: number;
    let createdMs: number;
    let done = 0;
    const span = Math.max(0, visitCount - 1) * interval;
    if (status === "Lead") {
      createdMs = between(ANCHOR_MS - (rng.chance(0.25) ? 400 : 150) * DAY_MS, ANCHOR_MS - HOUR_MS);
      firstDay = clock.day(createdMs);
    } else if (status === "Estimate" || status === "Sold") {
      createdMs = between(ANCHOR_MS - (status === "Sold" ? 90 : 120) * DAY_MS, ANCHOR_MS - 3 * DAY_MS);
      firstDay = clock.workday(clock.day(createdMs + rng.int(1, 7) * DAY_MS));
      if (status === "Sold" && firstDay >= clock.day(ANCHOR_MS))
        firstDay = clock.workday(clock.day(createdMs + DAY_MS));
    } else if (status === "Scheduled") {
      firstDay = clock.workday(clock.day(ANCHOR_MS + rng.int(1, 40) * DAY_MS));
      createdMs = between(
        Math.max(firstDay - 30 * DAY_MS, ANCHOR_MS - 30 * DAY_MS),
        Math.min(firstDay - 2 * DAY_MS, ANCHOR_MS - HOUR_MS),
      );
    } else if (status === "InProgress") {
      if (visitCount <= 1) firstDay = clock.day(ANCHOR_MS - DAY_MS);
      else {
        // Visit `done - 1` lies in the past, visit `done` ahead.
        done = rng.int(1, visitCount - 1);
        const sinceLast = rng.int(1, Math.max(1, Math.floor(interval / DAY_MS) - 3));
        firstDay = clock.day(ANCHOR_MS - (done - 1) * interval - sinceLast * DAY_MS);
      }
      createdMs = between(firstDay - 30 * DAY_MS, firstDay - 2 * DAY_MS);
    } else {
      // Completed and Cancelled: the whole plan lies in the past.
      const latest = ANCHOR_MS - span - 6 * DAY_MS;
      const earliest = Math.min(HISTORY_START_MS + 20 * DAY_MS, latest);
      firstDay = clock.workday(clock.day(between(earliest, latest)));
      createdMs = between(firstDay - 30 * DAY_MS, firstDay - 2 * DAY_MS);
      done = status === "Completed" ? visitCount : rng.int(0, Math.max(0, visitCount - 1));
    }

    // The customer: anyone on the books by then (commercial programs want a business).
    const eligibleIn = (pool: readonly CustomerDraft[]) => {
      let count = 0;
      while (count < pool.length && pool[count]!.createdMs <= createdMs - HOUR_MS) count++;
      return count;
    };
    let pool: readonly CustomerDraft[] =
      program.commercialOnly && !estimateOnly ? commercialCustomers : customers;
    if (eligibleIn(pool) === 0) pool = customers;
    const eligible = eligibleIn(pool);
    const customer = eligible > 0 ? pool[rng.int(0, eligible - 1)]! : customers[0]!;
    if (customer.createdMs > createdMs - HOUR_MS) {
      createdMs = customer.createdMs + HOUR_MS;
      if (firstDay < clock.day(createdMs) + DAY_MS) firstDay = clock.workday(clock.day(createdMs) + DAY_MS);
    }

    // Visits.
    const visits: VisitPlan[] = [];
    for (let i = 0; i < visitCount; i++) {
      const day = clock.workday(
        i === 0 ? firstDay : clock.day(clock.at(firstDay, 12) + i * interval + rng.int(-2, 2) * DAY_MS),
      );
      const allDay = !estimateOnly && rng.chance(0.03);
      const minutes = estimateOnly ? rng.pick([30, 45, 60]) : rng.int(program.minutes[0], program.minutes[1]);
      const startMs = allDay ? clock.at(day, 0) : clock.at(day, rng.int(7, 15), rng.pick([0, 30]));
      const endMs = allDay ? clock.at(day, 23, 59, 59) : startMs + Math.round(minutes / 15) * 15 * MINUTE_MS;
      let visitStatus: JobCloserEventStatus;
      if (status === "Completed") visitStatus = "Completed";
      else if (status === "Cancelled") visitStatus = i < done ? "Completed" : "Cancelled";
      else if (status === "InProgress" && visitCount <= 1) visitStatus = "InProgress";
      else visitStatus = endMs < ANCHOR_MS ? "Completed" : "Scheduled";
      const title = estimateOnly
        ? `Estimate - ${customer.record.Name}`
        : program.eventTitle === "single" || visitCount === 1
          ? program.title.replace(/ \{year\}$/, "")
          : `${program.crew === "lawn" ? "Application" : "Service"} ${i + 1} of ${visitCount}`;
      visits.push({ startMs, endMs, allDay, status: visitStatus, estimate: estimateOnly, title });
    }
    visits.sort((a, b) => a.startMs - b.startMs);
    if (status === "InProgress" && visitCount > 1) {
      // The technician has not closed out the latest visit yet, sometimes.
      const latest = visits.filter((visit) => visit.status === "Completed").at(-1);
      if (latest && rng.chance(0.35)) latest.status = "InProgress";
    }
    const firstVisit = visits[0];
    if (firstVisit && firstVisit.startMs <= createdMs)
      createdMs = firstVisit.startMs - between(2 * HOUR_MS, 5 * DAY_MS);

    const jobId = newId();
    const year = new Date(firstVisit ? clock.day(firstVisit.startMs) : clock.day(createdMs)).getUTCFullYear();
    const who = customer.record.Name;
    const shortWho = customer.commercial ? who : (who.split(" ").slice(-1)[0] ?? who);
    const seller = customer.record.SalespersonUserId ?? rng.pick(sellers);

    // Line items.
    const items: JobCloserJobItem[] = [];
    const applied: JobDraft["applied"] = [];
    const withItems = status !== "Lead" || rng.chance(0.5);
    const discounted = rng.chance(0.15);
    const addItem = (sku: string, quantity: number, isApplied: boolean) => {
      const entry = productBySku.get(sku);
      const fallback = CATALOG.find((item) => item.sku === sku);
      const base = entry?.catalog ?? fallback;
      if (!base) return;
      const unitPrice =
        discounted && items.length === 0 ? fromCents(Math.round(toCents(base.price) * 0.9)) : base.price;
      const itemCreated = createdMs + rng.int(1, 15) * MINUTE_MS;
      const item: JobCloserJobItem = {
        Id: newId(),
        CompanyId: companyId,
        JobId: jobId,
        ProductId: entry?.product.Id ?? null,
        Name: base.name,
        Description: discounted && items.length === 0 ? "10% multi-service discount" : null,
        Quantity: quantity,
        UnitPrice: unitPrice,
        Total: fromCents(multiplyToCents(quantity, unitPrice)),
        Taxable: base.taxable,
        SortOrder: items.length + 1,
        DateCreated: render(itemCreated),
        CreatedBy: seller,
        DateModified: null,
        ModifiedBy: null,
      };
      items.push(item);
      if (isApplied && entry) applied.push({ product: entry.product, catalog: entry.catalog, item });
    };
    if (withItems) {
      for (const spec of program.items)
        addItem(rng.pick(spec.skus), rng.pick(spec.quantities), spec.applied === true);
      if (rng.chance(0.1)) addItem("SVC-TRIP", 1, false);
      if (rng.chance(0.08)) addItem("SVC-LABOR", rng.pick([1, 1.5, 2, 3]), false);
    }
    for (const sku of program.extraApplied ?? []) {
      const entry = productBySku.get(sku);
      if (entry && (sku !== "GEN-IGR-16" || rng.chance(0.5))) applied.push({ ...entry, item: null });
    }
    const totalCents = items.reduce((sum, item) => sum + toCents(item.Total), 0);

    const crewPool = crews.filter(
      (crew) =>
        crew.kind === program.crew &&
        (crew.record.Active || status === "Completed" || status === "Cancelled"),
    );
    const crew =
      status === "Lead" || status === "Estimate" || (status === "Sold" && rng.chance(0.5))
        ? null
        : crewPool.length > 0
          ? rng.pick(crewPool)
          : activeCrews.length > 0
            ? rng.pick(activeCrews)
            : null;
    const ownAddress = !customer.commercial && rng.chance(0.08);
    const city = ownAddress ? rng.pick(customer.branch.cities) : null;
    const lastDone = [...visits].reverse().find((visit) => visit.status === "Completed");
    const completedMs =
      status === "Completed" && lastDone ? lastDone.endMs + rng.int(0, 30) * MINUTE_MS : null;
    let modifiedMs: number | null = null;
    if (completedMs !== null) modifiedMs = completedMs;
    else if (status === "Cancelled")
      modifiedMs = between(
        lastDone?.endMs ?? createdMs,
        Math.min(
          ANCHOR_MS - HOUR_MS,
          (visits.find((v) => v.status === "Cancelled")?.startMs ?? ANCHOR_MS) - HOUR_MS,
        ),
      );
    else if (status !== "Lead" && rng.chance(0.6)) modifiedMs = between(createdMs, ANCHOR_MS - HOUR_MS);
    if (modifiedMs !== null && modifiedMs < createdMs) modifiedMs = createdMs + MINUTE_MS;

    const record: JobCloserJob = {
      Id: jobId,
      CompanyId: companyId,
      CustomerId: customer.record.Id,
      LocationId: customer.record.LocationId,
      SalespersonUserId: seller,
      CrewId: crew?.record.Id ?? null,
      Number: 0,
      Name: `${shortWho} - ${program.title.replace("{year}", String(year))}`,
      Description: rng.pick(program.descriptions),
      Type: customer.commercial ? "Commercial" : "Residential",
      Status: status,
      JobAddress1: city ? `${rng.int(100, 9899)} ${rng.pick(STREETS)}` : customer.record.JobAddress1,
      JobAddress2: city ? null : customer.record.JobAddress2,
      JobCity: city ? city.city : customer.record.JobCity,
      JobState: region.state,
      JobZip: city ? rng.pick(city.zips) : customer.record.JobZip,
      Total: fromCents(totalCents),
      DateCompleted: completedMs === null ? null : render(completedMs),
      Customer: null,
      Events: null,
      Invoices: null,
      JobItems: null,
      DateCreated: render(createdMs),
      CreatedBy: seller,
      DateModified: modifiedMs === null ? null : render(modifiedMs),
      ModifiedBy:
        modifiedMs === null
          ? null
          : crew?.lead?.account?.Id && completedMs !== null
            ? crew.lead.account.Id
            : rng.pick(officeAccounts),
    };
    const point = city
      ? { lat: city.lat + (rng.next() - 0.5) * 0.08, lon: city.lon + (rng.next() - 0.5) * 0.08 }
      : customer.point;
    const draft: JobDraft = {
      record,
      status,
      program,
      customer,
      createdMs,
      point,
      visits,
      items,
      applied,
      events: [],
      crew,
      doneVisits: done,
    };
    customer.jobs.push(draft);
    return draft;
  }

  jobs.sort((a, b) => a.createdMs - b.createdMs);
  jobs.forEach((job, index) => {
    job.record.Number = 1001 + index;
  });

  // Events.
  const events: JobCloserEvent[] = [];
  for (const job of jobs) {
    for (const visit of job.visits) {
      const completedMs = visit.status === "Completed" ? visit.endMs - rng.int(0, 20) * MINUTE_MS : null;
      const scheduledAt = Math.min(job.createdMs + rng.int(5, 120) * MINUTE_MS, visit.startMs - MINUTE_MS);
      let modifiedMs: number | null = completedMs;
      if (visit.status === "Cancelled") {
        const jobModified = job.record.DateModified
          ? Date.parse(job.record.DateModified)
          : ANCHOR_MS - HOUR_MS;
        modifiedMs = Math.max(scheduledAt + MINUTE_MS, jobModified);
      } else if (visit.status === "InProgress") modifiedMs = visit.startMs + rng.int(0, 15) * MINUTE_MS;
      const lead = job.crew?.lead?.account?.Id ?? null;
      const event: JobCloserEvent = {
        Id: newId(),
        CompanyId: companyId,
        JobId: job.record.Id,
        CustomerId: job.customer.record.Id,
        CrewId: visit.estimate ? null : job.record.CrewId,
        Title: visit.title,
        Description: visit.estimate
          ? "Walk property, measure and quote"
          : rng.chance(0.15)
            ? rng.pick(APPLICATION_NOTES)
            : null,
        Type: visit.estimate ? "Estimate" : job.program.eventType,
        StartDate: render(visit.startMs),
        EndDate: render(visit.endMs),
        AllDay: visit.allDay,
        Status: visit.status,
        Completed: visit.status === "Completed",
        DateCompleted: completedMs === null ? null : render(completedMs),
        DateCreated: render(scheduledAt),
        CreatedBy: job.record.CreatedBy,
        DateModified: modifiedMs === null ? null : render(modifiedMs),
        ModifiedBy:
          modifiedMs === null
            ? null
            : visit.estimate
              ? job.record.SalespersonUserId
              : (lead ?? rng.pick(officeAccounts)),
      };
      job.events.push(event);
      events.push(event);
    }
  }

  // Chemical applications, fitted to the requested total over the done visits that spray.
  const sprayVisits: Array<{ job: JobDraft; event: JobCloserEvent; count: number }> = [];
  for (const job of jobs) {
    if (job.applied.length === 0) continue;
    for (const event of job.events) {
      if (event.Type === "Estimate" || (event.Status !== "Completed" && event.Status !== "InProgress"))
        continue;
      sprayVisits.push({ job, event, count: Math.min(job.applied.length, 2) });
    }
  }
  let sprayTotal = sprayVisits.reduce((sum, visit) => sum + visit.count, 0);
  const sprayTarget = Math.max(0, size.chemicalApplications);
  while (sprayTotal > sprayTarget) {
    const pick = rng.pick(sprayVisits);
    if (pick.count === 0) continue;
    pick.count--;
    sprayTotal--;
  }
  // Too few: more passes per visit, up to 6 (so a small company may fall short).
  const sprayable = sprayVisits.filter((visit) => visit.count < 6);
  while (sprayTotal < sprayTarget && sprayable.length > 0) {
    const index = rng.int(0, sprayable.length - 1);
    const pick = sprayable[index]!;
    pick.count++;
    sprayTotal++;
    if (pick.count >= 6) sprayable.splice(index, 1);
  }
  const applications: JobCloserChemicalApplication[] = [];
  for (const { job, event, count } of sprayVisits) {
    if (count === 0) continue;
    const startMs = Date.parse(event.StartDate);
    const endMs = event.AllDay ? startMs + 8 * HOUR_MS + 2 * HOUR_MS : Date.parse(event.EndDate);
    const workStart = event.AllDay ? startMs + 8 * HOUR_MS : startMs;
    const devices = job.crew?.devices ?? [[...meterOf.values()][0] ?? spareDevice];
    const device = devices[rng.int(0, devices.length - 1)] ?? spareDevice;
    const completionId = event.Status === "Completed" ? newId() : null;
    const creator = job.crew?.lead?.account?.Id ?? null;
    let battery = rng.int(62, 100);
    let sinceZero = 0;
    const month = clock.month(startMs);
    const normal = region.normals[month] ?? 75;
    for (let j = 0; j < count; j++) {
      const use = job.applied[j % job.applied.length]!;
      const at =
        Math.floor(
          (workStart + ((j + 0.5) * (endMs - workStart)) / count + rng.int(-120, 120) * 1000) / 1000,
        ) * 1000;
      const [gMin, gMax] = use.catalog.gallons ?? [1, 5];
      const [rMin, rMax] = use.catalog.rate ?? [0.5, 2];
      const gallons = gMin + rng.next() * (gMax - gMin);
      const calibration = roundPlaces(device.calibration + (rng.next() - 0.5) * 0.02, 2);
      const raw = Math.max(1, Math.round((gallons * PULSES_PER_GALLON) / calibration));
      const hour = clock.hour(at);
      const ambient = roundPlaces(
        normal - 14 + Math.max(0, Math.min(hour, 15) - 7) * 1.6 + (rng.next() - 0.5) * 8,
        2,
      );
      const fluid = roundPlaces(ambient * 0.55 + 68 * 0.45 + (rng.next() - 0.5) * 4, 1);
      battery = Math.max(3, battery - rng.int(2, 9));
      applications.push({
        Id: newId(),
        EventCompletionId: completionId,
        EventId: event.Id,
        JobId: job.record.Id,
        JobItemId: use.item?.Id ?? null,
        ProductId: use.product.Id,
        DateCreated: render(at + rng.int(2, 300) * 1000),
        CreatedBy: creator,
        ApplicationDate: render(at),
        Latitude: (job.point.lat + (rng.next() - 0.5) * 0.0005).toFixed(7),
        Longitude: (job.point.lon + (rng.next() - 0.5) * 0.0005).toFixed(7),
        MeterSerialNumber: device.meter,
        MeterRawCount: raw,
        MeterCurrentRate: roundPlaces(rMin + rng.next() * (rMax - rMin), 2),
        MeterCalculatedFlowTotal: fromCents(multiplyToCents(raw, calibration / PULSES_PER_GALLON)),
        MeterRawCountsToZero: sinceZero,
        TemperatureOfFluid: fluid,
        AmbientTemperature: ambient,
        BatteryStatusInPercent: battery,
        BatteryStatusInEstimatedRunTime: Math.round(battery * RUNTIME_MINUTES_PER_PERCENT),
        Note: rng.chance(0.9) ? rng.pick(APPLICATION_NOTES) : null,
        DeviceName: device.name,
        CalibrationFactor: calibration,
      });
      sinceZero += raw;
    }
  }
  applications.sort(
    (a, b) => Date.parse(a.ApplicationDate) - Date.parse(b.ApplicationDate) || (a.Id < b.Id ? -1 : 1),
  );

  // Invoices.
  interface InvoicePlan {
    job: JobDraft | null;
    customer: CustomerDraft;
    type: string;
    createdMs: number;
    /** Share of the job billed (Progress), or a fixed deposit. */
    share: number;
    deposit: boolean;
    voided: boolean;
  }
  const invoicePlans: InvoicePlan[] = [];
  for (const job of jobs) {
    const total = toCents(job.record.Total);
    if (total <= 0) continue;
    const doneVisits = job.visits.filter((visit) => visit.status === "Completed" && !visit.estimate);
    const lastDone = doneVisits[doneVisits.length - 1];
    if (job.status === "Completed" && lastDone) {
      invoicePlans.push({
        job,
        customer: job.customer,
        type: "Standard",
        createdMs: lastDone.endMs + rng.int(30, 3 * 24 * 60) * MINUTE_MS,
        share: 1,
        deposit: false,
        voided: false,
      });
    } else if (job.status === "InProgress" && lastDone) {
      const share = doneVisits.length / Math.max(1, job.visits.length);
      invoicePlans.push({
        job,
        customer: job.customer,
        type: job.visits.length >= 4 ? "Recurring" : "Progress",
        createdMs: lastDone.endMs + rng.int(30, 2 * 24 * 60) * MINUTE_MS,
        share,
        deposit: false,
        voided: false,
      });
    } else if ((job.status === "Sold" || job.status === "Scheduled") && rng.chance(0.45)) {
      invoicePlans.push({
        job,
        customer: job.customer,
        type: "Deposit",
        createdMs: job.createdMs + rng.int(10, 24 * 60) * MINUTE_MS,
        share: 0,
        deposit: true,
        voided: false,
      });
    } else if (job.status === "Cancelled") {
      if (lastDone) {
        invoicePlans.push({
          job,
          customer: job.customer,
          type: "Progress",
          createdMs: lastDone.endMs + rng.int(30, 2 * 24 * 60) * MINUTE_MS,
          share: doneVisits.length / Math.max(1, job.visits.length),
          deposit: false,
          voided: false,
        });
      } else if (rng.chance(0.4)) {
        invoicePlans.push({
          job,
          customer: job.customer,
          type: "Deposit",
          createdMs: job.createdMs + rng.int(10, 24 * 60) * MINUTE_MS,
          share: 0,
          deposit: true,
          voided: true,
        });
      }
    }
  }
  const invoiceTarget = Math.max(0, size.invoices);
  shuffle(rng, invoicePlans);
  invoicePlans.length = Math.min(invoicePlans.length, invoiceTarget);
  const billable = customers.filter((customer) =>
    customer.jobs.some((job) => SERVICE_STATUSES.has(job.status)),
  );
  while (invoicePlans.length < invoiceTarget && customers.length > 0) {
    const customer = billable.length > 0 ? rng.pick(billable) : rng.pick(customers);
    invoicePlans.push({
      job: null,
      customer,
      type: "Standard",
      createdMs: between(customer.createdMs + DAY_MS, ANCHOR_MS - HOUR_MS),
      share: 1,
      deposit: false,
      voided: false,
    });
  }
  for (const plan of invoicePlans)
    plan.createdMs = Math.min(Math.floor(plan.createdMs / 1000) * 1000, ANCHOR_MS - 10 * MINUTE_MS);
  invoicePlans.sort((a, b) => a.createdMs - b.createdMs);

  const materials = CATALOG.filter((item) => item.kind === "material" && productBySku.has(item.sku));
  const invoices: JobCloserInvoice[] = invoicePlans.map((plan, index) => {
    const id = newId();
    let subtotalCents = 0;
    let taxableCents = 0;
    if (plan.job) {
      const jobSubtotal = toCents(plan.job.record.Total);
      const jobTaxable = plan.job.items
        .filter((item) => item.Taxable)
        .reduce((sum, item) => sum + toCents(item.Total), 0);
      if (plan.deposit)
        subtotalCents = Math.max(
          100,
          Math.round((jobSubtotal * rng.pick([0.25, 0.3, 0.4, 0.5])) / 100) * 100,
        );
      else {
        subtotalCents = Math.round(jobSubtotal * plan.share);
        taxableCents = Math.round(jobTaxable * plan.share);
      }
    } else {
      const pick =
        materials.length > 0 ? rng.pick(materials) : CATALOG.find((item) => item.sku === "SVC-TRIP")!;
      subtotalCents = multiplyToCents(rng.int(1, 6), pick.price);
      taxableCents = pick.taxable ? subtotalCents : 0;
    }
    const taxCents = multiplyToCents(fromCents(taxableCents), region.taxRate);
    const totalCents = subtotalCents + taxCents;
    const invoiceDay = chicago.day(plan.createdMs);
    const invoiceDateMs = chicago.at(invoiceDay, 0);
    const terms = weighted(rng, [
      [30, 60],
      [15, 25],
      [0, 10],
      [-1, 5],
    ] as const);
    const dueMs = terms < 0 ? null : chicago.at(invoiceDay + terms * DAY_MS, 0);
    const pastDue = dueMs !== null && dueMs + DAY_MS <= ANCHOR_MS;

    let status: JobCloserInvoiceStatus;
    const payments: JobCloserPayment[] = [];
    let paidCents = 0;
    let modifiedMs: number | null = null;
    const pay = (amountCents: number, atMs: number) => {
      const at = Math.min(Math.floor(atMs / 1000) * 1000, ANCHOR_MS - MINUTE_MS);
      payments.push({
        Id: newId(),
        InvoiceId: id,
        Amount: fromCents(amountCents),
        Date: render(at),
        Method: weighted(rng, PAYMENT_WEIGHTS),
      });
      paidCents += amountCents;
      modifiedMs = Math.max(modifiedMs ?? 0, at);
    };
    const payWindowEnd = Math.min(ANCHOR_MS - HOUR_MS, (dueMs ?? plan.createdMs + 30 * DAY_MS) + 20 * DAY_MS);
    const payAt = () => {
      const day = clock.workday(
        clock.day(between(plan.createdMs + HOUR_MS, Math.max(plan.createdMs + HOUR_MS, payWindowEnd))),
      );
      return Math.max(plan.createdMs + MINUTE_MS, Math.min(businessHour(day), ANCHOR_MS - MINUTE_MS));
    };
    if (plan.voided || rng.chance(0.03)) {
      status = "Void";
      modifiedMs = between(plan.createdMs + HOUR_MS, ANCHOR_MS - HOUR_MS);
    } else if ((plan.createdMs > ANCHOR_MS - 14 * DAY_MS && rng.chance(0.45)) || rng.chance(0.01)) {
      status = "Draft";
    } else {
      const r = rng.next();
      if (pastDue) status = r < 0.78 ? "Paid" : "Overdue";
      else status = r < 0.35 ? "Paid" : r < 0.62 ? "PartiallyPaid" : "Sent";
      if (status === "Paid") {
        const parts = totalCents >= 300 && rng.chance(0.12) ? rng.int(2, 3) : 1;
        let left = totalCents;
        const times = Array.from({ length: parts }, () => payAt()).sort((a, b) => a - b);
        times.forEach((at, i) => {
          const amount =
            i === parts - 1 ? left : Math.max(1, Math.round((left * (0.3 + rng.next() * 0.3)) / 100) * 100);
          left -= amount;
          pay(amount, at);
        });
      } else if (status === "PartiallyPaid" || (status === "Overdue" && rng.chance(0.35))) {
        if (totalCents >= 2)
          pay(
            Math.min(
              totalCents - 1,
              Math.max(1, Math.round((totalCents * (0.2 + rng.next() * 0.5)) / 100) * 100),
            ),
            payAt(),
          );
        else status = status === "Overdue" ? "Overdue" : "Sent";
      }
      if (status === "Overdue" && dueMs !== null)
        modifiedMs = Math.max(modifiedMs ?? 0, dueMs + DAY_MS + rng.int(1, 600) * MINUTE_MS);
      if (modifiedMs === null) modifiedMs = plan.createdMs + rng.int(1, 120) * MINUTE_MS;
    }
    if (modifiedMs !== null) modifiedMs = Math.min(modifiedMs, ANCHOR_MS - MINUTE_MS);
    const subStatuses: readonly string[] = SUB_STATUSES[status];
    return {
      Id: id,
      CompanyId: companyId,
      CustomerId: plan.customer.record.Id,
      LocationId: plan.job?.record.LocationId ?? plan.customer.record.LocationId,
      JobId: plan.job?.record.Id ?? null,
      SalespersonUserId: plan.job?.record.SalespersonUserId ?? plan.customer.record.SalespersonUserId,
      Number: 2001 + index,
      Type: plan.type,
      Status: status,
      SubStatus: rng.chance(status === "Overdue" ? 0.5 : 0.1) ? rng.pick(subStatuses) : null,
      InvoiceDate: render(invoiceDateMs),
      DueDate: dueMs === null ? null : render(dueMs),
      Subtotal: fromCents(subtotalCents),
      Tax: fromCents(taxCents),
      Total: fromCents(totalCents),
      AmountPaid: fromCents(paidCents),
      Balance: fromCents(totalCents - paidCents),
      Payments: payments,
      DateCreated: render(plan.createdMs),
      CreatedBy: rng.pick(officeAccounts),
      DateModified: modifiedMs === null ? null : render(modifiedMs),
      ModifiedBy: modifiedMs === null ? null : rng.pick(officeAccounts),
    };
  });

  // Customer status and archiving follow their jobs.
  for (const customer of customers) {
    const record = customer.record;
    const lastJob = customer.jobs.reduce((max, job) => Math.max(max, job.createdMs), 0);
    let status: JobCloserCustomerStatus;
    if (customer.jobs.length === 0)
      status =
        customer.createdMs > ANCHOR_MS - 180 * DAY_MS ? "Lead" : rng.chance(0.5) ? "Inactive" : "Active";
    else if (customer.jobs.every((job) => job.status === "Lead" || job.status === "Estimate"))
      status = "Lead";
    else if (
      lastJob < ANCHOR_MS - 365 * DAY_MS &&
      customer.jobs.every((job) => job.status === "Completed" || job.status === "Cancelled") &&
      rng.chance(0.6)
    )
      status = "Inactive";
    else status = "Active";
    record.Status = status;
    record.Archived =
      status === "Inactive"
        ? rng.chance(0.4)
        : status === "Lead"
          ? customer.createdMs < ANCHOR_MS - 200 * DAY_MS && rng.chance(0.5)
          : rng.chance(0.02);
    if (status !== "Lead" || record.Archived || rng.chance(0.3)) {
      const from = Math.max(customer.createdMs + MINUTE_MS, lastJob);
      const modified = between(from, ANCHOR_MS - HOUR_MS);
      record.DateModified = render(modified);
      record.ModifiedBy = rng.pick(officeAccounts);
    }
  }

  // Notes and attachments.
  const notes = new Map<string, JobCloserNote[]>();
  const attachments: JobCloserAttachment[] = [];
  const attach = (fields: Omit<JobCloserAttachment, "Id" | "CompanyId" | "Url">): void => {
    const id = newId();
    attachments.push({
      Id: id,
      CompanyId: companyId,
      CustomerId: fields.CustomerId,
      JobId: fields.JobId,
      EventId: fields.EventId,
      ProductId: fields.ProductId,
      FileName: fields.FileName,
      Url: attachmentUrl(id, fields.FileName),
      Caption: fields.Caption,
      Latitude: fields.Latitude,
      Longitude: fields.Longitude,
      DateCreated: fields.DateCreated,
      CreatedBy: fields.CreatedBy,
    });
  };
  for (const customer of customers) {
    if (rng.chance(0.4)) {
      const count = rng.int(1, 3);
      const list: JobCloserNote[] = [];
      for (let i = 0; i < count; i++) {
        const at = between(customer.createdMs + MINUTE_MS, ANCHOR_MS - HOUR_MS);
        list.push({
          Id: newId(),
          Text: fill(rng.pick(CUSTOMER_NOTES), { n: String(rng.int(1000, 9999)) }),
          DateCreated: render(at),
          CreatedBy: rng.pick([...officeAccounts, ...sellers]),
        });
      }
      sortByTime(list, (note) => note.DateCreated);
      notes.set(customer.record.Id, list);
    }
    if (rng.chance(0.2)) {
      for (let i = rng.int(1, 2); i > 0; i--) {
        const job = customer.jobs.length > 0 && rng.chance(0.6) ? rng.pick(customer.jobs) : null;
        const at = between(job?.createdMs ?? customer.createdMs, ANCHOR_MS - HOUR_MS);
        attach({
          CustomerId: customer.record.Id,
          JobId: job?.record.Id ?? null,
          EventId: null,
          ProductId: null,
          FileName: rng.pick(CUSTOMER_FILES),
          Caption: null,
          Latitude: null,
          Longitude: null,
          DateCreated: render(at),
          CreatedBy: rng.pick(officeAccounts),
        });
      }
    }
  }
  for (const job of jobs) {
    for (const event of job.events) {
      if (event.Status !== "Completed" || event.Type === "Estimate" || !rng.chance(0.2)) continue;
      const start = Date.parse(event.StartDate);
      for (let i = rng.int(1, 3); i > 0; i--) {
        attach({
          CustomerId: job.customer.record.Id,
          JobId: job.record.Id,
          EventId: event.Id,
          ProductId: null,
          FileName: `IMG_${rng.int(1000, 9999)}.jpg`,
          Caption: rng.pick(PHOTO_CAPTIONS),
          Latitude: (job.point.lat + (rng.next() - 0.5) * 0.0005).toFixed(7),
          Longitude: (job.point.lon + (rng.next() - 0.5) * 0.0005).toFixed(7),
          DateCreated: render(start + rng.int(5, 90) * MINUTE_MS),
          CreatedBy: job.crew?.lead?.account?.Id ?? null,
        });
      }
    }
  }
  for (const product of products) {
    const item = productBySku.get(product.Sku ?? "")?.catalog;
    if (item?.kind !== "chemical") continue;
    const at = Date.parse(product.DateCreated) + rng.int(1, 60) * MINUTE_MS;
    for (const suffix of ["Label", "SDS"]) {
      attach({
        CustomerId: null,
        JobId: null,
        EventId: null,
        ProductId: product.Id,
        FileName: `${product.Sku}-${suffix}.pdf`,
        Caption: suffix === "SDS" ? "Safety Data Sheet" : "Product label",
        Latitude: null,
        Longitude: null,
        DateCreated: render(at),
        CreatedBy: owner.Id,
      });
    }
  }
  sortByTime(attachments, (attachment) => attachment.DateCreated);

  const byId = <T extends { Id: string }>(records: readonly T[]) =>
    new Map(records.map((record) => [record.Id, record]));
  return {
    spec,
    company,
    zapierKey: spec.zapierKey ?? null,
    accounts: byId(accounts),
    locations: byId(locations),
    customers: byId(customers.map((customer) => customer.record)),
    notes,
    attachments: byId(attachments),
    images: new Map(),
    jobs: byId(jobs.map((job) => job.record)),
    jobItems: byId(jobs.flatMap((job) => job.items)),
    events: byId(events),
    chemicalApplications: byId(applications),
    products: byId(products),
    crews: byId(crews.map((crew) => crew.record)),
    employees: byId(employees.map((employee) => employee.record)),
    invoices: byId(invoices),
    trackableAssets: byId(assets),
    vendors: byId(vendors),
    nextCustomerNumber: 3001 + customers.length,
    idRng: new Rng((spec.seed ^ 0x5bd1e995) >>> 0),
  };
}
