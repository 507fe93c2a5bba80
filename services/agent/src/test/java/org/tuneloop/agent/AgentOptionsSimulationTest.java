package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tuneloop.music.PitchStep;

/**
 * The figures of docs/agent-options.md: each option against simulated participants ({@link SimulatedStudy}).
 * Run with {@code mvn -B -o -Dexec.skip=true -pl services/music,services/agent -am test
 * -Dtest=AgentOptionsSimulationTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class AgentOptionsSimulationTest {
  static final int PARTICIPANTS = 200;

  static Map<String, AgentSettings> arms() {
    AgentSettings paper = AgentSettings.paper();
    Policy decaying = new Policy.EpsilonGreedy(0.5, new Policy.Decay.PerEpisode(0.7, 0.05));
    AgentSettings localChange = paper.withEncoder(new StateEncoder.Local()).withReward(new Reward.ChangeOfRating())
        .withPolicy(decaying);
    // Weights move for every feature at once, so the linear learner takes a smaller step than the table's 0.1.
    AgentSettings linearChange = paper.withLearner(new Learner.Linear()).withReward(new Reward.ChangeOfRating())
        .withPolicy(decaying).withAlpha(0.02);
    Map<String, AgentSettings> arms = new LinkedHashMap<>();
    arms.put("paper", paper);
    arms.put("encoder interval", paper.withEncoder(new StateEncoder.Interval()));
    arms.put("encoder local", paper.withEncoder(new StateEncoder.Local()));
    arms.put("pitch step scale-degree", paper.withPitchStep(PitchStep.Kind.SCALE_DEGREE));
    arms.put("epsilon 0.5 decaying 0.7/episode to 0.05", paper.withPolicy(decaying));
    arms.put("softmax T=1", paper.withPolicy(new Policy.Softmax(1.0)));
    arms.put("ucb c=2", paper.withPolicy(new Policy.Ucb(2.0)));
    arms.put("reward change-of-rating", paper.withReward(new Reward.ChangeOfRating()));
    arms.put("baseline centred", paper.withBaseline(new Baseline.Centred()));
    arms.put("baseline optimistic 10", paper.withBaseline(new Baseline.OptimisticStart(10)));
    arms.put("linear", paper.withLearner(new Learner.Linear()));
    arms.put("linear alpha 0.02", paper.withLearner(new Learner.Linear()).withAlpha(0.02));
    arms.put("local + change", paper.withEncoder(new StateEncoder.Local()).withReward(new Reward.ChangeOfRating()));
    arms.put("local + change + decay", localChange);
    arms.put("local + change + decay + scale-degree", localChange.withPitchStep(PitchStep.Kind.SCALE_DEGREE));
    arms.put("linear + change + decay", linearChange);
    arms.put("linear + change + decay + scale-degree", linearChange.withPitchStep(PitchStep.Kind.SCALE_DEGREE));
    return arms;
  }

  @Test
  @Timeout(60)
  void eachOptionAgainstSimulatedParticipants() {
    long start = System.nanoTime();
    double cpuStart = cpuSeconds();
    // Arms are independent pure runs, so two at a time give the same figures, sooner.
    List<SimulatedStudy.ArmReport> reports = arms().entrySet().parallelStream()
        .map(arm -> SimulatedStudy.arm(arm.getKey(), arm.getValue(), PARTICIPANTS)).toList();
    System.out.println("| arm | participants | gain (ep 9-10 minus 1-2) | 95% CI | ep 1-2 | ep 9-10 | revisited updates | edits |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
    reports.forEach(System.out::println);
    System.out.printf("(%.1f s wall clock, %.1f s CPU)%n", (System.nanoTime() - start) / 1e9, cpuSeconds() - cpuStart);

    SimulatedStudy.ArmReport paper = reports.get(0);
    assertThat(paper.gain()).as("the paper's agent learns next to nothing").isBetween(-0.3, 0.3);
    assertThat(paper.revisitShare()).as("and almost never updates a key twice").isLessThan(0.1);
    assertThat(reports).as("some option gains half a rating point").anySatisfy(r -> assertThat(r.gain()).isGreaterThanOrEqualTo(0.5));
  }

  private static double cpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1e9;
  }
}
