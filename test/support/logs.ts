import { Writable } from "node:stream";
import type { Logger } from "pino";
import { createLogger } from "../../src/logger.js";

/** Gateway log output kept in memory, for suites that assert on what was (or was not) logged. */
export interface CapturedLogs {
  /** A debug-level gateway logger writing into the capture. */
  logger: Logger;
  /** The capture itself, for another logger to write into it too. */
  stream: Writable;
  /** Everything written so far, one JSON line per log line. */
  text(): string;
}

export function captureLogs(): CapturedLogs {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: createLogger("debug", stream), stream, text: () => text };
}
