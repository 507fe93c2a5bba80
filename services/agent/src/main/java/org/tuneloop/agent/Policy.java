package org.tuneloop.agent;

/** How the agent picks an action; softmax and UCB come later. */
public sealed interface Policy permits Policy.EpsilonGreedy {

  /** Explore with probability epsilon, else exploit; ties among equal Q-values are broken uniformly at random. */
  record EpsilonGreedy(double epsilon) implements Policy {}
}
