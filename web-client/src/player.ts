/**
 * The one player: schedules a track's melody and percussion onto any BaseAudioContext, so the live page
 * (AudioContext) and the offline render (OfflineAudioContext) produce the same sound from the same code.
 * Instruments are synthesised with plain Web Audio (oscillators, filtered noise, envelopes): nothing is
 * downloaded at run time.
 */
import { frequency, timeline, type Playable } from './music.ts';

export type Part = 'melody' | 'percussion';
export const ALL_PARTS: readonly Part[] = ['melody', 'percussion'];

/** Seconds any sound may ring on after the end of the last note (the longest drum decay, with margin). */
export const RING = 1.0;
/** The master level, shared by live and offline output. */
const MASTER_GAIN = 0.8;

export interface ScheduleOptions {
  /** Context time (seconds) of the first onset. */
  readonly when: number;
  /** Which parts sound; both by default. */
  readonly parts?: readonly Part[];
}

export interface Scheduled {
  /** Context time of the first onset. */
  readonly start: number;
  /** Context time at which the last melody note ends. */
  readonly end: number;
  /** Context time after which nothing more sounds. */
  readonly silentAt: number;
  /** Silences everything this schedule started, at once. */
  stop(): void;
}

/** The chain every output goes through: one gain stage, the same live and offline. */
export function createOutput(ctx: BaseAudioContext, destination: AudioNode = ctx.destination): GainNode {
  const master = ctx.createGain();
  master.gain.value = MASTER_GAIN;
  master.connect(destination);
  return master;
}

/** Schedules every note of the track at its onset (tempo from the track) onto the context. */
export function scheduleTrack(ctx: BaseAudioContext, destination: AudioNode, track: Playable,
                              options: ScheduleOptions): Scheduled {
  const parts = options.parts ?? ALL_PARTS;
  const line = timeline(track);
  const sources: AudioScheduledSourceNode[] = [];
  const buses: GainNode[] = [];
  const bus = (): GainNode => {
    const g = ctx.createGain();
    g.connect(destination);
    buses.push(g);
    return g;
  };
  const melody = parts.includes('melody') ? bus() : null;
  const percussion = parts.includes('percussion') ? bus() : null;
  for (const note of line.notes) {
    const t = options.when + note.onset;
    if (melody) {
      melodyVoice(ctx, melody, note.pitch, t, note.duration, sources);
    }
    if (percussion && note.drum > 0) {
      drumVoice(ctx, percussion, note.drum, t, sources);
    }
  }
  let stopped = false;
  return {
    start: options.when,
    end: options.when + line.length,
    silentAt: options.when + line.length + RING,
    stop() {
      if (stopped) {
        return;
      }
      stopped = true;
      for (const g of buses) {
        g.disconnect();
      }
      for (const s of sources) {
        try {
          s.stop();
        } catch {
          // never started or already stopped
        }
      }
    },
  };
}

export interface RenderOptions {
  readonly parts?: readonly Part[];
  readonly sampleRate?: number;
  /** Silence before the first onset, in seconds. */
  readonly lead?: number;
}

/** Renders the track offline, exactly as the live player would play it; mono. */
export async function renderOffline(track: Playable, options: RenderOptions = {}): Promise<AudioBuffer> {
  const sampleRate = options.sampleRate ?? 22050;
  const lead = options.lead ?? 0.1;
  const length = Math.ceil((lead + timeline(track).length + RING + 0.25) * sampleRate);
  const ctx = new OfflineAudioContext({ numberOfChannels: 1, length, sampleRate });
  scheduleTrack(ctx, createOutput(ctx), track, { when: lead, ...(options.parts ? { parts: options.parts } : {}) });
  return ctx.startRendering();
}

// ---- instruments ----------------------------------------------------------------------------------------

function melodyVoice(ctx: BaseAudioContext, out: AudioNode, pitch: number, t: number, duration: number,
                     sources: AudioScheduledSourceNode[]): void {
  const f = frequency(pitch);
  const attack = Math.min(0.01, duration * 0.2);
  const releaseEnd = t + duration - Math.min(0.004, duration * 0.05);
  const releaseStart = Math.max(t + attack, releaseEnd - Math.min(0.08, duration * 0.25));
  const decayEnd = Math.min(t + attack + 0.12, releaseStart);
  const peak = 0.24;
  const sustain = 0.15;

  const env = ctx.createGain();
  env.gain.setValueAtTime(0, t);
  env.gain.linearRampToValueAtTime(peak, t + attack);
  env.gain.linearRampToValueAtTime(sustain, decayEnd);
  env.gain.setValueAtTime(sustain, releaseStart);
  env.gain.linearRampToValueAtTime(0, releaseEnd);

  const tone = ctx.createBiquadFilter();
  tone.type = 'lowpass';
  tone.frequency.value = Math.min(6000, f * 8);
  tone.Q.value = 0.5;
  tone.connect(env);
  env.connect(out);

  const body = ctx.createOscillator();
  body.type = 'triangle';
  body.frequency.value = f;
  body.connect(tone);

  const shimmer = ctx.createOscillator();
  shimmer.type = 'sawtooth';
  shimmer.frequency.value = f * 1.003;
  const shimmerLevel = ctx.createGain();
  shimmerLevel.gain.value = 0.12;
  shimmer.connect(shimmerLevel);
  shimmerLevel.connect(tone);

  for (const osc of [body, shimmer]) {
    osc.start(t);
    osc.stop(releaseEnd + 0.01);
    sources.push(osc);
  }
}

type DrumKind = 'kick' | 'snare' | 'hat' | 'open-hat' | 'tom' | 'cymbal' | 'click';

function drumKind(key: number): DrumKind {
  if (key === 35 || key === 36) return 'kick';
  if (key === 37 || key === 38 || key === 39 || key === 40) return 'snare';
  if (key === 42 || key === 44) return 'hat';
  if (key === 46) return 'open-hat';
  if ([41, 43, 45, 47, 48, 50].includes(key)) return 'tom';
  if ([49, 51, 52, 53, 55, 57, 59].includes(key)) return 'cymbal';
  return 'click';
}

function drumVoice(ctx: BaseAudioContext, out: AudioNode, key: number, t: number,
                   sources: AudioScheduledSourceNode[]): void {
  switch (drumKind(key)) {
    case 'kick':
      pitchedHit(ctx, out, t, 150, 48, 0.12, 0.9, 0.35, sources);
      noiseHit(ctx, out, t, 'bandpass', 3000, 0.15, 0.012, sources);
      break;
    case 'snare':
      pitchedHit(ctx, out, t, 200, 170, 0.05, 0.35, 0.12, sources, 'triangle');
      noiseHit(ctx, out, t, 'highpass', 1500, 0.5, 0.2, sources);
      break;
    case 'hat':
      noiseHit(ctx, out, t, 'highpass', 7000, 0.3, 0.06, sources);
      break;
    case 'open-hat':
      noiseHit(ctx, out, t, 'highpass', 7000, 0.28, 0.35, sources);
      break;
    case 'tom': {
      const f = 70 + (key - 41) * 14;
      pitchedHit(ctx, out, t, f * 1.3, f, 0.1, 0.7, 0.3, sources);
      break;
    }
    case 'cymbal':
      noiseHit(ctx, out, t, 'highpass', 5000, 0.25, key === 51 || key === 59 || key === 53 ? 0.5 : 0.9, sources);
      break;
    case 'click':
      noiseHit(ctx, out, t, 'bandpass', 2500, 0.45, 0.08, sources);
      break;
  }
}

/** A sine (or triangle) whose pitch falls from `from` to `to` Hz, with a sharp attack and an exponential decay. */
function pitchedHit(ctx: BaseAudioContext, out: AudioNode, t: number, from: number, to: number, sweep: number,
                    level: number, decay: number, sources: AudioScheduledSourceNode[],
                    type: OscillatorType = 'sine'): void {
  const osc = ctx.createOscillator();
  osc.type = type;
  osc.frequency.setValueAtTime(from, t);
  osc.frequency.exponentialRampToValueAtTime(to, t + sweep);
  const env = ctx.createGain();
  envelope(env, t, level, decay);
  osc.connect(env);
  env.connect(out);
  osc.start(t);
  osc.stop(t + decay + 0.02);
  sources.push(osc);
}

/** Filtered noise with a sharp attack and an exponential decay. */
function noiseHit(ctx: BaseAudioContext, out: AudioNode, t: number, type: BiquadFilterType, cutoff: number,
                  level: number, decay: number, sources: AudioScheduledSourceNode[]): void {
  const src = ctx.createBufferSource();
  src.buffer = noise(ctx);
  const filter = ctx.createBiquadFilter();
  filter.type = type;
  filter.frequency.value = cutoff;
  const env = ctx.createGain();
  envelope(env, t, level, decay);
  src.connect(filter);
  filter.connect(env);
  env.connect(out);
  src.start(t);
  src.stop(t + decay + 0.02);
  sources.push(src);
}

function envelope(env: GainNode, t: number, level: number, decay: number): void {
  env.gain.setValueAtTime(0, t);
  env.gain.linearRampToValueAtTime(level, t + 0.002);
  env.gain.exponentialRampToValueAtTime(0.001, t + decay);
  env.gain.setValueAtTime(0, t + decay + 0.001);
}

const noiseBuffers = new WeakMap<BaseAudioContext, AudioBuffer>();

/** One second of white noise per context, from a fixed seed so every render is the same. */
function noise(ctx: BaseAudioContext): AudioBuffer {
  let buffer = noiseBuffers.get(ctx);
  if (!buffer) {
    buffer = ctx.createBuffer(1, ctx.sampleRate, ctx.sampleRate);
    const data = buffer.getChannelData(0);
    let s = 0x2f6b1d3;
    for (let i = 0; i < data.length; i++) {
      s = (s + 0x6d2b79f5) | 0;
      let x = Math.imul(s ^ (s >>> 15), 1 | s);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      data[i] = (((x ^ (x >>> 14)) >>> 0) / 4294967296) * 2 - 1;
    }
    noiseBuffers.set(ctx, buffer);
  }
  return buffer;
}

// ---- live playback --------------------------------------------------------------------------------------

export interface PlaybackStatus {
  readonly playing: boolean;
  /** Share of the current track played so far, 0..1. */
  readonly position: number;
}

/**
 * Plays tracks through one AudioContext, created on first use. Browsers let a page make sound only after a
 * click or key press, so call {@link unlock} from such a handler; {@link play} reports whether sound started.
 */
export class LivePlayer {
  private ctx: AudioContext | null = null;
  private output: GainNode | null = null;
  private analyser: AnalyserNode | null = null;
  private current: Scheduled | null = null;
  private timer: number | null = null;
  private heard = 0;
  onStatus: ((status: PlaybackStatus) => void) | null = null;

  /** Creates and resumes the context; call inside a user gesture. */
  unlock(): void {
    const ctx = this.context();
    if (ctx && ctx.state === 'suspended') {
      void ctx.resume().catch(() => undefined);
    }
  }

  /** Plays the track from its start (stopping any other); false when the browser does not allow sound yet. */
  async play(track: Playable, parts?: readonly Part[]): Promise<boolean> {
    const ctx = this.context();
    if (!ctx || !this.output) {
      return false;
    }
    if (ctx.state !== 'running') {
      await Promise.race([ctx.resume().catch(() => undefined), new Promise((r) => setTimeout(r, 400))]);
    }
    if ((ctx.state as AudioContextState) !== 'running') {
      return false;
    }
    this.stop();
    this.heard = 0;
    this.current = scheduleTrack(ctx, this.output, track, { when: ctx.currentTime + 0.06, ...(parts ? { parts } : {}) });
    this.tick();
    return true;
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    if (this.current) {
      this.current.stop();
      this.current = null;
      this.emit(false);
    }
  }

  /**
   * Plays the three tones of a headphone-check trial in the given order (Woods et al. 2017): 200 Hz, 1 s each
   * with 100 ms ramps and 0.5 s between them; `quiet` is 6 dB lower, `antiphase` has the right channel inverted.
   * Resolves once the last tone has ended (false when the browser does not allow sound yet).
   */
  async playTones(layout: readonly ('reference' | 'quiet' | 'antiphase')[]): Promise<boolean> {
    const ctx = this.context();
    if (!ctx || !this.analyser) {
      return false;
    }
    if (ctx.state !== 'running') {
      await Promise.race([ctx.resume().catch(() => undefined), new Promise((r) => setTimeout(r, 400))]);
    }
    if ((ctx.state as AudioContextState) !== 'running') {
      return false;
    }
    this.stop();
    const start = ctx.currentTime + 0.06;
    const TONE = 1;
    const GAP = 0.5;
    const RAMP = 0.1;
    layout.forEach((kind, i) => {
      const at = start + i * (TONE + GAP);
      const osc = ctx.createOscillator();
      osc.frequency.value = 200;
      const envelope = ctx.createGain();
      const peak = kind === 'quiet' ? 0.25 * Math.pow(10, -6 / 20) : 0.25;
      envelope.gain.setValueAtTime(0, at);
      envelope.gain.linearRampToValueAtTime(peak, at + RAMP);
      envelope.gain.setValueAtTime(peak, at + TONE - RAMP);
      envelope.gain.linearRampToValueAtTime(0, at + TONE);
      osc.connect(envelope);
      const merger = ctx.createChannelMerger(2);
      envelope.connect(merger, 0, 0);
      if (kind === 'antiphase') {
        const invert = ctx.createGain();
        invert.gain.value = -1;
        envelope.connect(invert);
        invert.connect(merger, 0, 1);
      } else {
        envelope.connect(merger, 0, 1);
      }
      merger.connect(this.analyser!);
      osc.start(at);
      osc.stop(at + TONE + 0.05);
    });
    const seconds = layout.length * TONE + (layout.length - 1) * GAP + 0.1;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return true;
  }

  /** The audio facts a listening check records: sample rate and latencies (creates the context if needed). */
  audioFacts(): { sampleRate?: number; outputLatency?: number; baseLatency?: number } {
    const ctx = this.context();
    if (!ctx) {
      return {};
    }
    return { sampleRate: ctx.sampleRate,
      ...(typeof ctx.outputLatency === 'number' ? { outputLatency: ctx.outputLatency } : {}),
      ...(typeof ctx.baseLatency === 'number' ? { baseLatency: ctx.baseLatency } : {}) };
  }

  /** 'none' before the first play, else the AudioContext's state. */
  audioState(): AudioContextState | 'none' {
    return this.ctx ? this.ctx.state : 'none';
  }

  /** RMS level of what is playing now (0 when silent), from an analyser on the output. */
  level(): number {
    if (!this.analyser) {
      return 0;
    }
    const data = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(data);
    let sum = 0;
    for (const x of data) {
      sum += x * x;
    }
    return Math.sqrt(sum / data.length);
  }

  /** The largest share of the current track heard since it last started (0..1). */
  heardShare(): number {
    return this.heard;
  }

  private context(): AudioContext | null {
    if (!this.ctx) {
      const Ctor = globalThis.AudioContext ?? (globalThis as unknown as { webkitAudioContext?: typeof AudioContext })
        .webkitAudioContext;
      if (!Ctor) {
        return null;
      }
      this.ctx = new Ctor({ latencyHint: 'interactive' });
      this.analyser = this.ctx.createAnalyser();
      this.analyser.fftSize = 1024;
      this.analyser.connect(this.ctx.destination);
      this.output = createOutput(this.ctx, this.analyser);
    }
    return this.ctx;
  }

  private tick(): void {
    this.timer = window.setInterval(() => this.emit(true), 100);
    this.emit(true);
  }

  private emit(active: boolean): void {
    const ctx = this.ctx;
    const cur = this.current;
    if (!ctx || !cur) {
      this.onStatus?.({ playing: false, position: this.heard });
      return;
    }
    const span = Math.max(cur.end - cur.start, 0.001);
    const position = Math.min(1, Math.max(0, (ctx.currentTime - cur.start) / span));
    this.heard = Math.max(this.heard, position);
    const playing = active && ctx.currentTime < cur.end;
    if (!playing && this.timer !== null && ctx.currentTime >= cur.end) {
      clearInterval(this.timer);
      this.timer = null;
    }
    this.onStatus?.({ playing, position });
  }
}
