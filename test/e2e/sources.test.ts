import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLEANESTIMATE_DEMO_KEY } from "../../sim/cleanestimate/index.js";
import { JOBCLOSER_DEMO_COMPANY_ID } from "../../sim/jobcloser/index.js";
import { ALL_KEY, globalId, type Harness, startHarness } from "../support/harness.js";

/**
 * The three newer upstreams through the real server: JobCloser company isolation, exact upstream
 * request counts for nested queries over CleanEstimate Pro and JobCloser, and one query over all five.
 */

let h: Harness;
beforeAll(async () => {
  // Every JobCloser list read counts here: no snapshot outlives its request.
  h = await startHarness({ jobcloserListCacheTtlMs: 0 });
  // Sign in once up front (the session keeps the company for the tenant's life).
  await h.gql("{ company(source: JOBCLOSER) { name } }");
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => h.resetCounts());

const demo = () => h.jobcloser.company(JOBCLOSER_DEMO_COMPANY_ID);
const other = () => {
  const company = [...h.jobcloser.companies.values()].find(
    (state) => state.company.Id !== JOBCLOSER_DEMO_COMPANY_ID,
  );
  if (!company) throw new Error("no second JobCloser company");
  return company;
};
const first = <T>(values: Iterable<T>): T => {
  for (const value of values) return value;
  throw new Error("empty");
};
const distinct = <T>(values: Iterable<T>) => new Set(values).size;

describe("JobCloser company isolation", () => {
  it("reads another company's records as not found, whatever their type", async () => {
    const foreign = other();
    const invoice = [...foreign.invoices.values()].find((candidate) => candidate.Payments.length > 0);
    if (!invoice) throw new Error("no paid invoice");
    const ids = [
      globalId("Customer", "jobcloser", first(foreign.customers.keys())),
      globalId("Job", "jobcloser", first(foreign.jobs.keys())),
      globalId("SiteVisit", "jobcloser", first(foreign.events.keys())),
      globalId("Invoice", "jobcloser", invoice.Id),
      globalId("Payment", "jobcloser", invoice.Payments[0]?.Id ?? "", invoice.Id),
      globalId("ChemicalApplication", "jobcloser", first(foreign.chemicalApplications.keys())),
      globalId("Crew", "jobcloser", first(foreign.crews.keys())),
      globalId("Employee", "jobcloser", first(foreign.employees.keys())),
      globalId("Product", "jobcloser", first(foreign.products.keys())),
    ];
    const { body } = await h.gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", { ids });
    expect(body).toEqual({ data: { nodes: ids.map(() => null) } });
  });

  it("returns nothing of another company through a job-scoped list", async () => {
    const foreignJob = first(other().jobs.keys());
    const { body } = await h.gql(
      "query($job: ID!) { chemicalApplications(jobId: $job) { totalCount nodes { id } } siteVisits(jobId: $job) { nodes { id } } }",
      { job: globalId("Job", "jobcloser", foreignJob) },
    );
    expect(body).toEqual({
      data: { chemicalApplications: { totalCount: 0, nodes: [] }, siteVisits: { nodes: [] } },
    });
  });

  it("reads its own records, and lists only its own", async () => {
    const job = first(demo().jobs.values());
    const { body } = await h.gql<{ job: { title: string }; crews: { nodes: Array<{ sourceId: string }> } }>(
      "query($id: ID!) { job(id: $id) { title } crews(first: 100) { nodes { sourceId } } }",
      { id: globalId("Job", "jobcloser", job.Id) },
    );
    expect(body.data?.job.title).toBe(job.Name);
    expect(body.data?.crews.nodes.map((crew) => crew.sourceId).sort()).toEqual(
      [...demo().crews.keys()].sort(),
    );
  });
});

describe("N+1 over the newer upstreams", () => {
  it("CleanEstimate jobs { customer estimate invoices }: one GET per distinct record, the invoice list read once", async () => {
    const { body } = await h.gql<{ jobs: { nodes: Array<{ sourceId: string }> } }>(
      `{ jobs(first: 30, source: CLEANESTIMATE) { nodes { sourceId customer { name } estimate { total { amount } } invoices { nodes { number } } } } }`,
    );
    expect(body.errors).toBeUndefined();
    const live = h.cleanestimate.account("demo").live;
    const jobs = (body.data?.jobs.nodes ?? []).map((node) => live.jobs.get(node.sourceId));
    expect(jobs).toHaveLength(30);
    const estimates = jobs.map((job) => job?.estimate_id).filter((id): id is string => Boolean(id));
    expect(h.counts()).toEqual({
      "cleanestimate GET /api/v1/jobs": 1,
      "cleanestimate GET /api/v1/clients/:id": distinct(jobs.map((job) => job?.client_id)),
      ...(estimates.length > 0 ? { "cleanestimate GET /api/v1/estimates/:id": distinct(estimates) } : {}),
      // No job filter upstream: the invoice list is read to its end once, shared by all 30 jobs.
      "cleanestimate GET /api/v1/invoices": Math.ceil(live.invoices.size / 100),
    });
  });

  it("JobCloser jobs { customer crew { members } lineItems }: lists instead of per-id reads", async () => {
    const { body } = await h.gql<{ jobs: { nodes: Array<{ sourceId: string; lineItems: unknown[] }> } }>(
      `{ jobs(first: 30, source: JOBCLOSER) { nodes { sourceId customer { name } crew { name members { firstName } } lineItems { amount { amount } } } } }`,
    );
    expect(body.errors).toBeUndefined();
    const jobs = (body.data?.jobs.nodes ?? []).map((node) => demo().jobs.get(node.sourceId));
    expect(jobs).toHaveLength(30);
    const customers = new Set(jobs.map((job) => job?.CustomerId));
    // Archived customers are not in the default customer list: those are read by id.
    const archived = [...customers].filter((id) => demo().customers.get(id ?? "")?.Archived).length;
    const withCrew = jobs.filter((job) => job?.CrewId).length;
    expect(h.counts()).toEqual({
      "jobcloser GET /api/jobs/getall": 1,
      "jobcloser GET /api/customers/getall": 1,
      ...(archived > 0 ? { "jobcloser GET /api/customers/get": archived } : {}),
      ...(withCrew > 0
        ? { "jobcloser GET /api/crews/getall": 1, "jobcloser GET /api/employees/getall": 1 }
        : {}),
      // Line items are per job upstream: one request each, no way around it.
      "jobcloser GET /api/jobs/getlineitems": 30,
    });
  });
});

describe("a JobCloser job by id: jobs/get embeds its customer, invoices and line items (§4)", () => {
  /** The read benchmark's nested query (bench/queries.ts): every relation of a job, two levels deep. */
  const SELECTION =
    "title status customer { name } crew { name members { name } } " +
    "lineItems { description quantity amount { amount } } " +
    "chemicalApplications { nodes { appliedAt product { name } } } invoices { nodes { number } }";

  const JOB_STATUS = {
    Lead: "UNSCHEDULED",
    Estimate: "UNSCHEDULED",
    Sold: "UNSCHEDULED",
    Scheduled: "SCHEDULED",
    InProgress: "IN_PROGRESS",
    Completed: "COMPLETED",
    Cancelled: "CANCELLED",
  } as const;

  /** The benchmark's job: the first by id with a crew with members, applications with products, invoices and items. */
  const nestedJob = () => {
    const company = demo();
    const job = [...company.jobs.values()]
      .sort((a, b) => a.Id.localeCompare(b.Id))
      .find(
        (candidate) =>
          (company.crews.get(candidate.CrewId ?? "")?.EmployeeIds.length ?? 0) > 0 &&
          [...company.chemicalApplications.values()].some(
            (application) => application.JobId === candidate.Id && application.ProductId,
          ) &&
          [...company.invoices.values()].some((invoice) => invoice.JobId === candidate.Id) &&
          [...company.jobItems.values()].some((item) => item.JobId === candidate.Id),
      );
    if (!job) throw new Error("no job with a crew, applications, invoices and items");
    return job;
  };

  it("costs 5 requests, the minimum: the job, crews, employees, its applications, products", async () => {
    const company = demo();
    const job = nestedJob();
    const { body } = await h.gql<{ job: unknown }>(`query($id: ID!) { job(id: $id) { ${SELECTION} } }`, {
      id: globalId("Job", "jobcloser", job.Id),
    });
    expect(body.errors).toBeUndefined();
    // No customers/get, invoices/getall or jobs/getlineitems: jobs/get answered those.
    expect(h.counts()).toEqual({
      "jobcloser GET /api/jobs/get": 1,
      "jobcloser GET /api/crews/getall": 1,
      "jobcloser GET /api/employees/getall": 1,
      "jobcloser GET /api/chemicalapplicationlocations/getall": 1,
      "jobcloser GET /api/products/getall": 1,
    });
    const crew = company.crews.get(job.CrewId ?? "");
    const customer = company.customers.get(job.CustomerId);
    if (!crew || !customer) throw new Error("crew, customer");
    const byTime = (a: string, b: string) => Date.parse(a) - Date.parse(b);
    expect(body.data?.job).toEqual({
      title: job.Name,
      status: JOB_STATUS[job.Status],
      customer: { name: customer.Name },
      crew: {
        name: crew.Name,
        members: crew.EmployeeIds.map((id) => {
          const employee = company.employees.get(id);
          return { name: `${employee?.FirstName} ${employee?.LastName}` };
        }),
      },
      lineItems: [...company.jobItems.values()]
        .filter((item) => item.JobId === job.Id)
        .sort((a, b) => a.SortOrder - b.SortOrder || a.Id.localeCompare(b.Id))
        .map((item) => ({
          description: item.Description ? `${item.Name}: ${item.Description}` : item.Name,
          quantity: item.Quantity,
          amount: { amount: item.Total.toFixed(2) },
        })),
      chemicalApplications: {
        nodes: [...company.chemicalApplications.values()]
          .filter((application) => application.JobId === job.Id)
          .sort((a, b) => byTime(a.ApplicationDate, b.ApplicationDate) || a.Id.localeCompare(b.Id))
          .map((application) => ({
            appliedAt: application.ApplicationDate,
            product: application.ProductId
              ? { name: company.products.get(application.ProductId)?.Name }
              : null,
          })),
      },
      invoices: {
        nodes: [...company.invoices.values()]
          .filter((invoice) => invoice.JobId === job.Id)
          .sort((a, b) => byTime(b.DateCreated, a.DateCreated) || a.Id.localeCompare(b.Id))
          .map((invoice) => ({ number: String(invoice.Number) })),
      },
    });
  });

  it("answers exactly what the same job reads through a list, whose relations come from their endpoints", async () => {
    const job = nestedJob();
    const byId = await h.gql<{ job: Record<string, unknown> }>(
      `query($id: ID!) { job(id: $id) { ${SELECTION} } }`,
      {
        id: globalId("Job", "jobcloser", job.Id),
      },
    );
    h.resetCounts();
    const listed = await h.gql<{ jobs: { nodes: Array<{ sourceId: string }> } }>(
      `query($customer: ID!) { jobs(source: JOBCLOSER, customerId: $customer, first: 100) { nodes { sourceId ${SELECTION} } } }`,
      { customer: globalId("Customer", "jobcloser", job.CustomerId) },
    );
    expect(listed.body.errors).toBeUndefined();
    // The list path read the relations from their own endpoints: one customer, one invoice list,
    // the line items of each of the customer's jobs.
    const counts = h.counts();
    const jobsOfCustomer = [...demo().jobs.values()].filter((other) => other.CustomerId === job.CustomerId);
    expect(counts["jobcloser GET /api/customers/get"]).toBe(1);
    expect(counts["jobcloser GET /api/invoices/getall"]).toBe(1);
    expect(counts["jobcloser GET /api/jobs/getlineitems"]).toBe(jobsOfCustomer.length);
    expect(byId.body.data?.job.title).toBe(job.Name);
    expect(listed.body.data?.jobs.nodes.find((node) => node.sourceId === job.Id)).toEqual({
      sourceId: job.Id,
      ...byId.body.data?.job,
    });
  });
});

describe("one query over all five upstreams", () => {
  it("invoices(first: 40) { customer } spans every source with the minimum requests", async () => {
    const { body } = await h.gql<{
      invoices: { nodes: Array<{ source: string; sourceId: string; customer: { name: string } }> };
    }>("{ invoices(first: 40) { nodes { source sourceId customer { name } } } }");
    expect(body.errors).toBeUndefined();
    const nodes = body.data?.invoices.nodes ?? [];
    expect(nodes).toHaveLength(40);
    const of = (source: string) =>
      nodes.filter((node) => node.source === source).map((node) => node.sourceId);
    const cleanitallCustomers = distinct(
      of("CLEANITALL").map((id) => h.cleanitall.account("demo").invoices.get(id)?.customer_id),
    );
    const cleanestimateCustomers = distinct(
      of("CLEANESTIMATE").map((id) => h.cleanestimate.account("demo").live.invoices.get(id)?.client_id),
    );
    const jobcloserCustomers = [...new Set(of("JOBCLOSER").map((id) => demo().invoices.get(id)?.CustomerId))];
    const artisanCustomers = distinct(
      of("ARTISAN").map(
        (id) => h.artisan.companies.get("swift-plumbing")?.invoices.get(Number(id))?.customer_id,
      ),
    );
    // CleverInvo's list items name their client, but the customer is read by id like any other.
    const cleverinvoCustomers = distinct(
      of("CLEVERINVO").map((id) => h.cleverinvo.account("demo").invoices.get(id)?.clientId),
    );
    const expected: Record<string, number> = {
      "cleanitall GET /api/v1/invoices": 1,
      "cleanestimate GET /api/v1/invoices": 1,
      "jobcloser GET /api/invoices/getall": 1,
      "artisan GET /api/v1/invoices": 1,
      "artisan GET /api/v1/company": 1,
      "cleverinvo GET /api/v1/invoices": 1,
    };
    const add = (key: string, count: number) => {
      if (count > 0) expected[key] = count;
    };
    add("cleanitall GET /api/v1/customers/:id", cleanitallCustomers);
    add("cleanestimate GET /api/v1/clients/:id", cleanestimateCustomers);
    add("artisan GET /api/v1/customers/{id}", artisanCustomers);
    add("cleverinvo GET /api/v1/clients/:id", cleverinvoCustomers);
    if (jobcloserCustomers.length === 1) add("jobcloser GET /api/customers/get", 1);
    if (jobcloserCustomers.length > 1) {
      add("jobcloser GET /api/customers/getall", 1);
      add(
        "jobcloser GET /api/customers/get",
        jobcloserCustomers.filter((id) => demo().customers.get(id ?? "")?.Archived).length,
      );
    }
    expect(new Set(nodes.map((node) => node.source)).size).toBeGreaterThanOrEqual(3);
    expect(h.counts()).toEqual(expected);
  });

  it("keeps the other four sources when JobCloser is down", async () => {
    h.jobcloser.control.injectFault({ kind: "status", status: 503 });
    try {
      const { body } = await h.gql<{ invoices: { nodes: Array<{ source: string }> } }>(
        "{ invoices(first: 30) { nodes { source } } }",
      );
      expect(body.data?.invoices.nodes).toHaveLength(30);
      expect(body.data?.invoices.nodes.some((node) => node.source === "JOBCLOSER")).toBe(false);
      expect(
        body.errors?.map((error) => [error.extensions?.code, error.extensions?.source, error.path]),
      ).toEqual([["UPSTREAM_UNAVAILABLE", "jobcloser", ["invoices"]]]);
    } finally {
      h.jobcloser.control.clearFaults();
    }
  });
});

describe("what an upstream cannot list", () => {
  it("refuses JobCloser site visits without a job, naming the argument, and asks no upstream", async () => {
    const { body } = await h.gql("{ siteVisits(source: JOBCLOSER) { nodes { id } } }");
    expect(body.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", argument: "jobId" });
    expect(body.errors?.[0]?.message).toBe(
      "JobCloser lists calendar events per job only: pass jobId (or query Job.siteVisits).",
    );
    expect(h.counts()).toEqual({});
  });

  it("lists a JobCloser job's events as site visits, earliest first", async () => {
    const job = [...demo().jobs.values()].find(
      (candidate) => [...demo().events.values()].filter((e) => e.JobId === candidate.Id).length > 1,
    );
    if (!job) throw new Error("no job with events");
    const events = [...demo().events.values()]
      .filter((event) => event.JobId === job.Id)
      .sort((a, b) => Date.parse(a.StartDate) - Date.parse(b.StartDate) || a.Id.localeCompare(b.Id));
    const { body } = await h.gql<{
      siteVisits: { nodes: Array<{ sourceId: string; title: string; scheduledAt: string }> };
    }>("query($job: ID!) { siteVisits(jobId: $job, first: 100) { nodes { sourceId title scheduledAt } } }", {
      job: globalId("Job", "jobcloser", job.Id),
    });
    expect(body.data?.siteVisits.nodes).toEqual(
      events.map((event) => ({ sourceId: event.Id, title: event.Title, scheduledAt: event.StartDate })),
    );
  });

  it("leaves JobCloser out of site visits across sources (as documented) without an error", async () => {
    const { body } = await h.gql<{ siteVisits: { nodes: Array<{ source: string }> } }>(
      "{ siteVisits(first: 10) { nodes { source } } }",
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.siteVisits.nodes.map((node) => node.source)).toEqual(Array(10).fill("ARTISAN"));
  });

  it("a JobCloser customer in status Lead is its own lead", async () => {
    const lead = [...demo().customers.values()].find(
      (customer) => customer.Status === "Lead" && !customer.Archived,
    );
    if (!lead) throw new Error("no lead");
    const { body } = await h.gql<{
      customer: { status: string; leads: Array<{ id: string; name: string; status: string }> };
    }>("query($id: ID!) { customer(id: $id) { status leads { id name status } } }", {
      id: globalId("Customer", "jobcloser", lead.Id),
    });
    expect(body.data?.customer).toEqual({
      status: "LEAD",
      leads: [{ id: globalId("Lead", "jobcloser", lead.Id), name: lead.Name, status: "NEW" }],
    });
  });
});

describe("every read endpoint is reachable", () => {
  it("JobCloser Job.salesperson (account/get) and Job.products (products/getforjob)", async () => {
    const job = [...demo().jobs.values()].find(
      (candidate) =>
        candidate.SalespersonUserId &&
        [...demo().jobItems.values()].some((item) => item.JobId === candidate.Id && item.ProductId),
    );
    if (!job?.SalespersonUserId) throw new Error("no job with a salesperson and products");
    const account = demo().accounts.get(job.SalespersonUserId);
    const productIds: string[] = [];
    for (const item of [...demo().jobItems.values()]
      .filter((candidate) => candidate.JobId === job.Id)
      .sort((a, b) => a.SortOrder - b.SortOrder)) {
      if (item.ProductId && !productIds.includes(item.ProductId)) productIds.push(item.ProductId);
    }
    const { body } = await h.gql<{
      job: { salesperson: { name: string; email: string }; products: Array<{ sourceId: string }> };
    }>("query($id: ID!) { job(id: $id) { salesperson { name email } products { sourceId } } }", {
      id: globalId("Job", "jobcloser", job.Id),
    });
    expect(body.data?.job).toEqual({
      salesperson: { name: `${account?.FirstName} ${account?.LastName}`, email: account?.Email },
      products: productIds.map((sourceId) => ({ sourceId })),
    });
    expect(JSON.stringify(body)).not.toContain(account?.Password ?? "never");
  });

  it("CleanEstimate webhook endpoints: an admin read, without secrets", async () => {
    const registered = await fetch(`${h.cleanestimate.baseUrl}/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${CLEANESTIMATE_DEMO_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Ops", url: "https://example.com/hook", events: ["lead.created"] }),
    });
    const created = ((await registered.json()) as { data: { id: string; secret: string } }).data;
    const query = "{ webhookEndpoints(source: CLEANESTIMATE) { sourceId name url events } }";
    const { body } = await h.gql<{ webhookEndpoints: Array<{ sourceId: string }> }>(
      query,
      undefined,
      ALL_KEY,
    );
    expect(body.data?.webhookEndpoints).toContainEqual({
      sourceId: created.id,
      name: "Ops",
      url: "https://example.com/hook",
      events: ["lead.created"],
    });
    expect(JSON.stringify(body)).not.toContain(created.secret);
    const refused = await h.gql(query);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
