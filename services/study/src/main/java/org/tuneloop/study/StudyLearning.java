package org.tuneloop.study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A study's learning across participants, per arm: the mean rating per episode with its 95% confidence interval
 * (of the mean of the participants' episode means, Student's t), and how many participants each learning flag
 * marks. Which participants count (test and withdrawn ones are left out) is the caller's choice.
 */
public final class StudyLearning {
  private StudyLearning() {}

  /** One participant's part: their arm, episodes and diagnostics. */
  public record Participant(String participantId, String arm, List<LearningTrace.Episode> episodes,
                            LearningTrace.Diagnostics diagnostics) {}

  /** An episode of an arm: participants with a rating in it, the mean of their means, and the interval. */
  public record EpisodeMean(int episode, int n, double mean, Double low, Double high) {}

  public record Arm(String arm, int participants, List<EpisodeMean> episodes, Map<String, Integer> flags) {}

  public record Flagged(String participantId, String arm, List<String> flags) {}

  public record Result(List<Arm> arms, List<Flagged> flagged) {}

  /** The arms in the order given (arms without participants included), then any other arm met. */
  public static Result of(List<String> arms, List<Participant> participants) {
    Map<String, List<Participant>> byArm = new LinkedHashMap<>();
    arms.forEach(a -> byArm.put(a, new ArrayList<>()));
    participants.forEach(p -> byArm.computeIfAbsent(p.arm(), a -> new ArrayList<>()).add(p));
    List<Arm> result = new ArrayList<>();
    byArm.forEach((arm, members) -> {
      Map<Integer, List<Double>> means = new TreeMap<>();
      for (Participant p : members) {
        for (LearningTrace.Episode e : p.episodes()) {
          if (e.meanRating() != null) {
            means.computeIfAbsent(e.episode(), k -> new ArrayList<>()).add(e.meanRating());
          }
        }
      }
      List<EpisodeMean> episodes = new ArrayList<>();
      means.forEach((episode, values) -> episodes.add(interval(episode, values)));
      Map<String, Integer> flags = new LinkedHashMap<>();
      LearningTrace.FLAG_KINDS.forEach(kind -> flags.put(kind,
          (int) members.stream().filter(p -> p.diagnostics().has(kind)).count()));
      result.add(new Arm(arm, members.size(), episodes, flags));
    });
    List<Flagged> flagged = participants.stream().filter(p -> !p.diagnostics().flags().isEmpty())
        .map(p -> new Flagged(p.participantId(), p.arm(), p.diagnostics().kinds())).toList();
    return new Result(result, flagged);
  }

  /** The mean of the values with its 95% interval; no interval for fewer than two values. */
  static EpisodeMean interval(int episode, List<Double> values) {
    int n = values.size();
    double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    if (n < 2) {
      return new EpisodeMean(episode, n, mean, null, null);
    }
    double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
    double half = t975(n - 1) * Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    return new EpisodeMean(episode, n, mean, mean - half, mean + half);
  }

  private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
      2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
      2.056, 2.052, 2.048, 2.045, 2.042};

  /** The 97.5% quantile of Student's t; beyond 30 degrees of freedom, z + (z^3 + z) / 4df (within 0.003). */
  public static double t975(int df) {
    return df <= T975.length ? T975[df - 1] : 1.96 + (1.96 * 1.96 * 1.96 + 1.96) / (4.0 * df);
  }
}
