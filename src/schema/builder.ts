import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import type { GatewayContext } from "../context.js";
import { ForbiddenError } from "../errors.js";

/**
 * Schema builder configuration only: the typed context, auth scopes and scalar types. Types and
 * their fields live in `types/`, one file per unified type.
 */
export interface BuilderTypes {
  Context: GatewayContext;
  AuthScopes: { read: boolean; write: boolean; delete: boolean };
  Scalars: {
    DateTime: { Input: string; Output: string };
    Date: { Input: string; Output: string };
    Decimal: { Input: string; Output: string };
  };
  /** Non-null unless a field says otherwise: nullable fields are the ones an upstream can fail. */
  DefaultFieldNullability: false;
}

export const builder = new SchemaBuilder<BuilderTypes>({
  plugins: [ScopeAuthPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      read: context.scopes.has("read"),
      write: context.scopes.has("write"),
      delete: context.scopes.has("delete"),
    }),
    unauthorizedError: (_parent, _context, _info, result) => new ForbiddenError(missingScope(result.failure)),
  },
});

/** The scope a failed check asked for: `{ write: true }` fails as AnyAuthScopes around one AuthScope. */
function missingScope(failure: unknown): string {
  if (!failure || typeof failure !== "object") return "read";
  const { kind, scope, failures } = failure as { kind?: unknown; scope?: unknown; failures?: unknown };
  if (kind === "AuthScope" && typeof scope === "string") return scope;
  if (Array.isArray(failures)) {
    for (const inner of failures) {
      const found = missingScope(inner);
      if (found !== "read" || (inner as { scope?: unknown }).scope === "read") return found;
    }
  }
  return "read";
}

/** The builder's resolved type parameters, for helpers that take refs or field builders. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
