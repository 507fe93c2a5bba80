package org.tuneloop.study;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tuneloop.agent.Reward;
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
    flow(p, problems);
    return List.copyOf(problems);
  }

  private static void flow(Protocol p, List<Problem> problems) {
    Set<String> ids = new HashSet<>();
    int trainings = 0;
    for (int i = 0; i < p.flow().size(); i++) {
      Block block = p.flow().get(i);
      String path = "flow[" + i + "]";
      if (!ids.add(block.id())) {
        problems.add(new Problem(path + ".id", "'" + block.id() + "' is the id of an earlier block; block ids must differ"));
      }
      switch (block) {
        case Block.Training t -> {
          trainings++;
          training(p, t, path, ids, problems);
        }
        case Block.Evaluation e -> {
          if (trainings == 0) {
            problems.add(new Problem(path, "an evaluation rates what training made, so it must come after the training block"));
          }
          if (new HashSet<>(e.tracks()).size() != e.tracks().size()) {
            problems.add(new Problem(path + ".tracks", "must not name a track twice"));
          }
          items(e.items(), path + ".items", problems);
          for (int k = 0; k < e.items().size(); k++) {
            Item item = e.items().get(k);
            if (!(item instanceof Item.Likert)) {
              problems.add(new Problem(path + ".items[" + k + "].type", "an evaluation rates each track on points,"
                  + " so its items must be likert, got '" + item.type() + "'"));
            }
          }
        }
        case Block.ListeningCheck l when l.headphoneCheck() != null
            && l.headphoneCheck().passMinimum() > l.headphoneCheck().trials() ->
            problems.add(new Problem(path + ".headphoneCheck.passMinimum", "must not exceed the trials ("
                + l.headphoneCheck().trials() + "), got " + l.headphoneCheck().passMinimum()));
        default -> items(block.items(), path + ".items", problems);
      }
    }
    if (trainings != 1) {
      problems.add(new Problem("flow", "must hold exactly one training block, got " + trainings));
    }
  }

  private static void training(Protocol p, Block.Training t, String path, Set<String> ids, List<Problem> problems) {
    for (int i = 0; i < t.questionnaires().size(); i++) {
      Block.Questionnaire q = t.questionnaires().get(i).questionnaire();
      if (!ids.add(q.id())) {
        problems.add(new Problem(path + ".questionnaires[" + i + "].id", "'" + q.id()
            + "' is the id of another block; block ids must differ"));
      }
      items(q.items(), path + ".questionnaires[" + i + "].items", problems);
    }
    Block.BreakPolicy b = t.breaks();
    if (b != null && b.afterMinutes() == null && b.fatigueAbove() == null && b.identicalRun() == null) {
      problems.add(new Problem(path + ".breaks", "needs at least one of afterMinutes, fatigueAbove, identicalRun"));
    }
    int fewestEpisodes = p.arms().stream().mapToInt(a -> a.settings().minEpisodes()).min().orElse(0);
    for (int i = 0; i < t.probes().size(); i++) {
      Block.Probe probe = t.probes().get(i);
      String at = path + ".probes[" + i + "]";
      boolean earlier = probe.repeatEpisode() < probe.episode()
          || (probe.repeatEpisode() == probe.episode() && probe.repeatStep() <= probe.afterStep());
      if (!earlier) {
        problems.add(new Problem(at, "must repeat a track rated before it (at or before episode " + probe.episode()
            + " step " + probe.afterStep() + ")"));
      }
      if (probe.episode() > fewestEpisodes) {
        problems.add(new Problem(at + ".episode", "must lie within the required episodes of every arm (at most "
            + fewestEpisodes + "), got " + probe.episode()));
      }
    }
  }

  private static void items(List<Item> items, String path, List<Problem> problems) {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      String at = path + "[" + i + "]";
      if (!ids.add(item.id())) {
        problems.add(new Problem(at + ".id", "'" + item.id() + "' is the id of an earlier item; item ids must differ"));
      }
      switch (item) {
        case Item.Likert l when l.anchors().size() != 2 && l.anchors().size() != l.points() ->
            problems.add(new Problem(at + ".anchors", "must label the two ends or every one of the " + l.points()
                + " points, got " + l.anchors().size() + " labels"));
        case Item.MultipleChoice m when m.min() > m.max() || m.max() > m.options().size() ->
            problems.add(new Problem(at, "needs min <= max <= the number of options (" + m.options().size()
                + "), got min " + m.min() + " and max " + m.max()));
        case Item.NumberItem n when n.min() > n.max() ->
            problems.add(new Problem(at, "needs min <= max, got min " + n.min() + " and max " + n.max()));
        case Item.AttentionCheck a when !a.options().contains(a.expected()) ->
            problems.add(new Problem(at + ".expected", "'" + a.expected() + "' must be one of the options "
                + a.options()));
        default -> { }
      }
    }
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
    if (a.agent().reward() instanceof Reward.ChangeOfRating && !a.rateFreshTrack()) {
      problems.add(new Problem(path + ".episodes.rateFreshTrack", "must be true when agent.reward is "
          + "change-of-rating: step 1's change is measured from the rating of the episode's fresh track"));
    }
    if (r.baseNotesPerEpisode() != null) {
      for (int i = 0; i < r.baseNotesPerEpisode().size(); i++) {
        within(r.baseNotesPerEpisode().get(i), r.minBaseNote(), r.maxBaseNote(), sp + ".baseNotesPerEpisode[" + i + "]",
            sp + ".baseNote", problems);
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
