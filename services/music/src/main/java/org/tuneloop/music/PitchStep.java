package org.tuneloop.music;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How far a pitch edit moves a note. {@link Semitone} is the method's (docs/method.md); {@link ScaleDegree} moves
 * to the next or previous pitch of the participant's scale, so a melody drawn from the scale stays in it.
 */
public sealed interface PitchStep permits PitchStep.Semitone, PitchStep.ScaleDegree {

  /** The pitch one step above {@code pitch}. */
  int up(int pitch);

  /** The pitch one step below {@code pitch}. */
  int down(int pitch);

  /** Up or down by one semitone. */
  record Semitone() implements PitchStep {
    public int up(int pitch) { return pitch + 1; }
    public int down(int pitch) { return pitch - 1; }
  }

  /**
   * To the nearest pitch of the scale strictly above (or below), across octaves, counted from the base note.
   * A pitch outside the scale therefore moves to the nearest scale pitch in that direction.
   */
  record ScaleDegree(int baseNote, Scale scale) implements PitchStep {
    public ScaleDegree {
      if (scale == null) {
        throw new IllegalArgumentException("a scale-degree step needs a scale");
      }
    }

    public int up(int pitch) {
      int next = pitch + 1;
      while (!contains(next)) {
        next++;
      }
      return next;
    }

    public int down(int pitch) {
      int previous = pitch - 1;
      while (!contains(previous)) {
        previous--;
      }
      return previous;
    }

    /** Whether {@code pitch} is a pitch of the scale in any octave. */
    public boolean contains(int pitch) {
      int degree = Math.floorMod(pitch - baseNote, 12);
      for (int interval : scale.intervals()) {
        if (interval == degree) {
          return true;
        }
      }
      return false;
    }
  }

  /** The kind of step an arm chooses; the participant's start parameters make it a {@link PitchStep}. */
  enum Kind {
    SEMITONE, SCALE_DEGREE;

    /** "semitone" or "scale-degree". */
    public String id() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    public PitchStep at(StartParameters parameters) {
      return switch (this) {
        case SEMITONE -> new Semitone();
        case SCALE_DEGREE -> new ScaleDegree(parameters.baseNote(), parameters.scale());
      };
    }

    public static Kind parse(String id) {
      for (Kind kind : values()) {
        if (kind.id().equals(id)) {
          return kind;
        }
      }
      throw new IllegalArgumentException("unknown pitch step '" + id + "'; valid: "
          + Arrays.stream(values()).map(Kind::id).collect(Collectors.joining(", ")));
    }
  }
}
