import { charLength, isValidDate } from "./values.js";

/**
 * Request validation with the reference's semantics (§4): only the first failing check is
 * reported, fields in the order of the body tables, `Missing required field: <field>` when a
 * required field is absent or null, `Invalid field: <field>` for a wrong type, format, length or
 * range. Readers throw an `ApiError` at the first failure.
 */

/** An API error answer; thrown by handlers, turned into `{"error": message}` by the pipeline. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const missingField = (field: string) => new ApiError(400, `Missing required field: ${field}`);
export const invalidField = (field: string) => new ApiError(400, `Invalid field: ${field}`);
export const invalidQuery = (param: string) => new ApiError(400, `Invalid query parameter: ${param}`);
export const CLIENT_NOT_FOUND = "Client not found";
export const INVOICE_NOT_FOUND = "Invoice not found";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The request body: a JSON object, else 400 `Invalid JSON body` (an empty body included). */
export function parseBody(raw: Buffer): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new ApiError(400, "Invalid JSON body");
  }
  if (!isObject(parsed)) throw new ApiError(400, "Invalid JSON body");
  return parsed;
}

export interface StringRule {
  /** Absent or null → `Missing required field`. */
  required?: boolean;
  /** `null` is accepted (clears the field). Otherwise null is `Invalid field` (or missing). */
  nullable?: boolean;
  min?: number;
  max?: number;
  /** At least one non-whitespace character. */
  notBlank?: boolean;
  check?: (value: string) => boolean;
}

export interface NumberRule {
  required?: boolean;
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
}

/**
 * Reads the fields of one JSON object. Each reader returns the value, `null` for an accepted null,
 * or `undefined` when the field is absent (and not required); failures throw.
 */
export class FieldReader {
  constructor(
    private readonly body: JsonObject,
    /** Prepended to field names in messages: `lineItems[0].`. */
    private readonly prefix = "",
  ) {}

  private name(field: string): string {
    return `${this.prefix}${field}`;
  }

  has(field: string): boolean {
    return this.body[field] !== undefined;
  }

  /** Present-or-missing: `undefined` when absent and optional, `null` when null and nullable. */
  private raw(field: string, required: boolean, nullable: boolean): unknown {
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (required) throw missingField(this.name(field));
      if (value === null && !nullable) throw invalidField(this.name(field));
    }
    return value;
  }

  string(field: string, rule: StringRule = {}): string | null | undefined {
    const value = this.raw(field, rule.required ?? false, rule.nullable ?? false);
    if (value === undefined || value === null) return value;
    if (typeof value !== "string") throw invalidField(this.name(field));
    const length = charLength(value);
    if (length < (rule.min ?? 0) || (rule.max !== undefined && length > rule.max)) {
      throw invalidField(this.name(field));
    }
    if (rule.notBlank && value.trim() === "") throw invalidField(this.name(field));
    if (rule.check && !rule.check(value)) throw invalidField(this.name(field));
    return value;
  }

  number(field: string, rule: NumberRule = {}): number | undefined {
    const value = this.raw(field, rule.required ?? false, false);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) throw invalidField(this.name(field));
    if (rule.min !== undefined && value < rule.min) throw invalidField(this.name(field));
    if (rule.max !== undefined && value > rule.max) throw invalidField(this.name(field));
    if (rule.above !== undefined && value <= rule.above) throw invalidField(this.name(field));
    return value;
  }

  boolean(field: string): boolean | undefined {
    const value = this.raw(field, false, false);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") throw invalidField(this.name(field));
    return value;
  }

  date(field: string): string | undefined {
    return this.string(field, { check: isValidDate }) ?? undefined;
  }

  /** An array; `required` only governs absence/null. */
  array(field: string, rule: { required?: boolean; min: number; max: number }): unknown[] | undefined {
    const value = this.raw(field, rule.required ?? false, false);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.length < rule.min || value.length > rule.max) {
      throw invalidField(this.name(field));
    }
    return value;
  }

  /** A reader for a nested object, reporting its fields as `<prefix><field>.<name>`. */
  nested(value: unknown, path: string): FieldReader {
    if (!isObject(value)) throw invalidField(this.name(path));
    return new FieldReader(value, `${this.name(path)}.`);
  }
}
