package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.Note;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

class QLearningUpdateTest {

  @Test
  void bellmanUpdate() {
    // 5 + 0.1 * (7 + 0.9 * 6 - 5) = 5 + 0.1 * 7.4
    assertThat(QLearning.update(5, 7, 6, 0.1, 0.9, false)).isCloseTo(5.74, within(1e-12));
  }

  @Test
  void terminalUpdateHasNoMaxTerm() {
    assertThat(QLearning.update(5, 7, 6, 0.1, 0.9, true)).isCloseTo(5.2, within(1e-12));
    assertThat(QLearning.update(0, 8, 1_000, 0.1, 0.9, true)).isCloseTo(0.8, within(1e-12));
  }

  @Property
  void movesTowardTheTargetByExactlyAlphaOfTheGap(
      @ForAll @DoubleRange(min = -20, max = 20) double before,
      @ForAll @DoubleRange(min = -10, max = 10) double reward,
      @ForAll @DoubleRange(min = -20, max = 20) double maxNext,
      @ForAll @DoubleRange(min = 0, max = 1) double alpha,
      @ForAll @DoubleRange(min = 0, max = 1) double gamma,
      @ForAll boolean terminal) {
    double target = terminal ? reward : reward + gamma * maxNext;
    double after = QLearning.update(before, reward, maxNext, alpha, gamma, terminal);
    assertThat(after - before).isCloseTo(alpha * (target - before), within(1e-9));
    // Never overshoots: the new value lies between the old one and the target.
    assertThat(after).isBetween(Math.min(before, target) - 1e-9, Math.max(before, target) + 1e-9);
  }

  @Test
  void maxNextTakesTheBestValidActionAtTheNextState() {
    StartParameters parameters = new StartParameters(60, Scale.MAJOR, 2, 90);
    EditBounds bounds = EditBounds.around(60);
    StateEncoder encoder = new StateEncoder.Absolute();
    Track next = new Track(List.of(new Note(84, 1.0, 35), new Note(60, 0.5, 38)));
    assertThat(QLearning.maxNext(QTable.empty(), next, parameters, bounds, encoder)).isZero();

    QKey down = encoder.key(next, TrackEdit.parse("pitch-down@0"), parameters);
    QKey invalidUp = encoder.key(next, TrackEdit.parse("pitch-up@0"), parameters); // 84 is the highest pitch
    QKey otherState = encoder.key(new Track(List.of(new Note(83, 1.0, 35), new Note(60, 0.5, 38))),
        TrackEdit.parse("pitch-up@0"), parameters);
    QTable q = QTable.empty().with(down, 2.5).with(invalidUp, 9.0).with(otherState, 7.0);
    assertThat(QLearning.maxNext(q, next, parameters, bounds, encoder)).isEqualTo(2.5);

    // An untried valid action is worth 0, so it beats a negative one.
    QTable negative = QTable.empty().with(down, -1.0);
    assertThat(QLearning.maxNext(negative, next, parameters, bounds, encoder)).isZero();
  }

  @Test
  void maxNextIsZeroWhenNothingIsValid() {
    EditBounds tight = new EditBounds(60, 60, 0.5, 0.5, 0.25, 1, List.of(35));
    Track stuck = new Track(List.of(new Note(60, 0.5, 35)));
    StartParameters parameters = new StartParameters(60, Scale.MAJOR, 1, 90);
    QTable q = QTable.empty().with(new StateEncoder.Absolute().key(stuck, TrackEdit.parse("pitch-up@0"), parameters), 5);
    assertThat(QLearning.maxNext(q, stuck, parameters, tight, new StateEncoder.Absolute())).isZero();
  }

  @Test
  void maxNextOverOnlyNegativeValuesIsNegative() {
    EditBounds bounds = new EditBounds(60, 61, 0.5, 0.5, 0.25, 1, List.of(35));
    Track next = new Track(List.of(new Note(60, 0.5, 35))); // only pitch-up@0 is valid
    StartParameters parameters = new StartParameters(60, Scale.MAJOR, 1, 90);
    StateEncoder encoder = new StateEncoder.Absolute();
    assertThat(TrackEdit.validAt(next, bounds)).extracting(TrackEdit::key).containsExactly("pitch-up@0");
    QTable q = QTable.empty().with(encoder.key(next, TrackEdit.parse("pitch-up@0"), parameters), -3.0);
    assertThat(QLearning.maxNext(q, next, parameters, bounds, encoder)).isEqualTo(-3.0);
  }
}
