#!/usr/bin/env node
// Fails when a public package (packages/*/package.json without "private": true) lacks what a
// published npm package needs: license and LICENSE file, repository/homepage/bugs, engines,
// publishConfig, a README with a runnable `ts smoke` block (scripts/pack-test.mjs runs it from
// the tarball), `files` without build-only folders, and peer ranges that publish as real ranges.
// Packages are discovered, so a new package is held to the same rules the day it lands.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8');
const repositoryUrl = rootManifest.repository?.url;
const changesetConfig = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8'));

/** Folders that only build or test a package; a tarball must not carry them. */
const BUILD_ONLY = ['assembly', 'scripts', 'test', 'tests', 'fixtures', 'test-utils', 'benchmarks', 'examples'];
/** The smoke block of a README: a fenced block whose info string is `ts smoke` (or `ts smoke:vitest`). */
export const SMOKE_BLOCK = /```ts smoke(:vitest)?\n([\s\S]*?)```/;

/** Folders named `name` under `dir`, relative to the package. */
function findDirs(dir, name, rel = 'src') {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    if (entry.name === name) out.push(`${rel}/${entry.name}`);
    else out.push(...findDirs(join(dir, entry.name), name, `${rel}/${entry.name}`));
  }
  return out;
}

/** The non-test TypeScript files under `dir`. */
function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Public packages: every packages/<dir>/package.json that is not private. */
export function publicPackages() {
  const out = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const file = join(root, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (manifest.private === true) continue;
    out.push({ dir, path: join(root, 'packages', dir), manifest });
  }
  return out;
}

function check() {
  const problems = [];
  if (typeof repositoryUrl !== 'string') problems.push('package.json (root): "repository.url" is missing; packages copy it');
  const packages = publicPackages();
  for (const { dir, path, manifest: m } of packages) {
    const at = `packages/${dir}/package.json`;
    const bad = (message) => problems.push(`${at}: ${message}`);
    if (m.name !== `@tessera/${dir}`) bad(`"name" must be "@tessera/${dir}" (the folder name), got ${JSON.stringify(m.name)}`);
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(m.version ?? '')) bad(`"version" must be a semver version, got ${JSON.stringify(m.version)}`);
    if (typeof m.description !== 'string' || m.description.length < 10) bad('"description" is missing or too short');
    if (m.license !== rootManifest.license) bad(`"license" must be ${JSON.stringify(rootManifest.license)} (the root LICENSE), got ${JSON.stringify(m.license)}`);
    if (!existsSync(join(path, 'LICENSE'))) bad(`packages/${dir}/LICENSE is missing (copy the root LICENSE: npm packs only the package folder)`);
    else if (readFileSync(join(path, 'LICENSE'), 'utf8') !== rootLicense) bad(`packages/${dir}/LICENSE differs from the root LICENSE`);
    if (m.repository?.url !== repositoryUrl || m.repository?.directory !== `packages/${dir}`) {
      bad(`"repository" must be { "type": "git", "url": ${JSON.stringify(repositoryUrl)}, "directory": "packages/${dir}" }`);
    }
    if (typeof m.homepage !== 'string' || !m.homepage.startsWith('https://')) bad('"homepage" must be an https URL');
    if (typeof m.bugs?.url !== 'string') bad('"bugs.url" is missing');
    if (m.engines?.node !== rootManifest.engines.node) bad(`"engines.node" must be ${JSON.stringify(rootManifest.engines.node)}`);
    if (m.publishConfig?.access !== 'public') bad('"publishConfig.access" must be "public" (scoped packages publish as restricted otherwise)');
    if (m.type !== 'module') bad('"type" must be "module"');
    if (m.sideEffects !== false) bad('"sideEffects" must be false (nothing registers on import)');
    if (!/publint/.test(m.scripts?.lint ?? '')) bad('"scripts.lint" must run publint');

    const mainExport = m.exports?.['.'];
    if (typeof mainExport !== 'object' || Object.keys(mainExport)[0] !== '@tessera/source' || !mainExport.types || !mainExport.default) {
      bad('"exports"["."] must list "@tessera/source", "types" and "default", in that order');
    }

    const files = m.files;
    if (!Array.isArray(files) || !files.includes('dist')) bad('"files" must list "dist"');
    else {
      for (const entry of files) {
        const top = entry.replace(/^\.\//, '').split('/')[0];
        if (!entry.startsWith('!') && BUILD_ONLY.includes(top)) bad(`"files" ships the build-only folder "${entry}"`);
      }
      if (files.includes('src') && !files.includes('!src/**/*.test.ts')) bad('"files" ships "src" but not "!src/**/*.test.ts"');
      const helpers = findDirs(join(path, 'src'), 'test-utils');
      if (files.includes('src') && helpers.length > 0 && !files.some((f) => /^!src\/(\*\*\/)?test-utils$/.test(f))) {
        bad(`"files" ships test helpers (${helpers.join(', ')}): add "!src/**/test-utils"`);
      }
    }

    const peers = m.peerDependencies ?? {};
    const devs = m.devDependencies ?? {};
    for (const [name, range] of Object.entries(peers)) {
      if (name.startsWith('@tessera/')) {
        // Before 1.0 every minor release is breaking, so changesets would bump each package with a
        // `^0.y` peer to 1.0.0 on the next minor (tested by scripts/pack-test.mjs). `workspace:0.x`
        // publishes as `0.x` and stays in range; at 1.0, `workspace:^` (published as `^1.y.z`).
        const wanted = /^0\./.test(m.version) ? 'workspace:0.x' : 'workspace:^';
        if (range !== wanted) bad(`peer "${name}": "${range}" must be "${wanted}" (all @tessera packages are versioned together)`);
      } else if (!/^[\^~>]/.test(range) || /^\d/.test(range)) {
        bad(`peer "${name}": "${range}" must be a range such as "^1.2.0", not an exact version or a tag`);
      }
      if (!(name in devs) && !m.peerDependenciesMeta?.[name]?.optional) bad(`peer "${name}" must also be a devDependency (peers are not installed in the workspace)`);
    }
    for (const [name, range] of Object.entries(m.dependencies ?? {})) {
      if (name === '@tessera/tensor-core') bad('"@tessera/tensor-core" must be a peerDependency: two copies would mean two engines');
      if (String(range).startsWith('workspace:') && range !== 'workspace:^' && range !== 'workspace:0.x') bad(`dependency "${name}": "${range}" must be "workspace:^" or "workspace:0.x"`);
    }

    // TypeScript drops `/// <reference types>` from emitted .d.ts files without preserve="true",
    // and a consumer then misses the globals (backend-webgpu's GPUBuffer, ...).
    for (const file of sourceFiles(join(path, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\/\/\/\s*<reference\s+types=[^>]*>/gm)) {
        if (!/preserve="true"/.test(m[0])) bad(`${file.slice(path.length + 1)}: ${m[0]} needs preserve="true" to reach the published .d.ts`);
      }
    }

    const readme = join(path, 'README.md');
    if (!existsSync(readme)) bad(`packages/${dir}/README.md is missing`);
    else {
      // typedoc (pnpm docs:build) copies the files a README links to, and fails on a folder.
      for (const m of readFileSync(readme, 'utf8').matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/i.test(target)) continue;
        const resolved = join(path, target);
        if (existsSync(resolved) && statSync(resolved).isDirectory()) {
          bad(`packages/${dir}/README.md links to the folder '${target}': link to ${repositoryUrl.replace(/^git\+/, '').replace(/\.git$/, '')}/tree/main/${relative(root, resolved)} instead (typedoc copies only files)`);
        }
      }
      if (!SMOKE_BLOCK.test(readFileSync(readme, 'utf8'))) {
        bad(`packages/${dir}/README.md has no \`\`\`ts smoke block (a short program scripts/pack-test.mjs runs against the packed tarball)`);
      }
    }
    if ((changesetConfig.ignore ?? []).includes(m.name)) bad(`.changeset/config.json ignores this public package`);
  }
  if (problems.length > 0) {
    console.error(`package metadata check failed (${problems.length}):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`package metadata check passed (${packages.length} public packages)`);
}

if (import.meta.url === `file://${process.argv[1]}`) check();
