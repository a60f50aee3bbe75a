// Setup for code blocks marked ```ts setup=cnn: a small convolutional classifier whose layers
// have names (`conv1`, `conv2`, ...), four 8x8 grey images and their labels, on the CPU backend.
import { rand, setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Conv2d, Flatten, Linear, ReLU, Sequential } from '@tessera/layers';

await setBackend(cpu());
export const model = new Sequential({
  conv1: new Conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1, seed: 1 }), relu1: new ReLU(),
  conv2: new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, seed: 2 }), relu2: new ReLU(),
  flatten: new Flatten(), fc: new Linear({ inFeatures: 4 * 8 * 8, outFeatures: 3, seed: 3 }),
});
export const images = rand([4, 1, 8, 8], { seed: 4 });
export const labels = [0, 1, 2, 0];
