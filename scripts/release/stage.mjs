// Shared by scripts/pack-test.mjs and scripts/bundle-test.mjs: the release path in a temp folder
// (`changeset version` + `pnpm pack` in a copy of the workspace) and a fresh npm project that
// installs the tarballs, as a user of the published packages would.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname;

/** Paths a tarball must not carry (build-only folders, tests, test helpers). */
const FORBIDDEN = /^package\/(assembly|scripts|tests?|benchmarks|examples)\/|\.test\.[cm]?[jt]s$|\/test-utils\//;

/** Runs a command with inherited output; throws with the command line when it fails. */
export function run(cmd, argv, options = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (exit ${r.status ?? r.signal}) in ${options.cwd ?? root}`);
}

/** Times named steps and prints them at the end. */
export function timer() {
  const started = Date.now();
  const timings = [];
  return {
    async step(name, fn) {
      const t = Date.now();
      console.log(`\n--- ${name}`);
      try {
        return await fn();
      } finally {
        timings.push([name, (Date.now() - t) / 1000]);
      }
    },
    print() {
      console.log('\ntimings:');
      for (const [name, seconds] of timings) console.log(`  ${seconds.toFixed(1).padStart(6)}s  ${name}`);
      console.log(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s  total`);
    },
  };
}

/**
 * Copies the workspace into `stage/workspace` (manifests of every workspace project, since
 * changesets checks its `ignore` list against them; the packages with their build output and
 * node_modules links, since pnpm reads the linked manifests to rewrite `workspace:` ranges), runs
 * `changeset version` there, packs every public package into `stage/tarballs` and inspects each
 * tarball. Returns one record per tarball; problems found are pushed onto `problems`.
 */
export function stageTarballs(stage, packages, problems) {
  const workspace = join(stage, 'workspace');
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

  const tarballs = join(stage, 'tarballs');
  mkdirSync(tarballs);
  const out = [];
  for (const { dir, manifest: source } of packages) {
    const before = new Set(readdirSync(tarballs));
    run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(workspace, 'packages', dir), stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(tarballs).find((f) => !before.has(f));
    const path = join(tarballs, tgz);
    const files = execFileSync('tar', ['-tzf', path], { encoding: 'utf8' }).trim().split('\n');
    const manifestText = execFileSync('tar', ['-xzOf', path, 'package/package.json'], { encoding: 'utf8' });
    const manifest = JSON.parse(manifestText);
    const unpacked = Number(execFileSync('sh', ['-c', `tar -xzOf '${path}' | wc -c`], { encoding: 'utf8' }));
    out.push({ dir, name: manifest.name, version: manifest.version, manifest, path, packed: statSync(path).size, unpacked, files: files.length });

    const at = `${manifest.name} (${tgz})`;
    if (manifestText.includes('workspace:')) problems.push(`${at}: package.json still has a workspace: range`);
    // changesets bumps peer dependents to a major release when a peer range is left: before 1.0
    // that would publish everything as 1.0.0 by accident.
    if (manifest.version === '0.0.0' || (source.version.startsWith('0.') && !manifest.version.startsWith('0.'))) {
      problems.push(`${at}: \`changeset version\` produced ${manifest.version} from ${source.version}`);
    }
    for (const [name, range] of Object.entries({ ...manifest.peerDependencies, ...manifest.dependencies })) {
      if (/^\^?0\.0\.0$/.test(range)) problems.push(`${at}: ${name}@${range} only matches 0.0.0`);
    }
    for (const f of files) if (FORBIDDEN.test(f)) problems.push(`${at}: ships ${f}`);
    for (const f of ['package/README.md', 'package/LICENSE', 'package/package.json']) if (!files.includes(f)) problems.push(`${at}: lacks ${f}`);
  }
  return out;
}

/** A fresh npm project in `dir` with the tarballs and `extra` specs installed (npm only, cache first). */
export function npmProject(dir, tarballs, extra) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tessera-consumer', private: true, type: 'module' }, null, 2));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((t) => t.path), ...extra], { cwd: dir });
}

/** Prints the tarball table. */
export function printSizes(tarballs) {
  console.log('\ntarball sizes (from `changeset version` + `pnpm pack`):');
  console.log('package'.padEnd(28) + 'version'.padEnd(10) + 'packed kB'.padStart(10) + 'unpacked kB'.padStart(13) + 'files'.padStart(7));
  for (const s of tarballs) {
    console.log(s.name.padEnd(28) + s.version.padEnd(10) + (s.packed / 1024).toFixed(1).padStart(10) + (s.unpacked / 1024).toFixed(1).padStart(13) + String(s.files).padStart(7));
  }
}

/** The versions the workspace pins for a tool (root devDependencies first, then any package's). */
export function pinnedVersion(name) {
  const manifests = [join(root, 'package.json'), ...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d, 'package.json'))];
  for (const file of manifests) {
    if (!existsSync(file)) continue;
    const m = JSON.parse(readFileSync(file, 'utf8'));
    const v = m.devDependencies?.[name] ?? m.dependencies?.[name];
    if (v && /^\d/.test(v)) return v;
  }
  throw new Error(`no pinned version of ${name} in the workspace`);
}
