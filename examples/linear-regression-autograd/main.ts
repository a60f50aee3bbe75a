/**
 * Linear regression with autograd: fit y = 3x + 2 with `backward` and plain SGD.
 *
 * Run: `pnpm --filter @tessera/example-linear-regression-autograd start`
 */
import { backward, enableAutograd, noGrad } from '@tessera/autograd';
import { cpu } from '@tessera/backend-cpu';
import { dispose, randn, setBackend, tidy, type Tensor } from '@tessera/tensor-core';

/** Options of {@link train}. */
export interface TrainOptions {
  readonly steps?: number;
  readonly learningRate?: number;
  /** Called with the step number and the loss, every `logEvery` steps. */
  readonly onLog?: (step: number, loss: number) => void;
  readonly logEvery?: number;
}

/** What {@link train} learned. */
export interface TrainResult {
  readonly weight: number;
  readonly bias: number;
  readonly losses: readonly number[];
}

/**
 * Trains `y = w·x + b` on noisy samples of `y = 3x + 2` and returns the learned `w`, `b` and
 * the loss of every step.
 *
 * @example
 * ```ts
 * await setBackend(cpu());
 * const { weight, bias } = await train({ steps: 200 });
 * ```
 */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const steps = options.steps ?? 200;
  const lr = options.learningRate ?? 0.1;
  const logEvery = options.logEvery ?? 20;

  const x = randn([128, 1], { seed: 1 });
  const y = tidy(() => x.mul(3).add(2).add(randn([128, 1], { seed: 2, std: 0.05 })));
  // Record ops on requiresGrad tensors from here on (the one line a PyTorch-style loop needs).
  enableAutograd();
  // Parameters: leaves that require gradients.
  let w: Tensor = randn([1], { seed: 3, requiresGrad: true });
  let b: Tensor = randn([1], { seed: 4, requiresGrad: true });

  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const { loss, nextW, nextB } = tidy(() => {
      const loss = x.mul(w).add(b).sub(y).square().mean(); // recorded: w and b require gradients
      const grads = backward(loss); // Map: parameter -> gradient; the tape is released
      // The update itself must not be recorded.
      const [nextW, nextB] = noGrad(() => [w.sub(grads.get(w)!.mul(lr)), b.sub(grads.get(b)!.mul(lr))]);
      return { loss, nextW: nextW!, nextB: nextB! };
    });
    nextW.requiresGrad = true;
    nextB.requiresGrad = true;
    dispose([w, b]);
    w = nextW;
    b = nextB;
    const value = await loss.item();
    loss.dispose();
    losses.push(value);
    if (step % logEvery === 0 || step === steps - 1) options.onLog?.(step, value);
  }
  const result = { weight: await w.item(), bias: await b.item(), losses };
  dispose([x, y, w, b]);
  return result;
}

// Run as a script (not when imported by the test).
if (import.meta.url === `file://${process.argv[1]}`) {
  await setBackend(cpu());
  const { weight, bias } = await train({ onLog: (step, loss) => console.log(`step ${String(step).padStart(3)}  loss ${loss.toFixed(6)}`) });
  console.log(`learned y = ${weight.toFixed(3)}x + ${bias.toFixed(3)} (true: y = 3x + 2)`);
}
