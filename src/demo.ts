import { randomBytes } from "node:crypto";
import { ARTISAN_DEMO_TOKEN, type ArtisanSim, createArtisanSim } from "../sim/artisan/index.js";
import {
  CLEANESTIMATE_DEMO_KEY,
  EVENT_TYPES as CLEANESTIMATE_EVENT_TYPES,
  type CleanEstimateSim,
  createCleanEstimateSim,
} from "../sim/cleanestimate/index.js";
import {
  CLEANITALL_DEMO_ACCOUNT,
  CLEANITALL_DEMO_KEY,
  type CleanItAllSim,
  createCleanItAllSim,
} from "../sim/cleanitall/index.js";
import { CLEVERINVO_DEMO_KEY, type CleverInvoSim, createCleverInvoSim } from "../sim/cleverinvo/index.js";
import { createJobCloserSim, JOBCLOSER_DEMO_USER, type JobCloserSim } from "../sim/jobcloser/index.js";
import { type GatewayConfig, parseConfig } from "./config.js";

/**
 * Demo mode: the simulators run in-process with their seeded data, and one demo tenant reaches
 * them with a demo key. The simulators' rate limits are raised 100-fold so that exploring in
 * GraphiQL does not trip ARTISAN's 60 requests a minute; everything else behaves as the references say.
 * CleanItAll and CleanEstimate Pro send their webhooks to the gateway (`connectWebhooks`), so writes
 * made in GraphiQL come back as subscription events.
 */

export const DEMO_API_KEY = "demo_gateway_key_do_not_use_in_production";
export const DEMO_TENANT = "demo";

export interface DemoUpstreams {
  cleanitall: CleanItAllSim;
  artisan: ArtisanSim;
  cleverinvo: CleverInvoSim;
  cleanestimate: CleanEstimateSim;
  jobcloser: JobCloserSim;
  config: GatewayConfig;
  /** Points the simulators' webhooks at the gateway once it listens at `gatewayUrl`. */
  connectWebhooks(gatewayUrl: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDemoUpstreams(server: { host: string; port: number }): Promise<DemoUpstreams> {
  const cleanitall = createCleanItAllSim({ rateLimit: { limit: 100_000, windowMs: 3_600_000 } });
  const artisan = createArtisanSim({ rateLimit: { limit: 6_000, windowMs: 60_000 } });
  const cleverinvo = createCleverInvoSim({ rateLimit: { limit: 12_000, windowMs: 60_000 } });
  // Fresh secrets per run, known to both sides: the gateway's config and the simulators.
  const cleanitallSecret = randomBytes(32).toString("hex");
  const cleanestimateSecret = `whsec_${randomBytes(32).toString("base64")}`;
  const cleanestimate = createCleanEstimateSim({
    rateLimit: { limit: 12_000, windowMs: 60_000 },
    webhookSecrets: () => cleanestimateSecret,
  });
  const jobcloser = createJobCloserSim();
  const [cleanitallUrl, artisanUrl, cleverinvoUrl, cleanestimateUrl, jobcloserUrl] = await Promise.all([
    cleanitall.listen(0),
    artisan.listen(0),
    cleverinvo.listen(0),
    cleanestimate.listen(0),
    jobcloser.listen(0),
  ]);
  const config = parseConfig({
    server: { host: server.host, port: server.port, graphiql: true, introspection: true },
    tenants: [
      {
        id: DEMO_TENANT,
        apiKeys: [{ key: DEMO_API_KEY, scopes: ["read", "write", "delete"], name: "demo" }],
        upstreams: {
          cleanitall: {
            baseUrl: cleanitallUrl,
            apiKey: CLEANITALL_DEMO_KEY,
            webhookSecret: cleanitallSecret,
          },
          artisan: { baseUrl: artisanUrl, token: ARTISAN_DEMO_TOKEN },
          cleverinvo: { baseUrl: cleverinvoUrl, apiKey: CLEVERINVO_DEMO_KEY },
          cleanestimate: {
            baseUrl: cleanestimateUrl,
            apiKey: CLEANESTIMATE_DEMO_KEY,
            webhookSecret: cleanestimateSecret,
          },
          jobcloser: {
            baseUrl: jobcloserUrl,
            email: JOBCLOSER_DEMO_USER.email,
            password: JOBCLOSER_DEMO_USER.password,
          },
        },
      },
    ],
  });
  return {
    cleanitall,
    artisan,
    cleverinvo,
    cleanestimate,
    jobcloser,
    config,
    async connectWebhooks(gatewayUrl) {
      // CleanItAll: the dashboard setting. CleanEstimate Pro: a registration through its API.
      cleanitall.setWebhookEndpoint(CLEANITALL_DEMO_ACCOUNT.id, {
        url: `${gatewayUrl}/webhooks/${DEMO_TENANT}/cleanitall`,
        secret: cleanitallSecret,
      });
      const response = await fetch(`${cleanestimateUrl}/webhooks`, {
        method: "POST",
        headers: { authorization: `Bearer ${CLEANESTIMATE_DEMO_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "Gateway (demo)",
          url: `${gatewayUrl}/webhooks/${DEMO_TENANT}/cleanestimate`,
          events: CLEANESTIMATE_EVENT_TYPES,
        }),
      });
      if (response.status !== 201) {
        throw new Error(`demo: registering the CleanEstimate Pro webhook failed: ${await response.text()}`);
      }
    },
    close: async () => {
      await Promise.all([
        cleanitall.close(),
        artisan.close(),
        cleverinvo.close(),
        cleanestimate.close(),
        jobcloser.close(),
      ]);
    },
  };
}
