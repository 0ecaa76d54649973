import type {
  Address,
  Money,
  TeamMemberRef,
  UnifiedAsset,
  UnifiedChemicalApplication,
  UnifiedCompany,
  UnifiedCrew,
  UnifiedCustomer,
  UnifiedEmployee,
  UnifiedEstimate,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedLead,
  UnifiedLineItem,
  UnifiedLocation,
  UnifiedNode,
  UnifiedPayment,
  UnifiedProduct,
  UnifiedSiteVisit,
  UnifiedVendor,
} from "../datasources/unified.js";
import type { SourceId } from "../errors.js";
import { builder } from "./builder.js";

/**
 * Type references shared across the type files, so relations can point at types defined in other
 * files (Job -> Customer -> Job) without import cycles. Each type is implemented in `types/`.
 */
export const NodeRef = builder.interfaceRef<UnifiedNode>("Node");
export const CustomerRef = builder.objectRef<UnifiedCustomer>("Customer");
export const JobRef = builder.objectRef<UnifiedJob>("Job");
export const SiteVisitRef = builder.objectRef<UnifiedSiteVisit>("SiteVisit");
export const InvoiceRef = builder.objectRef<UnifiedInvoice>("Invoice");
export const PaymentRef = builder.objectRef<UnifiedPayment>("Payment");
export const LeadRef = builder.objectRef<UnifiedLead>("Lead");
export const EstimateRef = builder.objectRef<UnifiedEstimate>("Estimate");
export const CrewRef = builder.objectRef<UnifiedCrew>("Crew");
export const EmployeeRef = builder.objectRef<UnifiedEmployee>("Employee");
export const ChemicalApplicationRef = builder.objectRef<UnifiedChemicalApplication>("ChemicalApplication");
export const ProductRef = builder.objectRef<UnifiedProduct>("Product");
export const LocationRef = builder.objectRef<UnifiedLocation>("Location");
export const AssetRef = builder.objectRef<UnifiedAsset>("Asset");
export const VendorRef = builder.objectRef<UnifiedVendor>("Vendor");
export const CompanyRef = builder.objectRef<UnifiedCompany>("Company");
export const MoneyRef = builder.objectRef<Money>("Money");
export const AddressRef = builder.objectRef<Address>("Address");
export const LineItemRef = builder.objectRef<UnifiedLineItem>("LineItem");
export const TeamMemberObjectRef = builder.objectRef<TeamMemberRef & { source: SourceId }>("TeamMember");
export const JobTypeRef = builder.objectRef<{
  sourceId: string;
  name: string | null;
  source: SourceId;
  job: UnifiedJob;
}>("JobType");
