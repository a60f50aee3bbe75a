/**
 * The playground end to end: builds it with Vite, serves it from 127.0.0.1 (WebGPU needs a secure
 * context), and drives it in Debian's headless Chromium (playwright-core, WebGPU on SwiftShader,
 * no browser download): trains on the CPU backend, presses "Switch to WebGPU" after the first
 * epoch, checks the curves, the confusion matrix and the accuracy, classifies held-out digits
 * painted onto the drawing pad and a stroke drawn with the mouse. Then the ONNX panel: a model
 * whose input is not a digit is explained; the fine-tune-digits demo's pretrained CNN is chosen
 * in the file input, gets a new head trained on the digits, and is downloaded; the downloaded
 * bytes import in Node and predict what the page predicted. Screenshots go to
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
import { setBackend, tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { decodeOnnxModel, importOnnx } from '@tessera/transfer-learning';

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
const ONNX_EPOCHS = 3;
/** The fine-tune-digits demo's pretrained CNN: image [batch, 1, 28, 28] → features [batch, 64], logits [batch, 10]. */
const DEMO_MODEL = join(here, '..', 'fine-tune-digits', 'data', 'pretrained-mnist-cnn.onnx');
/** A model whose input ([4, 3, 8, 8]) does not take digits. */
const UNFIT_MODEL = join(here, '..', '..', 'packages', 'transfer-learning', 'src', 'fixtures', 'torch-cnn.onnx');
const MEAN = 0.1307;
const STD = 0.3081;

interface State {
  ready: boolean;
  training: boolean;
  epochsDone: number;
  backendByEpoch: string[];
  history: Record<string, number[]>;
  prediction?: { digit: number; probability: number };
  error?: string;
  onnx: { loaded: boolean; backend?: string; inputs?: string[]; outputs?: string[]; unfit?: string; trained: boolean; valAccuracy?: number; predictions?: number[]; exportedBytes?: number; error?: string };
}

const hasChromium = existsSync(CHROMIUM);
describe.skipIf(!hasChromium && !REQUIRED)(`playground in headless Chromium${hasChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`, () => {
  it('trains MNIST, switches to WebGPU mid-training, draws curves and a confusion matrix, classifies drawings', { timeout: 480_000 }, async () => {
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
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/?perClass=${PER_CLASS}&epochs=${EPOCHS}&onnxEpochs=${ONNX_EPOCHS}`;
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

      // The ONNX panel, on the CPU backend (Switch back: SwiftShader runs convolutions far too slowly for a test).
      await page.click('#switch');
      // A model that does not take 28×28 digits is explained, not trained.
      const loaded = async (): Promise<State['onnx']> => {
        await page.waitForFunction(() => {
          const o = (window as unknown as { __playground: State }).__playground.onnx;
          return o.loaded || o.error !== undefined;
        }, undefined, { timeout: 60_000 });
        return (await state()).onnx;
      };
      await page.setInputFiles('#onnx-file', UNFIT_MODEL);
      const unfit = await loaded();
      expect(unfit.error).toBeUndefined();
      expect(unfit.unfit).toMatch(/cannot learn the playground's digits: its input '.+' has shape \[4, 3, 8, 8\]; .* needs \[N, 1, 28, 28\], \[N, 28, 28\] or \[N, 784\]/);
      expect(await page.isDisabled('#onnx-train')).toBe(true);
      expect(await page.textContent('#onnx-status')).toContain('cannot learn');

      // The demo's pretrained CNN: inputs and outputs shown, a new head on 'features', trained briefly.
      await page.setInputFiles('#onnx-file', DEMO_MODEL);
      const demo = await loaded();
      expect(demo.unfit).toBeUndefined();
      expect(demo.backend).toBe('cpu');
      expect(demo.inputs).toEqual(['image: FLOAT [batch, 1, 28, 28]']);
      expect(demo.outputs).toEqual(['features: FLOAT [batch, 64]', 'logits: FLOAT [batch, 10]']);
      expect(await page.textContent('#onnx-info')).toContain('opset 13');
      await page.selectOption('#onnx-output', 'features');
      await page.click('#onnx-train');
      await page.waitForFunction(() => {
        const o = (window as unknown as { __playground: State }).__playground.onnx;
        return o.trained || o.error !== undefined;
      }, undefined, { timeout: 180_000 });
      const tuned = (await state()).onnx;
      expect(tuned.error).toBeUndefined();
      expect(tuned.valAccuracy!).toBeGreaterThan(0.8);
      expect(await page.locator('#onnx-curves svg').count()).toBe(1);
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#onnx-download')]);
      expect(download.suggestedFilename()).toBe('fine-tuned.onnx');
      const bytes = new Uint8Array(readFileSync((await download.path())!));
      expect(bytes.length).toBe((await state()).onnx.exportedBytes);
      await page.screenshot({ path: join(shots, '4-onnx-fine-tuned.png'), fullPage: true });

      // The downloaded model: the original graph's nodes first, and in Node it predicts what the page did.
      const original = decodeOnnxModel(new Uint8Array(readFileSync(DEMO_MODEL))).graph!.node;
      const graph = decodeOnnxModel(bytes).graph!;
      const upToFeatures = original.slice(0, original.findIndex((n) => n.output.includes('features')) + 1);
      expect(graph.node.slice(0, upToFeatures.length).map((n) => n.name)).toEqual(upToFeatures.map((n) => n.name));
      const count = tuned.predictions!.length;
      const held = await page.evaluate((n) => (window as unknown as { __heldOutDigits: (n: number) => { pixels: number[]; labels: number[] } }).__heldOutDigits(n), count);
      await setBackend(cpu());
      const model = await importOnnx(bytes);
      model.eval();
      const x = tensor(Float32Array.from(held.pixels, (v) => (v - MEAN) / STD), [count, 1, 28, 28]);
      const classes = Array.from((await model.forward({ image: x })['output']!.argmax(1).data()) as Int32Array);
      expect(classes).toEqual(tuned.predictions);
      const right = classes.filter((c, i) => c === held.labels[i]).length;
      expect(right / count).toBeGreaterThan(0.7);
      console.log(`playground ONNX panel: new head on the demo CNN's features, held-out accuracy ${tuned.valAccuracy!.toFixed(3)}; downloaded ${bytes.length} bytes; in Node ${right}/${count} of the first held-out digits right, same classes as the page`);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.close();
      rmSync(dist, { recursive: true, force: true });
    }
  });
});
