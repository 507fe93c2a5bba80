package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tuneloop.agent.Draws.Purpose;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.Note;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

class PolicyOptionsTest {
  private static final StartParameters PARAMETERS = StartParameters.defaults();
  private static final EditBounds BOUNDS = EditBounds.around(60);
  private static final StateEncoder ENCODER = new StateEncoder.Absolute();
  private final Track track = new Track(List.of(new Note(60, 0.5, 35), new Note(64, 0.25, 38), new Note(67, 1.0, 35)));

  private static AgentSettings with(Policy policy) { return AgentSettings.paper().withPolicy(policy); }

  @Test
  void epsilonDecaysPerEpisodeOrPerStepDownToItsFloor() {
    Policy.EpsilonGreedy episodes = new Policy.EpsilonGreedy(0.5, new Policy.Decay.PerEpisode(0.5, 0.1));
    assertThat(episodes.at(new StepContext(1, 5, 8))).isEqualTo(0.5);
    assertThat(episodes.at(new StepContext(2, 1, 8))).isEqualTo(0.25);
    assertThat(episodes.at(new StepContext(3, 8, 8))).isEqualTo(0.125);
    assertThat(episodes.at(new StepContext(4, 1, 8))).isEqualTo(0.1); // 0.0625 is below the floor
    Policy.EpsilonGreedy steps = new Policy.EpsilonGreedy(0.4, new Policy.Decay.PerStep(0.9, 0.0));
    assertThat(steps.at(new StepContext(1, 1, 8))).isEqualTo(0.4);
    assertThat(steps.at(new StepContext(1, 3, 8))).isCloseTo(0.4 * 0.81, within(1e-15));
    assertThat(steps.at(new StepContext(2, 1, 8))).isCloseTo(0.4 * Math.pow(0.9, 8), within(1e-15));
    assertThat(new Policy.EpsilonGreedy(0.3).at(new StepContext(9, 8, 8))).isEqualTo(0.3);
    assertThatThrownBy(() -> new Policy.EpsilonGreedy(0.1, new Policy.Decay.PerStep(0.9, 0.2))).hasMessageContaining("floor");
    assertThatThrownBy(() -> new Policy.Decay.PerEpisode(0, 0)).hasMessageContaining("rate");
  }

  @Test
  void theChoiceRecordsTheDecayedEpsilon() {
    AgentSettings settings = with(new Policy.EpsilonGreedy(0.5, new Policy.Decay.PerEpisode(0.5, 0.0)));
    Choice choice = QLearning.choose(QTable.empty(), track, PARAMETERS, BOUNDS, settings, new StepContext(3, 1, 8),
        Draws.of(1, 3, 1, Purpose.POLICY));
    assertThat(choice.epsilon()).isEqualTo(0.125);
    assertThat(choice.pick()).isEqualTo(new Choice.Pick.EpsilonGreedy(0.125));
    // The old signature is the session's start: no decay.
    assertThat(QLearning.choose(QTable.empty(), track, PARAMETERS, BOUNDS, settings, Draws.of(1, 3, 1, Purpose.POLICY)).epsilon())
        .isEqualTo(0.5);
  }

  @Test
  void softmaxPicksByBoltzmannProbabilities() {
    List<TrackEdit> valid = TrackEdit.validAt(track, BOUNDS);
    QTable q = QTable.empty();
    for (int i = 0; i < valid.size(); i++) {
      q = q.with(ENCODER.key(track, valid.get(i), PARAMETERS), (i % 4) * 0.5); // 0, 0.5, 1, 1.5, 0, ...
    }
    double temperature = 0.8;
    double z = 0;
    for (int i = 0; i < valid.size(); i++) {
      z += Math.exp((i % 4) * 0.5 / temperature);
    }
    int seeds = 2_000;
    Map<TrackEdit, Integer> counts = new HashMap<>();
    for (long seed = 0; seed < seeds; seed++) {
      Choice choice = QLearning.choose(q, track, PARAMETERS, BOUNDS, with(new Policy.Softmax(temperature)),
          StepContext.START, Draws.of(seed, 1, 1, Purpose.POLICY));
      counts.merge(choice.action(), 1, Integer::sum);
      int index = valid.indexOf(choice.action());
      double p = Math.exp((index % 4) * 0.5 / temperature) / z;
      assertThat(choice.pick()).isInstanceOf(Choice.Pick.Softmax.class);
      assertThat(((Choice.Pick.Softmax) choice.pick()).probability()).isCloseTo(p, within(1e-12));
      assertThat(choice.explored()).isEqualTo(index % 4 != 3);
    }
    // Each of the four value levels, summed over its actions, within 3 points of its Boltzmann share.
    for (int level = 0; level < 4; level++) {
      double expected = 0;
      int observed = 0;
      for (int i = 0; i < valid.size(); i++) {
        if (i % 4 == level) {
          expected += Math.exp(level * 0.5 / temperature) / z;
          observed += counts.getOrDefault(valid.get(i), 0);
        }
      }
      assertThat(observed / (double) seeds).as("level %d", level).isCloseTo(expected, within(0.03));
    }
  }

  @Test
  void softmaxDrawsOneDouble() {
    ChooseTest.Recording random = new ChooseTest.Recording(new SplittableRandom(3));
    QLearning.choose(QTable.empty(), track, PARAMETERS, BOUNDS, with(new Policy.Softmax(1)), StepContext.START, random);
    assertThat(random.calls).containsExactly("nextDouble");
  }

  @Test
  void ucbTriesEveryActionOnceBeforeRepeatingAny() {
    List<TrackEdit> valid = TrackEdit.validAt(track, BOUNDS);
    AgentSettings settings = with(new Policy.Ucb(2.0));
    QTable q = QTable.empty();
    Set<TrackEdit> tried = new HashSet<>();
    for (int step = 1; step <= valid.size(); step++) {
      ChooseTest.Recording random = new ChooseTest.Recording(Draws.of(7, 1, step, Purpose.POLICY));
      Choice choice = QLearning.choose(q, track, PARAMETERS, BOUNDS, settings, StepContext.START, random);
      assertThat(random.calls).containsExactly("nextInt(" + (valid.size() - step + 1) + ")");
      assertThat(tried.add(choice.action())).as("step %d repeats %s", step, choice.action().key()).isTrue();
      assertThat(choice.pick()).isEqualTo(new Choice.Pick.Ucb(2.0, 0, 0.0));
      q = q.with(ENCODER.key(track, choice.action(), PARAMETERS), step % 3); // rewards 1, 2, 0, ...
    }
    assertThat(tried).containsExactlyInAnyOrderElementsOf(valid);
    // All tried once: the highest Q plus an equal bonus wins.
    Choice next = QLearning.choose(q, track, PARAMETERS, BOUNDS, settings, StepContext.START, Draws.of(7, 1, 99, Purpose.POLICY));
    assertThat(q.value(ENCODER.key(track, next.action(), PARAMETERS))).isEqualTo(2.0);
    Choice.Pick.Ucb pick = (Choice.Pick.Ucb) next.pick();
    assertThat(pick.visits()).isEqualTo(1);
    assertThat(pick.bonus()).isCloseTo(2.0 * Math.sqrt(Math.log(valid.size())), within(1e-12));
  }

  @Test
  void ucbFavoursTheLessTriedOfEqualValues() {
    List<TrackEdit> valid = TrackEdit.validAt(track, BOUNDS);
    QTable q = QTable.empty();
    for (TrackEdit action : valid) {
      q = q.with(ENCODER.key(track, action, PARAMETERS), 1.0);
    }
    QKey favourite = ENCODER.key(track, valid.get(0), PARAMETERS);
    q = q.with(favourite, 1.0).with(favourite, 1.0);
    assertThat(q.visits().of(favourite)).isEqualTo(3);
    assertThat(q.visits().ofState(favourite.state())).isEqualTo(valid.size() + 2);
    for (long seed = 0; seed < 50; seed++) {
      Choice choice = QLearning.choose(q, track, PARAMETERS, BOUNDS, with(new Policy.Ucb(1.0)), StepContext.START,
          Draws.of(seed, 1, 1, Purpose.POLICY));
      assertThat(choice.action()).isNotEqualTo(valid.get(0));
    }
  }

  @Test
  void sameSeedSameChoiceForEveryPolicy() {
    QTable q = QTable.empty().with(ENCODER.key(track, TrackEdit.validAt(track, BOUNDS).get(2), PARAMETERS), 3.0);
    for (Policy policy : List.of(new Policy.EpsilonGreedy(0.5, new Policy.Decay.PerStep(0.95, 0.05)),
        new Policy.Softmax(0.5), new Policy.Ucb(1.5))) {
      for (long seed = 0; seed < 100; seed++) {
        StepContext context = new StepContext(2, 3, 8);
        Choice a = QLearning.choose(q, track, PARAMETERS, BOUNDS, with(policy), context, Draws.of(seed, 2, 3, Purpose.POLICY));
        Choice b = QLearning.choose(q, track, PARAMETERS, BOUNDS, with(policy), context, Draws.of(seed, 2, 3, Purpose.POLICY));
        assertThat(b).isEqualTo(a);
      }
    }
  }

  @Test
  void policiesRejectMeaninglessParameters() {
    assertThatThrownBy(() -> new Policy.Softmax(0)).hasMessageContaining("temperature");
    assertThatThrownBy(() -> new Policy.Ucb(-1)).hasMessageContaining("c");
    assertThat(List.of(new Policy.EpsilonGreedy(0.5).id(), new Policy.Softmax(1).id(), new Policy.Ucb(1).id()))
        .containsExactly("epsilon-greedy", "softmax", "ucb");
  }
}
