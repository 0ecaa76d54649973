import type { ObjectRef } from "@pothos/core";
import type { GatewayContext } from "../context.js";
import type { NodeRef as GlobalRef, NodeType } from "../datasources/unified.js";
import type { SourceWrites, WriteOperation, WriteOptions, Written } from "../datasources/writes.js";
import { OPERATION_VERBS } from "../datasources/writes.js";
import {
  BadInputError,
  GatewayError,
  IdempotencyConflictError,
  InputValidationError,
  SOURCE_LABELS,
  type SourceId,
  UnsupportedBySourceError,
  UpstreamError,
} from "../errors.js";
import { fingerprintOf, runIdempotent, scopedKey } from "../mutations/idempotency.js";
import { builder, type Types } from "./builder.js";
import { decodeGlobalId, encodeGlobalId } from "./globalId.js";

/**
 * The Mutation root and what every mutation shares: finding the source that does the write (named
 * on creation, taken from the global id on update and delete), ids in inputs that must belong to
 * that same source, idempotency keys, and the bookkeeping after a write (the request's loaders are
 * cleared so everything selected from the payload is read afresh; the datasource has already dropped
 * the cached upstream reads the write changed). The mutations themselves live beside their types.
 */

builder.mutationType({
  description:
    "Writes to the upstreams. Create and update mutations need an API key with the `write` scope, deletions the `delete` scope. Each mutation goes to one upstream: creations name it in `input.source`, updates and deletions take it from the record's global id.",
});

/** The source's write half, or a clear error when the tenant lacks the source or the source the operation. */
export function writesFor<K extends WriteOperation>(
  context: GatewayContext,
  source: SourceId,
  operation: K,
): SourceWrites & Required<Pick<SourceWrites, K>> {
  const datasource = context.datasources.get(source);
  if (!datasource) {
    throw new BadInputError(
      `Source ${source.toUpperCase()} is not configured for this tenant.`,
      "input.source",
    );
  }
  const writes = datasource.writes;
  if (!writes?.[operation]) {
    throw new UnsupportedBySourceError(
      source,
      writes?.unsupported?.[operation] ??
        `${SOURCE_LABELS[source]} cannot ${OPERATION_VERBS[operation]} through its API.`,
    );
  }
  // Checked just above: the source implements the operation.
  return writes as SourceWrites & Required<Pick<SourceWrites, K>>;
}

/** The record an update or delete targets: its global id says which source does the write. */
export function targetOf<K extends WriteOperation>(
  context: GatewayContext,
  id: string | number,
  type: NodeType,
  operation: K,
): { ref: GlobalRef; writes: SourceWrites & Required<Pick<SourceWrites, K>> } {
  const ref = decodeGlobalId(context, String(id), "id", [type]);
  return { ref, writes: writesFor(context, ref.source, operation) };
}

/**
 * An id given inside an input (`input.customerId`): decoded, of the expected type, and in the
 * source the record is written to (records never link across sources). Returns the upstream id.
 */
export function sameSourceId(
  context: GatewayContext,
  source: SourceId,
  id: string | number | null | undefined,
  path: string,
  types: readonly NodeType[],
  argument = "input",
): string | null | undefined {
  if (id === null || id === undefined) return id;
  let ref: GlobalRef;
  try {
    ref = decodeGlobalId(context, String(id), path, types);
  } catch (error) {
    if (error instanceof BadInputError) {
      throw new InputValidationError([{ path, message: `is not a valid id: ${error.message}` }], {
        argument,
      });
    }
    throw error;
  }
  if (ref.source !== source) {
    throw new InputValidationError(
      [
        {
          path,
          message: `is a ${SOURCE_LABELS[ref.source]} record, but this write goes to ${SOURCE_LABELS[source]}: records never link across sources`,
        },
      ],
      { argument },
    );
  }
  return ref.sourceId;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Runs a create once per idempotency key. Upstreams that de-duplicate themselves (CleanEstimate
 * Pro) get the key; for the others the gateway's store guarantees it: a retry with the same key
 * and input returns the first result (`replayed: true`) without calling the upstream again.
 */
export async function runCreate<T, K extends WriteOperation>(
  context: GatewayContext,
  request: {
    operation: K;
    source: SourceId;
    /** The mutation's arguments as sent, for the idempotency fingerprint. */
    args: unknown;
    idempotencyKey: string | null | undefined;
    perform: (
      writes: SourceWrites & Required<Pick<SourceWrites, K>>,
      options: WriteOptions,
    ) => Promise<Written<T>>;
  },
): Promise<{ record: T; replayed: boolean }> {
  const writes = writesFor(context, request.source, request.operation);
  const key = request.idempotencyKey ?? undefined;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new InputValidationError(
      [{ path: "", message: "must be 1 to 255 printable ASCII characters without spaces" }],
      { argument: "idempotencyKey" },
    );
  }
  let written: { record: T; replayed: boolean; incomplete?: { message: string; code: string } };
  if (key === undefined || writes.nativeIdempotency) {
    const result = await request.perform(writes, key === undefined ? {} : { idempotencyKey: key });
    written = { ...result, ...(result.incomplete ? { incomplete: describe(result.incomplete) } : {}) };
  } else {
    const { result, replayed } = await runIdempotent(
      context.mutations.idempotency,
      {
        key: scopedKey(context.tenantId, key),
        fingerprint: fingerprintOf({ operation: request.operation, args: request.args }),
        waitMs: context.mutations.idempotencyWaitMs,
      },
      async () => {
        try {
          const done = await request.perform(writes, {});
          // Stored as plain JSON: the record, and what a multi-step write could not finish.
          return { record: done.record, incomplete: done.incomplete ? describe(done.incomplete) : null };
        } catch (error) {
          // A lost answer: the upstream may have written. The key keeps that, so no retry creates twice.
          if (error instanceof UpstreamError && error.code === "UPSTREAM_TIMEOUT") {
            return { unknownOutcome: error.message };
          }
          throw error;
        }
      },
      context.mutations.onIdempotencyStoreFailure,
    );
    if ("unknownOutcome" in result) {
      if (!replayed) {
        throw new UpstreamError(
          request.source,
          "UPSTREAM_TIMEOUT",
          `${result.unknownOutcome}: the upstream may still have written the record. A retry with this idempotencyKey will not create it twice.`,
        );
      }
      throw new IdempotencyConflictError(
        `The first request with this idempotencyKey got no answer (${result.unknownOutcome}), so the upstream may have written the record. Check whether it exists before retrying with a new key.`,
      );
    }
    written = {
      record: result.record,
      replayed,
      ...(result.incomplete ? { incomplete: result.incomplete } : {}),
    };
  }
  afterWrite(context);
  if (written.incomplete) {
    context.partialErrors.push(
      new GatewayError(written.incomplete.message, written.incomplete.code as GatewayError["code"], {
        source: request.source,
      }),
    );
  }
  return { record: written.record, replayed: written.replayed };
}

function describe(error: GatewayError): { message: string; code: string } {
  return { message: error.message, code: error.code };
}

/** Runs an update, action or delete; the write's source comes from the target's global id. */
export async function runWrite<R>(context: GatewayContext, write: () => Promise<R>): Promise<R> {
  const result = await write();
  afterWrite(context);
  return result;
}

/** Records loaded earlier in this request may predate the write: later fields read afresh. */
function afterWrite(context: GatewayContext): void {
  context.clearLoaders();
}

/** `{ <field>: T!, replayed: Boolean! }`: what a create returns. */
export function createPayload<T extends object>(
  name: string,
  field: string,
  type: ObjectRef<Types, T, T>,
  description: string,
) {
  return builder.objectRef<{ record: T; replayed: boolean }>(name).implement({
    description,
    fields: (t) => ({
      [field]: t.expose("record", {
        type,
        description: "The record as the upstream stored it.",
      }),
      replayed: t.exposeBoolean("replayed", {
        description:
          "True when this is the stored result of an earlier request with the same `idempotencyKey`: nothing was written this time.",
      }),
    }),
  });
}

/** `{ <field>: T! }`: what an update or action returns. */
export function changePayload<T extends object>(
  name: string,
  field: string,
  type: ObjectRef<Types, T, T>,
  description: string,
) {
  return builder.objectRef<{ record: T }>(name).implement({
    description,
    fields: (t) => ({
      [field]: t.expose("record", {
        type,
        description: "The record after the change, as the upstream stored it.",
      }),
    }),
  });
}

export interface DeletedRecord {
  ref: GlobalRef;
  permanent: boolean;
}

export const DeletePayloadRef = builder.objectRef<DeletedRecord>("DeletePayload").implement({
  description: "What a deletion did.",
  fields: (t) => ({
    deletedId: t.id({
      description: "The global id of the deleted record.",
      resolve: (deleted) => encodeGlobalId(deleted.ref),
    }),
    permanent: t.exposeBoolean("permanent", {
      description:
        "False when the upstream only deactivates the record (CleverInvo clients stay readable by id, as inactive).",
    }),
  }),
});

export const IDEMPOTENCY_KEY_DESCRIPTION =
  "Makes retries safe: a retried mutation with the same key and input creates once and returns the first result (`replayed: true`); the same key with different input is an IDEMPOTENCY_CONFLICT error. Keys are kept 24 hours per tenant. 1–255 printable ASCII characters, e.g. a UUID.";
