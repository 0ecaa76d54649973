import type { GatewayContext } from "../../context.js";
import type { UnifiedNode } from "../../datasources/unified.js";

/** Loads a related record of the same source by id (crews, employees, locations...). */
export async function related<T extends UnifiedNode>(
  context: GatewayContext,
  from: { source: UnifiedNode["source"] },
  type: T["__typename"],
  sourceId: string | null,
): Promise<T | null> {
  if (!sourceId) return null;
  return (await context.load({ type, source: from.source, sourceId })) as T | null;
}
