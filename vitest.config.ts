import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Timing assertions run against real sockets; keep files from starving each other on 2 cores.
    maxWorkers: 2,
    // Every skipped test is listed with its reason after the summary.
    reporters: ['default', './test/reporters/skip-reasons.ts'],
  },
});
