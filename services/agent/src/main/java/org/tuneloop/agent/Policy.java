package org.tuneloop.agent;

/** How the agent picks an action; softmax and UCB come later. */
public sealed interface Policy permits Policy.EpsilonGreedy {

  /** Explore with probability epsilon, else exploit; ties among equal Q-values are broken uniformly at random. */
  record EpsilonGreedy(double epsilon) implements Policy {
    public EpsilonGreedy {
      if (!(epsilon >= 0.0 && epsilon <= 1.0)) {
        throw new IllegalArgumentException("epsilon must lie in [0, 1]: " + epsilon);
      }
    }
  }
}
