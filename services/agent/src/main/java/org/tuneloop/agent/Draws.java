package org.tuneloop.agent;

import java.util.random.RandomGenerator;

/**
 * Seeded randomness: every draw of a step derives from (seed, episode, step, purpose) alone,
 * so any step can be re-derived without replaying earlier ones.
 */
public final class Draws {
  private Draws() {}

  /**
   * What the draws are for; each purpose gets an independent stream. FLOW: draws of the study's flow outside
   * training (the evaluation's baseline track, the headphone check's trials). BASE_NOTE: the episode's base note
   * drawn from an arm's set (docs/agent-options.md).
   */
  public enum Purpose { TRACK, POLICY, COMPOSITION, ASSIGNMENT, FLOW, BASE_NOTE }

  /**
   * A fresh generator for one step and purpose. The coordinates are folded in one at a time through the
   * SplitMix64 finaliser, a bijection with full avalanche, so coordinates that differ in any component
   * give unrelated streams (collisions only by 2^-64 chance), and nothing but these four values
   * (no clock, no call history) enters.
   * The purpose enters by ordinal: append new purposes at the end, never reorder them.
   */
  public static RandomGenerator of(long seed, int episode, int step, Purpose purpose) {
    long h = SplitMix64.mix64(seed + SplitMix64.GOLDEN_GAMMA);
    h = SplitMix64.mix64(h + SplitMix64.GOLDEN_GAMMA + episode);
    h = SplitMix64.mix64(h + SplitMix64.GOLDEN_GAMMA + step);
    h = SplitMix64.mix64(h + SplitMix64.GOLDEN_GAMMA + purpose.ordinal());
    return new SplitMix64(h);
  }
}
