package org.tuneloop.music;

/** Scales as semitones above the base note (METHOD.md). */
public enum Scale {
  MAJOR(0, 2, 4, 5, 7, 9, 11),
  MINOR(0, 2, 3, 5, 7, 8, 10),
  DIMINISHED(0, 2, 3, 5, 6, 8, 9, 11),
  BLUES_MAJOR(0, 2, 5, 7, 9),
  BLUES_MINOR(0, 3, 5, 8, 10);

  private final int[] intervals;

  Scale(int... intervals) { this.intervals = intervals; }

  /** Semitones above the base note, without the octave. */
  public int[] intervals() { return intervals.clone(); }

  /** The pitches an initial melody draws from: one octave above the base, the octave note included. */
  public int[] pitchesFrom(int baseNote) {
    throw new UnsupportedOperationException("contract stub");
  }

  /** Parses "major", "minor", "diminished", "blues-major", "blues-minor" (case-insensitive, '-' or '_'). */
  public static Scale parse(String name) {
    throw new UnsupportedOperationException("contract stub");
  }

  /** The lower-case, hyphenated name that parse() accepts, e.g. "blues-major". */
  public String id() {
    throw new UnsupportedOperationException("contract stub");
  }
}
