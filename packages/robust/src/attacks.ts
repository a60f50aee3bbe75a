/**
 * Adversarial attacks: FGSM and PGD (L∞ and L2), as torchattacks writes them. An attack is a value
 * made once from its options (`pgd({ epsilon: 0.3, steps: 40 })`) and applied to any model and
 * batch with `attack.generate(model, x, y)`.
 */
import { grad, noGrad } from '@tessera/autograd';
import { crossEntropy, Module, type Layer } from '@tessera/layers';
import { type Checks, describeValue, check, Tensor, TensorError, clamp, div, fmtShape, hash32, maximum, minimum, rand, randn, tidy } from '@tessera/tensor-core';

/** A model an attack can differentiate: any `Module` with one tensor in and logits `[N, K]` out. */
export type AttackableModel = Layer;

/** The loss an attack increases: predictions and targets in, a scalar out (default: mean cross-entropy). */
export type AttackLoss = (prediction: Tensor, target: Tensor) => Tensor;

/**
 * An adversarial attack. `generate` returns adversarial examples for a batch, shaped like `x`
 * (the caller owns them); it does not change the model's mode (evaluate in `eval()` mode, as
 * {@link robustAccuracy} does). Each call draws fresh random starts from the attack's seed and
 * its call count, so a run is reproducible.
 *
 * @example
 * ```ts
 * const attack = pgd({ epsilon: 0.3, stepSize: 0.01, steps: 40 });
 * const adversarial = attack.generate(model, images, labels);
 * ```
 */
export interface Attack {
  /** A readable description, e.g. `PGD-40 L∞ ε=0.3`. */
  readonly name: string;
  /** The perturbation budget. */
  readonly epsilon: number;
  /** The norm of the budget. */
  readonly norm: 'linf' | 'l2';
  /**
   * Adversarial examples for inputs `x` `[N, ...]` with labels `y` against `model`.
   * @throws TensorError `DTYPE_MISMATCH` for integer inputs, `SHAPE_MISMATCH` for inputs without a
   *   batch axis, errors of the model and the loss.
   */
  generate(model: AttackableModel, x: Tensor, y: Tensor): Tensor;
}

/** Options shared by the attacks. */
interface CommonOptions {
  /** The budget: max |δ| per value (L∞) or ‖δ‖₂ per example (L2). */
  readonly epsilon: number;
  /**
   * The valid input range `[low, high]` every adversarial value is clipped to (default `[0, 1]`,
   * images scaled to [0, 1]); `null` for none. Set it to your data's range when inputs are
   * standardised.
   */
  readonly clip?: readonly [number, number] | null;
  /** The loss to increase (default: mean `crossEntropy` of logits and class indices). */
  readonly loss?: AttackLoss;
  /** Seed of the random starts (default 0). */
  readonly seed?: number;
}

/** Options of {@link fgsm}. */
export interface FgsmOptions extends CommonOptions {
  /** Start from a uniform random point of the ε-ball (default false; true is Wong et al.'s "fast" FGSM). */
  readonly randomStart?: boolean;
  /** The step along the gradient's sign (default ε; Wong et al. use 1.25ε with a random start). */
  readonly stepSize?: number;
}

/** Options of {@link pgd}. */
export interface PgdOptions extends CommonOptions {
  /** Number of gradient steps (default 40). */
  readonly steps?: number;
  /** Step size α (default 2.5·ε/steps, Madry et al.'s rule). */
  readonly stepSize?: number;
  /** `'linf'` (default): sign steps, box projection; `'l2'`: normalised-gradient steps, ball projection. */
  readonly norm?: 'linf' | 'l2';
  /** Start from a random point of the ε-ball (default true, as Madry et al.). */
  readonly randomStart?: boolean;
}

const FGSM_KEYS = ['epsilon', 'clip', 'loss', 'seed', 'randomStart', 'stepSize'] as const;
const PGD_KEYS = ['epsilon', 'clip', 'loss', 'seed', 'steps', 'stepSize', 'norm', 'randomStart'] as const;

interface Parsed {
  readonly epsilon: number;
  readonly clip: readonly [number, number] | null;
  readonly loss: AttackLoss;
  readonly seed: number;
}

/** Records the checks of the options every attack shares into `checks`. */
function parseCommon(checks: Checks, options: Partial<CommonOptions>): Parsed {
  const epsilon = checks.number('epsilon', options.epsilon, { min: 0 });
  let clip: readonly [number, number] | null = [0, 1];
  if (options.clip === null) clip = null;
  else if (options.clip !== undefined) {
    const c = options.clip as unknown;
    if (!Array.isArray(c) || c.length !== 2 || !c.every((v) => typeof v === 'number' && Number.isFinite(v)) || c[0] > c[1]) {
      checks.fail('INVALID_ARGUMENT', `clip must be [low, high] with finite low <= high, or null, got ${Array.isArray(c) ? JSON.stringify(c) : describeValue(c)}`, 'clip', c);
    } else {
      clip = [c[0], c[1]];
    }
  }
  const loss = checks.function<AttackLoss>('loss', options.loss ?? ((prediction: Tensor, target: Tensor) => crossEntropy(prediction, target)), 'a function (prediction, target) => scalar Tensor');
  const seed = checks.int('seed', options.seed ?? 0, { min: 0, max: 2 ** 32 - 1 });
  return { epsilon, clip, loss, seed };
}

function requireModel(op: string, model: unknown): AttackableModel {
  if (!(model instanceof Module)) throw new TensorError('INVALID_ARGUMENT', op, `model must be a Module of @tessera/layers, got ${describeValue(model)}`);
  return model as AttackableModel;
}

function requireLabels(op: string, x: Tensor, y: unknown): Tensor {
  if (!(y instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `y must be a Tensor of targets, got ${describeValue(y)}`);
  if (y.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `y (tensor id=${y.id} shape=${fmtShape(y.shape)}) was disposed`);
  if (y.rank === 0 || y.shape[0] !== x.shape[0]) {
    throw new TensorError('SHAPE_MISMATCH', op, `y must have one target per example: x has ${x.shape[0]} (shape ${fmtShape(x.shape)}), y has shape ${fmtShape(y.shape)}`);
  }
  return y;
}

/** The gradient of the loss with respect to the inputs (the model's parameters get none). */
function inputGradient(op: string, model: AttackableModel, loss: AttackLoss, x: Tensor, y: Tensor): Tensor {
  return grad((input: Tensor) => {
    const value = loss(model.forward(input), y);
    if (!(value instanceof Tensor) || value.size !== 1) {
      throw new TensorError('SHAPE_MISMATCH', op, `the loss must return a scalar Tensor, got ${value instanceof Tensor ? `shape ${fmtShape(value.shape)}` : describeValue(value)}`);
    }
    return value;
  })(x)[0];
}

function clipTo(x: Tensor, clip: readonly [number, number] | null): Tensor {
  return clip === null ? x : clamp(x, clip[0], clip[1]);
}

/** Projects `adv` onto the L∞ ball of radius ε around `x`, then onto the valid range. */
function projectLinf(adv: Tensor, x: Tensor, epsilon: number, clip: readonly [number, number] | null): Tensor {
  return clipTo(minimum(maximum(adv, x.sub(epsilon)), x.add(epsilon)), clip);
}

/** Per-example L2 norms of `t` `[N, ...]`, shaped `[N, 1, ...]` to broadcast against it. */
function exampleNorms(t: Tensor): Tensor {
  const n = t.shape[0]!;
  return t.reshape([n, -1]).square().sum(1).sqrt().reshape([n, ...t.shape.slice(1).map(() => 1)]);
}

/** Projects `adv` onto the L2 ball of radius ε around `x` (torchattacks' rescaling), then onto the valid range. */
function projectL2(adv: Tensor, x: Tensor, epsilon: number, clip: readonly [number, number] | null): Tensor {
  const delta = adv.sub(x);
  // ε/0 is Infinity, and min(Infinity, 1) = 1: a zero perturbation stays zero.
  const factor = minimum(div(epsilon, exampleNorms(delta)), 1);
  return clipTo(x.add(delta.mul(factor)), clip);
}

/** The seed of call `call` of an attack seeded `seed`, stream `stream`. */
function callSeed(seed: number, call: number, stream: number): number {
  return hash32((hash32((seed ^ 0x27d4eb2f) >>> 0) + Math.imul(call + 1, 0x9e3779b1) + stream) >>> 0);
}

/** A uniform random start in the ε-ball of the norm around `x`, clipped to the valid range. */
function randomStart(x: Tensor, norm: 'linf' | 'l2', epsilon: number, clip: readonly [number, number] | null, seed: number, call: number): Tensor {
  const creation = { dtype: x.dtype, backend: x.backend };
  if (norm === 'linf') return clipTo(x.add(rand(x.shape, { ...creation, seed: callSeed(seed, call, 0), low: -epsilon, high: epsilon })), clip);
  // torchattacks: a Gaussian direction, normalised, times a uniform radius in [0, ε].
  const n = x.shape[0]!;
  const direction = randn(x.shape, { ...creation, seed: callSeed(seed, call, 1) });
  const radius = rand([n, ...x.shape.slice(1).map(() => 1)], { ...creation, seed: callSeed(seed, call, 2) }).mul(epsilon);
  return clipTo(x.add(direction.div(exampleNorms(direction)).mul(radius)), clip);
}

/**
 * The Fast Gradient Sign Method (Goodfellow et al. 2015): one step of size ε along the sign of the
 * loss gradient, `x' = clip(x + ε·sign(∇ₓL))`. With `randomStart` it first moves to a uniform
 * random point of the ε-ball and steps by `stepSize` (Wong et al. 2020's fast adversarial
 * training uses 1.25ε), then projects back onto the ball.
 *
 * @throws TensorError `INVALID_ARGUMENT` for unknown options, a negative or non-finite ε or step,
 *   a bad clip range or seed.
 * @example
 * ```ts
 * const attack = fgsm({ epsilon: 0.1 });
 * const adversarial = attack.generate(model, images, labels);
 * ```
 */
export function fgsm(options: FgsmOptions): Attack {
  const op = 'fgsm';
  const checks = check.all(op);
  const o = checks.options(options, FGSM_KEYS, { required: true });
  const { epsilon, clip, loss, seed } = parseCommon(checks, o);
  const random = checks.boolean('randomStart', o.randomStart ?? false);
  const stepSize = checks.number('stepSize', o.stepSize ?? epsilon, { min: 0 });
  checks.done();
  let calls = 0;
  return {
    name: `FGSM${random ? ' (random start)' : ''} L∞ ε=${epsilon}`,
    epsilon,
    norm: 'linf',
    generate(model: AttackableModel, x: Tensor, y: Tensor): Tensor {
      requireModel(op, model);
      check.floatBatch(op, 'x', x, '; only float inputs can be differentiated');
      requireLabels(op, x, y);
      const call = calls++;
      return tidy(() => {
        const start = random ? randomStart(x, 'linf', epsilon, clip, seed, call) : x;
        const g = inputGradient(op, model, loss, start, y);
        const stepped = noGrad(() => start.add(g.sign().mul(stepSize)));
        return noGrad(() => projectLinf(stepped, x, epsilon, clip));
      });
    },
  };
}

/**
 * Projected Gradient Descent (Madry et al. 2018): from a random point of the ε-ball (default),
 * `steps` ascent steps on the loss, each projected back onto the ball and the valid range.
 *
 * - L∞: `x' ← Π(x' + α·sign(∇L))`, Π clamps to `[x − ε, x + ε]` and the clip range.
 * - L2: `x' ← Π(x' + α·∇L/‖∇L‖₂)`, Π rescales `δ = x' − x` to `‖δ‖₂ ≤ ε` and clips.
 *
 * The update rules are torchattacks' `PGD` and `PGDL2`; without a random start the results match
 * them (tested against a PyTorch fixture).
 *
 * @throws TensorError `INVALID_ARGUMENT` for unknown options, a negative ε or step size, steps < 1,
 *   an unknown norm, a bad clip range or seed.
 * @example
 * ```ts
 * const attack = pgd({ epsilon: 0.3, stepSize: 0.01, steps: 40 }); // Madry's MNIST attack
 * const { clean, robust } = await robustAccuracy(model, test, attack);
 * ```
 */
export function pgd(options: PgdOptions): Attack {
  const op = 'pgd';
  const checks = check.all(op);
  const o = checks.options(options, PGD_KEYS, { required: true });
  const { epsilon, clip, loss, seed } = parseCommon(checks, o);
  const steps = checks.int('steps', o.steps ?? 40, { min: 1 });
  const stepSize = checks.number('stepSize', o.stepSize ?? (2.5 * epsilon) / steps, { min: 0 });
  const norm = checks.oneOf('norm', o.norm ?? 'linf', ['linf', 'l2'] as const);
  const random = checks.boolean('randomStart', o.randomStart ?? true);
  checks.done();
  let calls = 0;
  return {
    name: `PGD-${steps} ${norm === 'linf' ? 'L∞' : 'L2'} ε=${epsilon}`,
    epsilon,
    norm,
    generate(model: AttackableModel, x: Tensor, y: Tensor): Tensor {
      requireModel(op, model);
      check.floatBatch(op, 'x', x, '; only float inputs can be differentiated');
      requireLabels(op, x, y);
      const call = calls++;
      let adv = tidy(() => (random ? randomStart(x, norm, epsilon, clip, seed, call) : x.clone()));
      try {
        for (let s = 0; s < steps; s++) {
          const next = tidy(() => {
            const g = inputGradient(op, model, loss, adv, y);
            return noGrad(() => {
              if (norm === 'linf') return projectLinf(adv.add(g.sign().mul(stepSize)), x, epsilon, clip);
              const unit = g.div(exampleNorms(g).add(1e-10));
              return projectL2(adv.add(unit.mul(stepSize)), x, epsilon, clip);
            });
          });
          adv.dispose();
          adv = next;
        }
        return adv;
      } catch (error) {
        adv.dispose();
        throw error;
      }
    },
  };
}
