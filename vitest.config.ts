import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@tessera/source'] },
  ssr: { resolve: { conditions: ['@tessera/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/*.test.ts', 'scripts/*.test.ts'],
    testTimeout: 60_000,
  },
});
