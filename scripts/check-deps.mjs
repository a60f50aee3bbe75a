#!/usr/bin/env node
// Fails when a package imports outside the dependency graph of DESIGN.md, imports another
// package by relative path, or imports a @tessera package it does not declare in package.json.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The allowed @tessera dependencies of each package (DESIGN.md, "Packages and the dependency graph"). */
export const GRAPH = {
  'tensor-core': [],
  'backend-cpu': ['tensor-core'],
  'backend-webgpu': ['tensor-core'],
  autograd: ['tensor-core'],
  layers: ['tensor-core', 'autograd'],
  optim: ['tensor-core'],
  'data-augment': ['tensor-core'],
  metrics: ['tensor-core'],
  train: ['tensor-core', 'autograd', 'layers', 'optim', 'data-augment', 'metrics'],
  'transfer-learning': ['tensor-core', 'layers', 'autograd', 'optim'],
  conformance: ['tensor-core', 'autograd'],
  explain: ['tensor-core', 'autograd', 'layers'],
  robust: ['tensor-core', 'autograd', 'layers', 'train'],
  privacy: ['tensor-core', 'autograd', 'layers', 'optim'],
  datasets: ['tensor-core', 'data-augment'],
};
// Tests may use backends to run on, the conformance suite and autograd (for gradient checks);
// production code may not.
const TEST_ONLY = ['backend-cpu', 'backend-webgpu', 'conformance', 'autograd'];

const root = new URL('..', import.meta.url).pathname;
const problems = [];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

const importRe = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg);
  if (!existsSync(join(dir, 'package.json'))) continue;
  const allowed = GRAPH[pkg];
  if (!allowed) {
    problems.push(`packages/${pkg}: not in the dependency graph of DESIGN.md (add it to scripts/check-deps.mjs with its allowed dependencies)`);
    continue;
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.devDependencies }));
  for (const file of walk(join(dir, 'src'))) {
    const isTest = /\.test\.ts$|test-utils/.test(file);
    // Examples in TSDoc comments import other packages; only code counts.
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2];
      const where = relative(root, file);
      if (spec.startsWith('.')) {
        const target = join(file, '..', spec);
        if (!target.startsWith(dir + '/')) problems.push(`${where}: relative import '${spec}' leaves the package; import it by package name`);
        continue;
      }
      const scoped = /^@tessera\/([^/]+)/.exec(spec);
      if (!scoped) continue;
      const dep = scoped[1];
      if (dep === pkg) problems.push(`${where}: imports its own package '${spec}'`);
      else if (!allowed.includes(dep) && !(isTest && TEST_ONLY.includes(dep))) {
        problems.push(`${where}: @tessera/${pkg} may not depend on '${spec}' (allowed: ${allowed.join(', ') || 'nothing'})`);
      }
      if (!declared.has(`@tessera/${dep}`) && dep !== pkg) problems.push(`${where}: imports '${spec}' but packages/${pkg}/package.json does not declare it`);
    }
  }
}

if (problems.length > 0) {
  console.error(`dependency graph check failed (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('dependency graph check passed');
