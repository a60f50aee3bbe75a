/** Heat maps, overlays, the SVG grid and PNG files. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { setBackend, tensor } from '@tessera/tensor-core';
import { attributionHeatmaps, attributionOverlays, cumulativeSumThreshold, imagesToRgba, svgGrid } from './index.js';
import { encodePng, pngDataUrl, savePng, saveSvgGrid } from './node.js';

beforeAll(async () => {
  await setBackend(cpu());
});

it("normalises as Captum's visualisation: the cumulative-sum threshold", () => {
  // Sorted 1, 2, 3, 94 (sum 100): 98% of the mass is reached at 94; 5% at 3 (1 + 2 + 3 = 6).
  expect(cumulativeSumThreshold([94, 1, 3, 2], 98)).toBe(94);
  expect(cumulativeSumThreshold([94, 1, 3, 2], 5)).toBe(3);
  expect(cumulativeSumThreshold([0, 0], 98)).toBe(0);
});

it('colours signed maps blue and red, magnitude maps on the hot ramp, zero maps plain', async () => {
  const attributions = tensor([1, -1, 0, 0.5], [1, 1, 2, 2]);
  const [signed] = await attributionHeatmaps(attributions, { sign: 'all', outlierPercent: 0 });
  // Threshold 1: +1 is full red, -1 full blue, 0 white, 0.5 halfway from white to red (rounded half to even).
  expect(Array.from(signed!.data.subarray(0, 16))).toEqual([220, 40, 30, 255, 30, 90, 220, 255, 255, 255, 255, 255, 238, 148, 142, 255]);
  const [magnitude] = await attributionHeatmaps(attributions, { outlierPercent: 0 });
  expect(Array.from(magnitude!.data.subarray(0, 4))).toEqual([255, 255, 255, 255]); // |1| is white hot
  expect(Array.from(magnitude!.data.subarray(8, 12))).toEqual([0, 0, 0, 255]);
  const [positive] = await attributionHeatmaps(attributions, { sign: 'positive', outlierPercent: 0 });
  expect(Array.from(positive!.data.subarray(4, 8))).toEqual([0, 0, 0, 255]); // negative evidence hidden
  const zeros = tensor([0, 0, 0, 0], [1, 1, 2, 2]);
  const [flat] = await attributionHeatmaps(zeros);
  expect(Array.from(flat!.data.subarray(0, 4))).toEqual([0, 0, 0, 255]);
  attributions.dispose();
  zeros.dispose();
});

it('lays the heat map over the min–max scaled image', async () => {
  const images = tensor([0, 1, 0.5, 1, 2, 3, 4, 5], [2, 1, 2, 2]);
  const attributions = tensor([0, 0, 0, 1, 0, 0, 0, 0], [2, 1, 2, 2]);
  const [a, b] = await attributionOverlays(images, attributions, { opacity: 0.5, outlierPercent: 0 });
  // Where the attribution is 0 the image shows in grey (dimmed to 120); the hottest pixel is half
  // white over it: (120 + 255) / 2 = 187.5, rounded half to even.
  expect(Array.from(a!.data.subarray(0, 12))).toEqual([0, 0, 0, 255, 120, 120, 120, 255, 60, 60, 60, 255]);
  expect(Array.from(a!.data.subarray(12, 16))).toEqual([188, 188, 188, 255]);
  expect(Array.from(b!.data.subarray(0, 4))).toEqual([0, 0, 0, 255]);
  expect(Array.from(b!.data.subarray(12, 16))).toEqual([120, 120, 120, 255]);
  const [plain] = await imagesToRgba(images);
  expect(Array.from(plain!.data.subarray(0, 8))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
  images.dispose();
  attributions.dispose();
});

it('writes PNG files and an SVG grid with embedded PNGs', async () => {
  const images = tensor([0, 0.25, 0.5, 1], [1, 1, 2, 2]);
  const [img] = await imagesToRgba(images);
  images.dispose();
  const dir = mkdtempSync(join(tmpdir(), 'explain-'));
  await savePng(join(dir, 'sub', 'a.png'), img!);
  const decoded = PNG.sync.read(readFileSync(join(dir, 'sub', 'a.png')));
  expect([decoded.width, decoded.height]).toEqual([2, 2]);
  expect(Array.from(decoded.data)).toEqual(Array.from(img!.data));
  expect(Array.from((await encodePng(img!)).subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
  expect(await pngDataUrl(img!)).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
  await saveSvgGrid(join(dir, 'grid.svg'), [{ label: '7 <seven>', images: [img!, img!] }, { images: [img!] }], { columnTitles: ['digit', 'map'], scale: 10 });
  const svg = readFileSync(join(dir, 'grid.svg'), 'utf8');
  expect(svg.match(/<image /g)).toHaveLength(3);
  expect(svg).toContain('7 &lt;seven&gt;');
  expect(svg).toContain('width="20" height="20"');
  expect(svg).toContain('>map</text>');
  expect(svgGrid([])).toMatch(/^<svg[^>]+width="4" height="4"/);
});
