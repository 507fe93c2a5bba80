package org.tuneloop.agent;

/** Learning settings of an arm. */
public record AgentSettings(double alpha, double gamma, Policy policy, StateEncoder encoder) {
  /** The paper's: alpha 0.1, gamma 0.9, epsilon-greedy 0.5, absolute encoder. */
  public static AgentSettings paper() {
    return new AgentSettings(0.1, 0.9, new Policy.EpsilonGreedy(0.5), new StateEncoder.Absolute());
  }
}
