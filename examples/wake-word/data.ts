/**
 * The demo's data, made at run time from a seed: positive clips of "hey tessera" and negative
 * audio (other phrases, phrases that sound alike, noise, silence), spoken by espeak-ng.
 *
 * Voices are split: a training voice is a training accent with a training variant, a held-out
 * voice a held-out accent with a held-out variant, so the held-out figures come from voices
 * whose accent and timbre training never heard. The phrases of the held-out negative audio are
 * mostly others than the training ones too.
 *
 * {@link makePlan} draws every random choice (voices, speeds, pitches, placement, levels, noise
 * seeds) into a plain JSON plan; {@link renderPlan} turns the plan into audio. The same seed gives
 * the same plan, and the plan (with espeak-ng's version) keys the feature cache.
 */
import { Rng, SAMPLE_RATE, mapLimit, mixInto, noise, peakOf, speak, toPcm16, type NoiseKind, type SpeechStyle } from './audio.js';

/** The wake phrase, written a few ways (espeak-ng reads them alike, with small prosody changes). */
export const WAKE_PHRASE = ['hey tessera', 'hey, tessera', 'Hey Tessera!', 'hey tessera.'];

/** espeak-ng's English accents, split into training and held-out ones. */
export const TRAIN_ACCENTS = ['en-us', 'en-gb', 'en-gb-x-rp', 'en-029'];
export const HELD_OUT_ACCENTS = ['en-gb-scotland', 'en-us-nyc', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd'];
/** espeak-ng voice variants (timbre, formants, breathiness), split the same way. */
export const TRAIN_VARIANTS = ['m1', 'm3', 'm5', 'm7', 'f1', 'f3', 'f5', 'klatt', 'klatt3', 'Andy', 'belinda', 'john'];
export const HELD_OUT_VARIANTS = ['m2', 'm4', 'm6', 'f2', 'f4', 'klatt2', 'klatt4', 'Annie', 'david', 'steph'];
/**
 * Voices that only ever speak training negatives: other languages' voices reading English, and
 * the odd variants. They widen what "not the wake phrase" sounds like without touching the
 * held-out accents or variants.
 */
export const NEGATIVE_ONLY_ACCENTS = ['de', 'fr-fr', 'es', 'nl', 'it', 'pl', 'sv', 'pt', 'cs', 'da'];
export const NEGATIVE_ONLY_VARIANTS = [...TRAIN_VARIANTS, 'whisper', 'croak', 'grandma', 'grandpa', 'robosoft', 'm8', 'klatt5', 'Storm'];

/** Phrases that sound like the wake phrase or share part of it: the hard negatives. */
export const TRAIN_CONFUSABLES = [
  'hey theresa', 'hey tessa', 'hey tesla', 'hey sierra', 'hey vera', 'tessera', 'hey there', 'hey jessica',
  'a tessellation', 'hey siri', 'hey alexa', 'hey jarvis', 'hey lisa', 'hey sarah', 'hey tess', 'yes sir',
];
/** Names for more training sound-alikes, "hey <name>" (none of them in the held-out phrases). */
export const TRAIN_NAMES = [
  'anna', 'laura', 'marissa', 'melissa', 'patricia', 'victoria', 'rosa', 'elena', 'tessie', 'jessie', 'bella', 'stella', 'sandra',
  'maria', 'andrea', 'erica', 'monica', 'angela', 'pamela', 'nora', 'dora', 'flora', 'barbara', 'sabrina', 'serena', 'selena',
  'tina', 'diana', 'fiona', 'gloria', 'olivia', 'sophia', 'amelia', 'isabella', 'emma', 'della', 'petra', 'nessa', 'tamara',
  'samara', 'kiara', 'theodora', 'genesis', 'tessaly', 'esmeralda', 'veronica', 'rosetta', 'carla', 'trevor', 'peter',
];
export const HELD_OUT_CONFUSABLES = [
  'hey teresa', 'hey cassandra', 'hey vanessa', 'hey professor', 'hey clara', 'tessellate', 'hey mister',
  'hey celeste', 'they tested her', 'hey rebecca', 'hey mycroft', 'hey ester',
];
/** Words of the random sentences that most of the training negatives say (seeded picks of 3 to 9). */
export const TRAIN_VOCABULARY = (
  'the a to and of in is it you that he was for on are with as I his they be at one have this from or had by word but ' +
  'what some we can out other were all there when up use your how said an each she which do their time if will way about many ' +
  'then them write would like so these her long make thing see him two has look more day could go come did number sound no most ' +
  'people my over know water than call first who may down side been now find any new work part take get place made live where after ' +
  'back little only round man year came show every good me give our under name very through just form sentence great think say help low ' +
  'line differ turn cause much mean before move right boy old too same tell does set three want air well also play small end put home ' +
  'read hand port large spell add even land here must big high such follow act why ask men change went light kind off need house picture ' +
  'try us again animal point mother world near build self earth father head stand own page should country found answer school grow study ' +
  'still learn plant cover food sun four between state keep eye never last let thought city tree cross farm hard start might story saw far ' +
  'sea draw left late run while press close night real life few north open seem together next white children begin got walk example ease ' +
  'paper group always music those both mark often letter until mile river car feet care second book carry took science eat room friend ' +
  'began idea fish mountain stop once base hear horse cut sure watch colour face wood main enough plain girl usual young ready above ever ' +
  'red list though feel talk bird soon body dog family direct pose leave song measure door product black short numeral class wind question ' +
  'happen complete ship area half rock order fire south problem piece told knew pass since top whole king space heard best hour better ' +
  'true during hundred five remember step early hold west ground interest reach fast verb sing listen six table travel less morning ten ' +
  'simple several vowel toward war lay against pattern slow centre love person money serve appear road map rain rule govern pull cold ' +
  'notice voice unit power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct able ' +
  'pound done beauty drive stood contain front teach week final gave green oh quick develop ocean warm free minute strong special mind ' +
  'behind clear tail produce fact street inch multiply nothing course stay wheel full force blue object decide surface deep moon island ' +
  'foot system busy test record boat common gold possible plane stead dry wonder laugh thousand ago ran check game shape equate hot miss ' +
  'brought heat snow tire bring yes distant fill east paint language among'
).split(' ');

/** Everyday sentences. */
export const TRAIN_SENTENCES = [
  'turn on the kitchen lights', 'what is the weather like tomorrow', 'set a timer for ten minutes', 'play some music',
  'call my sister', 'how far is the station', 'the meeting starts at nine', 'please close the window',
  'I think it will rain today', 'add milk to the shopping list', 'what time is it', 'she sells sea shells by the sea shore',
  'the quick brown fox jumps over the lazy dog', 'can you hear me now', 'let us go for a walk', 'where did I leave my keys',
  'thank you very much', 'good morning everyone', 'the train was late again', 'read me the news',
];
export const HELD_OUT_SENTENCES = [
  'open the garage door', 'how tall is mount everest', 'remind me to water the plants', 'stop the alarm',
  'the children are playing outside', 'send a message to my brother', 'it is cold in here', 'what is on the calendar today',
  'my favourite colour is green', 'the library closes at six', 'pass me the salt please', 'we should buy a new table',
  'turn the volume down', 'that was a great film', 'there is a cat on the roof', 'see you later',
  'how many grams in a kilogram', 'put the kettle on', 'the bus leaves from the corner', 'I would like a cup of tea',
  'the doctor will see you now', 'switch off the television', 'who won the match last night', 'she is learning to play the violin',
  'order a pizza for dinner', 'the garden needs some rain', 'what is the capital of france', 'tell me a joke',
  'lock the front door', 'the printer is out of paper', 'we are almost there', 'how do you spell necessary',
];

const NOISE_KINDS: readonly NoiseKind[] = ['white', 'pink', 'brown'];

/** One utterance in a clip: what is said, how, where it starts (samples) and its peak level. */
export interface Utterance {
  readonly text: string;
  readonly style: SpeechStyle;
  /** Where the utterance starts, or (positives) where it must end. */
  readonly at: number;
  readonly anchor: 'start' | 'end';
  /** Peak level in int16 units. */
  readonly peak: number;
}

/** A noise burst (fan, traffic, a tap running). */
export interface NoiseBurst {
  readonly kind: NoiseKind;
  readonly at: number;
  readonly length: number;
  readonly rms: number;
  readonly seed: number;
}

/** One clip or stream: a noise floor, utterances and noise bursts. */
export interface ClipPlan {
  readonly length: number;
  readonly floor: { readonly kind: NoiseKind; readonly rms: number; readonly seed: number };
  readonly utterances: readonly Utterance[];
  readonly bursts: readonly NoiseBurst[];
}

/** Sizes of the data. */
export interface DataSizes {
  /** Training clips of the wake phrase (2 s each, phrase at the end). */
  readonly trainPositives: number;
  /** Held-out clips of the wake phrase (2.5 s each, held-out voices). */
  readonly heldOutPositives: number;
  /** Training streams of sound-alike phrases only, close together (training voices), in seconds. */
  readonly trainSoundAlikeSeconds: number;
  /** Negative audio for training, in 20 s streams (training voices). */
  readonly trainNegativeSeconds: number;
  /** Held-out negative audio, in 20 s streams (held-out voices). */
  readonly heldOutNegativeSeconds: number;
}

export interface DataPlan {
  readonly seed: number;
  readonly trainPositives: readonly ClipPlan[];
  readonly heldOutPositives: readonly ClipPlan[];
  readonly trainSoundAlikes: readonly ClipPlan[];
  readonly trainNegatives: readonly ClipPlan[];
  readonly heldOutNegatives: readonly ClipPlan[];
}

/** Length of a training positive: 2 s gives exactly the 16 embeddings a head reads. */
export const TRAIN_CLIP_SAMPLES = 2 * SAMPLE_RATE;
/** Length of a held-out positive: 2.5 s, the phrase ending between 1.6 and 2.2 s (7 head windows). */
export const HELD_OUT_CLIP_SAMPLES = 2.5 * SAMPLE_RATE;
/** Length of a negative stream. */
export const STREAM_SAMPLES = 20 * SAMPLE_RATE;

function style(rng: Rng, accents: readonly string[], variants: readonly string[]): SpeechStyle {
  return {
    voice: `${rng.pick(accents)}+${rng.pick(variants)}`,
    speed: rng.int(120, 210),
    pitch: rng.int(25, 80),
    wordGap: rng.next() < 0.8 ? 0 : rng.int(1, 4),
  };
}

function floor(rng: Rng): ClipPlan['floor'] {
  // From a quiet room (~ −76 dBFS) to a noisy one (~ −40 dBFS).
  return { kind: rng.pick(NOISE_KINDS), rms: rng.logUniform(5, 300), seed: rng.int(0, 2 ** 31 - 1) };
}

/** A training sound-alike: a fixed one (40%), "hey <name>" (40%) or "hey <word>" (20%). */
function trainConfusable(rng: Rng): string {
  const r = rng.next();
  if (r < 0.4) return rng.pick(TRAIN_CONFUSABLES);
  return `hey ${rng.pick(r < 0.8 ? TRAIN_NAMES : TRAIN_VOCABULARY)}`;
}

/** A clip whose phrase ends near its end: the wake phrase where a head must fire. */
function endAligned(rng: Rng, held: boolean, phrase: () => string): ClipPlan {
  const accents = held ? HELD_OUT_ACCENTS : TRAIN_ACCENTS;
  const variants = held ? HELD_OUT_VARIANTS : TRAIN_VARIANTS;
  const length = held ? HELD_OUT_CLIP_SAMPLES : TRAIN_CLIP_SAMPLES;
  const end = held ? rng.uniform(1.6, 2.2) * SAMPLE_RATE : length - rng.uniform(0.05, 0.35) * SAMPLE_RATE;
  const utterances: Utterance[] = [{ text: phrase(), style: style(rng, accents, variants), at: Math.round(end), anchor: 'end', peak: rng.logUniform(3000, 28000) }];
  // Sometimes someone was talking just before: the phrase is not always preceded by quiet.
  if (rng.next() < 0.3) {
    const text = rng.pick(held ? HELD_OUT_SENTENCES : TRAIN_SENTENCES);
    utterances.push({ text, style: style(rng, accents, variants), at: Math.round(end - rng.uniform(1.6, 2.2) * SAMPLE_RATE), anchor: 'end', peak: rng.logUniform(3000, 20000) });
  }
  return { length, floor: floor(rng), utterances, bursts: [] };
}

/**
 * A 20 s negative stream: after 1 s of room noise, gaps of 0.2–1.2 s alternate with utterances
 * (45% a sound-alike phrase, 40% a sentence) and noise bursts (15%). Training sentences are
 * mostly random words of {@link TRAIN_VOCABULARY}, and half the training utterances come from
 * {@link NEGATIVE_ONLY_ACCENTS}. With `soundAlikes`, a training stream says only sound-alikes, 0.1–0.6 s
 * apart: every window of it is a hard negative, at every alignment, for about one embedding each.
 * Utterance lengths are not known before synthesis, so an utterance starts where the previous one
 * was planned to end at 175 words per minute (or later: see {@link renderPlan}); what runs past
 * the end is cut.
 */
function negativeStream(rng: Rng, held: boolean, soundAlikes = false): ClipPlan {
  const accents = held ? HELD_OUT_ACCENTS : TRAIN_ACCENTS;
  const variants = held ? HELD_OUT_VARIANTS : TRAIN_VARIANTS;
  const sentence = (): string => {
    if (held || rng.next() < 0.3) return rng.pick(held ? HELD_OUT_SENTENCES : TRAIN_SENTENCES);
    return Array.from({ length: rng.int(3, 9) }, () => rng.pick(TRAIN_VOCABULARY)).join(' ');
  };
  // Half of the training negatives are spoken by voices that never say the wake phrase.
  const speaker = (): SpeechStyle => (!held && !soundAlikes && rng.next() < 0.5 ? style(rng, NEGATIVE_ONLY_ACCENTS, NEGATIVE_ONLY_VARIANTS) : style(rng, accents, variants));
  const utterances: Utterance[] = [];
  const bursts: NoiseBurst[] = [];
  let t = SAMPLE_RATE;
  while (t < STREAM_SAMPLES - SAMPLE_RATE) {
    t += Math.round((soundAlikes ? rng.uniform(0.1, 0.6) : rng.uniform(0.2, 1.2)) * SAMPLE_RATE);
    const r = soundAlikes ? 0 : rng.next();
    if (r < 0.85) {
      const text = r < 0.45 ? (held ? rng.pick(HELD_OUT_CONFUSABLES) : trainConfusable(rng)) : sentence();
      utterances.push({ text, style: speaker(), at: t, anchor: 'start', peak: rng.logUniform(3000, 28000) });
      t += Math.round((text.split(' ').length * 60 / 175 + 0.2) * SAMPLE_RATE);
    } else {
      const length = Math.round(rng.uniform(0.3, 1.5) * SAMPLE_RATE);
      bursts.push({ kind: rng.pick(NOISE_KINDS), at: t, length, rms: rng.logUniform(100, 4000), seed: rng.int(0, 2 ** 31 - 1) });
      t += length;
    }
  }
  return { length: STREAM_SAMPLES, floor: floor(rng), utterances, bursts };
}

/**
 * Draws every random choice of the data from `seed`. Each group has its own random stream, so
 * changing the size or the recipe of one group (the training negatives) leaves the others as
 * they were (and their cached features valid).
 */
export function makePlan(seed: number, sizes: DataSizes): DataPlan {
  const group = (index: number) => new Rng((Math.imul(seed, 0x9e3779b1) + index * 0x85ebca6b) >>> 0);
  const clips = (index: number, count: number, make: (rng: Rng) => ClipPlan) => {
    const rng = group(index);
    return Array.from({ length: count }, () => make(rng));
  };
  return {
    seed,
    trainPositives: clips(1, sizes.trainPositives, (rng) => endAligned(rng, false, () => rng.pick(WAKE_PHRASE))),
    heldOutPositives: clips(2, sizes.heldOutPositives, (rng) => endAligned(rng, true, () => rng.pick(WAKE_PHRASE))),
    trainSoundAlikes: clips(3, Math.ceil(sizes.trainSoundAlikeSeconds / 20), (rng) => negativeStream(rng, false, true)),
    trainNegatives: clips(4, Math.ceil(sizes.trainNegativeSeconds / 20), (rng) => negativeStream(rng, false)),
    heldOutNegatives: clips(5, Math.ceil(sizes.heldOutNegativeSeconds / 20), (rng) => negativeStream(rng, true)),
  };
}

/** Every voice a plan uses. */
export function planVoices(plan: DataPlan): string[] {
  const clips = [plan.trainPositives, plan.heldOutPositives, plan.trainSoundAlikes, plan.trainNegatives, plan.heldOutNegatives].flat();
  return [...new Set(clips.flatMap((c) => c.utterances.map((u) => u.style.voice)))].sort();
}

/** Distinct voices (accent+variant) that a list of clips uses for the wake phrase. */
export function wakeVoices(clips: readonly ClipPlan[]): string[] {
  return [...new Set(clips.flatMap((c) => c.utterances.filter((u) => WAKE_PHRASE.includes(u.text)).map((u) => u.style.voice)))].sort();
}

/** What happens in a rendered stream: where each utterance sits (for explaining false accepts). */
export interface RenderedEvent {
  readonly text: string;
  readonly voice: string;
  readonly start: number;
  readonly end: number;
}

export interface RenderedClip {
  readonly samples: Float32Array;
  readonly events: readonly RenderedEvent[];
}

/** Synthesizes and mixes the clips of a plan (espeak-ng runs `concurrency` processes at a time). */
export async function renderPlan(clips: readonly ClipPlan[], concurrency = 4): Promise<RenderedClip[]> {
  const utterances = clips.flatMap((c) => c.utterances);
  const spoken = await mapLimit(utterances, concurrency, (u) => speak(u.text, u.style));
  const byUtterance = new Map(utterances.map((u, i) => [u, spoken[i]!]));
  return clips.map((clip) => {
    const samples = noise(clip.floor.kind, clip.length, clip.floor.rms, clip.floor.seed);
    const events: RenderedEvent[] = [];
    let previousEnd = -Infinity;
    for (const u of clip.utterances) {
      const speech = byUtterance.get(u)!;
      // Streams keep their utterances apart when one came out longer than planned.
      const start = u.anchor === 'start' ? Math.max(u.at, previousEnd + Math.round(0.15 * SAMPLE_RATE)) : u.at - speech.length;
      if (u.anchor === 'start') previousEnd = start + speech.length;
      if (start >= clip.length) continue;
      mixInto(samples, speech, start, u.peak / peakOf(speech));
      events.push({ text: u.text, voice: u.style.voice, start, end: start + speech.length });
    }
    for (const b of clip.bursts) mixInto(samples, noise(b.kind, b.length, b.rms, b.seed), b.at);
    return { samples: toPcm16(samples), events };
  });
}
