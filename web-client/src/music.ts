/**
 * Tracks as the API sends them, and the arithmetic of when each note sounds. Pure: no DOM, no audio.
 * A track is a melody of (MIDI pitch, duration in beats) with one General MIDI drum hit (0 = rest)
 * at the onset of each melody note, played at a tempo in beats per minute.
 */

export interface Note {
  readonly pitch: number;
  readonly beats: number;
  readonly drum: number;
}

export interface Playable {
  readonly tempo: number;
  readonly notes: readonly Note[];
}

export interface TimedNote extends Note {
  readonly index: number;
  /** Seconds from the start of the track. */
  readonly onset: number;
  /** Seconds the melody note lasts. */
  readonly duration: number;
}

export interface Timeline {
  readonly notes: readonly TimedNote[];
  /** Seconds from the first onset to the end of the last note. */
  readonly length: number;
}

export function secondsPerBeat(tempo: number): number {
  if (!(tempo > 0)) {
    throw new RangeError(`tempo must be positive, not ${tempo}`);
  }
  return 60 / tempo;
}

/** When each note starts and how long it lasts, in seconds. */
export function timeline(track: Playable): Timeline {
  const spb = secondsPerBeat(track.tempo);
  let at = 0;
  const notes = track.notes.map((n, index) => {
    const timed: TimedNote = { ...n, index, onset: at, duration: n.beats * spb };
    at += n.beats * spb;
    return timed;
  });
  return { notes, length: at };
}

/** Frequency in Hz of a MIDI pitch (69 = A4 = 440 Hz). */
export function frequency(pitch: number): number {
  return 440 * Math.pow(2, (pitch - 69) / 12);
}

const NAMES = ['C', 'C♯', 'D', 'D♯', 'E', 'F', 'F♯', 'G', 'G♯', 'A', 'A♯', 'B'];
const SPOKEN = ['C', 'C sharp', 'D', 'D sharp', 'E', 'F', 'F sharp', 'G', 'G sharp', 'A', 'A sharp', 'B'];

/** Scientific pitch name: 60 is C4 (middle C). */
export function noteName(pitch: number): string {
  return NAMES[((pitch % 12) + 12) % 12] + String(Math.floor(pitch / 12) - 1);
}

/** The same name written out for screen readers ("C sharp 4"). */
export function spokenNoteName(pitch: number): string {
  return SPOKEN[((pitch % 12) + 12) % 12] + ' ' + String(Math.floor(pitch / 12) - 1);
}

const DRUMS: Record<number, string> = {
  0: 'rest', 35: 'bass drum', 36: 'bass drum', 37: 'side stick', 38: 'snare', 39: 'hand clap', 40: 'snare',
  41: 'low tom', 42: 'closed hi-hat', 43: 'low tom', 44: 'pedal hi-hat', 45: 'mid tom', 46: 'open hi-hat',
  47: 'mid tom', 48: 'high tom', 49: 'crash cymbal', 50: 'high tom', 51: 'ride cymbal', 52: 'china cymbal',
  53: 'ride bell', 54: 'tambourine', 55: 'splash cymbal', 56: 'cowbell', 57: 'crash cymbal', 59: 'ride cymbal',
};

export function drumName(key: number): string {
  return DRUMS[key] ?? `drum ${key}`;
}

const SCALES: Record<string, string> = {
  major: 'Major', minor: 'Minor', diminished: 'Diminished (octatonic)', 'blues-major': 'Blues major',
  'blues-minor': 'Blues minor',
};

export function scaleLabel(id: string): string {
  return SCALES[id] ?? id;
}

/** What a scale sounds like, in plain words for participants. */
const MEANINGS: Record<string, string> = {
  major: 'bright and settled, the do-re-mi scale',
  minor: 'darker and more wistful than major',
  diminished: 'tense and mysterious: eight notes, whole and half steps in turn',
  'blues-major': 'open and folky: five notes with no half steps',
  'blues-minor': 'dark and bluesy: five notes with no half steps',
};

/** "Major: bright and settled, the do-re-mi scale." (or just the name for a scale without a description). */
export function scaleMeaning(id: string): string {
  const meaning = MEANINGS[id];
  return meaning ? `${scaleLabel(id)}: ${meaning}.` : `${scaleLabel(id)}.`;
}

/** A short text form of a track, e.g. "C4 1 · E4 ½+snare". */
export function describe(notes: readonly Note[]): string {
  return notes.map((n) => `${noteName(n.pitch)} ${beatsText(n.beats)}${n.drum ? '+' + drumName(n.drum) : ''}`)
    .join(' · ');
}

function beatsText(beats: number): string {
  const fractions: Record<string, string> = { '0.25': '¼', '0.5': '½', '0.75': '¾' };
  return fractions[String(beats)] ?? String(beats);
}
