import { defaultClientConditions, defineConfig } from 'vite';

// The workspace packages' TypeScript sources (the `@tessera/source` export condition), so the
// playground runs without building the packages first.
export default defineConfig({
  resolve: { conditions: ['@tessera/source', ...defaultClientConditions] },
  build: { target: 'es2022' },
});
