// The demo: fit a line with tensor-core on the CPU backend.
import { setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { trainLinearRegression } from './train.js';

await setBackend(cpu());
const result = await trainLinearRegression(200, 0.1, console.log);
console.log(`learned w = [${result.weight.map((v) => v.toFixed(3)).join(', ')}], b = ${result.bias.toFixed(3)} (true: [2, -3.5], 1)`);
console.log(`live tensors after training: ${result.liveTensors}`);
