package org.tuneloop.music;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Scales as semitones above the base note (docs/method.md). */
public enum Scale {
  MAJOR(0, 2, 4, 5, 7, 9, 11),
  MINOR(0, 2, 3, 5, 7, 8, 10),
  DIMINISHED(0, 2, 3, 5, 6, 8, 9, 11),
  BLUES_MAJOR(0, 2, 5, 7, 9),
  BLUES_MINOR(0, 3, 5, 8, 10);

  private static final int OCTAVE = 12;

  private final int[] intervals;

  Scale(int... intervals) { this.intervals = intervals; }

  /** Semitones above the base note, without the octave. */
  public int[] intervals() { return intervals.clone(); }

  /** The pitches an initial melody draws from: one octave above the base, the octave note included. */
  public int[] pitchesFrom(int baseNote) {
    int[] pitches = new int[intervals.length + 1];
    for (int i = 0; i < intervals.length; i++) {
      pitches[i] = baseNote + intervals[i];
    }
    pitches[intervals.length] = baseNote + OCTAVE;
    return pitches;
  }

  /** Parses "major", "minor", "diminished", "blues-major", "blues-minor" (case-insensitive, '-' or '_'). */
  public static Scale parse(String name) {
    if (name != null) {
      String wanted = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
      for (Scale scale : values()) {
        if (scale.id().equals(wanted)) {
          return scale;
        }
      }
    }
    throw new IllegalArgumentException("unknown scale '" + name + "'; valid: " + validIds());
  }

  /** The lower-case, hyphenated name that parse() accepts, e.g. "blues-major". */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String validIds() {
    return Arrays.stream(values()).map(Scale::id).collect(Collectors.joining(", "));
  }
}
