import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_API_KEY } from "../../src/demo.js";
import { sseSubscribe } from "../support/subscriptions.js";

/** `npm start` with no config: demo mode answers over HTTP, prints its URL and key, and stops on SIGTERM. */

let child: ChildProcess;
let url = "";
let output = "";

beforeAll(async () => {
  child = spawn("npm", ["start", "--silent"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...process.env, PORT: "0", LOG_LEVEL: "info", GATEWAY_CONFIG: "" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  // Wait for the banner: it names the GraphiQL URL once the server listens.
  url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /GraphiQL:\s+(http:\/\/\S+)\/graphql/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}, 60_000);

afterAll(async () => {
  // Whatever happened, leave no process group behind.
  if (child.exitCode === null && child.signalCode === null && child.pid) {
    process.kill(-child.pid, "SIGKILL");
    await once(child, "exit");
  }
});

describe("demo mode", () => {
  it("prints the GraphiQL URL and the demo key", () => {
    expect(output).toContain(`API key:   ${DEMO_API_KEY}`);
  });

  it("answers a query over both simulated upstreams with the demo key", async () => {
    const response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${DEMO_API_KEY}` },
      body: JSON.stringify({
        query:
          "{ sources customers(first: 0) { totalCount } cleanitall: jobs(first: 1, source: CLEANITALL) { nodes { source } } }",
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      data: {
        sources: ["CLEANITALL", "CLEANESTIMATE", "JOBCLOSER", "ARTISAN", "CLEVERINVO"],
        // CleanEstimate Pro lists cannot tell their size: the merged total is unknown.
        customers: { totalCount: null },
        cleanitall: { nodes: [{ source: "CLEANITALL" }] },
      },
    });
  });

  it("serves GraphiQL to a browser with the example query and the key pre-filled", async () => {
    const response = await fetch(`${url}/graphql`, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("query RecentJobs");
    expect(page).toContain(`Bearer ${DEMO_API_KEY}`);
  });

  it("sends the simulated upstreams' webhooks to the gateway: a write comes back as a live event", async () => {
    const events = await sseSubscribe(
      url,
      DEMO_API_KEY,
      "subscription { events(types: [CUSTOMER_CREATED], sources: [CLEANITALL]) { type detectedBy record { ... on Customer { name } } } }",
    );
    const created = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${DEMO_API_KEY}` },
      body: JSON.stringify({
        query:
          'mutation { createCustomer(input: { source: CLEANITALL, name: "Demo Live" }) { customer { id } } }',
      }),
    });
    expect(((await created.json()) as { errors?: unknown }).errors).toBeUndefined();
    expect(await events.next()).toEqual({
      data: { events: { type: "CUSTOMER_CREATED", detectedBy: "WEBHOOK", record: { name: "Demo Live" } } },
    });
    await events.close();
  });

  it("stops cleanly on SIGTERM", async () => {
    if (!child.pid) throw new Error("no child");
    // Signal the whole group, as a terminal or a supervisor does: npm, tsx and the gateway.
    process.kill(-child.pid, "SIGTERM");
    await once(child, "exit");
    await expect.poll(() => output, { timeout: 15_000 }).toContain('"msg":"gateway stopped"');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
