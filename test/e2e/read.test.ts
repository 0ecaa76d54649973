import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ALL_KEY,
  decodeId,
  type GraphQLBody,
  globalId,
  type Harness,
  NO_READ_KEY,
  startHarness,
} from "../support/harness.js";

/** Queries through the real HTTP server against both simulators: auth, node/nodes, lists, relations, bad input. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => h.resetCounts());

const cleanitall = () => h.cleanitall.account("demo");
const cleverinvo = () => h.cleverinvo.account("demo");
const cleanestimate = () => h.cleanestimate.account("demo").live;
const jobcloser = () => h.jobcloser.company();
const artisan = () => {
  const company = h.artisan.companies.get("swift-plumbing");
  if (!company) throw new Error("no demo company");
  return company;
};

describe("authentication", () => {
  it("refuses a request without a key with 401 UNAUTHENTICATED and asks no upstream", async () => {
    const { status, body } = await h.gql("{ sources }", undefined, null);
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(body.data ?? null).toBeNull();
    expect(h.counts()).toEqual({});
  });

  it("refuses an unknown key with 401 UNAUTHENTICATED", async () => {
    const { status, body } = await h.gql(
      "{ jobs(first: 1) { totalCount } }",
      undefined,
      "not_a_real_key_0123456789",
    );
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(h.counts()).toEqual({});
  });

  it("accepts the key in X-API-Key too", async () => {
    const response = await fetch(`${h.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": ALL_KEY },
      body: JSON.stringify({ query: "{ sources }" }),
    });
    expect(await response.json()).toEqual({
      data: { sources: ["CLEANITALL", "CLEANESTIMATE", "JOBCLOSER", "ARTISAN", "CLEVERINVO"] },
    });
  });

  it("refuses queries to a key without the read scope with FORBIDDEN", async () => {
    const { body } = await h.gql("{ jobs(first: 1) { totalCount } }", undefined, NO_READ_KEY);
    expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(body.errors?.[0]?.message).toBe('This API key lacks the "read" scope.');
    expect(h.counts()).toEqual({});
  });
});

describe("node and nodes", () => {
  it("round-trips every record type through its global id", async () => {
    const { body } = await h.gql<{
      jobs: { nodes: Array<{ id: string; title: string; sourceId: string }> };
      invoices: {
        nodes: Array<{
          id: string;
          number: string;
          payments: { nodes: Array<{ id: string; sourceId: string }> };
        }>;
      };
      siteVisits: { nodes: Array<{ id: string; sourceId: string }> };
      customers: { nodes: Array<{ id: string; name: string }> };
    }>(`{
      jobs(first: 2) { nodes { id title sourceId } }
      invoices(first: 1, source: CLEANITALL, status: PAID) { nodes { id number payments { nodes { id sourceId } } } }
      siteVisits(first: 1) { nodes { id sourceId } }
      customers(first: 2) { nodes { id name } }
    }`);
    const data = body.data;
    if (!data) throw new Error(JSON.stringify(body.errors));
    const payment = data.invoices.nodes[0]?.payments.nodes[0];
    expect(payment).toBeDefined();
    const ids = [
      ...data.jobs.nodes.map((n) => n.id),
      data.invoices.nodes[0]?.id,
      payment?.id,
      data.siteVisits.nodes[0]?.id,
      ...data.customers.nodes.map((n) => n.id),
    ];
    const { body: round } = await h.gql<{
      nodes: Array<{ __typename: string; id: string; sourceId: string }>;
    }>("query($ids: [ID!]!) { nodes(ids: $ids) { __typename id sourceId } }", { ids });
    expect(round.errors).toBeUndefined();
    expect(round.data?.nodes.map((n) => n.id)).toEqual(ids);
    expect(round.data?.nodes.map((n) => n.__typename)).toEqual([
      "Job",
      "Job",
      "Invoice",
      "Payment",
      "SiteVisit",
      "Customer",
      "Customer",
    ]);
    // The payment has no by-id endpoint upstream: its global id carries its invoice.
    expect(decodeId(payment?.id ?? "")).toEqual([
      "Payment",
      "cleanitall",
      payment?.sourceId,
      decodeId(data.invoices.nodes[0]?.id ?? "")[2],
    ]);
  });

  it("resolves a CleanItAll job with exactly the simulator's data", async () => {
    const job = [...cleanitall().jobs.values()].find(
      (j) => j.price !== null && j.assigned_to !== null && j.address,
    );
    if (!job) throw new Error("no suitable job");
    const { body } = await h.gql(
      `query($id: ID!) { node(id: $id) { ... on Job {
        source sourceId title description status sourceStatus serviceType scheduledDate scheduledTime durationMinutes
        assignee { sourceId name } price { amount currency } address { line1 city region postalCode country }
        createdAt updatedAt siteVisitCount
      } } }`,
      { id: globalId("Job", "cleanitall", job.id) },
    );
    expect(body).toEqual({
      data: {
        node: {
          source: "CLEANITALL",
          sourceId: job.id,
          title: job.title,
          description: job.description,
          status: {
            pending: "SCHEDULED",
            in_progress: "IN_PROGRESS",
            completed: "COMPLETED",
            cancelled: "CANCELLED",
          }[job.status],
          sourceStatus: job.status,
          serviceType: job.service_type,
          scheduledDate: job.scheduled_date,
          scheduledTime: job.scheduled_time,
          durationMinutes: job.duration_minutes,
          assignee: { sourceId: job.assigned_to, name: null },
          price: { amount: (job.price ?? 0).toFixed(2), currency: "USD" },
          address: {
            line1: job.address?.line1,
            city: job.address?.city,
            region: job.address?.state,
            postalCode: job.address?.postal_code,
            country: job.address?.country,
          },
          createdAt: job.created_at,
          updatedAt: job.updated_at,
          siteVisitCount: 0,
        },
      },
    });
    expect(h.counts()).toEqual({ "cleanitall GET /api/v1/jobs/:id": 1 });
  });

  it("resolves an ARTISAN invoice with its lines, in the company's currency", async () => {
    const company = artisan();
    const invoice = [...company.invoices.values()].find(
      (i) => (company.invoiceLines.get(i.id)?.length ?? 0) > 1,
    );
    if (!invoice) throw new Error("no invoice with lines");
    const lines = company.invoiceLines.get(invoice.id) ?? [];
    const { body } = await h.gql(
      `query($id: ID!) { invoice(id: $id) {
        number status sourceStatus taxInclusive subtotal { amount } total { amount currency } amountPaid { amount } amountDue { amount }
        lineItems { description quantity unitPrice { amount } discountPercent amount { amount } productId }
      } }`,
      { id: globalId("Invoice", "artisan", String(invoice.id)) },
    );
    const total = invoice.total_with_tax.toFixed(2);
    expect(body).toEqual({
      data: {
        invoice: {
          number: invoice.invoice_number,
          status: invoice.paid ? "PAID" : "SENT",
          sourceStatus: invoice.paid ? "paid" : "unpaid",
          taxInclusive: true,
          subtotal: null,
          total: { amount: total, currency: "EUR" },
          amountPaid: { amount: invoice.paid ? total : "0.00" },
          amountDue: { amount: invoice.paid ? "0.00" : total },
          lineItems: lines.map((line) => ({
            description: line.description,
            quantity: line.quantity,
            unitPrice: { amount: line.unit_price_with_tax.toFixed(2) },
            discountPercent: line.discount_percent,
            amount: { amount: line.line_total_with_tax.toFixed(2) },
            productId: line.item_id === null ? null : String(line.item_id),
          })),
        },
      },
    });
    // The invoice detail and the company profile (for its currency), fetched concurrently.
    expect(h.counts()).toEqual({ "artisan GET /api/v1/invoices/{id}": 1, "artisan GET /api/v1/company": 1 });
  });

  it("answers null for a well-formed id that does not exist, and for another company's ARTISAN record", async () => {
    const { body } = await h.gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {
      ids: [
        globalId("Job", "cleanitall", "job_doesnotexist000000000000"),
        globalId("Customer", "artisan", "999999"),
      ],
    });
    expect(body).toEqual({ data: { nodes: [null, null] } });
  });
});

interface ListPage {
  totalCount: number | null;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: Array<{ id: string; source: string; sourceId: string; createdAt: string }>;
}

describe("cross-source lists", () => {
  async function pageThrough(field: string, first: number, args = "") {
    const seen: Array<{ id: string; source: string; sourceId: string; createdAt: string }> = [];
    let after: string | null = null;
    let pages = 0;
    let totalCount: number | null = null;
    for (;;) {
      const response: { body: GraphQLBody<Record<string, ListPage>> } = await h.gql<Record<string, ListPage>>(
        `query($after: String) { ${field}(first: ${first}, after: $after${args}) {
          totalCount pageInfo { hasNextPage endCursor } nodes { id source sourceId createdAt } } }`,
        { after },
      );
      const body = response.body;
      if (!body.data) throw new Error(JSON.stringify(body.errors));
      const page: ListPage | undefined = body.data[field];
      if (!page) throw new Error("no page");
      totalCount = page.totalCount;
      seen.push(...page.nodes);
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    return { seen, pages, totalCount };
  }

  it("pages customers of every source to the end: every record once, newest first", async () => {
    const { seen, pages, totalCount } = await pageThrough("customers", 100);
    const expected = [
      ...[...cleanitall().customers.keys()].map((id) => `CLEANITALL:${id}`),
      ...[...artisan().customers.keys()].map((id) => `ARTISAN:${id}`),
      // CleverInvo lists active clients only (soft-deleted ones stay readable by id).
      ...[...cleverinvo().clients.values()].filter((c) => c.isActive).map((c) => `CLEVERINVO:${c.id}`),
      ...[...cleanestimate().clients.keys()].map((id) => `CLEANESTIMATE:${id}`),
      // JobCloser's default customer list leaves archived customers out.
      ...[...jobcloser().customers.values()].filter((c) => !c.Archived).map((c) => `JOBCLOSER:${c.Id}`),
    ].sort();
    const got = seen.map((c) => `${c.source}:${c.sourceId}`);
    expect(new Set(got).size).toBe(got.length);
    expect([...got].sort()).toEqual(expected);
    // CleanEstimate Pro's cursor lists never say how long they are, so the merged count is unknown.
    expect(totalCount).toBeNull();
    expect(pages).toBe(Math.ceil(expected.length / 100));
    for (let i = 1; i < seen.length; i++) {
      expect(Date.parse(seen[i - 1]?.createdAt ?? "")).toBeGreaterThanOrEqual(
        Date.parse(seen[i]?.createdAt ?? ""),
      );
    }
  });

  it("pages invoices of every source to the end with an odd page size", async () => {
    const { seen } = await pageThrough("invoices", 73);
    const expected =
      cleanitall().invoices.size +
      artisan().invoices.size +
      cleverinvo().invoices.size +
      cleanestimate().invoices.size +
      jobcloser().invoices.size;
    expect(new Set(seen.map((i) => i.id)).size).toBe(expected);
    expect(seen.length).toBe(expected);
  });

  it("pages a filtered cross-source list: CleanItAll PARTIALLY_PAID is filtered by the gateway", async () => {
    const { seen, totalCount } = await pageThrough("invoices", 7, ", status: PARTIALLY_PAID");
    const expected = [
      ...[...cleanitall().invoices.values()]
        .filter((i) => i.status === "pending" && i.amount_paid > 0 && i.amount_paid < i.total)
        .map((i) => i.id),
      ...[...cleverinvo().invoices.values()].filter((i) => i.status === "PARTIALLY_PAID").map((i) => i.id),
      ...[...cleanestimate().invoices.values()]
        .filter((i) => i.status === "sent" && i.amount_paid > 0 && i.amount_paid < i.total)
        .map((i) => i.id),
      ...[...jobcloser().invoices.values()].filter((i) => i.Status === "PartiallyPaid").map((i) => i.Id),
    ];
    expect(expected.length).toBeGreaterThan(0);
    expect(seen.map((i) => i.sourceId).sort()).toEqual(expected.sort());
    // ARTISAN has no partially paid invoices, and the gateway cannot count CleanItAll's without a scan.
    expect(totalCount).toBeNull();
  });

  it("filters jobs by customer: only the customer's source is asked", async () => {
    const customer = [...artisan().customers.values()][0];
    if (!customer) throw new Error("no customer");
    const { body } = await h.gql<{ jobs: { totalCount: number; nodes: Array<{ sourceId: string }> } }>(
      `query($c: ID!) { jobs(first: 100, customerId: $c) { totalCount nodes { sourceId } } }`,
      { c: globalId("Customer", "artisan", String(customer.id)) },
    );
    const expected = [...artisan().jobs.values()]
      .filter((j) => j.customer_id === customer.id)
      .map((j) => String(j.id));
    expect(body.data?.jobs.nodes.map((j) => j.sourceId).sort()).toEqual(expected.sort());
    expect(body.data?.jobs.totalCount).toBe(expected.length);
    expect(h.counts()).toEqual({ "artisan GET /api/v1/jobs": 1 });
  });
});

describe("relations", () => {
  it("Customer.jobs, invoices and payments of a CleanItAll customer match the simulator", async () => {
    const account = cleanitall();
    const count = (records: Iterable<{ customer_id: string }>, id: string) =>
      [...records].filter((r) => r.customer_id === id).length;
    const customer = [...account.customers.values()].find(
      (c) =>
        count(account.payments.values(), c.id) > 2 &&
        count(account.payments.values(), c.id) <= 100 &&
        count(account.jobs.values(), c.id) <= 100,
    );
    if (!customer) throw new Error("no customer with payments");
    const { body } = await h.gql<{
      customer: {
        name: string;
        jobs: { totalCount: number; nodes: Array<{ sourceId: string; customer: { name: string } }> };
        invoices: { totalCount: number; nodes: Array<{ sourceId: string }> };
        payments: { totalCount: number; nodes: Array<{ sourceId: string; amount: { amount: string } }> };
      };
    }>(
      `query($id: ID!) { customer(id: $id) { name
        jobs(first: 100) { totalCount nodes { sourceId customer { name } } }
        invoices(first: 100) { totalCount nodes { sourceId } }
        payments(first: 100) { totalCount nodes { sourceId amount { amount } } } } }`,
      { id: globalId("Customer", "cleanitall", customer.id) },
    );
    const data = body.data?.customer;
    const jobs = [...account.jobs.values()].filter((j) => j.customer_id === customer.id);
    const invoices = [...account.invoices.values()].filter((i) => i.customer_id === customer.id);
    const payments = [...account.payments.values()].filter((p) => p.customer_id === customer.id);
    expect(data?.name).toBe(customer.name);
    expect(data?.jobs.totalCount).toBe(jobs.length);
    expect(data?.jobs.nodes.map((j) => j.sourceId).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(data?.invoices.nodes.map((i) => i.sourceId).sort()).toEqual(invoices.map((i) => i.id).sort());
    expect(data?.jobs.nodes.every((j) => j.customer.name === customer.name)).toBe(true);
    expect(data?.invoices.totalCount).toBe(invoices.length);
    expect(data?.payments.totalCount).toBe(payments.length);
    expect(data?.payments.nodes.map((p) => p.sourceId).sort()).toEqual(payments.map((p) => p.id).sort());
  });

  it("Invoice.payments add up to amountPaid, and Invoice.job/customer point at the simulator's records", async () => {
    const account = cleanitall();
    const invoice = [...account.invoices.values()].find(
      (i) => i.job_id && [...account.payments.values()].filter((p) => p.invoice_id === i.id).length >= 2,
    );
    if (!invoice) throw new Error("no invoice with two payments");
    const { body } = await h.gql<{
      invoice: {
        amountPaid: { amount: string };
        payments: { nodes: Array<{ amount: { amount: string }; invoice: { number: string } }> };
        job: { sourceId: string };
        customer: { sourceId: string };
      };
    }>(
      `query($id: ID!) { invoice(id: $id) { amountPaid { amount }
        payments { nodes { amount { amount } invoice { number } } } job { sourceId } customer { sourceId } } }`,
      { id: globalId("Invoice", "cleanitall", invoice.id) },
    );
    const data = body.data?.invoice;
    const cents = (data?.payments.nodes ?? []).reduce(
      (sum, p) => sum + Math.round(Number(p.amount.amount) * 100),
      0,
    );
    expect(cents).toBe(Math.round(invoice.amount_paid * 100));
    expect(data?.amountPaid.amount).toBe(invoice.amount_paid.toFixed(2));
    expect(data?.payments.nodes.every((p) => p.invoice.number === invoice.number)).toBe(true);
    expect(data?.job.sourceId).toBe(invoice.job_id);
    expect(data?.customer.sourceId).toBe(invoice.customer_id);
  });

  it("ARTISAN Job.siteVisits and SiteVisit.job/customer/teamMember match the simulator", async () => {
    const company = artisan();
    const job = [...company.jobs.values()].find(
      (j) =>
        [...company.siteVisits.values()].filter((v) => v.job_id === j.id && v.team_member_id !== null)
          .length >= 2,
    );
    if (!job) throw new Error("no job with visits");
    const visits = [...company.siteVisits.values()]
      .filter((v) => v.job_id === job.id)
      .sort((a, b) => Date.parse(a.scheduled_at) - Date.parse(b.scheduled_at) || a.id - b.id);
    const { body } = await h.gql<{
      job: {
        siteVisitCount: number;
        jobType: { name: string } | null;
        siteVisits: {
          nodes: Array<{
            sourceId: string;
            scheduledAt: string;
            job: { sourceId: string };
            customer: { name: string };
            teamMember: { name: string | null } | null;
          }>;
        };
      };
    }>(
      `query($id: ID!) { job(id: $id) { siteVisitCount jobType { name }
        siteVisits(first: 100) { nodes { sourceId scheduledAt job { sourceId } customer { name } teamMember { name } } } } }`,
      { id: globalId("Job", "artisan", String(job.id)) },
    );
    const data = body.data?.job;
    expect(data?.siteVisitCount).toBe(visits.length);
    expect(data?.jobType?.name ?? null).toBe(
      job.job_type_id === null ? null : company.jobTypes.get(job.job_type_id)?.name,
    );
    expect(data?.siteVisits.nodes.map((v) => v.sourceId)).toEqual(visits.map((v) => String(v.id)));
    expect(data?.siteVisits.nodes.map((v) => v.scheduledAt)).toEqual(visits.map((v) => v.scheduled_at));
    expect(data?.siteVisits.nodes.every((v) => v.job.sourceId === String(job.id))).toBe(true);
    const customer = company.customers.get(job.customer_id);
    expect(data?.siteVisits.nodes.every((v) => v.customer.name === customer?.full_name)).toBe(true);
    expect(data?.siteVisits.nodes.map((v) => v.teamMember?.name ?? null)).toEqual(
      visits.map((v) =>
        v.team_member_id === null ? null : (company.teamMembers.get(v.team_member_id)?.name ?? null),
      ),
    );
  });
});

describe("bad arguments reach no upstream", () => {
  const cases: Array<[string, string, string]> = [
    ["a malformed id", `{ node(id: "not-an-id!") { id } }`, "BAD_USER_INPUT"],
    [
      "an id that decodes to garbage",
      `{ node(id: "${Buffer.from("hello").toString("base64url")}") { id } }`,
      "BAD_USER_INPUT",
    ],
    [
      "an id of another type",
      `{ customer(id: "${globalId("Job", "cleanitall", "job_abc")}") { id } }`,
      "BAD_USER_INPUT",
    ],
    [
      "an upstream id of the wrong shape",
      `{ node(id: "${globalId("Job", "artisan", "abc")}") { id } }`,
      "BAD_USER_INPUT",
    ],
    [
      "an unknown source in an id",
      `{ node(id: "${globalId("Job", "nowhere", "1")}") { id } }`,
      "BAD_USER_INPUT",
    ],
    ["a negative first", "{ jobs(first: -1) { totalCount } }", "BAD_USER_INPUT"],
    ["a first over the maximum", "{ jobs(first: 101) { totalCount } }", "BAD_USER_INPUT"],
    [
      "a tampered cursor",
      `{ jobs(first: 5, after: "${Buffer.from('c1:{"cleanitall":-4}').toString("base64url")}") { totalCount } }`,
      "BAD_USER_INPUT",
    ],
    ["a garbage cursor", `{ jobs(first: 5, after: "zzz") { totalCount } }`, "BAD_USER_INPUT"],
    [
      "an inverted date range",
      `{ siteVisits(from: "2026-03-10", to: "2026-03-01") { totalCount } }`,
      "BAD_USER_INPUT",
    ],
    ["an impossible date", `{ siteVisits(from: "2026-02-30") { totalCount } }`, "BAD_USER_INPUT"],
    ["an unknown enum value", "{ jobs(status: FINISHED) { totalCount } }", "GRAPHQL_VALIDATION_FAILED"],
    ["an unknown field", "{ jobs { nope } }", "GRAPHQL_VALIDATION_FAILED"],
  ];
  it.each(cases)("%s", async (_name, query, code) => {
    const { body } = await h.gql(query);
    expect(body.errors?.[0]?.extensions?.code).toBe(code);
    expect(body.errors?.[0]?.message.length).toBeGreaterThan(10);
    expect(h.counts()).toEqual({});
  });

  it("names the problem: negative first", async () => {
    const { body } = await h.gql("{ jobs(first: -1) { totalCount } }");
    expect(body.errors?.[0]?.message).toBe("first must be between 0 and 100; got -1.");
    expect(body.errors?.[0]?.path).toEqual(["jobs"]);
    expect(body.data).toEqual({ jobs: null });
  });
});
