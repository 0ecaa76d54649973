/** French (and English where the locale shows) word pools for the Check-in ARTISAN seed data. */
import type { ArtisanLocale } from "./types.js";

export type Localised = Record<ArtisanLocale, string>;

export const FR_FIRST_NAMES = [
  "Marie",
  "Jean",
  "Camille",
  "Louis",
  "Chloé",
  "Hugo",
  "Léa",
  "Thomas",
  "Manon",
  "Nicolas",
  "Julie",
  "Antoine",
  "Sophie",
  "Pierre",
  "Emma",
  "Lucas",
  "Inès",
  "Julien",
  "Sarah",
  "Mathieu",
  "Claire",
  "Alexandre",
  "Céline",
  "Romain",
  "Élodie",
  "Maxime",
  "Pauline",
  "Nathalie",
  "François",
  "Isabelle",
  "Karim",
  "Yasmine",
  "Gabriel",
  "Anaïs",
  "Olivier",
  "Hélène",
] as const;

export const FR_LAST_NAMES = [
  "Dupont",
  "Martin",
  "Bernard",
  "Dubois",
  "Thomas",
  "Robert",
  "Richard",
  "Petit",
  "Durand",
  "Leroy",
  "Moreau",
  "Simon",
  "Laurent",
  "Lefebvre",
  "Michel",
  "Garcia",
  "David",
  "Bertrand",
  "Roux",
  "Vincent",
  "Fournier",
  "Morel",
  "Girard",
  "André",
  "Mercier",
  "Blanc",
  "Guérin",
  "Boyer",
  "Garnier",
  "Chevalier",
  "Faure",
  "Lambert",
  "Bonnet",
  "Rousseau",
  "Benali",
  "N'Diaye",
] as const;

export const FR_STREET_NAMES = [
  "Rue des Artisans",
  "Avenue Victor Hugo",
  "Rue de la République",
  "Boulevard Voltaire",
  "Rue Pasteur",
  "Place de la Mairie",
  "Rue du Moulin",
  "Chemin des Vignes",
  "Rue de Rivoli",
  "Rue Oberkampf",
  "Avenue Jean Jaurès",
  "Rue des Lilas",
  "Rue Saint-Maur",
  "Allée des Tilleuls",
  "Rue du Général Leclerc",
  "Impasse des Roses",
] as const;

/** Île-de-France first: the demo business works around Paris. */
export const FR_LOCALITIES = [
  { city: "Paris", zip: "75011" },
  { city: "Paris", zip: "75015" },
  { city: "Paris", zip: "75018" },
  { city: "Paris", zip: "75020" },
  { city: "Paris", zip: "75001" },
  { city: "Montreuil", zip: "93100" },
  { city: "Vincennes", zip: "94300" },
  { city: "Boulogne-Billancourt", zip: "92100" },
  { city: "Saint-Denis", zip: "93200" },
  { city: "Nanterre", zip: "92000" },
  { city: "Versailles", zip: "78000" },
  { city: "Créteil", zip: "94000" },
] as const;

export const ADDRESS2 = [
  "Apt 3B",
  "Bâtiment B",
  "Escalier 2, 3e étage",
  "Résidence Les Pins",
  "2e étage gauche",
];

export const CUSTOMER_NOTES = [
  "Préfère les rendez-vous le matin.",
  "Code portail : 4821.",
  "Chien dans le jardin, sonner avant d'entrer.",
  "Clés chez la gardienne.",
  "Client fidèle depuis 2019.",
  "Paiement par virement uniquement.",
  "Appeler sur le portable en priorité.",
];

export const COMPANY_DESCRIPTIONS: Localised[] = [
  {
    fr: "Plomberie, chauffage et nettoyage pour particuliers et professionnels.",
    en: "Professional plumbing services for residential and commercial clients.",
  },
  {
    fr: "Artisan plombier-chauffagiste, dépannage rapide 6j/7.",
    en: "Plumbing and heating specialists, fast call-outs six days a week.",
  },
];

export type Trade = "plumbing" | "cleaning";

export interface JobTypeSeed {
  name: Localised;
  trade: Trade;
  titles: Localised[];
}

export const JOB_TYPES: JobTypeSeed[] = [
  {
    name: { fr: "Plomberie", en: "Plumbing" },
    trade: "plumbing",
    titles: [
      { fr: "Remplacement mitigeur cuisine", en: "Kitchen mixer tap replacement" },
      { fr: "Réparation fuite sous évier", en: "Under-sink leak repair" },
      { fr: "Installation WC suspendu", en: "Wall-hung toilet installation" },
      { fr: "Remplacement chauffe-eau", en: "Water heater replacement" },
      { fr: "Réparation chasse d'eau", en: "Toilet flush repair" },
    ],
  },
  {
    name: { fr: "Chauffage", en: "Heating" },
    trade: "plumbing",
    titles: [
      { fr: "Entretien chaudière gaz", en: "Gas boiler servicing" },
      { fr: "Purge et équilibrage radiateurs", en: "Radiator bleeding and balancing" },
      { fr: "Remplacement thermostat", en: "Thermostat replacement" },
      { fr: "Dépannage chaudière", en: "Boiler breakdown repair" },
    ],
  },
  {
    name: { fr: "Dépannage urgent", en: "Emergency repair" },
    trade: "plumbing",
    titles: [
      { fr: "Fuite d'eau urgente", en: "Urgent water leak" },
      { fr: "Dégât des eaux", en: "Water damage" },
      { fr: "Canalisation bouchée", en: "Blocked pipe" },
    ],
  },
  {
    name: { fr: "Salle de bain", en: "Bathroom renovation" },
    trade: "plumbing",
    titles: [
      { fr: "Rénovation salle de bain", en: "Bathroom renovation" },
      { fr: "Pose douche à l'italienne", en: "Walk-in shower installation" },
      { fr: "Remplacement baignoire", en: "Bath replacement" },
    ],
  },
  {
    name: { fr: "Nettoyage", en: "Cleaning" },
    trade: "cleaning",
    titles: [
      { fr: "Nettoyage bureaux", en: "Office cleaning" },
      { fr: "Nettoyage vitres", en: "Window cleaning" },
      { fr: "Ménage fin de bail", en: "End-of-tenancy cleaning" },
      { fr: "Nettoyage parties communes", en: "Common areas cleaning" },
    ],
  },
  {
    name: { fr: "Nettoyage fin de chantier", en: "Post-construction cleaning" },
    trade: "cleaning",
    titles: [
      { fr: "Nettoyage après travaux", en: "After-works cleaning" },
      { fr: "Évacuation gravats et nettoyage", en: "Rubble removal and cleaning" },
    ],
  },
];

export const UNTYPED_TITLES: Localised[] = [
  { fr: "Devis sur place", en: "On-site quote" },
  { fr: "Intervention diverse", en: "Miscellaneous work" },
  { fr: "Contrôle annuel", en: "Annual inspection" },
];

export const JOB_DESCRIPTIONS: Localised[] = [
  { fr: "Remplacer le mitigeur et refaire les joints.", en: "Replace mixer tap and re-seal." },
  { fr: "Client signale une fuite au plafond.", en: "Customer reports a ceiling leak." },
  { fr: "Prévoir pièces de rechange standard.", en: "Bring standard spare parts." },
  { fr: "Intervention dans les parties communes.", en: "Work in the common areas." },
  { fr: "Accès par la cour intérieure.", en: "Access through the inner courtyard." },
  { fr: "Devis accepté, travaux sur deux jours.", en: "Quote accepted, two days of work." },
];

export const VISIT_NOTES: Localised[] = [
  { fr: "Le client sera présent à partir de 9h.", en: "Customer will be home from 9am." },
  { fr: "Appeler 30 minutes avant d'arriver.", en: "Call 30 minutes before arriving." },
  { fr: "Prévoir joint silicone.", en: "Bring silicone sealant." },
  { fr: "Stationnement difficile, prévoir le temps.", en: "Parking is difficult, allow time." },
  { fr: "Interphone en panne, appeler le portable.", en: "Intercom broken, call the mobile." },
];

export const TEAM_MEMBER_NAMES = [
  "Jean Martin",
  "Sophie Leroy",
  "Karim Benali",
  "Lucas Moreau",
  "Émilie Caron",
  "Thomas Petit",
];

export type Unit = "unit" | "hour" | "area";

export interface ItemSeed {
  name: Localised;
  price: number;
  trade: Trade | "any";
  unit: Unit;
}

export const CATALOG: ItemSeed[] = [
  { name: { fr: "Déplacement", en: "Call-out fee" }, price: 45, trade: "any", unit: "unit" },
  { name: { fr: "Main d'œuvre (heure)", en: "Labour (hour)" }, price: 55, trade: "any", unit: "hour" },
  { name: { fr: "Mitigeur lavabo", en: "Basin mixer tap" }, price: 89.9, trade: "plumbing", unit: "unit" },
  {
    name: { fr: "Flexible inox", en: "Stainless flexible hose" },
    price: 14.9,
    trade: "plumbing",
    unit: "unit",
  },
  { name: { fr: "Joint silicone", en: "Silicone seal" }, price: 12.5, trade: "plumbing", unit: "unit" },
  {
    name: { fr: "Entretien chaudière gaz", en: "Gas boiler service" },
    price: 129,
    trade: "plumbing",
    unit: "unit",
  },
  {
    name: { fr: "Débouchage canalisation", en: "Drain unblocking" },
    price: 150,
    trade: "plumbing",
    unit: "unit",
  },
  {
    name: { fr: "Chauffe-eau électrique 200 L", en: "200 L electric water heater" },
    price: 749,
    trade: "plumbing",
    unit: "unit",
  },
  { name: { fr: "Recherche de fuite", en: "Leak detection" }, price: 180, trade: "plumbing", unit: "unit" },
  {
    name: { fr: "WC suspendu complet", en: "Complete wall-hung toilet" },
    price: 389,
    trade: "plumbing",
    unit: "unit",
  },
  {
    name: { fr: "Thermostat connecté", en: "Smart thermostat" },
    price: 159,
    trade: "plumbing",
    unit: "unit",
  },
  { name: { fr: "Nettoyage (heure)", en: "Cleaning (hour)" }, price: 32, trade: "cleaning", unit: "hour" },
  {
    name: { fr: "Nettoyage vitres (m²)", en: "Window cleaning (m²)" },
    price: 4.5,
    trade: "cleaning",
    unit: "area",
  },
  {
    name: { fr: "Produits d'entretien", en: "Cleaning supplies" },
    price: 18,
    trade: "cleaning",
    unit: "unit",
  },
];

export const FREE_LINES: Localised[] = [
  { fr: "Fournitures diverses", en: "Sundry supplies" },
  { fr: "Remise en état", en: "Making good" },
  { fr: "Acompte sur travaux", en: "Deposit on works" },
];

export const INVOICE_NOTES: Localised[] = [
  { fr: "Merci de votre confiance !", en: "Thank you for choosing us!" },
  { fr: "Paiement à 30 jours.", en: "Payment due within 30 days." },
  { fr: "Garantie pièces 2 ans.", en: "Parts guaranteed for 2 years." },
  { fr: "Règlement par virement ou chèque.", en: "Payment by bank transfer or cheque." },
];
