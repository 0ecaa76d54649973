import { describe, expect, it } from "vitest";
import { UrlSigner } from "../../src/files/signedUrls.js";

describe("signed file links", () => {
  const path = "/files/invoices/abc.pdf";

  it("authorizes the tenant for the signed path until it expires", () => {
    let now = 1_800_000_000_000;
    const signer = new UrlSigner("s".repeat(32), 60_000, () => now);
    const query = new URLSearchParams(signer.sign("acme", path));
    expect(query.get("tenant")).toBe("acme");
    expect(signer.verify(path, query)).toBe("acme");
    now += 59_000;
    expect(signer.verify(path, query)).toBe("acme");
    now += 2_000;
    expect(signer.verify(path, query)).toBeNull();
  });

  it("refuses another path, another tenant, a changed expiry or signature", () => {
    const signer = new UrlSigner("s".repeat(32), 60_000);
    const query = new URLSearchParams(signer.sign("acme", path));
    expect(signer.verify("/files/invoices/other.pdf", query)).toBeNull();
    for (const [name, value] of [
      ["tenant", "other"],
      ["expires", String(Number(query.get("expires")) + 1000)],
      ["signature", `${query.get("signature")?.slice(0, -2)}AA`],
    ] as const) {
      const tampered = new URLSearchParams(query);
      tampered.set(name, value);
      expect(signer.verify(path, tampered)).toBeNull();
    }
    expect(signer.verify(path, new URLSearchParams())).toBeNull();
  });

  it("accepts links signed by another instance with the same secret, not with another", () => {
    const query = new URLSearchParams(new UrlSigner("s".repeat(32), 60_000).sign("acme", path));
    expect(new UrlSigner("s".repeat(32), 60_000).verify(path, query)).toBe("acme");
    expect(new UrlSigner("t".repeat(32), 60_000).verify(path, query)).toBeNull();
    // Without a configured secret each instance makes its own.
    expect(new UrlSigner(undefined, 60_000).verify(path, query)).toBeNull();
  });
});
