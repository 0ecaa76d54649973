import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/**
 * Benchmark child processes (the gateway, bare graphql-yoga) driven over IPC. Every child is killed
 * when the bench exits, fails or is interrupted, and a child that dies or stays silent turns into an
 * error naming it instead of a hang.
 */

/** What the child scripts answer: `{ ok: <command>, ...figures }` or `{ error: message }`. */
const replyShape = z.object({ ok: z.string().optional(), error: z.string().optional() });

export interface BenchChild {
  readonly name: string;
  /** Sends a command and resolves with the child's `{ ok: expect }` reply, for the caller to parse. */
  request(message: object, expect: string, timeoutMs?: number): Promise<unknown>;
  /** Asks the child to stop, and kills it if it has not exited after a grace period. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

function killAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  running.clear();
}

process.once("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

const DEFAULT_TIMEOUT_MS = 60_000;
const EXIT_WITH_PARENT = new URL("./exitWithParent.mjs", import.meta.url).href;

/**
 * Makes every Node child the bench starts from now on exit with the bench, including children it
 * does not fork itself (the fan-out benchmark forks its own gateway): NODE_OPTIONS reaches them all.
 */
export function exitChildrenWithBench(): void {
  const current = process.env.NODE_OPTIONS ?? "";
  if (!current.includes(EXIT_WITH_PARENT)) {
    process.env.NODE_OPTIONS = `${current} --import ${EXIT_WITH_PARENT}`.trim();
  }
}

function describeExit(child: ChildProcess): string {
  return child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`;
}

/** Waits for the child's next `{ ok: expect }` (or error) message, its exit, or the timeout. */
function awaitReply(child: ChildProcess, name: string, expect: string, timeoutMs: number): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    const settle = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    const onMessage = (message: unknown) => {
      const reply = replyShape.safeParse(message);
      if (!reply.success) return;
      if (reply.data.error !== undefined) {
        settle();
        reject(new Error(`${name}: ${reply.data.error}`));
      } else if (reply.data.ok === expect) {
        settle();
        resolve(message);
      }
    };
    const onExit = () => {
      settle();
      reject(new Error(`${name} exited (${describeExit(child)}) while the bench waited for "${expect}"`));
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`${name} did not answer "${expect}" within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** Forks a TypeScript child script (through tsx, with `--expose-gc`) and waits for its `ready`. */
export async function startChild(name: string, script: URL): Promise<BenchChild> {
  const require = createRequire(import.meta.url);
  const child = fork(fileURLToPath(script), [], {
    execArgv: ["--import", require.resolve("tsx"), "--import", EXIT_WITH_PARENT, "--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  try {
    await awaitReply(child, name, "ready", DEFAULT_TIMEOUT_MS);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }

  return {
    name,
    request(message: object, expect: string, timeoutMs = DEFAULT_TIMEOUT_MS) {
      if (child.exitCode !== null || child.signalCode !== null || !child.connected) {
        return Promise.reject(new Error(`${name} is not running (${describeExit(child)})`));
      }
      const reply = awaitReply(child, name, expect, timeoutMs);
      child.send(message);
      return reply;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const grace = setTimeout(() => child.kill("SIGKILL"), 10_000);
      if (child.connected) child.send({ cmd: "stop" });
      else child.kill("SIGKILL");
      await exited;
      clearTimeout(grace);
    },
  };
}
