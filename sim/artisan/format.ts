/**
 * Detail formats (artisan.md §6): state holds list-format records; the detail-only fields are joined
 * from live state at read time, so they always reflect later writes. A dangling reference is a
 * simulator bug and throws (→ 500).
 */
import type {
  ArtisanCompany,
  ArtisanCompanyState,
  ArtisanCustomer,
  ArtisanCustomerDetail,
  ArtisanInvoice,
  ArtisanInvoiceDetail,
  ArtisanJob,
  ArtisanJobDetail,
  ArtisanSiteVisit,
  ArtisanSiteVisitDetail,
} from "./types.js";

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`artisan simulator: dangling reference to ${what}`);
  return value;
}

/** The public profile: everything but `plan`. */
export function publicCompany(company: ArtisanCompanyState): ArtisanCompany {
  const { plan: _plan, ...profile } = company.profile;
  return profile;
}

export function customerDetail(
  company: ArtisanCompanyState,
  customer: ArtisanCustomer,
): ArtisanCustomerDetail {
  const jobs: ArtisanCustomerDetail["jobs"] = [];
  for (const job of company.jobs.values()) {
    if (job.customer_id === customer.id) jobs.push({ id: job.id, title: job.title });
  }
  return { ...customer, jobs };
}

export function jobDetail(company: ArtisanCompanyState, job: ArtisanJob): ArtisanJobDetail {
  const customer = required(company.customers.get(job.customer_id), `customer ${job.customer_id}`);
  const jobType =
    job.job_type_id === null
      ? null
      : required(company.jobTypes.get(job.job_type_id), `job type ${job.job_type_id}`);
  let visits = 0;
  for (const visit of company.siteVisits.values()) if (visit.job_id === job.id) visits++;
  return {
    ...job,
    customer: { id: customer.id, full_name: customer.full_name },
    job_type: jobType && { id: jobType.id, name: jobType.name },
    site_visits_count: visits,
  };
}

export function siteVisitDetail(
  company: ArtisanCompanyState,
  visit: ArtisanSiteVisit,
): ArtisanSiteVisitDetail {
  const job = required(company.jobs.get(visit.job_id), `job ${visit.job_id}`);
  const customer = required(company.customers.get(visit.customer_id), `customer ${visit.customer_id}`);
  const member =
    visit.team_member_id === null
      ? null
      : required(company.teamMembers.get(visit.team_member_id), `team member ${visit.team_member_id}`);
  return {
    ...visit,
    job: { id: job.id, title: job.title },
    customer: { id: customer.id, full_name: customer.full_name },
    team_member: member && { id: member.id, name: member.name },
  };
}

export function invoiceDetail(company: ArtisanCompanyState, invoice: ArtisanInvoice): ArtisanInvoiceDetail {
  const customer = required(company.customers.get(invoice.customer_id), `customer ${invoice.customer_id}`);
  const lines = company.invoiceLines.get(invoice.id) ?? [];
  return {
    ...invoice,
    customer: { id: customer.id, full_name: customer.full_name, email: customer.email },
    lines: lines.map((line) => ({ ...line })),
  };
}
