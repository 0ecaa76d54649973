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
    unauthorizedError: (_parent, _context, _info, result) => {
      const failure = result.failure;
      const scope = failure.kind === "AuthScope" ? failure.scope : "read";
      return new ForbiddenError(scope);
    },
  },
});

/** The builder's resolved type parameters, for helpers that take refs or field builders. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
