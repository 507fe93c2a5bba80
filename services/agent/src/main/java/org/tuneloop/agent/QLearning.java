package org.tuneloop.agent;

import java.util.List;
import java.util.random.RandomGenerator;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;

/** The learning rule and action choice, as pure functions. */
public final class QLearning {
  private QLearning() {}

  /** Q(s,a) + alpha * (r + gamma * maxNext - Q(s,a)); a terminal step has no max term. */
  public static double update(double before, double reward, double maxNext, double alpha, double gamma, boolean terminal) {
    throw new UnsupportedOperationException("contract stub");
  }

  /** max over the actions valid at {@code next} of Q(next, a'); 0 when none is valid. */
  public static double maxNext(QTable q, Track next, StartParameters parameters, EditBounds bounds, StateEncoder encoder) {
    throw new UnsupportedOperationException("contract stub");
  }

  /** Picks an action valid at {@code state} by the settings' policy; throws IllegalStateException when none is valid. */
  public static Choice choose(QTable q, Track state, StartParameters parameters, EditBounds bounds,
                              AgentSettings settings, RandomGenerator random) {
    throw new UnsupportedOperationException("contract stub");
  }

  /** The greedy choice (epsilon 0), ties broken uniformly at random. */
  public static Choice greedy(QTable q, Track state, StartParameters parameters, EditBounds bounds,
                              StateEncoder encoder, RandomGenerator random) {
    throw new UnsupportedOperationException("contract stub");
  }

  /** The agent's composition: a greedy rollout of {@code steps} edits from {@code start}. */
  public static Rollout rollout(QTable q, Track start, StartParameters parameters, EditBounds bounds,
                                StateEncoder encoder, int steps, long seed) {
    throw new UnsupportedOperationException("contract stub");
  }

  /** A greedy rollout: the start, each choice, and the final track. */
  public record Rollout(Track start, List<Choice> choices, Track result) {}
}
