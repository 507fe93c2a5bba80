package org.tuneloop.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.tuneloop.music.Edit;

/**
 * The figures of a simulation, read back from what the server recorded (the participants' events and Q-tables),
 * not from what the simulation believes it sent: per arm, the mean rating of each episode, the gain, how often a
 * state came back, which edits the agent chose and how large its table grew.
 */
final class SimulationReport {
  private SimulationReport() {}

  /** One step as the server recorded it. */
  record Step(int episode, int step, String action, Integer note, Boolean explored, int rating, boolean revisited) {}

  /** One participant's session as recorded, with the taste the simulation gave them. */
  record Session(int index, String participantId, String arm, String taste, String tasteDetail, List<Step> steps,
                 int qSize) {
    /** Mean rating per episode, in episode order. */
    Map<Integer, Double> episodeMeans() {
      Map<Integer, double[]> sums = new TreeMap<>();
      for (Step s : steps) {
        double[] sum = sums.computeIfAbsent(s.episode(), e -> new double[2]);
        sum[0] += s.rating();
        sum[1]++;
      }
      Map<Integer, Double> means = new TreeMap<>();
      sums.forEach((episode, sum) -> means.put(episode, sum[0] / sum[1]));
      return means;
    }

    /**
     * Mean of the last two episodes minus the first two; with fewer than four episodes, the last minus the first
     * (so that the two never overlap). NaN with fewer than two episodes.
     */
    double gain() {
      List<Double> means = new ArrayList<>(episodeMeans().values());
      if (means.size() < 2) {
        return Double.NaN;
      }
      int k = Math.min(2, means.size() / 2);
      double first = 0;
      double last = 0;
      for (int i = 0; i < k; i++) {
        first += means.get(i);
        last += means.get(means.size() - 1 - i);
      }
      return (last - first) / k;
    }

    double revisitRate() {
      return steps.isEmpty() ? Double.NaN
          : steps.stream().filter(Step::revisited).count() / (double) steps.size();
    }

    double meanRating() {
      return steps.stream().mapToInt(Step::rating).average().orElse(Double.NaN);
    }
  }

  /**
   * A participant's session from their events (GET /api/participants/{id}/events): ratings by (episode, step),
   * the action chosen for each, and whether the state of each Q-value update had been updated before.
   */
  static Session session(int index, String participantId, Taste taste, JsonArray events, int qSize) {
    String arm = null;
    Map<String, JsonObject> actions = new HashMap<>();
    Map<String, Boolean> revisited = new HashMap<>();
    Set<String> seen = new HashSet<>();
    List<JsonObject> ratings = new ArrayList<>();
    for (Object e : events) {
      JsonObject event = (JsonObject) e;
      JsonObject data = event.getJsonObject("data");
      switch (event.getString("type")) {
        case "ParticipantEnrolled" -> arm = data.getJsonObject("settings").getString("arm");
        case "ActionChosen" -> actions.put(at(data), data);
        case "QValueUpdated" -> revisited.put(at(data), !seen.add(data.getString("state")));
        case "TrackRated" -> ratings.add(data);
        default -> { }
      }
    }
    List<Step> steps = new ArrayList<>();
    for (JsonObject rated : ratings) {
      JsonObject action = actions.get(at(rated));
      steps.add(new Step(rated.getInteger("episode"), rated.getInteger("step"),
          action == null ? null : action.getString("edit"), action == null ? null : action.getInteger("note"),
          action == null ? null : action.getBoolean("explored"), rated.getInteger("rating"),
          revisited.getOrDefault(at(rated), false)));
    }
    return new Session(index, participantId, arm, taste.name(), taste.describe(), steps, qSize);
  }

  private static String at(JsonObject data) {
    return data.getInteger("episode") + "/" + data.getInteger("step");
  }

  /** A mean with its 95% confidence interval (Student's t over the values); NaN bounds with one value. */
  record Estimate(double mean, double low, double high, int n) {
    static Estimate of(List<Double> values) {
      List<Double> finite = values.stream().filter(v -> !v.isNaN()).toList();
      int n = finite.size();
      double mean = finite.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
      if (n < 2) {
        return new Estimate(mean, Double.NaN, Double.NaN, n);
      }
      double ss = finite.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
      double half = t975(n - 1) * Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
      return new Estimate(mean, mean - half, mean + half, n);
    }

    String interval() {
      return Double.isNaN(low) ? "n/a" : String.format(Locale.ROOT, "[%+.2f, %+.2f]", low, high);
    }

    String levels() {
      return Double.isNaN(low) ? "n/a" : String.format(Locale.ROOT, "[%.2f, %.2f]", low, high);
    }
  }

  /** The 97.5% quantile of Student's t (one definition for the simulation and the study's learning view). */
  static double t975(int df) {
    return org.tuneloop.study.StudyLearning.t975(df);
  }

  /** One arm's figures over its participants. */
  record Arm(String arm, List<Session> sessions) {
    Map<Integer, Estimate> episodes() {
      Map<Integer, List<Double>> values = new TreeMap<>();
      for (Session s : sessions) {
        s.episodeMeans().forEach((episode, mean) -> values.computeIfAbsent(episode, e -> new ArrayList<>()).add(mean));
      }
      Map<Integer, Estimate> estimates = new LinkedHashMap<>();
      values.forEach((episode, list) -> estimates.put(episode, Estimate.of(list)));
      return estimates;
    }

    Estimate gain() {
      return Estimate.of(sessions.stream().map(Session::gain).toList());
    }

    int updates() {
      return sessions.stream().mapToInt(s -> s.steps().size()).sum();
    }

    /** Revisited updates over all updates of the arm (pooled, so long sessions weigh more). */
    double revisitRate() {
      long revisits = sessions.stream().flatMap(s -> s.steps().stream()).filter(Step::revisited).count();
      return updates() == 0 ? Double.NaN : revisits / (double) updates();
    }

    /** The share of each edit among the actions chosen, in the edits' order. */
    Map<String, Double> actionShares() {
      Map<String, Double> shares = new LinkedHashMap<>();
      long total = sessions.stream().flatMap(s -> s.steps().stream()).filter(s -> s.action() != null).count();
      for (Edit edit : Edit.values()) {
        long n = sessions.stream().flatMap(s -> s.steps().stream()).filter(s -> edit.id().equals(s.action())).count();
        shares.put(edit.id(), total == 0 ? 0 : n / (double) total);
      }
      return shares;
    }

    double meanQSize() {
      return sessions.stream().mapToInt(Session::qSize).average().orElse(Double.NaN);
    }
  }

  /** The sessions grouped by arm, in the order of {@code armOrder} (the study's arms), arms with no one left out. */
  static List<Arm> arms(List<String> armOrder, List<Session> sessions) {
    List<Arm> arms = new ArrayList<>();
    for (String arm : armOrder) {
      List<Session> in = sessions.stream().filter(s -> arm.equals(s.arm())).toList();
      if (!in.isEmpty()) {
        arms.add(new Arm(arm, in));
      }
    }
    return arms;
  }

  /** The readable table: a summary line per arm, then each arm's episodes and actions. */
  static void print(List<Arm> arms, PrintWriter out) {
    String row = "%-16s %12s %8s %18s %9s %8s%n";
    out.printf(Locale.ROOT, row, "ARM", "PARTICIPANTS", "GAIN", "GAIN 95% CI", "REVISITS", "Q SIZE");
    for (Arm arm : arms) {
      Estimate gain = arm.gain();
      out.printf(Locale.ROOT, row, arm.arm(), arm.sessions().size(), String.format(Locale.ROOT, "%+.2f", gain.mean()),
          gain.interval(), String.format(Locale.ROOT, "%.1f%%", 100 * arm.revisitRate()),
          String.format(Locale.ROOT, "%.1f", arm.meanQSize()));
    }
    for (Arm arm : arms) {
      out.println();
      out.println("Arm " + arm.arm() + " (" + arm.sessions().size() + " participant"
          + (arm.sessions().size() == 1 ? "" : "s") + ", " + arm.updates() + " rated steps)");
      out.printf(Locale.ROOT, "  %-8s %12s %16s%n", "EPISODE", "MEAN RATING", "95% CI");
      arm.episodes().forEach((episode, e) -> out.printf(Locale.ROOT, "  %-8d %12.2f %16s%n", episode, e.mean(),
          e.levels()));
      StringBuilder shares = new StringBuilder();
      arm.actionShares().forEach((edit, share) -> shares.append(String.format(Locale.ROOT, "  %s %.0f%%", edit,
          100 * share)));
      out.println("  actions:" + shares);
    }
    out.println();
    out.println("Gain: mean rating of the last two episodes minus the first two (with fewer than four episodes, the "
        + "last minus the first), 95% CI over participants. Revisits: share of Q-value updates whose state the "
        + "participant's agent had updated before. Q size: entries of the participant's Q-table at the end (for a linear learner, its weights), mean.");
  }

  static void writeParticipants(List<Session> sessions, Path file) throws IOException {
    try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
         CSVPrinter csv = new CSVPrinter(writer, CSVFormat.DEFAULT.builder().setHeader("index", "participantId", "arm",
             "taste", "tasteDetail", "gain", "revisitRate", "qSize", "meanRating").setRecordSeparator('\n').get())) {
      for (Session s : sessions) {
        csv.printRecord(s.index() + 1, s.participantId(), s.arm(), s.taste(), s.tasteDetail(), number(s.gain()),
            number(s.revisitRate()), s.qSize(), number(s.meanRating()));
      }
    }
  }

  static void writeSteps(List<Session> sessions, Path file) throws IOException {
    try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
         CSVPrinter csv = new CSVPrinter(writer, CSVFormat.DEFAULT.builder().setHeader("participantId", "arm",
             "episode", "step", "action", "note", "explored", "rating", "stateRevisited").setRecordSeparator('\n')
             .get())) {
      for (Session s : sessions) {
        for (Step step : s.steps()) {
          csv.printRecord(s.participantId(), s.arm(), step.episode(), step.step(), step.action(), step.note(),
              step.explored(), step.rating(), step.revisited());
        }
      }
    }
  }

  private static String number(double value) {
    return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.4f", value);
  }

  /** The arms of a study as GET /api/studies/{id} lists them. */
  static List<String> armIds(JsonObject study) {
    List<String> ids = new ArrayList<>();
    for (Object a : study.getJsonArray("arms", new JsonArray())) {
      ids.add(((JsonObject) a).getString("id"));
    }
    return ids;
  }
}
