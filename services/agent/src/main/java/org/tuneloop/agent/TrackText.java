package org.tuneloop.agent;

import java.math.BigDecimal;
import java.util.function.IntFunction;
import org.tuneloop.music.Note;
import org.tuneloop.music.Track;

/** Canonical text of a track for state keys: "pitch:beats:drum" per note, joined by '|'. */
final class TrackText {
  private TrackText() {}

  static String of(Track track, IntFunction<String> pitch) {
    StringBuilder text = new StringBuilder(track.length() * 10);
    for (Note note : track.notes()) {
      if (!text.isEmpty()) {
        text.append('|');
      }
      text.append(pitch.apply(note.pitch())).append(':').append(beats(note.beats())).append(':').append(note.drum());
    }
    return text.toString();
  }

  /** The text of quarter-beat multiples up to 16 beats, the usual durations, made once (keys are made often). */
  private static final String[] QUARTERS = new String[65];

  static {
    for (int k = 0; k < QUARTERS.length; k++) {
      QUARTERS[k] = BigDecimal.valueOf(k / 4.0).stripTrailingZeros().toPlainString();
    }
  }

  /** Shortest decimal without trailing zeros: 1.0 -> "1", 0.50 -> "0.5", 0.25 -> "0.25". */
  static String beats(double beats) {
    double quarters = beats * 4;
    if (quarters >= 0 && quarters < QUARTERS.length && quarters == Math.rint(quarters)) {
      return QUARTERS[(int) quarters];
    }
    return BigDecimal.valueOf(beats).stripTrailingZeros().toPlainString();
  }

  /** "+0", "+7", "-3". */
  static String signed(int offset) {
    return offset >= 0 ? "+" + offset : Integer.toString(offset);
  }
}
