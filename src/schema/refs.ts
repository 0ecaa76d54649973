import type {
  Address,
  Money,
  TeamMemberRef,
  UnifiedCompany,
  UnifiedCustomer,
  UnifiedEstimate,
  UnifiedInvoice,
  UnifiedJob,
  UnifiedLead,
  UnifiedLineItem,
  UnifiedNode,
  UnifiedPayment,
  UnifiedSiteVisit,
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
