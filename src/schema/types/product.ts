import type { UnifiedProduct } from "../../datasources/unified.js";
import { builder } from "../builder.js";
import { ProductConnection, pagingArgs, resolveList } from "../connections.js";
import { SourceEnum } from "../enums.js";
import { MoneyRef, NodeRef, ProductRef } from "../refs.js";
import { loadByGlobalId } from "./node.js";

ProductRef.implement({
  description: "A product or service in the business's catalog, with price and stock (JobCloser).",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Product",
  fields: (t) => ({
    name: t.exposeString("name", { description: "Product name." }),
    description: t.exposeString("description", { nullable: true, description: "Description." }),
    sku: t.exposeString("sku", { nullable: true, description: "Stock-keeping unit." }),
    category: t.exposeString("category", { nullable: true, description: "Category, e.g. Herbicide." }),
    unit: t.exposeString("unit", { nullable: true, description: "Unit it is sold in, e.g. gal or each." }),
    price: t.expose("price", { type: MoneyRef, description: "Selling price per unit." }),
    cost: t.expose("cost", { type: MoneyRef, nullable: true, description: "Cost per unit." }),
    taxable: t.exposeBoolean("taxable", { description: "Whether sales tax applies." }),
    active: t.exposeBoolean("active", { description: "Whether the product is sold." }),
    quantityOnHand: t.exposeFloat("quantityOnHand", {
      nullable: true,
      description: "Stock on hand, in `unit`s.",
    }),
    notes: t.exposeString("notes", { nullable: true, description: "Notes, e.g. storage instructions." }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the product was created upstream.",
      resolve: (p) => p.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the product last changed upstream.",
      resolve: (p) => p.updatedAt,
    }),
  }),
});

builder.queryFields((t) => ({
  product: t.field({
    type: ProductRef,
    nullable: true,
    description: "A product by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The product's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedProduct>(context, args.id, "Product"),
  }),
  products: t.field({
    type: ProductConnection,
    nullable: true,
    description: "Catalog products of every source that has a catalog (JobCloser), by name.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's products." }),
    },
    resolve: (_root, args, context, info) => resolveList(context, info, "products", args, () => ({})),
  }),
}));
