/**
 * SVG plots: well-formed documents with the expected cells, points and legend text; files written
 * by `plot(path)`; and TensorErrors for empty results and bad options.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TensorError } from '@tessera/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfusionMatrix, confusionMatrix, confusionMatrixSvg, precisionRecallCurve, precisionRecallCurveSvg, rocCurve, rocCurveSvg } from './index.js';
import { expectTensorError } from './test-utils/errors.js';

/**
 * A tiny XML check: every tag is well-formed with quoted attributes, tags balance, the root is
 * one `<svg>`, and text holds no raw `<` or stray `&`.
 */
function expectWellFormed(svg: string): void {
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const textEnd = lt < 0 ? svg.length : lt;
    const content = svg.slice(i, textEnd);
    expect(content.replace(/&(amp|lt|gt|quot|apos);/g, ''), `text before offset ${textEnd}`).not.toMatch(/[<&]/);
    if (stack.length === 0) expect(content.trim(), 'text outside the root').toBe('');
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    expect(m, `malformed tag at offset ${lt}: ${svg.slice(lt, lt + 60)}`).not.toBeNull();
    const [whole, closing, name, , selfClosing] = m!;
    if (closing) {
      expect(stack.pop(), `closing </${name}> at offset ${lt}`).toBe(name);
    } else if (!selfClosing) {
      if (stack.length === 0) roots += 1;
      stack.push(name!);
    } else if (stack.length === 0) {
      roots += 1;
    }
    i = lt + whole.length;
  }
  expect(stack, 'unclosed tags').toEqual([]);
  expect(roots).toBe(1);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
}

const count = (svg: string, re: RegExp): number => svg.match(new RegExp(re.source, 'g'))?.length ?? 0;

/** The points of the `<polyline class="name">`. */
function polylinePoints(svg: string, cls: string): Array<[number, number]> {
  const m = new RegExp(`<polyline class="${cls}" points="([^"]*)"`).exec(svg);
  expect(m, `polyline.${cls}`).not.toBeNull();
  return m![1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
}

describe('confusion-matrix heat map', () => {
  const pred = [0, 1, 2, 2, 1, 0, 2];
  const target = [0, 1, 1, 2, 1, 2, 2];

  it('draws one cell per entry with its count, the labels and the axis titles', async () => {
    const cm = await confusionMatrix(pred, target);
    expect(cm).toEqual([[1, 0, 0], [0, 2, 1], [1, 0, 2]]); // still a plain number[][]
    const svg = cm.toSvg({ labels: ['cat', 'dog', 'a<b & c'], title: 'Validation' });
    expectWellFormed(svg);
    expect(count(svg, /<rect class="cell"/)).toBe(9);
    for (const v of ['1', '2', '0']) expect(svg).toMatch(new RegExp(`>${v}</text>`));
    expect(svg).toContain('>Predicted</text>');
    expect(svg).toContain('>True</text>');
    expect(svg).toContain('>Validation</text>');
    expect(svg).toContain('>a&lt;b &amp; c</text>');
    expect(svg).toContain('<title>true dog, predicted a&lt;b &amp; c: 1</title>');
    // The largest cell is the darkest colour of the scale, an empty one the lightest.
    expect(svg).toMatch(/<rect class="cell" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="#08306b"[^>]*><title>true dog, predicted dog: 2</);
    expect(svg).toMatch(/fill="#f7fbff"[^>]*><title>true cat, predicted dog: 0</);
  });

  it('colours by row fraction with normalize and prints the percentage', async () => {
    const svg = (await confusionMatrix(pred, target)).toSvg({ normalize: 'true' });
    expectWellFormed(svg);
    expect(svg).toContain('>66.7%</text>');
    expect(svg).toContain('>100.0%</text>');
    expect(svg).toMatch(/fill="#08306b"[^>]*><title>true 0, predicted 0: 1 \(100\.0%\)</);
  });

  it('plots the streaming class result and normalised matrices', async () => {
    const m = new ConfusionMatrix({ numClasses: 4 });
    await m.update([0, 1, 3], [0, 1, 1]);
    const svg = m.compute().toSvg();
    expect(count(svg, /<rect class="cell"/)).toBe(16);
    const fractions = await confusionMatrix(pred, target, { normalize: 'all' });
    expect(fractions.toSvg()).toContain('>0.29</text>'); // 2/7
  });

  it('leaves the result data unchanged: JSON and keys see only the numbers', async () => {
    const cm = await confusionMatrix([0, 1], [0, 1]);
    expect(JSON.stringify(cm)).toBe('[[1,0],[0,1]]');
    expect(Object.keys(cm)).toEqual(['0', '1']);
    const roc = await rocCurve([0.1, 0.9], [0, 1]);
    expect(Object.keys(roc)).toEqual(['fpr', 'tpr', 'thresholds']);
  });

  it('rejects empty or malformed matrices and bad options with TensorError', async () => {
    await expectTensorError(() => confusionMatrixSvg([]), 'INVALID_ARGUMENT', /^confusionMatrixSvg: the confusion matrix is empty/);
    await expectTensorError(() => confusionMatrixSvg([[1, 2], [3]]), 'INVALID_ARGUMENT', /must be square: it has 2 rows but row 1 has 1 values/);
    await expectTensorError(() => confusionMatrixSvg([[1, -1], [0, 1]]), 'INVALID_ARGUMENT', /matrix\[0\]\[1\] = -1/);
    await expectTensorError(() => confusionMatrixSvg([[1, NaN], [0, 1]]), 'INVALID_ARGUMENT', /matrix\[0\]\[1\] = NaN/);
    const cm = await confusionMatrix([0, 1], [0, 1]);
    await expectTensorError(() => cm.toSvg({ labels: ['a'] }), 'INVALID_ARGUMENT', /^confusionMatrix\.toSvg: labels has 1 names but the matrix has 2 classes/);
    await expectTensorError(() => cm.toSvg({ labels: [1, 2] as unknown as string[] }), 'INVALID_ARGUMENT', /labels must be an array of strings/);
    await expectTensorError(() => cm.toSvg({ normalize: 'rows' as 'true' }), 'INVALID_ARGUMENT', /normalize must be one of 'true', 'pred', 'all', got "rows"/);
    await expectTensorError(() => cm.toSvg({ cellSize: 0 }), 'INVALID_ARGUMENT', /cellSize must be a finite number in \[8, 200\], got number 0/);
    await expectTensorError(() => cm.toSvg({ normalise: 'true' } as object), 'UNKNOWN_OPTION', /unknown option 'normalise' \(did you mean 'normalize'\?\); valid options: title, labels, normalize, cellSize/);
    await expectTensorError(() => cm.toSvg({ title: 3 } as unknown as object), 'INVALID_ARGUMENT', /title must be a non-empty string, got number 3/);
    await expectTensorError(() => cm.plot({ labels: ['a', 'b'] } as unknown as string), 'INVALID_ARGUMENT', /^confusionMatrix\.plot: path must be a non-empty string, got Object/);
  });

  it('reports every bad plot option in one TensorError', async () => {
    const cm = await confusionMatrix([0, 1], [0, 1]);
    let error: unknown;
    try {
      cm.toSvg({ normalise: 'true', cellSize: 0, labels: ['a'], title: '' } as object);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TensorError);
    expect(error).toMatchObject({ code: 'UNKNOWN_OPTION' });
    expect((error as TensorError).details.map((d) => [d.code, d.name])).toEqual([
      ['UNKNOWN_OPTION', 'options'],
      ['INVALID_ARGUMENT', 'title'],
      ['INVALID_ARGUMENT', 'labels'],
      ['INVALID_ARGUMENT', 'cellSize'],
    ]);
    expect((error as TensorError).message).toMatch(/unknown option 'normalise'.*; and 3 more problems: title must be a non-empty string, got ""; labels has 1 names but the matrix has 2 classes; cellSize must be a finite number in \[8, 200\], got number 0/);
    const roc = await rocCurve([0.1, 0.9], [0, 1]);
    expect(() => roc.toSvg({ size: 50, label: 7 } as unknown as object)).toThrow(/^rocCurve\.toSvg: label must be a non-empty string, got number 7; and 1 more problem: size must be a finite number in \[100, 2000\], got number 50/);
  });
});

describe('ROC and precision-recall plots', () => {
  const scores = [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.9, 0.55];
  const target = [0, 0, 1, 1, 0, 1, 1, 0];

  it('draws the ROC curve through every point, the chance diagonal, ticks and the AUC', async () => {
    const roc = await rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    const svg = roc.toSvg({ label: 'model A' });
    expectWellFormed(svg);
    const points = polylinePoints(svg, 'curve');
    expect(points).toHaveLength(roc.fpr.length);
    expect(polylinePoints(svg, 'chance')).toHaveLength(2);
    expect(svg).toContain('>model A (AUC = 0.750)</text>');
    expect(svg).toContain('>Chance (AUC = 0.500)</text>');
    for (const tick of ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']) expect(count(svg, new RegExp(`>${tick.replace('.', '\\.')}</text>`))).toBe(2);
    expect(svg).toContain('>False positive rate</text>');
    expect(svg).toContain('>True positive rate</text>');
    expect(svg).toContain('>ROC curve</text>');
    // (0, 0) is the lower-left corner of the 400 px square, (1, 1) the upper right.
    expect(points[0]).toEqual([62, 444]);
    expect(points[points.length - 1]).toEqual([462, 44]);
  });

  it('draws the precision-recall curve as steps with the AP and the chance level', async () => {
    const pr = await precisionRecallCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    const svg = pr.toSvg({ size: 200 });
    expectWellFormed(svg);
    expect(polylinePoints(svg, 'curve')).toHaveLength(2 * pr.recall.length - 1);
    expect(svg).toContain('>PR (AP = 0.833)</text>');
    expect(svg).toContain('>Chance (AP = 0.500)</text>');
    expect(svg).toContain('>Recall</text>');
    expect(svg).toContain('>Precision</text>');
    expect(svg).toContain('width="286"'); // 62 + 200 + 24
  });

  it('gives the same SVG from the functions on plain data', async () => {
    const roc = await rocCurve(scores, target);
    expect(rocCurveSvg(JSON.parse(JSON.stringify(roc)) as typeof roc)).toBe(roc.toSvg());
    const pr = await precisionRecallCurve(scores, target);
    expect(precisionRecallCurveSvg({ precision: pr.precision, recall: pr.recall })).toBe(pr.toSvg());
  });

  it('rejects undefined curves and bad options with TensorError', async () => {
    const oneClass = await rocCurve([0.2, 0.8], [1, 1]);
    await expectTensorError(() => oneClass.toSvg(), 'INVALID_ARGUMENT', /^rocCurve\.toSvg: fpr\[0\] = NaN; rates must lie in \[0, 1\] \(the target has a single class/);
    await expectTensorError(() => rocCurveSvg({ fpr: [0], tpr: [0] }), 'INVALID_ARGUMENT', /^rocCurveSvg: the ROC curve is empty: it needs at least 2 points, got 1/);
    await expectTensorError(() => rocCurveSvg({ fpr: [0, 1], tpr: [0] }), 'INVALID_ARGUMENT', /fpr has 2 points but tpr has 1/);
    await expectTensorError(() => rocCurveSvg({ fpr: [0, 1, 0.5], tpr: [0, 1, 1] }), 'INVALID_ARGUMENT', /fpr must be increasing/);
    await expectTensorError(() => rocCurveSvg({} as never), 'INVALID_ARGUMENT', /needs arrays fpr and tpr; fpr is undefined/);
    await expectTensorError(() => precisionRecallCurveSvg({ precision: [1, 0.5], recall: [0, 1] }), 'INVALID_ARGUMENT', /recall must be decreasing/);
    const roc = await rocCurve(scores, target);
    await expectTensorError(() => roc.toSvg({ size: 50 }), 'INVALID_ARGUMENT', /size must be a finite number in \[100, 2000\], got number 50/);
    await expectTensorError(() => roc.toSvg({ colour: 'red' } as object), 'UNKNOWN_OPTION', /unknown option 'colour'; valid options: title, label, size/);
    await expectTensorError(() => roc.plot('roc.jpg'), 'INVALID_ARGUMENT', /^rocCurve\.plot: cannot tell the format of 'roc\.jpg': use a file name ending in \.svg or \.png/);
    await expectTensorError(() => roc.toPng({ size: 50 }), 'INVALID_ARGUMENT', /^rocCurve\.toPng: size must be a finite number in \[100, 2000\], got number 50/);
  });
});

describe('plot(path)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-metrics-plot-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the SVG (creating folders) and returns it; without a path only returns it', async () => {
    const cm = await confusionMatrix([0, 1, 1, 0], [0, 1, 0, 0]);
    const path = join(dir, 'nested', 'cm.svg');
    const svg = await cm.plot(path, { labels: ['no', 'yes'] });
    expect(await readFile(path, 'utf8')).toBe(svg);
    expect(svg).toBe(cm.toSvg({ labels: ['no', 'yes'] }));
    expect(await cm.plot()).toBe(cm.toSvg());

    const roc = await rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    const rocPath = join(dir, 'roc.SVG');
    expect(await roc.plot(rocPath)).toBe(await readFile(rocPath, 'utf8'));
    const pr = await precisionRecallCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    await pr.plot(join(dir, 'pr.svg'), { title: 'PR' });
    expect(await readFile(join(dir, 'pr.svg'), 'utf8')).toContain('AP = 0.833');
  });

  it('writes a PNG for a .png path (as History.plot), drawn by resvg from the same SVG', async () => {
    const cm = await confusionMatrix([0, 1, 1, 0], [0, 1, 0, 0]);
    const path = join(dir, 'png', 'cm.PNG');
    const svg = await cm.plot(path, { labels: ['no', 'yes'] });
    expect(svg).toBe(cm.toSvg({ labels: ['no', 'yes'] }));
    const bytes = new Uint8Array(await readFile(path));
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    expect(view.getUint32(16)).toBe(2 * width); // IHDR width: the SVG's at the default scale 2
    expect(Array.from(await cm.toPng({ labels: ['no', 'yes'] }))).toEqual(Array.from(bytes));
    const roc = await rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    expect(Array.from((await roc.toPng()).subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
  });

  it('validates before writing anything', async () => {
    const empty = await rocCurve([0.2, 0.8], [0, 0]);
    const path = join(dir, 'never.svg');
    await expectTensorError(() => empty.plot(path), 'INVALID_ARGUMENT', /tpr\[0\] = NaN/);
    await expect(readFile(path)).rejects.toThrow();
  });
});
