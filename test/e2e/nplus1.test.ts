import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";

/**
 * Exact upstream request counts for nested queries, against the minimum the upstream endpoints
 * allow. Neither CleanItAll nor Check-in ARTISAN has a batch (`?ids=`) endpoint, so the minimum is:
 *
 * - a root list: one request per source (each upstream page holds up to 100 records);
 * - a to-one relation (Job.customer, Invoice.job...): one GET by id per *distinct* record, and none
 *   for a record a list in the same request already returned in full (CleanItAll lists return full
 *   records; ARTISAN lists lack detail-only fields, so ARTISAN lines, job types and team member
 *   names need the detail GET);
 * - a to-many relation with an upstream filter (Customer.jobs -> `?customer_id=`): one list request
 *   per parent, since no endpoint takes several parents;
 * - CleanItAll Job.invoices: invoices cannot be filtered by job upstream, only by customer, so the
 *   minimum is the customer's invoice list read to the end (ceil(n / 100) pages, at least 1) once
 *   per *distinct customer*, shared by every job of that customer;
 * - CleanItAll Invoice.payments: one read of the customer's payments per distinct customer, and none
 *   for an invoice with nothing paid (`amount_paid` is the sum of its payments);
 * - ARTISAN Job.invoices: none (ARTISAN invoices are not linked to jobs);
 * - ARTISAN money needs the company currency: one GET /company per request (cached across requests
 *   with a long TTL in production; the cross-request cache is off in this suite to count exactly).
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ upstreams: ["cleanitall", "artisan", "cleverinvo"] });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => h.resetCounts());

const account = () => h.cleanitall.account("demo");
const company = () => {
  const state = h.artisan.companies.get("swift-plumbing");
  if (!state) throw new Error("no demo company");
  return state;
};
const distinct = <T>(values: Iterable<T>) => new Set(values).size;
const pagesToRead = (records: number) => Math.max(1, Math.ceil(records / 100));

interface Ref {
  source: "CLEANITALL" | "ARTISAN" | "CLEVERINVO";
  sourceId: string;
}

describe("N+1: exact upstream requests for nested queries", () => {
  it("jobs(first: 50) { customer, invoices } across both sources", async () => {
    const { body } = await h.gql<{
      jobs: {
        nodes: Array<
          Ref & { customer: { name: string }; invoices: { nodes: Array<{ total: { amount: string } }> } }
        >;
      };
    }>(
      `{ jobs(first: 50) { nodes { source sourceId customer { name } invoices { nodes { total { amount } } } } } }`,
    );
    expect(body.errors).toBeUndefined();
    const nodes = body.data?.jobs.nodes ?? [];
    expect(nodes).toHaveLength(50);

    // The page is the 50 newest jobs of the merged list (CleanItAll first on equal timestamps).
    const cleanitallJobs = [...account().jobs.values()].sort(
      (a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id.localeCompare(a.id),
    );
    const artisanJobs = [...company().jobs.values()].sort((a, b) => b.id - a.id);
    const merged: Ref[] = [];
    let i = 0;
    let j = 0;
    while (merged.length < 50) {
      const a = cleanitallJobs[i];
      const b = artisanJobs[j];
      if (a && (!b || Date.parse(a.created_at) >= Date.parse(b.created_at))) {
        merged.push({ source: "CLEANITALL", sourceId: a.id });
        i++;
      } else if (b) {
        merged.push({ source: "ARTISAN", sourceId: String(b.id) });
        j++;
      }
    }
    expect(nodes.map((n) => ({ source: n.source, sourceId: n.sourceId }))).toEqual(merged);

    const cleanitallOnPage = nodes
      .filter((n) => n.source === "CLEANITALL")
      .map((n) => account().jobs.get(n.sourceId));
    const artisanOnPage = nodes
      .filter((n) => n.source === "ARTISAN")
      .map((n) => company().jobs.get(Number(n.sourceId)));
    const cleanitallCustomers = new Set(cleanitallOnPage.map((job) => job?.customer_id));
    const invoicesOf = (customerId: string | undefined) =>
      [...account().invoices.values()].filter((invoice) => invoice.customer_id === customerId).length;
    expect(cleanitallOnPage.length).toBeGreaterThan(0);
    expect(artisanOnPage.length).toBeGreaterThan(0);

    const expected: Record<string, number> = {
      "cleanitall GET /api/v1/jobs": 1,
      "artisan GET /api/v1/jobs": 1,
      "cleanitall GET /api/v1/customers/:id": cleanitallCustomers.size,
      "cleanitall GET /api/v1/invoices": [...cleanitallCustomers].reduce(
        (sum, id) => sum + pagesToRead(invoicesOf(id)),
        0,
      ),
      "artisan GET /api/v1/customers/{id}": distinct(artisanOnPage.map((job) => job?.customer_id)),
    };
    expect(h.counts()).toEqual(expected);

    // And the data is right: each job's customer and its invoices' totals.
    for (const node of nodes.filter((n) => n.source === "CLEANITALL")) {
      const job = account().jobs.get(node.sourceId);
      expect(node.customer.name).toBe(account().customers.get(job?.customer_id ?? "")?.name);
      const totals = [...account().invoices.values()]
        .filter((inv) => inv.job_id === job?.id)
        .map((inv) => inv.total.toFixed(2));
      expect(node.invoices.nodes.map((inv) => inv.total.amount).sort()).toEqual(totals.sort());
    }
    for (const node of nodes.filter((n) => n.source === "ARTISAN")) {
      const job = company().jobs.get(Number(node.sourceId));
      expect(node.customer.name).toBe(company().customers.get(job?.customer_id ?? 0)?.full_name);
      expect(node.invoices.nodes).toEqual([]);
    }
  });

  it("ARTISAN invoices(first: 30) { customer, lineItems }: one detail GET per invoice for its lines", async () => {
    const { body } = await h.gql<{
      invoices: {
        nodes: Array<Ref & { customer: { name: string }; lineItems: Array<{ amount: { amount: string } }> }>;
      };
    }>(
      `{ invoices(first: 30, source: ARTISAN) { nodes { source sourceId customer { name } lineItems { amount { amount } } } } }`,
    );
    expect(body.errors).toBeUndefined();
    const nodes = body.data?.invoices.nodes ?? [];
    expect(nodes).toHaveLength(30);
    const invoices = nodes.map((n) => company().invoices.get(Number(n.sourceId)));
    expect(h.counts()).toEqual({
      "artisan GET /api/v1/invoices": 1,
      "artisan GET /api/v1/company": 1,
      "artisan GET /api/v1/customers/{id}": distinct(invoices.map((inv) => inv?.customer_id)),
      "artisan GET /api/v1/invoices/{id}": 30,
    });
    nodes.forEach((node, index) => {
      const lines = company().invoiceLines.get(invoices[index]?.id ?? 0) ?? [];
      expect(node.lineItems.map((line) => line.amount.amount)).toEqual(
        lines.map((line) => line.line_total_with_tax.toFixed(2)),
      );
    });
  });

  it("CleanItAll invoices(first: 50) { customer, job, payments }: payments read once per paying customer", async () => {
    const { body } = await h.gql<{
      invoices: { nodes: Array<Ref & { payments: { nodes: Array<{ amount: { amount: string } }> } }> };
    }>(
      `{ invoices(first: 50, source: CLEANITALL) { nodes { source sourceId customer { name } job { title } payments { nodes { amount { amount } } } } } }`,
    );
    expect(body.errors).toBeUndefined();
    const invoices = (body.data?.invoices.nodes ?? []).map((n) => account().invoices.get(n.sourceId));
    expect(invoices).toHaveLength(50);
    const paying = new Set(
      invoices.filter((inv) => (inv?.amount_paid ?? 0) > 0).map((inv) => inv?.customer_id),
    );
    const paymentsOf = (customerId: string | undefined) =>
      [...account().payments.values()].filter((p) => p.customer_id === customerId).length;
    expect(h.counts()).toEqual({
      "cleanitall GET /api/v1/invoices": 1,
      "cleanitall GET /api/v1/customers/:id": distinct(invoices.map((inv) => inv?.customer_id)),
      "cleanitall GET /api/v1/jobs/:id": distinct(
        invoices.filter((inv) => inv?.job_id).map((inv) => inv?.job_id),
      ),
      "cleanitall GET /api/v1/payments": [...paying].reduce(
        (sum, id) => sum + pagesToRead(paymentsOf(id)),
        0,
      ),
    });
    for (const [index, node] of (body.data?.invoices.nodes ?? []).entries()) {
      const paid = [...account().payments.values()].filter((p) => p.invoice_id === invoices[index]?.id);
      expect(node.payments.nodes.map((p) => p.amount.amount).sort()).toEqual(
        paid.map((p) => p.amount.toFixed(2)).sort(),
      );
    }
  });

  it("customers(first: 30) { jobs, invoices } on every source: one list request per customer and relation", async () => {
    const { body } = await h.gql<{
      customers: { nodes: Array<Ref & { jobs: { totalCount: number }; invoices: { totalCount: number } }> };
    }>(
      `{ customers(first: 30) { nodes { source sourceId jobs(first: 5) { totalCount nodes { title } } invoices(first: 5) { totalCount nodes { number } } } } }`,
    );
    expect(body.errors).toBeUndefined();
    const nodes = body.data?.customers.nodes ?? [];
    const fromCleanitall = nodes.filter((n) => n.source === "CLEANITALL").length;
    const fromArtisan = nodes.filter((n) => n.source === "ARTISAN").length;
    const fromCleverinvo = nodes.filter((n) => n.source === "CLEVERINVO").length;
    expect(fromCleanitall + fromArtisan + fromCleverinvo).toBe(30);
    const expected: Record<string, number> = {
      "cleanitall GET /api/v1/customers": 1,
      "artisan GET /api/v1/customers": 1,
      "cleverinvo GET /api/v1/clients": 1,
    };
    // CleverInvo has no jobs: only its invoices are asked for.
    if (fromCleverinvo > 0) expected["cleverinvo GET /api/v1/invoices"] = fromCleverinvo;
    if (fromCleanitall > 0) {
      expected["cleanitall GET /api/v1/jobs"] = fromCleanitall;
      expected["cleanitall GET /api/v1/invoices"] = fromCleanitall;
    }
    if (fromArtisan > 0) {
      expected["artisan GET /api/v1/jobs"] = fromArtisan;
      expected["artisan GET /api/v1/invoices"] = fromArtisan;
      expected["artisan GET /api/v1/company"] = 1;
    }
    expect(h.counts()).toEqual(expected);
    for (const node of nodes) {
      const jobs =
        node.source === "CLEANITALL"
          ? [...account().jobs.values()].filter((job) => job.customer_id === node.sourceId).length
          : node.source === "ARTISAN"
            ? [...company().jobs.values()].filter((job) => String(job.customer_id) === node.sourceId).length
            : 0;
      expect(node.jobs.totalCount).toBe(jobs);
    }
  });

  it("siteVisits(first: 50) { job { customer }, customer }: each distinct job and customer fetched once", async () => {
    const { body } = await h.gql<{ siteVisits: { nodes: Array<Ref> } }>(
      `{ siteVisits(first: 50) { nodes { source sourceId job { title customer { name } } customer { email } } } }`,
    );
    expect(body.errors).toBeUndefined();
    const visits = (body.data?.siteVisits.nodes ?? []).map((n) =>
      company().siteVisits.get(Number(n.sourceId)),
    );
    expect(visits).toHaveLength(50);
    const jobCustomers = visits.map((visit) => company().jobs.get(visit?.job_id ?? 0)?.customer_id);
    expect(h.counts()).toEqual({
      "artisan GET /api/v1/site-visits": 1,
      "artisan GET /api/v1/jobs/{id}": distinct(visits.map((visit) => visit?.job_id)),
      "artisan GET /api/v1/customers/{id}": distinct([
        ...visits.map((visit) => visit?.customer_id),
        ...jobCustomers,
      ]),
    });
  });

  it("the same list asked twice in one query (aliases) costs what it costs once", async () => {
    await h.gql(`{ jobs(first: 20) { nodes { customer { name } } } }`);
    const once = h.counts();
    h.resetCounts();
    const { body } = await h.gql(
      `{ a: jobs(first: 20) { nodes { customer { name } } } b: jobs(first: 20) { nodes { customer { name } } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(h.counts()).toEqual(once);
  });

  it("Invoice.payments of an invoice with nothing paid asks no upstream", async () => {
    const unpaid = [...account().invoices.values()].find((inv) => inv.amount_paid === 0);
    if (!unpaid) throw new Error("no unpaid invoice");
    const id = Buffer.from(`Invoice:cleanitall:${unpaid.id}`).toString("base64url");
    const { body } = await h.gql(
      `query($id: ID!) { invoice(id: $id) { payments { totalCount nodes { id } } } }`,
      { id },
    );
    expect(body.data).toEqual({ invoice: { payments: { totalCount: 0, nodes: [] } } });
    expect(h.counts()).toEqual({ "cleanitall GET /api/v1/invoices/:id": 1 });
  });
});
