/** Filling `{epoch:02d}` / `{val_loss:.4f}` templates, as Keras's `ModelCheckpoint` file paths. */
import { TensorError } from '@tessera/tensor-core';
import type { Logs } from '../types.js';

/**
 * Replaces `{name}` and `{name:spec}` in `template` with `values[name]`: spec `0Nd` pads an
 * integer with zeros, `.Nf` gives N decimals, `.Ne` N decimals in exponent form.
 * @throws TensorError `INVALID_ARGUMENT` for a key not in `values` or a spec it does not know.
 */
export function formatPath(template: string, values: Logs, op: string): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g, (_, key: string, spec: string | undefined) => {
    const v = values[key];
    if (v === undefined) {
      throw new TensorError('INVALID_ARGUMENT', op, `path template uses {${key}}, which is not in the logs (available: ${Object.keys(values).join(', ')})`);
    }
    if (spec === undefined || spec === '') return Number.isInteger(v) ? String(v) : String(+v.toPrecision(6));
    let m = /^0?(\d+)d$/.exec(spec);
    if (m) return String(Math.round(v)).padStart(Number(m[1]), '0');
    m = /^\.(\d+)([fe])$/.exec(spec);
    if (m) return m[2] === 'f' ? v.toFixed(Number(m[1])) : v.toExponential(Number(m[1]));
    throw new TensorError('INVALID_ARGUMENT', op, `unknown format {${key}:${spec}} in the path template (use {${key}}, {${key}:03d}, {${key}:.4f} or {${key}:.2e})`);
  });
}
