import { charLength, isEmail, isUuid, isValidDate, isValidTime, parseDateTime } from "./values.js";

/**
 * Errors (§5) and request validation that collects every failing field (dotted paths for nested
 * ones, `services.0.sqft`) before the handler throws one `validation_error`.
 */

export interface ValidationDetail {
  field: string;
  message: string;
}

/** An API error answer; thrown by handlers and turned into the §5 envelope by the pipeline. */
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
export const invalidRequest = (details: ValidationDetail[]) =>
  new ApiError(400, "invalid_request", "Invalid request", details);
export const validationFailed = (details: ValidationDetail[]) =>
  new ApiError(422, "validation_error", "Validation failed", details);

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const IS_REQUIRED = "is required";
export const IS_INVALID = "is invalid";
export const DOES_NOT_EXIST = "does not exist";
export const CANNOT_BE_UPDATED = "cannot be updated; create a new estimate";
export const oneOf = (values: readonly string[]) => `must be one of: ${values.join(", ")}`;

export interface FieldRule {
  /** Absent (or, for non-nullable fields, null) → `is required`. */
  required?: boolean;
  /** `null` is a value (stored as null). Otherwise null is `is invalid` (or `is required`). */
  nullable?: boolean;
}

export interface StringRule extends FieldRule {
  min?: number;
  max?: number;
  check?: (value: string) => boolean;
}

export interface NumberRule extends FieldRule {
  /** Inclusive lower bound. */
  min?: number;
  /** Inclusive upper bound. */
  max?: number;
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

  /** Whether a failure was already recorded for `field` (at this level). */
  failed(field: string): boolean {
    const path = this.path(field);
    return this.details.some((detail) => detail.field === path);
  }

  /** A validator for a nested object, sharing this one's details. */
  nested(field: string, value: JsonObject): Validator {
    return new Validator(value, this.path(`${field}.`), this.details);
  }

  /** Throws the collected failures, if any. */
  throwIfFailed(): void {
    if (this.details.length > 0) throw validationFailed(this.details);
  }

  /** The raw value, or a decision for absent/null values per the rule. */
  raw(field: string, rule: FieldRule, nullMessage = IS_INVALID): { value: unknown } | null | undefined {
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
    if (rule.max !== undefined && value > rule.max) return this.fail(field, IS_INVALID);
    if (rule.above !== undefined && value <= rule.above) return this.fail(field, IS_INVALID);
    return value;
  }

  boolean(field: string, rule: FieldRule = {}): boolean | null | undefined {
    const got = this.raw(field, rule);
    if (!got) return got;
    if (typeof got.value !== "boolean") return this.fail(field, IS_INVALID);
    return got.value;
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

  uuid(field: string, rule: FieldRule = {}): string | null | undefined {
    return this.string(field, { ...rule, check: isUuid });
  }

  date(field: string, rule: FieldRule = {}): string | null | undefined {
    return this.string(field, { ...rule, check: isValidDate });
  }

  time(field: string, rule: FieldRule = {}): string | null | undefined {
    return this.string(field, { ...rule, check: isValidTime });
  }

  /** A datetime normalised to UTC millisecond precision (§1). */
  dateTime(field: string, rule: FieldRule = {}): string | null | undefined {
    const value = this.string(field, { ...rule, check: (text) => parseDateTime(text) !== null });
    return typeof value === "string" ? parseDateTime(value) : value;
  }

  /** An array of strings (`service_interest`): item failures are reported as `field.N`. */
  stringArray(
    field: string,
    rule: FieldRule & { maxItems: number; maxLength: number },
  ): string[] | null | undefined {
    const got = this.raw(field, rule);
    if (!got) return got;
    const { value } = got;
    if (!Array.isArray(value) || value.length > rule.maxItems) return this.fail(field, IS_INVALID);
    const before = this.details.length;
    value.forEach((item: unknown, index) => {
      if (typeof item !== "string" || charLength(item) > rule.maxLength)
        this.fail(`${field}.${index}`, IS_INVALID);
    });
    return this.details.length === before ? (value as string[]) : undefined;
  }
}

/** `email` fields as §7 constrain them. */
export const emailRule: StringRule = { nullable: true, max: 255, check: isEmail };
