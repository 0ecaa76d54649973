import type { UnifiedLocation } from "../../datasources/unified.js";
import { builder } from "../builder.js";
import { LocationConnection, pagingArgs, resolveList } from "../connections.js";
import { SourceEnum } from "../enums.js";
import { AddressRef, LocationRef, NodeRef } from "../refs.js";
import { loadByGlobalId } from "./node.js";

LocationRef.implement({
  description: "A branch or office of the business (JobCloser locations).",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Location",
  fields: (t) => ({
    name: t.exposeString("name", { description: "Branch name." }),
    address: t.expose("address", { type: AddressRef, nullable: true, description: "Branch address." }),
    phone: t.exposeString("phone", { nullable: true, description: "Phone number." }),
    email: t.exposeString("email", { nullable: true, description: "Email address." }),
    active: t.exposeBoolean("active", { description: "Whether the branch is active." }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the location was created upstream.",
      resolve: (l) => l.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the location last changed upstream.",
      resolve: (l) => l.updatedAt,
    }),
  }),
});

builder.queryFields((t) => ({
  location: t.field({
    type: LocationRef,
    nullable: true,
    description: "A location by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The location's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedLocation>(context, args.id, "Location"),
  }),
  locations: t.field({
    type: LocationConnection,
    nullable: true,
    description: "Branches of every source that has them (JobCloser), by name.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's locations." }),
    },
    resolve: (_root, args, context, info) => resolveList(context, info, "locations", args, () => ({})),
  }),
}));
