import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.js";
import {
  CLEANITALL_WEBHOOK_SECRET,
  type Harness,
  READ_KEY,
  startHarness,
  WRITE_KEY,
} from "../support/harness.js";
import {
  cleanItAllSignature,
  deliver,
  live,
  sseSubscribe,
  wsClient,
  wsSubscribe,
} from "../support/subscriptions.js";

/**
 * Key rotation without a restart: `gateway.reload(config)` in process, and the CLI reloading its
 * config file on SIGHUP and when the file changes.
 */

const NEW_KEY = "test_rotated_read_key_0123456789";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ webhookSecrets: true, upstreams: ["cleanitall"] });
});
afterAll(async () => {
  await h.close();
});

/** The harness config with tenant acme's keys replaced. */
function withKeys(keys: Array<{ key: string; scopes: Array<"read" | "write" | "delete"> }>) {
  const raw = JSON.parse(JSON.stringify(h.config)) as { tenants: Array<{ apiKeys: unknown }> };
  const tenant = raw.tenants[0];
  if (!tenant) throw new Error("no tenant");
  tenant.apiKeys = keys;
  return raw;
}

const SOURCES = "{ sources }";

describe("gateway.reload", () => {
  it("adds and removes keys at once, and ends the removed key's subscriptions", async () => {
    expect((await h.gql(SOURCES, {}, NEW_KEY)).status).toBe(401);

    const { client, closed } = wsClient(h.url, { apiKey: READ_KEY });
    const ws = wsSubscribe(client, "subscription { events { type } }");
    const sse = await sseSubscribe(h.url, READ_KEY, "subscription { events { type } }");
    await live(ws, h.gateway.events.whenSubscribed("acme", 2));

    const result = await h.gateway.reload(
      parseConfig(
        withKeys([
          { key: NEW_KEY, scopes: ["read"] },
          { key: WRITE_KEY, scopes: ["read", "write"] },
        ]),
      ),
    );
    expect(result).toEqual({ tenants: 1, keys: 2, restartNeeded: [], closedConnections: 1 });
    expect(await closed).toEqual({ code: 4403, reason: "Forbidden: the API key was revoked or changed" });

    expect((await h.gql(SOURCES, {}, READ_KEY)).status).toBe(401);
    expect((await h.gql(SOURCES, {}, NEW_KEY)).body).toEqual({ data: { sources: ["CLEANITALL"] } });

    // The SSE stream of the removed key ends at its next event instead of delivering it.
    const body = JSON.stringify({
      id: "evt_x",
      event: "customer.deleted",
      created_at: "2026-03-01T12:30:00Z",
      data: { id: "cus_reloadreloadreload0000" },
    });
    await deliver(h.url, "/webhooks/acme/cleanitall", body, {
      "x-webhook-signature": cleanItAllSignature(CLEANITALL_WEBHOOK_SECRET, body),
      "x-webhook-id": "whd_reload",
    });
    expect((await sse.next())?.errors?.[0]).toMatchObject({
      message: "The API key of this subscription was revoked.",
      extensions: { code: "UNAUTHENTICATED" },
    });
    await sse.close();
    await client.dispose();
  });

  it("reports settings that need a restart and leaves them as they are", async () => {
    const raw = withKeys([{ key: NEW_KEY, scopes: ["read"] }]) as Record<string, unknown>;
    raw.limits = { defaultPageSize: 10, maxPageSize: 50 };
    const result = await h.gateway.reload(parseConfig(raw));
    expect(result.restartNeeded).toEqual(["limits"]);
    const page = await h.gql("{ jobs(first: 100) { nodes { id } } }", {}, NEW_KEY);
    // maxPageSize is still the running 100.
    expect(page.body.errors).toBeUndefined();
  });
});

describe("npm start -- --config: reload on SIGHUP and on file change", () => {
  let child: ChildProcess;
  let output = "";
  let url = "";
  let file = "";

  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), "gateway-config-")), "gateway.json");
    writeFileSync(file, JSON.stringify(withKeys([{ key: READ_KEY, scopes: ["read"] }])));
    child = spawn("npm", ["start", "--silent", "--", "--config", file], {
      cwd: new URL("../..", import.meta.url).pathname,
      env: { ...process.env, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stderr?.on("data", collect);
    url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        collect(chunk);
        const match = /"url":"(http:\/\/[^"]+)\/graphql","msg":"gateway listening"/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, "SIGTERM");
      await once(child, "exit");
    }
  });

  const status = async (key: string) =>
    (
      await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: SOURCES }),
      })
    ).status;

  /** Resolves when the gateway has logged its `count`-th reload outcome. */
  const reloads = (count: number) =>
    expect
      .poll(() => output.match(/"msg":"config reload (applied|refused)/g)?.length ?? 0, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(count);

  it("applies a rotated key when the file changes", async () => {
    expect(await status(READ_KEY)).toBe(200);
    writeFileSync(file, JSON.stringify(withKeys([{ key: NEW_KEY, scopes: ["read"] }])));
    await reloads(1);
    expect(await status(READ_KEY)).toBe(401);
    expect(await status(NEW_KEY)).toBe(200);
  });

  it("keeps the running config when the new one is invalid, and reloads on SIGHUP", async () => {
    writeFileSync(file, '{"tenants": []}');
    await reloads(2);
    expect(output).toContain('"problems":["tenants: needs at least one tenant"]');
    expect(await status(NEW_KEY)).toBe(200);

    // SIGHUP to the gateway process (npm and tsx in between would take the signal themselves).
    const pid = Number(/"pid":(\d+),"configFile"/.exec(output)?.[1]);
    process.kill(pid, "SIGHUP");
    await reloads(3);
    expect(output).toMatch(/"why":"SIGHUP","problems":\["tenants: needs at least one tenant"\]/);

    writeFileSync(file, JSON.stringify(withKeys([{ key: READ_KEY, scopes: ["read"] }])));
    await reloads(4);
    expect(await status(READ_KEY)).toBe(200);
    expect(await status(NEW_KEY)).toBe(401);
  });
});
