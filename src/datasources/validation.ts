import { type FieldProblem, InputValidationError, type SourceId } from "../errors.js";

/**
 * Input checks for mutations, run before any upstream call and written to mirror each upstream's
 * own rules, so the client learns every bad field at once, by the name it sent. GraphQL has
 * already checked the types; these rules check presence, lengths, formats and ranges.
 *
 *   const problems = new Problems();
 *   problems.check("name", input.name, required, maxLength(255));
 *   problems.throwIfAny();
 */

/** A rule returns the problem ("must be at most 255 characters") or null when the value passes. */
export type Rule = (value: unknown) => string | null;

const absent = (value: unknown) => value === undefined || value === null;

/** Present and, for strings, not blank. The only rule that looks at absent values. */
export const required: Rule = (value) =>
  absent(value) || (typeof value === "string" && value.trim() === "") ? "is required" : null;

/** Given (not null) when the field is present at all: for fields an update may omit but not clear. */
export const notNull: Rule = (value) => (value === null ? "cannot be null" : null);

/** Not blank when given: for names an update may omit but not empty. */
export const notBlank: Rule = (value) =>
  value === null || (typeof value === "string" && value.trim() === "") ? "cannot be blank" : null;

/** Rules that judge an absent value themselves; every other rule passes absent values. */
const CHECKS_ABSENT: ReadonlySet<Rule> = new Set([required, notNull, notBlank]);

/** Length in characters (code points), as the references count, not UTF-16 units. */
const characters = (value: string) => [...value].length;

export const maxLength =
  (max: number): Rule =>
  (value) =>
    typeof value === "string" && characters(value) > max ? `must be at most ${max} characters` : null;

export const minLength =
  (min: number): Rule =>
  (value) =>
    typeof value === "string" && characters(value) < min ? `must be at least ${min} characters` : null;

// The pragmatic shape check most APIs apply: one @, no spaces, a dot in the domain.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const email: Rule = (value) =>
  typeof value === "string" && !EMAIL.test(value) ? "must be a valid email address" : null;

export const pattern =
  (regex: RegExp, message: string): Rule =>
  (value) =>
    typeof value === "string" && !regex.test(value) ? message : null;

/** `HH:MM`, 24 h. */
export const clockTime: Rule = pattern(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time as HH:MM (24 h)");

/** `YYYY-MM-DD` naming a real day (no 2026-02-30). */
export const calendarDate: Rule = (value) => {
  if (typeof value !== "string") return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  return date && date.toISOString().slice(0, 10) === value ? null : "must be a date as YYYY-MM-DD";
};

/** ISO 3166-1 alpha-2. */
export const countryCode: Rule = pattern(/^[A-Z]{2}$/, "must be a 2-letter ISO country code, e.g. US");

/** ISO 4217. */
export const currencyCode: Rule = pattern(/^[A-Z]{3}$/, "must be a 3-letter ISO currency code, e.g. USD");

export const httpUrl: Rule = (value) => {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? null : "must be an http(s) URL";
  } catch {
    return "must be an absolute http(s) URL";
  }
};

const numeric = (value: unknown): number | null => {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return null;
};

/** ≥ min (numbers, or decimal strings). */
export const min =
  (bound: number): Rule =>
  (value) => {
    const n = numeric(value);
    return n !== null && n < bound ? `must be at least ${bound}` : null;
  };

/** ≤ max. */
export const max =
  (bound: number): Rule =>
  (value) => {
    const n = numeric(value);
    return n !== null && n > bound ? `must be at most ${bound}` : null;
  };

/** > bound. */
export const greaterThan =
  (bound: number): Rule =>
  (value) => {
    const n = numeric(value);
    return n !== null && n <= bound ? `must be greater than ${bound}` : null;
  };

export const integer: Rule = (value) =>
  typeof value === "number" && !Number.isInteger(value) ? "must be a whole number" : null;

/** A money amount: at most two decimals (the upstreams keep cents). */
export const cents: Rule = (value) => {
  if (typeof value !== "string" && typeof value !== "number") return null;
  return /^-?\d+(\.\d{1,2})?$/.test(String(value)) ? null : "must have at most 2 decimals";
};

export const oneOf =
  (values: readonly string[], label?: string): Rule =>
  (value) =>
    typeof value === "string" && !values.includes(value)
      ? `must be one of: ${values.join(", ")}${label ? ` (${label})` : ""}`
      : null;

export const listLength =
  (bounds: { min?: number; max: number }): Rule =>
  (value) => {
    if (!Array.isArray(value)) return null;
    if (bounds.min !== undefined && value.length < bounds.min)
      return bounds.min === 1 ? "must have at least one item" : `must have at least ${bounds.min} items`;
    return value.length > bounds.max ? `must have at most ${bounds.max} items` : null;
  };

/** Collects every problem of one input, then throws them together. */
export class Problems {
  readonly list: FieldProblem[] = [];

  constructor(private readonly options: { argument?: string } = {}) {}

  /** Applies rules in order; the first failing rule is the field's problem. */
  check(path: string, value: unknown, ...rules: Rule[]): this {
    for (const rule of rules) {
      if (!CHECKS_ABSENT.has(rule) && absent(value)) continue;
      const message = rule(value);
      if (message) {
        this.list.push({ path, message });
        break;
      }
    }
    return this;
  }

  add(path: string, message: string): this {
    this.list.push({ path, message });
    return this;
  }

  /**
   * Fields this source cannot store: rejected rather than silently dropped, so no data the client
   * sent is lost without it knowing. `what` reads like "CleanItAll customers".
   */
  unsupported(input: object, fields: readonly string[], what: string, prefix = ""): this {
    for (const field of fields) {
      const value = (input as Record<string, unknown>)[field];
      if (!absent(value))
        this.list.push({ path: `${prefix}${field}`, message: `is not supported by ${what}` });
    }
    return this;
  }

  /** Every field of `input` that is set but not in `allowed` is reported as unsupported. */
  onlyFields(input: object, allowed: readonly string[], what: string, prefix = ""): this {
    const extra = Object.keys(input).filter((field) => !allowed.includes(field));
    return this.unsupported(input, extra, what, prefix);
  }

  get any(): boolean {
    return this.list.length > 0;
  }

  throwIfAny(): void {
    if (this.any) throw new InputValidationError(this.list, this.options);
  }
}

/**
 * Maps upstream field names in validation errors back to the client's input paths. Patterns use
 * `*` for array indexes: `{ "line_items.*.unit_price": "lineItems[*].unitPrice" }`. Accepts
 * dotted (`line_items.0.unit_price`) and bracketed (`lineItems[0].unitPrice`) upstream paths; an
 * unmapped field keeps its upstream name, so the error still says which one.
 */
export function fieldMapper(map: Record<string, string>): (upstreamField: string) => string {
  return (upstreamField) => {
    const segments = upstreamField.replace(/\[(\d+)\]/g, ".$1").split(".");
    const indexes: string[] = [];
    const key = segments
      .map((segment) => {
        if (/^\d+$/.test(segment)) {
          indexes.push(segment);
          return "*";
        }
        return segment;
      })
      .join(".");
    const target = map[key];
    if (target === undefined) return upstreamField;
    let next = 0;
    return target.replace(/\*/g, () => indexes[next++] ?? "0");
  };
}

/** An upstream's validation failure as the same error the gateway's own checks give. */
export function upstreamValidationError(
  source: SourceId,
  problems: FieldProblem[],
  options: { argument?: string } = {},
): InputValidationError {
  return new InputValidationError(problems, { ...options, source });
}
