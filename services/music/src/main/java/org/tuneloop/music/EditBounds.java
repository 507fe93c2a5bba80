package org.tuneloop.music;

import java.util.List;

/**
 * The limits within which edits are valid, and the drum set. Defaults follow docs/method.md.
 *
 * @param minPitch  lowest allowed pitch (default base - 12)
 * @param maxPitch  highest allowed pitch (default base + 24)
 * @param minBeats  shortest duration (default 0.25)
 * @param maxBeats  longest duration (default 1.0)
 * @param beatStep  duration grid and the size of a duration edit (default 0.25)
 * @param minNotes  a removal may not leave fewer notes than this (default 2)
 * @param drums     the drum set, General MIDI keys; {@link Note#REST} may be one of them (default 35, 38)
 * @param pitchStep how far a pitch edit moves a note (default a semitone)
 */
public record EditBounds(int minPitch, int maxPitch, double minBeats, double maxBeats, double beatStep,
                         int minNotes, List<Integer> drums, PitchStep pitchStep) {
  public EditBounds {
    drums = List.copyOf(drums);
    if (pitchStep == null) {
      throw new IllegalArgumentException("the pitch step is missing");
    }
    if (minPitch > maxPitch || minPitch < 0 || maxPitch > 127) {
      throw new IllegalArgumentException("pitch range " + minPitch + ".." + maxPitch + " is not within MIDI 0..127");
    }
    if (!(beatStep > 0) || !(minBeats > 0) || minBeats > maxBeats) {
      throw new IllegalArgumentException("durations need 0 < minBeats <= maxBeats and a positive beatStep");
    }
    if (minNotes < 1 || drums.isEmpty()) {
      throw new IllegalArgumentException("a track keeps at least one note and has at least one drum");
    }
  }

  /** Bounds whose pitch edits move by a semitone, as in docs/method.md. */
  public EditBounds(int minPitch, int maxPitch, double minBeats, double maxBeats, double beatStep,
                    int minNotes, List<Integer> drums) {
    this(minPitch, maxPitch, minBeats, maxBeats, beatStep, minNotes, drums, new PitchStep.Semitone());
  }

  /** The same bounds with pitch edits moving by {@code step}. */
  public EditBounds withPitchStep(PitchStep step) {
    return new EditBounds(minPitch, maxPitch, minBeats, maxBeats, beatStep, minNotes, drums, step);
  }

  /** docs/method.md defaults around the given base note. */
  public static EditBounds around(int baseNote) {
    return new EditBounds(baseNote - 12, baseNote + 24, 0.25, 1.0, 0.25, 2, List.of(35, 38));
  }
}
