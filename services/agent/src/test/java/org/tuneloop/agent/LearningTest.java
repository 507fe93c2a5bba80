package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tuneloop.agent.Draws.Purpose;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.PitchStep;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackGenerator;

/** The entry point a decider calls: the paper's settings give what QLearning gives, and updates fold back exactly. */
class LearningTest {
  private static final StartParameters PARAMETERS = StartParameters.defaults();
  private static final long SEED = 4242;

  record Recorded(List<Choice> choices, List<Update> updates, Learnt end) {}

  /** A session of 3 episodes of 8 steps with made-up ratings, as a decider would run it. */
  private static Recorded session(AgentSettings settings) {
    EditBounds bounds = settings.bounds(EditBounds.around(60), PARAMETERS);
    Learnt learnt = Learning.start(settings);
    List<Choice> choices = new ArrayList<>();
    List<Update> updates = new ArrayList<>();
    for (int episode = 1; episode <= 3; episode++) {
      Track state = TrackGenerator.generate(PARAMETERS, bounds, Draws.of(SEED, episode, 0, Purpose.TRACK));
      int previous = 5;
      for (int step = 1; step <= 8; step++) {
        Choice choice = Learning.choose(learnt, state, PARAMETERS, bounds, settings, new StepContext(episode, step, 8),
            Draws.of(SEED, episode, step, Purpose.POLICY));
        Track next = choice.action().applyTo(state, bounds).orElseThrow();
        int rating = 1 + (episode * 7 + step * 3) % 10;
        Update update = Learning.update(learnt, new Learning.Transition(state, choice.action(), next, step == 8,
            RewardInputs.of(rating).withPrevious(previous)), PARAMETERS, bounds, settings);
        choices.add(choice);
        updates.add(update);
        learnt = update.applyTo(learnt);
        previous = rating;
        state = next;
      }
    }
    return new Recorded(choices, updates, learnt);
  }

  private static List<AgentSettings> everyOption() {
    AgentSettings paper = AgentSettings.paper();
    return List.of(paper,
        paper.withEncoder(new StateEncoder.Interval()),
        paper.withEncoder(new StateEncoder.Local()).withPolicy(new Policy.Ucb(1)),
        paper.withPolicy(new Policy.Softmax(2)).withBaseline(new Baseline.Centred()),
        paper.withPolicy(new Policy.EpsilonGreedy(0.5, new Policy.Decay.PerStep(0.9, 0.05)))
            .withReward(new Reward.ChangeOfRating()).withPitchStep(PitchStep.Kind.SCALE_DEGREE),
        paper.withBaseline(new Baseline.OptimisticStart(10)),
        paper.withLearner(new Learner.Linear()).withReward(new Reward.ChangeOfRating()).withAlpha(0.02),
        paper.withLearner(new Learner.Linear()).withPolicy(new Policy.Ucb(2)));
  }

  @Test
  void thePapersSettingsGiveWhatQLearningGives() {
    AgentSettings paper = AgentSettings.paper();
    EditBounds bounds = EditBounds.around(60);
    Recorded recorded = session(paper);
    QTable q = QTable.empty();
    int k = 0;
    for (int episode = 1; episode <= 3; episode++) {
      Track state = TrackGenerator.generate(PARAMETERS, bounds, Draws.of(SEED, episode, 0, Purpose.TRACK));
      for (int step = 1; step <= 8; step++) {
        Choice old = QLearning.choose(q, state, PARAMETERS, bounds, paper, Draws.of(SEED, episode, step, Purpose.POLICY));
        assertThat(recorded.choices().get(k)).isEqualTo(old);
        Track next = old.action().applyTo(state, bounds).orElseThrow();
        Update.Tabular update = (Update.Tabular) recorded.updates().get(k);
        QKey key = paper.encoder().key(state, old.action(), PARAMETERS);
        double maxNext = step == 8 ? 0 : QLearning.maxNext(q, next, PARAMETERS, bounds, paper.encoder());
        double after = QLearning.update(q.value(key), update.reward(), maxNext, 0.1, 0.9, step == 8);
        assertThat(update.key()).isEqualTo(key);
        assertThat(update.after()).isEqualTo(after);
        q = q.with(key, after);
        state = next;
        k++;
      }
    }
    assertThat(recorded.end()).isEqualTo(new Learnt.Tabular(q));
    Track start = TrackGenerator.generate(PARAMETERS, bounds, Draws.of(SEED, -1, 0, Purpose.TRACK));
    assertThat(Learning.rollout(recorded.end(), start, PARAMETERS, bounds, paper, 8, SEED))
        .isEqualTo(QLearning.rollout(q, start, PARAMETERS, bounds, paper.encoder(), 8, SEED));
  }

  /** What an audit does: recompute every choice and update from the seed and ratings, and fold the recorded ones. */
  @Test
  void everyOptionReplaysExactly() {
    for (AgentSettings settings : everyOption()) {
      Recorded first = session(settings);
      Recorded again = session(settings);
      assertThat(again).as("%s", settings).isEqualTo(first);
      Learnt folded = Learning.start(settings);
      for (Update update : first.updates()) {
        folded = update.applyTo(folded);
      }
      assertThat(folded).as("the fold of the recorded updates, %s", settings).isEqualTo(first.end());
    }
  }

  @Test
  void aLinearUpdateCarriesItsFeaturesAndDeltas() {
    AgentSettings linear = AgentSettings.paper().withLearner(new Learner.Linear());
    Recorded recorded = session(linear);
    Learnt before = Learning.start(linear);
    for (Update u : recorded.updates()) {
      Update.Linear update = (Update.Linear) u;
      LinearQ.Weights w = ((Learnt.Linear) before).weights();
      double[] phi = update.features().stream().mapToDouble(Double::doubleValue).toArray();
      LinearQ.Step step = LinearQ.update(w, phi, update.reward(), update.maxNext(), update.alpha(), update.gamma(),
          update.terminal());
      assertThat(step.deltas()).isEqualTo(update.deltas());
      assertThat(step.after()).isEqualTo(update.after());
      assertThat(step.tdError()).isEqualTo(update.tdError());
      before = update.applyTo(before);
    }
    assertThat(((Learnt.Linear) before).visits().pairs().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(24);
  }

  @Test
  void anUpdateAppliesOnlyToItsOwnKindOfLearner() {
    Update tabular = session(AgentSettings.paper()).updates().get(0);
    assertThatThrownBy(() -> tabular.applyTo(Learning.start(AgentSettings.paper().withLearner(new Learner.Linear()))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void learnersParse() {
    assertThat(Learner.parse("tabular")).isEqualTo(new Learner.Tabular());
    assertThat(Learner.parse("linear")).isEqualTo(new Learner.Linear());
    assertThatThrownBy(() -> Learner.parse("deep")).hasMessageContaining("tabular, linear");
  }
}
