// Setup for code blocks marked ```ts setup=predictions: a model's outputs on 60 examples: 3-class
// logits and labels, binary probabilities and labels, and a confusion matrix saved as JSON.
import { rand, randint, randn, setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';

await setBackend(cpu());
export const logits = randn([60, 3], { seed: 1 });
export const labels = randint(0, 3, [60], { seed: 2 });
export const probs = rand([60], { seed: 3 });
export const binaryLabels = randint(0, 2, [60], { seed: 4 });
export const saved = JSON.stringify([[5, 1, 0], [2, 7, 1], [0, 3, 9]]);
