// The demo: 30 Adam steps on the CPU, then 30 more on WebGPU (or on the CPU without an adapter).
import { trainWithSwap } from './swap.js';

const result = await trainWithSwap({ cpuSteps: 30, laterSteps: 30, log: console.log });
if (result.skipped) console.log(`WebGPU was skipped: ${result.skipped}`);
if (result.perStep) {
  console.log(`on WebGPU: ${result.perStep.dispatches.toFixed(0)} compute dispatches and ${result.perStep.submits.toFixed(2)} submits per step (with the loss read every step)`);
}
console.log(`loss ${result.losses[0]!.toFixed(4)} → ${result.losses.at(-1)!.toFixed(4)}; tensors leaked: ${result.leakedTensors}`);
