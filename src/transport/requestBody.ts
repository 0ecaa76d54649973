import type { IncomingMessage } from "node:http";

/**
 * Reads a GraphQL POST body and hands it to Yoga already parsed: the Node adapter under Yoga uses a
 * request's `body` when one is set, instead of streaming it again through a Fetch Request. The
 * gateway has already checked the body's declared size, so it can hold it whole. A body that is not
 * a non-empty JSON object or array is handed over as its raw bytes, for Yoga to refuse in its usual
 * words; an empty one is left to Yoga as it is.
 */
export function readBodyForYoga(req: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let ended = false;
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("error", reject);
    // A client gone mid-body may close the request without an error: nothing is left to wait for.
    req.once("close", () => {
      if (!ended) reject(new Error("the request closed before its body ended"));
    });
    req.once("end", () => {
      ended = true;
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      if (raw.length > 0) (req as IncomingMessage & { body?: unknown }).body = parsedOrRaw(raw);
      resolve();
    });
  });
}

function parsedOrRaw(raw: Buffer): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    return raw;
  }
  // The adapter takes only a non-empty object (or array) as a parsed body.
  return typeof parsed === "object" && parsed !== null && Object.keys(parsed).length > 0 ? parsed : raw;
}

/** The media type of a Content-Type header, lower-cased, without parameters ("" when absent). */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}
