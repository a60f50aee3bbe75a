/**
 * Tessera benchmarks: the same work on Tessera's CPU backend and on TensorFlow.js
 * (tfjs-backend-cpu and tfjs-backend-wasm) in one process. Prints median times and ratios and
 * writes benchmarks/results/latest.json.
 *
 *   pnpm bench                          # everything (~3-4 min on 2 cores)
 *   pnpm bench:quick                    # a ~30 s subset with fewer repetitions
 *   pnpm bench -- --only matmul,mlp     # some suites (matmul, conv, elementwise, reduce, mlp, augment, training, webgpu)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FRAMEWORKS, initFrameworks, memoryOf, type FrameworkId } from './lib/frameworks.js';
import { runGroup, type CaseResult } from './lib/runner.js';
import type { Suite } from './lib/suite.js';
import { fmtMs, fmtNum, fmtRatio, renderTable, type Cell } from './lib/table.js';
import { DEFAULT_TIMER, QUICK_TIMER } from './lib/timer.js';
import { convSuite } from './suites/conv.js';
import { elementwiseSuite } from './suites/elementwise.js';
import { matmulSuite } from './suites/matmul.js';
import { mlpSuite } from './suites/mlp.js';
import { reduceSuite } from './suites/reduce.js';
import { augmentSuite } from './suites/augment.js';
import { trainingSuite } from './suites/training.js';
import { webgpuSuite } from './suites/webgpu.js';
import { onnxSuite } from './suites/onnx.js';

const SUITES: readonly Suite[] = [matmulSuite, convSuite, elementwiseSuite, reduceSuite, mlpSuite, augmentSuite, trainingSuite, onnxSuite, webgpuSuite];

interface Cli {
  readonly only: readonly string[] | undefined;
  readonly quick: boolean;
  readonly out: string;
  readonly verbose: boolean;
}

function parseArgs(argv: readonly string[]): Cli {
  const here = path.dirname(fileURLToPath(import.meta.url));
  let only: string[] | undefined;
  let quick = false;
  let verbose = false;
  let out = path.join(here, 'results', 'latest.json');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    else if (a === '--quick') quick = true;
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) throw new Error('--only needs a comma-separated list of suites');
      only = v.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (a === '--out' || a.startsWith('--out=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) throw new Error('--out needs a file path');
      out = path.resolve(v);
    } else if (a === '--help' || a === '-h') {
      console.log(
        [
          'usage: pnpm bench [-- --quick] [--only matmul,conv,elementwise,reduce,mlp] [--out file.json] [--verbose]',
          '  --quick    ~30 s subset, fewer repetitions',
          '  --only     run only these suites',
          '  --out      JSON output path (default benchmarks/results/latest.json)',
          '  --verbose  print every cell as it finishes',
        ].join('\n'),
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (only) {
    const known = new Set(SUITES.map((s) => s.name));
    const bad = only.filter((s) => !known.has(s));
    if (bad.length) throw new Error(`unknown suite(s) ${bad.join(', ')}; known: ${[...known].join(', ')}`);
  }
  return { only, quick, out, verbose };
}

const SHORT: Record<FrameworkId, string> = { tessera: 'Tessera', 'tfjs-cpu': 'tfjs-cpu', 'tfjs-wasm': 'tfjs-wasm', 'ort-1t': 'ORT 1t', 'ort-2t': 'ORT 2t' };

/** The onnxruntime-web columns, shown only in suites that have ORT cells. */
const ORT: readonly FrameworkId[] = ['ort-1t', 'ort-2t'];

/** other / tessera: above 1 Tessera is faster. */
function speedup(r: CaseResult, other: FrameworkId): number | undefined {
  const t = r.cells.tessera?.medianMs;
  const o = r.cells[other]?.medianMs;
  return t !== undefined && o !== undefined ? o / t : undefined;
}

function cellMs(r: CaseResult, fw: FrameworkId): Cell {
  const c = r.cells[fw];
  if (!c) return '—';
  if (c.error) return 'ERROR';
  if (c.skipped) return 'skip';
  return fmtMs(c.medianMs);
}

/** The check column: `ok`, `DIFF …` (fails the run), `UNCHECKED` (fails the run), or why not. */
function checkCell(r: CaseResult): string {
  const bad: string[] = [];
  let checked = 0;
  for (const fw of FRAMEWORKS) {
    const e = r.cells[fw]?.relError;
    if (e === undefined) continue;
    checked++;
    if (!(e <= r.tolerance)) bad.push(`${fw} ${Number.isFinite(e) ? e.toExponential(1) : 'shape'}`);
  }
  if (bad.length) return `DIFF ${bad.join(', ')}`;
  if (checked > 0) return 'ok';
  const timed = FRAMEWORKS.filter((fw) => r.cells[fw]?.medianMs !== undefined).length;
  if (r.unchecked !== undefined) return `none (${r.unchecked})`;
  return timed >= 2 ? 'UNCHECKED' : '— (one contender)';
}

/** Rows whose check failed: a DIFF, or two contenders timed without a comparison. */
function failedChecks(results: readonly CaseResult[]): string[] {
  return results.filter((r) => /^(DIFF|UNCHECKED)/.test(checkCell(r))).map((r) => `${r.label}: ${checkCell(r)}`);
}

function memCell(r: CaseResult): string {
  const bad: string[] = [];
  for (const fw of FRAMEWORKS) {
    const c = r.cells[fw];
    if (c?.memDeltaTensors === undefined) continue;
    if (c.memDeltaTensors !== 0 || c.memDeltaBytes !== 0) bad.push(`${fw} ${c.memDeltaTensors >= 0 ? '+' : ''}${c.memDeltaTensors}t`);
  }
  return bad.length ? `GROWS ${bad.join(', ')}` : 'flat';
}

function suiteTable(results: readonly CaseResult[]): string {
  const withFlops = results.some((r) => r.flops !== undefined);
  const ort = ORT.filter((fw) => results.some((r) => r.cells[fw]?.medianMs !== undefined || r.cells[fw]?.error !== undefined));
  const shown: FrameworkId[] = ['tessera', 'tfjs-cpu', 'tfjs-wasm', ...ort];
  const flopsTitle = ['T', 'cpu', 'wasm', ...ort.map((fw) => SHORT[fw].replace('ORT ', 'ort'))].join(' / ');
  const columns = [
    { title: 'benchmark', align: 'left' as const },
    { title: 'Tessera ms' },
    { title: 'tfjs-cpu ms' },
    { title: 'tfjs-wasm ms' },
    ...ort.map((fw) => ({ title: `${SHORT[fw]} ms` })),
    { title: 'Tessera vs tfjs-cpu' },
    { title: 'Tessera vs tfjs-wasm' },
    ...ort.map((fw) => ({ title: `Tessera vs ${SHORT[fw]}` })),
    ...(withFlops ? [{ title: `GFLOP/s ${flopsTitle}` }] : []),
    { title: 'check', align: 'left' as const },
    { title: 'memory', align: 'left' as const },
  ];
  const rows = results.map((r) => [
    r.label,
    cellMs(r, 'tessera'),
    cellMs(r, 'tfjs-cpu'),
    cellMs(r, 'tfjs-wasm'),
    ...ort.map((fw) => cellMs(r, fw)),
    fmtRatio(speedup(r, 'tfjs-cpu')),
    fmtRatio(speedup(r, 'tfjs-wasm')),
    ...ort.map((fw) => fmtRatio(speedup(r, fw))),
    ...(withFlops ? [shown.map((fw) => fmtNum(r.cells[fw]?.gflops, r.cells[fw]?.gflops !== undefined && r.cells[fw]!.gflops! < 10 ? 2 : 1)).join(' / ')] : []),
    checkCell(r),
    memCell(r),
  ]);
  return renderTable(columns, rows);
}

function problems(results: readonly CaseResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    for (const fw of FRAMEWORKS) {
      const c = r.cells[fw];
      if (c?.error) lines.push(`  ! ${r.label} [${SHORT[fw]}]: ${c.error}`);
      else if (c?.skipped && fw === 'tessera') lines.push(`  - ${r.label} [${SHORT[fw]}] skipped: ${c.skipped}`);
    }
  }
  return [...new Set(lines)];
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const timer = cli.quick ? QUICK_TIMER : DEFAULT_TIMER;
  const started = Date.now();
  const infos = await initFrameworks();

  const cpus = os.cpus();
  const machine = {
    cpuModel: cpus[0]?.model ?? 'unknown',
    logicalCpus: cpus.length,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    node: process.version,
    v8: process.versions.v8,
  };
  const commit = gitCommit();
  const out: string[] = [];
  const print = (s = ''): void => {
    console.log(s);
    out.push(s);
  };
  print(`Tessera benchmarks — ${new Date(started).toISOString()}${cli.quick ? ' (quick)' : ''}`);
  print(`commit: ${commit}`);
  print(`machine: ${machine.cpuModel}, ${machine.logicalCpus} logical CPUs, ${machine.totalMemGiB} GiB, ${machine.platform}, Node ${machine.node}`);
  for (const fw of FRAMEWORKS) {
    const i = infos[fw];
    print(`  ${SHORT[fw].padEnd(9)} ${i.ok ? JSON.stringify(i.details) : `UNAVAILABLE: ${i.error}`}`);
  }
  const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const loadStart = load();
  print(`load average at start: ${loadStart} (other processes on this machine add noise)`);
  print('All contenders run single-threaded (tfjs-wasm: SIMD build, no threads), except "ORT 2t": onnxruntime-web on two threads.');
  print(
    `Timing: ${timer.warmupMin}+ warm-up runs, then ≥${timer.minReps} runs and ≥${timer.minTimeMs} ms (cap ${timer.maxTimeMs} ms once ${timer.floorReps} runs), median. ` +
      'Frameworks are timed interleaved (one run each in turn). Each run includes reading the result back and disposing ' +
      'every tensor it made. Ratio = tfjs median / Tessera median.',
  );

  const memStart = Object.fromEntries(FRAMEWORKS.map((fw) => [fw, memoryOf(fw)]));
  const results: CaseResult[] = [];
  // WebGPU on a software adapter takes minutes and its times mean nothing: run it on request.
  const OPT_IN = new Set(['webgpu']);
  const selected = SUITES.filter((s) => (cli.only ? cli.only.includes(s.name) : !OPT_IN.has(s.name)));
  for (const suite of selected) {
    console.log(`\n… ${suite.name}`);
    const cases = await suite.cases({ quick: cli.quick });
    const suiteResults: CaseResult[] = [];
    for (let i = 0; i < cases.length; ) {
      const group = [cases[i]!];
      while (cases[i]!.group !== undefined && cases[i + group.length]?.group === cases[i]!.group) group.push(cases[i + group.length]!);
      i += group.length;
      suiteResults.push(...(await runGroup(group, infos, timer, cli.verbose ? (l) => console.log(l) : () => {})));
      if (!cli.verbose) process.stdout.write('.');
    }
    if (!cli.verbose) process.stdout.write('\n');
    results.push(...suiteResults);
    print('');
    print(`## ${suite.title}`);
    if (suiteResults.length > 0) print(suiteTable(suiteResults));
    for (const n of suite.notes) print(`  * ${n}`);
    const extra = suite.summary?.(suiteResults);
    if (extra) {
      print('');
      print(extra);
    }
    const p = problems(suiteResults);
    if (p.length) for (const l of p) print(l);
  }
  const seconds = (Date.now() - started) / 1000;
  // Every cell disposes its inputs: live tensors at the end must equal those at the start.
  const memEnd = Object.fromEntries(FRAMEWORKS.map((fw) => [fw, memoryOf(fw)]));
  const leftovers = FRAMEWORKS.map((fw) => {
    const a = memStart[fw]!;
    const b = memEnd[fw]!;
    return { fw, tensors: b.tensors - a.tensors, bytes: b.bytes - a.bytes };
  });
  print('');
  print(
    'Live tensors after all suites vs before: ' +
      leftovers.map((l) => `${SHORT[l.fw]} ${l.tensors >= 0 ? '+' : ''}${l.tensors} (${l.bytes} B)`).join(', ') +
      (leftovers.every((l) => l.tensors === 0 && l.bytes === 0) ? ' — nothing leaked.' : ' — LEAK.'),
  );
  print(`load average at end: ${load()}`);
  print(`Done in ${seconds.toFixed(1)} s. Ratios: "Nx faster" = Tessera takes 1/N of the tfjs time.`);
  const failed = failedChecks(results);
  if (failed.length) {
    print('');
    print(`FAILED: ${failed.length} row(s) whose outputs disagree or were not compared:`);
    for (const l of failed) print(`  ${l}`);
  }

  mkdirSync(path.dirname(cli.out), { recursive: true });
  const json = {
    date: new Date(started).toISOString(),
    commit,
    quick: cli.quick,
    suites: selected.map((s) => s.name),
    seconds,
    machine: { ...machine, loadAverageStart: loadStart, loadAverageEnd: load() },
    timer,
    leftovers,
    frameworks: infos,
    failedChecks: failed,
    results: results.map((r) => ({
      ...r,
      check: checkCell(r),
      speedupVsTfjsCpu: speedup(r, 'tfjs-cpu'),
      speedupVsTfjsWasm: speedup(r, 'tfjs-wasm'),
      speedupVsOrt1t: speedup(r, 'ort-1t'),
      speedupVsOrt2t: speedup(r, 'ort-2t'),
    })),
  };
  writeFileSync(cli.out, JSON.stringify(json, null, 2) + '\n');
  writeFileSync(cli.out.replace(/\.json$/, '') + '.txt', out.join('\n') + '\n');
  console.log(`Wrote ${path.relative(process.cwd(), cli.out)} (and .txt).`);
  // A wrong answer makes every time in its row meaningless: the run fails.
  if (failed.length) process.exitCode = 1;
}

/** The checked-out commit, with `-dirty` when the work tree has changes (or why it is unknown). */
function gitCommit(): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no').length > 0 ? `${head}-dirty` : head;
  } catch {
    return 'unknown (no git)';
  }
}

main().then(
  // Exit explicitly: onnxruntime-web's worker threads would keep the process alive.
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
