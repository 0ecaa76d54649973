import { parseConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createGateway } from "../../src/server.js";

/**
 * A gateway in its own process for benchmarks, so its memory is measured apart from the load
 * generator's. Driven over IPC: the config arrives as the first message; `memory` answers the
 * heap and RSS after a full GC (run with --expose-gc); `subscribers` waits for a subscriber count.
 */

type Command =
  | { cmd: "start"; config: unknown }
  | { cmd: "memory" }
  | { cmd: "subscribers"; tenantId: string; count: number }
  | { cmd: "stop" };

const send = (message: unknown) => process.send?.(message);
let gateway: ReturnType<typeof createGateway> | null = null;

process.on("message", async (message: Command) => {
  try {
    if (message.cmd === "start") {
      gateway = createGateway(parseConfig(message.config), { logger: createLogger("silent") });
      send({ ok: "start", url: await gateway.start() });
    } else if (message.cmd === "memory") {
      const gc = (globalThis as { gc?: () => void }).gc;
      for (let i = 0; i < 3; i++) gc?.();
      const { heapUsed, rss, external } = process.memoryUsage();
      send({ ok: "memory", heapUsed, rss, external });
    } else if (message.cmd === "subscribers") {
      await gateway?.events.whenSubscribed(message.tenantId, message.count);
      send({ ok: "subscribers" });
    } else if (message.cmd === "stop") {
      await gateway?.stop();
      send({ ok: "stop" });
      process.exit(0);
    }
  } catch (error) {
    send({ error: (error as Error).message });
  }
});
send({ ok: "ready" });
