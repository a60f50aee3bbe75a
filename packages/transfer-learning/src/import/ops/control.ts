/** Control flow: If. */
import { where, cast } from '@tessera/tensor-core';
import { isHost, type Value } from '../host.js';
import type { OpSpec } from './types.js';

/** The control-flow operators by ONNX op type. */
export const controlOps: Record<string, OpSpec> = {
  If: {
    staticInputs: [],
    run: (ctx) => {
      const thenBranch = ctx.attrs.graph('then_branch');
      const elseBranch = ctx.attrs.graph('else_branch');
      if (!thenBranch || !elseBranch) return ctx.fail('INVALID_ARGUMENT', 'If needs then_branch and else_branch');
      const cond = ctx.inputs[0]!;
      if (isHost(cond) || cond.backend.readSync) {
        const c = ctx.host(0).data[0] !== 0;
        return ctx.runSubgraph(c ? thenBranch : elseBranch, []);
      }
      // No synchronous read: run both branches and select, which needs equal output shapes.
      const a = ctx.runSubgraph(thenBranch, []);
      const b = ctx.runSubgraph(elseBranch, []);
      const c = cast(ctx.tensor(0), 'bool');
      return a.map((v, i): Value => {
        const w = b[i]!;
        if (v.shape.join() !== w.shape.join()) ctx.fail('UNSUPPORTED', `If on a device condition needs branch outputs of equal shape, got ${JSON.stringify(v.shape)} and ${JSON.stringify(w.shape)}`);
        return where(c, ctx.tensorOf(v), ctx.tensorOf(w));
      });
    },
  },
};
