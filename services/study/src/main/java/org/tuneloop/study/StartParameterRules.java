package org.tuneloop.study;

import java.util.ArrayList;
import java.util.List;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;

/**
 * What a participant may choose before training. When {@code fixed}, the arm's defaults are used whatever
 * the participant sends.
 */
public record StartParameterRules(StartParameters defaults, List<Scale> scales, int minBaseNote, int maxBaseNote,
                                  int minLength, int maxLength, int minTempo, int maxTempo, boolean fixed) {
  public StartParameterRules {
    scales = List.copyOf(scales);
  }

  public static StartParameterRules paper() {
    return new StartParameterRules(StartParameters.defaults(),
        List.of(Scale.MAJOR, Scale.MINOR, Scale.DIMINISHED, Scale.BLUES_MAJOR, Scale.BLUES_MINOR),
        36, 84, 2, 16, 40, 200, false);
  }

  /** The parameters to use, or a rejection naming each offending field. */
  public StartParameters check(StartParameters wanted) {
    if (fixed) {
      return defaults;
    }
    List<String> problems = new ArrayList<>();
    String field = null;
    if (wanted.scale() == null || !scales.contains(wanted.scale())) {
      field = "scale";
      problems.add("scale must be one of " + scales.stream().map(Scale::id).toList());
    }
    if (wanted.baseNote() < minBaseNote || wanted.baseNote() > maxBaseNote) {
      field = field == null ? "baseNote" : field;
      problems.add("baseNote must be a MIDI pitch from " + minBaseNote + " to " + maxBaseNote);
    }
    if (wanted.length() < minLength || wanted.length() > maxLength) {
      field = field == null ? "length" : field;
      problems.add("length must be from " + minLength + " to " + maxLength + " notes");
    }
    if (wanted.tempo() < minTempo || wanted.tempo() > maxTempo) {
      field = field == null ? "tempo" : field;
      problems.add("tempo must be from " + minTempo + " to " + maxTempo + " BPM");
    }
    if (!problems.isEmpty()) {
      throw CommandRejected.invalid(field, String.join("; ", problems));
    }
    return wanted;
  }
}
