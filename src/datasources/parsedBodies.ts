/**
 * The parsed JSON of recent upstream answers, kept with their bytes, by tenant, source and URL.
 *
 * An answer byte for byte the same as the last one for its URL gets the same parsed value back,
 * so what the gateway derived from that value is reused as well instead of computed again: the zod
 * check of the body (`ResponseSchema`), each record's mapping (`mappedOnce`), JobCloser's checked
 * company lists. A dashboard polling a list that has not changed upstream costs one byte
 * comparison instead of a JSON parse, a check and a mapping of every record. The bytes decide, so
 * a value is never stale: a changed record changes the bytes and the answer is parsed afresh.
 *
 * Bounded by the bytes kept (the parsed values beside them take a few times that on the heap),
 * least recently used first out. Bodies under `minBytes` are not kept: they parse in microseconds,
 * and by-id reads would crowd the lists out.
 */
export class ParsedBodies {
  private readonly entries = new Map<string, { bytes: Buffer; value: unknown }>();
  private kept = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly minBytes = 2048,
  ) {}

  /** `parse(bytes)`, or the value parsed from the same bytes last time under `key`. */
  parse(key: string, bytes: Buffer, parse: (bytes: Buffer) => unknown): unknown {
    if (bytes.length < this.minBytes || bytes.length > this.maxBytes) return parse(bytes);
    const known = this.entries.get(key);
    if (known) {
      this.entries.delete(key);
      this.kept -= known.bytes.length;
      if (known.bytes.equals(bytes)) {
        this.keep(key, known);
        return known.value;
      }
    }
    // A body that fails to parse throws here and is not kept.
    const value = parse(bytes);
    this.keep(key, { bytes, value });
    return value;
  }

  /** Bytes held, for tests and metrics. */
  get size(): number {
    return this.kept;
  }

  clear(): void {
    this.entries.clear();
    this.kept = 0;
  }

  private keep(key: string, entry: { bytes: Buffer; value: unknown }): void {
    this.entries.set(key, entry);
    this.kept += entry.bytes.length;
    for (const [oldest, { bytes }] of this.entries) {
      if (this.kept <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.kept -= bytes.length;
    }
  }
}
