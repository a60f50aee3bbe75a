/**
 * Train your own wake word: "hey tessera", from synthetic speech, on openWakeWord's pretrained
 * feature models, in TypeScript.
 *
 * 1. Data (`data.ts`): espeak-ng speaks the wake phrase and negative audio (sound-alike phrases,
 *    sentences, noise, silence) in many voices, speeds and pitches, from a seed; training and
 *    held-out voices do not overlap.
 * 2. Features (`features.ts`): openWakeWord's melspectrogram and speech embedding models,
 *    imported with `importOnnx` and frozen, turn the audio into 96-value embeddings every 80 ms,
 *    once, through `extractFeatures` (cached on disk); they are cross-checked against
 *    onnxruntime-web.
 * 3. A new head (openWakeWord's architecture: 16 embeddings → 32 → 32 → 1) trains with `fit`.
 * 4. Recall on held-out voices and false accepts per hour on held-out negative audio.
 * 5. `exportOnnx` writes the head with the shipped heads' signature (`[1, 16, 96]` → `[1, 1]`);
 *    onnxruntime-web runs it against Tessera's scores, then runs openWakeWord's whole streaming
 *    pipeline (three ONNX models) on held-out positive clips and held-out negative audio.
 *
 * Run: `pnpm --dir examples/wake-word start` (add `-- --quick` for the short variant the test runs).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkOptions, memory, setBackend, tensor, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Flatten, LayerNorm, Linear, ReLU, Sequential, Sigmoid, binaryCrossEntropyWithLogits, manualSeed } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { fit, predict } from '@tessera/train';
import { exportOnnx } from '@tessera/transfer-learning';
import { SAMPLE_RATE, checkVoices, encodeWav, espeakVersion } from './audio.js';
import { HELD_OUT_CONFUSABLES, makePlan, planVoices, renderPlan, wakeVoices, type DataPlan, type DataSizes, type RenderedClip } from './data.js';
import { EMBEDDING_SIZE, HEAD_FRAMES, MEL_BINS, OrtPipeline, WINDOW_FRAMES, TesseraFeatures, headWindows, loadOrt, melFrames, melWindows, openWakeWordModel } from './features.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The full run: about 17 minutes of audio. */
export const FULL_SIZES: DataSizes = { trainPositives: 200, heldOutPositives: 100, trainSoundAlikeSeconds: 160, trainNegativeSeconds: 240, heldOutNegativeSeconds: 240 };
/** The test's run. */
export const QUICK_SIZES: DataSizes = { trainPositives: 48, heldOutPositives: 30, trainSoundAlikeSeconds: 40, trainNegativeSeconds: 40, heldOutNegativeSeconds: 60 };

/** The input name of the shipped single-word heads (alexa, hey_mycroft, hey_rhasspy): the exported head uses it too. */
export const HEAD_INPUT_NAME = 'onnx::Flatten_0';
/** Held-out positive clips that also go through openWakeWord's streaming pipeline in onnxruntime-web. */
export const STREAMED_POSITIVES = 10;
/** openWakeWord's default detection threshold. */
export const THRESHOLD = 0.5;
/** After an accept, the next one counts only after this long (the browser engine's 2 s cooldown). */
export const COOLDOWN_WINDOWS = Math.round(2 / 0.08);

/** Options of {@link runWakeWord}. */
export interface WakeWordOptions {
  /** The test's smaller data (QUICK_SIZES) and fewer epochs. */
  readonly quick?: boolean;
  /** Seed of the data plan and of the head's initialisation and batches (default 0). */
  readonly seed?: number;
  /** Epochs of head training (default 40; 30 with `quick`). */
  readonly epochs?: number;
  /** Where the head (`hey_tessera.onnx`) and a few example WAVs go; undefined writes nothing (default `out/`). */
  readonly outDir?: string | undefined;
  /** Where cached embeddings go; undefined caches nothing (default `out/cache`). */
  readonly cacheDir?: string | undefined;
  /** Progress output: 0 silent, 1 steps, 2 steps and `fit`'s epochs (default 0). */
  readonly verbose?: 0 | 1 | 2;
}

/** A false accept on held-out negative audio, and what was said just before it. */
export interface FalseAccept {
  readonly stream: number;
  readonly seconds: number;
  readonly score: number;
  readonly lastSaid: string;
  /** Whether the last thing said before it was one of the held-out sound-alike phrases. */
  readonly afterSoundAlike: boolean;
}

/** What {@link runWakeWord} measured. */
export interface WakeWordResult {
  readonly trainVoices: number;
  readonly heldOutVoices: number;
  readonly trainPositives: number;
  /** Fraction of training clips whose aligned window scores ≥ 0.5. */
  readonly trainRecall: number;
  readonly heldOutPositives: number;
  /** Fraction of held-out clips (held-out voices) on which some window scores ≥ 0.5. */
  readonly heldOutRecall: number;
  /** Training windows: positives and negatives. */
  readonly trainWindows: { positive: number; negative: number };
  /** Seconds of held-out negative audio, and the seconds of it that a head window scored (every 80 ms after the first 1.96 s of a stream). */
  readonly negativeSeconds: number;
  readonly scoredNegativeSeconds: number;
  readonly falseAccepts: readonly FalseAccept[];
  /** False accepts per hour of scored negative audio. */
  readonly falseAcceptsPerHour: number;
  /** Held-out recall and false accepts at other thresholds than 0.5 (the trade-off a user picks from). */
  readonly thresholds: readonly { threshold: number; recall: number; falseAccepts: number; perHour: number }[];
  /** Largest |Δ| between Tessera's and onnxruntime-web's transformed melspectrogram / embeddings on the check clips. */
  readonly melMaxDiff: number;
  readonly embeddingMaxDiff: number;
  readonly crossCheckClips: number;
  /** Largest |Δ| between the exported head in onnxruntime-web and Tessera's head, over every held-out window. */
  readonly exportMaxDiff: number;
  readonly exportWindows: number;
  /** Shape and names of the exported head's input and output, as onnxruntime-web reports them. */
  readonly exportSignature: { input: string; inputShape: readonly number[]; output: string; outputShape: readonly number[] };
  /**
   * openWakeWord's streaming pipeline in onnxruntime-web on the first {@link STREAMED_POSITIVES}
   * held-out positive clips (how many it detects, and how many the batch evaluation detected) and
   * on the first 10 s of held-out negative audio (its highest score).
   */
  readonly streaming: { positives: number; detected: number; batchDetected: number; positiveMax: number; negativeMax: number; negativeSeconds: number };
  readonly seconds: { data: number; features: number; training: number; checks: number };
}

/** openWakeWord's head architecture (its `train.py` DNN with layer size 32), returning logits. */
function makeHead(): Sequential {
  const width = 32;
  return new Sequential({
    flatten: new Flatten(),
    fc1: new Linear({ inFeatures: HEAD_FRAMES * EMBEDDING_SIZE, outFeatures: width }),
    norm1: new LayerNorm({ normalizedShape: width }),
    relu1: new ReLU(),
    fc2: new Linear({ inFeatures: width, outFeatures: width }),
    norm2: new LayerNorm({ normalizedShape: width }),
    relu2: new ReLU(),
    out: new Linear({ inFeatures: width, outFeatures: 1 }),
  });
}

/** A key for the feature cache of one group of clips: their plan, espeak-ng's version and the feature models. */
function cacheKey(plan: unknown, espeak: string): string {
  const hash = createHash('sha256').update(JSON.stringify(plan)).update(espeak);
  for (const file of ['melspectrogram.onnx', 'embedding_model.onnx']) hash.update(readFileSync(openWakeWordModel(file)));
  return hash.digest('hex').slice(0, 16);
}

function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

async function scoresOf(model: Sequential, windows: Float32Array, count: number): Promise<Float32Array> {
  if (count === 0) return new Float32Array(0);
  const x = tensor(windows, [count, HEAD_FRAMES, EMBEDDING_SIZE]);
  const y = await predict(model, x, { batchSize: 1024 });
  const values = Float32Array.from((await y.data()) as Float32Array);
  x.dispose();
  y.dispose();
  return values;
}

/** Accepts in a score sequence (≥ threshold), each followed by a cooldown. */
export function acceptsOf(scores: Float32Array, threshold = THRESHOLD, cooldown = COOLDOWN_WINDOWS): number[] {
  const at: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! >= threshold) {
      at.push(i);
      i += cooldown - 1;
    }
  }
  return at;
}

/** Runs the whole demo; see the file comment. */
export async function runWakeWord(options: WakeWordOptions = {}): Promise<WakeWordResult> {
  checkOptions('runWakeWord', options, ['quick', 'seed', 'epochs', 'outDir', 'cacheDir', 'verbose']);
  const { quick = false, seed = 0, verbose = 0 } = options;
  const epochs = options.epochs ?? (quick ? 30 : 40);
  const outDir = 'outDir' in options ? options.outDir : path.join(here, 'out');
  const cacheDir = 'cacheDir' in options ? options.cacheDir : path.join(here, 'out', 'cache');
  const log = (message: string) => verbose > 0 && console.log(message);
  await setBackend(cpu());
  const seconds = { data: 0, features: 0, training: 0, checks: 0 };

  // 1. Data, from the seed.
  let t0 = performance.now();
  const espeak = await espeakVersion();
  const plan: DataPlan = makePlan(seed, quick ? QUICK_SIZES : FULL_SIZES);
  await checkVoices(planVoices(plan));
  const groups = [plan.trainPositives, plan.heldOutPositives, plan.trainSoundAlikes, plan.trainNegatives, plan.heldOutNegatives];
  const [trainPos, heldPos, trainConf, trainNeg, heldNeg] = await Promise.all(groups.map((clips) => renderPlan(clips)));
  seconds.data = (performance.now() - t0) / 1000;
  log(`data: ${trainPos!.length} + ${heldPos!.length} positive clips, ${trainConf!.length} sound-alike and ${trainNeg!.length} + ${heldNeg!.length} other negative streams of 20 s (${espeak}), ${seconds.data.toFixed(1)} s`);

  // 2. Embeddings with the imported feature models (cached by the plan's key).
  t0 = performance.now();
  const features = await TesseraFeatures.load();
  if (cacheDir !== undefined) mkdirSync(cacheDir, { recursive: true });
  const embed = (clips: readonly RenderedClip[], clipPlans: unknown, name: string) =>
    features.embedClips(
      clips.map((c) => c.samples),
      cacheDir === undefined ? undefined : path.join(cacheDir, `${name}-${cacheKey(clipPlans, espeak)}.safetensors`),
    );
  const trainPosEmb = await embed(trainPos!, plan.trainPositives, 'train-positive');
  const heldPosEmb = await embed(heldPos!, plan.heldOutPositives, 'held-out-positive');
  const trainConfEmb = await embed(trainConf!, plan.trainSoundAlikes, 'train-sound-alike');
  const trainNegEmb = await embed(trainNeg!, plan.trainNegatives, 'train-negative');
  const heldNegEmb = await embed(heldNeg!, plan.heldOutNegatives, 'held-out-negative');
  seconds.features = (performance.now() - t0) / 1000;
  log(`features: ${[trainPosEmb, heldPosEmb, trainConfEmb, trainNegEmb, heldNegEmb].flat().reduce((n, e) => n + e.length / EMBEDDING_SIZE, 0)} embeddings, ${seconds.features.toFixed(1)} s`);

  // 3. Train the head: a positive is the last 16 embeddings of a training clip (the phrase ends
  // 50–350 ms before the clip does); every 16-embedding window of the negative streams (sound-alike
  // and mixed) is a negative.
  t0 = performance.now();
  const positives = trainPosEmb.map((e) => e.slice(e.length - HEAD_FRAMES * EMBEDDING_SIZE));
  const negatives = [...trainConfEmb, ...trainNegEmb].map(headWindows);
  const negativeCount = negatives.reduce((n, w) => n + w.count, 0);
  const trainCount = positives.length + negativeCount;
  const x = tensor(concatFloat32([...positives, ...negatives.map((w) => w.data)]), [trainCount, HEAD_FRAMES, EMBEDDING_SIZE]);
  const y = tensor(Float32Array.from({ length: trainCount }, (_, i) => (i < positives.length ? 1 : 0)), [trainCount, 1]);
  // Negatives outnumber positives ~10:1; weighting the positive term balances the two classes.
  const posWeight = tensor([negativeCount / positives.length]);
  manualSeed(seed);
  const logits = makeHead();
  const optimizer = new Adam(logits.parameters(), { lr: 1e-3 });
  await fit(logits, {
    data: { x, y },
    epochs,
    batchSize: 64,
    optimizer,
    loss: (p: Tensor, target: Tensor) => binaryCrossEntropyWithLogits(p, target, { posWeight }),
    seed,
    verbose: verbose > 1 ? 2 : 0,
  });
  const scorer = new Sequential({ head: logits, score: new Sigmoid() });
  const trainScores = await scoresOf(scorer, concatFloat32(positives), positives.length);
  const trainRecall = trainScores.filter((s) => s >= THRESHOLD).length / positives.length;
  seconds.training = (performance.now() - t0) / 1000;
  log(`training: ${positives.length} positive and ${negativeCount} negative windows, ${epochs} epochs, ${seconds.training.toFixed(1)} s`);

  // 4. Held-out figures.
  t0 = performance.now();
  const heldPosWindows = heldPosEmb.map(headWindows);
  const heldNegWindows = heldNegEmb.map(headWindows);
  const heldPosScores: Float32Array[] = [];
  for (const w of heldPosWindows) heldPosScores.push(await scoresOf(scorer, w.data, w.count));
  const heldOutRecall = heldPosScores.filter((s) => acceptsOf(s).length > 0).length / heldPosScores.length;
  const falseAccepts: FalseAccept[] = [];
  const heldNegScores: Float32Array[] = [];
  let scoredWindows = 0;
  for (let s = 0; s < heldNegWindows.length; s++) {
    const w = heldNegWindows[s]!;
    const scores = await scoresOf(scorer, w.data, w.count);
    heldNegScores.push(scores);
    scoredWindows += w.count;
    for (const i of acceptsOf(scores)) {
      // Window i ends with embedding i + 15, whose last mel frame 8(i + 15) + 75 ends 512 samples after its start.
      const end = ((i + HEAD_FRAMES - 1) * 8 + 75) * 160 + 512;
      const said = heldNeg![s]!.events.filter((e) => e.start < end).at(-1);
      falseAccepts.push({ stream: s, seconds: end / SAMPLE_RATE, score: scores[i]!, lastSaid: said ? `"${said.text}" (${said.voice})` : 'nothing', afterSoundAlike: said !== undefined && HELD_OUT_CONFUSABLES.includes(said.text) });
    }
  }
  const negativeSeconds = heldNeg!.reduce((n, c) => n + c.samples.length, 0) / SAMPLE_RATE;
  const scoredNegativeSeconds = scoredWindows * 0.08;
  const thresholds = [0.5, 0.8, 0.9, 0.95].map((threshold) => {
    const recall = heldPosScores.filter((s) => acceptsOf(s, threshold).length > 0).length / heldPosScores.length;
    const falseAccepts = heldNegScores.reduce((n, s) => n + acceptsOf(s, threshold).length, 0);
    return { threshold, recall, falseAccepts, perHour: (falseAccepts / scoredNegativeSeconds) * 3600 };
  });

  // 5. Checks against onnxruntime-web: the feature models on a few clips, the exported head on
  // every held-out window, and openWakeWord's streaming pipeline end to end.
  const example = tensor(new Float32Array(HEAD_FRAMES * EMBEDDING_SIZE), [1, HEAD_FRAMES, EMBEDDING_SIZE]);
  // No dynamic axes: openWakeWord reads the number of embeddings from the input's static shape.
  const head = await exportOnnx(scorer, { inputs: example, inputNames: [HEAD_INPUT_NAME], outputNames: ['score'] });
  example.dispose();
  const ort = await OrtPipeline.load(head);
  const checkClips = [heldPos![0]!.samples, trainPos![0]!.samples, heldNeg![0]!.samples.subarray(0, 4 * SAMPLE_RATE)];
  let melMaxDiff = 0;
  let embeddingMaxDiff = 0;
  for (const clip of checkClips) {
    const ours = await features.mel(clip);
    const theirs = await ort.mel(clip);
    for (let i = 0; i < ours.length; i++) melMaxDiff = Math.max(melMaxDiff, Math.abs(ours[i]! - theirs[i]!));
    // Both embed the same (ORT) mel windows: this isolates the embedding model.
    const windows = melWindows(theirs, melFrames(clip.length));
    const [ourEmb] = await features.embedClips([clip]);
    const theirEmb = await ort.embed(windows);
    const ourFromTheirMel = await embedWindows(features, windows);
    for (let i = 0; i < theirEmb.length; i++) embeddingMaxDiff = Math.max(embeddingMaxDiff, Math.abs(ourFromTheirMel[i]! - theirEmb[i]!), Math.abs(ourEmb![i]! - theirEmb[i]!));
  }
  let exportMaxDiff = 0;
  let exportWindows = 0;
  for (const [windows, scores] of [...heldPosWindows.map((w, i) => [w, heldPosScores[i]!] as const), ...heldNegWindows.map((w, i) => [w, heldNegScores[i]!] as const)]) {
    for (let i = 0; i < windows.count; i++) {
      const score = await ort.score(windows.data.subarray(i * HEAD_FRAMES * EMBEDDING_SIZE, (i + 1) * HEAD_FRAMES * EMBEDDING_SIZE));
      exportMaxDiff = Math.max(exportMaxDiff, Math.abs(score - scores[i]!));
      exportWindows++;
    }
  }
  const session = await (await loadOrt()).InferenceSession.create(head);
  const dims = (m: { isTensor: boolean; shape?: readonly (number | string)[] } | undefined) => (m?.isTensor && m.shape ? m.shape.map(Number) : []);
  const exportSignature = { input: session.inputNames[0]!, inputShape: dims(session.inputMetadata[0]), output: session.outputNames[0]!, outputShape: dims(session.outputMetadata[0]) };
  await session.release();
  // openWakeWord's predict_clip pads a clip with 1 s of silence on both sides.
  const pad = (clip: Float32Array) => concatFloat32([new Float32Array(SAMPLE_RATE), clip, new Float32Array(SAMPLE_RATE)]);
  const streamed = heldPos!.slice(0, STREAMED_POSITIVES);
  const positiveStreams: Float32Array[] = [];
  for (const clip of streamed) positiveStreams.push(await ort.stream(pad(clip.samples), seed));
  const detected = positiveStreams.filter((s) => acceptsOf(s).length > 0).length;
  const batchDetected = heldPosScores.slice(0, streamed.length).filter((s) => acceptsOf(s).length > 0).length;
  const positiveClip = streamed[0]!.samples;
  const negativeClip = heldNeg![0]!.samples.subarray(0, 10 * SAMPLE_RATE);
  const negativeStream = await ort.stream(pad(negativeClip), seed);
  await ort.release();
  seconds.checks = (performance.now() - t0) / 1000;

  if (outDir !== undefined) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'hey_tessera.onnx'), head);
    writeFileSync(path.join(outDir, 'held-out-positive.wav'), encodeWav(positiveClip));
    writeFileSync(path.join(outDir, 'held-out-negative.wav'), encodeWav(negativeClip));
    writeFileSync(path.join(outDir, 'train-positive.wav'), encodeWav(trainPos![0]!.samples));
  }
  x.dispose();
  y.dispose();
  posWeight.dispose();
  optimizer.dispose();
  scorer.dispose();
  features.dispose();

  return {
    trainVoices: wakeVoices(plan.trainPositives).length,
    heldOutVoices: wakeVoices(plan.heldOutPositives).length,
    trainPositives: positives.length,
    trainRecall,
    heldOutPositives: heldPos!.length,
    heldOutRecall,
    trainWindows: { positive: positives.length, negative: negativeCount },
    negativeSeconds,
    scoredNegativeSeconds,
    falseAccepts,
    falseAcceptsPerHour: (falseAccepts.length / scoredNegativeSeconds) * 3600,
    thresholds,
    melMaxDiff,
    embeddingMaxDiff,
    crossCheckClips: checkClips.length,
    exportMaxDiff,
    exportWindows,
    exportSignature,
    streaming: { positives: streamed.length, detected, batchDetected, positiveMax: Math.max(...positiveStreams[0]!), negativeMax: Math.max(...negativeStream), negativeSeconds: negativeClip.length / SAMPLE_RATE },
    seconds,
  };
}

/** Tessera's embeddings of packed mel windows (no cache). */
async function embedWindows(features: TesseraFeatures, windows: Float32Array): Promise<Float32Array> {
  const n = windows.length / (WINDOW_FRAMES * MEL_BINS);
  const input = tensor(windows, [n, WINDOW_FRAMES, MEL_BINS, 1]);
  const out = features.embedding.forward(input) as Tensor;
  const values = Float32Array.from((await out.data()) as Float32Array);
  input.dispose();
  out.dispose();
  return values;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick') || process.env['WAKEWORD_QUICK'] === '1';
  const started = performance.now();
  const r = await runWakeWord({ quick, verbose: 1 });
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  console.log(`\n"hey tessera" head on openWakeWord's frozen features (threshold ${THRESHOLD}; ${quick ? 'quick' : 'full'} run)`);
  console.log('| measure | data | result |\n|---|---|---|');
  console.log(`| recall, training voices | ${r.trainPositives} clips, ${r.trainVoices} voices | ${pct(r.trainRecall)} |`);
  console.log(`| recall, held-out voices | ${r.heldOutPositives} clips, ${r.heldOutVoices} voices (unseen accents × unseen variants) | ${pct(r.heldOutRecall)} |`);
  console.log(`| false accepts, held-out negative audio | ${r.negativeSeconds.toFixed(0)} s (${r.scoredNegativeSeconds.toFixed(1)} s scored) | ${r.falseAccepts.length} → ${r.falseAcceptsPerHour.toFixed(1)} per hour |`);
  console.log(`| of which right after a held-out sound-alike phrase | | ${r.falseAccepts.filter((f) => f.afterSoundAlike).length} |`);
  for (const fa of r.falseAccepts) console.log(`  false accept: stream ${fa.stream} at ${fa.seconds.toFixed(2)} s, score ${fa.score.toFixed(3)}, after ${fa.lastSaid}`);
  console.log('\n| threshold | held-out recall | false accepts | per hour |\n|---|---|---|---|');
  for (const t of r.thresholds) console.log(`| ${t.threshold} | ${pct(t.recall)} | ${t.falseAccepts} | ${t.perHour.toFixed(1)} |`);
  console.log(`\nTessera vs onnxruntime-web, ${r.crossCheckClips} clips: melspectrogram max |Δ| ${r.melMaxDiff.toExponential(2)}, embeddings max |Δ| ${r.embeddingMaxDiff.toExponential(2)}`);
  console.log(`exported head ${r.exportSignature.input} [${r.exportSignature.inputShape}] → ${r.exportSignature.output} [${r.exportSignature.outputShape}]: onnxruntime-web vs Tessera over ${r.exportWindows} windows, max |Δ| ${r.exportMaxDiff.toExponential(2)}`);
  const st = r.streaming;
  console.log(`openWakeWord streaming pipeline in onnxruntime-web: detects ${st.detected} of the first ${st.positives} held-out positives (the batch evaluation: ${st.batchDetected}); the first one's max score ${st.positiveMax.toFixed(3)}; ${st.negativeSeconds} s of held-out negative audio: max score ${st.negativeMax.toFixed(3)}`);
  const s = r.seconds;
  console.log(`seconds: data ${s.data.toFixed(1)}, features ${s.features.toFixed(1)}, training ${s.training.toFixed(1)}, evaluation and checks ${s.checks.toFixed(1)}; total ${((performance.now() - started) / 1000).toFixed(1)} s; tensors left ${memory().tensors}`);
  process.exit(0);
}
