/**
 * The backend in a real browser: bundles `test-utils/browser-page.ts` (the backend, tensor-core,
 * autograd and the seeded MLP of `test-utils/mlp.ts`) with Vite, serves it from
 * http://127.0.0.1:PORT (WebGPU needs a secure context), opens it in Debian's headless Chromium
 * with WebGPU on SwiftShader (playwright-core drives it; no browser download), runs one Adam
 * training step on `webgpu()` with the page's `navigator.gpu`, and compares the loss, the
 * gradients and the updated parameters with the CPU backend computed here in Node.
 *
 * Skipped with the reason when there is no Chromium at /usr/bin/chromium (or $TESSERA_CHROMIUM)
 * or the page finds no WebGPU adapter, unless TESSERA_REQUIRE_WEBGPU=1, which makes either a
 * failure.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { dispose, registerBackend } from '@tessera/tensor-core';
import { makeBatch, makeMlp, trainStep, variablesOf } from './test-utils/mlp.js';
import { BROWSER_BATCH, BROWSER_SIZES } from './test-utils/browser-model.js';
import type { BrowserStepResult } from './test-utils/browser-page.js';

const CHROMIUM = process.env['TESSERA_CHROMIUM'] ?? '/usr/bin/chromium';
const REQUIRED = process.env['TESSERA_REQUIRE_WEBGPU'] === '1';
/** The flags of WEBGPU-TESTING.md: WebGPU on SwiftShader's Vulkan in headless Chromium. */
const FLAGS = [
  '--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan',
  '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-surface',
  '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Bundles the page for the browser (ES2022, one file) with Vite's build API; returns the code. */
async function bundlePage(): Promise<string> {
  const { build, defaultClientConditions } = await import('vite');
  const entry = fileURLToPath(new URL('./test-utils/browser-page.ts', import.meta.url));
  const output = await build({
    configFile: false,
    logLevel: 'warn',
    root: fileURLToPath(new URL('..', import.meta.url)),
    // The workspace packages' TypeScript sources, as the tests use them.
    resolve: { conditions: ['@tessera/source', ...defaultClientConditions] },
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      lib: { entry, formats: ['es'], fileName: 'page' },
    },
  });
  const results = Array.isArray(output) ? output : [output];
  for (const r of results) {
    if (!('output' in r)) continue;
    for (const chunk of r.output) if (chunk.type === 'chunk' && chunk.isEntry) return chunk.code;
  }
  throw new Error('vite build produced no entry chunk');
}

/** Serves the page and the bundle from 127.0.0.1 on a free port. */
async function serve(code: string): Promise<{ server: Server; url: string }> {
  const html = '<!doctype html><meta charset="utf-8"><title>tessera webgpu</title><script type="module" src="/page.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    else if (req.url === '/' || req.url === '/index.html') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** The same step on the CPU backend, in Node. */
async function cpuStep(): Promise<{ loss: number; grads: Float32Array[]; variables: Float32Array[] }> {
  const backend = cpu();
  registerBackend(backend);
  const model = makeMlp(BROWSER_SIZES, 1, backend);
  const batch = makeBatch(BROWSER_BATCH, BROWSER_SIZES[0], BROWSER_SIZES[BROWSER_SIZES.length - 1]!, 7, backend);
  const { loss, grads } = trainStep(model, batch, true);
  const out = {
    loss: (await loss.item()) as number,
    grads: await Promise.all(grads.map(async (g) => Float32Array.from(await g.data()))),
    variables: await Promise.all(variablesOf(model).map(async (v) => Float32Array.from(await v.data()))),
  };
  dispose([loss, ...grads, ...variablesOf(model), batch.x, batch.targets]);
  return out;
}

/** |got - want| <= tol · max(1e-3, max|want|) element-wise (float32 in another summation order). */
function expectClose(label: string, got: readonly number[], want: Float32Array, tol: number): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  let scale = 1e-3;
  for (const w of want) scale = Math.max(scale, Math.abs(w));
  got.forEach((g, i) => {
    expect(Math.abs(g - want[i]!), `${label}[${i}]: cpu ${want[i]}, browser ${g}`).toBeLessThanOrEqual(tol * scale);
  });
}

const hasChromium = existsSync(CHROMIUM);

if (!hasChromium && !REQUIRED) {
  console.warn(`[tessera] skipping the browser test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set TESSERA_CHROMIUM)`);
}

describe.skipIf(!hasChromium && !REQUIRED)(`webgpu in headless Chromium${hasChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`, () => {
  it('one training step in the page matches the CPU backend in Node', { timeout: 180_000 }, async (t) => {
    if (!hasChromium) throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but there is no Chromium at ${CHROMIUM}`);
    const code = await bundlePage();
    // Browser bundles carry no Node code: Dawn is imported only through a variable specifier.
    expect(code).not.toMatch(/from\s*["']node:|require\(["']node:|dawn\.node/);
    const { server, url } = await serve(code);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
    const logs: string[] = [];
    let result: BrowserStepResult | { error: string };
    try {
      const page = await browser.newPage();
      page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      await page.goto(url);
      await page.waitForFunction(() => typeof (globalThis as { tesseraStep?: unknown }).tesseraStep === 'function', undefined, { timeout: 30_000 });
      result = await page.evaluate(async () => {
        try {
          return await (globalThis as unknown as { tesseraStep: () => Promise<BrowserStepResult> }).tesseraStep();
        } catch (e) {
          return { error: String((e as Error).message ?? e) };
        }
      });
    } finally {
      await browser.close();
      server.close();
    }
    if ('error' in result) {
      const reason = `the page could not run on WebGPU: ${result.error}${logs.length > 0 ? `\n${logs.join('\n')}` : ''}`;
      if (REQUIRED || !/UNSUPPORTED|no adapter|not available/i.test(result.error)) throw new Error(reason);
      t.skip(reason);
      return;
    }
    expect(result.hasNavigatorGpu).toBe(true);
    const want = await cpuStep();
    expect(Math.abs(result.loss - want.loss), `loss: cpu ${want.loss}, browser ${result.loss}`).toBeLessThanOrEqual(1e-5 * Math.abs(want.loss));
    want.grads.forEach((g, i) => expectClose(`gradient ${i}`, result.grads[i]!, g, 1e-4));
    want.variables.forEach((v, i) => expectClose(`variable ${i}`, result.variables[i]!, v, 1e-4));
    expect(result.dispatches).toBeGreaterThan(10);
    console.info(`[webgpu] browser (${result.adapter}): one step of an MLP ${BROWSER_SIZES.join('-')}, loss ${result.loss.toFixed(6)} (cpu ${want.loss.toFixed(6)}), ${result.dispatches} dispatches, ${result.submits} submits`);
  });
});
