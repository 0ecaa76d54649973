import { describe, expect, it } from "vitest";
import { ParsedBodies } from "../../src/datasources/parsedBodies.js";

/** A JSON body of exactly `size` bytes whose text ends with `tag`. */
function body(size: number, tag = "a"): Buffer {
  const text = `{"v":"${"x".repeat(size - 9 - tag.length)}${tag}"}`;
  expect(Buffer.byteLength(text)).toBe(size - 1);
  return Buffer.from(`${text}\n`);
}

/** A parse that counts its calls. */
function counting() {
  const calls: string[] = [];
  const parse = (bytes: Buffer): unknown => {
    const value: unknown = JSON.parse(bytes.toString("utf8"));
    calls.push((value as { v: string }).v.slice(-1));
    return value;
  };
  return { calls, parse };
}

describe("ParsedBodies", () => {
  it("the same bytes under a key give the value parsed last time; other bytes are parsed", () => {
    const bodies = new ParsedBodies(1_000_000, 100);
    const { calls, parse } = counting();
    const first = bodies.parse("k", body(500, "a"), parse);
    // A copy, not the same Buffer: the bytes decide.
    expect(bodies.parse("k", Buffer.from(body(500, "a")), parse)).toBe(first);
    const changed = bodies.parse("k", body(500, "b"), parse);
    expect(changed).not.toBe(first);
    expect(changed).toStrictEqual({ v: `${"x".repeat(490)}b` });
    expect(bodies.parse("k", body(500, "b"), parse)).toBe(changed);
    // Under another key, the same bytes are another entry.
    expect(bodies.parse("other", body(500, "b"), parse)).not.toBe(changed);
    expect(calls).toStrictEqual(["a", "b", "b"]);
    expect(bodies.size).toBe(1_000);
  });

  it("keeps no body under minBytes or over maxBytes, nor one that does not parse", () => {
    const bodies = new ParsedBodies(1_000, 100);
    const { calls, parse } = counting();
    bodies.parse("small", body(99), parse);
    bodies.parse("small", body(99), parse);
    bodies.parse("large", body(1_001), parse);
    bodies.parse("large", body(1_001), parse);
    expect(calls).toHaveLength(4);
    expect(bodies.size).toBe(0);

    const broken = Buffer.from(`{"v":${" ".repeat(200)}`);
    expect(() => bodies.parse("broken", broken, parse)).toThrow(SyntaxError);
    expect(() => bodies.parse("broken", broken, parse)).toThrow(SyntaxError);
    expect(bodies.size).toBe(0);
  });

  it("holds at most maxBytes, least recently used out first", () => {
    const bodies = new ParsedBodies(1_000, 100);
    const { calls, parse } = counting();
    const a = bodies.parse("a", body(400, "a"), parse);
    const b = bodies.parse("b", body(400, "b"), parse);
    // Reading a makes b the least recently used.
    expect(bodies.parse("a", body(400, "a"), parse)).toBe(a);
    bodies.parse("c", body(400, "c"), parse);
    expect(bodies.size).toBe(800);
    expect(bodies.parse("a", body(400, "a"), parse)).toBe(a);
    expect(bodies.parse("b", body(400, "b"), parse)).not.toBe(b);
    expect(calls).toStrictEqual(["a", "b", "c", "b"]);
    // A changed body replaces its entry: the bytes kept count it once.
    bodies.parse("b", body(300, "d"), parse);
    expect(bodies.size).toBe(700);
    bodies.clear();
    expect(bodies.size).toBe(0);
    bodies.parse("a", body(400, "a"), parse);
    expect(calls).toStrictEqual(["a", "b", "c", "b", "d", "a"]);
  });
});
