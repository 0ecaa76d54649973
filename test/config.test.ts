// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` in plain strings is the config syntax under test.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  ConfigError,
  formatPath,
  type GatewayConfig,
  interpolateEnv,
  launchOptions,
  loadConfigFile,
  parseConfig,
} from "../src/config.js";

const ACME_KEY = "acme_gateway_key_0123456789abcdef";
const OTHER_KEY = "other_gateway_key_0123456789abcd";

/** The DESIGN.md example, all five upstreams, with `${ACME_KEY}` left for interpolation. */
function designExample(): Record<string, unknown> {
  return {
    server: { host: "127.0.0.1", port: 4000, graphiql: true, introspection: true },
    redis: { url: "redis://127.0.0.1:6379" },
    tenants: [
      {
        id: "acme",
        apiKeys: [{ key: "${ACME_KEY}", scopes: ["read", "write", "delete"] }],
        upstreams: {
          cleanitall: {
            baseUrl: "https://app.cleanitall.io/api/v1",
            apiKey: "jt_live_...",
            webhookSecret: "...",
          },
          cleanestimate: {
            baseUrl: "https://app.cleanestimate.pro/api/v1",
            apiKey: "ce_live_...",
            webhookSecret: "whsec_...",
          },
          jobcloser: { baseUrl: "https://jobcloser.com/api", email: "...", password: "..." },
          artisan: { baseUrl: "https://checkinartisan.app/api/v1", token: "..." },
          cleverinvo: { baseUrl: "https://cleverinvo.com/api/v1", apiKey: "cinv_..." },
        },
      },
    ],
  };
}

/** A minimal valid tenant; `overrides` replace its top-level keys. */
function tenant(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "acme",
    apiKeys: [{ key: ACME_KEY, scopes: ["read"] }],
    upstreams: { artisan: { baseUrl: "https://checkinartisan.app/api/v1", token: "artisan-token" } },
    ...overrides,
  };
}

/** The problems `parseConfig` reports (fails the test when it accepts the config). */
function problemsOf(raw: unknown, env: Record<string, string | undefined> = {}): string[] {
  try {
    parseConfig(raw, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig: the DESIGN.md example", () => {
  it("parses with every default filled in and ${ACME_KEY} interpolated", () => {
    const config = parseConfig(designExample(), { ACME_KEY });
    const expected: GatewayConfig = {
      server: {
        host: "127.0.0.1",
        port: 4000,
        graphiql: true,
        introspection: true,
        compiledQueries: true,
        signedUrlTtlMs: 900_000,
        shutdownGraceMs: 10_000,
        corsOrigins: [],
      },
      redis: { url: "redis://127.0.0.1:6379", keyPrefix: "fsg:" },
      cache: {
        ttlMs: 5_000,
        profileTtlMs: 600_000,
        maxEntries: 10_000,
        maxAnswers: 1_000,
        parsedBodyBytes: 33_554_432,
      },
      http: {
        timeoutMs: 10_000,
        retries: 2,
        connections: 16,
        deadlineMs: 25_000,
        rateBudgets: true,
        breaker: { enabled: true, threshold: 5, cooldownMs: 10_000 },
      },
      idempotency: { ttlMs: 86_400_000, pendingTtlMs: 120_000 },
      events: {
        webhookMaxBodyBytes: 1_048_576,
        webhookToleranceSeconds: 300,
        dedupeTtlMs: 86_400_000,
        polling: {
          jobcloser: { requestsPerMinute: 30, minIntervalMs: 15_000, maxIntervalMs: 300_000 },
          artisan: { requestsPerMinute: 12, minIntervalMs: 15_000, maxIntervalMs: 300_000 },
          cleverinvo: { requestsPerMinute: 24, minIntervalMs: 15_000, maxIntervalMs: 300_000 },
        },
      },
      rateLimit: { requestsPerMinute: 600, burst: 60 },
      limits: {
        defaultPageSize: 25,
        maxPageSize: 100,
        maxBodyBytes: 15_728_640,
        maxBatchSize: 10,
        maxDepth: 15,
        maxAliases: 30,
        maxDirectives: 50,
        maxTokens: 10_000,
        maxQueryLength: 100_000,
        maxCost: 50_000,
      },
      tenants: [
        {
          id: "acme",
          apiKeys: [{ key: ACME_KEY, scopes: ["read", "write", "delete"] }],
          upstreams: {
            cleanitall: {
              baseUrl: "https://app.cleanitall.io/api/v1",
              apiKey: "jt_live_...",
              webhookSecret: "...",
              currency: "USD",
            },
            cleanestimate: {
              baseUrl: "https://app.cleanestimate.pro/api/v1",
              apiKey: "ce_live_...",
              webhookSecret: "whsec_...",
            },
            jobcloser: {
              baseUrl: "https://jobcloser.com/api",
              email: "...",
              password: "...",
              currency: "USD",
              listCacheTtlMs: 60_000,
            },
            artisan: { baseUrl: "https://checkinartisan.app/api/v1", token: "..." },
            cleverinvo: { baseUrl: "https://cleverinvo.com/api/v1", apiKey: "cinv_..." },
          },
        },
      ],
    };
    expect(config).toEqual(expected);
  });

  it("fills server, cache, http and limits defaults when only tenants are given; redis stays absent", () => {
    const config = parseConfig({ tenants: [tenant()] });
    expect(config.server).toEqual({
      host: "127.0.0.1",
      port: 4000,
      graphiql: true,
      introspection: true,
      compiledQueries: true,
      signedUrlTtlMs: 900_000,
      shutdownGraceMs: 10_000,
      corsOrigins: [],
    });
    expect(config.cache).toEqual({
      ttlMs: 5_000,
      profileTtlMs: 600_000,
      maxEntries: 10_000,
      maxAnswers: 1_000,
      parsedBodyBytes: 33_554_432,
    });
    expect(config.http).toMatchObject({ timeoutMs: 10_000, retries: 2, connections: 16, deadlineMs: 25_000 });
    expect(config.limits).toMatchObject({
      defaultPageSize: 25,
      maxPageSize: 100,
      maxDepth: 15,
      maxCost: 50_000,
    });
    expect(config.redis).toBeUndefined();
    expect("redis" in config).toBe(false);
  });

  it("keeps given values over defaults and strips trailing slashes from base URLs", () => {
    const config = parseConfig({
      server: { port: 0, graphiql: false },
      cache: { ttlMs: 0 },
      http: { retries: 0, timeoutMs: 250 },
      tenants: [
        tenant({
          upstreams: {
            artisan: { baseUrl: "http://127.0.0.1:9999/api/v1///", token: "t", timeoutMs: 500 },
            jobcloser: { baseUrl: "https://jobcloser.com/api/", zapierKey: "zap" },
          },
        }),
      ],
    });
    expect(config.server).toEqual({
      host: "127.0.0.1",
      port: 0,
      graphiql: false,
      introspection: true,
      compiledQueries: true,
      signedUrlTtlMs: 900_000,
      shutdownGraceMs: 10_000,
      corsOrigins: [],
    });
    expect(config.cache).toEqual({
      ttlMs: 0,
      profileTtlMs: 600_000,
      maxEntries: 10_000,
      maxAnswers: 1_000,
      parsedBodyBytes: 33_554_432,
    });
    expect(config.http).toMatchObject({ timeoutMs: 250, retries: 0, connections: 16 });
    expect(config.tenants[0]?.upstreams).toEqual({
      artisan: { baseUrl: "http://127.0.0.1:9999/api/v1", token: "t", timeoutMs: 500 },
      jobcloser: {
        baseUrl: "https://jobcloser.com/api",
        zapierKey: "zap",
        currency: "USD",
        listCacheTtlMs: 60_000,
      },
    });
  });
});

describe("${VAR} interpolation", () => {
  it("replaces variables anywhere in any string, several per string, at every depth", () => {
    const env = { HOST: "10.0.0.5", PORT_PART: "8080", TOKEN: "tok-123", PREFIX: "api", ACME_KEY };
    const config = parseConfig(
      {
        server: { host: "${HOST}" },
        tenants: [
          tenant({
            apiKeys: [{ key: "${ACME_KEY}", scopes: ["read"], name: "key for ${HOST}" }],
            upstreams: {
              artisan: { baseUrl: "http://${HOST}:${PORT_PART}/${PREFIX}/v1", token: "Bearer-${TOKEN}-x" },
            },
          }),
        ],
      },
      env,
    );
    expect(config.server.host).toBe("10.0.0.5");
    expect(config.tenants[0]?.apiKeys).toEqual([
      { key: ACME_KEY, scopes: ["read"], name: "key for 10.0.0.5" },
    ]);
    expect(config.tenants[0]?.upstreams.artisan).toEqual({
      baseUrl: "http://10.0.0.5:8080/api/v1",
      token: "Bearer-tok-123-x",
    });
  });

  it("does not re-expand a value that itself contains ${...}, and leaves non-strings and keys alone", () => {
    expect(
      interpolateEnv(
        { a: "${A}", n: 5, b: true, z: null, "${A}": "k", list: ["${A}", 1] },
        { A: "${B}", B: "no" },
      ),
    ).toEqual({ a: "${B}", n: 5, b: true, z: null, "${A}": "k", list: ["${B}", 1] });
  });

  it("only replaces well-formed ${NAME}: $NAME, ${} and ${1X} stay as they are", () => {
    expect(interpolateEnv("$A ${} ${1X} ${A}", { A: "x" })).toBe("$A ${} ${1X} x");
  });

  it("replaces with an empty string when the variable is set but empty", () => {
    expect(interpolateEnv({ s: "a${E}b" }, { E: "" })).toEqual({ s: "ab" });
  });

  it("a missing variable is an error naming the variable and the path", () => {
    expect(problemsOf(designExample(), {})).toEqual([
      "tenants[0].apiKeys[0].key: environment variable ACME_KEY is not set",
    ]);
  });

  it("reports every missing variable at once, each with its path", () => {
    const raw = {
      server: { host: "${HOST}" },
      tenants: [tenant({ upstreams: { artisan: { baseUrl: "https://${DOMAIN}/api", token: "${TOKEN}" } } })],
    };
    expect(problemsOf(raw, { DOMAIN: "example.com" })).toEqual([
      "server.host: environment variable HOST is not set",
      "tenants[0].upstreams.artisan.token: environment variable TOKEN is not set",
    ]);
  });

  it("names (root) for a bare string", () => {
    let caught: unknown;
    try {
      interpolateEnv("${NOPE}", {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual(["(root): environment variable NOPE is not set"]);
    expect((caught as ConfigError).message).toBe(
      "Invalid gateway config:\n  - (root): environment variable NOPE is not set",
    );
  });
});

describe("parseConfig: errors name the path", () => {
  it("formatPath renders indices and keys", () => {
    expect(formatPath(["tenants", 0, "upstreams", "artisan", "baseUrl"])).toBe(
      "tenants[0].upstreams.artisan.baseUrl",
    );
    expect(formatPath([0, "a"])).toBe("[0].a");
    expect(formatPath([])).toBe("");
  });

  it("unknown keys at the root, in server, in a tenant, in upstreams, in an upstream and in an API key", () => {
    const raw = {
      bogus: 1,
      server: { host: "127.0.0.1", prt: 4000 },
      tenants: [
        tenant({
          extra: true,
          apiKeys: [{ key: ACME_KEY, scopes: ["read"], scope: "write" }],
          upstreams: {
            artisan: { baseUrl: "https://checkinartisan.app/api/v1", token: "t", tokn: "t" },
            servicetitan: { baseUrl: "https://x.example" },
          },
        }),
      ],
    };
    expect(problemsOf(raw).sort()).toEqual(
      [
        '(root): Unrecognized key: "bogus"',
        'server: Unrecognized key: "prt"',
        'tenants[0]: Unrecognized key: "extra"',
        'tenants[0].apiKeys[0]: Unrecognized key: "scope"',
        'tenants[0].upstreams: Unrecognized key: "servicetitan"',
        'tenants[0].upstreams.artisan: Unrecognized key: "tokn"',
      ].sort(),
    );
  });

  it("a bad base URL names its path", () => {
    for (const baseUrl of ["not a url", "ftp://files.example.com", "", "//no-scheme.example"]) {
      expect(
        problemsOf({ tenants: [tenant({ upstreams: { artisan: { baseUrl, token: "t" } } })] }),
        baseUrl,
      ).toEqual(["tenants[0].upstreams.artisan.baseUrl: must be an http(s) URL"]);
    }
  });

  it("a bad scope names the scope's path", () => {
    expect(
      problemsOf({ tenants: [tenant({ apiKeys: [{ key: ACME_KEY, scopes: ["read", "admin"] }] })] }),
    ).toEqual(['tenants[0].apiKeys[0].scopes[1]: Invalid option: expected one of "read"|"write"|"delete"']);
  });

  it("an API key without scopes is rejected", () => {
    expect(problemsOf({ tenants: [tenant({ apiKeys: [{ key: ACME_KEY, scopes: [] }] })] })).toEqual([
      "tenants[0].apiKeys[0].scopes: needs at least one scope",
    ]);
  });

  it("empty apiKeys, empty upstreams and empty tenants are rejected", () => {
    expect(problemsOf({ tenants: [tenant({ apiKeys: [], upstreams: {} })] })).toEqual([
      "tenants[0].apiKeys: needs at least one API key",
      "tenants[0].upstreams: needs at least one upstream",
    ]);
    expect(problemsOf({ tenants: [] })).toEqual(["tenants: needs at least one tenant"]);
    expect(problemsOf({})).toEqual(["tenants: Invalid input: expected array, received undefined"]);
  });

  it("jobcloser needs email and password, or zapierKey", () => {
    const jobcloser = (credentials: Record<string, string>) =>
      problemsOf({
        tenants: [
          tenant({ upstreams: { jobcloser: { baseUrl: "https://jobcloser.com/api", ...credentials } } }),
        ],
      });
    const message = "tenants[0].upstreams.jobcloser: needs either email and password, or zapierKey";
    expect(jobcloser({})).toEqual([message]);
    expect(jobcloser({ email: "ops@acme.test" })).toEqual([message]);
    expect(jobcloser({ password: "hunter2" })).toEqual([message]);
    for (const ok of [{ email: "ops@acme.test", password: "hunter2" }, { zapierKey: "zap_123" }]) {
      const config = parseConfig({
        tenants: [tenant({ upstreams: { jobcloser: { baseUrl: "https://jobcloser.com/api", ...ok } } })],
      });
      expect(config.tenants[0]?.upstreams.jobcloser).toEqual({
        baseUrl: "https://jobcloser.com/api",
        currency: "USD",
        listCacheTtlMs: 60_000,
        ...ok,
      });
    }
  });

  it("empty credentials are rejected with their path", () => {
    expect(
      problemsOf({
        tenants: [tenant({ upstreams: { artisan: { baseUrl: "https://a.example", token: "" } } })],
      }),
    ).toEqual(["tenants[0].upstreams.artisan.token: must not be empty"]);
  });

  it("duplicate tenant ids name the second tenant", () => {
    const problems = problemsOf({
      tenants: [tenant(), tenant({ apiKeys: [{ key: OTHER_KEY, scopes: ["read"] }] })],
    });
    expect(problems).toEqual(['tenants[1].id: duplicate tenant id "acme"']);
  });

  it("duplicate API keys (within and across tenants) are rejected without echoing the key", () => {
    const problems = problemsOf({
      tenants: [
        tenant({
          apiKeys: [
            { key: ACME_KEY, scopes: ["read"] },
            { key: ACME_KEY, scopes: ["write"] },
          ],
        }),
        tenant({ id: "other", apiKeys: [{ key: ACME_KEY, scopes: ["read"] }] }),
      ],
    });
    expect(problems).toEqual([
      "tenants[0].apiKeys[1].key: duplicate API key",
      "tenants[1].apiKeys[0].key: duplicate API key",
    ]);
    let caught: unknown;
    try {
      parseConfig({ tenants: [tenant(), tenant({ id: "other" })] });
    } catch (error) {
      caught = error;
    }
    expect((caught as ConfigError).message).toBe(
      "Invalid gateway config:\n  - tenants[1].apiKeys[0].key: duplicate API key",
    );
    expect((caught as ConfigError).message).not.toContain(ACME_KEY);
  });

  it("a short API key is rejected (and not echoed)", () => {
    const problems = problemsOf({
      tenants: [tenant({ apiKeys: [{ key: "short-key-123", scopes: ["read"] }] })],
    });
    expect(problems).toEqual(["tenants[0].apiKeys[0].key: must be at least 16 characters"]);
    expect(problems.join("\n")).not.toContain("short-key-123");
  });

  it("bad tenant ids, ports, timeouts and limits name their paths", () => {
    const problems = problemsOf({
      server: { port: 70_000 },
      http: { timeoutMs: 0, retries: 9 },
      limits: { maxPageSize: 5000 },
      redis: { url: "http://127.0.0.1:6379" },
      tenants: [tenant({ id: "Acme Corp" })],
    });
    expect(problems.sort()).toEqual(
      [
        "server.port: Too big: expected number to be <=65535",
        "http.timeoutMs: Too small: expected number to be >0",
        "http.retries: Too big: expected number to be <=5",
        "limits.maxPageSize: Too big: expected number to be <=1000",
        "redis.url: Invalid URL",
        "tenants[0].id: must be lowercase letters, digits, - or _ (max 63)",
      ].sort(),
    );
  });

  it("defaultPageSize above maxPageSize is rejected", () => {
    expect(problemsOf({ limits: { defaultPageSize: 50, maxPageSize: 20 }, tenants: [tenant()] })).toEqual([
      "limits: defaultPageSize must not exceed maxPageSize",
    ]);
  });

  it("reports several problems at once, across tenants", () => {
    const problems = problemsOf({
      tenants: [
        tenant({ upstreams: { artisan: { baseUrl: "nope", token: "t" } } }),
        tenant({
          apiKeys: [{ key: OTHER_KEY, scopes: ["root"] }],
          upstreams: { cleverinvo: { baseUrl: "https://cleverinvo.com/api/v1" } },
        }),
      ],
    });
    expect(problems).toEqual([
      "tenants[0].upstreams.artisan.baseUrl: must be an http(s) URL",
      'tenants[1].apiKeys[0].scopes[0]: Invalid option: expected one of "read"|"write"|"delete"',
      "tenants[1].upstreams.cleverinvo.apiKey: Invalid input: expected string, received undefined",
      'tenants[1].id: duplicate tenant id "acme"',
    ]);
  });

  it("duplicates are still found among malformed tenants, which are reported too", () => {
    expect(
      problemsOf({
        tenants: [null, tenant({ apiKeys: "x" }), tenant({ apiKeys: [null, { key: ACME_KEY }] }), tenant()],
      }),
    ).toEqual([
      "tenants[0]: Invalid input: expected object, received null",
      "tenants[1].apiKeys: Invalid input: expected array, received string",
      "tenants[2].apiKeys[0]: Invalid input: expected object, received null",
      "tenants[2].apiKeys[1].scopes: Invalid input: expected array, received undefined",
      'tenants[2].id: duplicate tenant id "acme"',
      'tenants[3].id: duplicate tenant id "acme"',
      "tenants[3].apiKeys[0].key: duplicate API key",
    ]);
  });

  it("a non-object config is one clear problem", () => {
    expect(problemsOf(null)).toEqual(["(root): Invalid input: expected object, received null"]);
    expect(problemsOf([])).toEqual(["(root): Invalid input: expected object, received array"]);
  });

  it("upstream secrets never appear in validation problems", () => {
    const problems = problemsOf({
      tenants: [
        tenant({
          upstreams: {
            cleanitall: {
              baseUrl: "ftp://x",
              apiKey: "jt_live_supersecret",
              webhookSecret: "whsec_topsecret",
            },
            jobcloser: { baseUrl: "https://jobcloser.com/api", password: "p4ssw0rd-secret" },
          },
        }),
      ],
    });
    expect(problems).toEqual([
      "tenants[0].upstreams.cleanitall.baseUrl: must be an http(s) URL",
      "tenants[0].upstreams.jobcloser: needs either email and password, or zapierKey",
    ]);
    for (const secret of ["jt_live_supersecret", "whsec_topsecret", "p4ssw0rd-secret"]) {
      expect(problems.join("\n")).not.toContain(secret);
    }
  });
});

describe("loadConfigFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "gateway-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const failure = (run: () => unknown): ConfigError => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error("expected a ConfigError");
  };

  it("reads, interpolates and validates a file", () => {
    const file = write("ok.json", JSON.stringify(designExample(), null, 2));
    const config = loadConfigFile(file, { ACME_KEY });
    expect(config.tenants[0]?.apiKeys[0]?.key).toBe(ACME_KEY);
    expect(Object.keys(config.tenants[0]?.upstreams ?? {})).toEqual([
      "cleanitall",
      "cleanestimate",
      "jobcloser",
      "artisan",
      "cleverinvo",
    ]);
  });

  it("a missing file is a ConfigError naming the file", () => {
    const file = join(dir, "missing.json");
    const error = failure(() => loadConfigFile(file, {}));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(
      new RegExp(`^cannot read config file ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: ENOENT`),
    );
  });

  it("invalid JSON is a ConfigError naming the file", () => {
    const file = write("broken.json", '{ "tenants": [ }');
    const error = failure(() => loadConfigFile(file, {}));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.startsWith(`config file ${file} is not valid JSON: `)).toBe(true);
  });

  it("validation problems of a file name their paths", () => {
    const file = write("bad.json", JSON.stringify({ tenants: [tenant({ id: "acme", apiKeys: [] })] }));
    expect(failure(() => loadConfigFile(file, {})).problems).toEqual([
      "tenants[0].apiKeys: needs at least one API key",
    ]);
  });

  it("a missing variable in a file names the variable and path", () => {
    const file = write("env.json", JSON.stringify(designExample()));
    expect(failure(() => loadConfigFile(file, {})).problems).toEqual([
      "tenants[0].apiKeys[0].key: environment variable ACME_KEY is not set",
    ]);
  });
});

describe("launchOptions", () => {
  it("demo mode when neither --config nor GATEWAY_CONFIG is given", () => {
    expect(launchOptions([], {})).toEqual({ configFile: null, logLevel: "info", demoPort: 4000 });
    expect(launchOptions([], { GATEWAY_CONFIG: "" })).toEqual({
      configFile: null,
      logLevel: "info",
      demoPort: 4000,
    });
  });

  it("--config <file> (and --config=<file>) wins over GATEWAY_CONFIG", () => {
    expect(launchOptions(["--config", "/etc/gw.json"], { GATEWAY_CONFIG: "/other.json" }).configFile).toBe(
      "/etc/gw.json",
    );
    expect(launchOptions(["--verbose", "--config=/etc/gw.json"], {}).configFile).toBe("/etc/gw.json");
  });

  it("GATEWAY_CONFIG when there is no flag", () => {
    expect(launchOptions(["--other"], { GATEWAY_CONFIG: "/srv/gw.json" }).configFile).toBe("/srv/gw.json");
  });

  it("--config without a path is an error", () => {
    for (const argv of [["--config"], ["--config="], ["--config", "--verbose"]]) {
      expect(() => launchOptions(argv, {}), argv.join(" ")).toThrow(
        new ConfigError(["--config needs a file path"]),
      );
    }
  });

  it("PORT and LOG_LEVEL", () => {
    expect(launchOptions([], { PORT: "8080", LOG_LEVEL: "debug" })).toEqual({
      configFile: null,
      logLevel: "debug",
      demoPort: 8080,
    });
    expect(launchOptions([], { PORT: "0" }).demoPort).toBe(0);
    expect(launchOptions([], { PORT: "65535" }).demoPort).toBe(65_535);
  });

  it("a bad PORT is an error quoting it", () => {
    for (const port of ["", "abc", "-1", "65536", "80.5", "0x50", "1e3", " 80"]) {
      let caught: unknown;
      try {
        launchOptions([], { PORT: port });
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(port)).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).problems).toEqual([
        `PORT must be a port number (0-65535); got "${port}"`,
      ]);
    }
  });
});
