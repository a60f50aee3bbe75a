/**
 * What per-sample gradients cost beside an ordinary backward pass, on the tutorial CNN with a
 * batch of 256 (the figure docs/privacy.md quotes). Prints the median of 5 rounds after one
 * warm-up round, as times and as ratios to the plain forward + backward.
 *
 * Run: `node --conditions=@tessera/source --import tsx per-sample-cost.ts` in this folder.
 */
import { backward, enableAutograd } from '@tessera/autograd';
import { cpu } from '@tessera/backend-cpu';
import { crossEntropy } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { DPOptimizer, perSampleGradients } from '@tessera/privacy';
import { dispose, randint, randn, setBackend, tidy } from '@tessera/tensor-core';
import { DpCnn } from './main.js';

await setBackend(cpu());
enableAutograd(); // record the forward passes below for backward(loss)
const model = new DpCnn();
const x = randn([256, 1, 28, 28], { seed: 0 });
const y = randint(0, 10, [256], { seed: 1 });
const dp = new DPOptimizer(new SGD(model.parameters(), { lr: 0.01 }), { noiseMultiplier: 1, maxGradNorm: 1, expectedBatchSize: 256, seed: 0 });
const rounds: { plain: number; perSample: number; loop: number; dpStep: number }[] = [];
for (let round = 0; round < 6; round++) {
  let t = performance.now();
  const loss = tidy(() => crossEntropy(model.forward(x), y));
  const grads = backward(loss);
  await grads.get(model.conv1.weight)!.data();
  const plain = performance.now() - t;
  dispose([loss, [...grads.values()]]);

  t = performance.now();
  const psg = perSampleGradients(model, (a, b) => crossEntropy(model.forward(a), b, { reduction: 'none' }), [x, y]);
  await psg.grads.get(model.conv1.weight)!.data();
  const perSample = performance.now() - t;

  t = performance.now();
  dp.step(psg);
  await model.conv1.weight.data();
  const dpStep = performance.now() - t;
  dispose([[...psg.grads.values()], psg.losses]);

  // The generic fallback on 32 of the 256 examples, scaled to 256.
  t = performance.now();
  const few = [x.slice([0], [32]), y.slice([0], [32])];
  const slow = perSampleGradients(model, (a, b) => crossEntropy(model.forward(a), b, { reduction: 'none' }), few, { method: 'loop' });
  await slow.grads.get(model.conv1.weight)!.data();
  const loop = ((performance.now() - t) * 256) / 32;
  dispose([[...slow.grads.values()], slow.losses, few]);
  if (round > 0) rounds.push({ plain, perSample, loop, dpStep });
}
const median = (k: keyof (typeof rounds)[number]): number => rounds.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!;
const plain = median('plain');
console.log(`batch 256, tutorial CNN, CPU backend (median of ${rounds.length})`);
console.log(`plain forward + backward       ${plain.toFixed(0)} ms  1.00x`);
for (const [name, key] of [['per-sample, fast path', 'perSample'], ['per-sample, loop (scaled)', 'loop'], ['DP step (clip, noise, SGD)', 'dpStep']] as const) {
  console.log(`${name.padEnd(30)} ${median(key).toFixed(0)} ms  ${(median(key) / plain).toFixed(2)}x`);
}
dp.dispose();
model.dispose();
dispose([x, y]);
