package org.tuneloop.agent;

import org.tuneloop.music.TrackEdit;

/**
 * The action picked at a state and what an audit needs to judge the pick.
 *
 * @param action   the edit
 * @param explored epsilon-greedy: the first draw fell below epsilon; softmax and UCB: the action's Q-value is below
 *                 the best valid action's (not a greedy pick)
 * @param epsilon  the effective epsilon (after decay) of an epsilon-greedy pick; 0 for softmax and UCB
 * @param pick     the policy's own figures
 */
public record Choice(TrackEdit action, boolean explored, double epsilon, Pick pick) {

  /** An epsilon-greedy choice, as recorded before other policies existed. */
  public Choice(TrackEdit action, boolean explored, double epsilon) {
    this(action, explored, epsilon, new Pick.EpsilonGreedy(epsilon));
  }

  /** Whether the pick was among the actions of the highest Q-value (as far as the policy says). */
  public boolean greedy() { return !explored; }

  /** The policy's figures behind a pick. */
  public sealed interface Pick permits Pick.EpsilonGreedy, Pick.Softmax, Pick.Ucb {
    /** @param epsilon the effective epsilon, after decay */
    record EpsilonGreedy(double epsilon) implements Pick {}

    /** @param temperature the policy's temperature; @param probability the chosen action's Boltzmann probability */
    record Softmax(double temperature, double probability) implements Pick {}

    /**
     * @param c       the exploration weight
     * @param visits  N(s, a) of the chosen action before this step (0: untried, picked before any tried action)
     * @param bonus   c * sqrt(ln N(s) / N(s, a)); 0 for an untried action
     */
    record Ucb(double c, int visits, double bonus) implements Pick {}
  }
}
