package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.Note;
import org.tuneloop.music.PitchStep;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

class RewardTest {
  private static final RewardInputs SEVEN = RewardInputs.of(7);

  @Test
  void ratingIsTheRating() {
    assertThat(new Reward.Rating().value(SEVEN)).isEqualTo(7.0);
    assertThat(AgentSettings.paper().reward(SEVEN)).isEqualTo(7.0);
  }

  @Test
  void changeOfRatingComparesWithThePreviousTrack() {
    assertThat(new Reward.ChangeOfRating().value(SEVEN.withPrevious(4))).isEqualTo(3.0);
    assertThat(new Reward.ChangeOfRating().value(RewardInputs.of(2).withPrevious(9))).isEqualTo(-7.0);
    assertThatThrownBy(() -> new Reward.ChangeOfRating().value(SEVEN)).hasMessageContaining("previous");
  }

  @Test
  void compoundIsTheNormalisedWeightedMeanOfTheAspects() {
    Reward.Compound compound = new Reward.Compound(2, 1, 1);
    assertThat(compound).isEqualTo(new Reward.Compound(0.5, 0.25, 0.25));
    assertThat(compound.value(SEVEN.withAspects(new RewardInputs.Aspects(8, 4, 6)))).isCloseTo(6.5, within(1e-12));
    assertThatThrownBy(() -> compound.value(SEVEN)).hasMessageContaining("musicality");
    assertThatThrownBy(() -> new Reward.Compound(0, 0, 0)).hasMessageContaining("not all zero");
    assertThatThrownBy(() -> new Reward.Compound(-1, 1, 1)).hasMessageContaining("positive");
  }

  @Test
  void baselines() {
    assertThat(new Baseline.None().adjust(7)).isEqualTo(7.0);
    assertThat(new Baseline.Centred().adjust(7)).isEqualTo(1.5);
    assertThat(new Baseline.Centred().adjust(3)).isEqualTo(-2.5);
    assertThat(new Baseline.OptimisticStart(10).adjust(7)).isEqualTo(7.0);
    AgentSettings centred = AgentSettings.paper().withBaseline(new Baseline.Centred());
    assertThat(centred.reward(SEVEN)).isEqualTo(1.5);
    assertThat(centred.withReward(new Reward.Compound(1, 0, 0)).reward(SEVEN.withAspects(new RewardInputs.Aspects(9, 1, 1))))
        .isEqualTo(3.5);
    assertThatThrownBy(() -> AgentSettings.paper().withReward(new Reward.ChangeOfRating()).withBaseline(new Baseline.Centred()))
        .hasMessageContaining("already centred");
  }

  @Test
  void anOptimisticStartValuesEveryUntriedAction() {
    QKey key = new QKey("60:1:35", "pitch-up@0");
    assertThat(QTable.empty(10).value(key)).isEqualTo(10.0);
    assertThat(QTable.empty(10).with(key, 9.5).value(key)).isEqualTo(9.5);
    assertThat(QTable.empty(10).with(key, 9.5).value(new QKey("60:1:35", "pitch-down@0"))).isEqualTo(10.0);
    assertThat(QTable.empty(0)).isSameAs(QTable.empty());
    AgentSettings optimistic = AgentSettings.paper().withBaseline(new Baseline.OptimisticStart(10));
    assertThat(Learning.start(optimistic)).isEqualTo(new Learnt.Tabular(QTable.empty(10)));
    assertThat(((Learnt.Linear) Learning.start(optimistic.withLearner(new Learner.Linear()))).weights().of("bias")).isEqualTo(10.0);
  }

  @Test
  void thePapersSettingsAreUnchanged() {
    AgentSettings paper = AgentSettings.paper();
    assertThat(paper).isEqualTo(new AgentSettings(0.1, 0.9, new Policy.EpsilonGreedy(0.5), new StateEncoder.Absolute(),
        new Reward.Rating(), new Baseline.None(), PitchStep.Kind.SEMITONE, new Learner.Tabular()));
    assertThat(paper.bounds(EditBounds.around(60), StartParameters.defaults())).isEqualTo(EditBounds.around(60));
  }

  /** The worked example of QLearningUpdateTest, through the entry point every option goes through. */
  @Test
  void theHandComputedUpdateHoldsForRatingWithoutBaseline() {
    StartParameters parameters = StartParameters.defaults();
    EditBounds bounds = EditBounds.around(60);
    AgentSettings paper = AgentSettings.paper();
    Track previous = new Track(List.of(new Note(60, 0.5, 35), new Note(62, 0.5, 38)));
    TrackEdit action = TrackEdit.parse("pitch-up@1");
    Track current = action.applyTo(previous, bounds).orElseThrow();
    QKey key = paper.encoder().key(previous, action, parameters);
    QKey best = paper.encoder().key(current, TrackEdit.parse("duration-up@0"), parameters);
    QTable q = QTable.empty().with(key, 5).with(best, 6);
    Update update = Learning.update(new Learnt.Tabular(q), new Learning.Transition(previous, action, current, false, SEVEN),
        parameters, bounds, paper);
    assertThat(update).isInstanceOf(Update.Tabular.class);
    Update.Tabular tabular = (Update.Tabular) update;
    assertThat(tabular.key()).isEqualTo(key);
    assertThat(tabular.before()).isEqualTo(5.0);
    assertThat(tabular.reward()).isEqualTo(7.0);
    assertThat(tabular.maxNext()).isEqualTo(6.0);
    assertThat(tabular.after()).isCloseTo(5.74, within(1e-12));
    assertThat(tabular.visits()).isEqualTo(2);
    assertThat(update.applyTo(new Learnt.Tabular(q))).isEqualTo(new Learnt.Tabular(q.with(key, tabular.after())));
  }
}
