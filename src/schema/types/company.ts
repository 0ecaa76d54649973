import { BadInputError } from "../../errors.js";
import { builder } from "../builder.js";
import { SourceEnum } from "../enums.js";
import { AddressRef, CompanyRef } from "../refs.js";

const OpeningHoursRef = builder.objectRef<{ day: string; hours: string }>("OpeningHours").implement({
  description: "Opening hours of one weekday.",
  fields: (t) => ({
    day: t.exposeString("day", { description: "Weekday in English, lowercase (`monday` ... `sunday`)." }),
    hours: t.exposeString("hours", { description: "Hours as the company writes them, e.g. `8:00-18:00`." }),
  }),
});

CompanyRef.implement({
  description: "A business's profile as an upstream keeps it (ARTISAN companies).",
  fields: (t) => ({
    source: t.field({
      type: SourceEnum,
      description: "The upstream the profile comes from.",
      resolve: (c) => c.source,
    }),
    slug: t.exposeString("slug", { description: "The company's unique identifier upstream." }),
    name: t.exposeString("name", { description: "Company name." }),
    description: t.exposeString("description", { nullable: true, description: "Public description." }),
    email: t.exposeString("email", { nullable: true, description: "Contact email." }),
    phone: t.exposeString("phone", {
      nullable: true,
      description: "Contact phone (mobile when no landline).",
    }),
    website: t.exposeString("website", { nullable: true, description: "Website URL." }),
    address: t.expose("address", { type: AddressRef, nullable: true, description: "Business address." }),
    openingHours: t.field({
      type: [OpeningHoursRef],
      description: "Opening hours; days not listed are closed.",
      resolve: (c) => c.openingHours,
    }),
    currency: t.exposeString("currency", { description: "ISO 4217 currency of the company's amounts." }),
    timezone: t.exposeString("timezone", { description: "IANA timezone the upstream renders times in." }),
    locale: t.exposeString("locale", { description: "Language of the company's texts (`en`, `fr`)." }),
    plan: t.exposeString("plan", {
      nullable: true,
      description: "The company's subscription plan upstream; only on the tenant's own profile.",
    }),
  }),
});

builder.queryFields((t) => ({
  company: t.field({
    type: CompanyRef,
    nullable: true,
    description:
      "The tenant's own company profile in a source; null for sources without profiles (CleanItAll).",
    args: { source: t.arg({ type: SourceEnum, required: true, description: "Which upstream's profile." }) },
    resolve: async (_root, args, context) => {
      const datasource = context.datasources.get(args.source);
      if (!datasource)
        throw new BadInputError(
          `Source ${args.source.toUpperCase()} is not configured for this tenant.`,
          "source",
        );
      return (await datasource.company?.()) ?? null;
    },
  }),
  publicCompany: t.field({
    type: CompanyRef,
    nullable: true,
    description:
      "Any company's public profile by slug (ARTISAN publishes them); null when no company has that slug.",
    args: {
      slug: t.arg.string({
        required: true,
        description: "The company's slug, as in its public page address.",
      }),
      source: t.arg({ type: SourceEnum, required: false, description: "Which upstream (default: ARTISAN)." }),
    },
    resolve: async (_root, args, context) => {
      const source = args.source ?? "artisan";
      if (!/^[a-z0-9][a-z0-9-]{0,99}$/.test(args.slug)) {
        throw new BadInputError("slug must be lowercase letters, digits and dashes (at most 100).", "slug");
      }
      const datasource = context.datasources.get(source);
      if (!datasource?.publicCompany) {
        throw new BadInputError(
          `Source ${source.toUpperCase()} has no public company profiles for this tenant.`,
          "source",
        );
      }
      return datasource.publicCompany(args.slug);
    },
  }),
}));
