/**
 * Run by `lifecycle.test.ts` in a child Node process (with --expose-gc): creates, uses and
 * disposes the backend four times with garbage collections in between, then returns without
 * calling process.exit. The process must neither abort (Dawn frees an instance badly) nor hang
 * (something keeps the event loop alive after dispose).
 */
import { tensor } from '@tessera/tensor-core';
import { webgpu } from '../index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
for (let round = 0; round < 4; round++) {
  const backend = await webgpu();
  let values: number[];
  if (round % 2 === 0) {
    // Through the backend interface only: tensor-core's engine never sees (or retains) this backend.
    const handle = backend.allocate(3, 'float32');
    backend.write(handle, new Float32Array([3, 5, 7]));
    values = Array.from(await backend.read({ handle, shape: [3], dtype: 'float32' }));
    backend.free(handle);
  } else {
    const x = tensor([1, 2, 3], [3], { backend });
    const y = x.mul(2).add(1);
    values = Array.from(await y.data());
    x.dispose();
    y.dispose();
  }
  if (values.join() !== '3,5,7') throw new Error(`round ${round}: got ${values.join()}`);
  backend.dispose();
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  console.log(`round ${round} ok`);
}
