import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { Rng, SAMPLE_RATE, checkVoices, decodeWavTo16k, encodeWav, noise, speak, toPcm16, trimSilence } from './audio.js';
import { HELD_OUT_ACCENTS, HELD_OUT_VARIANTS, NEGATIVE_ONLY_ACCENTS, TRAIN_ACCENTS, TRAIN_VARIANTS, WAKE_PHRASE, makePlan, planVoices, wakeVoices } from './data.js';
import { embeddingCount, headWindows, melFrames, melWindows } from './features.js';
import { acceptsOf, runWakeWord } from './main.js';

/** A 16-bit mono WAV at `rate` of a sine of `hz`. */
function sineWav(hz: number, rate: number, seconds: number, amplitude = 10_000): Uint8Array {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, rate, '16', Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate))));
  return wav.toBuffer();
}

/** Amplitude of the `hz` component (a single DFT bin over the whole signal). */
function amplitudeAt(samples: Float32Array, hz: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < samples.length; i++) {
    re += samples[i]! * Math.cos((2 * Math.PI * hz * i) / SAMPLE_RATE);
    im -= samples[i]! * Math.sin((2 * Math.PI * hz * i) / SAMPLE_RATE);
  }
  return (2 * Math.hypot(re, im)) / samples.length;
}

const hasEspeak = (() => {
  try {
    execFileSync('espeak-ng', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe('resampling espeak-ng\'s 22,050 Hz to 16 kHz (wavefile)', () => {
  it('keeps the length in seconds and a 1 kHz tone at its frequency and level', () => {
    const out = decodeWavTo16k(sineWav(1000, 22_050, 1));
    expect(Math.abs(out.length - SAMPLE_RATE)).toBeLessThanOrEqual(1);
    const inner = out.subarray(800, 15_200); // away from the filter's start-up
    expect(amplitudeAt(inner, 1000)).toBeGreaterThan(9_000);
    expect(amplitudeAt(inner, 1000)).toBeLessThan(10_500);
    expect(amplitudeAt(inner, 3000)).toBeLessThan(100);
  });

  it('filters out a 10 kHz tone, above the new Nyquist frequency, instead of folding it to 6 kHz', () => {
    const out = decodeWavTo16k(sineWav(10_000, 22_050, 1)).subarray(800, 15_200);
    expect(amplitudeAt(out, 6000)).toBeLessThan(2_000); // without its low-pass filter wavefile gives ~4,500 here
  });

  it('passes 16 kHz audio through and rejects stereo', () => {
    expect(decodeWavTo16k(sineWav(440, 16_000, 0.5)).length).toBe(8000);
    const stereo = new wavefile.WaveFile();
    stereo.fromScratch(2, 16_000, '16', [new Int16Array(10), new Int16Array(10)]);
    expect(() => decodeWavTo16k(stereo.toBuffer())).toThrow(/16-bit mono/);
  });

  it('round-trips through encodeWav as 16-bit PCM', () => {
    const samples = toPcm16(Float32Array.from([0.4, -1.6, 40_000, -40_000, 123]));
    expect([...samples]).toEqual([0, -2, 32767, -32768, 123]);
    expect([...decodeWavTo16k(encodeWav(samples))]).toEqual([...samples]);
  });
});

describe('audio helpers', () => {
  it('Rng is deterministic and uniform enough', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / 1000 - 0.5)).toBeLessThan(0.05);
    expect(new Rng(8).next()).not.toBe(xs[0]);
  });

  it('noise has the requested RMS, is seeded, and pink/brown noise is darker than white', () => {
    const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    for (const kind of ['white', 'pink', 'brown'] as const) expect(rms(noise(kind, 16_000, 100, 1))).toBeCloseTo(100, 3);
    expect([...noise('pink', 100, 50, 3)]).toEqual([...noise('pink', 100, 50, 3)]);
    const high = (kind: 'white' | 'brown') => amplitudeAt(noise(kind, 16_000, 100, 2), 6000);
    expect(high('brown')).toBeLessThan(high('white') / 5);
  });

  it('trimSilence cuts quiet ends and keeps a 10 ms margin', () => {
    const x = new Float32Array(1000);
    x.fill(1000, 400, 600);
    const out = trimSilence(x);
    expect(out.length).toBe(200 + 2 * 160);
    expect(trimSilence(new Float32Array(5)).length).toBe(5);
  });
});

describe.skipIf(!hasEspeak)('espeak-ng', () => {
  it('speaks the wake phrase at 16 kHz, differently per voice, and the same twice', async () => {
    const style = { voice: 'en-us+m3', speed: 160, pitch: 50, wordGap: 0 };
    const a = await speak('hey tessera', style);
    expect(a.length).toBeGreaterThan(0.5 * SAMPLE_RATE);
    expect(a.length).toBeLessThan(1.5 * SAMPLE_RATE);
    expect([...(await speak('hey tessera', style))]).toEqual([...a]);
    expect((await speak('hey tessera', { ...style, voice: 'en-gb-scotland+f2' })).length).not.toBe(a.length);
  });

  it('checkVoices rejects a voice espeak-ng would silently replace by its default', async () => {
    await expect(checkVoices(['en-us+m3', 'de+whisper'])).resolves.toBeUndefined();
    await expect(checkVoices(['en-us+nonexistent', 'xx-yy'])).rejects.toThrow(/en-us\+nonexistent, xx-yy/);
  });
});

describe('the data plan', () => {
  const sizes = { trainPositives: 30, heldOutPositives: 20, trainSoundAlikeSeconds: 40, trainNegativeSeconds: 40, heldOutNegativeSeconds: 40 };

  it('is the same for the same seed and differs for another', () => {
    expect(JSON.stringify(makePlan(3, sizes))).toBe(JSON.stringify(makePlan(3, sizes)));
    expect(JSON.stringify(makePlan(4, sizes))).not.toBe(JSON.stringify(makePlan(3, sizes)));
  });

  it('changing the training negatives leaves the held-out data as it was', () => {
    const a = makePlan(3, sizes);
    const b = makePlan(3, { ...sizes, trainNegativeSeconds: 100 });
    expect(JSON.stringify(b.heldOutPositives)).toBe(JSON.stringify(a.heldOutPositives));
    expect(JSON.stringify(b.heldOutNegatives)).toBe(JSON.stringify(a.heldOutNegatives));
  });

  it('held-out voices never speak in training, and training voices never in the held-out data', () => {
    const plan = makePlan(0, sizes);
    const training = [plan.trainPositives, plan.trainSoundAlikes, plan.trainNegatives].flat().flatMap((c) => c.utterances.map((u) => u.style.voice));
    const heldOut = [plan.heldOutPositives, plan.heldOutNegatives].flat().flatMap((c) => c.utterances.map((u) => u.style.voice));
    for (const v of heldOut) {
      expect(HELD_OUT_ACCENTS).toContain(v.split('+')[0]);
      expect(HELD_OUT_VARIANTS).toContain(v.split('+')[1]);
    }
    for (const v of training) {
      expect([...TRAIN_ACCENTS, ...NEGATIVE_ONLY_ACCENTS]).toContain(v.split('+')[0]);
      expect(HELD_OUT_VARIANTS).not.toContain(v.split('+')[1]);
    }
    for (const v of wakeVoices(plan.trainPositives)) expect(TRAIN_VARIANTS).toContain(v.split('+')[1]);
    expect(planVoices(plan).length).toBeGreaterThan(20);
  });

  it('every positive ends with the wake phrase, and no negative says it', () => {
    const plan = makePlan(1, sizes);
    for (const clip of [...plan.trainPositives, ...plan.heldOutPositives]) {
      const wake = clip.utterances.filter((u) => WAKE_PHRASE.includes(u.text));
      expect(wake.length).toBe(1);
      expect(wake[0]!.anchor).toBe('end');
      expect(wake[0]!.at).toBeLessThan(clip.length);
    }
    for (const clip of [...plan.trainSoundAlikes, ...plan.trainNegatives, ...plan.heldOutNegatives]) {
      for (const u of clip.utterances) expect(u.text.toLowerCase().replace(/[^a-z ]/g, '')).not.toBe('hey tessera');
    }
  });
});

describe('windows of the feature pipeline', () => {
  it('counts frames and embeddings as openWakeWord does', () => {
    // openWakeWord: n_frames = ceil(samples / 160 - 3); 16 embeddings need 31,712 samples (1.98 s).
    for (const samples of [32_000, 40_000, 320_000, 1760, 31_840]) expect(melFrames(samples)).toBe(Math.ceil(samples / 160 - 3));
    expect(embeddingCount(melFrames(32_000))).toBe(16);
    expect(embeddingCount(melFrames(31_711))).toBe(15);
    expect(embeddingCount(melFrames(31_712))).toBe(16);
    expect(embeddingCount(75)).toBe(0);
  });

  it('melWindows takes 76 frames every 8; headWindows takes 16 embeddings every one', () => {
    const frames = 92;
    const mel = Float32Array.from({ length: frames * 32 }, (_, i) => i);
    const w = melWindows(mel, frames);
    expect(w.length).toBe(3 * 76 * 32);
    expect(w[76 * 32]).toBe(8 * 32); // the second window starts at frame 8
    const emb = Float32Array.from({ length: 18 * 96 }, (_, i) => Math.floor(i / 96));
    const h = headWindows(emb);
    expect(h.count).toBe(3);
    expect(h.data[2 * 16 * 96]).toBe(2);
    expect(h.data[3 * 16 * 96 - 1]).toBe(17);
    expect(headWindows(new Float32Array(15 * 96)).count).toBe(0);
  });

  it('acceptsOf counts one accept per cooldown', () => {
    const s = Float32Array.from([0, 0.6, 0.9, 0.7, 0, 0, 0.8, 0.1]);
    expect(acceptsOf(s, 0.5, 3)).toEqual([1, 6]);
    expect(acceptsOf(s, 0.85, 3)).toEqual([2]);
    expect(acceptsOf(new Float32Array(4), 0.5, 3)).toEqual([]);
  });
});

describe('runWakeWord', () => {
  it('rejects an unknown option before doing any work', async () => {
    await expect(runWakeWord({ quik: true } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
  });
});
