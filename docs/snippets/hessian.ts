// Setup for code blocks marked ```ts setup=hessian: a scalar function f of a vector x that needs
// gradients, and a direction v, on the CPU backend.
import { randn, setBackend, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import '@tessera/autograd';

await setBackend(cpu());
export const f = (x: Tensor): Tensor => x.pow(3).sum().add(x.square().mean());
export const x = randn([5], { seed: 1, requiresGrad: true });
export const v = randn([5], { seed: 2 });
