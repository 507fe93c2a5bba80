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
    for (QKey key : encoder.keys(next, valid, parameters)) {
      max = Math.max(max, q.value(key));
    }
    return max;
  }

  /** {@link #choose(QTable, Track, StartParameters, EditBounds, AgentSettings, StepContext, RandomGenerator)} at the
   * session's start: no decay. */
  public static Choice choose(QTable q, Track state, StartParameters parameters, EditBounds bounds,
                              AgentSettings settings, RandomGenerator random) {
    return choose(q, state, parameters, bounds, settings, StepContext.START, random);
  }

  /**
   * Picks an action valid at {@code state} by the settings' policy from the table's values; throws
   * IllegalStateException when none is valid. The draws, in order, so a replay with the same generator repeats
   * the decision and the pick:
   * <ul>
   *   <li>epsilon-greedy: {@code nextDouble()} (explore when below the effective epsilon), then one
   *       {@code nextInt(bound)} among all valid actions or among the greedy ties;</li>
   *   <li>softmax: one {@code nextDouble()}, placed on the cumulative Boltzmann probabilities in validAt order;</li>
   *   <li>UCB: one {@code nextInt(bound)} among the untried actions, or else among the highest scores.</li>
   * </ul>
   */
  public static Choice choose(QTable q, Track state, StartParameters parameters, EditBounds bounds,
                              AgentSettings settings, StepContext context, RandomGenerator random) {
    List<TrackEdit> valid = validOrThrow(state, bounds);
    List<QKey> keys = settings.encoder().keys(state, valid, parameters);
    double[] values = new double[valid.size()];
    for (int i = 0; i < valid.size(); i++) {
      values[i] = q.value(keys.get(i));
    }
    return pick(valid, keys, values, q.visits(), settings.policy(), context, random);
  }

  /** The policy's pick among {@code valid}, whose keys and values are given in the same order. */
  static Choice pick(List<TrackEdit> valid, List<QKey> keys, double[] values, Visits visits, Policy policy,
                     StepContext context, RandomGenerator random) {
    return switch (policy) {
      case Policy.EpsilonGreedy greedy -> epsilonGreedy(valid, values, greedy.at(context), random);
      case Policy.Softmax(double temperature) -> softmax(valid, values, temperature, random);
      case Policy.Ucb(double c) -> ucb(valid, keys, values, visits, c, random);
    };
  }

  /** The greedy choice (epsilon 0), ties broken uniformly at random. Same draws as {@link #choose} at epsilon 0. */
  public static Choice greedy(QTable q, Track state, StartParameters parameters, EditBounds bounds,
                              StateEncoder encoder, RandomGenerator random) {
    List<TrackEdit> valid = validOrThrow(state, bounds);
    List<QKey> keys = encoder.keys(state, valid, parameters);
    double[] values = new double[valid.size()];
    for (int i = 0; i < valid.size(); i++) {
      values[i] = q.value(keys.get(i));
    }
    return epsilonGreedy(valid, values, 0.0, random);
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

  private static Choice epsilonGreedy(List<TrackEdit> valid, double[] values, double epsilon, RandomGenerator random) {
    double u = random.nextDouble();
    if (u < epsilon) {
      return new Choice(valid.get(random.nextInt(valid.size())), true, epsilon);
    }
    // Exact equality on purpose: ties are actions never updated apart (often all still 0), and a random pick
    // among them is the fix for the original code, which always took the first and so always raised note 0.
    List<Integer> best = best(values);
    return new Choice(valid.get(best.get(random.nextInt(best.size()))), false, epsilon);
  }

  /** Boltzmann probabilities from Q - max Q (so exp never overflows), StrictMath so every JVM gets the same. */
  private static Choice softmax(List<TrackEdit> valid, double[] values, double temperature, RandomGenerator random) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      max = Math.max(max, v);
    }
    double[] weights = new double[values.length];
    double total = 0.0;
    for (int i = 0; i < values.length; i++) {
      weights[i] = StrictMath.exp((values[i] - max) / temperature);
      total += weights[i];
    }
    double u = random.nextDouble() * total;
    int chosen = values.length - 1; // only reached by rounding at the very top of the range
    double cumulative = 0.0;
    for (int i = 0; i < values.length; i++) {
      cumulative += weights[i];
      if (u < cumulative) {
        chosen = i;
        break;
      }
    }
    return new Choice(valid.get(chosen), values[chosen] < max, 0.0,
        new Choice.Pick.Softmax(temperature, weights[chosen] / total));
  }

  private static Choice ucb(List<TrackEdit> valid, List<QKey> keys, double[] values, Visits visits, double c,
                            RandomGenerator random) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      max = Math.max(max, v);
    }
    List<Integer> untried = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      if (visits.of(keys.get(i)) == 0) {
        untried.add(i);
      }
    }
    if (!untried.isEmpty()) {
      int chosen = untried.get(random.nextInt(untried.size()));
      return new Choice(valid.get(chosen), values[chosen] < max, 0.0, new Choice.Pick.Ucb(c, 0, 0.0));
    }
    double[] bonuses = new double[values.length];
    double[] scores = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      int n = visits.of(keys.get(i));
      bonuses[i] = c * StrictMath.sqrt(StrictMath.log(visits.ofState(keys.get(i).state())) / n);
      scores[i] = values[i] + bonuses[i];
    }
    List<Integer> best = best(scores);
    int chosen = best.get(random.nextInt(best.size()));
    return new Choice(valid.get(chosen), values[chosen] < max, 0.0,
        new Choice.Pick.Ucb(c, visits.of(keys.get(chosen)), bonuses[chosen]));
  }

  /** Indices of the highest values, in order. */
  private static List<Integer> best(double[] values) {
    List<Integer> best = new ArrayList<>();
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < values.length; i++) {
      if (values[i] > max) {
        max = values[i];
        best.clear();
        best.add(i);
      } else if (values[i] == max) {
        best.add(i);
      }
    }
    return best;
  }
}
