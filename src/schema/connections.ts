import type { ArgBuilder, ObjectRef } from "@pothos/core";
import { type GraphQLResolveInfo, locatedError, responsePathAsArray } from "graphql";
import type { GatewayContext } from "../context.js";
import type { ListKind, ListKinds } from "../datasources/datasource.js";
import { SUPPORTED_SOURCES } from "../datasources/index.js";
import { AllSourcesFailedError, type ListStream, type Page, paginate } from "../datasources/paging.js";
import { BadInputError, type SourceId, UnsupportedBySourceError } from "../errors.js";
import { builder, type Types } from "./builder.js";
import {
  AssetRef,
  ChemicalApplicationRef,
  CrewRef,
  CustomerRef,
  EmployeeRef,
  EstimateRef,
  InvoiceRef,
  JobRef,
  LeadRef,
  LocationRef,
  PaymentRef,
  ProductRef,
  SiteVisitRef,
  VendorRef,
} from "./refs.js";

/**
 * Relay connections and the one resolver behind every list field, root or nested: pick the
 * sources, build each source's stream from its filter, and page through the merged list.
 */

export const PageInfoRef = builder.objectRef<Page<unknown>>("PageInfo").implement({
  description: "Where this page sits in the list (Relay cursor connections).",
  fields: (t) => ({
    hasNextPage: t.exposeBoolean("hasNextPage", { description: "Whether more records follow this page." }),
    hasPreviousPage: t.exposeBoolean("hasPreviousPage", {
      description:
        "Whether records precede this page. Lists page forward only: keep the cursors you were given.",
    }),
    startCursor: t.string({
      nullable: true,
      description: "Cursor of the first edge of this page.",
      resolve: (page) => page.edges[0]?.cursor ?? null,
    }),
    endCursor: t.string({
      nullable: true,
      description: "Cursor of the last edge of this page: pass it as `after` to get the next page.",
      resolve: (page) => page.edges.at(-1)?.cursor ?? null,
    }),
  }),
});

/** Defines `<Name>Connection` and `<Name>Edge` for a node type. */
export function connectionOf<T>(name: string, nodeRef: ObjectRef<Types, T>) {
  const edge = builder.objectRef<{ cursor: string; node: T }>(`${name}Edge`).implement({
    description: `A ${name} in a list, with the cursor that resumes the list after it.`,
    fields: (t) => ({
      cursor: t.exposeString("cursor", {
        description: "Opaque cursor: pass it as `after` to continue after this edge.",
      }),
      // Pothos cannot relate a generic T to the ref's shape; the ref is built from the same T.
      node: t.field({ type: nodeRef, description: `The ${name}.`, resolve: (e) => e.node as never }),
    }),
  });
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    description: `A page of ${name} records (Relay cursor connection).`,
    fields: (t) => ({
      edges: t.field({
        type: [edge],
        description: "The records of this page, with their cursors.",
        resolve: (page) => page.edges,
      }),
      nodes: t.field({
        type: [nodeRef],
        description: "The records of this page, without cursors.",
        resolve: (page) => page.edges.map((e) => e.node) as never,
      }),
      pageInfo: t.field({ type: PageInfoRef, description: "Paging information.", resolve: (page) => page }),
      totalCount: t.int({
        nullable: true,
        description:
          "How many records the whole list holds, when the upstreams tell it without a scan: null when the gateway applies a filter an upstream cannot, or when a source failed.",
        resolve: (page) => page.totalCount,
      }),
    }),
  });
}

export const CustomerConnection = connectionOf("Customer", CustomerRef);
export const JobConnection = connectionOf("Job", JobRef);
export const SiteVisitConnection = connectionOf("SiteVisit", SiteVisitRef);
export const InvoiceConnection = connectionOf("Invoice", InvoiceRef);
export const PaymentConnection = connectionOf("Payment", PaymentRef);
export const LeadConnection = connectionOf("Lead", LeadRef);
export const EstimateConnection = connectionOf("Estimate", EstimateRef);
export const ChemicalApplicationConnection = connectionOf("ChemicalApplication", ChemicalApplicationRef);
export const CrewConnection = connectionOf("Crew", CrewRef);
export const EmployeeConnection = connectionOf("Employee", EmployeeRef);
export const ProductConnection = connectionOf("Product", ProductRef);
export const LocationConnection = connectionOf("Location", LocationRef);
export const AssetConnection = connectionOf("Asset", AssetRef);
export const VendorConnection = connectionOf("Vendor", VendorRef);

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

const newestFirst = (a: { createdAt: string }, b: { createdAt: string }) =>
  Date.parse(b.createdAt) - Date.parse(a.createdAt);

/** The merge order of each cross-source list (each upstream already returns its records in it). */
const ORDER: { [K in ListKind]: (a: ListKinds[K]["record"], b: ListKinds[K]["record"]) => number } = {
  customers: newestFirst,
  jobs: newestFirst,
  invoices: newestFirst,
  payments: newestFirst,
  siteVisits: (a, b) => Date.parse(a.scheduledAt) - Date.parse(b.scheduledAt),
  leads: newestFirst,
  estimates: newestFirst,
  chemicalApplications: (a, b) => Date.parse(a.appliedAt) - Date.parse(b.appliedAt),
  crews: byName,
  employees: (a, b) => a.lastName.localeCompare(b.lastName) || a.firstName.localeCompare(b.firstName),
  products: byName,
  locations: byName,
  assets: byName,
  vendors: byName,
};

export interface ListArgs {
  first?: number | null;
  after?: string | null;
  /** Restrict to one upstream. */
  source?: SourceId | null;
}

function pageSize(first: number | null | undefined, limits: GatewayContext["limits"]): number {
  if (first === null || first === undefined) return limits.defaultPageSize;
  if (first < 0 || first > limits.maxPageSize) {
    throw new BadInputError(`first must be between 0 and ${limits.maxPageSize}; got ${first}.`, "first");
  }
  return first;
}

/**
 * One page of a list. `filterFor` gives each source's filter, or null when nothing in that source
 * can match (that source is then not asked). A source that fails leaves the others' records in
 * the page and its error in the response.
 */
export async function resolveList<K extends ListKind>(
  context: GatewayContext,
  info: GraphQLResolveInfo,
  kind: K,
  args: ListArgs,
  filterFor: (source: SourceId) => ListKinds[K]["filter"] | null,
): Promise<Page<ListKinds[K]["record"]>> {
  const first = pageSize(args.first, context.limits);
  if (args.source && !context.sources.includes(args.source as (typeof context.sources)[number])) {
    throw new BadInputError(
      `Source ${args.source.toUpperCase()} is not configured for this tenant.`,
      "source",
    );
  }
  const streams: ListStream<ListKinds[K]["record"]>[] = [];
  for (const source of args.source ? [args.source] : context.sources) {
    const factory = context.datasources.get(source)?.lists[kind] as
      | ((filter: ListKinds[K]["filter"]) => ListStream<ListKinds[K]["record"]> | null)
      | undefined;
    const filter = factory ? filterFor(source) : null;
    let stream: ListStream<ListKinds[K]["record"]> | null = null;
    try {
      stream = factory && filter ? factory(filter) : null;
    } catch (error) {
      // Asked of this source alone, its limitation is the answer; across sources, it sits out.
      if (!(error instanceof UnsupportedBySourceError) || args.source) throw error;
    }
    if (stream) streams.push(stream);
  }
  const located = (error: Error) => locatedError(error, info.fieldNodes, responsePathAsArray(info.path));
  try {
    const page = await paginate(streams, {
      first,
      after: args.after,
      compare: ORDER[kind] as (a: ListKinds[K]["record"], b: ListKinds[K]["record"]) => number,
      cursorSources: SUPPORTED_SOURCES,
    });
    for (const error of page.errors) context.partialErrors.push(located(error));
    return page;
  } catch (error) {
    // Every source failed: the field is null with the first failure; report the others beside it.
    if (error instanceof AllSourcesFailedError) {
      for (const other of error.failures.slice(1)) context.partialErrors.push(located(other));
    }
    throw error;
  }
}

/** The standard `first` / `after` arguments of every list field. */
export function pagingArgs(t: ArgBuilder<Types>) {
  return {
    first: t.int({
      required: false,
      description:
        "How many records to return (default 25, at most 100; `0` returns only `totalCount` and `pageInfo`).",
    }),
    after: t.string({
      required: false,
      description: "Return the records after this cursor (from `pageInfo.endCursor` or an edge).",
    }),
  };
}
