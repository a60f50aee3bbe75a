/**
 * Train on the CPU, switch to WebGPU mid-training, keep training: the model's parameters and the
 * optimizer's state move with `module.to(backend)` / `optimizer.to(backend)`, new tensors go to
 * the backend made active with `setBackend`, and nothing else in the training code changes.
 */
import { dispose, memory, setBackend, tensor, tidy, type Backend, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu, type WebGpuBackend } from '@tessera/backend-webgpu';
import { backward, enableAutograd } from '@tessera/autograd';
import { Linear, ReLU, Sequential, crossEntropy } from '@tessera/layers';
import { Adam } from '@tessera/optim';

export interface SwapOptions {
  /** Steps on the CPU before the switch. */
  readonly cpuSteps: number;
  /** Steps after the switch (on WebGPU; on the CPU when there is no adapter). */
  readonly laterSteps: number;
  /** Where to continue (default `webgpu()`: navigator.gpu, or Dawn in Node). */
  readonly makeBackend?: () => Promise<Backend>;
  readonly log?: (line: string) => void;
}

export interface SwapResult {
  /** The loss of every step, in order. */
  readonly losses: number[];
  /** The backend each step ran on. */
  readonly backends: string[];
  /** Why training stayed on the CPU, when it did. */
  readonly skipped?: string;
  /** Compute dispatches and queue submits per step on WebGPU (its `stats()`). */
  readonly perStep?: { dispatches: number; submits: number };
  /** Tensors left alive once everything is disposed, beyond those alive before (0: nothing leaked). */
  readonly leakedTensors: number;
}

/** A seeded three-arm spiral: 3·n points in 2-D with int32 labels (no Math.random). */
export function spiral(n: number): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(3 * n * 2);
  const y = new Int32Array(3 * n);
  let s = 12345;
  const noise = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s / 4294967296 - 0.5) * 0.3;
  };
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) {
      const r = i / n;
      const t = (c * 2 * Math.PI) / 3 + r * 4 + noise();
      x[(c * n + i) * 2] = r * Math.cos(t);
      x[(c * n + i) * 2 + 1] = r * Math.sin(t);
      y[c * n + i] = c;
    }
  }
  return { x, y };
}

export async function trainWithSwap(options: SwapOptions): Promise<SwapResult> {
  const log = options.log ?? (() => {});
  const tensorsBefore = memory().tensors;
  const host = cpu();
  await setBackend(host);
  enableAutograd(); // record the forward passes below for backward(loss)
  const data = spiral(100);
  let x: Tensor = tensor(data.x, [300, 2]);
  let y: Tensor = tensor(data.y, [300], { dtype: 'int32' });
  const model = new Sequential(
    new Linear({ inFeatures: 2, outFeatures: 32, seed: 1 }),
    new ReLU(),
    new Linear({ inFeatures: 32, outFeatures: 32, seed: 2 }),
    new ReLU(),
    new Linear({ inFeatures: 32, outFeatures: 3, seed: 3 }),
  );
  const optimizer = new Adam(model.parameters(), { lr: 0.02 });

  const losses: number[] = [];
  const backends: string[] = [];
  const train = async (steps: number, backend: Backend): Promise<void> => {
    for (let i = 0; i < steps; i++) {
      const loss = tidy(() => {
        const l = crossEntropy(model.forward(x), y);
        const grads = backward(l);
        optimizer.step(grads);
        return l;
      });
      losses.push((await loss.item()) as number); // a read: on WebGPU the only point that waits for the GPU
      backends.push(backend.name);
      loss.dispose();
      log(`step ${String(losses.length).padStart(3)} on ${backend.name.padEnd(6)} loss ${losses.at(-1)!.toFixed(4)}`);
    }
  };

  await train(options.cpuSteps, host);

  let gpu: Backend | undefined;
  let skipped: string | undefined;
  try {
    gpu = await (options.makeBackend ?? (() => webgpu()))();
  } catch (e) {
    skipped = (e as Error).message;
    log(`no WebGPU here (${skipped}): continuing on the CPU`);
  }
  let perStep: SwapResult['perStep'];
  if (gpu !== undefined) {
    log(`switching to ${gpu.name}: moving the model and the optimizer state`);
    await setBackend(gpu); // new tensors now live on the GPU
    await model.to(gpu);
    await optimizer.to(gpu);
    const [gx, gy] = [await x.to(gpu), await y.to(gpu)];
    dispose([x, y]);
    [x, y] = [gx, gy];
    const stats = (gpu as Partial<WebGpuBackend>).stats?.bind(gpu);
    const before = stats?.();
    await train(options.laterSteps, gpu);
    const after = stats?.();
    if (before && after && options.laterSteps > 0) {
      perStep = {
        dispatches: (after.dispatches - before.dispatches) / options.laterSteps,
        submits: (after.submits - before.submits) / options.laterSteps,
      };
    }
  } else {
    await train(options.laterSteps, host);
  }

  dispose([x, y]);
  model.dispose();
  optimizer.dispose();
  const leakedTensors = memory().tensors - tensorsBefore;
  await setBackend(host);
  gpu?.dispose?.(); // Dawn keeps Node alive while its instance lives
  return { losses, backends, leakedTensors, ...(skipped !== undefined ? { skipped } : {}), ...(perStep ? { perStep } : {}) };
}
