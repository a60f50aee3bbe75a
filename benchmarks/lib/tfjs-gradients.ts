/**
 * Registers TensorFlow.js's gradient functions in Node.
 *
 * `@tensorflow/tfjs-core`'s Node entry (`dist/tf-core.node.js`, CommonJS) ships no gradients; the
 * union package `@tensorflow/tfjs` normally imports `@tensorflow/tfjs-core/dist/register_all_gradients`,
 * but that file (and the tree under `dist/`) is extensionless ES-module code that Node cannot load
 * as is (no `"type": "module"`, imports like `'./gradients/Abs_grad'`, and `'../gradients'` which
 * is both a file and a folder). A small module hook loads that tree as ES modules with `.js`
 * appended to relative specifiers. It is a second copy of tfjs-core's op code, but tfjs keeps its
 * engine, kernel and gradient registries and the Tensor class on `globalThis`, so the gradients
 * land in the same registry the backends use (that is how tfjs tolerates duplicate copies).
 */
import { register } from 'node:module';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const hooks = `
const ROOT = ${JSON.stringify('__ROOT__')};
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent && parent.startsWith(ROOT) && specifier.startsWith('.') && !/\\.(m?js|json)$/.test(specifier)) {
    return { url: new URL(specifier + '.js', parent).href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.startsWith(ROOT) && url.endsWith('.js') && !url.includes('/dist/tf-core')) {
    return next(url, { ...context, format: 'module' });
  }
  return next(url, context);
}
`;

let done: Promise<void> | undefined;

/** Idempotent. */
export function registerTfjsGradients(): Promise<void> {
  done ??= (async () => {
    const require = createRequire(import.meta.url);
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist');
    const root = pathToFileURL(dist).href + '/';
    const code = hooks.replace('__ROOT__', root);
    register(`data:text/javascript,${encodeURIComponent(code)}`);
    await import(root + 'register_all_gradients.js');
  })();
  return done;
}
