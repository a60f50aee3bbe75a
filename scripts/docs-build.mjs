#!/usr/bin/env node
// Builds the documentation site: the API reference of every public package from its TSDoc
// (typedoc + typedoc-plugin-markdown into docs/api, warnings are errors), then the VitePress
// site from docs/ (a dead link fails the build). Packages are discovered, so a new public
// package gets its reference without editing this file.
//
//   node scripts/docs-build.mjs [--api-only]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { publicPackages } from './check-package-metadata.mjs';

const root = new URL('..', import.meta.url).pathname;
const packages = publicPackages();

// Entry points: the source files behind each package's exports (`@tessera/source` condition).
const entryNames = new Set();
for (const { manifest } of packages) {
  for (const target of Object.values(manifest.exports ?? {})) {
    const source = typeof target === 'object' ? target['@tessera/source'] : undefined;
    if (typeof source === 'string') entryNames.add(basename(source, '.ts'));
  }
}
const names = [...entryNames].sort();
const options = {
  $schema: 'https://typedoc.org/schema.json',
  entryPointStrategy: 'packages',
  entryPoints: packages.map((p) => `packages/${p.dir}`),
  // A brace glob: each package documents the subpaths it has (index always, node where exported).
  packageOptions: { entryPoints: [names.length > 1 ? `src/@(${names.join('|')}).ts` : `src/${names[0]}.ts`], excludeInternal: true, excludePrivate: true },
  plugin: ['typedoc-plugin-markdown'],
  out: 'docs/api',
  readme: 'none',
  entryFileName: 'index.md',
  hidePageHeader: true,
  treatWarningsAsErrors: true,
  validation: { notExported: true, invalidLink: true, rewrittenLink: true },
};
const dir = mkdtempSync(join(tmpdir(), 'tessera-typedoc-'));
const optionsFile = join(dir, 'typedoc.json');
writeFileSync(optionsFile, JSON.stringify({ ...options, entryPoints: options.entryPoints.map((p) => join(root, p)), out: join(root, options.out) }, null, 2));

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    process.exit(r.status ?? 1);
  }
}
rmSync(join(root, 'docs', 'api'), { recursive: true, force: true });
console.log(`API reference of ${packages.length} packages (${options.packageOptions.entryPoints[0]})`);
run(join(root, 'node_modules', '.bin', 'typedoc'), ['--options', optionsFile]);
rmSync(dir, { recursive: true, force: true });
if (!process.argv.includes('--api-only')) run(join(root, 'node_modules', '.bin', 'vitepress'), ['build', 'docs']);
