import { defineConfig } from 'vitest/config';

// The workspace packages from their TypeScript sources (the "openkassa-source" condition of their
// exports), not the compiled dist/.
const conditions = ['openkassa-source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['openkassa-source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    // Processes the tests start (`openkassa …`) run the compiled JavaScript when `npm test` has
    // just built it, and the sources otherwise (a file run on its own after an edit).
    env: { OPENKASSA_FROM_SOURCE: process.env.OPENKASSA_TEST_COMPILED === '1' ? '0' : '1' },
  },
});
