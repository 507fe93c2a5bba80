package org.tuneloop.agent;

/** What the agent is paid for a step, before the {@link Baseline}. */
public sealed interface Reward permits Reward.Rating, Reward.ChangeOfRating, Reward.Compound {

  /** "rating", "change-of-rating" or "compound". */
  String id();

  /** The reward of a step; throws IllegalArgumentException when an input it needs is absent. */
  double value(RewardInputs inputs);

  /** The method's: the rating of the new track. */
  record Rating() implements Reward {
    public String id() { return "rating"; }
    public double value(RewardInputs inputs) { return inputs.rating(); }
  }

  /**
   * The rating minus the previous track's rating: what the edit itself did, without the level of the fresh
   * track, which the agent did not choose. Step 1 compares with the rating of the episode's fresh track.
   */
  record ChangeOfRating() implements Reward {
    public String id() { return "change-of-rating"; }
    public double value(RewardInputs inputs) {
      int previous = inputs.previousRating().orElseThrow(() -> new IllegalArgumentException(
          "a change of rating needs the previous track's rating (on step 1, the fresh track's)"));
      return inputs.rating() - previous;
    }
  }

  /**
   * A weighted mean of three aspect ratings; the weights are normalised to sum to 1, so the reward stays on the
   * rating scale. The overall rating is not used.
   */
  record Compound(double musicality, double novelty, double coherence) implements Reward {
    public Compound {
      if (!(musicality >= 0 && novelty >= 0 && coherence >= 0)
          || !Double.isFinite(musicality + novelty + coherence) || musicality + novelty + coherence <= 0) {
        throw new IllegalArgumentException("compound weights must be zero or positive, not all zero: "
            + musicality + ", " + novelty + ", " + coherence);
      }
      double sum = musicality + novelty + coherence;
      musicality = musicality / sum;
      novelty = novelty / sum;
      coherence = coherence / sum;
    }

    public String id() { return "compound"; }

    public double value(RewardInputs inputs) {
      RewardInputs.Aspects a = inputs.aspects().orElseThrow(() -> new IllegalArgumentException(
          "a compound reward needs the musicality, novelty and coherence ratings"));
      return musicality * a.musicality() + novelty * a.novelty() + coherence * a.coherence();
    }
  }
}
