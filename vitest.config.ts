import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql@16 ships CJS (`main`) and ESM (`module`). Node loads the CJS build for Yoga and
    // Pothos; Vite would hand our own files the ESM one. Two copies break `instanceof GraphQLError`
    // (and so error masking), so tests use the one Node uses, as production does.
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
