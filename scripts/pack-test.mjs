#!/usr/bin/env node
// The release path, tested as a user meets it: `changeset version` and `pnpm pack` (the manifest
// rewriting of `pnpm publish -r`) in a copy of the workspace, then the tarballs installed with npm
// into a throwaway project outside the workspace, each package's README `ts smoke` block compiled
// with `skipLibCheck: false` under moduleResolution node16 and bundler, and run.
//
//   node scripts/pack-test.mjs [--skip-build] [--keep]
//
// Public packages are discovered (packages/*/package.json without "private": true), so a new
// package is packed and smoke-tested without editing this file. Third-party packages come from
// the npm registry only (npm's cache is used first); nothing else is downloaded.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMOKE_BLOCK, publicPackages } from './check-package-metadata.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = new Set(process.argv.slice(2));
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** Tools the consumer project installs beside the tarballs: the versions the workspace pins. */
const CONSUMER_TOOLS = {
  typescript: rootManifest.devDependencies.typescript,
  '@types/node': rootManifest.devDependencies['@types/node'],
};
/** Paths a tarball must not carry (build-only folders, tests, fixtures). */
const FORBIDDEN = /^package\/(assembly|scripts|tests?|benchmarks|examples)\/|\.test\.[cm]?[jt]s$|\/(fixtures|test-utils)\/.*\.test|\/test-utils\//;

// backend-webgpu's smoke block runs Dawn on SwiftShader's Vulkan driver where Debian's Chromium ships it.
const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(swiftShader)) process.env.VK_ICD_FILENAMES = swiftShader;

const started = Date.now();
const timings = [];
function step(name, fn) {
  const t = Date.now();
  console.log(`\n--- ${name}`);
  const result = fn();
  timings.push([name, (Date.now() - t) / 1000]);
  return result;
}
function run(cmd, argv, options = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (exit ${r.status ?? r.signal}) in ${options.cwd ?? root}`);
}
const problems = [];

const packages = publicPackages();
if (packages.length === 0) throw new Error('no public package found under packages/');
const stage = mkdtempSync(join(tmpdir(), 'tessera-release-'));
console.log(`pack test of ${packages.length} public packages in ${stage}`);

try {
  if (!args.has('--skip-build')) step('build', () => run('pnpm', ['build'], { cwd: root }));

  // A copy of the workspace: manifests of every workspace project (changesets checks its
  // `ignore` list against them), the packages with their build output and node_modules links
  // (pnpm reads the linked manifests to rewrite `workspace:` ranges).
  const workspace = join(stage, 'workspace');
  step('copy the workspace and run `changeset version`', () => {
    mkdirSync(workspace);
    for (const f of ['package.json', 'pnpm-workspace.yaml', 'LICENSE']) cpSync(join(root, f), join(workspace, f));
    cpSync(join(root, '.changeset'), join(workspace, '.changeset'), { recursive: true });
    for (const group of ['examples', 'benchmarks', 'packages']) {
      const dirs = group === 'benchmarks' ? [''] : readdirSync(join(root, group));
      for (const d of dirs) {
        const from = join(root, group, d);
        if (!existsSync(join(from, 'package.json'))) continue;
        const to = join(workspace, group, d);
        if (group === 'packages') cpSync(from, to, { recursive: true, verbatimSymlinks: true, filter: (src) => !src.includes('/.turbo') });
        else {
          mkdirSync(to, { recursive: true });
          cpSync(join(from, 'package.json'), join(to, 'package.json'));
        }
      }
    }
    run(process.execPath, [join(root, 'node_modules', '@changesets', 'cli', 'bin.js'), 'version'], { cwd: workspace });
  });

  const tarballs = join(stage, 'tarballs');
  const sizes = [];
  step('pnpm pack every public package and inspect the tarballs', () => {
    mkdirSync(tarballs);
    for (const { dir } of packages) {
      const before = new Set(readdirSync(tarballs));
      run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(workspace, 'packages', dir), stdio: ['ignore', 'ignore', 'inherit'] });
      const tgz = readdirSync(tarballs).find((f) => !before.has(f));
      const files = execFileSync('tar', ['-tzf', join(tarballs, tgz)], { encoding: 'utf8' }).trim().split('\n');
      const manifestText = execFileSync('tar', ['-xzOf', join(tarballs, tgz), 'package/package.json'], { encoding: 'utf8' });
      const manifest = JSON.parse(manifestText);
      const unpacked = Number(execFileSync('sh', ['-c', `tar -xzOf '${join(tarballs, tgz)}' | wc -c`], { encoding: 'utf8' }));
      sizes.push({ name: manifest.name, version: manifest.version, packed: statSync(join(tarballs, tgz)).size, unpacked, files: files.length });
      const at = `${manifest.name} (${tgz})`;
      if (manifestText.includes('workspace:')) problems.push(`${at}: package.json still has a workspace: range`);
      // changesets bumps peer dependents to a major release when a peer range is left: before 1.0
      // that would publish everything as 1.0.0 by accident.
      const sourceVersion = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')).version;
      if (manifest.version === '0.0.0' || (sourceVersion.startsWith('0.') && !manifest.version.startsWith('0.'))) {
        problems.push(`${at}: \`changeset version\` produced ${manifest.version} from ${sourceVersion}`);
      }
      for (const [name, range] of Object.entries({ ...manifest.peerDependencies, ...manifest.dependencies })) {
        if (/^\^?0\.0\.0$/.test(range)) problems.push(`${at}: ${name}@${range} only matches 0.0.0`);
      }
      for (const f of files) if (FORBIDDEN.test(f)) problems.push(`${at}: ships ${f}`);
      for (const f of ['package/README.md', 'package/LICENSE', 'package/package.json']) if (!files.includes(f)) problems.push(`${at}: lacks ${f}`);
    }
  });

  // The consumer: a plain npm project in a temp folder outside the workspace.
  const consumer = join(stage, 'consumer');
  const smokes = [];
  step('npm install the tarballs into a fresh project', () => {
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'tessera-consumer', private: true, type: 'module' }, null, 2));
    const tgzs = readdirSync(tarballs).map((f) => join(tarballs, f));
    const tools = Object.entries(CONSUMER_TOOLS).map(([n, v]) => `${n}@${v}`);
    // Optional peers a smoke block imports (webgpu for backend-webgpu in Node) are installed as a user would.
    const optionalPeers = new Set();
    for (const { manifest } of packages) {
      for (const [name, meta] of Object.entries(manifest.peerDependenciesMeta ?? {})) {
        if (meta.optional) optionalPeers.add(`${name}@${manifest.devDependencies?.[name] ?? manifest.peerDependencies[name]}`);
      }
    }
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tgzs, ...tools, ...optionalPeers], { cwd: consumer });
  });

  step('extract the README smoke blocks', () => {
    mkdirSync(join(consumer, 'smoke'));
    for (const { dir, manifest } of packages) {
      // Read from the installed package: the README a user sees on npm.
      const readme = readFileSync(join(consumer, 'node_modules', manifest.name, 'README.md'), 'utf8');
      const match = SMOKE_BLOCK.exec(readme);
      if (!match) {
        problems.push(`${manifest.name}: README.md has no \`\`\`ts smoke block`);
        continue;
      }
      const vitest = match[1] === ':vitest';
      const file = vitest ? `${dir}.test.ts` : `${dir}.ts`;
      writeFileSync(join(consumer, 'smoke', file), `// From ${manifest.name}'s README.md\n${match[2]}\nexport {};\n`);
      smokes.push({ name: manifest.name, dir, vitest, js: file.replace(/\.ts$/, '.js') });
    }
  });

  const compilerOptions = {
    target: 'ES2022', lib: ['ES2022', 'DOM', 'ESNext.Disposable'], strict: true, skipLibCheck: false,
    types: ['node'], esModuleInterop: true, rootDir: 'smoke',
  };
  step('tsc --noEmit, moduleResolution bundler, skipLibCheck false', () => {
    writeFileSync(join(consumer, 'tsconfig.bundler.json'), JSON.stringify({
      compilerOptions: { ...compilerOptions, module: 'preserve', moduleResolution: 'bundler', noEmit: true }, include: ['smoke'],
    }, null, 2));
    run(join(consumer, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.bundler.json'], { cwd: consumer });
  });
  step('tsc, moduleResolution node16, skipLibCheck false (emits the smoke programs)', () => {
    writeFileSync(join(consumer, 'tsconfig.node16.json'), JSON.stringify({
      compilerOptions: { ...compilerOptions, module: 'node16', moduleResolution: 'node16', outDir: 'out' }, include: ['smoke'],
    }, null, 2));
    run(join(consumer, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.node16.json'], { cwd: consumer });
  });

  for (const smoke of smokes) {
    step(`run ${smoke.name}'s smoke block`, () => {
      if (smoke.vitest) {
        run(join(consumer, 'node_modules', '.bin', 'vitest'), ['run', `out/${smoke.js}`], { cwd: consumer });
      } else {
        // Dawn keeps Node alive while its instance lives: exit once the program has finished.
        const runner = join(consumer, 'out', `run-${smoke.dir}.mjs`);
        writeFileSync(runner, `await import('./${smoke.js}');\nprocess.exit(0);\n`);
        run(process.execPath, [runner], { cwd: consumer });
      }
    });
  }

  console.log('\ntarball sizes (from `changeset version` + `pnpm pack`):');
  console.log('package'.padEnd(28) + 'version'.padEnd(10) + 'packed kB'.padStart(10) + 'unpacked kB'.padStart(13) + 'files'.padStart(7));
  for (const s of sizes) {
    console.log(s.name.padEnd(28) + s.version.padEnd(10) + (s.packed / 1024).toFixed(1).padStart(10) + (s.unpacked / 1024).toFixed(1).padStart(13) + String(s.files).padStart(7));
  }
} catch (error) {
  problems.push(error instanceof Error ? error.message : String(error));
} finally {
  console.log('\ntimings:');
  for (const [name, seconds] of timings) console.log(`  ${seconds.toFixed(1).padStart(6)}s  ${name}`);
  console.log(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s  total`);
  if (args.has('--keep')) console.log(`kept ${stage}`);
  else rmSync(stage, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`\npack test failed (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`\npack test passed (${packages.length} packages)`);
