/**
 * The WebGPU suite alone, as one self-contained program: `bundle.sh` turns this file into a
 * single JavaScript file so a GPU machine with no package registry (nothing but Node and the
 * NVIDIA driver) can run it. It does the same work as `pnpm bench -- --only webgpu`.
 */
import * as tc from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The bundle holds one copy of tfjs-core (its ES modules), so the gradients register where the
// backends look for them (run.ts needs a module hook for this; a bundle does not).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { webgpuSuite } from '../suites/webgpu.js';

tf.env().set('PROD', true);
await tc.setBackend(cpu({ threads: 1 }));
await tf.setBackend('cpu');
const quick = process.argv.includes('--quick');
await webgpuSuite.cases({ quick });
console.log(`## ${webgpuSuite.title}`);
console.log(webgpuSuite.summary?.([]) ?? '');
