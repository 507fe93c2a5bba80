package org.tuneloop.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

/** The learning rule and action choice, as pure functions. */
public final class QLearning {
  private QLearning() {}

  /** Q(s,a) + alpha * (r + gamma * maxNext - Q(s,a)); a terminal step has no max term. */
  public static double update(double before, double reward, double maxNext, double alpha, double gamma, boolean terminal) {
    double target = terminal ? reward : reward + gamma * maxNext;
    return before + alpha * (target - before);
  }

  /** max over the actions valid at {@code next} of Q(next, a'); 0 when none is valid. */
  public static double maxNext(QTable q, Track next, StartParameters parameters, EditBounds bounds, StateEncoder encoder) {
    List<TrackEdit> valid = TrackEdit.validAt(next, bounds);
    if (valid.isEmpty()) {
      return 0.0;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (TrackEdit action : valid) {
      max = Math.max(max, q.value(encoder.key(next, action, parameters)));
    }
    return max;
  }

  /**
   * Picks an action valid at {@code state} by the settings' policy; throws IllegalStateException when none is valid.
   * Epsilon-greedy always draws {@code nextDouble()} (explore when below epsilon) and then exactly one
   * {@code nextInt(bound)} (among all valid actions, or among the greedy ties), so a replay with the same
   * generator repeats the decision and the pick.
   */
  public static Choice choose(QTable q, Track state, StartParameters parameters, EditBounds bounds,
                              AgentSettings settings, RandomGenerator random) {
    List<TrackEdit> valid = validOrThrow(state, bounds);
    return switch (settings.policy()) {
      case Policy.EpsilonGreedy(double epsilon) ->
          epsilonGreedy(q, state, parameters, settings.encoder(), valid, epsilon, random);
    };
  }

  /** The greedy choice (epsilon 0), ties broken uniformly at random. Same draws as {@link #choose} at epsilon 0. */
  public static Choice greedy(QTable q, Track state, StartParameters parameters, EditBounds bounds,
                              StateEncoder encoder, RandomGenerator random) {
    return epsilonGreedy(q, state, parameters, encoder, validOrThrow(state, bounds), 0.0, random);
  }

  /**
   * The agent's composition: a greedy rollout of {@code steps} edits from {@code start}, stopping early when no
   * edit is valid. Step i (from 1) draws from {@code Draws.of(seed, -1, i, COMPOSITION)}.
   */
  public static Rollout rollout(QTable q, Track start, StartParameters parameters, EditBounds bounds,
                                StateEncoder encoder, int steps, long seed) {
    if (steps < 0) {
      throw new IllegalArgumentException("steps must not be negative: " + steps);
    }
    List<Choice> choices = new ArrayList<>(steps);
    Track current = start;
    for (int i = 0; i < steps && !TrackEdit.validAt(current, bounds).isEmpty(); i++) {
      Choice choice = greedy(q, current, parameters, bounds, encoder,
          Draws.of(seed, -1, i + 1, Draws.Purpose.COMPOSITION));
      choices.add(choice);
      current = choice.action().applyTo(current, bounds).orElseThrow();
    }
    return new Rollout(start, choices, current);
  }

  /** A greedy rollout: the start, each choice, and the final track. */
  public record Rollout(Track start, List<Choice> choices, Track result) {
    public Rollout {
      choices = List.copyOf(choices);
    }
  }

  private static List<TrackEdit> validOrThrow(Track state, EditBounds bounds) {
    List<TrackEdit> valid = TrackEdit.validAt(state, bounds);
    if (valid.isEmpty()) {
      throw new IllegalStateException("no edit is valid at this track: " + state);
    }
    return valid;
  }

  private static Choice epsilonGreedy(QTable q, Track state, StartParameters parameters, StateEncoder encoder,
                                      List<TrackEdit> valid, double epsilon, RandomGenerator random) {
    double u = random.nextDouble();
    if (u < epsilon) {
      return new Choice(valid.get(random.nextInt(valid.size())), true, epsilon);
    }
    // Exact equality on purpose: ties are actions never updated apart (often all still 0), and a random pick
    // among them is the fix for the original code, which always took the first and so always raised note 0.
    List<TrackEdit> best = new ArrayList<>();
    double max = Double.NEGATIVE_INFINITY;
    for (TrackEdit action : valid) {
      double value = q.value(encoder.key(state, action, parameters));
      if (value > max) {
        max = value;
        best.clear();
        best.add(action);
      } else if (value == max) {
        best.add(action);
      }
    }
    return new Choice(best.get(random.nextInt(best.size())), false, epsilon);
  }
}
