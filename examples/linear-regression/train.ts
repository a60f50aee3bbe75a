/**
 * Linear regression by gradient descent with hand-written gradient formulas: the smallest
 * complete training loop on tensor-core and the CPU backend.
 */
import { randn, rand, tidy, keep, memory, type Tensor } from '@tessera/tensor-core';

export interface RegressionResult {
  readonly weight: number[];
  readonly bias: number;
  readonly losses: number[];
  readonly liveTensors: number;
}

/**
 * Fits `y = x·w + b` to noisy samples of `y = x·[2, -3.5] + 1` with full-batch gradient descent:
 * `dL/dw = 2/n · xᵀ(ŷ − y)`, `dL/db = 2/n · Σ(ŷ − y)`.
 */
export async function trainLinearRegression(steps = 200, learningRate = 0.1, log?: (line: string) => void): Promise<RegressionResult> {
  const n = 256;
  const x = rand([n, 2], { seed: 1, low: -1, high: 1 });
  const y = tidy(() => {
    const clean = x.slice([0, 0], [n, 1]).mul(2).add(x.slice([0, 1], [n, 2]).mul(-3.5)).add(1);
    return clean.add(randn([n, 1], { seed: 2, std: 0.05 }));
  });
  let w: Tensor = randn([2, 1], { seed: 3, std: 0.1 });
  let b: Tensor = randn([1], { seed: 4, std: 0.1 });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const [nextW, nextB, loss] = tidy(() => {
      const residual = x.matmul(w).add(b).sub(y); // [n, 1]
      const loss = residual.square().mean();
      const gradW = x.transpose().matmul(residual).mul(2 / n);
      const gradB = residual.sum(0).mul(2 / n);
      return [w.sub(gradW.mul(learningRate)), b.sub(gradB.mul(learningRate)), loss];
    });
    w.dispose();
    b.dispose();
    w = keep(nextW);
    b = keep(nextB);
    const value = (await loss.data())[0]!;
    loss.dispose();
    losses.push(value);
    if (log && (step % 25 === 0 || step === steps - 1)) log(`step ${String(step).padStart(3)}  loss ${value.toFixed(6)}`);
  }
  const weight = Array.from(await w.data());
  const bias = (await b.data())[0]!;
  for (const t of [x, y, w, b]) t.dispose();
  return { weight, bias, losses, liveTensors: memory().tensors };
}
