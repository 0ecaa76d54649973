import type { GatewayContext } from "../context.js";
import { SUPPORTED_SOURCES } from "../datasources/index.js";
import { NODE_TYPES, type NodeRef, type NodeType } from "../datasources/unified.js";
import { BadInputError, type SourceId } from "../errors.js";

/**
 * Opaque global ids: base64url of `Type:source:sourceId[:locator]`. The source is part of the id,
 * so a global id alone says which upstream to ask; the locator finds records that have no by-id
 * endpoint upstream (CleanItAll payments, through their invoice).
 */

export function encodeGlobalId(ref: NodeRef): string {
  const parts = [ref.type, ref.source, ref.sourceId, ...(ref.locator ? [ref.locator] : [])];
  return Buffer.from(parts.join(":"), "utf8").toString("base64url");
}

/**
 * Decodes and checks a global id: its shape, its type (when `expected` is given) and, for a
 * source the tenant has, that the upstream id has that source's format. Throws BAD_USER_INPUT.
 */
export function decodeGlobalId(
  context: GatewayContext,
  id: string,
  argument: string,
  expected?: readonly NodeType[],
): NodeRef {
  const invalid = (why: string) =>
    new BadInputError(`Invalid ${argument} "${id.slice(0, 80)}": ${why}.`, argument);
  if (id.length === 0 || id.length > 400 || !/^[A-Za-z0-9_-]+$/.test(id)) throw invalid("not a global id");
  const parts = Buffer.from(id, "base64url").toString("utf8").split(":");
  const [type, source, sourceId, locator, ...rest] = parts;
  if (!type || !source || !sourceId || rest.length > 0 || locator === "") throw invalid("not a global id");
  if (!(NODE_TYPES as readonly string[]).includes(type)) throw invalid("not a global id");
  if (!(SUPPORTED_SOURCES as readonly string[]).includes(source)) throw invalid(`unknown source "${source}"`);
  if (expected && !expected.includes(type as NodeType)) {
    throw invalid(`it is the id of a ${type}, expected ${expected.join(" or ")}`);
  }
  const datasource = context.datasources.get(source as SourceId);
  if (datasource && !datasource.isValidId(type as NodeType, sourceId)) {
    throw invalid(`"${sourceId}" is not a ${source} ${type} id`);
  }
  // A locator is the id of the record the node is found through: a payment's invoice.
  if (datasource && locator && !datasource.isValidId("Invoice", locator)) throw invalid("not a global id");
  return {
    type: type as NodeType,
    source: source as SourceId,
    sourceId,
    ...(locator ? { locator } : {}),
  };
}
