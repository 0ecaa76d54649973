import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTISAN_DEMO_TOKEN } from "../../sim/artisan/index.js";
import { CLEANESTIMATE_DEMO_KEY } from "../../sim/cleanestimate/index.js";
import { CLEANITALL_DEMO_KEY } from "../../sim/cleanitall/index.js";
import { CLEVERINVO_DEMO_KEY } from "../../sim/cleverinvo/index.js";
import { JOBCLOSER_OTHER_USER, JOBCLOSER_OTHER_ZAPIER_KEY } from "../../sim/jobcloser/index.js";
import { parseConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import {
  ALL_KEY,
  CLEANESTIMATE_WEBHOOK_SECRET,
  CLEANITALL_WEBHOOK_SECRET,
  type Harness,
  READ_KEY,
  startHarness,
} from "../support/harness.js";
import { captureLogs } from "../support/logs.js";
import { cleanItAllSignature, deliver } from "../support/subscriptions.js";

/**
 * No secret in logs or responses: a debug-level log of a session that touches every upstream (JobCloser's
 * sign-in carries its password in the query string), failing upstreams, rejected webhooks, bad keys,
 * a reload, and a log line that quotes a secret outright, is searched for every configured secret.
 */

const GLOBEX_KEY = "test_globex_secret_scan_key_01234";

let h: Harness;
const logs = captureLogs();
const answers: string[] = [];

beforeAll(async () => {
  h = await startHarness({
    webhookSecrets: true,
    logger: logs.logger,
    extraTenants: [
      {
        id: "globex",
        apiKeys: [{ key: GLOBEX_KEY, scopes: ["read", "write"] }],
        upstreams: {
          jobcloser: {
            baseUrl: "sim:jobcloser",
            email: JOBCLOSER_OTHER_USER.email,
            password: JOBCLOSER_OTHER_USER.password,
          },
        },
      },
    ],
  });
});
afterAll(async () => {
  await h.close();
});

async function record(response: Promise<Response>): Promise<void> {
  answers.push(await (await response).text());
}

const gql = (key: string, query: string) =>
  fetch(`${h.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });

describe("secrets never appear in logs or responses", () => {
  it("after a session of reads, failures, rejections and a reload", async () => {
    await record(gql(READ_KEY, "{ jobs(first: 5) { nodes { title customer { name } } } }"));
    await record(gql(GLOBEX_KEY, "{ jobs(first: 5, source: JOBCLOSER) { nodes { title } } }"));
    // Upstreams failing: their errors reach the client and the log.
    h.artisan.control.injectFault({ kind: "status", status: 500, route: "GET /api/v1/jobs" });
    h.cleverinvo.control.injectFault({ kind: "drop" });
    await record(gql(READ_KEY, "{ jobs(first: 5) { nodes { title } } }"));
    h.artisan.control.clearFaults();
    h.cleverinvo.control.clearFaults();
    // Wrong keys, and a key in the wrong place.
    await record(gql(`${READ_KEY}x`, "{ sources }"));
    await record(fetch(`${h.url}/graphql?query={sources}&apiKey=${READ_KEY}`));
    // A forged webhook, and one signed with the real secret.
    const body = JSON.stringify({
      id: "evt_s",
      event: "customer.deleted",
      created_at: "2026-03-01T12:30:00Z",
      data: { id: "cus_secretscan0000000000000" },
    });
    await record(
      fetch(`${h.url}/webhooks/acme/cleanitall`, {
        method: "POST",
        headers: { "x-webhook-signature": "sha256=00", "x-webhook-id": "whd_s1" },
        body,
      }),
    );
    answers.push(
      JSON.stringify(
        await deliver(h.url, "/webhooks/acme/cleanitall", body, {
          "x-webhook-signature": cleanItAllSignature(CLEANITALL_WEBHOOK_SECRET, body),
          "x-webhook-id": "whd_s2",
        }),
      ),
    );
    // A write the upstream refuses.
    await record(
      gql(
        ALL_KEY,
        'mutation { createCustomer(input: { source: CLEANITALL, name: "" }) { customer { id } } }',
      ),
    );
    // A reload (its result is logged).
    await h.gateway.reload(parseConfig(JSON.parse(JSON.stringify(h.config))));
    // Something logs a secret outright (an upstream error quoting its request URL): censored by value.
    const logger = createLogger("debug", logs.stream);
    logger.error(
      {
        err: new Error(
          `GET /api/account/signin?password=${encodeURIComponent(JOBCLOSER_OTHER_USER.password)} failed`,
        ),
      },
      `upstream said ${CLEANITALL_DEMO_KEY} is invalid`,
    );

    expect(logs.text().length).toBeGreaterThan(0);
    expect(answers.length).toBe(8);
    const secrets = [
      READ_KEY,
      ALL_KEY,
      GLOBEX_KEY,
      CLEANITALL_DEMO_KEY,
      CLEANESTIMATE_DEMO_KEY,
      ARTISAN_DEMO_TOKEN,
      CLEVERINVO_DEMO_KEY,
      JOBCLOSER_OTHER_USER.password,
      encodeURIComponent(JOBCLOSER_OTHER_USER.password),
      JOBCLOSER_OTHER_ZAPIER_KEY,
      CLEANITALL_WEBHOOK_SECRET,
      CLEANESTIMATE_WEBHOOK_SECRET,
    ];
    for (const secret of secrets) {
      expect(logs.text(), `log mentions ${secret.slice(0, 4)}…`).not.toContain(secret);
      for (const answer of answers) expect(answer).not.toContain(secret);
    }
    expect(logs.text()).toContain("upstream said [redacted] is invalid");
    // (Tenant acme's JobCloser password is the word "password": it is censored too.)
    expect(logs.text()).toContain(
      '"type":"Error","message":"GET /api/account/signin?[redacted]=[redacted] failed"',
    );
  });
});
