import type {
  CleanEstimateAddon,
  CleanEstimateAddonSlug,
  CleanEstimateCustomItem,
  CleanEstimateDirtinessLevel,
  CleanEstimateService,
  CleanEstimateServiceSlug,
} from "./types.js";
import { fromCents, productToCents } from "./values.js";

/**
 * Server-side estimate pricing (cleanestimate.md §7.4, normative). Exact decimal arithmetic; each
 * line is rounded once to cents, half away from zero; the total is the sum of the rounded lines.
 */

export const SERVICE_RATES: Readonly<Record<CleanEstimateServiceSlug, number>> = {
  house_wash: 0.15,
  roof_wash: 0.3,
  driveway_cleaning: 0.2,
  patio_cleaning: 0.2,
  deck_cleaning: 0.45,
  fence_cleaning: 0.25,
};

export const ADDON_PRICES: Readonly<Record<CleanEstimateAddonSlug, number>> = {
  gutter_brightening: 75,
  window_rinse: 50,
  rust_removal: 100,
  oil_stain_treatment: 40,
};

export const SERVICE_SLUGS = Object.keys(SERVICE_RATES) as CleanEstimateServiceSlug[];
export const ADDON_SLUGS = Object.keys(ADDON_PRICES) as CleanEstimateAddonSlug[];
export const DIRTINESS_LEVELS: readonly CleanEstimateDirtinessLevel[] = ["light", "medium", "heavy"];

export const STORY_MULTIPLIERS: Readonly<Record<number, number>> = { 1: 1, 2: 1.15, 3: 1.3 };
export const DIRTINESS_MULTIPLIERS: Readonly<Record<CleanEstimateDirtinessLevel, number>> = {
  light: 1,
  medium: 1.15,
  heavy: 1.3,
};

/** Pricing inputs, as a client submits them (defaults already applied). */
export interface PricingInput {
  services: Array<{
    service_slug: CleanEstimateServiceSlug;
    enabled: boolean;
    sqft: number;
    stories: number;
  }>;
  addons: Array<{ addon_slug: CleanEstimateAddonSlug; quantity: number }>;
  custom_items: Array<{ name: string; quantity: number; unit_price: number }>;
  dirtiness_level: CleanEstimateDirtinessLevel;
}

export interface PricedLines {
  services: CleanEstimateService[];
  addons: CleanEstimateAddon[];
  custom_items: CleanEstimateCustomItem[];
  total: number;
}

export function priceEstimate(input: PricingInput): PricedLines {
  let totalCents = 0;
  const dirtiness = DIRTINESS_MULTIPLIERS[input.dirtiness_level];
  const services = input.services.map((service): CleanEstimateService => {
    const story = STORY_MULTIPLIERS[service.stories];
    if (story === undefined) throw new Error(`pricing: stories must be 1–3, got ${service.stories}`);
    const cents = service.enabled
      ? productToCents(service.sqft, SERVICE_RATES[service.service_slug], story, dirtiness)
      : 0;
    totalCents += cents;
    return {
      service_slug: service.service_slug,
      enabled: service.enabled,
      sqft: service.sqft,
      stories: service.stories,
      amount: fromCents(cents),
    };
  });
  const addons = input.addons.map((addon): CleanEstimateAddon => {
    const unitPrice = ADDON_PRICES[addon.addon_slug];
    const cents = productToCents(unitPrice, addon.quantity);
    totalCents += cents;
    return {
      addon_slug: addon.addon_slug,
      quantity: addon.quantity,
      unit_price: unitPrice,
      amount: fromCents(cents),
    };
  });
  const customItems = input.custom_items.map((item): CleanEstimateCustomItem => {
    const cents = productToCents(item.unit_price, item.quantity);
    totalCents += cents;
    return {
      name: item.name,
      quantity: item.quantity,
      unit_price: item.unit_price,
      amount: fromCents(cents),
    };
  });
  return { services, addons, custom_items: customItems, total: fromCents(totalCents) };
}
