import { formatCents } from "../../datasources/unified.js";
import { builder } from "../builder.js";
import { SourceEnum } from "../enums.js";
import { AddressRef, JobTypeRef, LineItemRef, MoneyRef, TeamMemberObjectRef } from "../refs.js";
import { fullRecord } from "./node.js";

/** Value types shared by the record types. */

MoneyRef.implement({
  description: "An exact amount of money in one currency.",
  fields: (t) => ({
    amount: t.field({
      type: "Decimal",
      description: "The amount in major units with two decimals, exact (e.g. `259.80`).",
      resolve: (m) => formatCents(m.cents),
    }),
    currency: t.exposeString("currency", { description: "ISO 4217 currency code, e.g. `USD`, `EUR`." }),
  }),
});

AddressRef.implement({
  description: "A postal address. Sources that keep an address as one free-text line put it in `line1`.",
  fields: (t) => ({
    line1: t.exposeString("line1", { nullable: true, description: "Street address, first line." }),
    line2: t.exposeString("line2", { nullable: true, description: "Street address, second line." }),
    city: t.exposeString("city", { nullable: true, description: "City." }),
    region: t.exposeString("region", { nullable: true, description: "State, province or region." }),
    postalCode: t.exposeString("postalCode", { nullable: true, description: "Postal or ZIP code." }),
    country: t.exposeString("country", { nullable: true, description: "ISO 3166-1 alpha-2 country code." }),
    formatted: t.string({
      description: "The address on one line, parts joined with commas.",
      resolve: (a) =>
        [a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(" "), a.region, a.country]
          .filter((part) => part && part.length > 0)
          .join(", "),
    }),
  }),
});

LineItemRef.implement({
  description: "One line of an invoice.",
  fields: (t) => ({
    description: t.exposeString("description", { nullable: true, description: "What was sold or done." }),
    quantity: t.exposeFloat("quantity", { description: "Quantity (may be fractional, e.g. hours)." }),
    unitPrice: t.expose("unitPrice", {
      type: MoneyRef,
      description: "Price of one unit (tax-inclusive where the invoice is).",
    }),
    discountPercent: t.exposeFloat("discountPercent", {
      description: "Discount on this line, in percent (0 when none).",
    }),
    amount: t.expose("amount", { type: MoneyRef, description: "Line total after discount." }),
    productId: t.exposeString("productId", {
      nullable: true,
      description: "The upstream's catalog item id, when the line came from a catalog.",
    }),
  }),
});

TeamMemberObjectRef.implement({
  description:
    "A member of the business's team who is assigned work. Upstreams expose team members only by reference.",
  fields: (t) => ({
    source: t.field({
      type: SourceEnum,
      description: "The upstream the team member belongs to.",
      resolve: (m) => m.source,
    }),
    sourceId: t.exposeString("sourceId", { description: "The upstream's id of the team member." }),
    name: t.exposeString("name", {
      nullable: true,
      description: "Name, where the upstream gives it (CleanItAll gives only ids).",
    }),
    email: t.string({
      nullable: true,
      description: "Email address, where the upstream gives it (JobCloser accounts).",
      resolve: (member) => member.email ?? null,
    }),
  }),
});

JobTypeRef.implement({
  description: "A kind of job as the business defines it (ARTISAN job types).",
  fields: (t) => ({
    sourceId: t.exposeString("sourceId", { description: "The upstream's id of the job type." }),
    name: t.string({
      nullable: true,
      description: "Name, in the company's language.",
      resolve: async (jobType, _args, context) => {
        if (jobType.name !== null) return jobType.name;
        const job = await fullRecord(context, jobType.job);
        return job?.jobType?.name ?? null;
      },
    }),
  }),
});

/** Input of an address; sources that keep one text line get the parts joined, as their mutations say. */
export const AddressInputRef = builder.inputType("AddressInput", {
  description:
    "A postal address to write. Omitted parts are left empty; sources that store fewer parts reject the ones they cannot keep (the error names them).",
  fields: (t) => ({
    line1: t.string({ required: false, description: "Street address, first line." }),
    line2: t.string({ required: false, description: "Street address, second line." }),
    city: t.string({ required: false, description: "City." }),
    region: t.string({ required: false, description: "State, province or region." }),
    postalCode: t.string({ required: false, description: "Postal or ZIP code." }),
    country: t.string({ required: false, description: "ISO 3166-1 alpha-2 country code, e.g. `US`." }),
  }),
});
