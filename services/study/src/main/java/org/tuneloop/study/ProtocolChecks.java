package org.tuneloop.study;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tuneloop.music.Scale;
import org.tuneloop.study.Protocol.Problem;

/** Checks across fields that the protocol schema cannot express. */
final class ProtocolChecks {
  private ProtocolChecks() {}

  /** Durations are compared with this slack, as TrackEdit does. */
  private static final double SLACK = 1e-9;

  static List<Problem> problems(Protocol p) {
    List<Problem> problems = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    int weights = 0;
    for (int i = 0; i < p.arms().size(); i++) {
      Protocol.Arm arm = p.arms().get(i);
      String path = "arms[" + i + "]";
      if (!ids.add(arm.id())) {
        problems.add(new Problem(path + ".id", "'" + arm.id() + "' is the id of an earlier arm; arm ids must differ"));
      }
      weights += arm.weight();
      arm(arm.settings(), path, problems);
    }
    if (p.blockSize() % weights != 0) {
      problems.add(new Problem("randomisation.blockSize", "must be a multiple of the arms' weights added up ("
          + weights + "), got " + p.blockSize()));
    }
    return List.copyOf(problems);
  }

  private static void arm(ArmSettings a, String path, List<Problem> problems) {
    StartParameterRules r = a.startParameters();
    String sp = path + ".startParameters";
    range(r.minBaseNote(), r.maxBaseNote(), sp + ".baseNote", problems);
    range(r.minLength(), r.maxLength(), sp + ".length", problems);
    range(r.minTempo(), r.maxTempo(), sp + ".tempo", problems);
    within(r.defaults().baseNote(), r.minBaseNote(), r.maxBaseNote(), sp + ".defaults.baseNote", sp + ".baseNote",
        problems);
    within(r.defaults().length(), r.minLength(), r.maxLength(), sp + ".defaults.length", sp + ".length", problems);
    within(r.defaults().tempo(), r.minTempo(), r.maxTempo(), sp + ".defaults.tempo", sp + ".tempo", problems);
    if (!r.scales().contains(r.defaults().scale())) {
      problems.add(new Problem(sp + ".defaults.scale", "'" + r.defaults().scale().id() + "' must be one of the allowed "
          + sp + ".scales " + r.scales().stream().map(Scale::id).toList()));
    }
    if (a.maxEpisodes() < a.minEpisodes()) {
      problems.add(new Problem(path + ".episodes.maximum", "must not be below episodes.minimum (" + a.minEpisodes()
          + "), got " + a.maxEpisodes()));
    }
    String beats = path + ".edits.beats";
    if (a.minBeats() > a.maxBeats() + SLACK) {
      problems.add(new Problem(beats, "min (" + a.minBeats() + ") must not be above max (" + a.maxBeats() + ")"));
    } else {
      double steps = (a.maxBeats() - a.minBeats()) / a.beatStep();
      if (Math.abs(steps - Math.rint(steps)) > 1e-6) {
        problems.add(new Problem(beats + ".step", "must divide max - min (" + (a.maxBeats() - a.minBeats())
            + ") into whole steps, got " + a.beatStep()));
      }
    }
    if (a.minNotes() > r.minLength()) {
      problems.add(new Problem(path + ".edits.minNotes", "must not exceed the shortest allowed track ("
          + r.minLength() + " notes), got " + a.minNotes()));
    }
  }

  private static void range(int lo, int hi, String path, List<Problem> problems) {
    if (lo > hi) {
      problems.add(new Problem(path, "must be [lowest, highest] with lowest <= highest, got [" + lo + ", " + hi + "]"));
    }
  }

  private static void within(int value, int lo, int hi, String path, String rangePath, List<Problem> problems) {
    if (lo <= hi && (value < lo || value > hi)) {
      problems.add(new Problem(path, "must lie within " + rangePath + " [" + lo + ", " + hi + "], got " + value));
    }
  }
}
