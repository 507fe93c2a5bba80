package org.tuneloop.agent;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.tuneloop.music.Edit;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.PitchStep;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackGenerator;

/**
 * Simulated participants for comparing agent options in tests (no I/O). Each participant has a taste: an
 * explainable score of a track from 0 to 1, a weighted mean of four liked properties, turned into a whole
 * rating from 1 to 10 with noise. A participant runs the method's session (10 episodes of 8 steps, a fresh track
 * each episode) through {@link Learning}, exactly as a decider would call it.
 */
final class SimulatedStudy {
  private SimulatedStudy() {}

  static final StartParameters PARAMETERS = StartParameters.defaults();
  static final int EPISODES = 10;
  static final int STEPS = 8;
  /** Rating points per unit of taste score: a track 0.1 better by taste is rated about 1.2 higher. */
  static final double SENSITIVITY = 12.0;
  /** The score a typical fresh track gets; rated 5.5 before noise. */
  static final double TYPICAL = 0.6;
  /** Noise of a rating, in rating points (standard deviation before rounding). */
  static final double NOISE = 1.0;

  /**
   * Weights (summing to 1) of: the share of notes in the scale; small steps (each step of the melody scores 1
   * up to a semitone, falling to 0 at 7 semitones); a steady rhythm (1 minus the mean change of duration
   * between notes, per 0.75 beat); and an arch contour (the share of steps rising in the first half and falling
   * in the second).
   */
  record Taste(double inScale, double smallSteps, double steadyRhythm, double arch) {
    static Taste random(SplittableRandom random) {
      // Exponential draws normalised: uniform over the weights' simplex.
      double a = -Math.log(1 - random.nextDouble());
      double b = -Math.log(1 - random.nextDouble());
      double c = -Math.log(1 - random.nextDouble());
      double d = -Math.log(1 - random.nextDouble());
      double sum = a + b + c + d;
      return new Taste(a / sum, b / sum, c / sum, d / sum);
    }

    double score(Track track, StartParameters parameters) {
      PitchStep.ScaleDegree scale = new PitchStep.ScaleDegree(parameters.baseNote(), parameters.scale());
      int n = track.length();
      double in = 0;
      for (int i = 0; i < n; i++) {
        in += scale.contains(track.note(i).pitch()) ? 1 : 0;
      }
      double small = 0;
      double steady = 0;
      double arch = 0;
      for (int i = 1; i < n; i++) {
        int step = track.note(i).pitch() - track.note(i - 1).pitch();
        small += Math.max(0.0, 1.0 - Math.max(0, Math.abs(step) - 1) / 6.0);
        steady += 1.0 - Math.min(1.0, Math.abs(track.note(i).beats() - track.note(i - 1).beats()) / 0.75);
        boolean firstHalf = i <= n / 2;
        arch += (firstHalf && step > 0) || (!firstHalf && step < 0) ? 1 : 0;
      }
      int steps = Math.max(1, n - 1);
      return inScale * in / n + smallSteps * small / steps + steadyRhythm * steady / steps + this.arch * arch / steps;
    }

    int rate(Track track, StartParameters parameters, SplittableRandom noise) {
      double rating = 5.5 + SENSITIVITY * (score(track, parameters) - TYPICAL) + NOISE * noise.nextGaussian();
      return (int) Math.max(1, Math.min(10, Math.round(rating)));
    }
  }

  /** One participant's session: the mean rating of each episode, the share of revisited updates, the edits. */
  record Session(double[] episodeMeans, int updates, int revisits, Map<Edit, Integer> edits) {
    double gain() {
      return (episodeMeans[8] + episodeMeans[9]) / 2 - (episodeMeans[0] + episodeMeans[1]) / 2;
    }
  }

  static Session run(AgentSettings settings, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    return run(settings, seed, Taste.random(random), random);
  }

  /** A participant of the given taste; {@code random} makes the rating noise. */
  static Session run(AgentSettings settings, long seed, Taste taste, SplittableRandom random) {
    EditBounds bounds = settings.bounds(EditBounds.around(PARAMETERS.baseNote()), PARAMETERS);
    Learnt learnt = Learning.start(settings);
    double[] means = new double[EPISODES];
    int updates = 0;
    int revisits = 0;
    Map<Edit, Integer> edits = new EnumMap<>(Edit.class);
    for (int episode = 1; episode <= EPISODES; episode++) {
      Track track = TrackGenerator.generate(PARAMETERS, bounds, Draws.of(seed, episode, 0, Draws.Purpose.TRACK));
      int previous = taste.rate(track, PARAMETERS, random); // the fresh track is rated before any edit
      double sum = 0;
      for (int step = 1; step <= STEPS; step++) {
        Choice choice = Learning.choose(learnt, track, PARAMETERS, bounds, settings,
            new StepContext(episode, step, STEPS), Draws.of(seed, episode, step, Draws.Purpose.POLICY));
        Track next = choice.action().applyTo(track, bounds).orElseThrow();
        int rating = taste.rate(next, PARAMETERS, random);
        Update update = Learning.update(learnt,
            new Learning.Transition(track, choice.action(), next, step == STEPS,
                RewardInputs.of(rating).withPrevious(previous)),
            PARAMETERS, bounds, settings);
        learnt = update.applyTo(learnt);
        updates++;
        revisits += update.visits() > 1 ? 1 : 0;
        edits.merge(choice.action().edit(), 1, Integer::sum);
        sum += rating;
        previous = rating;
        track = next;
      }
      means[episode - 1] = sum / STEPS;
    }
    return new Session(means, updates, revisits, edits);
  }

  /** An arm's figures over its participants. */
  record ArmReport(String arm, int participants, double gain, double ciLow, double ciHigh, double firstEpisodes,
                   double lastEpisodes, double revisitShare, Map<Edit, Double> editShares) {
    @Override public String toString() {
      StringBuilder shares = new StringBuilder();
      for (Map.Entry<Edit, Double> e : editShares.entrySet()) {
        shares.append(String.format(Locale.ROOT, " %s %.0f%%", e.getKey().id(), 100 * e.getValue()));
      }
      return String.format(Locale.ROOT, "| %s | %d | %+.2f | [%+.2f, %+.2f] | %.2f | %.2f | %.1f%% |%s |",
          arm, participants, gain, ciLow, ciHigh, firstEpisodes, lastEpisodes, 100 * revisitShare, shares);
    }
  }

  /** Participants with seeds 1..n, each with their own taste. */
  static ArmReport arm(String name, AgentSettings settings, int participants) {
    List<Session> sessions = new ArrayList<>(participants);
    for (long seed = 1; seed <= participants; seed++) {
      sessions.add(run(settings, seed));
    }
    double[] gains = sessions.stream().mapToDouble(Session::gain).toArray();
    double mean = mean(gains);
    double sd = Math.sqrt(sessions.stream().mapToDouble(s -> (s.gain() - mean) * (s.gain() - mean)).sum()
        / Math.max(1, participants - 1));
    double half = 1.96 * sd / Math.sqrt(participants);
    double first = sessions.stream().mapToDouble(s -> (s.episodeMeans()[0] + s.episodeMeans()[1]) / 2).average().orElse(0);
    double last = sessions.stream().mapToDouble(s -> (s.episodeMeans()[8] + s.episodeMeans()[9]) / 2).average().orElse(0);
    double revisits = sessions.stream().mapToInt(Session::revisits).sum()
        / (double) sessions.stream().mapToInt(Session::updates).sum();
    Map<Edit, Double> shares = new EnumMap<>(Edit.class);
    double total = sessions.stream().mapToInt(Session::updates).sum();
    for (Edit edit : Edit.values()) {
      shares.put(edit, sessions.stream().mapToInt(s -> s.edits().getOrDefault(edit, 0)).sum() / total);
    }
    return new ArmReport(name, participants, mean, mean - half, mean + half, first, last, revisits, shares);
  }

  private static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return values.length == 0 ? 0 : sum / values.length;
  }
}
