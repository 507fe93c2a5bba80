package org.tuneloop.music;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The six edits of docs/method.md. */
public enum Edit {
  PITCH_UP, PITCH_DOWN, DURATION_UP, DURATION_DOWN, CHANGE_PERCUSSION, REMOVE_NOTE;

  /** Lower-case, hyphenated id used in JSON and Q keys, e.g. "pitch-up". */
  public String id() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

  /**
   * The edit in words, for a researcher reading a participant's session, e.g. "raise a note by a semitone": the
   * bounds say how far a pitch edit moves and how long a duration edit is.
   */
  public String inWords(EditBounds bounds) {
    return switch (this) {
      case PITCH_UP -> "raise a note by " + pitchStep(bounds.pitchStep());
      case PITCH_DOWN -> "lower a note by " + pitchStep(bounds.pitchStep());
      case DURATION_UP -> "lengthen a note by " + beats(bounds.beatStep());
      case DURATION_DOWN -> "shorten a note by " + beats(bounds.beatStep());
      case CHANGE_PERCUSSION -> "change the drum of a note";
      case REMOVE_NOTE -> "remove a note";
    };
  }

  static String pitchStep(PitchStep step) {
    return switch (step) {
      case PitchStep.Semitone s -> "a semitone";
      case PitchStep.ScaleDegree s -> "a step of the scale";
    };
  }

  /** A duration step in words: the usual fractions by name, others as a number of beats. */
  static String beats(double beats) {
    if (beats == 0.25) return "a quarter beat";
    if (beats == 0.5) return "half a beat";
    if (beats == 1.0) return "a beat";
    if (beats == 0.125) return "an eighth of a beat";
    String number = beats == Math.rint(beats) ? Long.toString((long) beats) : Double.toString(beats);
    return number + " beats";
  }

  public static Edit parse(String id) {
    for (Edit edit : values()) {
      if (edit.id().equals(id)) {
        return edit;
      }
    }
    throw new IllegalArgumentException("unknown edit '" + id + "'; valid: "
        + Arrays.stream(values()).map(Edit::id).collect(Collectors.joining(", ")));
  }
}
