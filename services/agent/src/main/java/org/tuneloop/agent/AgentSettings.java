package org.tuneloop.agent;

import org.tuneloop.music.EditBounds;
import org.tuneloop.music.PitchStep;
import org.tuneloop.music.StartParameters;

/**
 * Learning settings of an arm (docs/agent-options.md).
 *
 * @param alpha     learning rate
 * @param gamma     discount
 * @param policy    how an action is picked
 * @param encoder   the Q key of (track, action); for a linear learner it keys the visit counts only
 * @param reward    what a step pays
 * @param baseline  what the reward is measured against and what untried actions are worth
 * @param pitchStep how far a pitch edit moves a note (the participant's start parameters complete it)
 * @param learner   tabular or linear
 */
public record AgentSettings(double alpha, double gamma, Policy policy, StateEncoder encoder, Reward reward,
                            Baseline baseline, PitchStep.Kind pitchStep, Learner learner) {

  public AgentSettings {
    if (policy == null || encoder == null || reward == null || baseline == null || pitchStep == null
        || learner == null) {
      throw new IllegalArgumentException("agent settings need a policy, encoder, reward, baseline, pitch step and learner");
    }
    if (reward instanceof Reward.ChangeOfRating && baseline instanceof Baseline.Centred) {
      throw new IllegalArgumentException("a change of rating is already centred on 0; use no baseline");
    }
  }

  /** The method's reward, baseline, pitch step and learner with the given rates, policy and encoder. */
  public AgentSettings(double alpha, double gamma, Policy policy, StateEncoder encoder) {
    this(alpha, gamma, policy, encoder, new Reward.Rating(), new Baseline.None(), PitchStep.Kind.SEMITONE,
        new Learner.Tabular());
  }

  /** The paper's: alpha 0.1, gamma 0.9, epsilon-greedy 0.5, absolute encoder, the rating as reward, Q from 0. */
  public static AgentSettings paper() {
    return new AgentSettings(0.1, 0.9, new Policy.EpsilonGreedy(0.5), new StateEncoder.Absolute());
  }

  /** The step's reward: the baseline applied to the reward (docs/agent-options.md). */
  public double reward(RewardInputs inputs) { return baseline.adjust(reward.value(inputs)); }

  /** The arm's bounds with this setting's pitch step for the participant's base note and scale. */
  public EditBounds bounds(EditBounds bounds, StartParameters parameters) {
    return bounds.withPitchStep(pitchStep.at(parameters));
  }

  public AgentSettings withAlpha(double a) {
    return new AgentSettings(a, gamma, policy, encoder, reward, baseline, pitchStep, learner);
  }

  public AgentSettings withGamma(double g) {
    return new AgentSettings(alpha, g, policy, encoder, reward, baseline, pitchStep, learner);
  }

  public AgentSettings withPolicy(Policy p) {
    return new AgentSettings(alpha, gamma, p, encoder, reward, baseline, pitchStep, learner);
  }

  public AgentSettings withEncoder(StateEncoder e) {
    return new AgentSettings(alpha, gamma, policy, e, reward, baseline, pitchStep, learner);
  }

  public AgentSettings withReward(Reward r) {
    return new AgentSettings(alpha, gamma, policy, encoder, r, baseline, pitchStep, learner);
  }

  public AgentSettings withBaseline(Baseline b) {
    return new AgentSettings(alpha, gamma, policy, encoder, reward, b, pitchStep, learner);
  }

  public AgentSettings withPitchStep(PitchStep.Kind k) {
    return new AgentSettings(alpha, gamma, policy, encoder, reward, baseline, k, learner);
  }

  public AgentSettings withLearner(Learner l) {
    return new AgentSettings(alpha, gamma, policy, encoder, reward, baseline, pitchStep, l);
  }
}
