/** LSTM and GRU, unrolled into tensor-core ops (so they differentiate like any other graph). */
import { add, matmul, mul, reshape, sigmoid, slice, split, stack, sub, tanh, type Tensor } from '@tessera/tensor-core';
import type { OpContext, OpSpec } from './types.js';
import type { NodeProto } from '../../proto/index.js';

function direction(ctx: OpContext): { dirs: number; reverse: boolean[] } {
  const d = ctx.attrs.string('direction', 'forward');
  if (d === 'forward') return { dirs: 1, reverse: [false] };
  if (d === 'reverse') return { dirs: 1, reverse: [true] };
  if (d === 'bidirectional') return { dirs: 2, reverse: [false, true] };
  return ctx.fail('INVALID_ARGUMENT', `direction must be forward, reverse or bidirectional, got '${d}'`);
}

function checkCommon(ctx: OpContext, gates: number, defaults: readonly string[]): void {
  const acts = ctx.attrs.strings('activations');
  if (acts && acts.some((a, i) => a.toLowerCase() !== defaults[i % defaults.length]!.toLowerCase())) {
    ctx.fail('UNSUPPORTED', `activations ${JSON.stringify(acts)} are not supported (only the defaults ${defaults.join(', ')})`);
  }
  if (ctx.attrs.has('clip')) ctx.fail('UNSUPPORTED', 'clip is not supported');
  const lens = ctx.inputs[4];
  if (lens !== undefined) {
    const seq = ctx.inputs[0]!.shape[ctx.attrs.int('layout', 0) === 1 ? 1 : 0]!;
    if (ctx.numbers(4)!.some((l) => l !== seq)) ctx.fail('UNSUPPORTED', 'sequence_lens shorter than the sequence are not supported');
  }
  void gates;
}

/** Input as [seq, batch, input] (layout 0), whatever the file's layout. */
function seqFirst(ctx: OpContext, x: Tensor): Tensor {
  return ctx.attrs.int('layout', 0) === 1 ? x.transpose(0, 1) : x;
}

function recurrent(ctx: OpContext, kind: 'lstm' | 'gru'): Tensor[] {
  const gates = kind === 'lstm' ? 4 : 3;
  checkCommon(ctx, gates, kind === 'lstm' ? ['Sigmoid', 'Tanh', 'Tanh'] : ['Sigmoid', 'Tanh']);
  if (kind === 'lstm' && (ctx.inputs[7] !== undefined || ctx.attrs.int('input_forget', 0) !== 0)) ctx.fail('UNSUPPORTED', 'LSTM peepholes and input_forget are not supported');
  const layout = ctx.attrs.int('layout', 0);
  const x = seqFirst(ctx, ctx.tensor(0));
  const [seq, batch] = x.shape as [number, number, number];
  const w = ctx.tensor(1);
  const r = ctx.tensor(2);
  const hidden = r.shape[2]!;
  const b = ctx.optionalTensor(3);
  const { dirs, reverse } = direction(ctx);
  const h0 = ctx.optionalTensor(5);
  const c0 = kind === 'lstm' ? ctx.optionalTensor(6) : undefined;
  const linearBeforeReset = ctx.attrs.int('linear_before_reset', 0) === 1;
  const initial = (t: Tensor | undefined, d: number): Tensor | undefined => {
    if (!t) return undefined;
    const s = layout === 1 ? t.transpose(0, 1) : t;
    return reshape(slice(s, [d], [d + 1], undefined, [0]), [batch, hidden]);
  };
  const ys: Tensor[] = [];
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  for (let d = 0; d < dirs; d++) {
    const wd = reshape(slice(w, [d], [d + 1], undefined, [0]), [gates * hidden, -1]);
    const rd = reshape(slice(r, [d], [d + 1], undefined, [0]), [gates * hidden, hidden]);
    const bd = b ? reshape(slice(b, [d], [d + 1], undefined, [0]), [2 * gates * hidden]) : undefined;
    const [wb, rb] = bd ? split(bd, gates * hidden) : [undefined, undefined];
    // The input projection of every step at once.
    let xw = matmul(x, wd, { transposeB: true });
    if (wb) xw = add(xw, wb);
    let h = initial(h0, d);
    let c = initial(c0, d);
    const steps = split(xw, 1, 0).map((t) => reshape(t, [batch, gates * hidden]));
    const outs: Tensor[] = new Array<Tensor>(seq);
    for (let k = 0; k < seq; k++) {
      const t = reverse[d] ? seq - 1 - k : k;
      const xt = steps[t]!;
      if (kind === 'lstm') {
        let z = h ? add(xt, matmul(h, rd, { transposeB: true })) : xt;
        if (rb) z = add(z, rb);
        // ONNX gate order: input, output, forget, cell.
        const [zi, zo, zf, zc] = split(z, hidden, 1) as [Tensor, Tensor, Tensor, Tensor];
        const i = sigmoid(zi);
        const o = sigmoid(zo);
        const f = sigmoid(zf);
        const g = tanh(zc);
        c = c ? add(mul(f, c), mul(i, g)) : mul(i, g);
        h = mul(o, tanh(c));
      } else {
        // ONNX gate order: update, reset, hidden.
        const [xz, xr, xh] = split(xt, hidden, 1) as [Tensor, Tensor, Tensor];
        const [rz, rr, rh] = split(rd, hidden, 0) as [Tensor, Tensor, Tensor];
        const [bz, br, bh] = rb ? (split(rb, hidden, 0) as [Tensor, Tensor, Tensor]) : [undefined, undefined, undefined];
        const proj = (m: Tensor, bias: Tensor | undefined): Tensor | undefined => {
          if (!h) return bias;
          const p = matmul(h, m, { transposeB: true });
          return bias ? add(p, bias) : p;
        };
        const pz = proj(rz, bz);
        const pr = proj(rr, br);
        const zg = sigmoid(pz ? add(xz, pz) : xz);
        const rg = sigmoid(pr ? add(xr, pr) : xr);
        let candidate: Tensor;
        if (linearBeforeReset) {
          const ph = proj(rh, bh);
          candidate = tanh(ph ? add(xh, mul(rg, ph)) : xh);
        } else {
          const rhh = h ? matmul(mul(rg, h), rh, { transposeB: true }) : undefined;
          let inner = rhh ? add(xh, rhh) : xh;
          if (bh) inner = add(inner, bh);
          candidate = tanh(inner);
        }
        // h = (1 − z)·candidate + z·h
        h = h ? add(candidate, mul(zg, sub(h, candidate))) : sub(candidate, mul(zg, candidate));
      }
      outs[t] = h;
    }
    ys.push(stack(outs, 0));
    hs.push(h!);
    if (c) cs.push(c);
  }
  let y = stack(ys, 1); // [seq, dirs, batch, hidden]
  let yh = stack(hs, 0); // [dirs, batch, hidden]
  let yc = cs.length ? stack(cs, 0) : undefined;
  if (layout === 1) {
    y = y.permute([2, 0, 1, 3]);
    yh = yh.transpose(0, 1);
    if (yc) yc = yc.transpose(0, 1);
  }
  return kind === 'lstm' ? [y, yh, yc!] : [y, yh];
}

function check(node: NodeProto, defaults: readonly string[]): string | undefined {
  const acts = node.attribute.find((a) => a.name === 'activations')?.strings.map((s) => new TextDecoder().decode(s).toLowerCase());
  if (acts && acts.some((a, i) => a !== defaults[i % defaults.length]!.toLowerCase())) return `activations ${JSON.stringify(acts)} are not supported`;
  if (node.attribute.some((a) => a.name === 'clip')) return 'clip is not supported';
  if (node.op_type === 'LSTM' && ((node.input[7] ?? '') !== '' || (node.attribute.find((a) => a.name === 'input_forget')?.i ?? 0) !== 0)) return 'peepholes and input_forget are not supported';
  return undefined;
}

/** The recurrent operators by ONNX op type. */
export const recurrentOps: Record<string, OpSpec> = {
  LSTM: { staticInputs: [4], run: (ctx) => recurrent(ctx, 'lstm'), check: (node) => check(node, ['Sigmoid', 'Tanh', 'Tanh']) },
  GRU: { staticInputs: [4], run: (ctx) => recurrent(ctx, 'gru'), check: (node) => check(node, ['Sigmoid', 'Tanh']) },
};

