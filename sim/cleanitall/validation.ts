import type { CleanItAllAddress } from "./types.js";
import {
  charLength,
  isCountryCode,
  isEmail,
  isValidDate,
  isValidTime,
  parseDateTime,
  toCents,
} from "./values.js";

/**
 * Request validation that collects every failing field (§4: `details` lists every failing field,
 * dotted paths for nested ones) before the handler throws one `validation_error`.
 */

export interface ValidationDetail {
  field: string;
  message: string;
}

/** An API error answer; thrown by handlers and turned into the §4 envelope by the pipeline. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ValidationDetail[],
  ) {
    super(message);
  }
}

export const notFound = (resource: string) => new ApiError(404, "not_found", `${resource} not found`);
export const invalidState = (message: string) => new ApiError(400, "invalid_state", message);

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a request body; an empty body is `{}`, anything but a JSON object is `bad_request`. */
export function parseBody(raw: Buffer): JsonObject {
  const text = raw.toString("utf8");
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(400, "bad_request", "Malformed JSON body");
  }
  if (!isObject(parsed)) throw new ApiError(400, "bad_request", "Malformed JSON body");
  return parsed;
}

export const IS_REQUIRED = "is required";
export const IS_INVALID = "is invalid";
export const DOES_NOT_EXIST = "does not exist";
export const oneOf = (values: readonly string[]) => `must be one of: ${values.join(", ")}`;

interface FieldRule {
  /** Absent (or, for non-nullable fields, null) → `is required`. */
  required?: boolean;
  /** `null` is a value (stored as null). Otherwise null is `is invalid` (or `is required`). */
  nullable?: boolean;
}

interface StringRule extends FieldRule {
  min?: number;
  max?: number;
  check?: (value: string) => boolean;
}

interface NumberRule extends FieldRule {
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  integer?: boolean;
}

/**
 * Reads fields of one JSON object. Every reader returns the value when valid, `null` for an
 * accepted null, and `undefined` when the field is absent or failed (the failure is recorded).
 */
export class Validator {
  readonly details: ValidationDetail[];

  constructor(
    private readonly body: JsonObject,
    private readonly prefix = "",
    details: ValidationDetail[] = [],
  ) {
    this.details = details;
  }

  path(field: string): string {
    return `${this.prefix}${field}`;
  }

  fail(field: string, message: string): undefined {
    this.details.push({ field: this.path(field), message });
    return undefined;
  }

  has(field: string): boolean {
    return this.body[field] !== undefined;
  }

  get ok(): boolean {
    return this.details.length === 0;
  }

  /** A validator for a nested object, sharing this one's details. */
  nested(field: string, value: JsonObject): Validator {
    return new Validator(value, this.path(`${field}.`), this.details);
  }

  /** Throws the collected failures, if any. */
  throwIfFailed(): void {
    if (this.details.length > 0)
      throw new ApiError(400, "validation_error", "Validation failed", this.details);
  }

  /** The raw value, or a decision for absent/null values per the rule. */
  private raw(
    field: string,
    rule: FieldRule,
    nullMessage = IS_INVALID,
  ): { value: unknown } | null | undefined {
    const value = this.body[field];
    if (value === undefined) {
      if (rule.required) this.fail(field, IS_REQUIRED);
      return undefined;
    }
    if (value === null) {
      if (rule.nullable) return null;
      this.fail(field, rule.required ? IS_REQUIRED : nullMessage);
      return undefined;
    }
    return { value };
  }

  string(field: string, rule: StringRule = {}): string | null | undefined {
    const got = this.raw(field, rule);
    if (!got) return got;
    const { value } = got;
    if (typeof value !== "string") return this.fail(field, IS_INVALID);
    const length = charLength(value);
    if (length < (rule.min ?? 0) || (rule.max !== undefined && length > rule.max)) {
      return this.fail(field, IS_INVALID);
    }
    if (rule.check && !rule.check(value)) return this.fail(field, IS_INVALID);
    return value;
  }

  number(field: string, rule: NumberRule = {}): number | null | undefined {
    const got = this.raw(field, rule);
    if (!got) return got;
    const { value } = got;
    if (typeof value !== "number" || !Number.isFinite(value)) return this.fail(field, IS_INVALID);
    if (rule.integer && !Number.isInteger(value)) return this.fail(field, IS_INVALID);
    if (rule.min !== undefined && value < rule.min) return this.fail(field, IS_INVALID);
    if (rule.above !== undefined && value <= rule.above) return this.fail(field, IS_INVALID);
    return value;
  }

  /** A money amount, in cents after round2 (`min`/`above` apply to the amount as sent). */
  money(field: string, rule: NumberRule = {}): number | null | undefined {
    const value = this.number(field, rule);
    return value === null || value === undefined ? value : toCents(value);
  }

  enumValue<T extends string>(
    field: string,
    values: readonly T[],
    rule: FieldRule = {},
  ): T | null | undefined {
    const got = this.raw(field, rule, oneOf(values));
    if (!got) return got;
    const { value } = got;
    if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
      return this.fail(field, oneOf(values));
    }
    return value as T;
  }

  date(field: string, rule: FieldRule = {}): string | null | undefined {
    return this.string(field, { ...rule, check: isValidDate });
  }

  time(field: string, rule: FieldRule = {}): string | null | undefined {
    return this.string(field, { ...rule, check: isValidTime });
  }

  /** A datetime normalised to UTC second precision. */
  dateTime(field: string, rule: FieldRule = {}): string | null | undefined {
    const value = this.string(field, { ...rule, check: (text) => parseDateTime(text) !== null });
    return typeof value === "string" ? parseDateTime(value) : value;
  }

  /** An Address object (§6.1); omitted sub-fields become null. */
  address(field: string, rule: FieldRule = {}): CleanItAllAddress | null | undefined {
    const got = this.raw(field, rule);
    if (!got) return got;
    if (!isObject(got.value)) return this.fail(field, IS_INVALID);
    const sub = this.nested(field, got.value);
    const before = this.details.length;
    const address: CleanItAllAddress = {
      line1: sub.string("line1", { nullable: true, max: 255 }) ?? null,
      line2: sub.string("line2", { nullable: true, max: 255 }) ?? null,
      city: sub.string("city", { nullable: true, max: 100 }) ?? null,
      state: sub.string("state", { nullable: true, max: 100 }) ?? null,
      postal_code: sub.string("postal_code", { nullable: true, max: 20 }) ?? null,
      country: sub.string("country", { nullable: true, check: isCountryCode }) ?? null,
    };
    return this.details.length === before ? address : undefined;
  }
}

/** `email` as §6.2 constrains it. */
export const emailRule: StringRule = { nullable: true, max: 255, check: isEmail };
