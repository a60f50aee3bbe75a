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
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMOKE_BLOCK, publicPackages } from './check-package-metadata.mjs';
import { npmProject, pinnedVersion, printSizes, root, run, stageTarballs, timer } from './release/stage.mjs';

const args = new Set(process.argv.slice(2));
// backend-webgpu's smoke block runs Dawn on SwiftShader's Vulkan driver where Debian's Chromium ships it.
const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(swiftShader)) process.env.VK_ICD_FILENAMES = swiftShader;

const problems = [];
const time = timer();
const packages = publicPackages();
if (packages.length === 0) throw new Error('no public package found under packages/');
const stage = mkdtempSync(join(tmpdir(), 'tessera-release-'));
console.log(`pack test of ${packages.length} public packages in ${stage}`);

try {
  if (!args.has('--skip-build')) await time.step('build', () => run('pnpm', ['build'], { cwd: root }));
  const tarballs = await time.step('`changeset version` and `pnpm pack` in a copy of the workspace', () => stageTarballs(stage, packages, problems));

  const consumer = join(stage, 'consumer');
  await time.step('npm install the tarballs into a fresh project', () => {
    // The tools a TypeScript user has, at the versions the workspace pins, and the optional peers
    // a smoke block imports (webgpu for backend-webgpu in Node), as a user would install them.
    const extra = ['typescript', '@types/node'].map((n) => `${n}@${pinnedVersion(n)}`);
    for (const { manifest } of packages) {
      for (const [name, meta] of Object.entries(manifest.peerDependenciesMeta ?? {})) {
        if (meta.optional) extra.push(`${name}@${manifest.devDependencies?.[name] ?? manifest.peerDependencies[name]}`);
      }
    }
    npmProject(consumer, tarballs, [...new Set(extra)]);
  });

  const smokes = [];
  await time.step('extract the README smoke blocks', () => {
    mkdirSync(join(consumer, 'smoke'));
    for (const { dir, name } of tarballs) {
      // Read from the installed package: the README a user sees on npm.
      const readme = readFileSync(join(consumer, 'node_modules', name, 'README.md'), 'utf8');
      const match = SMOKE_BLOCK.exec(readme);
      if (!match) {
        problems.push(`${name}: README.md has no \`\`\`ts smoke block`);
        continue;
      }
      const vitest = match[1] === ':vitest';
      const file = vitest ? `${dir}.test.ts` : `${dir}.ts`;
      writeFileSync(join(consumer, 'smoke', file), `// From ${name}'s README.md\n${match[2]}\nexport {};\n`);
      smokes.push({ name, dir, vitest, js: file.replace(/\.ts$/, '.js') });
    }
  });

  const compilerOptions = {
    target: 'ES2022', lib: ['ES2022', 'DOM', 'ESNext.Disposable'], strict: true, skipLibCheck: false,
    types: ['node'], esModuleInterop: true, rootDir: 'smoke',
  };
  const tsc = join(consumer, 'node_modules', '.bin', 'tsc');
  await time.step('tsc --noEmit, moduleResolution bundler, skipLibCheck false', () => {
    writeFileSync(join(consumer, 'tsconfig.bundler.json'), JSON.stringify({
      compilerOptions: { ...compilerOptions, module: 'preserve', moduleResolution: 'bundler', noEmit: true }, include: ['smoke'],
    }, null, 2));
    run(tsc, ['-p', 'tsconfig.bundler.json'], { cwd: consumer });
  });
  await time.step('tsc, moduleResolution node16, skipLibCheck false (emits the smoke programs)', () => {
    writeFileSync(join(consumer, 'tsconfig.node16.json'), JSON.stringify({
      compilerOptions: { ...compilerOptions, module: 'node16', moduleResolution: 'node16', outDir: 'out' }, include: ['smoke'],
    }, null, 2));
    run(tsc, ['-p', 'tsconfig.node16.json'], { cwd: consumer });
  });

  for (const smoke of smokes) {
    await time.step(`run ${smoke.name}'s smoke block`, () => {
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
  printSizes(tarballs);
} catch (error) {
  problems.push(error instanceof Error ? error.message : String(error));
} finally {
  time.print();
  if (args.has('--keep')) console.log(`kept ${stage}`);
  else rmSync(stage, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`\npack test failed (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`\npack test passed (${packages.length} packages)`);
