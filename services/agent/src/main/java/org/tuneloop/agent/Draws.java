package org.tuneloop.agent;

import java.util.random.RandomGenerator;

/**
 * Seeded randomness: every draw of a step derives from (seed, episode, step, purpose) alone,
 * so any step can be re-derived without replaying earlier ones.
 */
public final class Draws {
  private Draws() {}

  /** What the draws are for; each purpose gets an independent stream. */
  public enum Purpose { TRACK, POLICY, COMPOSITION }

  public static RandomGenerator of(long seed, int episode, int step, Purpose purpose) {
    throw new UnsupportedOperationException("contract stub");
  }
}
