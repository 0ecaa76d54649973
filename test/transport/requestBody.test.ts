import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBodyForYoga } from "../../src/transport/requestBody.js";

/** What a GraphQL POST body becomes before Yoga sees it: parsed when Yoga can take it parsed. */

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    readBodyForYoga(req).then(() => {
      const body = (req as IncomingMessage & { body?: unknown }).body;
      const seen =
        body === undefined
          ? { kind: "unset" }
          : Buffer.isBuffer(body)
            ? { kind: "raw", text: body.toString("utf8") }
            : { kind: "parsed", value: body };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(seen));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const post = async (body: string) =>
  (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body })).json();

describe("readBodyForYoga", () => {
  it("hands over an operation, and a batch, parsed", async () => {
    expect(await post('{"query":"{ __typename }","variables":{"a":"é"}}')).toEqual({
      kind: "parsed",
      value: { query: "{ __typename }", variables: { a: "é" } },
    });
    expect(await post('[{"query":"{ a }"},{"query":"{ b }"}]')).toEqual({
      kind: "parsed",
      value: [{ query: "{ a }" }, { query: "{ b }" }],
    });
  });

  it("hands over anything else as its raw bytes, for Yoga to refuse in its own words", async () => {
    for (const body of ['{"query": "{ a }"', "{}", "[]", "null", "42", '"query"']) {
      expect(await post(body)).toEqual({ kind: "raw", text: body });
    }
  });

  it("leaves an empty body to Yoga", async () => {
    expect(await post("")).toEqual({ kind: "unset" });
  });
});

describe("readBodyForYoga when the client goes away", () => {
  it("settles (rejects) instead of waiting for a body that will never end", async () => {
    const { connect } = await import("node:net");
    let settled: Promise<string> = Promise.resolve("not called");
    const cut = createServer((req) => {
      settled = readBodyForYoga(req).then(
        () => "resolved",
        (error: Error) => error.message,
      );
    });
    await new Promise<void>((resolve) => cut.listen(0, "127.0.0.1", resolve));
    const { port } = cut.address() as AddressInfo;
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":',
    );
    await new Promise<void>((resolve) => cut.once("request", () => resolve()));
    socket.destroy();
    // Node reports the reset as an `aborted` error; a bare close is caught as well.
    expect(await settled).toMatch(/^(aborted|the request closed before its body ended)$/);
    await new Promise<void>((resolve) => cut.close(() => resolve()));
  });
});
