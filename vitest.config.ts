import { defineConfig } from 'vitest/config';

// Two projects, one run: `npm test` runs both. A third, the drills, exists only
// with DRILLS=1 (`npm run test:drills`). Unit tests need nothing but
// Node; integration tests run real Prometheus, promtool, Alertmanager, amtool,
// kustomize and docker-compose binaries, which the global setup obtains once.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Integration tests start real Prometheus binaries and services on loopback.
          testTimeout: 60_000,
          hookTimeout: 180_000,
          globalSetup: ['test/global-setup.ts'],
        },
      },
      // On-call drills: the demo stack soaked for minutes, then a fault. Long (about 20 minutes),
      // so only when asked: `npm run test:drills` sets DRILLS=1 (CI runs it after `npm test`).
      ...(process.env.DRILLS === '1'
        ? [{ test: { name: 'drills', include: ['test/drills/**/*.drill.test.ts'], testTimeout: 40 * 60_000, hookTimeout: 180_000, globalSetup: ['test/global-setup.ts'] } }]
        : []),
    ],
  },
});
