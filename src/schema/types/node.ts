import type { GatewayContext } from "../../context.js";
import { refOf, type UnifiedNode } from "../../datasources/unified.js";
import { BadInputError } from "../../errors.js";
import { builder } from "../builder.js";
import { SourceEnum } from "../enums.js";
import { decodeGlobalId, encodeGlobalId } from "../globalId.js";
import { NodeRef } from "../refs.js";

/** The Node interface, `node`/`nodes`, and the tenant's sources. */

const MAX_NODES = 100;

/**
 * The record with its detail-only fields: records from ARTISAN lists lack some, and are loaded by
 * id (once per request) when such a field is asked for.
 */
export async function fullRecord<T extends UnifiedNode>(
  context: GatewayContext,
  record: T,
): Promise<T | null> {
  if (!record.partial) return record;
  return (await context.load(refOf(record))) as T | null;
}

NodeRef.implement({
  description: "A record with a global id, resolvable with `node(id:)` from any upstream.",
  resolveType: (node) => node.__typename,
  fields: (t) => ({
    id: t.id({
      description: "Opaque global id: stable, unique across every upstream. Use it with `node(id:)`.",
      resolve: (node) => encodeGlobalId(refOf(node)),
    }),
    source: t.field({
      type: SourceEnum,
      description: "The upstream this record comes from.",
      resolve: (node) => node.source,
    }),
    sourceId: t.exposeString("sourceId", {
      description: "The record's id in its upstream (as the upstream writes it).",
    }),
  }),
});

builder.queryType({
  description: "Read access to every upstream of the tenant. Needs an API key with the `read` scope.",
  authScopes: { read: true },
});

builder.queryFields((t) => ({
  node: t.field({
    type: NodeRef,
    nullable: true,
    description: "Any record by its global id; null when it no longer exists upstream.",
    args: { id: t.arg.id({ required: true, description: "A global id from any record's `id`." }) },
    resolve: (_root, args, context) => context.load(decodeGlobalId(context, String(args.id), "id")),
  }),
  nodes: t.field({
    type: [NodeRef],
    nullable: { list: false, items: true },
    description: `Several records by global id, in the order asked (null for each that no longer exists). At most ${MAX_NODES} ids.`,
    args: { ids: t.arg.idList({ required: true, description: "Global ids." }) },
    resolve: (_root, args, context) => {
      if (args.ids.length > MAX_NODES)
        throw new BadInputError(`nodes takes at most ${MAX_NODES} ids.`, "ids");
      // Decode every id first: one bad id fails the field before any upstream is asked.
      const refs = args.ids.map((id, index) => decodeGlobalId(context, String(id), `ids[${index}]`));
      return Promise.all(refs.map((ref) => context.load(ref)));
    },
  }),
  sources: t.field({
    type: [SourceEnum],
    description: "The upstreams configured for this tenant; lists without `source:` span all of them.",
    resolve: (_root, _args, context) => [...context.sources],
  }),
}));

/**
 * A field that some representations lack (undefined): read from the record when present, else
 * from the full record, loaded by id once per request.
 */
export async function detailField<T extends UnifiedNode, K extends keyof T>(
  context: GatewayContext,
  record: T,
  key: K,
): Promise<Exclude<T[K], undefined> | null> {
  const value = record[key];
  if (value !== undefined) return value as Exclude<T[K], undefined>;
  const full = await fullRecord(context, record);
  return (full?.[key] ?? null) as Exclude<T[K], undefined> | null;
}

/** Loads a record of one type by global id (the typed root getters). */
export async function loadByGlobalId<T extends UnifiedNode>(
  context: GatewayContext,
  id: string | number,
  type: T["__typename"],
): Promise<T | null> {
  return (await context.load(decodeGlobalId(context, String(id), "id", [type]))) as T | null;
}

/** The id of a record of one of `types` given as a filter argument (decoded, not loaded). */
export function filterRef(
  context: GatewayContext,
  id: string | number | null | undefined,
  argument: string,
  type: UnifiedNode["__typename"],
) {
  return id === null || id === undefined ? null : decodeGlobalId(context, String(id), argument, [type]);
}
