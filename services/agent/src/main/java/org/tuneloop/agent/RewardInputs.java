package org.tuneloop.agent;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a step's reward is computed from.
 *
 * @param rating         the rating of the new track s_k, 1 to 10
 * @param previousRating the rating of s_(k-1): the previous step's, or on step 1 the rating of the episode's fresh
 *                       track (rated before any edit); needed by {@link Reward.ChangeOfRating}
 * @param aspects        the three aspect ratings of s_k; needed by {@link Reward.Compound}
 */
public record RewardInputs(int rating, OptionalInt previousRating, Optional<Aspects> aspects) {

  /** Ratings of one track on three aspects, each 1 to 10. */
  public record Aspects(int musicality, int novelty, int coherence) {}

  public RewardInputs {
    if (previousRating == null || aspects == null) {
      throw new IllegalArgumentException("use OptionalInt.empty() and Optional.empty() for absent inputs");
    }
  }

  /** A rating alone. */
  public static RewardInputs of(int rating) { return new RewardInputs(rating, OptionalInt.empty(), Optional.empty()); }

  public RewardInputs withPrevious(int previous) { return new RewardInputs(rating, OptionalInt.of(previous), aspects); }

  public RewardInputs withAspects(Aspects given) { return new RewardInputs(rating, previousRating, Optional.of(given)); }
}
