/**
 * Audio for the wake-word demo: speech from Debian's `espeak-ng`, resampled to the 16 kHz that
 * openWakeWord's models take, seeded noise, and the small helpers that assemble clips.
 *
 * Samples are kept as float32 in the int16 range (−32768 … 32767), which is what openWakeWord's
 * melspectrogram model expects (its Python runtime feeds 16-bit PCM cast to float32).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import wavefile from 'wavefile';

const execFileAsync = promisify(execFile);

/** openWakeWord's sample rate. */
export const SAMPLE_RATE = 16_000;

/** A seeded random source (mulberry32): the same seed gives the same sequence on every machine. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** Log-uniform in [lo, hi] (levels, gains). */
  logUniform(lo: number, hi: number): number {
    return Math.exp(this.uniform(Math.log(lo), Math.log(hi)));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** How espeak-ng speaks one utterance. */
export interface SpeechStyle {
  /** espeak-ng voice: a language/accent with an optional `+variant` (`en-gb-scotland+f2`). */
  readonly voice: string;
  /** Words per minute (espeak-ng `-s`, default 175). */
  readonly speed: number;
  /** Pitch 0–99 (espeak-ng `-p`, default 50). */
  readonly pitch: number;
  /** Extra pause between words, in units of 10 ms (espeak-ng `-g`). */
  readonly wordGap: number;
}

/**
 * Decodes a 16-bit mono WAV file and resamples it to 16 kHz with wavefile (cubic interpolation
 * behind a low-pass filter, so nothing above the new 8 kHz Nyquist frequency folds back).
 * Returns int16-range float32 samples.
 */
export function decodeWavTo16k(bytes: Uint8Array): Float32Array {
  const wav = new wavefile.WaveFile(bytes);
  const fmt = wav.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
  if (fmt.numChannels !== 1 || fmt.bitsPerSample !== 16) throw new Error(`expected 16-bit mono WAV, got ${fmt.numChannels} channels of ${fmt.bitsPerSample} bits`);
  if (fmt.sampleRate !== SAMPLE_RATE) wav.toSampleRate(SAMPLE_RATE);
  return Float32Array.from(wav.getSamples(false, Float64Array) as Float64Array);
}

/**
 * espeak-ng writes its WAV to stdout with "unknown length" sizes in the header (0x7ffff000), which
 * wavefile reads up to the end of the buffer; check that no sample is lost on the way.
 */
function checkStreamedWav(bytes: Uint8Array): void {
  const text = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 44 || text(0) !== 'RIFF' || text(8) !== 'WAVE' || text(36) !== 'data') throw new Error(`espeak-ng wrote ${bytes.length} bytes that are not a canonical WAV file`);
  if ((bytes.length - 44) % 2 !== 0) throw new Error(`espeak-ng wrote an odd number of PCM bytes (${bytes.length - 44})`);
}

/** Speaks `text` with espeak-ng and returns it at 16 kHz with the leading and trailing silence trimmed. */
export async function speak(text: string, style: SpeechStyle): Promise<Float32Array> {
  const args = ['-v', style.voice, '-s', String(Math.round(style.speed)), '-p', String(Math.round(style.pitch)), '-g', String(style.wordGap), '--stdout', text];
  const { stdout } = await execFileAsync('espeak-ng', args, { encoding: 'buffer', maxBuffer: 64 << 20 });
  const bytes = new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength);
  checkStreamedWav(bytes);
  const samples = decodeWavTo16k(bytes);
  if (samples.length === 0) throw new Error(`espeak-ng produced no audio for "${text}" (${style.voice})`);
  return trimSilence(samples);
}

/** The installed espeak-ng's version line (part of the feature cache's key). */
export async function espeakVersion(): Promise<string> {
  try {
    const { stdout } = await execFileAsync('espeak-ng', ['--version'], { encoding: 'utf8' });
    return stdout.trim();
  } catch {
    throw new Error('espeak-ng is not installed: `apt-get install -y espeak-ng` (Debian) provides it');
  }
}

/**
 * Checks that espeak-ng knows every `accent+variant` voice: it silently falls back to its default
 * voice for an unknown name, which would quietly shrink the variety of voices.
 */
export async function checkVoices(voices: readonly string[]): Promise<void> {
  const list = async (...args: string[]) => (await execFileAsync('espeak-ng', args, { encoding: 'utf8' })).stdout.split('\n').slice(1).filter((line) => line.trim() !== '');
  const languages = new Set((await list('--voices')).map((line) => line.trim().split(/\s+/)[1]));
  // A variant's file name is what follows `!v/` up to the next run of spaces (one has a space: `Mr serious`).
  const variants = new Set((await list('--voices=variant')).map((line) => line.slice(line.indexOf('!v/') + 3).split(/\s{2,}/)[0]!.trim()));
  const unknown = [...new Set(voices)].filter((voice) => {
    const [accent, variant] = voice.split('+');
    return !languages.has(accent) || (variant !== undefined && !variants.has(variant));
  });
  if (unknown.length > 0) throw new Error(`espeak-ng does not know the voice(s) ${unknown.join(', ')}`);
}

/**
 * Cuts leading and trailing samples quieter than 1% of the peak, keeping a 10 ms margin, so the
 * end of a phrase can be placed where a clip needs it.
 */
export function trimSilence(samples: Float32Array): Float32Array {
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  if (peak === 0) return samples;
  const threshold = 0.01 * peak;
  let start = 0;
  while (start < samples.length && Math.abs(samples[start]!) < threshold) start++;
  let end = samples.length;
  while (end > start && Math.abs(samples[end - 1]!) < threshold) end--;
  const margin = SAMPLE_RATE / 100;
  return samples.slice(Math.max(0, start - margin), Math.min(samples.length, end + margin));
}

/** Colours of {@link noise}. */
export type NoiseKind = 'white' | 'pink' | 'brown';

/** `n` samples of seeded noise of the given colour with RMS `rms`. */
export function noise(kind: NoiseKind, n: number, rms: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  // Pink: Paul Kellett's economy filter (−3 dB/octave); brown: leaky integration (−6 dB/octave).
  let b0 = 0, b1 = 0, b2 = 0, brown = 0;
  for (let i = 0; i < n; i++) {
    const w = rng.normal();
    if (kind === 'white') out[i] = w;
    else if (kind === 'pink') {
      b0 = 0.99765 * b0 + w * 0.099046;
      b1 = 0.963 * b1 + w * 0.2965164;
      b2 = 0.57 * b2 + w * 1.0526913;
      out[i] = b0 + b1 + b2 + w * 0.1848;
    } else {
      brown = 0.995 * brown + w;
      out[i] = brown;
    }
  }
  let sum = 0;
  for (const v of out) sum += v * v;
  const scale = sum > 0 ? rms / Math.sqrt(sum / n) : 0;
  for (let i = 0; i < n; i++) out[i]! *= scale;
  return out;
}

/** Adds `source × gain` into `target` starting at sample `at` (the part that fits). */
export function mixInto(target: Float32Array, source: Float32Array, at: number, gain = 1): void {
  for (let i = Math.max(0, -at); i < source.length && at + i < target.length; i++) target[at + i]! += source[i]! * gain;
}

/** Largest absolute sample. */
export function peakOf(samples: Float32Array): number {
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  return peak;
}

/** Rounds to 16-bit PCM values, clipping at the int16 range: what a microphone would deliver. */
export function toPcm16(samples: Float32Array): Float32Array {
  for (let i = 0; i < samples.length; i++) samples[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]!)));
  return samples;
}

/** A 16 kHz 16-bit mono WAV file of `samples` (for listening to what the demo trained on). */
export function encodeWav(samples: Float32Array): Uint8Array {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, SAMPLE_RATE, '16', Int16Array.from(samples));
  return wav.toBuffer();
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
