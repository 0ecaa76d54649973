import type { UnifiedVendor } from "../../datasources/unified.js";
import { checkSearch } from "../args.js";
import { builder } from "../builder.js";
import { pagingArgs, resolveList, VendorConnection } from "../connections.js";
import { SourceEnum } from "../enums.js";
import { AddressRef, NodeRef, VendorRef } from "../refs.js";
import { loadByGlobalId } from "./node.js";

VendorRef.implement({
  description: "A supplier the business buys from (JobCloser vendors).",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Vendor",
  fields: (t) => ({
    name: t.exposeString("name", { description: "Vendor name." }),
    contactName: t.exposeString("contactName", { nullable: true, description: "Contact person." }),
    email: t.exposeString("email", { nullable: true, description: "Email address." }),
    phone: t.exposeString("phone", { nullable: true, description: "Phone number." }),
    address: t.expose("address", { type: AddressRef, nullable: true, description: "Address." }),
    type: t.exposeString("type", { nullable: true, description: "Free-text kind, e.g. Supplier." }),
    notes: t.exposeString("notes", { nullable: true, description: "Notes." }),
    status: t.exposeString("status", { description: "The upstream's status: Active or Inactive." }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the vendor was created upstream.",
      resolve: (v) => v.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the vendor last changed upstream.",
      resolve: (v) => v.updatedAt,
    }),
  }),
});

builder.queryFields((t) => ({
  vendor: t.field({
    type: VendorRef,
    nullable: true,
    description: "A vendor by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The vendor's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedVendor>(context, args.id, "Vendor"),
  }),
  vendors: t.field({
    type: VendorConnection,
    nullable: true,
    description: "Vendors of every source that keeps them (JobCloser), by name.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's vendors." }),
      search: t.arg.string({
        required: false,
        description: "Case-insensitive search in name, contact, email and phone.",
      }),
    },
    resolve: (_root, args, context, info) => {
      const search = checkSearch(args.search, "search");
      return resolveList(context, info, "vendors", args, () => ({ search }));
    },
  }),
}));
