package org.tuneloop.agent;

/** What the reward is measured against, and what an untried action is worth. */
public sealed interface Baseline permits Baseline.None, Baseline.Centred, Baseline.OptimisticStart {

  /** The midpoint of the 1-10 rating scale. */
  double MIDPOINT = 5.5;

  /** "none", "centred" or "optimistic-start". */
  String id();

  /** The reward after the baseline. */
  double adjust(double reward);

  /** Q of an absent key (tabular) or the bias weight at the start (linear). */
  double initialValue();

  /** The method's: rewards as they are, Q starting at 0. */
  record None() implements Baseline {
    public String id() { return "none"; }
    public double adjust(double reward) { return reward; }
    public double initialValue() { return 0.0; }
  }

  /**
   * Reward minus 5.5: below-middle ratings become negative, so an action rated poorly falls below the untried
   * ones (worth 0) and the greedy pick moves on to them.
   */
  record Centred() implements Baseline {
    public String id() { return "centred"; }
    public double adjust(double reward) { return reward - MIDPOINT; }
    public double initialValue() { return 0.0; }
  }

  /** Rewards as they are, but every untried action starts at {@code initial} (e.g. 10): greedy picks try them all. */
  record OptimisticStart(double initial) implements Baseline {
    public OptimisticStart {
      if (!Double.isFinite(initial)) {
        throw new IllegalArgumentException("the initial value must be finite: " + initial);
      }
    }
    public String id() { return "optimistic-start"; }
    public double adjust(double reward) { return reward; }
    public double initialValue() { return initial; }
  }
}
