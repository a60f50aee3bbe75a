/**
 * The playground end to end: builds it with Vite, serves it from 127.0.0.1 (WebGPU needs a secure
 * context), and drives it in Debian's headless Chromium (playwright-core, WebGPU on SwiftShader,
 * no browser download): trains on the CPU backend, presses "Switch to WebGPU" after the first
 * epoch, checks the curves, the confusion matrix and the accuracy, classifies held-out digits
 * painted onto the drawing pad and a stroke drawn with the mouse. Screenshots go to
 * examples/playground/out/.
 *
 * Skipped with the reason when there is no Chromium at /usr/bin/chromium (or $TESSERA_CHROMIUM),
 * unless TESSERA_REQUIRE_WEBGPU=1, which makes that a failure.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHROMIUM = process.env['TESSERA_CHROMIUM'] ?? '/usr/bin/chromium';
const REQUIRED = process.env['TESSERA_REQUIRE_WEBGPU'] === '1';
const FLAGS = [
  '--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan',
  '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-surface',
  '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
const here = fileURLToPath(new URL('.', import.meta.url));
const PER_CLASS = 100;
const EPOCHS = 2;

interface State {
  ready: boolean;
  training: boolean;
  epochsDone: number;
  backendByEpoch: string[];
  history: Record<string, number[]>;
  prediction?: { digit: number; probability: number };
  error?: string;
}

const hasChromium = existsSync(CHROMIUM);
describe.skipIf(!hasChromium && !REQUIRED)(`playground in headless Chromium${hasChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`, () => {
  it('trains MNIST, switches to WebGPU mid-training, draws curves and a confusion matrix, classifies drawings', { timeout: 300_000 }, async () => {
    if (!hasChromium) throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but there is no Chromium at ${CHROMIUM}`);
    const dist = mkdtempSync(join(tmpdir(), 'tessera-playground-'));
    const shots = join(here, 'out');
    mkdirSync(shots, { recursive: true });
    const { build } = await import('vite');
    await build({ root: here, configFile: join(here, 'vite.config.ts'), logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
    const server = createServer((req, res) => {
      const path = join(dist, new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/$/, '/index.html'));
      if (!path.startsWith(dist) || !existsSync(path) || statSync(path).isDirectory()) return void res.writeHead(404).end();
      const type = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' }[extname(path)] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type }).end(readFileSync(path));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/?perClass=${PER_CLASS}&epochs=${EPOCHS}`;
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
    const errors: string[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => void (m.type() === 'error' && errors.push(`console.error: ${m.text()}`)));
      const state = (): Promise<State> => page.evaluate(() => (window as unknown as { __playground: State }).__playground);
      /** Presses Classify and waits for the prediction (the model reads the pad asynchronously). */
      const classify = async (): Promise<NonNullable<State['prediction']>> => {
        await page.click('#classify');
        await page.waitForFunction(() => (window as unknown as { __playground: State }).__playground.prediction !== undefined, undefined, { timeout: 30_000 });
        return (await state()).prediction!;
      };
      await page.goto(url);
      await page.waitForFunction(() => (window as unknown as { __playground?: State }).__playground?.ready === true, undefined, { timeout: 60_000 });

      await page.screenshot({ path: join(shots, '1-loaded.png'), fullPage: true });
      // The Switch button is pressed while the first epoch runs on the CPU (from inside the page,
      // so the moment does not depend on timing); the switch happens at the next epoch boundary.
      await page.evaluate(() => {
        (window as unknown as { __onEpochBegin: (epoch: number) => void }).__onEpochBegin = (epoch) => {
          if (epoch === 0) document.getElementById('switch')!.click();
        };
      });
      await page.click('#train');
      await page.waitForFunction((epochs) => {
        const s = (window as unknown as { __playground: State }).__playground;
        return s.error !== undefined || (s.epochsDone === epochs && !s.training);
      }, EPOCHS, { timeout: 240_000 });
      const trained = await state();
      expect(trained.error).toBeUndefined();
      expect(trained.backendByEpoch[0]).toBe('cpu');
      expect(trained.backendByEpoch.at(-1)).toBe('webgpu');
      const valAccuracy = trained.history['val_accuracy']!;
      expect(valAccuracy).toHaveLength(EPOCHS);
      expect(valAccuracy.at(-1)!).toBeGreaterThan(0.8);
      expect(trained.history['loss']!.at(-1)!).toBeLessThan(trained.history['loss']![0]!);
      expect(await page.locator('#curves svg polyline, #curves svg path').count()).toBeGreaterThan(0);
      expect(await page.locator('#confusion svg').count()).toBe(1);
      await page.screenshot({ path: join(shots, '2-trained-on-webgpu.png'), fullPage: true });

      // Held-out digits through the pad: the same canvas path as a drawing.
      let correct = 0;
      for (let digit = 0; digit < 10; digit++) {
        const label = await page.evaluate((i) => (window as unknown as { __paintTestDigit: (i: number) => number }).__paintTestDigit(i), digit * Math.ceil(PER_CLASS / 4));
        expect(label).toBe(digit);
        const predicted = await classify();
        if (predicted.digit === label) correct++;
        await page.click('#clear');
      }
      expect(correct, `${correct}/10 held-out digits classified from the pad`).toBeGreaterThanOrEqual(7);

      // A stroke drawn with the mouse gets a prediction with its probability.
      const box = (await page.locator('#pad').boundingBox())!;
      await page.mouse.move(box.x + 140, box.y + 40);
      await page.mouse.down();
      for (let y = 40; y <= 240; y += 10) await page.mouse.move(box.x + 140, box.y + y);
      await page.mouse.up();
      const drawn = await classify();
      expect(drawn.digit).toBeGreaterThanOrEqual(0);
      expect(drawn.digit).toBeLessThanOrEqual(9);
      expect(drawn.probability).toBeGreaterThan(0.1);
      expect(await page.textContent('#prediction')).toMatch(/^\d \(\d+\.\d%\)$/);
      await page.screenshot({ path: join(shots, '3-drawn-digit.png'), fullPage: true });
      console.log(`playground: val_accuracy ${valAccuracy.map((v) => v.toFixed(3)).join(' ')}; pad ${correct}/10; a vertical stroke reads as ${drawn.digit} (${(drawn.probability * 100).toFixed(1)}%)`);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.close();
      rmSync(dist, { recursive: true, force: true });
    }
  });
});
