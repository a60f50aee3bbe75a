// Setup for code blocks marked ```ts setup=classifier: a small 3-class classifier on random data
// (512 rows of 16 features), its optimizer and a loader, on the CPU backend.
import { rand, randint, setBackend, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { DataLoader, TensorDataset } from '@tessera/data-augment';
import { crossEntropy, Linear, ReLU, Sequential } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { enableAutograd } from '@tessera/autograd';

await setBackend(cpu());
enableAutograd(); // record forward passes for backward(loss)
export const model = new Sequential(
  new Linear({ inFeatures: 16, outFeatures: 32, seed: 1 }), new ReLU(), new Linear({ inFeatures: 32, outFeatures: 3, seed: 2 }),
);
export const x = rand([512, 16], { seed: 3 });
export const y = randint(0, 3, [512], { seed: 4 });
export const labels = y;
export const images = x;
export const trainImages = x;
export const trainLabels = y;
export const testImages = rand([128, 16], { seed: 5 });
export const testLabels = randint(0, 3, [128], { seed: 6 });
export const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
export const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 128, shuffle: true, seed: 7 });
/** The loss of one batch of `loader`. */
export const loss = ([inputs, targets]: Tensor[]): Tensor => crossEntropy(model.forward(inputs!), targets!);
