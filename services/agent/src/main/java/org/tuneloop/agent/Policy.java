package org.tuneloop.agent;

/**
 * How the agent picks an action among the valid ones. Every policy makes its draws from the step's seeded
 * POLICY stream in a fixed order (see {@link QLearning#choose}), so a replay repeats the pick.
 */
public sealed interface Policy permits Policy.EpsilonGreedy, Policy.Softmax, Policy.Ucb {

  /** A stable id for protocols and events: "epsilon-greedy", "softmax", "ucb". */
  String id();

  /**
   * Explore with probability epsilon (after the decay), else exploit; ties among equal Q-values are broken
   * uniformly at random. Without decay this is the method's policy (docs/method.md).
   */
  record EpsilonGreedy(double epsilon, Decay decay) implements Policy {
    public EpsilonGreedy {
      if (!(epsilon >= 0.0 && epsilon <= 1.0)) {
        throw new IllegalArgumentException("epsilon must lie in [0, 1]: " + epsilon);
      }
      if (decay == null) {
        throw new IllegalArgumentException("the decay is missing (use Decay.None)");
      }
      if (decay.floor() > epsilon) {
        throw new IllegalArgumentException("the decay's floor " + decay.floor() + " is above epsilon " + epsilon);
      }
    }

    /** A constant epsilon. */
    public EpsilonGreedy(double epsilon) { this(epsilon, new Decay.None()); }

    public String id() { return "epsilon-greedy"; }

    /** epsilon_t = max(floor, epsilon * rate^t), t counted in episodes or steps before this one. */
    public double at(StepContext context) {
      return switch (decay) {
        case Decay.None none -> epsilon;
        case Decay.PerEpisode(double rate, double floor) ->
            Math.max(floor, epsilon * StrictMath.pow(rate, context.episodesBefore()));
        case Decay.PerStep(double rate, double floor) ->
            Math.max(floor, epsilon * StrictMath.pow(rate, context.stepsBefore()));
      };
    }
  }

  /** How epsilon shrinks as a session goes on. StrictMath keeps the values the same on every JVM. */
  sealed interface Decay permits Decay.None, Decay.PerEpisode, Decay.PerStep {
    double floor();

    String id();

    /** Epsilon stays as it is. */
    record None() implements Decay {
      public double floor() { return 0.0; }
      public String id() { return "none"; }
    }

    /** Multiplied by {@code rate} at each new episode, never below {@code floor}. */
    record PerEpisode(double rate, double floor) implements Decay {
      public PerEpisode { check(rate, floor); }
      public String id() { return "per-episode"; }
    }

    /** Multiplied by {@code rate} at each step of the session, never below {@code floor}. */
    record PerStep(double rate, double floor) implements Decay {
      public PerStep { check(rate, floor); }
      public String id() { return "per-step"; }
    }

    private static void check(double rate, double floor) {
      if (!(rate > 0.0 && rate <= 1.0)) {
        throw new IllegalArgumentException("the decay rate must lie in (0, 1]: " + rate);
      }
      if (!(floor >= 0.0 && floor <= 1.0)) {
        throw new IllegalArgumentException("the decay floor must lie in [0, 1]: " + floor);
      }
    }
  }

  /**
   * Boltzmann exploration: P(a) = exp(Q(s,a) / T) / sum over valid a' of exp(Q(s,a') / T). A high temperature
   * picks nearly uniformly, a low one nearly greedily; unlike epsilon-greedy, a nearly-best action is tried far
   * more often than a clearly bad one. One {@code nextDouble()} draw.
   */
  record Softmax(double temperature) implements Policy {
    public Softmax {
      if (!(temperature > 0.0) || !Double.isFinite(temperature)) {
        throw new IllegalArgumentException("the temperature must be positive and finite: " + temperature);
      }
    }

    public String id() { return "softmax"; }
  }

  /**
   * UCB1: every valid action untried at its state key comes first (uniformly at random among them); then the
   * highest Q(s,a) + c * sqrt(ln N(s) / N(s,a)), ties at random. One {@code nextInt(bound)} draw.
   */
  record Ucb(double c) implements Policy {
    public Ucb {
      if (!(c >= 0.0) || !Double.isFinite(c)) {
        throw new IllegalArgumentException("the UCB weight c must be zero or positive: " + c);
      }
    }

    public String id() { return "ucb"; }
  }
}
