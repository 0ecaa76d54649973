import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { HttpLayer, type UpstreamTarget } from "../../src/datasources/http.js";
import type { StreamPage } from "../../src/datasources/paging.js";
import { mappedOnce, mappedOncePer, ResponseSchema, RestClient } from "../../src/datasources/rest.js";
import { UpstreamError } from "../../src/errors.js";

/**
 * What RestClient keeps across GraphQL requests: the parse of a cached GET answer (ResponseSchema)
 * and the mapping of its records (mappedOnce), against a small upstream over real HTTP behind the
 * shared HTTP layer and its cache.
 */

interface Product {
  id: string;
  name: string;
  price: number;
}

const products = new Map<string, Product>();
let requests: string[] = [];
let server: Server;
let http: HttpLayer;
let target: UpstreamTarget;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://upstream");
    requests.push(`${url.pathname}${url.search}`);
    res.setHeader("content-type", "application/json");
    const byId = /^\/products\/([^/]+)$/.exec(url.pathname);
    if (byId) {
      const product = products.get(byId[1] ?? "");
      res.statusCode = product ? 200 : 404;
      res.end(JSON.stringify(product ? { data: product } : { error: "not found" }));
      return;
    }
    const all = [...products.values()];
    const page = Number(url.searchParams.get("page"));
    const perPage = Number(url.searchParams.get("per_page"));
    res.end(JSON.stringify({ data: all.slice((page - 1) * perPage, page * perPage), total: all.length }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  target = {
    source: "cleanitall",
    tenantId: "acme",
    baseUrl: `http://127.0.0.1:${port}`,
    headers: {},
    timeoutMs: 2_000,
  };
  http = new HttpLayer({
    timeoutMs: 2_000,
    retries: 0,
    connections: 2,
    cache: { ttlMs: 60_000, maxEntries: 100 },
  });
});

afterAll(async () => {
  await http.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  products.clear();
  products.set("p1", { id: "p1", name: "Surface cleaner", price: 49.5 });
  products.set("p2", { id: "p2", name: "Hose reel", price: 120 });
  products.set("p3", { id: "p3", name: "Nozzle kit", price: 19.99 });
  http.invalidate(target);
  requests = [];
});

const productRecord = z.object({ id: z.string(), name: z.string(), price: z.number() });
const PRODUCT = new ResponseSchema(z.object({ data: productRecord }));
const PRODUCTS = new ResponseSchema(z.object({ data: z.array(productRecord), total: z.number() }));

class ProductClient extends RestClient {
  getProduct(id: string): Promise<Product | null> {
    return this.getOne("/products/:id", `/products/${id}`, PRODUCT);
  }

  listProducts(offset: number, limit: number): Promise<StreamPage<Product>> {
    return this.pageNumberWindow(
      { route: "/products", answer: PRODUCTS, sizeParam: "per_page", maxPerPage: 100 },
      (page) => ({ records: page.data, total: page.total }),
      {},
      offset,
      limit,
    );
  }
}

/** A client as one GraphQL request has it (each request builds its own). */
const forOneRequest = () => new ProductClient(http.forRequest(http.scope("request")), target);

describe("ResponseSchema: a cached answer is parsed once", () => {
  it("serves every request reading a cached by-id answer the one parse of it", async () => {
    const parse = vi.spyOn(PRODUCT.schema, "safeParse");
    try {
      const reads = [];
      for (let request = 0; request < 3; request++) reads.push(await forOneRequest().getProduct("p1"));
      expect(reads[0]).toEqual({ id: "p1", name: "Surface cleaner", price: 49.5 });
      // The same value, not an equal copy: nothing re-parsed it.
      expect(reads[1]).toBe(reads[0]);
      expect(reads[2]).toBe(reads[0]);
      expect(requests).toEqual(["/products/p1"]);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it("parses a new answer afresh: after the cache entry is dropped, the upstream's change shows", async () => {
    const before = await forOneRequest().getProduct("p1");
    products.set("p1", { id: "p1", name: "Surface cleaner XL", price: 59 });
    // Still the cached answer (and its parse) until the entry goes.
    expect(await forOneRequest().getProduct("p1")).toBe(before);
    http.invalidate(target, "/products/p1");
    expect(await forOneRequest().getProduct("p1")).toEqual({
      id: "p1",
      name: "Surface cleaner XL",
      price: 59,
    });
    expect(requests).toEqual(["/products/p1", "/products/p1"]);
  });

  it("refuses a body that does not match every time it is read, with the same error", async () => {
    products.set("bad", { id: "bad", name: "Broken", price: Number.NaN });
    const message =
      "cleanitall GET /products/:id returned an unexpected body (data.price: Invalid input: expected number, received null)";
    for (let request = 0; request < 2; request++) {
      const read = forOneRequest().getProduct("bad");
      await expect(read).rejects.toThrow(UpstreamError);
      await expect(read).rejects.toThrow(message);
    }
    // The answer itself is cached; only its parse is never kept.
    expect(requests).toEqual(["/products/bad"]);
  });

  it("answers 404 as null without parsing", async () => {
    expect(await forOneRequest().getProduct("nope")).toBeNull();
  });

  it("serves list windows of a cached page from its one parse", async () => {
    const parse = vi.spyOn(PRODUCTS.schema, "safeParse");
    try {
      const first = await forOneRequest().listProducts(0, 3);
      const again = await forOneRequest().listProducts(0, 3);
      expect(first).toEqual({
        records: [
          { id: "p1", name: "Surface cleaner", price: 49.5 },
          { id: "p2", name: "Hose reel", price: 120 },
          { id: "p3", name: "Nozzle kit", price: 19.99 },
        ],
        total: 3,
      });
      expect(again.records[1]).toBe(first.records[1]);
      expect(requests).toEqual(["/products?page=1&per_page=3"]);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });
});

describe("mappedOnce / mappedOncePer", () => {
  it("maps each record object once, and an equal but new record again", () => {
    const map = vi.fn((record: Product) => ({ sourceId: record.id, label: record.name.toUpperCase() }));
    const toLabel = mappedOnce(map);
    const record: Product = { id: "p1", name: "Hose reel", price: 120 };
    const first = toLabel(record);
    expect(first).toEqual({ sourceId: "p1", label: "HOSE REEL" });
    expect(toLabel(record)).toBe(first);
    expect(map).toHaveBeenCalledTimes(1);
    // A record parsed from a new answer is a new object: mapped anew, so a change shows.
    const refreshed = toLabel({ ...record, name: "Hose reel 30 m" });
    expect(refreshed).toEqual({ sourceId: "p1", label: "HOSE REEL 30 M" });
    expect(map).toHaveBeenCalledTimes(2);
  });

  it("maps a record once per setting: another account currency maps again", () => {
    const map = vi.fn((record: Product, currency: string) => ({ amount: record.price, currency }));
    const toMoney = mappedOncePer(map);
    const record: Product = { id: "p1", name: "Hose reel", price: 120 };
    const usd = toMoney(record, "USD");
    expect(toMoney(record, "USD")).toBe(usd);
    expect(toMoney(record, "EUR")).toEqual({ amount: 120, currency: "EUR" });
    expect(toMoney(record, "EUR")).not.toBe(usd);
    expect(map).toHaveBeenCalledTimes(2);
  });
});
