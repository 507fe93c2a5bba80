package org.tuneloop.study;

import java.util.ArrayList;
import java.util.List;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;

/**
 * What a participant may choose before training. When {@code fixed}, the arm's defaults are used whatever
 * the participant sends.
 *
 * @param baseNotesPerEpisode MIDI notes one of which is drawn from the seed as each episode's base note (the
 *                            participant's choice then gives the scale, length and tempo only); null: the chosen
 *                            base note throughout, as in the method
 */
public record StartParameterRules(StartParameters defaults, List<Scale> scales, int minBaseNote, int maxBaseNote,
                                  int minLength, int maxLength, int minTempo, int maxTempo, boolean fixed,
                                  List<Integer> baseNotesPerEpisode) {
  public StartParameterRules {
    scales = List.copyOf(scales);
    baseNotesPerEpisode = baseNotesPerEpisode == null ? null : List.copyOf(baseNotesPerEpisode);
  }

  /** Rules whose base note stays the participant's for the whole session. */
  public StartParameterRules(StartParameters defaults, List<Scale> scales, int minBaseNote, int maxBaseNote,
                             int minLength, int maxLength, int minTempo, int maxTempo, boolean fixed) {
    this(defaults, scales, minBaseNote, maxBaseNote, minLength, maxLength, minTempo, maxTempo, fixed, null);
  }

  /** The paper's rules; the protocol schema's defaults must equal these (a test checks it). */
  public static StartParameterRules paper() {
    return new StartParameterRules(StartParameters.defaults(),
        List.of(Scale.MAJOR, Scale.MINOR, Scale.DIMINISHED, Scale.BLUES_MAJOR, Scale.BLUES_MINOR),
        36, 84, 2, 16, 40, 200, false);
  }

  /**
   * The parameters to use, or a rejection naming the first offending field and saying what each allows. The scale
   * arrives as the participant sent it, so that an unknown name and a name this arm does not allow answer alike.
   */
  public StartParameters check(int baseNote, String scaleName, int length, int tempo) {
    if (fixed) {
      // The arm's defaults are used whatever is sent, but a scale no platform knows is still refused, not ignored.
      if (java.util.Arrays.stream(Scale.values()).noneMatch(s -> s.id().equals(scaleName))) {
        throw CommandRejected.invalid("scale", "scale must be one of " + scales.stream().map(Scale::id).toList());
      }
      return defaults;
    }
    List<String> problems = new ArrayList<>();
    String field = null;
    Scale scale = scales.stream().filter(s -> s.id().equals(scaleName)).findFirst().orElse(null);
    if (scale == null) {
      field = "scale";
      problems.add("scale must be one of " + scales.stream().map(Scale::id).toList());
    }
    if (baseNote < minBaseNote || baseNote > maxBaseNote) {
      field = field == null ? "baseNote" : field;
      problems.add("baseNote must be a MIDI pitch from " + minBaseNote + " to " + maxBaseNote);
    }
    if (length < minLength || length > maxLength) {
      field = field == null ? "length" : field;
      problems.add("length must be from " + minLength + " to " + maxLength + " notes");
    }
    if (tempo < minTempo || tempo > maxTempo) {
      field = field == null ? "tempo" : field;
      problems.add("tempo must be from " + minTempo + " to " + maxTempo + " BPM");
    }
    if (!problems.isEmpty()) {
      throw CommandRejected.invalid(field, String.join("; ", problems));
    }
    return new StartParameters(baseNote, scale, length, tempo);
  }
}
