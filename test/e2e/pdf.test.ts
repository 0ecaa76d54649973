import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { globalId, type Harness, READ_KEY, startHarness } from "../support/harness.js";

/** Invoice.pdfUrl: a signed gateway link that streams the upstream's PDF. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.resetCounts();
  h.cleverinvo.control.clearFaults();
});

const firstInvoice = () => {
  const invoice = [...h.cleverinvo.account("demo").invoices.values()][0];
  if (!invoice) throw new Error("no invoice");
  return invoice;
};

async function pdfUrlOf(id: string): Promise<string | null> {
  const { body } = await h.gql<{ invoice: { pdfUrl: string | null } }>(
    "query($id: ID!) { invoice(id: $id) { pdfUrl } }",
    { id },
  );
  return body.data?.invoice.pdfUrl ?? null;
}

describe("invoice PDFs", () => {
  it("streams the CleverInvo PDF through a signed link, with no key", async () => {
    const invoice = firstInvoice();
    const url = await pdfUrlOf(globalId("Invoice", "cleverinvo", invoice.id));
    expect(url).toMatch(
      new RegExp(`^${h.url}/files/invoices/[A-Za-z0-9_-]+\\.pdf\\?tenant=acme&expires=\\d+&signature=`),
    );
    h.resetCounts();
    const response = await fetch(url ?? "");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("content-disposition")).toBe(
      `inline; filename="${invoice.invoiceNumber}.pdf"`,
    );
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
    expect(bytes.toString("latin1")).toContain(invoice.invoiceNumber);
    expect(h.counts()).toEqual({ "cleverinvo GET /api/v1/invoices/:id/pdf": 1 });
  });

  it("accepts the API key instead of a signature", async () => {
    const path = `/files/invoices/${globalId("Invoice", "cleverinvo", firstInvoice().id)}.pdf`;
    const response = await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${READ_KEY}` } });
    expect(response.status).toBe(200);
    expect(
      Buffer.from(await response.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");
  });

  it("refuses a tampered or missing signature with 401 and asks no upstream", async () => {
    const url = new URL((await pdfUrlOf(globalId("Invoice", "cleverinvo", firstInvoice().id))) ?? "");
    h.resetCounts();
    url.searchParams.set("tenant", "someone-else");
    const tampered = await fetch(url);
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toEqual({
      error: {
        code: "UNAUTHENTICATED",
        message: "Send an API key, or use a fresh link from Invoice.pdfUrl.",
      },
    });
    const bare = await fetch(`${url.origin}${url.pathname}`);
    expect(bare.status).toBe(401);
    expect(h.counts()).toEqual({});
  });

  it("gives no pdfUrl for invoices of sources without PDFs", async () => {
    const invoice = [...h.cleanitall.account("demo").invoices.values()][0];
    expect(await pdfUrlOf(globalId("Invoice", "cleanitall", invoice?.id ?? ""))).toBeNull();
  });

  it("answers 404 for an invoice the upstream does not have, 400 for a bad id", async () => {
    const missing = `/files/invoices/${globalId("Invoice", "cleverinvo", `c${"0".repeat(24)}`)}.pdf`;
    const headers = { authorization: `Bearer ${READ_KEY}` };
    expect((await fetch(`${h.url}${missing}`, { headers })).status).toBe(404);
    const wrongType = `/files/invoices/${globalId("Customer", "cleverinvo", firstInvoice().clientId)}.pdf`;
    const response = await fetch(`${h.url}${wrongType}`, { headers });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("BAD_USER_INPUT");
  });

  it("maps an upstream failure to its status and code", async () => {
    h.cleverinvo.control.injectFault({ kind: "status", status: 503, route: "GET /api/v1/invoices/:id/pdf" });
    const path = `/files/invoices/${globalId("Invoice", "cleverinvo", firstInvoice().id)}.pdf`;
    const response = await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${READ_KEY}` } });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("UPSTREAM_UNAVAILABLE");
  });
});
