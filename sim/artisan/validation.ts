/**
 * A small Laravel-style validator: one message per failing field (the first failing rule), Laravel 9
 * English templates (artisan.md §4), `:attribute` = key with `_` → space. Input is first cleaned the
 * way Laravel's default middleware does (TrimStrings, ConvertEmptyStringsToNull).
 */
import type { Zone } from "./zone.js";

export type Messages = Record<string, string[]>;

export type FieldType =
  | "string"
  | "email"
  | "integer"
  | "number"
  | "boolean"
  /** Query-string boolean: `true`, `false`, `1`, `0`. */
  | "flag"
  | "enum"
  /** ISO 8601 date or date-time; without offset read in the company zone. */
  | "datetime"
  /** Strict `YYYY-MM-DD` (query date filters). */
  | "day"
  | "country"
  | "array";

export interface FieldRule {
  type: FieldType;
  /** Must be present and not null (POST's required fields). */
  required?: boolean;
  /** `null` is accepted and clears the field; otherwise a present `null` fails `required`. */
  nullable?: boolean;
  /** Characters for strings, value for numbers. */
  max?: number;
  /** Value for numbers; kept as the rule's text so `0.01` prints as written. */
  min?: string;
  values?: readonly string[];
  /** The id must name a record of the company (`exists` scoped to the company). */
  exists?: (id: number) => boolean;
}

export const attributeName = (key: string): string => key.replaceAll("_", " ");

export const MESSAGES = {
  required: (a: string) => `The ${a} field is required.`,
  string: (a: string) => `The ${a} must be a string.`,
  maxChars: (a: string, max: number) => `The ${a} must not be greater than ${max} characters.`,
  email: (a: string) => `The ${a} must be a valid email address.`,
  integer: (a: string) => `The ${a} must be an integer.`,
  numeric: (a: string) => `The ${a} must be a number.`,
  boolean: (a: string) => `The ${a} field must be true or false.`,
  min: (a: string, min: string) => `The ${a} must be at least ${min}.`,
  max: (a: string, max: number) => `The ${a} must not be greater than ${max}.`,
  invalid: (a: string) => `The selected ${a} is invalid.`,
  date: (a: string) => `The ${a} is not a valid date.`,
  country: (a: string) => `The ${a} must be 2 characters.`,
  array: (a: string) => `The ${a} must be an array.`,
} as const;

export type Outcome = { ok: true; value: unknown } | { ok: false; message: string };

const INTEGER = /^[+-]?(0|[1-9]\d*)$/;
// PHP is_numeric (strings are already trimmed).
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export function asInteger(value: unknown): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : null;
  if (typeof value === "string" && INTEGER.test(value)) {
    const parsed = Number(value);
    return Number.isSafeInteger(parsed) ? parsed : null;
  }
  return null;
}

function asNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && NUMERIC.test(value)) {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

function asBoolean(value: unknown, words: boolean): boolean | null {
  if (value === true || value === 1 || value === "1" || (words && value === "true")) return true;
  if (value === false || value === 0 || value === "0" || (words && value === "false")) return false;
  return null;
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

function validCalendar(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** `YYYY-MM-DD` with a real calendar date, or null. */
export function parseDay(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const match = DAY.exec(value);
  if (!match) return null;
  return validCalendar(Number(match[1]), Number(match[2]), Number(match[3])) ? value : null;
}

/** Epoch ms of an ISO 8601 date(-time); a value without offset is wall time in `zone`. */
export function parseDateTime(value: unknown, zone: Zone): number | null {
  if (typeof value !== "string") return null;
  const match = DATETIME.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? "0")) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validCalendar(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const offset = match[7];
  if (offset === undefined) return zone.fromLocal(year, month, day, hour, minute, second);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  if (offset.toUpperCase() === "Z") return wall;
  const digits = offset.replace(":", "");
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  if (minutes > 18 * 60) return null;
  return wall - (digits.startsWith("-") ? -minutes : minutes) * 60_000;
}

const charLength = (text: string) => [...text].length;

/** Runs one field's rules on a present value (absent fields are never checked). */
export function checkValue(key: string, value: unknown, rule: FieldRule, zone: Zone): Outcome {
  const a = attributeName(key);
  const fail = (message: string): Outcome => ({ ok: false, message });
  if (value === null || value === undefined) {
    return rule.nullable ? { ok: true, value: null } : fail(MESSAGES.required(a));
  }
  switch (rule.type) {
    case "string":
    case "email": {
      if (typeof value !== "string") return fail(MESSAGES.string(a));
      if (rule.type === "email" && !EMAIL.test(value)) return fail(MESSAGES.email(a));
      if (rule.max !== undefined && charLength(value) > rule.max) return fail(MESSAGES.maxChars(a, rule.max));
      return { ok: true, value };
    }
    case "country": {
      if (typeof value !== "string") return fail(MESSAGES.string(a));
      if (!/^[A-Za-z]{2}$/.test(value)) return fail(MESSAGES.country(a));
      return { ok: true, value };
    }
    case "integer":
    case "number": {
      const parsed = rule.type === "integer" ? asInteger(value) : asNumber(value);
      if (parsed === null) return fail(rule.type === "integer" ? MESSAGES.integer(a) : MESSAGES.numeric(a));
      if (rule.min !== undefined && parsed < Number(rule.min)) return fail(MESSAGES.min(a, rule.min));
      if (rule.max !== undefined && parsed > rule.max) return fail(MESSAGES.max(a, rule.max));
      if (rule.exists && !rule.exists(parsed)) return fail(MESSAGES.invalid(a));
      return { ok: true, value: parsed };
    }
    case "boolean":
    case "flag": {
      const parsed = asBoolean(value, rule.type === "flag");
      return parsed === null ? fail(MESSAGES.boolean(a)) : { ok: true, value: parsed };
    }
    case "enum":
      return typeof value === "string" && rule.values?.includes(value)
        ? { ok: true, value }
        : fail(MESSAGES.invalid(a));
    case "datetime": {
      const parsed = parseDateTime(value, zone);
      return parsed === null ? fail(MESSAGES.date(a)) : { ok: true, value: parsed };
    }
    case "day": {
      const parsed = parseDay(value);
      return parsed === null ? fail(MESSAGES.date(a)) : { ok: true, value: parsed };
    }
    case "array":
      return Array.isArray(value) ? { ok: true, value } : fail(MESSAGES.array(a));
  }
}

/**
 * Validates `input` against `rules` in declaration order. Returns the normalised values of the
 * present fields; failures are added to `messages`.
 */
export function validate(
  input: Record<string, unknown>,
  rules: Record<string, FieldRule>,
  zone: Zone,
  messages: Messages,
  prefix = "",
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(rules)) {
    const key = `${prefix}${field}`;
    const present = Object.hasOwn(input, field);
    if (!present) {
      if (rule.required) messages[key] = [MESSAGES.required(attributeName(key))];
      continue;
    }
    const outcome = checkValue(key, input[field], rule, zone);
    if (outcome.ok) values[field] = outcome.value;
    else messages[key] = [outcome.message];
  }
  return values;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Laravel's TrimStrings + ConvertEmptyStringsToNull, applied recursively. */
export function clean(value: unknown): unknown {
  if (typeof value === "string") {
    const trimmed = value.trim();
    return trimmed === "" ? null : trimmed;
  }
  if (Array.isArray(value)) return value.map(clean);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v)]));
  return value;
}

/** The request body as Laravel sees it: invalid JSON or a non-object is an empty body. */
export function readBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    const cleaned = clean(parsed);
    return isRecord(cleaned) ? cleaned : {};
  } catch {
    return {};
  }
}

/**
 * A query parameter as PHP parses it: the last occurrence wins, `name[]`/`name[x]` make an array.
 * Cleaned like the body, so an empty value is absent.
 */
export function readQuery(query: URLSearchParams, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const array: string[] = [];
    for (const [key, value] of query) if (key.startsWith(`${name}[`)) array.push(value);
    if (array.length > 0) {
      out[name] = array;
      continue;
    }
    const all = query.getAll(name);
    const last = clean(all[all.length - 1]);
    if (last !== null && last !== undefined) out[name] = last;
  }
  return out;
}

export function validationFailed(messages: Messages) {
  return { status: 422, body: { error: "Validation failed.", messages } };
}
