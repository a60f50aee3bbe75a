/** Every error path of the public functions: a TensorError with a code and the offending value. */
import { describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { Linear, Module, ReLU, Sequential } from '@tessera/layers';
import { ones, setBackend, tensor, zeros, type Tensor } from '@tessera/tensor-core';
import { attributionHeatmaps, attributionOverlays, gaussLegendre, gradCam, gradientXInput, imagesToRgba, integratedGradients, integrationRule, saliency, smoothGrad, svgGrid } from './index.js';
import { encodePng } from './node.js';
import { buildModel, fixture, toTensor } from './test-utils/fixtures.js';

// Top level: the describe blocks below build their models while tests are collected.
await setBackend(cpu());

async function rejects(promise: Promise<unknown> | (() => unknown), code: string, message: RegExp): Promise<void> {
  const run = typeof promise === 'function' ? Promise.resolve().then(promise) : promise;
  await expect(run).rejects.toMatchObject({ name: 'TensorError', code, message: expect.stringMatching(message) });
}

describe('attribution methods', () => {
  const model = buildModel('mlp');
  const cnn = buildModel('cnn');
  const x = toTensor(fixture.models.mlp.x);
  const images = toTensor(fixture.models.cnn.x);

  it('reject unknown options and bad option values', async () => {
    await rejects(saliency(model, x, { target: 0, smooth: true } as never), 'UNKNOWN_OPTION', /unknown option 'smooth'; valid options: target, abs, batchSize/);
    await rejects(gradientXInput(model, x, { target: 0, abs: true } as never), 'UNKNOWN_OPTION', /unknown option 'abs'/);
    await rejects(smoothGrad(model, x, { target: 0, noise: 1 } as never), 'UNKNOWN_OPTION', /unknown option 'noise'/);
    await rejects(integratedGradients(model, x, { target: 0, n_steps: 5 } as never), 'UNKNOWN_OPTION', /unknown option 'n_steps'/);
    await rejects(gradCam(cnn, images, { layer: 'conv2', relu_attributions: true } as never), 'UNKNOWN_OPTION', /unknown option 'relu_attributions'/);
    await rejects(saliency(model, x, 'fast' as never), 'INVALID_ARGUMENT', /options must be a plain object/);
    await rejects(saliency(model, x, { target: 0, batchSize: 0 }), 'INVALID_ARGUMENT', /batchSize must be an integer >= 1, got number 0/);
    await rejects(saliency(model, x, { target: 0, abs: 1 as never }), 'INVALID_ARGUMENT', /abs must be a boolean, got number 1/);
    await rejects(smoothGrad(model, x, { target: 0, samples: 0 }), 'INVALID_ARGUMENT', /samples must be an integer >= 1, got number 0/);
    await rejects(smoothGrad(model, x, { target: 0, stdev: -0.1 }), 'INVALID_ARGUMENT', /stdev must be a finite number >= 0, got number -0.1/);
    await rejects(smoothGrad(model, x, { target: 0, stdev: NaN }), 'INVALID_ARGUMENT', /stdev must be a finite number/);
    await rejects(smoothGrad(model, x, { target: 0, seed: -1 }), 'INVALID_ARGUMENT', /seed must be an integer in \[0, 4294967295\], got number -1/);
    await rejects(smoothGrad(model, x, { target: 0, multiplyByInputs: 'yes' as never }), 'INVALID_ARGUMENT', /multiplyByInputs must be a boolean/);
    await rejects(integratedGradients(model, x, { target: 0, method: 'simpson' as never }), 'INVALID_ARGUMENT', /method must be one of 'gaussLegendre', .*got "simpson"/);
    await rejects(integratedGradients(model, x, { target: 0, method: 'riemannTrapezoid', steps: 1 }), 'INVALID_ARGUMENT', /steps must be an integer >= 2, got number 1/);
    await rejects(integratedGradients(model, x, { target: 0, steps: 2.5 }), 'INVALID_ARGUMENT', /steps must be an integer >= 1, got number 2.5/);
    await rejects(gradCam(cnn, images, { layer: 'conv2', upsample: 'yes' as never }), 'INVALID_ARGUMENT', /upsample must be a boolean/);
  });

  it('reject bad models and inputs', async () => {
    await rejects(saliency({ forward: (t: Tensor) => t } as never, x, { target: 0 }), 'INVALID_ARGUMENT', /model must be a Module of @tessera\/layers, got Object/);
    await rejects(saliency(model, [1, 2] as never, { target: 0 }), 'INVALID_ARGUMENT', /inputs must be a Tensor with the batch axis first, got an array of length 2/);
    const ints = zeros([2, 6], { dtype: 'int32' });
    await rejects(saliency(model, ints, { target: 0 }), 'DTYPE_MISMATCH', /must be a float tensor, got dtype int32 \(shape \[2,6\]\); only float inputs can be differentiated/);
    ints.dispose();
    const flat = ones([6]);
    await rejects(saliency(model, flat, { target: 0 }), 'SHAPE_MISMATCH', /batch axis first .* got shape \[6\]/);
    flat.dispose();
    const gone = ones([2, 6]);
    gone.dispose();
    await rejects(saliency(model, gone, { target: 0 }), 'TENSOR_DISPOSED', /inputs \(tensor id=\d+ shape=\[2,6\]\) was disposed/);
    const narrow = ones([1, 5]);
    await rejects(saliency(model, narrow, { target: 0 }), 'SHAPE_MISMATCH', /matmul|linear|Linear/i);
    narrow.dispose();
  });

  it('reject bad targets', async () => {
    await rejects(saliency(model, x), 'INVALID_ARGUMENT', /target is required: the model returns 3 outputs per example \(shape \[4,3\]\)/);
    await rejects(saliency(model, x, { target: 3 }), 'INVALID_ARGUMENT', /target\[0\] = 3 is out of range for a model with 3 outputs/);
    await rejects(saliency(model, x, { target: -1 }), 'INVALID_ARGUMENT', /target must be an integer >= 0, got number -1/);
    await rejects(saliency(model, x, { target: 1.5 }), 'INVALID_ARGUMENT', /target must be an integer >= 0, got number 1.5/);
    await rejects(saliency(model, x, { target: [0, 1] }), 'SHAPE_MISMATCH', /target has 2 entries but the inputs have 4 examples/);
    await rejects(saliency(model, x, { target: [0, 1, 'a', 2] as never }), 'INVALID_ARGUMENT', /target\[2\] must be an integer >= 0, got "a"/);
    const floats = tensor([0, 1, 2, 0]);
    await rejects(saliency(model, x, { target: floats }), 'INVALID_ARGUMENT', /target must be an int32 tensor \[N\] of class indices, got Tensor\(shape=\[4\], dtype=float32\)/);
    floats.dispose();
    const negative = tensor([0, -2, 1, 0], [4], { dtype: 'int32' });
    await rejects(saliency(model, x, { target: negative }), 'INVALID_ARGUMENT', /target\[1\] must be a class index >= 0, got -2/);
    negative.dispose();
    await rejects(saliency(model, x, { target: 'cat' as never }), 'INVALID_ARGUMENT', /target must be a class index, an array of indices or an int32 tensor, got "cat"/);
    // A single-output model needs no target.
    const regressor = new Sequential(new Linear({ inFeatures: 6, outFeatures: 1, seed: 0 }));
    const sal = await saliency(regressor, x);
    expect(sal.shape).toEqual([4, 6]);
    sal.dispose();
    regressor.dispose();
  });

  it('reject bad baselines', async () => {
    const wrong = ones([4, 5]);
    await rejects(integratedGradients(model, x, { target: 0, baseline: wrong }), 'SHAPE_MISMATCH', /baseline shape \[4,5\] must equal the inputs' \[4,6\], one example's \[1,6\] or \[6\]/);
    wrong.dispose();
    await rejects(integratedGradients(model, x, { target: 0, baseline: Infinity }), 'INVALID_ARGUMENT', /baseline must be a finite number or a Tensor, got number Infinity/);
    await rejects(integratedGradients(model, x, { target: 0, baseline: [0] as never }), 'INVALID_ARGUMENT', /baseline must be a number or a Tensor, got an array of length 1/);
  });

  it('Grad-CAM rejects unknown, foreign, repeated and unused layers and non-image outputs', async () => {
    await rejects(gradCam(cnn, images, { layer: 'conv3', target: 0 }), 'INVALID_ARGUMENT', /no layer named 'conv3' in the model \(layers: conv1, relu1, pool, conv2, relu2, flatten, fc\)/);
    await rejects(gradCam(cnn, images, { layer: new ReLU(), target: 0 }), 'INVALID_ARGUMENT', /layer ReLU is not a module of the model/);
    await rejects(gradCam(cnn, images, { layer: 3 as never, target: 0 }), 'INVALID_ARGUMENT', /layer must be a layer name or a Module of the model, got number 3/);
    await rejects(gradCam(cnn, images, { layer: 'fc', target: 0 }), 'SHAPE_MISMATCH', /needs a layer with output \[N, C, h, w\]; Linear returned shape \[3,3\]/);
    await rejects(gradCam(model, x, { layer: '0', target: 0, upsample: true }), 'SHAPE_MISMATCH', /upsample needs image inputs \[N, C, H, W\], got shape \[4,6\]/);
    class Twice extends Module {
      act = new ReLU();
      lin = new Linear({ inFeatures: 6, outFeatures: 3, seed: 0 });
      unused = new ReLU();
      forward(t: Tensor): Tensor {
        return this.lin.forward(this.act.forward(this.act.forward(t)));
      }
    }
    const twice = new Twice();
    await rejects(gradCam(twice, x, { layer: 'act', target: 0, upsample: false }), 'INVALID_ARGUMENT', /layer ReLU runs more than once per forward pass/);
    await rejects(gradCam(twice, x, { layer: 'unused', target: 0, upsample: false }), 'INVALID_ARGUMENT', /layer ReLU did not run during the forward pass/);
    expect(Object.prototype.hasOwnProperty.call(twice.act, 'forward')).toBe(false);
    twice.dispose();
  });

  it('integration rules', () => {
    expect(Array.from(integrationRule('riemannTrapezoid', 3).weights)).toEqual([0.25, 0.5, 0.25]);
    expect(Array.from(integrationRule('riemannMiddle', 2).alphas)).toEqual([0.25, 0.75]);
    expect(Array.from(integrationRule('riemannLeft', 2).alphas)).toEqual([0, 0.5]);
    expect(Array.from(integrationRule('riemannRight', 2).alphas)).toEqual([0.5, 1]);
    // Gauss–Legendre with n points integrates polynomials of degree 2n - 1 exactly.
    const { nodes, weights } = gaussLegendre(5);
    const integral = nodes.reduce((acc, t, i) => acc + weights[i]! * t ** 8, 0);
    expect(integral).toBeCloseTo(2 / 9, 14);
    expect(Array.from(gaussLegendre(1).nodes)).toEqual([0]);
    expect(Array.from(gaussLegendre(1).weights)).toEqual([2]);
    expect(() => gaussLegendre(0)).toThrow(/n must be an integer >= 1, got number 0/);
    expect(() => integrationRule('simpson' as never, 3)).toThrow(/method must be one of/);
  });
});

describe('pictures', () => {
  it('reject bad tensors and options', async () => {
    const img = ones([2, 1, 4, 4]);
    const flat = ones([2, 16]);
    const two = ones([2, 2, 4, 4]);
    const small = ones([2, 1, 3, 4]);
    await rejects(attributionOverlays(img, flat), 'SHAPE_MISMATCH', /attributions must be \[N, C, H, W\], got shape \[2,16\]/);
    await rejects(attributionOverlays(two, img), 'SHAPE_MISMATCH', /images must have 1 \(grey\) or 3 \(RGB\) channels, got shape \[2,2,4,4\]/);
    await rejects(attributionOverlays(img, small), 'SHAPE_MISMATCH', /attributions \[2,1,3,4\] must match the images \[2,1,4,4\] in N, H and W/);
    await rejects(attributionOverlays(img, img, { sign: 'negative' as never }), 'INVALID_ARGUMENT', /sign must be one of 'all', 'positive', 'absolute', got "negative"/);
    await rejects(attributionOverlays(img, img, { opacity: 2 }), 'INVALID_ARGUMENT', /opacity must be a finite number in \[0, 1\], got number 2/);
    await rejects(attributionHeatmaps(img, { outlierPercent: 101 }), 'INVALID_ARGUMENT', /outlierPercent must be a finite number in \[0, 100\]/);
    await rejects(attributionHeatmaps(img, { colour: 'red' } as never), 'UNKNOWN_OPTION', /unknown option 'colour'/);
    await rejects(attributionHeatmaps('map' as never), 'INVALID_ARGUMENT', /attributions must be a Tensor \[N, C, H, W\], got "map"/);
    await rejects(imagesToRgba(two), 'SHAPE_MISMATCH', /1 \(grey\) or 3 \(RGB\) channels/);
    const gone = ones([1, 1, 2, 2]);
    gone.dispose();
    await rejects(imagesToRgba(gone), 'TENSOR_DISPOSED', /images \(tensor id=\d+\) was disposed/);
    expect(() => svgGrid([], { scale: 0 })).toThrow(/scale must be a finite number > 0, got number 0/);
    expect(() => svgGrid([], { columns: 3 } as never)).toThrow(/unknown option 'columns'/);
    expect(() => svgGrid('rows' as never)).toThrow(/rows must be an array of \{ label, cells \}, got "rows"/);
    await rejects(encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(15) }), 'INVALID_ARGUMENT', /width × height × 4 RGBA bytes/);
    for (const t of [img, flat, two, small]) t.dispose();
  });
});

describe('every bad option of one call in one error (issue 11)', () => {
  const model = buildModel('mlp');
  const x = toTensor(fixture.models.mlp.x);

  it('smoothGrad lists each bad value with the first code', async () => {
    await expect(smoothGrad(model, x, { target: 0, samples: 0, stdev: -1, abs: 'yes' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: [{ name: 'samples' }, { name: 'stdev' }, { name: 'abs' }],
      message: 'smoothGrad: samples must be an integer >= 1, got number 0; and 2 more problems: stdev must be a finite number >= 0, got number -1; abs must be a boolean, got "yes"',
    });
  });

  it('a picture reports a misspelt key and a bad opacity together', async () => {
    const img = zeros([1, 1, 2, 2]);
    await expect(Promise.resolve().then(() => attributionOverlays(img, img, { opacity: 2, outlier: 1 } as never))).rejects.toMatchObject({
      code: 'UNKNOWN_OPTION',
      details: [{ name: 'options' }, { name: 'opacity' }],
    });
    img.dispose();
  });
});
