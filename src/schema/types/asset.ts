import type { UnifiedAsset, UnifiedEmployee, UnifiedLocation } from "../../datasources/unified.js";
import { checkSearch } from "../args.js";
import { builder } from "../builder.js";
import { AssetConnection, pagingArgs, resolveList } from "../connections.js";
import { SourceEnum } from "../enums.js";
import { AssetRef, EmployeeRef, LocationRef, NodeRef } from "../refs.js";
import { loadByGlobalId } from "./node.js";
import { related } from "./reference.js";

AssetRef.implement({
  description: "A tracked piece of equipment: sprayers, vehicles, tools (JobCloser trackable assets).",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Asset",
  fields: (t) => ({
    name: t.exposeString("name", { description: "Asset name." }),
    description: t.exposeString("description", { nullable: true, description: "Description." }),
    type: t.exposeString("type", { nullable: true, description: "Free-text kind, e.g. Equipment." }),
    serialNumber: t.exposeString("serialNumber", { nullable: true, description: "Serial number." }),
    status: t.exposeString("status", {
      description: "The upstream's status: Available, InUse, InRepair or Retired.",
    }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the asset was created upstream.",
      resolve: (a) => a.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the asset last changed upstream.",
      resolve: (a) => a.updatedAt,
    }),
    assignedTo: t.field({
      type: EmployeeRef,
      nullable: true,
      description: "The employee the asset is assigned to.",
      resolve: (asset, _args, context) =>
        related<UnifiedEmployee>(context, asset, "Employee", asset.assignedEmployeeId),
    }),
    location: t.field({
      type: LocationRef,
      nullable: true,
      description: "The branch the asset belongs to.",
      resolve: (asset, _args, context) =>
        related<UnifiedLocation>(context, asset, "Location", asset.locationId),
    }),
  }),
});

builder.queryFields((t) => ({
  asset: t.field({
    type: AssetRef,
    nullable: true,
    description: "An asset by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The asset's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedAsset>(context, args.id, "Asset"),
  }),
  assets: t.field({
    type: AssetConnection,
    nullable: true,
    description: "Tracked equipment of every source that tracks it (JobCloser), by name.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's assets." }),
      search: t.arg.string({
        required: false,
        description: "Case-insensitive search in name, serial number and description.",
      }),
    },
    resolve: (_root, args, context, info) => {
      const search = checkSearch(args.search, "search");
      return resolveList(context, info, "assets", args, () => ({ search }));
    },
  }),
}));
