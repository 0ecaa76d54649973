/** Company profile: the public endpoint (per-IP throttle, no `plan`) and the token's own company. */
import type { SimRoute } from "../../core/server.js";
import { publicCompany } from "../format.js";
import { type ArtisanWorld, authenticated, notFound, ok, publicRoute } from "../http.js";

export function companyRoutes(world: ArtisanWorld): SimRoute[] {
  return [
    {
      method: "GET",
      pattern: "/api/v1/companies/{slug}",
      handler: publicRoute(world, (req) => {
        const company = world.companies.get(req.params.slug ?? "");
        return company ? ok(publicCompany(company)) : notFound();
      }),
    },
    {
      method: "GET",
      pattern: "/api/v1/company",
      handler: authenticated(world, ({ company }) => ok({ ...company.profile })),
    },
  ];
}
