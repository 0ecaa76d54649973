import { unwatchFile, watchFile } from "node:fs";
import { ConfigError, launchOptions, loadConfigFile } from "./config.js";
import { DEMO_API_KEY, type DemoUpstreams, startDemoUpstreams } from "./demo.js";
import { createLogger } from "./logger.js";
import { createGateway } from "./server.js";

/**
 * `npm start`: with `--config <file>` or GATEWAY_CONFIG, run against the configured upstreams;
 * with neither, run the demo (simulators in-process, a demo tenant and key).
 */
async function main(): Promise<void> {
  const options = launchOptions(process.argv.slice(2));
  const logger = createLogger(options.logLevel);
  let demo: DemoUpstreams | null = null;
  let config = options.configFile ? loadConfigFile(options.configFile) : null;
  if (!config) {
    demo = await startDemoUpstreams({ host: "127.0.0.1", port: options.demoPort });
    config = demo.config;
  }
  const gateway = createGateway(config, {
    logger,
    ...(demo ? { graphiql: { headers: { Authorization: `Bearer ${DEMO_API_KEY}` } } } : {}),
  });
  const url = await gateway.start();
  if (demo) {
    await demo.connectWebhooks(url);
    process.stdout.write(
      [
        "",
        "Field-service gateway, demo mode (simulated CleanItAll, CleanEstimate Pro, JobCloser, Check-in ARTISAN and CleverInvo)",
        `  GraphiQL:  ${url}/graphql`,
        `  API key:   ${DEMO_API_KEY}`,
        `  Try:       curl -s ${url}/graphql -H 'Authorization: Bearer ${DEMO_API_KEY}' -H 'Content-Type: application/json' -d '{"query":"{ jobs(first: 3) { nodes { title source customer { name } } } }"}'`,
        `  Live:      curl -N ${url}/graphql -H 'Authorization: Bearer ${DEMO_API_KEY}' -H 'Accept: text/event-stream' -H 'Content-Type: application/json' -d '{"query":"subscription { events { type source recordId } }"}'`,
        "",
      ].join("\n"),
    );
  }

  // Key rotation without a restart: SIGHUP, or any change of the config file, reloads it. A config
  // that does not parse is reported and the running one kept.
  const configFile = options.configFile;
  let reloading = Promise.resolve();
  const reloadConfig = (why: string) => {
    if (!configFile) return;
    reloading = reloading.then(async () => {
      try {
        const result = await gateway.reload(loadConfigFile(configFile));
        logger.info({ why, ...result }, "config reload applied");
      } catch (error) {
        const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
        logger.error({ why, problems }, "config reload refused; the running config stays");
      }
    });
  };
  if (configFile) {
    logger.info({ pid: process.pid, configFile }, "SIGHUP or a change of the config file reloads it");
    process.on("SIGHUP", () => reloadConfig("SIGHUP"));
    watchFile(configFile, { interval: 1_000 }, (current, previous) => {
      if (current.mtimeMs !== previous.mtimeMs) reloadConfig("config file changed");
    });
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    if (configFile) unwatchFile(configFile);
    await gateway.stop();
    await demo?.close();
    logger.info("gateway stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Gateway failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
