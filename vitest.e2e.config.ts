import { defineConfig } from 'vitest/config';

/** `npm run e2e`: the synthesized bundles on loopback (test/e2e/); not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
  },
});
